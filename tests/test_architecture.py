"""The shape of the code (docs/readme-top.md, "Architecture"), checked on the import graph.

Every `import` and `from … import` in gaoxin/**.py, at module level or inside a function, is read
with ast; a rule names who may not import what:
- the functional core (gaoxin.index, gaoxin.targets, gaoxin.enterprise, gaoxin.matching) imports no
  store, services, web, cli, ingest, reports or demo module, and neither SQLAlchemy nor FastAPI;
- nothing outside gaoxin/web imports gaoxin.web, FastAPI or Starlette;
- gaoxin/web and gaoxin/cli reach the database only through gaoxin.services (no gaoxin.store).
ALLOWED lists the imports that still break a rule, each with its owner and reason; it may only
shrink: an entry that no longer occurs fails the test too, so it is removed when fixed."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "gaoxin"
CORE = ("gaoxin.index", "gaoxin.targets", "gaoxin.enterprise", "gaoxin.matching")
SHELLS_WITHOUT_STORE = ("gaoxin.web", "gaoxin.cli")
# the shells (ingest, reports, demo: files, documents, generated data) are no business of the core either
CORE_MUST_NOT_IMPORT = ("gaoxin.store", "gaoxin.services", "gaoxin.web", "gaoxin.cli", "gaoxin.ingest",
                        "gaoxin.reports", "gaoxin.demo", "sqlalchemy", "fastapi")

# (importing module, imported module) → (owner, reason). Shrinks; never grows without a reason.
ALLOWED: dict[tuple[str, str], tuple[str, str]] = {}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module imported by the file (relative imports resolved)."""
    mod = module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.add(name)
            # `from gaoxin.web import engines` imports the module gaoxin.web.engines
            out.update(f"{name}.{a.name}" for a in node.names if _is_module(f"{name}.{a.name}"))
    return out


def _is_module(name: str) -> bool:
    if not name.startswith("gaoxin."):
        return False
    p = ROOT.parent.joinpath(*name.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(ROOT.rglob("*.py"))}


def violations(g: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for mod, imported in g.items():
        for name in imported:
            if _under(mod, CORE) and _under(name, CORE_MUST_NOT_IMPORT):
                found[(mod, name)] = "the core imports a shell, the store or a web/database library"
            if not _under(mod, ("gaoxin.web",)) and _under(name, ("gaoxin.web", "fastapi", "starlette")):
                found[(mod, name)] = "outside gaoxin/web: imports the web shell or FastAPI"
            if _under(mod, SHELLS_WITHOUT_STORE) and _under(name, ("gaoxin.store",)):
                found[(mod, name)] = "a shell queries the store instead of calling gaoxin.services"
    return found


def test_import_graph_follows_the_architecture():
    found = violations(graph())
    new = {k: v for k, v in found.items() if k not in ALLOWED}
    assert not new, "imports that break the architecture:\n" + "\n".join(
        f"  {a} imports {b}: {why}" for (a, b), why in sorted(new.items()))


def test_allow_list_only_shrinks():
    found = violations(graph())
    stale = [k for k in ALLOWED if k not in found]
    assert not stale, f"fixed, remove from ALLOWED: {stale}"


def test_the_checker_sees_what_it_must():
    # a hand-made graph: one import of each forbidden kind, and an allowed one
    g = {"gaoxin.matching.matcher": {"sqlalchemy.orm", "numpy"},
         "gaoxin.reports.charts": {"gaoxin.web.engines"},
         "gaoxin.cli.enterprise_cli": {"gaoxin.store.repo", "gaoxin.services.enterprises"},
         "gaoxin.web.pages": {"gaoxin.services.zones", "fastapi"}}
    assert set(violations(g)) == {("gaoxin.matching.matcher", "sqlalchemy.orm"),
                                  ("gaoxin.reports.charts", "gaoxin.web.engines"),
                                  ("gaoxin.cli.enterprise_cli", "gaoxin.store.repo")}


@pytest.mark.parametrize("rel, expected", [
    ("index/__init__.py", "gaoxin.index"), ("services/targets.py", "gaoxin.services.targets")])
def test_module_names(rel, expected):
    assert module_name(ROOT / rel) == expected

"""Schema migrations (Alembic, configured in code) and idempotent loading of reference data.

`init_database(url)` is what `gaoxin init`, `gaoxin demo` and the test fixtures call: upgrade to
head, then upsert regions, zones, the indicator registry and plans from `gaoxin.reference`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

import yaml
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gaoxin.store.db import get_engine, session_scope
from gaoxin.store.models import Indicator, Observation, Region, Zone

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config pointing at the packaged migrations; no alembic.ini in the cwd needed."""
    from gaoxin.paths import database_url
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' must be escaped for configparser (passwords in URLs may contain it)
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    cfg = alembic_config(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def init_database(url: str | None = None) -> dict[str, int]:
    """Create or migrate the schema, then load reference data. Safe to run any number of times.

    Returns counts of what the reference tables hold afterwards."""
    upgrade(url)
    with session_scope(url) as session:
        return load_reference(session)


# --- reference data ---------------------------------------------------------------------------

def load_reference(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    try:
        import gaoxin.reference as ref
    except ImportError:  # the reference area not installed yet: schema only
        ref = None
    if ref is not None:
        if hasattr(ref, "load_regions"):
            counts["regions"] = _upsert_by_code(session, Region, _records(ref.load_regions()),
                                                ("name", "level", "parent_code", "source"))
        if hasattr(ref, "load_zones"):
            counts["zones"] = _upsert_by_code(session, Zone, _records(ref.load_zones()),
                                              ("name", "short_name", "level", "city_code", "approved_year", "source"))
    registry = indicator_registry()
    counts["indicators"] = upsert_indicators(session, registry)
    _drop_gap_indicators(session, {item["code"] for item in registry})
    session.flush()
    try:
        from gaoxin.store.sync_plans import sync_plans
    except ImportError:
        sync_plans = None
    if sync_plans is not None:
        sync_plans(session)
    return counts


def _records(frame) -> list[dict[str, Any]]:
    import pandas as pd
    df = frame.astype(object).where(pd.notna(frame), None)
    return df.to_dict("records")


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if hasattr(v, "item"):  # numpy scalar → python
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _upsert_by_code(session: Session, model, records: list[dict], fields: Iterable[str]) -> int:
    existing = {row.code: row for row in session.scalars(select(model))}
    for rec in records:
        code = str(rec["code"]).strip()
        values = {}
        for f in fields:
            v = _clean(rec.get(f))
            if f in ("parent_code", "city_code") and v is not None:
                v = str(v).split(".")[0]  # a CSV read as numbers gives 430300.0
            if f == "approved_year" and v is not None:
                v = int(v)
            values[f] = v
        row = existing.get(code)
        if row is None:
            session.add(model(code=code, **values))
        else:
            for f, v in values.items():
                if getattr(row, f) != v:
                    setattr(row, f, v)
    session.flush()
    return len(records)


def framework_leaves(doc: dict) -> list[dict]:
    """Indicator nodes of a framework YAML (childless nodes): the indicators data must supply.

    A childless node marked ``missing: true`` is a documented gap (seed 001's truncated D4), not an
    indicator: registering or generating data for it would invent an indicator the source lacks."""
    out: list[dict] = []

    def walk(nodes):
        for node in nodes or []:
            if node.get("children"):
                walk(node["children"])
            elif not node.get("missing"):
                out.append(node)
    walk(doc.get("nodes"))
    return out


def framework_gap_codes(doc: dict) -> set[str]:
    """Codes of the gap nodes (``missing: true`` and no children) of a framework YAML."""
    out: set[str] = set()

    def walk(nodes):
        for node in nodes or []:
            if node.get("children"):
                walk(node["children"])
            elif node.get("missing"):
                out.add(str(node.get("code")))
    walk(doc.get("nodes"))
    return out


def _framework_docs() -> list[tuple[str, dict]]:
    try:
        import gaoxin.reference as ref
        names = list(ref.list_frameworks())
    except (ImportError, AttributeError):
        return []
    docs = []
    for name in names:
        path = Path(name) if isinstance(name, Path) or str(name).endswith((".yaml", ".yml")) else ref.framework_path(name)
        with open(path, encoding="utf-8") as fh:
            docs.append((Path(path).stem, yaml.safe_load(fh) or {}))
    return docs


def indicator_registry() -> list[dict]:
    """Every indicator code an import may use: framework leaves, enterprise fields, target indicators."""
    regs: dict[str, dict] = {}
    for fw_name, doc in _framework_docs():
        unit_types = doc.get("unit_types") or [doc.get("unit_type") or "zone"]
        for leaf in framework_leaves(doc):
            code = str(leaf.get("code"))
            if code in regs:
                continue
            regs[code] = {"code": code, "name": str(leaf.get("name") or code), "unit": leaf.get("unit"),
                          "unit_types": list(unit_types), "description": leaf.get("note"),
                          "source": leaf.get("source") or doc.get("source") or f"framework {fw_name}"}
    for module_name in ("gaoxin.enterprise.fields", "gaoxin.targets.plans"):
        try:
            module = __import__(module_name, fromlist=["indicator_registry"])
            items = module.indicator_registry()
        except (ImportError, AttributeError):
            continue
        for item in items:
            code = str(item["code"])
            if code in regs:  # merge unit types, keep the first name
                types = regs[code].get("unit_types") or []
                regs[code]["unit_types"] = sorted(set(types) | set(item.get("unit_types") or []))
                continue
            regs[code] = {"code": code, "name": str(item.get("name") or code), "unit": item.get("unit"),
                          "unit_types": list(item.get("unit_types") or []),
                          "description": item.get("description"), "source": item.get("source")}
    return list(regs.values())


def _drop_gap_indicators(session: Session, registered: set[str]) -> None:
    """Earlier versions registered framework gap nodes (D4) as indicators and generated demo data for
    them: remove those demo rows, and the registry rows unless real observations use the code (then a
    user has supplied data and the row stays)."""
    gaps = set()
    for _, doc in _framework_docs():
        gaps |= framework_gap_codes(doc)
    stale = sorted(gaps - registered)
    if not stale:
        return
    session.execute(delete(Observation).where(Observation.indicator_code.in_(stale), Observation.is_demo.is_(True)))
    used = set(session.scalars(select(Observation.indicator_code).where(
        Observation.indicator_code.in_(stale)).distinct()))
    drop = [c for c in stale if c not in used]
    if drop:
        session.execute(delete(Indicator).where(Indicator.code.in_(drop)))
        session.flush()


def upsert_indicators(session: Session, items: list[dict]) -> int:
    existing = {row.code: row for row in session.scalars(select(Indicator))}
    for item in items:
        row = existing.get(item["code"])
        values = {k: item.get(k) for k in ("name", "unit", "unit_types", "description", "source")}
        if isinstance(values["source"], (dict, list)):
            values["source"] = str(values["source"])
        if row is None:
            session.add(Indicator(code=item["code"], **values))
        else:
            for k, v in values.items():
                if getattr(row, k) != v:
                    setattr(row, k, v)
    session.flush()
    return len(items)

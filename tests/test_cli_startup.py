"""The lazy root command (gaoxin/cli/main.py): `gaoxin --help` lists every area without importing
it, and each command still behaves as if it had been registered eagerly. Behaviour, not time:
timing is benchmarks/cli_startup.py's job."""
import importlib
import subprocess
import sys

import typer
from typer.testing import CliRunner

from gaoxin.cli import main

HEAVY = ("pandas", "numpy", "scipy", "sqlalchemy")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_root_loads_no_heavy_module():
    mods = _modules_after("import gaoxin.cli.main")
    assert not [m for m in HEAVY if m in mods]
    assert not [m for m in mods if m.startswith("gaoxin.cli.") and m.endswith("_cli")]


def test_root_help_lists_every_area_without_importing_it():
    code = ("from typer.testing import CliRunner\nfrom gaoxin.cli.main import app\n"
            "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\nprint(r.output)")
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('MODULES', ' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True).stdout
    help_text, modules = out.split("MODULES")
    for name, module, text in main.COMMANDS:
        if importlib.util.find_spec(module) is not None:
            assert name in help_text and text[:8] in help_text, name
    assert not [m for m in HEAVY if m in modules.split()]


def test_placeholder_help_equals_each_area_own_help():
    """The help text kept in main.COMMANDS must be the one the area registers."""
    for name, module_name, text in main.COMMANDS:
        if importlib.util.find_spec(module_name) is None:
            continue                       # an area not built yet (e.g. registry_cli) is left out
        scratch = typer.Typer()
        scratch.callback()(lambda: None)
        importlib.import_module(module_name).register(scratch)
        group = typer.main.get_command(scratch)
        assert name in group.commands, f"{module_name} does not register {name}"
        assert group.commands[name].help == text, name


def test_commands_run_through_the_lazy_group(tmp_path):
    r = CliRunner().invoke(main.app, ["index", "run", "--help"])
    assert r.exit_code == 0 and "--stages" in r.output
    r = CliRunner().invoke(main.app, ["no-such-command"])
    assert r.exit_code == 2 and "没有命令" in r.output


def test_a_missing_area_is_left_out_not_an_error(monkeypatch):
    monkeypatch.setattr(main, "COMMANDS", main.COMMANDS + [("ghost", "gaoxin.cli.no_such_area_cli", "不存在")])
    r = CliRunner().invoke(main.app, ["--help"])
    assert r.exit_code == 0 and "ghost" not in r.output

"""`gaoxin` command line. Each area registers its own typer sub-app from gaoxin/cli/<area>_cli.py."""
from __future__ import annotations

import importlib

import typer

from gaoxin.cli import zh

zh.install()

app = typer.Typer(
    name="gaoxin",
    help="高新区创新监测评价平台（湖南）命令行工具。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

# (module, attribute, how it is mounted): a sub-app becomes `gaoxin <name> ...`;
# "commands" registers the module's commands at top level (init, demo, import, ...).
_AREAS = [
    ("gaoxin.cli.core_cli", "register", None),        # init, demo, import, template, zones, serve
    ("gaoxin.cli.index_cli", "register", None),       # index run/uncertainty, evaluate
    ("gaoxin.cli.targets_cli", "register", None),     # targets ...
    ("gaoxin.cli.enterprise_cli", "register", None),  # enterprise ...
    ("gaoxin.cli.matching_cli", "register", None),    # match ...
    ("gaoxin.cli.web_cli", "register", None),         # serve, users, report ...
]

for module_name, attr, _ in _AREAS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != module_name:
            raise
        continue
    getattr(module, attr)(app)


if __name__ == "__main__":
    app()

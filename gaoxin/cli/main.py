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




def run() -> None:
    """Console entry point: a database that is missing or unreachable gets a Chinese message,
    not a traceback."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from gaoxin.paths import database_url

    try:
        app()
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig if getattr(exc, "orig", None) is not None else exc)
        url = database_url()
        shown = url.split("@")[-1] if "@" in url else url
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            message = f"数据库尚未初始化（{shown}）：请先运行 gaoxin init，或运行 gaoxin demo 生成示例数据。"
        elif "could not connect" in text or "Connection refused" in text or "unable to open" in text:
            message = f"无法连接数据库（{shown}）：请检查 GAOXIN_DATABASE_URL 或数据库服务是否启动。原因：{text.splitlines()[0]}"
        else:
            message = f"数据库操作失败（{shown}）：{text.splitlines()[0]}"
        typer.echo(f"错误：{message}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    run()

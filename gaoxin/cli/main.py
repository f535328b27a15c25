"""`gaoxin` command line. Each area registers its own typer sub-app from gaoxin/cli/<area>_cli.py.

The root group is lazy: it knows every top-level command's name, area module and Chinese help
without importing the area, so `gaoxin --help` prints the command list in a fraction of a second;
an area module (and with it pandas, SQLAlchemy, ...) is imported only when one of its commands
runs or its own `--help` is asked for. Nothing heavy is imported at the top of this module.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys

import typer
from typer.core import TyperGroup

from gaoxin.cli import zh

zh.install()

# Every top-level command: (name, area module, help shown by `gaoxin --help`). Each area module has
# `register(app)` that mounts its commands; the help here must equal the help the area gives the
# command (tests/test_cli_startup.py checks this). An area whose module is not present yet
# (e.g. registry_cli while it is being built) is left out of the list, not an error.
COMMANDS: list[tuple[str, str, str]] = [
    ("init", "gaoxin.cli.core_cli", "创建或升级数据库，并载入参考数据。"),
    ("demo", "gaoxin.cli.core_cli", "生成示例数据（合成数据，标注“示例数据”）。"),
    ("import", "gaoxin.cli.core_cli", "导入 Excel / CSV 数据文件（全部成功或全部不导入）。"),
    ("template", "gaoxin.cli.core_cli", "生成填报用的 Excel 模板。"),
    ("zones", "gaoxin.cli.core_cli", "列出全部高新区。"),
    ("evaluate", "gaoxin.cli.index_cli",
     "用内置评价框架对数据库中的高新区数据计算综合评价并打印排名表（默认示例数据）。"),
    ("serve", "gaoxin.cli.web_cli", "启动网页平台（打印访问地址；首次启动自动创建管理员）。"),
    ("index", "gaoxin.cli.index_cli", "综合评价指数计算、不确定性与敏感性分析"),
    ("targets", "gaoxin.cli.targets_cli", "规划目标监测：目标清单、进度、预警与通报。"),
    ("enterprise", "gaoxin.cli.enterprise_cli", "企业梯度培育：认定判定、培育库、创新积分、奖补测算。"),
    ("match", "gaoxin.cli.matching_cli", "成果与需求对接（双高对接）：索引、匹配、路演、评测。"),
    ("users", "gaoxin.cli.web_cli", "用户管理：新增、列出、修改密码。"),
    ("report", "gaoxin.cli.web_cli", "生成报告：年度评价报告、目标通报（Word / PDF）。"),
    ("registry", "gaoxin.cli.registry_cli", "登记库：创新平台、上市后备、重点项目、专家与年度评估"),
]


def _module_present(module_name: str) -> bool:
    """True if the area module exists (found on the path, not imported)."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(TyperGroup):
    """A typer group whose sub-commands are imported on first use.

    `list_commands`/`get_command` (used by `--help`) answer from COMMANDS with light placeholder
    commands; `resolve_command` (used when a command is run, including `gaoxin <cmd> --help`)
    first imports the command's area, lets it register on a scratch app and keeps the real
    click commands, so the command behaves exactly as if it had been registered eagerly.
    """

    def _lazy(self) -> dict[str, tuple[str, str]]:
        return {name: (module, text) for name, module, text in COMMANDS if _module_present(module)}

    def list_commands(self, ctx) -> list[str]:
        names = list(self._lazy())
        return names + [n for n in self.commands if n not in names]

    def _load(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        scratch = typer.Typer(add_completion=False)
        scratch.callback()(lambda: None)  # always a group, even for an area with one command
        module.register(scratch)
        group = typer.main.get_command(scratch)
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            self.commands.setdefault(name, command)

    def get_command(self, ctx, cmd_name: str):
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self._lazy().get(cmd_name)
        if entry is None:
            return None
        module_name, text = entry
        return typer.core.TyperCommand(name=cmd_name, help=text)  # placeholder for the help list

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands:
            entry = self._lazy().get(args[0])
            if entry is not None:
                self._load(entry[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="gaoxin",
    cls=LazyGroup,
    help="高新区创新监测评价平台（湖南）命令行工具。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root() -> None:
    """高新区创新监测评价平台（湖南）命令行工具。"""


def run() -> None:
    """Console entry point: a database that is missing or unreachable gets a Chinese message,
    not a traceback."""
    try:
        app()
    except Exception as exc:
        # only SQLAlchemy's connection/schema errors are translated; anything else propagates.
        # If SQLAlchemy was never imported, the error cannot be one of them.
        if "sqlalchemy" not in sys.modules:
            raise
        from sqlalchemy.exc import OperationalError, ProgrammingError

        if not isinstance(exc, (OperationalError, ProgrammingError)):
            raise
        from gaoxin.paths import database_url

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

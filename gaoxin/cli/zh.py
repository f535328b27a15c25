"""Chinese for the words click and typer print themselves (help panels, usage errors).

click marks its messages with gettext; we bind its `_` to a small catalogue instead of shipping
a .mo file, so `--help` and error panels read in Chinese like the rest of the CLI.
"""
from __future__ import annotations

import importlib

CATALOGUE = {
    "Show this message and exit.": "显示帮助信息并退出。",
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Error": "错误",
    "Aborted!": "已中止！",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Invalid value": "取值无效",
    "Invalid value for {param_hint}": "{param_hint} 的取值无效",
    "Try {command!r} for help.": "运行 {command!r} 查看帮助。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not a valid integer.": "{value!r} 不是有效的整数。",
    "{value!r} is not a valid float.": "{value!r} 不是有效的数字。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 中。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "File": "文件",
    "Path": "路径",
    "default: {default}": "默认：{default}",
    "required": "必填",
}


def _translate(message: str) -> str:
    return CATALOGUE.get(message, message)


def install() -> None:
    # typer ≥ 0.25 carries its own copy of click (typer._click); patch both.
    for package in ("click", "typer._click"):
        for name in ("core", "decorators", "exceptions", "types", "parser", "formatting", "termui"):
            try:
                module = importlib.import_module(f"{package}.{name}")
            except ImportError:
                continue
            if hasattr(module, "_"):
                module._ = _translate
    _translate_error_literals()
    for name in ("typer.core", "typer.rich_utils"):
        try:
            importlib.import_module(name)._ = _translate
        except ImportError:
            pass
    try:  # the --help option's text is a literal in typer's copy: translate it where it is built
        decorators = importlib.import_module("typer._click.decorators")
        original_option = decorators.option

        def option(*args, **kwargs):
            if isinstance(kwargs.get("help"), str):
                kwargs["help"] = _translate(kwargs["help"])
            return original_option(*args, **kwargs)

        decorators.option = option
    except (ImportError, AttributeError):
        pass
    try:
        from typer import rich_utils
    except ImportError:
        return
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.ABORTED_TEXT = "已中止。"
    rich_utils.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.ENVVAR_STRING = "[环境变量：{}]"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEPRECATED_STRING = "（已弃用）"
    if hasattr(rich_utils, "RANGE_STRING"):
        rich_utils.RANGE_STRING = " [范围 {}]"


_ERROR_WORDS = (("Missing option", "缺少选项"), ("Missing argument", "缺少参数"),
                ("Missing parameter", "缺少参数"), ("No such option", "没有选项"),
                ("Invalid value for", "取值无效："), ("Got unexpected extra argument", "多余的参数"),
                ("does not exist", "不存在"), ("is not a valid", "不是有效的"), ("is not one of", "不在可选值中："))


def _translate_error_literals() -> None:
    """typer's click copy builds some messages with f-strings: translate the finished text."""
    try:
        exceptions = importlib.import_module("typer._click.exceptions")
    except ImportError:
        return

    def translated(original):
        def format_message(self):
            text = original(self)
            for english, chinese in _ERROR_WORDS:
                text = text.replace(english, chinese)
            return text
        format_message._gaoxin_zh = True
        return format_message

    base = exceptions.ClickException
    for cls in [base, *_subclasses(base)]:
        own = cls.__dict__.get("format_message")
        if own is not None and not getattr(own, "_gaoxin_zh", False):
            cls.format_message = translated(own)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)

"""`gaoxin serve`, `gaoxin users …`, `gaoxin report …` (platform area)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

users_app = typer.Typer(help="用户管理：新增、列出、修改密码。", no_args_is_help=True)
report_app = typer.Typer(help="生成报告：年度高新区评价报告、目标通报（Word / PDF）。", no_args_is_help=True)

from gaoxin.cli.shell import fail as _fail, service_errors, session as _session


def _secret_key() -> str:
    """Persist the session-signing key in GAOXIN_HOME so logins survive a restart."""
    if os.environ.get("GAOXIN_SECRET_KEY"):
        return os.environ["GAOXIN_SECRET_KEY"]
    from gaoxin.paths import data_home
    path = data_home() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址（对外提供服务时用 0.0.0.0）"),
          port: int = typer.Option(8000, "--port", help="端口"),
          demo: bool = typer.Option(False, "--demo", help="数据库为空时先生成示例数据"),
          database_url: Optional[str] = typer.Option(None, "--db", help="数据库地址（默认读取 GAOXIN_DATABASE_URL）")):
    """启动网页平台和 REST 接口（接口文档位于 /api/docs）。"""
    import uvicorn
    from gaoxin.auth.users import ensure_admin
    from gaoxin.paths import database_url as default_url
    from gaoxin.services.db import init_database

    url = database_url or default_url()
    with service_errors():
        init_database(url)
    if demo:
        from gaoxin.demo import build_demo, has_demo
        with _session(url) as s:
            if not has_demo(s):
                console.print("正在生成示例数据（首次约需一两分钟）…")
                build_demo(s)
    with _session(url) as s:
        password = ensure_admin(s)
    if password:
        console.print(f"[bold]已创建管理员账号[/bold] admin，初始密码：[bold red]{password}[/bold red]"
                      "（仅显示这一次，请登录后修改；也可用环境变量 GAOXIN_ADMIN_PASSWORD 指定）")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"[bold green]高新区创新监测评价平台已启动：[/bold green] http://{shown}:{port}/ "
                  f"（接口文档：http://{shown}:{port}/api/docs；按 Ctrl+C 停止）")
    # the web shell is started by name, so the command line never imports it (nor FastAPI) itself;
    # its factory reads the database and the cookie key from this process's environment
    os.environ["GAOXIN_DATABASE_URL"] = url
    os.environ["GAOXIN_SECRET_KEY"] = _secret_key()
    _warm_matching(url)
    uvicorn.run("gaoxin.web.app:create_app", factory=True, host=host, port=port, log_level="warning")


def _warm_matching(url: str, report_every: float = 30.0) -> None:
    """Start the matching-index build in the background so the 成果对接 page is ready sooner (the
    page shows its progress meanwhile); the first build embeds every text (minutes on a large
    library), later starts only embed new texts. Progress is echoed to the console now and then."""
    import threading

    def run():
        try:
            from gaoxin.services import matching as mt
            from gaoxin.services.db import session_scope
            with session_scope(url) as s:
                snap = mt.status(s, wait=0)
                key_url = str(s.get_bind().url)
            st = mt.status_for(key_url)
            said_serving = False
            while snap["state"] == mt.BUILDING and not st.wait(report_every):
                snap = st.snapshot()
                if snap["serving"] and not said_serving:
                    said_serving = True
                    console.print(f"成果对接已可使用（{snap['mode_label']}），文本向量在后台计算")
                console.print(snap["text"])
            snap = st.snapshot()
            if snap["state"] == mt.ERROR:
                err.print(snap["text"])
            else:
                console.print("成果对接索引已就绪")
        except Exception:  # noqa: BLE001 - a background thread's boundary: logged, said, the page retries
            import logging
            logging.getLogger("gaoxin.cli").exception("成果对接索引预热失败")
            err.print("成果对接索引未能在启动时预先建立（详细信息已记入服务日志）；打开“成果对接”页面时会重新建立")
    threading.Thread(target=run, daemon=True, name="gaoxin-match-warm").start()


@users_app.command("add", help="新增用户。")
def users_add(username: str = typer.Argument(..., help="用户名"),
              role: str = typer.Option(..., "--role", help="角色：province_admin（省级管理员）/ zone_user（高新区用户）/ readonly（只读）"),
              zone: list[str] = typer.Option([], "--zone", help="高新区代码（高新区用户必填，可多次指定）"),
              name: str = typer.Option("", "--name", help="姓名"),
              password: Optional[str] = typer.Option(None, "--password", help="密码（不填则交互输入）")):
    from gaoxin.services.scope import CONSOLE
    from gaoxin.services.users import add_user
    pw = password or typer.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    with _session() as s:
        add_user(s, CONSOLE, username, pw, role, name, zone)
    console.print(f"已创建用户 {username}")


@users_app.command("list", help="列出用户。")
def users_list():
    from gaoxin.services.scope import CONSOLE
    from gaoxin.services.users import users
    with _session() as s:
        rows = users(s, CONSOLE)
    t = Table("用户名", "姓名", "角色", "所属高新区", "状态")
    for r in rows:
        t.add_row(r["username"], r["display_name"], r["role_label"], "、".join(r["zones"]),
                  "启用" if r["active"] else "停用")
    console.print(t)


@users_app.command("passwd", help="修改用户密码。")
def users_passwd(username: str = typer.Argument(..., help="用户名"),
                 password: Optional[str] = typer.Option(None, "--password", help="新密码（不填则交互输入）")):
    from gaoxin.services.scope import CONSOLE
    from gaoxin.services.users import change_user
    pw = password or typer.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    with _session() as s:
        change_user(s, CONSOLE, username, password=pw)
    console.print(f"已修改用户 {username} 的密码")


@users_app.command("unlock", help="解除登录锁定（登录失败次数过多被锁定的账号或网络地址），并列出仍被锁定的。")
def users_unlock(username: Optional[str] = typer.Argument(None, help="要解锁的用户名"),
                 address: Optional[str] = typer.Option(None, "--address", help="要解锁的客户端网络地址")):
    from gaoxin.auth.throttle import locked
    from gaoxin.services.users import unlock
    with _session() as s:
        if username or address:
            n = unlock(s, username, address, by="cli")
            console.print(f"已解除锁定：{'、'.join(x for x in (username, address) if x)}" if n else
                          "没有需要解除的锁定或失败记录")
        rows = locked(s)
    if rows:
        t = Table("账号或地址", "失败次数", "锁定至（北京时间）")
        from zoneinfo import ZoneInfo
        for r in rows:
            kind, _, key = r["key"].partition(":")
            t.add_row(("账号 " if kind == "user" else "地址 ") + key, str(r["failures"]),
                      r["locked_until"].astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M"))
        console.print(t)
    elif not (username or address):
        console.print("当前没有被锁定的账号或地址")


def _fmt_of(out: Path, allowed: tuple[str, ...]) -> str:
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in allowed:
        _fail(f"输出文件“{out}”的扩展名须为 {' / '.join('.' + a for a in allowed)}", 2)
    return fmt


@report_app.command("zone-evaluation", help="生成年度高新区评价报告（.docx 或 .pdf）。")
def report_zone_evaluation(year: int = typer.Option(..., "--year", help="评价年度"),
                           out: Path = typer.Option(..., "--out", help="输出文件 F.docx 或 F.pdf")):
    from gaoxin.services.reports import zone_evaluation_report
    from gaoxin.services.scope import CONSOLE
    fmt = _fmt_of(out, ("docx", "pdf"))
    with console.status("正在计算评价结果并生成报告…"), _session() as s:
        doc = zone_evaluation_report(s, CONSOLE, year, fmt)
    out.write_bytes(doc.content)
    console.print(f"已生成：{out}")


@report_app.command("circular", help="生成目标进展通报（.docx、.pdf 或 .xlsx）。")
def report_circular(target: Optional[str] = typer.Option(None, "--target", help="目标编号或规划编号（不填为全部目标）"),
                    as_of: int = typer.Option(..., "--as-of", help="截至年度"),
                    out: Path = typer.Option(..., "--out", help="输出文件 F.docx / F.pdf / F.xlsx")):
    from gaoxin.services.reports import circular_report
    from gaoxin.services.scope import CONSOLE
    fmt = _fmt_of(out, ("docx", "pdf", "xlsx"))
    with console.status("正在生成通报…"), _session() as s:
        doc = circular_report(s, CONSOLE, target, as_of, fmt)
    out.write_bytes(doc.content)
    console.print(f"已生成：{out}")


def register(app: typer.Typer) -> None:
    app.command("serve", help="启动网页平台（打印访问地址；首次启动自动创建管理员）。")(serve)
    app.add_typer(users_app, name="users", help="用户管理：新增、列出、修改密码。")
    app.add_typer(report_app, name="report", help="生成报告：年度评价报告、目标通报（Word / PDF）。")

"""Core commands: `gaoxin init`, `gaoxin demo`, `gaoxin import`, `gaoxin template`, `gaoxin zones`.

A thin shell: it calls gaoxin.services (and gaoxin.demo) and prints in Chinese."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gaoxin.cli.shell import fail as _fail, service_errors, session as _session

console = Console()
err = Console(stderr=True)


def init_cmd(url: Optional[str] = typer.Option(None, "--url", help="数据库地址；默认读取环境变量 GAOXIN_DATABASE_URL，未设置时使用本地 SQLite。")):
    """创建或升级数据库结构，并载入参考数据（行政区、高新区、指标、规划目标）。可重复运行。"""
    from gaoxin.paths import database_url
    from gaoxin.services.db import init_database
    with service_errors():
        counts = init_database(url)
    shown = (url or database_url()).split("@")[-1]
    console.print(f"[green]数据库已就绪[/]：{shown}")
    labels = {"regions": "行政区", "zones": "高新区", "indicators": "指标"}
    console.print("参考数据：" + "，".join(f"{labels.get(k, k)} {v} 个" for k, v in counts.items()))


def demo_cmd(reset: bool = typer.Option(False, "--reset", help="删除已有示例数据后重新生成。"),
             seed: int = typer.Option(20261122, "--seed", help="随机种子；相同种子生成完全相同的数据。"),
             enterprises: int = typer.Option(20000, "--enterprises", help="示例企业数量。"),
             url: Optional[str] = typer.Option(None, "--url", help="数据库地址（默认同 gaoxin init）。"),
             demo_users: bool = typer.Option(False, "--demo-users", help="另建示例高新区用户和只读用户（随机密码，只显示一次）。")):
    """生成示例数据（合成数据，非真实统计，处处标注“示例数据”）：高新区指标、目标完成情况、企业、成果、需求、政策。"""
    from gaoxin.demo import build_demo, has_demo
    from gaoxin.services.db import init_database, session_scope
    with service_errors():
        init_database(url)
        with session_scope(url) as session:
            if has_demo(session) and not reset:
                console.print("[yellow]示例数据已存在[/]，未重新生成（如需重建请加 --reset）。")
                if demo_users:
                    _print_demo_users(session)
                return
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as prog:
            task = prog.add_task("生成示例数据", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                prog.update(task, description=f"写入示例数据：{stage}", completed=done, total=total)

            with session_scope(url) as session:
                s = build_demo(session, seed=seed, progress=progress, n_enterprises=enterprises)
    table = Table(title="示例数据已生成", caption=f"随机种子 {s.seed}，导入批次 {s.batch_id}", show_header=True)
    table.add_column("内容")
    table.add_column("数量", justify="right")
    for label, n in (("高新区", s.zones), ("高新区指标观测值", s.zone_observations),
                     ("目标完成情况观测值", s.target_observations), ("企业", s.enterprises),
                     ("企业年度观测值", s.enterprise_observations), ("高校待转成果", s.results),
                     ("企业技术需求", s.demands), ("政策", s.policies)):
        table.add_row(label, f"{n:,}")
    registries = getattr(s, "registries", None) or {}
    for key, label in (("platforms", "创新平台"), ("listing", "上市后备企业"), ("projects", "重点项目"),
                       ("experts", "三家名录人员")):
        if key in registries:
            table.add_row(label, f"{registries[key]:,}")
    console.print(table)
    console.print("[bold yellow]注意：以上均为“示例数据”（合成数据），仅用于演示，不是真实统计数据。[/]")
    if demo_users:
        with _session(url) as session:
            _print_demo_users(session)


def _print_demo_users(session) -> None:
    from gaoxin.services.users import create_demo_users
    made = create_demo_users(session)
    for username, password, role in made:
        console.print(f"已创建示例用户 [bold]{username}[/]（{role}），密码：[bold red]{password}[/]（仅显示这一次）")
    if not made:
        console.print("示例用户已存在，未重新创建（如忘记密码，请用 gaoxin users passwd 重置）。")


def import_cmd(files: List[Path] = typer.Argument(..., help="要导入的 .xlsx 或 .csv 文件，可多个。"),
               kind: Optional[str] = typer.Option(None, "--kind", help="数据类型：observations（指标数据）、enterprises（企业）、results（成果）、demands（需求）、policies（政策）；默认按表头识别。"),
               user: Optional[str] = typer.Option(None, "--user", help="记录在导入批次中的操作人。"),
               dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入数据库。"),
               accept_warnings: bool = typer.Option(False, "--accept-warnings", help="已核对提示的数值（如疑似把“元”填成“万元”），确认照常导入。"),
               include_hidden: bool = typer.Option(False, "--include-hidden", help="同时导入隐藏的工作表（默认跳过并提示）。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址（默认同 gaoxin init）。")):
    """导入 Excel / CSV 数据文件：先逐行检查，任何一处错误都整份拒绝并列出问题；无误则在一个事务中全部写入。"""
    from gaoxin.services.imports import import_path
    from gaoxin.services.scope import CONSOLE
    rejected = False
    for path in files:
        if not path.exists():
            err.print(f"[red]文件不存在：{path}[/]")
            rejected = True
            continue
        with Progress(TextColumn(f"导入 {path.name}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as prog:
            task = prog.add_task("import", total=None)
            with _session(url) as session:
                report = import_path(session, CONSOLE, path, kind=kind, username=user, dry_run=dry_run,
                                     progress=lambda d, t: prog.update(task, completed=d, total=t),
                                     accept_warnings=accept_warnings, include_hidden=include_hidden)
        _print_report(report)
        rejected |= not report.ok
    if rejected:
        raise typer.Exit(1)


MAX_SHOWN = 200


def _print_report(report) -> None:
    from gaoxin.ingest.schema import KIND_LABELS
    kind = KIND_LABELS.get(report.kind or "", "未识别")
    layout = {"wide": "宽表", "long": "长表"}.get(report.layout or "", "")
    for note in getattr(report, "notices", []):
        console.print(f"[yellow]提示：{note}[/]")
    warnings = getattr(report, "warnings", [])
    if warnings and report.status != "rejected":
        head = ("[yellow]! {f}[/]：有 {n} 处数值需要核对，整份文件未导入；核对无误后加 --accept-warnings 重新导入"
                if report.status == "warned" else "[yellow]! {f}[/]：已按 --accept-warnings 导入，其中 {n} 处数值请留意")
        console.print(head.format(f=report.file, n=len(warnings)))
        _problem_table(warnings)
    if report.status == "loaded":
        console.print(f"[green]✔ {report.file}[/]：{kind}{('（' + layout + '）') if layout else ''}，"
                      f"读取 {report.rows:,} 行，写入 {report.written:,} 条，批次 {report.batch_id}")
    elif report.status == "unchanged":
        console.print(f"[cyan]＝ {report.file}[/]：与第 {report.batch_id} 批内容完全相同，未重复写入")
    elif report.status == "checked":
        console.print(f"[green]✔ {report.file}[/]：检查通过（{kind}，{report.rows:,} 行，将写入 {report.written:,} 条），未写入（--dry-run）")
    elif report.status == "warned":
        pass  # the warnings and what to do were printed above
    else:
        console.print(f"[red]✘ {report.file}[/]：发现 {len(report.problems)} 处问题，整份文件未导入")
        _problem_table(report.problems)


def _problem_table(problems) -> None:
    table = Table(show_header=True, header_style="bold", show_lines=False)
    for col in ("文件", "工作表", "行", "列", "值", "原因", "建议"):
        table.add_column(col, overflow="fold")
    for p in problems[:MAX_SHOWN]:
        table.add_row(p.file, p.sheet or "", "" if p.row is None else str(p.row), p.column or "",
                      (p.value or "")[:40], p.reason, p.suggestion or "")
    console.print(table)
    if len(problems) > MAX_SHOWN:
        console.print(f"……另有 {len(problems) - MAX_SHOWN} 处问题未显示")


def template_cmd(kind: Optional[str] = typer.Option(None, "--kind", help="模板类型：observations（指标宽表）、observations_long（指标长表）、enterprises、results、demands、policies；默认全部。"),
                 out: Path = typer.Option(Path("."), "--out", help="输出目录。")):
    """生成填报用的 Excel 模板（中文表头、说明页、高新区下拉列表、指标代码表）。"""
    from gaoxin.services.errors import NotFound
    from gaoxin.services.imports import write_templates
    try:
        written = write_templates(kind, out)
    except NotFound as exc:
        _fail(str(exc), 2)
    for label, path in written:
        console.print(f"已生成{label}模板：{path}")


def zones_cmd(url: Optional[str] = typer.Option(None, "--url", help="数据库地址（默认同 gaoxin init）。")):
    """列出全部高新区（名称、级别、所在市州）。"""
    import pandas as pd
    from gaoxin.services.zones import zones
    with _session(url) as session:
        df = zones(session)
    if df.empty:
        console.print("数据库中还没有高新区，请先运行 gaoxin init。")
        return
    table = Table(title=f"湖南省高新区（{len(df)} 个）")
    for col in ("代码", "名称", "简称", "级别", "所在市州", "批准年份"):
        table.add_column(col)
    for r in df.itertuples(index=False):
        table.add_row(r.code, r.name, r.short_name or "", r.level, r.city_name or r.city_code or "",
                      "" if pd.isna(r.approved_year) else str(int(r.approved_year)))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("init", help="创建或升级数据库，并载入参考数据。")(init_cmd)
    app.command("demo", help="生成示例数据（合成数据，标注“示例数据”）。")(demo_cmd)
    app.command("import", help="导入 Excel / CSV 数据文件（全部成功或全部不导入）。")(import_cmd)
    app.command("template", help="生成填报用的 Excel 模板。")(template_cmd)
    app.command("zones", help="列出全部高新区。")(zones_cmd)

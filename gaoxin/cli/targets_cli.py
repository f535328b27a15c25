"""CLI shell of plan-target monitoring: `gaoxin targets list|progress|warn|circular|check`.

Thin: asks gaoxin.services.targets (the same targets, from the database, as the web pages) and prints or writes.
"""
from __future__ import annotations

import json
import math
from enum import Enum
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

targets_app = typer.Typer(help="规划目标监测：目标清单、进度、预警与通报。", no_args_is_help=True,
                          add_completion=False)

KIND_NAMES = {"level": "水平值", "growth": "年均增速", "share": "占比", "count": "数量", "coverage": "全覆盖",
              "cumulative": "累计", "doubling": "翻番"}
SCOPE_NAMES = {"province": "省", "city": "市", "county": "县市区/园区", "zone": "高新区", "department": "部门",
               "category": "类别", "enterprise": "企业"}


class ListFormat(str, Enum):
    table = "table"
    json = "json"


class ProgressFormat(str, Enum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


class UserError(Exception):
    """A problem the user can fix; the message is Chinese."""


def _fail(msg: str, code: int = 1) -> None:
    err.print(f"[bold red]错误：[/]{msg}")
    raise typer.Exit(code)


def _clean(v):
    if v is None or v is pd.NA:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


# --------------------------------------------------------------------------- services access (shell)

def _session():
    """One transaction; service errors (no targets, no such plan, a bad year) become UserError."""
    from contextlib import contextmanager

    from gaoxin.services.db import session_scope
    from gaoxin.services.errors import ServiceError

    @contextmanager
    def scope():
        try:
            with session_scope() as s:
                yield s
        except ServiceError as exc:
            raise UserError(str(exc)) from exc
    return scope()


def _load_targets(session, plan: Optional[str] = None):
    from gaoxin.services.targets import targets
    return targets(session, plan)


# --------------------------------------------------------------------------- list

@targets_app.command("list", help="列出规划目标（指标、范围、目标值、年份、类型、来源）。")
def list_cmd(
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help="只列出该规划（规划编号，如 xiangtan-133-2023-2025）"),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="输出格式：table 或 json"),
) -> None:
    try:
        with _session() as s:
            targets = _load_targets(s, plan)
    except UserError as exc:
        _fail(str(exc))
    if fmt == ListFormat.json:
        data = [{
            "id": t.id, "plan": t.plan_id, "indicator": t.indicator, "indicator_name": t.indicator_name,
            "scope": {"type": t.scope.type, "code": t.scope.code, "name": t.scope.name},
            "target_value": _clean(t.target_value), "target_year": t.target_year, "kind": t.kind,
            "comparator": t.comparator, "unit": t.unit,
            "baseline": {"year": t.baseline_year, "value": _clean(t.baseline_value)},
            "lead_units": list(t.lead_units), "responsible_units": list(t.responsible_units),
            "decomposed": t.decomposition is not None, "source": t.source, "text": t.text,
        } for t in targets]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"规划目标（共 {len(targets)} 项）", show_lines=False)
    for col in ("编号", "指标", "范围", "基期", "目标", "类型", "牵头单位", "来源"):
        table.add_column(col, overflow="fold")
    for t in targets:
        base = "" if t.baseline_year is None else f"{t.baseline_year}年" + (
            "" if t.baseline_value is None else f" {t.baseline_value:g}")
        tv = "—" if t.target_value is None else f"{t.target_value:g}"
        goal = f"{t.target_year}年 {t.comparator} {tv}{t.unit or ''}"
        if t.kind == "doubling":
            goal = f"{t.target_year}年 ≥ {t.multiple or 2:g}×基期"
        table.add_row(t.id, t.indicator_name, t.scope.name, base, goal, KIND_NAMES.get(t.kind, t.kind),
                      "、".join(t.lead_units), t.source)
    console.print(table)


# --------------------------------------------------------------------------- progress

PROGRESS_HEADERS = {
    "id": "目标编号", "indicator_name": "指标", "scope_name": "范围", "unit": "单位", "target_year": "目标年份",
    "target_level": "目标值", "baseline_used": "基期值", "actual": "实际值", "actual_year": "实际值年份",
    "progress": "完成进度", "time_elapsed": "时间进度", "pace_ratio": "进度比", "actual_cagr": "实际年均增速",
    "required_cagr": "所需年均增速", "projected": "预测值", "projection_method": "预测方法",
    "years_left": "剩余年数", "annual_effort": "年均还需", "gap": "差距", "status": "进度评价",
    "status_reason": "评价说明", "lead_units": "牵头单位", "source": "来源",
}


def _progress_frame(plan: Optional[str], as_of: int, only_active: bool = False):
    from gaoxin.services.errors import NotFound
    from gaoxin.services.scope import CONSOLE
    from gaoxin.services.targets import progress
    with _session() as s:
        try:
            pr = progress(s, CONSOLE, as_of, plan, only_active)
        except NotFound as exc:
            if only_active and "规划期" in str(exc):
                raise UserError(f"没有规划期包含 {as_of} 年的规划；去掉 --active 可查看全部规划") from exc
            raise
    return pr.targets, pr.observations, pr.table


@targets_app.command("progress", help="计算截至某年的目标完成进度、时间进度、所需增速、趋势预测与进度评价。")
def progress_cmd(
    as_of: int = typer.Option(..., "--as-of", "-y", help="截至年份，如 2024"),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help="规划编号（缺省为全部规划）"),
    fmt: ProgressFormat = typer.Option(ProgressFormat.table, "--format", "-f", help="输出格式：table、json 或 xlsx"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="xlsx 输出文件（--format xlsx 时必填）"),
    active: bool = typer.Option(False, "--active", help="只显示规划期包含截至年份的规划（缺省：全部规划，规划期内的排在前面）"),
) -> None:
    try:
        _, _, prog = _progress_frame(plan, as_of, active)
        if fmt == ProgressFormat.xlsx and out is None:
            raise UserError("--format xlsx 需要用 --out 指定输出文件，如 --out 进度.xlsx")
    except UserError as exc:
        _fail(str(exc))
    demo = bool(prog["is_demo"].any()) if len(prog) else False
    if fmt == ProgressFormat.json:
        data = []
        for r in prog.to_dict("records"):
            data.append({
                "id": r["id"], "plan": r["plan"], "as_of": as_of, "actual": _clean(r["actual"]),
                "unit": r["level_unit"] if r["kind"] == "growth" else r["unit"],
                "actual_year": _clean(r["actual_year"]), "target_value": _clean(r["target_level"]),
                "target_year": r["target_year"], "progress": _clean(r["progress"]),
                "time_elapsed": _clean(r["time_elapsed"]), "pace_ratio": _clean(r["pace_ratio"]),
                "actual_cagr": _clean(r["actual_cagr"]), "required_cagr": _clean(r["required_cagr"]),
                "projected": _clean(r["projected"]), "projection_method": r["projection_method"] or None,
                "projected_meets": _clean(r["projected_meets"]), "years_left": _clean(r["years_left"]),
                "annual_effort": _clean(r["annual_effort"]), "gap": _clean(r["gap"]),
                "status": r["status"], "status_reason": r["status_reason"] or None,
                "overdue": bool(r["overdue"]), "plan_active": bool(r["plan_active"]),
                "is_demo": bool(r["is_demo"]),
            })
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if fmt == ProgressFormat.xlsx:
        from gaoxin.services.reports import progress_xlsx
        frame = prog[list(PROGRESS_HEADERS)].rename(columns=PROGRESS_HEADERS)
        out.write_bytes(progress_xlsx(frame, as_of, demo))
        console.print(f"已写入 {out}（{len(frame)} 项目标）")
        return
    note = "" if active else "（规划期内的规划在前）"
    table = Table(title=f"规划目标完成进度（截至{as_of}年）{note}" + ("　[red]示例数据[/]" if demo else ""))
    for col in ("编号", "指标", "目标", "实际值", "完成进度", "时间进度", "所需年均增速", "预测值", "评价"):
        table.add_column(col, overflow="fold")
    previous = None
    for r in prog.to_dict("records"):
        if previous is not None and r["plan_active"] != previous:  # start of the plans outside their period
            table.add_section()
            table.add_row("", f"[dim]以下规划的规划期不含 {as_of} 年[/]", *[""] * 7)
        previous = r["plan_active"]
        unit = r["level_unit"] if r["kind"] == "growth" else r["unit"]  # a growth target is tracked as a level
        table.add_row(r["id"], r["indicator_name"], _num(r["target_level"], unit),
                      _num(r["actual"], unit), _pct(r["progress"]), _pct(r["time_elapsed"]),
                      _pct(r["required_cagr"]), _num(r["projected"], unit), _status(r["status"]))
    console.print(table)


def _num(v, unit) -> str:
    v = _clean(v)
    if v is None:
        return "—"
    return f"{v:,.2f}".rstrip("0").rstrip(".") + (unit or "")


def _pct(v) -> str:
    v = _clean(v)
    return "—" if v is None else f"{v:.1%}"


def _status(s: str) -> str:
    color = {"已完成": "green", "进度正常": "green", "进度滞后": "yellow", "严重滞后": "red", "逾期未完成": "bold red",
             "数据缺失": "magenta"}
    return f"[{color.get(s, 'white')}]{s}[/]"


# --------------------------------------------------------------------------- warn

@targets_app.command("warn", help="预警：先列出已过目标年份仍未完成（逾期未完成）的目标，再列出进度滞后的目标和分解单位（最严重的在前），并给出差距。")
def warn_cmd(
    as_of: int = typer.Option(..., "--as-of", "-y", help="截至年份，如 2024"),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help="规划编号（缺省为全部规划）"),
    missing: bool = typer.Option(False, "--missing/--no-missing", help="同时列出数据缺失的目标"),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="输出格式：table 或 json"),
) -> None:
    from gaoxin.services.scope import CONSOLE
    from gaoxin.services.targets import warning_lists
    from gaoxin.targets.warning import GROUP_OVERDUE
    try:
        with _session() as s:
            w = warning_lists(s, CONSOLE, as_of, plan, include_missing=missing)
    except UserError as exc:
        _fail(str(exc))
    w_targets, w_units, demo = w.targets, w.units, w.is_demo
    if fmt == ListFormat.json:
        def rec(r, level):
            return {"level": level, "id": r["id"], "plan": r.get("plan"), "indicator": r["indicator_name"],
                    "unit": r["scope_name"], "status": r["status"], "actual": _clean(r["actual"]),
                    "target": _clean(r["target_level"]), "gap": _clean(r["gap"]), "gap_text": r["gap_text"],
                    "effort_text": r.get("effort_text") or None, "ratio": _clean(r.get("status_ratio")),
                    "group": r.get("warning_group"), "overdue": r.get("warning_group") == GROUP_OVERDUE,
                    "is_demo": bool(r.get("is_demo", False))}
        data = [rec(r, "target") for r in w_targets.to_dict("records")]
        data += [rec(r, "unit") for r in (w_units.to_dict("records") if len(w_units) else [])]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if demo:
        console.print("[bold red]示例数据[/]：以下完成值为演示数据。")
    overdue = w_targets[w_targets["warning_group"] == GROUP_OVERDUE] if len(w_targets) else w_targets
    behind = w_targets[w_targets["warning_group"] != GROUP_OVERDUE] if len(w_targets) else w_targets
    for title, frame in ((f"滞后目标（截至{as_of}年，仍在规划期内）", behind),
                         (f"逾期未完成的目标（已过目标年份，截至{as_of}年）", overdue),
                         (f"滞后的分解单位（{as_of}年年度目标）", w_units)):
        table = Table(title=f"{title}：{len(frame)} 项")
        for col in ("序", "目标", "指标", "范围/单位", "评价", "差距", "年均还需"):
            table.add_column(col, overflow="fold")
        for r in (frame.to_dict("records") if len(frame) else []):
            table.add_row(str(r["rank"]), r["id"], r["indicator_name"], str(r["scope_name"]), _status(r["status"]),
                          r["gap_text"], r.get("effort_text") or "")
        console.print(table)


# --------------------------------------------------------------------------- circular

@targets_app.command("circular", help="生成分解目标的通报 Excel（各县市区/园区按完成率排名）。")
def circular_cmd(
    target: str = typer.Option(..., "--target", "-t", help="目标编号，如 xt133-high-tech-enterprises"),
    as_of: int = typer.Option(..., "--as-of", "-y", help="截至年份，如 2024"),
    out: Path = typer.Option(..., "--out", "-o", help="输出文件（.xlsx）"),
) -> None:
    from gaoxin.services.reports import circular_xlsx
    from gaoxin.services.scope import CONSOLE
    try:
        if out.suffix.lower() != ".xlsx":
            raise UserError(f"输出文件 {out} 应以 .xlsx 结尾")
        with _session() as s:
            content, circ = circular_xlsx(s, CONSOLE, target, as_of)
    except UserError as exc:
        _fail(str(exc))
    out.write_bytes(content)
    console.print(f"已生成通报：{out}（{circ.title}，{len(circ.table) - 1} 个单位）"
                  + ("　[red]示例数据[/]" if circ.is_demo else ""))


# --------------------------------------------------------------------------- check

@targets_app.command("check", help="检查分解表：各单位之和是否等于原表合计，并列出原表空白单元格。")
def check_cmd(plan: Optional[str] = typer.Option(None, "--plan", "-p", help="规划编号（缺省为全部规划）")) -> None:
    from gaoxin.services.targets import decomposition_checks
    try:
        with _session() as s:
            checks = decomposition_checks(s, plan)
    except UserError as exc:
        _fail(str(exc))
    for target_id, issues in checks:
        if not issues:
            console.print(f"[green]✓[/] {target_id}：各年各单位之和与原表合计一致")
        for i in issues:
            color = "yellow" if i.kind == "blank" else "red"
            console.print(f"[{color}]![/] {target_id}：{i.message}")
    console.print(f"共检查 {len(checks)} 张分解表。")


@targets_app.command("rollup", help="汇总分解单位的实际值，与原表合计和全市实际值对照。")
def rollup_cmd(target: str = typer.Option(..., "--target", "-t", help="分解目标编号，如 xt133-rd-expenditure-by-county")) -> None:
    from gaoxin.services.targets import rollup
    try:
        with _session() as s:
            t, r, demo = rollup(s, target)
    except UserError as exc:
        _fail(str(exc))
    table = Table(title=f"{t.indicator_name} 分解单位汇总" + ("　[red]示例数据[/]" if demo else ""))
    for col in ("年份", "各单位实际值合计", "已报送单位", "原表合计目标", f"{t.scope.name}实际值", "差额（合计−全市）"):
        table.add_column(col)
    for rec in r.to_dict("records"):
        table.add_row(str(rec["year"]), _num(rec["units_sum"], t.unit), f"{rec['units_reported']}/{rec['units_expected']}",
                      _num(rec["printed_total"], t.unit), _num(rec["scope_actual"], t.unit), _num(rec["diff_scope"], t.unit))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(targets_app, name="targets", help="规划目标监测：目标清单、进度、预警与通报。")

"""The 通报 (circular) table for a decomposed target: units ranked by completion rate, in the standard
wording (序号, 县市区（园区）, 年度目标, 完成值, 完成率, 排名, 进度评价). Pure: returns a frame and the
texts; `gaoxin.reports.circular` writes it to xlsx."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gaoxin.targets.monitor import deadline_passed, deadline_year, parts_progress
from gaoxin.targets.plans import Target
from gaoxin.targets.status import Thresholds, load_thresholds

COLUMNS = ["序号", "县市区（园区）", "年度目标", "完成值", "完成率", "排名", "进度评价"]
DEMO_NOTE = "示例数据：本表完成值为系统生成的演示数据，不代表真实统计数据。"


@dataclass
class CircularTable:
    target_id: str
    title: str
    subtitle: str
    unit_header: str
    unit: str | None
    as_of: int
    table: pd.DataFrame            # COLUMNS (unit column renamed to unit_header) + a total row
    notes: list[str] = field(default_factory=list)
    is_demo: bool = False
    # completion rates below this are marked red in the workbook: the lowest band minimum of
    # status_thresholds.yaml (below it a unit is 严重滞后), never a number of the report's own
    red_below: float | None = None
    red_status: str | None = None


def _unit_header(types: set[str]) -> str:
    if types <= {"county", "zone"}:
        return "县市区（园区）"
    if types == {"department"}:
        return "责任单位"
    return "单位及类别"


def _base_name(name: str) -> str:
    return re.sub(r"[（(].*?[)）]", "", name).strip()


def circular_table(target: Target, observations: pd.DataFrame, as_of: int,
                   thresholds: Thresholds | None = None) -> CircularTable:
    th = thresholds or load_thresholds()
    decomp = target.decomposition
    if decomp is None:
        raise ValueError(f"目标 {target.id}（{target.indicator_name}）没有分解到单位，无法生成通报")
    members = decomp.kind == "members"
    if not members and as_of not in decomp.years:
        years = "、".join(str(y) for y in decomp.years)
        raise ValueError(f"目标 {target.id} 的分解表没有 {as_of} 年的年度目标（分解表年份：{years}）")
    parts = parts_progress(target, observations, as_of, th)
    due = deadline_passed(target, as_of)
    rate = parts["progress"].to_numpy(dtype=float)  # growth members: own rate ÷ required rate (monitor)
    growth = members and target.kind == "growth"
    rate = np.where(parts["target_value"].isna(), np.nan, rate)
    parts = parts.assign(rate=rate)
    # rank by completion rate, ties share a rank; units without a rate are listed last, unranked
    parts["rank"] = parts["rate"].round(9).rank(method="min", ascending=False)
    parts = parts.sort_values(["rank", "order"], na_position="last", kind="mergesort").reset_index(drop=True)
    header = "高新区" if members else _unit_header(set(parts["unit_type"]))
    table = pd.DataFrame({
        "序号": np.arange(1, len(parts) + 1),
        header: parts["unit_name"],
        "年度目标": parts["target_value"].astype(float),
        "完成值": parts["actual"].astype(float),
        "完成率": parts["rate"],
        "排名": parts["rank"].astype("Int64"),
        "进度评价": parts["status"],
    })
    # total row: printed total target, roll-up of the units' actuals
    printed_total = decomp.totals.get(as_of) if not members else None
    reported = parts["actual"].notna() & parts["target_value"].notna()
    total_actual = float(parts.loc[parts["actual"].notna(), "actual"].sum()) if parts["actual"].notna().any() else np.nan
    total_rate = total_actual / printed_total if printed_total and total_actual == total_actual else np.nan
    total_label = re.sub(r"\s+", "", decomp.total_label or "合计")
    if not members and parts["target_value"].notna().any() and not reported[parts["target_value"].notna()].all():
        total_label += "（部分单位未报送）"  # the sum is partial: say so on the row itself
    if members:  # each zone must reach the value: the summary is how many do, not a sum
        done = int((parts["rate"] >= 1).sum())
        total_label = f"达标 {done}/{len(parts)} 个"
        total_actual, total_rate = np.nan, done / len(parts) if len(parts) else np.nan
    total = pd.DataFrame({"序号": [pd.NA], header: [total_label], "年度目标": [printed_total],
                          "完成值": [total_actual], "完成率": [total_rate], "排名": [pd.NA],
                          "进度评价": [_total_status(total_rate, th, due)]})
    table = pd.concat([table, total], ignore_index=True)
    table["序号"] = table["序号"].astype("Int64")
    notes = [
        f"完成率 = 完成值 ÷ {as_of}年年度目标；排名按完成率从高到低，并列者名次相同。",
        "进度评价：完成率≥100%为“已完成”；"
        + "；".join(f"≥{m:.0%}为“{s}”" for s, m in th.bands if m is not None)
        + f"；其余为“{th.bands[-1][0]}”；无完成值为“{th.missing_status}”。阈值依据：{th.source_zh}。",
        f"年度目标来源：{decomp.source}。",
    ]
    if members:
        notes[0] = (f"每个高新区的目标均为 {target.target_value:g}{target.unit or ''}（{target.year_text()}）；"
                    "完成率 = 完成值 ÷ 目标；末行为达标高新区个数及达标率。")
        if growth:
            notes[0] = (f"每个高新区的目标均为年均增长 {target.target_value:g}%（{target.year_text()}）；"
                        f"完成值为该高新区自{target.baseline_year}年至最近有数年份的年均增长率（%），"
                        "完成率 = 完成值 ÷ 目标增长率；末行为达标高新区个数及达标率。")
        notes[2] = f"高新区名单来源：{decomp.source}。"
    blanks = parts.loc[parts["target_value"].isna(), "unit_name"].tolist()
    if blanks:
        notes.append("原分解表中 " + "、".join(blanks) + f" 的 {as_of} 年目标为空白，不参与排名。")
    if not reported.all():
        missing = parts.loc[parts["actual"].isna(), "unit_name"].tolist()
        if missing:
            notes.append("以下单位无完成值：" + "、".join(missing) + "。")
    is_demo = bool(parts["is_demo"].any())
    if is_demo:
        notes.insert(0, DEMO_NOTE)
    scope = target.scope.name
    title = f"{scope}{_base_name(target.indicator_name).removeprefix(scope)}目标任务完成情况通报（截至{as_of}年）"
    if members:
        title = f"{_base_name(target.indicator_name)}目标完成情况通报（截至{as_of}年）"
    subtitle = f"单位：{decomp.table_unit or target.unit or ''}　　依据：{target.source}"
    if target.discrepancy:
        notes.append(target.discrepancy + "。")
    if due:
        notes.insert(1 if is_demo else 0,
                     f"{deadline_year(target)}年为本目标的期限年份：未达到年度目标的单位评价为“{th.overdue_status}”。")
    red, red_status = red_mark(th)
    return CircularTable(target_id=target.id, title=title, subtitle=subtitle, unit_header=header,
                         unit=decomp.table_unit or target.unit, as_of=as_of, table=table, notes=notes,
                         is_demo=is_demo, red_below=red, red_status=red_status)


def _total_status(rate: float, th: Thresholds, overdue: bool = False) -> str:
    if rate is None or rate != rate:
        return th.missing_status
    if rate >= 1:
        return th.achieved_status
    if overdue:  # the deadline has come: the total is 逾期未完成 like its units
        return th.overdue_status
    return str(th.classify(np.array([rate]))[0])


def red_mark(th: Thresholds) -> tuple[float | None, str | None]:
    """(rate, status): below the lowest band minimum of status_thresholds.yaml a unit falls in the last
    band (严重滞后); the workbook marks those rates red."""
    mins = [(m, s) for s, m in th.bands if m is not None]
    if not mins:
        return None, None
    m = min(v for v, _ in mins)
    return m, th.bands[-1][0]

"""Target 通报 as Word, built on the targets core's CircularTable (gaoxin.targets.circular) and
progress / warning frames; the xlsx version is gaoxin.reports.circular (targets area)."""
from __future__ import annotations

import pandas as pd

from gaoxin.reports import charts, docx_util as D


def _pct(v):
    return "—" if v is None or v != v or v is pd.NA else f"{float(v) * 100:.1f}%"


def _circular_section(doc, circ, number: str) -> None:
    D.heading(doc, f"{number}{circ.title}", 2)
    D.para(doc, circ.subtitle, indent=False)
    t = circ.table.copy()
    t["完成率"] = t["完成率"].map(_pct)
    D.table(doc, t, font_size=9)
    body = t.iloc[:-1]
    vals = pd.to_numeric(circ.table["完成率"].iloc[:-1], errors="coerce") * 100
    if vals.notna().any():
        D.image(doc, charts.bar_chart(list(body[circ.unit_header].astype(str)), list(vals), xlabel="完成率（%）"),
                12.0, "完成率")
    for note in circ.notes:
        D.para(doc, "注：" + note, indent=False)


def build(as_of: int, progress: pd.DataFrame, warnings: pd.DataFrame, circulars: list, is_demo: bool,
          title: str | None = None) -> bytes:
    """progress/warnings: the web's shaped target tables (indicator_name, scope_name, target_value, actual,
    progress, time_elapsed, status, message). circulars: CircularTable objects."""
    doc = D.new_document()
    D.title(doc, title or f"全省高新区及科技创新规划目标任务完成情况通报", f"（截至{as_of}年）")
    if is_demo:
        D.demo_notice(doc)
    if len(progress):
        counts = progress["status"].value_counts()
        D.heading(doc, "一、总体进展", 1)
        D.para(doc, f"纳入监测的目标共 {len(progress)} 项，其中" +
               "，".join(f"{k} {v} 项" for k, v in counts.items()) + "。")
        t = progress[["indicator_name", "scope_name", "target_year", "target_value", "actual", "progress", "status"]].copy()
        t["progress"] = t["progress"].map(_pct)
        D.table(doc, t.rename(columns={"indicator_name": "指标", "scope_name": "范围", "target_year": "目标年",
                                       "target_value": "目标值", "actual": "最新值", "progress": "完成进度",
                                       "status": "状态"}), font_size=8)
    if len(warnings):
        D.heading(doc, "二、预警事项", 1)
        for i, w in enumerate(warnings.itertuples(), start=1):
            D.para(doc, f"{i}. {w.scope_name}{w.indicator_name}：{w.status}，完成进度 {_pct(w.progress)}"
                        f"{('，' + w.message) if w.message else ''}。")
    if circulars:
        D.heading(doc, "三、分解目标完成情况", 1)
        for i, c in enumerate(circulars, start=1):
            _circular_section(doc, c, f"（{i}）")
    D.para(doc, "请进度滞后的单位分析原因，制定整改措施，确保完成年度目标任务。")
    D.footer_date(doc)
    return D.to_bytes(doc)

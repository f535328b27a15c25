"""Target 通报 as Word, built on the targets core's CircularTable (gaoxin.targets.circular) and
progress / warning frames; the xlsx version is gaoxin.reports.circular (targets area).

Laid out as a 公文 (GB/T 9704, see docx_util): 方正小标宋 title, 仿宋_GB2312 3号 body, 黑体 / 楷体
headings, page numbers. Every figure goes through gaoxin.display (units, integers for counts,
percentages); every source through display.cite (document title and 文号, never a file name)."""
from __future__ import annotations

import re

import pandas as pd

from gaoxin import display
from gaoxin.reports import charts, docx_util as D

CN_NUM = "一二三四五六七八九十"


def _cn(i: int) -> str:
    if i <= 10:
        return CN_NUM[i - 1]
    return ("" if i < 20 else CN_NUM[i // 10 - 1]) + "十" + (CN_NUM[i % 10 - 1] if i % 10 else "")


def join_scope(scope: str | None, name: str) -> str:
    """Scope + indicator without doubled words: 全省高新区 + 高新区高新技术企业数量 → 全省高新区高新技术企业
    数量; 各省级高新区 + 每个省级高新区拥有的… → 每个省级高新区拥有的… (the name already says whose)."""
    scope, name = (scope or "").strip(), str(name).strip()
    if not scope:
        return name
    if name.startswith(("每个", "各")) or re.search(r"高新区(每区|每个|拥有)", name):
        return name                                      # the name says whose it is
    for k in range(min(len(scope), len(name)), 1, -1):   # overlap: the end of the scope opens the name
        if scope.endswith(name[:k]):
            return scope + name[k:]
    core = re.sub(r"^(各|全省|全市|每个)", "", scope)
    if core and core in name:
        return name
    return scope + name


def dedupe_words(text: str) -> str:
    """Collapse a word printed twice in a row (高新区高新区 → 高新区), for 2–6 character words."""
    return re.sub(r"([\u4e00-\u9fff]{2,6})\1", r"\1", text)


def _progress(v, row) -> str:
    if display.is_missing(v):
        return display.rules()["missing"]
    te = row.get("time_elapsed")
    if not display.is_missing(te) and float(te) <= 0 and row.get("status") != "已完成":
        return "基期"
    return display.pct(v)


def _value(v, row) -> str:
    text = display.qty(v, row.get("unit"))
    return ("年均" + text) if row.get("kind") == "growth" and not display.is_missing(v) else text


def _plan_names() -> dict[str, str]:
    from gaoxin.targets.plans import load_plans
    return {pl.id: f"《{pl.name}》" + (f"（{pl.doc_no}）" if pl.doc_no else "") for pl in load_plans()}


def _circular_section(doc, circ, number: str) -> None:
    D.heading(doc, f"{number}{dedupe_words(circ.title)}", 2)
    D.note(doc, display.cite(circ.subtitle))
    t = circ.table.copy()
    unit = circ.unit
    fmts = {"年度目标": lambda v, r: display.qty(v, unit), "完成值": lambda v, r: display.qty(v, unit),
            "完成率": lambda v, r: display.pct(v), "排名": lambda v, r: display.count(v) if not display.is_missing(v) else "—",
            "序号": lambda v, r: display.count(v) if not display.is_missing(v) else ""}
    D.table(doc, t, font_size=10.5, nowrap=[circ.unit_header, "进度评价"], formats=fmts, bold_last=True)
    body = t.iloc[:-1]
    vals = pd.to_numeric(circ.table["完成率"].iloc[:-1], errors="coerce") * 100
    if vals.notna().any():
        D.image(doc, charts.bar_chart(list(body[circ.unit_header].astype(str)), list(vals), xlabel="完成率（%）",
                                      value_format="{:.1f}%"), 13.0, f"图  各{circ.unit_header}完成率", max_height_cm=12.0)
    for k, n in enumerate(circ.notes, start=1):
        D.note(doc, f"注{k}：" + dedupe_words(display.cite(n)))


def build(as_of: int, progress: pd.DataFrame, warnings: pd.DataFrame, circulars: list, is_demo: bool,
          title: str | None = None, plan_names: dict[str, str] | None = None) -> bytes:
    """progress/warnings: the web's shaped target tables (indicator_name, scope_name, unit, kind, target_year,
    target_value, actual, progress, time_elapsed, status, message, plan_id). circulars: CircularTable objects."""
    doc = D.new_document(official=True)
    D.title(doc, D.split_title(dedupe_words(title or "全省高新区及科技创新规划目标任务完成情况通报")),
            f"（截至{as_of}年）")
    if is_demo:
        D.demo_notice(doc)
    section = 0
    if len(progress):
        section += 1
        counts = progress["status"].value_counts()
        D.heading(doc, f"{_cn(section)}、总体进展", 1)
        D.para(doc, f"纳入监测的目标共{display.count(len(progress), '项')}，其中" +
               "，".join(f"{k}{display.count(v, '项')}" for k, v in counts.items()) + "。")
        names = plan_names if plan_names is not None else _plan_names()
        groups = progress.groupby("plan_id", sort=False) if "plan_id" in progress else [(None, progress)]
        for g, (plan_id, part) in enumerate(groups, start=1):
            if plan_id is not None:
                D.heading(doc, f"（{_cn(g)}）{names.get(plan_id, '其他规划')}", 2)
            t = pd.DataFrame({
                "指标": [join_scope(s, n) for s, n in zip(part["scope_name"], part["indicator_name"])],
                "目标年": part["target_year"].map(display.year),
                "目标值": part["target_value"], "最新值": part["actual"], "完成进度": part["progress"],
                "状态": part["status"], "unit": part["unit"], "kind": part.get("kind"),
                "time_elapsed": part.get("time_elapsed"), "status": part["status"],
            })
            shown = ["指标", "目标年", "目标值", "最新值", "完成进度", "状态"]
            rows = t.to_dict("records")
            out = pd.DataFrame({c: t[c] for c in shown})
            formatted = {c: [f(r[c], r) for r in rows] for c, f in
                         (("目标值", _value), ("最新值", _value), ("完成进度", _progress))}
            for c, vals in formatted.items():
                out[c] = vals
            D.table(doc, out, font_size=10, wrap=["指标"])
        D.note(doc, "注：完成进度为实际进展占目标所需进展的比例；“基期”表示规划期尚未开始、暂无进度要求；"
                    "增长率类目标的最新值为年均增长率。")
    if len(warnings):
        section += 1
        D.heading(doc, f"{_cn(section)}、预警事项", 1)
        for i, w in enumerate(warnings.to_dict("records"), start=1):
            msg = display.cite(w.get("message") or "")
            D.para(doc, f"{i}. {join_scope(w.get('scope_name'), w['indicator_name'])}：{w['status']}，"
                        f"完成进度{_progress(w.get('progress'), w)}{('；' + msg) if msg else ''}。")
    if circulars:
        section += 1
        D.heading(doc, f"{_cn(section)}、分解目标完成情况", 1)
        for i, c in enumerate(circulars, start=1):
            _circular_section(doc, c, f"（{_cn(i)}）")
    D.para(doc, "请进度滞后的单位分析原因，制定整改措施，确保完成年度目标任务。")
    D.footer_date(doc)
    return D.to_bytes(doc)

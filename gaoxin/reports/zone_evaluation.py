"""Annual zone evaluation report (Word): built from the evaluation engine's results handed in as
frames; no scores are computed here."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gaoxin import display
from gaoxin.reports import charts, docx_util as D


@dataclass
class ZoneEvaluationInput:
    year: int
    framework_name: str
    ranking: pd.DataFrame              # rank, unit, name, city, level, score, <dimension codes…>
    dimension_labels: dict[str, str]   # dimension code → name
    profiles: pd.DataFrame             # unit, strengths, weaknesses, rank_q05, rank_q95, change
    city_scores: dict[str, float | None]
    method_note: str = ""
    is_demo: bool = False
    notes: list[str] = field(default_factory=list)
    method_spec: dict | None = None    # the run's method spec (codes); printed in Chinese
    zone_class: str | None = None      # 国家级 / 省级 (分类评价); None: one ranking of all zones
    document: str = ""                 # the system's 文号 (or document title)
    gaps: list[str] = field(default_factory=list)   # the system's gap notes, in words


def _short(name: str) -> str:
    return str(name).replace("高新技术产业开发区", "高新区")


def _signed(v, _row=None) -> str:
    if display.is_missing(v):
        return display.rules()["missing"]
    return ("+" if float(v) > 0 else "") + display.score(v)


def method_sentence(spec: dict | None) -> str:
    """标准化方法、权重、聚合方法 in Chinese from a method spec (codes of gaoxin.index.spec)."""
    if not spec:
        return ""
    parts = []
    for step, label in (("impute", "缺失值处理"), ("normalise", "标准化方法"), ("weights", "权重"),
                        ("aggregate", "聚合方法")):
        code = (spec.get(step) or {}).get("method")
        if code:
            parts.append(f"{label}：{display.method_name(step, code)}")
    return "；".join(parts) + ("。" if parts else "")


def build(inp: "ZoneEvaluationInput | list[ZoneEvaluationInput]", map_class: str | None = None) -> bytes:
    """The annual report: one ranking of all zones (a single input without a class), or 分类评价 — a
    section per class, each naming its system, 文号 and gaps (a list of inputs, or one with a class)."""
    if isinstance(inp, list) or inp.zone_class is not None:
        return build_by_class(inp if isinstance(inp, list) else [inp], map_class)
    doc = D.new_document()
    # an analysis report, not a 公文: title 20 pt (22 characters a line), so the usual title fits one line
    D.title(doc, D.split_title(f"{inp.year}年度湖南省高新区创新发展综合评价报告", 22), f"评价体系：{inp.framework_name}",
            size=20)
    if inp.is_demo:
        D.demo_notice(doc)
    r = inp.ranking
    n = len(r)
    nat = r[r["level"] == "国家级"]
    dims = [c for c in inp.dimension_labels if c in r.columns]
    notes = list(inp.notes)
    S = display.score

    D.heading(doc, "一、总体情况", 1)
    top = "、".join(r.sort_values("rank").head(3)["name"].map(_short))
    D.para(doc, f"本次评价覆盖全省 {display.count(n, ' 家')}高新区（其中国家级 {display.count(len(nat), ' 家')}、"
                f"省级 {display.count(n - len(nat), ' 家')}）。综合得分平均为 {S(r['score'].mean())} 分，"
                f"最高 {S(r['score'].max())} 分，最低 {S(r['score'].min())} 分。综合排名前三位的是：{top}。")
    if len(nat) and len(nat) < n:
        D.para(doc, f"国家级高新区平均得分 {S(nat['score'].mean())} 分，省级高新区平均得分 "
                    f"{S(r[r['level'] != '国家级']['score'].mean())} 分。")
    D.image(doc, charts.hunan_map(inp.city_scores, f"{inp.year}年各市州高新区平均综合得分", legend="平均得分"),
            12.0, "图1  各市州高新区平均综合得分分布", max_height_cm=13.0)
    rs = r.sort_values("rank", na_position="last")
    if rs["score"].isna().any():
        notes.append("以下高新区数据不足、未能计算综合得分，列于排名表末尾：" +
                     "、".join(rs.loc[rs["score"].isna(), "name"].astype(str)) + "。")
    scored = rs[rs["score"].notna()]
    D.image(doc, charts.bar_chart(list(scored["name"].map(_short)), list(scored["score"]), xlabel="综合得分（分）"),
            D.TEXT_W, "图2  各高新区综合得分（按排名）")

    D.heading(doc, "二、综合排名", 1)
    table = rs[["rank", "name", "city", "level", "score"] + dims].copy()
    table["name"] = table["name"].map(_short)
    table["city"] = table["city"].astype(str).str.replace("土家族苗族自治州", "州")
    has_interval = "rank_q05" in inp.profiles
    if has_interval:
        iv = inp.profiles.set_index("unit")
        table.insert(5, "排名区间", [_interval(iv, u) for u in rs["unit"]])
    table = table.rename(columns={"rank": "排名", "name": "高新区", "city": "市州", "level": "级别", "score": "综合得分",
                                  **inp.dimension_labels})
    table["排名"] = table["排名"].astype("Int64")
    scores = {c: (lambda v, _r: S(v)) for c in ["综合得分"] + [inp.dimension_labels[d] for d in dims]}
    D.table(doc, table, font_size=8, nowrap=["高新区", "市州", "排名区间"], formats=scores)
    if has_interval:
        D.note(doc, "注：排名区间为不确定性分析（权重扰动与聚合方法备选）下排名的 5%—95% 分位区间；区间越窄，排名越稳健。"
                    "得分为百分制，保留两位小数。")

    D.heading(doc, "三、分维度情况", 1)
    _dimension_paragraphs(doc, inp, r, dims)

    D.heading(doc, "四、各高新区优势与短板", 1)
    _strengths_table(doc, inp, r)

    D.heading(doc, "五、评价方法说明", 1)
    method = display.zh_methods(inp.method_note) if inp.method_note else ""
    D.para(doc, method or "评价按指标体系逐级加权合成，各项指标经标准化后计分。")
    if inp.method_spec:
        D.para(doc, method_sentence(inp.method_spec))
    for note in notes:
        D.para(doc, display.cite(note))
    D.footer_date(doc)
    return D.to_bytes(doc)


def _interval(iv: pd.DataFrame, unit: str) -> str:
    if unit not in iv.index:
        return "—"
    lo, hi = iv.loc[unit, "rank_q05"], iv.loc[unit, "rank_q95"]
    if lo != lo or hi != hi:
        return "—"
    return f"{int(lo)}–{int(hi)}"


_CN = "一二三四五六七八九十"


def _ranking_table(doc, inp: ZoneEvaluationInput, rs: pd.DataFrame, dims: list[str], with_level: bool) -> bool:
    """The ranking table of one input (sorted frame rs); True when it lists rank intervals."""
    S = display.score
    cols = ["rank", "name", "city"] + (["level"] if with_level else []) + ["score"] + dims
    table = rs[cols].copy()
    table["name"] = table["name"].map(_short)
    table["city"] = table["city"].astype(str).str.replace("土家族苗族自治州", "州")
    has_interval = "rank_q05" in inp.profiles
    if has_interval:
        iv = inp.profiles.set_index("unit")
        table.insert(cols.index("score") + 1, "排名区间", [_interval(iv, u) for u in rs["unit"]])
    table = table.rename(columns={"rank": "排名", "name": "高新区", "city": "市州", "level": "级别", "score": "综合得分",
                                  **inp.dimension_labels})
    table["排名"] = table["排名"].astype("Int64")
    scores = {c: (lambda v, _r: S(v)) for c in ["综合得分"] + [inp.dimension_labels[d] for d in dims]}
    D.table(doc, table, font_size=7.5 if len(dims) > 4 else 8, nowrap=["高新区", "市州", "排名区间"], formats=scores)
    return has_interval


def system_line(inp: ZoneEvaluationInput) -> str:
    """《体系名》（文号）: the system a class is evaluated with, as a reader cites it."""
    doc = inp.document if inp.document and inp.document not in inp.framework_name else ""
    return f"《{inp.framework_name}》" + (f"（{doc}）" if doc else "")


def build_by_class(inputs: list[ZoneEvaluationInput], map_class: str | None = None) -> bytes:
    """分类评价 report: national zones ranked among themselves on the national system, provincial zones
    on the provincial one. The map colours cities by the mean score within ONE class (map_class, else the
    last class) and says so: the two systems' scores are on different scales and are never averaged together."""
    S = display.score
    year = inputs[0].year
    doc = D.new_document()
    D.title(doc, D.split_title(f"{year}年度湖南省高新区创新发展综合评价报告", 22),
            "分类评价：" + "、".join(i.zone_class for i in inputs) + "高新区分别按各自的评价体系计分和排名", size=20)
    if any(i.is_demo for i in inputs):
        D.demo_notice(doc)
    fig = [0]

    def caption(text: str) -> str:
        fig[0] += 1
        return f"图{fig[0]}  {text}"

    D.heading(doc, "一、总体情况", 1)
    total = sum(len(i.ranking) for i in inputs)
    parts = "、".join(f"{i.zone_class} {display.count(len(i.ranking), ' 家')}" for i in inputs)
    D.para(doc, f"本次评价覆盖全省 {display.count(total, ' 家')}高新区（{parts}），按分类评价的原则，"
                "各级别高新区按各自的评价体系计分，只在同级别高新区之间标准化和排名；不同评价体系的得分尺度不同，不作跨级别比较。")
    for i in inputs:
        r = i.ranking
        top = "、".join(r.sort_values("rank").head(3)["name"].map(_short))
        D.para(doc, f"{i.zone_class}高新区（{display.count(len(r), ' 家')}）按{system_line(i)}评价：综合得分平均为 "
                    f"{S(r['score'].mean())} 分，最高 {S(r['score'].max())} 分，最低 {S(r['score'].min())} 分；"
                    f"排名前三位的是：{top}。")
    chosen = next((i for i in inputs if i.zone_class == map_class), inputs[-1])
    D.image(doc, charts.hunan_map(chosen.city_scores, f"{year}年各市州{chosen.zone_class}高新区平均综合得分",
                                  legend="平均得分"),
            12.0, caption(f"各市州{chosen.zone_class}高新区平均综合得分分布"), max_height_cm=13.0)
    D.note(doc, f"注：市州得分为该市州{chosen.zone_class}高新区综合得分（{system_line(chosen)}）的简单平均；"
                f"没有{chosen.zone_class}高新区得分的市州不着色。国家级与省级高新区得分尺度不同，不混合平均。")

    notes: list[str] = []
    for k, inp in enumerate(inputs):
        r = inp.ranking
        zc = inp.zone_class
        dims = [c for c in inp.dimension_labels if c in r.columns]
        D.heading(doc, f"{_CN[k + 1]}、{zc}高新区评价", 1)
        D.para(doc, f"评价体系：{system_line(inp)}，{len(dims)} 个参与计分的一级指标（维度）："
                    f"{'、'.join(inp.dimension_labels[d] for d in dims)}。{display.count(len(r), ' 家')}{zc}高新区"
                    f"在本级别内标准化和排名。")
        if inp.gaps:
            D.note(doc, "注：该评价体系的公开文本不完整，本平台的处理如下——" +
                        "；".join(g.rstrip("。；") for g in inp.gaps) + "。")
        rs = r.sort_values("rank", na_position="last")
        if rs["score"].isna().any():
            notes.append(f"以下{zc}高新区数据不足、未能计算综合得分，列于排名表末尾：" +
                         "、".join(rs.loc[rs["score"].isna(), "name"].astype(str)) + "。")
        scored = rs[rs["score"].notna()]
        D.heading(doc, "（一）综合排名", 2)
        D.image(doc, charts.bar_chart(list(scored["name"].map(_short)), list(scored["score"]), xlabel="综合得分（分）"),
                D.TEXT_W, caption(f"{zc}高新区综合得分（按本级别排名）"))
        if _ranking_table(doc, inp, rs, dims, with_level=False):
            D.note(doc, "注：排名为本级别内排名；排名区间为不确定性分析（权重扰动与聚合方法备选）下排名的 5%—95% 分位区间，"
                        "区间越窄，排名越稳健。得分为百分制，保留两位小数。")
        D.heading(doc, "（二）分维度情况", 2)
        _dimension_paragraphs(doc, inp, r, dims)
        D.heading(doc, "（三）各高新区优势与短板", 2)
        _strengths_table(doc, inp, r)

    D.heading(doc, f"{_CN[len(inputs) + 1]}、评价方法说明", 1)
    for inp in inputs:
        method = display.zh_methods(inp.method_note) if inp.method_note else ""
        D.para(doc, (method or "评价按指标体系逐级加权合成，各项指标经标准化后计分。") +
               (method_sentence(inp.method_spec) if inp.method_spec else ""))
        notes.extend(inp.notes)
    for note in dict.fromkeys(notes):
        D.para(doc, display.cite(note))
    D.footer_date(doc)
    return D.to_bytes(doc)


def _dimension_paragraphs(doc, inp: "ZoneEvaluationInput", r, dims) -> None:
    """One paragraph per dimension: its mean and the top and bottom three zones."""
    S = display.score
    for d in dims:
        s = r[r[d].notna()].sort_values(d, ascending=False)
        D.para(doc, f"{inp.dimension_labels[d]}：平均 {S(r[d].mean())} 分；前三位为"
                    f"{'、'.join(s.head(3)['name'].map(_short))}；后三位为{'、'.join(s.tail(3)['name'].map(_short))}。")


def _strengths_table(doc, inp: "ZoneEvaluationInput", r) -> None:
    """Each zone's strengths and weaknesses (and its year-on-year change), in rank order."""
    prof = inp.profiles.merge(r[["unit", "name", "rank"]], on="unit").sort_values("rank", na_position="last")
    prof["name"] = prof["name"].map(_short)
    cols = {"name": "高新区", "strengths": "优势指标", "weaknesses": "短板指标"}
    if "change" in prof:
        cols["change"] = "得分同比变化（分）"
    D.table(doc, prof[list(cols)].rename(columns=cols), font_size=8, nowrap=["高新区"],
            formats={"得分同比变化（分）": _signed})

"""Annual zone evaluation report (Word): built from the evaluation engine's results handed in as
frames; no scores are computed here."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

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


def build(inp: ZoneEvaluationInput) -> bytes:
    doc = D.new_document()
    D.title(doc, f"{inp.year}年度湖南省高新区创新发展综合评价报告", f"评价体系：{inp.framework_name}")
    if inp.is_demo:
        D.demo_notice(doc)
    r = inp.ranking
    n = len(r)
    nat = r[r["level"] == "国家级"]
    dims = [c for c in inp.dimension_labels if c in r.columns]

    D.heading(doc, "一、总体情况", 1)
    top = "、".join(r.sort_values("rank").head(3)["name"].astype(str))
    D.para(doc, f"本次评价覆盖全省 {n} 家高新区（其中国家级 {len(nat)} 家、省级 {n - len(nat)} 家）。"
                f"综合得分平均为 {r['score'].mean():.2f} 分，最高 {r['score'].max():.2f} 分，最低 {r['score'].min():.2f} 分。"
                f"综合排名前三位的是：{top}。")
    if len(nat):
        D.para(doc, f"国家级高新区平均得分 {nat['score'].mean():.2f} 分，省级高新区平均得分 "
                    f"{r[r['level'] != '国家级']['score'].mean():.2f} 分。")
    D.image(doc, charts.hunan_map(inp.city_scores, f"{inp.year}年各市州高新区平均综合得分", legend="平均得分"),
            13.0, "图1  各市州高新区平均综合得分分布")
    rs = r.sort_values("rank", na_position="last")
    if rs["score"].isna().any():
        inp.notes.append("以下高新区数据不足、未能计算综合得分，列于排名表末尾：" +
                         "、".join(rs.loc[rs["score"].isna(), "name"].astype(str)) + "。")
    scored = rs[rs["score"].notna()]
    D.image(doc, charts.bar_chart(list(scored["name"].str.replace("高新技术产业开发区", "高新区")), list(scored["score"]),
                                  xlabel="综合得分"), 15.0, "图2  高新区综合得分")

    D.heading(doc, "二、综合排名", 1)
    table = rs[["rank", "name", "city", "level", "score"] + dims].copy()
    table["name"] = table["name"].str.replace("高新技术产业开发区", "高新区")
    if "rank_q05" in inp.profiles:
        iv = inp.profiles.set_index("unit")
        table.insert(5, "排名区间", [_interval(iv, u) for u in rs["unit"]])
    table = table.rename(columns={"rank": "排名", "name": "高新区", "city": "市州", "level": "级别", "score": "综合得分",
                                  **inp.dimension_labels})
    table["排名"] = table["排名"].astype("Int64")
    D.table(doc, table, font_size=8)
    D.para(doc, "注：排名区间为不确定性分析（权重扰动与聚合方法备选）下排名的 5%–95% 分位区间；"
                "区间越窄，排名越稳健。", indent=False)

    D.heading(doc, "三、分维度情况", 1)
    for d in dims:
        s = r.sort_values(d, ascending=False)
        D.para(doc, f"{inp.dimension_labels[d]}：平均 {r[d].mean():.2f} 分；前三位为 "
                    f"{'、'.join(s.head(3)['name'].astype(str))}；后三位为 {'、'.join(s.tail(3)['name'].astype(str))}。")

    D.heading(doc, "四、各高新区优势与短板", 1)
    prof = inp.profiles.merge(r[["unit", "name", "rank"]], on="unit").sort_values("rank")
    cols = {"name": "高新区", "strengths": "优势指标", "weaknesses": "短板指标"}
    if "change" in prof:
        cols["change"] = "得分同比变化"
    D.table(doc, prof[list(cols)].rename(columns=cols), font_size=8)

    D.heading(doc, "五、评价方法说明", 1)
    D.para(doc, inp.method_note or "评价按指标体系逐级加权合成，各项指标经标准化后计分。")
    for note in inp.notes:
        D.para(doc, note)
    D.footer_date(doc)
    return D.to_bytes(doc)


def _interval(iv: pd.DataFrame, unit: str) -> str:
    if unit not in iv.index:
        return "—"
    lo, hi = iv.loc[unit, "rank_q05"], iv.loc[unit, "rank_q95"]
    if lo != lo or hi != hi:
        return "—"
    return f"{int(lo)}–{int(hi)}"

"""The annual zone evaluation report (gaoxin.reports.zone_evaluation) as a reader gets it: every
paragraph in order, every table cell, the charts' titles and series, for small hand-made inputs whose
numbers can be checked by hand. Charts are replaced by recorders returning a plain PNG of a known
size (the pictures themselves are checked in tests/web/test_reports.py), and the date of the
document is fixed."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from gaoxin.reports import charts, docx_util as D
from gaoxin.reports.zone_evaluation import (ZoneEvaluationInput, build, build_by_class, method_sentence,
                                            system_line)

DEMO = "示例数据：本报告中的数据为系统生成的演示数据，不代表真实统计。"
TITLE = "2025年度湖南省高新区创新发展综合评价报告"
ISSUER = "湖南省高新区创新监测评价平台"
# 2025-12-31 17:00 UTC is already 2026-01-01 01:00 in Beijing
TODAY = "2026年1月1日生成"
from tests.reports.test_docx_util_content import png  # noqa: E402 - a w × h grey PNG

XIANGTAN = "《湘潭市推动科技创新“133”行动计划（2023—2025年）》（潭政办发〔2023〕33号）"




class _FixedNow(datetime):
    @classmethod
    def now(cls, tz=None):
        t = datetime(2025, 12, 31, 17, 0, tzinfo=timezone.utc)
        return t.astimezone(tz) if tz is not None else t.replace(tzinfo=None)


@pytest.fixture
def calls(monkeypatch):
    """Chart calls as (kind, args, kwargs); the map is a tall 600 × 1200 picture, the bar chart 1000 × 500."""
    seen: list[tuple] = []

    def hunan_map(*args, **kwargs):
        seen.append(("map", args, kwargs))
        return png(600, 1200)

    def bar_chart(*args, **kwargs):
        seen.append(("bar", args, kwargs))
        return png(1000, 500)
    monkeypatch.setattr(charts, "hunan_map", hunan_map)
    monkeypatch.setattr(charts, "bar_chart", bar_chart)
    monkeypatch.setattr(D, "datetime", _FixedNow)
    return seen


def _doc(docx: bytes):
    return Document(io.BytesIO(docx))


def _paragraphs(d) -> list[str]:
    return [p.text for p in d.paragraphs]


def _rows(t) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in t.rows]


# --------------------------------------------------------------------------- one ranking of all zones

def _single(is_demo: bool = True, notes: list[str] | None = None) -> ZoneEvaluationInput:
    """Six zones, rows out of rank order; 己 has no score (rank NA). Two national (甲, 丙), four provincial."""
    ranking = pd.DataFrame({
        "rank": pd.array([3, pd.NA, 1, 5, 2, 4], dtype="Int64"),
        "unit": ["C", "F", "A", "E", "B", "D"],
        "name": ["丙高新技术产业开发区", "己高新技术产业开发区", "甲高新技术产业开发区", "戊高新技术产业开发区",
                 "乙高新技术产业开发区", "丁高新技术产业开发区"],
        "city": ["株洲市", "岳阳市", "长沙市", "长沙市", "湘西土家族苗族自治州", "株洲市"],
        "level": ["国家级", "省级", "国家级", "省级", "省级", "省级"],
        "score": [50.0, np.nan, 80.0, 30.0, 62.0, 44.0],
        "D1": [70.0, np.nan, 90.0, 60.0, 40.0, 20.0],
        "D2": [30.0, np.nan, 60.0, np.nan, 80.0, 50.0]})
    # 己 (F) has no profile; 丁 (D) has no upper rank bound, 戊 (E) no interval at all
    profiles = pd.DataFrame({
        "unit": ["B", "A", "C", "D", "E"],
        "strengths": ["指标乙", "指标甲", "指标丙", "指标丁", "指标戊"],
        "weaknesses": ["短板乙", "短板甲", "短板丙", "短板丁", "短板戊"],
        "change": [-2.25, 1.5, 0.0, np.nan, 3.0],
        "rank_q05": [1.0, 1.0, 2.0, 3.0, np.nan], "rank_q95": [3.0, 2.0, 4.0, np.nan, np.nan]})
    return ZoneEvaluationInput(
        2025, "测试指标体系", ranking, {"D1": "创新能力", "D2": "产业能力", "D9": "未参评维度"}, profiles,
        {"长沙市": 55.0, "株洲市": 47.0}, "标准化方法：minmax；聚合方法：arithmetic。", is_demo,
        notes=notes if notes is not None else ["年度目标来源：004_5ad5552d415be116.txt 附件2"],
        method_spec={"impute": {"method": "none"}, "normalise": {"method": "minmax"}, "weights": None,
                     "aggregate": {"method": "geometric"}})


SINGLE_PARAGRAPHS = [
    TITLE, "评价体系：测试指标体系", DEMO,
    "一、总体情况",
    # 6 zones, 2 national; scores 80, 62, 50, 44, 30 → mean 266 / 5 = 53.20; top three by rank 甲 乙 丙
    "本次评价覆盖全省 6 家高新区（其中国家级 2 家、省级 4 家）。综合得分平均为 53.20 分，最高 80.00 分，"
    "最低 30.00 分。综合排名前三位的是：甲高新区、乙高新区、丙高新区。",
    # national (80 + 50) / 2 = 65.00; provincial (62 + 44 + 30) / 3 = 45.33 (己 has no score)
    "国家级高新区平均得分 65.00 分，省级高新区平均得分 45.33 分。",
    "", "图1  各市州高新区平均综合得分分布",
    "", "图2  各高新区综合得分（按排名）",
    "二、综合排名",
    "注：排名区间为不确定性分析（权重扰动与聚合方法备选）下排名的 5%—95% 分位区间；区间越窄，排名越稳健。"
    "得分为百分制，保留两位小数。",
    "三、分维度情况",
    # D1: 90 70 60 40 20 → mean 56.00; D2: 80 60 50 30 → mean 55.00
    "创新能力：平均 56.00 分；前三位为甲高新区、丙高新区、戊高新区；后三位为戊高新区、乙高新区、丁高新区。",
    "产业能力：平均 55.00 分；前三位为乙高新区、甲高新区、丁高新区；后三位为甲高新区、丁高新区、丙高新区。",
    "四、各高新区优势与短板",
    "五、评价方法说明",
    "标准化方法：最小—最大标准化；聚合方法：加权算术平均。",
    "缺失值处理：不插补；标准化方法：最小—最大标准化；聚合方法：加权几何平均。",
    f"年度目标来源：{XIANGTAN} 附件2",
    "以下高新区数据不足、未能计算综合得分，列于排名表末尾：己高新技术产业开发区。",
    ISSUER, TODAY,
]

SINGLE_RANKING = [
    ["排名", "高新区", "市州", "级别", "综合得分", "排名区间", "创新能力", "产业能力"],
    ["1", "甲高新区", "长沙市", "国家级", "80.00", "1–2", "90.00", "60.00"],
    ["2", "乙高新区", "湘西州", "省级", "62.00", "1–3", "40.00", "80.00"],
    ["3", "丙高新区", "株洲市", "国家级", "50.00", "2–4", "70.00", "30.00"],
    ["4", "丁高新区", "株洲市", "省级", "44.00", "—", "20.00", "50.00"],
    ["5", "戊高新区", "长沙市", "省级", "30.00", "—", "60.00", "—"],
    ["—", "己高新区", "岳阳市", "省级", "—", "—", "—", "—"],
]

SINGLE_STRENGTHS = [
    ["高新区", "优势指标", "短板指标", "得分同比变化（分）"],
    ["甲高新区", "指标甲", "短板甲", "+1.50"],
    ["乙高新区", "指标乙", "短板乙", "-2.25"],
    ["丙高新区", "指标丙", "短板丙", "0.00"],
    ["丁高新区", "指标丁", "短板丁", "—"],
    ["戊高新区", "指标戊", "短板戊", "+3.00"],
]


def test_single_report_paragraphs_in_order(calls):
    d = _doc(build(_single()))
    assert _paragraphs(d) == SINGLE_PARAGRAPHS


def test_single_report_tables(calls):
    d = _doc(build(_single()))
    assert len(d.tables) == 2
    assert _rows(d.tables[0]) == SINGLE_RANKING
    assert _rows(d.tables[1]) == SINGLE_STRENGTHS


def test_single_report_table_layout(calls):
    d = _doc(build(_single()))
    ranking, strengths = d.tables
    # both tables at 8 pt
    for t in (ranking, strengths):
        assert {r.font.size.pt for row in t.rows for c in row.cells for r in c.paragraphs[0].runs[-1:]} == {8.0}
    # names, cities and intervals are kept whole (left-aligned), ranks and scores right, the level centred
    row = ranking.rows[1].cells
    assert [c.paragraphs[0].alignment for c in row] == [
        WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER,
        WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT]
    # the strengths table keeps the zone name whole; the signed change reads as a number
    assert [c.paragraphs[0].alignment for c in strengths.rows[1].cells] == [
        WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT]


def test_single_report_charts(calls):
    inp = _single()
    d = _doc(build(inp))
    assert calls == [
        ("map", ({"长沙市": 55.0, "株洲市": 47.0}, "2025年各市州高新区平均综合得分"), {"legend": "平均得分"}),
        ("bar", (["甲高新区", "乙高新区", "丙高新区", "丁高新区", "戊高新区"], [80.0, 62.0, 50.0, 44.0, 30.0]),
         {"xlabel": "综合得分（分）"}),
    ]
    # the tall map (1 : 2) is held to 13 cm high, so 6.5 cm wide; the bar chart (2 : 1) spans the text width
    widths = [round(s.width.cm, 2) for s in d.inline_shapes]
    heights = [round(s.height.cm, 2) for s in d.inline_shapes]
    assert widths == [6.5, 15.6] and heights == [13.0, 7.8]


def test_single_report_without_demo_interval_or_change(calls):
    """No banner when not a demo; without rank intervals neither the column nor its note; without a
    change column the strengths table has three columns; only national zones: no class means."""
    inp = _single(is_demo=False, notes=[])
    inp.ranking["level"] = "国家级"
    inp.profiles = inp.profiles.drop(columns=["rank_q05", "rank_q95", "change"])
    inp.method_note = ""
    inp.method_spec = None
    d = _doc(build(inp))
    assert _paragraphs(d) == [
        TITLE, "评价体系：测试指标体系",
        "一、总体情况",
        "本次评价覆盖全省 6 家高新区（其中国家级 6 家、省级 0 家）。综合得分平均为 53.20 分，最高 80.00 分，"
        "最低 30.00 分。综合排名前三位的是：甲高新区、乙高新区、丙高新区。",
        "", "图1  各市州高新区平均综合得分分布",
        "", "图2  各高新区综合得分（按排名）",
        "二、综合排名",
        "三、分维度情况",
        SINGLE_PARAGRAPHS[13], SINGLE_PARAGRAPHS[14],
        "四、各高新区优势与短板",
        "五、评价方法说明",
        "评价按指标体系逐级加权合成，各项指标经标准化后计分。",
        "以下高新区数据不足、未能计算综合得分，列于排名表末尾：己高新技术产业开发区。",
        ISSUER, TODAY,
    ]
    assert _rows(d.tables[0])[0] == ["排名", "高新区", "市州", "级别", "综合得分", "创新能力", "产业能力"]
    assert _rows(d.tables[1]) == [[a, b, c] for a, b, c, _ in SINGLE_STRENGTHS]


def test_single_report_all_provincial_has_no_class_means(calls):
    inp = _single(notes=[])
    inp.ranking["level"] = "省级"
    text = _paragraphs(_doc(build(inp)))
    assert text[4].startswith("本次评价覆盖全省 6 家高新区（其中国家级 0 家、省级 6 家）。")
    assert not any(p.startswith("国家级高新区平均得分") for p in text)


def test_a_single_input_with_a_class_is_a_class_report(calls):
    a, _ = _classes()
    d = _doc(build(a))
    assert _paragraphs(d)[1] == "分类评价：国家级高新区分别按各自的评价体系计分和排名"
    assert calls[0][1][1] == "2025年各市州国家级高新区平均综合得分"


# --------------------------------------------------------------------------- 分类评价

def _classes() -> tuple[ZoneEvaluationInput, ZoneEvaluationInput]:
    nat = pd.DataFrame({
        "rank": pd.array([pd.NA, 2, 1], dtype="Int64"), "unit": ["C", "B", "A"],
        "name": ["丙高新技术产业开发区", "乙高新技术产业开发区", "甲高新技术产业开发区"],
        "city": ["株洲市", "湘西土家族苗族自治州", "长沙市"], "level": ["国家级"] * 3,
        "score": [np.nan, 60.0, 80.0],
        "N1": [np.nan, 50.0, 10.0], "N2": [np.nan, 40.0, 20.0], "N3": [np.nan, 25.0, 35.0],
        "N4": [np.nan, 20.0, 40.0], "N5": [np.nan, 10.0, 50.0]})
    nat_prof = pd.DataFrame({"unit": ["A", "B", "C"], "strengths": ["指标一", "指标一", ""],
                             "weaknesses": ["指标二", "指标二", ""], "change": [0.5, -1.0, np.nan],
                             "rank_q05": [1.0, 1.0, np.nan], "rank_q95": [2.0, 2.0, np.nan]})
    prov = pd.DataFrame({
        "rank": pd.array([2, 1], dtype="Int64"), "unit": ["E", "D"],
        "name": ["戊高新技术产业开发区", "丁高新技术产业开发区"], "city": ["株洲市", "长沙市"], "level": ["省级"] * 2,
        "score": [45.0, 55.5], "P1": [30.0, 70.0], "P2": [90.0, 10.0], "P3": [80.0, 20.0], "P4": [60.0, 30.0]})
    prov_prof = pd.DataFrame({"unit": ["D", "E"], "strengths": ["指标三", "指标五"], "weaknesses": ["指标四", "指标六"]})
    a = ZoneEvaluationInput(
        2025, "国家体系", nat, {"N1": "维一", "N2": "维二", "N3": "维三", "N4": "维四", "N5": "维五"}, nat_prof,
        {"长沙市": 80.0, "湘西土家族苗族自治州": 60.0}, "标准化方法：zscore。", False,
        notes=["年度目标来源：004_5ad5552d415be116.txt 附件2"], zone_class="国家级", document="国科发火〔2021〕106号",
        gaps=["二级指标赋权未公开，按组内等权计算。", "部分指标口径缺失；"])
    b = ZoneEvaluationInput(
        2025, "省级体系", prov, {"P1": "知识创造能力", "P2": "产业能力", "P3": "开放能力", "P4": "环境能力"}, prov_prof,
        {"长沙市": 55.5, "株洲市": 45.0}, "", True,
        notes=["年度目标来源：004_5ad5552d415be116.txt 附件2"], method_spec={"aggregate": {"method": "geometric"}},
        zone_class="省级", document="省级体系")
    return a, b


NAT_DIMS = [  # each dimension's two scored zones: mean 30.00 in every one
    "维一：平均 30.00 分；前三位为乙高新区、甲高新区；后三位为乙高新区、甲高新区。",
    "维二：平均 30.00 分；前三位为乙高新区、甲高新区；后三位为乙高新区、甲高新区。",
    "维三：平均 30.00 分；前三位为甲高新区、乙高新区；后三位为甲高新区、乙高新区。",
    "维四：平均 30.00 分；前三位为甲高新区、乙高新区；后三位为甲高新区、乙高新区。",
    "维五：平均 30.00 分；前三位为甲高新区、乙高新区；后三位为甲高新区、乙高新区。",
]
PROV_DIMS = [
    "知识创造能力：平均 50.00 分；前三位为丁高新区、戊高新区；后三位为丁高新区、戊高新区。",
    "产业能力：平均 50.00 分；前三位为戊高新区、丁高新区；后三位为戊高新区、丁高新区。",
    "开放能力：平均 50.00 分；前三位为戊高新区、丁高新区；后三位为戊高新区、丁高新区。",
    "环境能力：平均 45.00 分；前三位为戊高新区、丁高新区；后三位为戊高新区、丁高新区。",
]


def test_class_report_paragraphs_in_order(calls):
    d = _doc(build(list(_classes())))
    assert _paragraphs(d) == [
        TITLE, "分类评价：国家级、省级高新区分别按各自的评价体系计分和排名", DEMO,
        "一、总体情况",
        "本次评价覆盖全省 5 家高新区（国家级 3 家、省级 2 家），按分类评价的原则，各级别高新区按各自的评价体系计分，"
        "只在同级别高新区之间标准化和排名；不同评价体系的得分尺度不同，不作跨级别比较。",
        # national: 80 and 60 scored → 70.00; provincial (55.5 + 45) / 2 = 50.25
        "国家级高新区（3 家）按《国家体系》（国科发火〔2021〕106号）评价：综合得分平均为 70.00 分，最高 80.00 分，"
        "最低 60.00 分；排名前三位的是：甲高新区、乙高新区、丙高新区。",
        "省级高新区（2 家）按《省级体系》评价：综合得分平均为 50.25 分，最高 55.50 分，最低 45.00 分；"
        "排名前三位的是：丁高新区、戊高新区。",
        "", "图1  各市州省级高新区平均综合得分分布",
        "注：市州得分为该市州省级高新区综合得分（《省级体系》）的简单平均；没有省级高新区得分的市州不着色。"
        "国家级与省级高新区得分尺度不同，不混合平均。",
        "二、国家级高新区评价",
        "评价体系：《国家体系》（国科发火〔2021〕106号），5 个参与计分的一级指标（维度）：维一、维二、维三、维四、维五。"
        "3 家国家级高新区在本级别内标准化和排名。",
        "注：该评价体系的公开文本不完整，本平台的处理如下——二级指标赋权未公开，按组内等权计算；部分指标口径缺失。",
        "（一）综合排名",
        "", "图2  国家级高新区综合得分（按本级别排名）",
        "注：排名为本级别内排名；排名区间为不确定性分析（权重扰动与聚合方法备选）下排名的 5%—95% 分位区间，"
        "区间越窄，排名越稳健。得分为百分制，保留两位小数。",
        "（二）分维度情况",
        *NAT_DIMS,
        "（三）各高新区优势与短板",
        "三、省级高新区评价",
        "评价体系：《省级体系》，4 个参与计分的一级指标（维度）：知识创造能力、产业能力、开放能力、环境能力。"
        "2 家省级高新区在本级别内标准化和排名。",
        "（一）综合排名",
        "", "图3  省级高新区综合得分（按本级别排名）",
        "（二）分维度情况",
        *PROV_DIMS,
        "（三）各高新区优势与短板",
        "四、评价方法说明",
        "标准化方法：Z分数标准化（标准差标准化）。",
        "评价按指标体系逐级加权合成，各项指标经标准化后计分。聚合方法：加权几何平均。",
        # the unscored zone of the national class, then the notes of both inputs, each once
        "以下国家级高新区数据不足、未能计算综合得分，列于排名表末尾：丙高新技术产业开发区。",
        f"年度目标来源：{XIANGTAN} 附件2",
        ISSUER, TODAY,
    ]


def test_class_report_tables(calls):
    d = _doc(build(list(_classes())))
    assert [_rows(t) for t in d.tables] == [
        [["排名", "高新区", "市州", "综合得分", "排名区间", "维一", "维二", "维三", "维四", "维五"],
         ["1", "甲高新区", "长沙市", "80.00", "1–2", "10.00", "20.00", "35.00", "40.00", "50.00"],
         ["2", "乙高新区", "湘西州", "60.00", "1–2", "50.00", "40.00", "25.00", "20.00", "10.00"],
         ["—", "丙高新区", "株洲市", "—", "—", "—", "—", "—", "—", "—"]],
        [["高新区", "优势指标", "短板指标", "得分同比变化（分）"],
         ["甲高新区", "指标一", "指标二", "+0.50"],
         ["乙高新区", "指标一", "指标二", "-1.00"],
         ["丙高新区", "", "", "—"]],
        [["排名", "高新区", "市州", "综合得分", "知识创造能力", "产业能力", "开放能力", "环境能力"],
         ["1", "丁高新区", "长沙市", "55.50", "70.00", "10.00", "20.00", "30.00"],
         ["2", "戊高新区", "株洲市", "45.00", "30.00", "90.00", "80.00", "60.00"]],
        [["高新区", "优势指标", "短板指标"],
         ["丁高新区", "指标三", "指标四"],
         ["戊高新区", "指标五", "指标六"]],
    ]
    # five dimensions: the ranking table at 7.5 pt; four: 8 pt
    sizes = [{r.font.size.pt for row in t.rows for c in row.cells for r in c.paragraphs[0].runs[-1:]} for t in d.tables]
    assert sizes == [{7.5}, {8.0}, {8.0}, {8.0}]
    # zone names, cities and rank intervals are kept whole (left-aligned)
    assert [c.paragraphs[0].alignment for c in d.tables[0].rows[1].cells][1:5] == [
        WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT]
    assert d.tables[1].rows[1].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_class_report_charts(calls):
    d = _doc(build(list(_classes()), map_class="国家级"))
    assert calls == [
        ("map", ({"长沙市": 80.0, "湘西土家族苗族自治州": 60.0}, "2025年各市州国家级高新区平均综合得分"),
         {"legend": "平均得分"}),
        ("bar", (["甲高新区", "乙高新区"], [80.0, 60.0]), {"xlabel": "综合得分（分）"}),
        ("bar", (["丁高新区", "戊高新区"], [55.5, 45.0]), {"xlabel": "综合得分（分）"}),
    ]
    text = _paragraphs(d)
    assert "图1  各市州国家级高新区平均综合得分分布" in text
    assert ("注：市州得分为该市州国家级高新区综合得分（《国家体系》（国科发火〔2021〕106号））的简单平均；"
            "没有国家级高新区得分的市州不着色。国家级与省级高新区得分尺度不同，不混合平均。") in text
    assert [round(s.width.cm, 2) for s in d.inline_shapes] == [6.5, 15.6, 15.6]
    assert [round(s.height.cm, 2) for s in d.inline_shapes] == [13.0, 7.8, 7.8]


def test_class_report_without_demo_has_no_banner(calls):
    a, b = _classes()
    b.is_demo = False
    assert DEMO not in _paragraphs(_doc(build_by_class([a, b])))


# --------------------------------------------------------------------------- small helpers

def test_method_sentence_names_each_step_in_chinese():
    assert method_sentence(None) == ""
    assert method_sentence({}) == ""
    assert method_sentence({"weights": None, "impute": {}}) == ""
    assert method_sentence({"weights": {"method": "entropy"}}) == "权重：熵权法。"
    assert method_sentence({"aggregate": {"method": "topsis"}, "impute": {"method": "median"},
                            "normalise": {"method": "zscore"}, "weights": {"method": "equal"}}) == \
        "缺失值处理：中位数插补；标准化方法：Z分数标准化（标准差标准化）；权重：等权重；聚合方法：逼近理想解排序法。"


def test_system_line_cites_title_and_number():
    a, b = _classes()
    assert system_line(a) == "《国家体系》（国科发火〔2021〕106号）"
    assert system_line(b) == "《省级体系》"  # the 文号 is the title itself
    b.document = ""
    assert system_line(b) == "《省级体系》"
    b.document = "体系"  # part of the title
    assert system_line(b) == "《省级体系》"


# --------------------------------------------------------------------------- outline and title

def _headings(d) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]


def test_single_report_outline_and_title_size(calls):
    d = _doc(build(_single()))
    assert _headings(d) == [("Heading 1", "一、总体情况"), ("Heading 1", "二、综合排名"), ("Heading 1", "三、分维度情况"),
                            ("Heading 1", "四、各高新区优势与短板"), ("Heading 1", "五、评价方法说明")]
    # an analysis report: the title at 20 pt (not the 公文's 22 pt), its line 1.5 × 20 = 30 pt high
    title = d.paragraphs[0]
    assert title.style.name == "Title"
    assert [(r.text, r.font.size.pt) for r in title.runs] == [(TITLE, 20.0)]
    assert title.paragraph_format.line_spacing.pt == 30.0
    assert [(r.text, r.font.size.pt) for r in d.paragraphs[1].runs] == [("评价体系：测试指标体系", 16.0)]


def test_class_report_outline_and_title_size(calls):
    d = _doc(build(list(_classes())))
    sub = [("Heading 2", "（一）综合排名"), ("Heading 2", "（二）分维度情况"), ("Heading 2", "（三）各高新区优势与短板")]
    assert _headings(d) == [("Heading 1", "一、总体情况"), ("Heading 1", "二、国家级高新区评价"), *sub,
                            ("Heading 1", "三、省级高新区评价"), *sub, ("Heading 1", "四、评价方法说明")]
    assert [(r.text, r.font.size.pt) for r in d.paragraphs[0].runs] == [(TITLE, 20.0)]


def test_class_report_year_is_the_first_inputs(calls):
    a, b = _classes()
    a.year = 2024
    d = _doc(build([a, b]))
    assert _paragraphs(d)[0] == "2024年度湖南省高新区创新发展综合评价报告"
    assert calls[0][1][1] == "2024年各市州省级高新区平均综合得分"


def test_class_report_names_only_the_top_three(calls):
    a, b = _classes()
    extra = pd.DataFrame({"rank": pd.array([4, 3], dtype="Int64"), "unit": ["H", "G"],
                          "name": ["辛高新技术产业开发区", "庚高新技术产业开发区"], "city": ["株洲市", "长沙市"],
                          "level": ["省级"] * 2, "score": [20.0, 40.0], "P1": [1.0, 2.0], "P2": [1.0, 2.0],
                          "P3": [1.0, 2.0], "P4": [1.0, 2.0]})
    b.ranking = pd.concat([b.ranking, extra], ignore_index=True)
    text = _paragraphs(_doc(build([a, b])))
    # four provincial zones ranked 丁 戊 庚 辛: the summary names the first three
    line = next(p for p in text if p.startswith("省级高新区（4 家）"))
    assert line.endswith("排名前三位的是：丁高新区、戊高新区、庚高新区。")

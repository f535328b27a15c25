"""Targets mean what the documents say (issue 15): comparison words, per-zone goals, deadlines for
decomposed units, the circular's colour band, figures that disagree, responsible units."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
import yaml

from gaoxin.reports.circular import write_circular
from gaoxin.targets.circular import circular_table
from gaoxin.targets.monitor import parts_progress, progress_table
from gaoxin.targets.plans import find_target, load_targets
from gaoxin.targets.status import load_thresholds
from gaoxin.paths import REFERENCE_DIR


def _obs(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(unit_type=t, unit_code=c, indicator_code=i, period=y, value=v, is_demo=False)
                         for t, c, i, y, v in rows])


# ----------------------------------------------------------------- comparison words

def test_tupo_means_more_than():
    """Seed 000 一、主要目标: "到2028年，国家高新区数量突破10家". 突破 is "more than": 10 zones do not
    meet it, 11 do."""
    t = find_target("hz28-national-zones")
    assert t.comparator == ">"
    for value, status in ((10, "逾期未完成"), (11, "已完成")):
        obs = _obs([("province", "430000", t.indicator, 2028, value)])
        row = progress_table([t], obs, 2028).iloc[0]
        assert row["status"] == status, value


@pytest.mark.parametrize(("tid", "comparator"), [
    ("hz28-national-zones", ">"),          # 突破10家
    ("hz28-high-tech-enterprises", ">"),   # 突破7800家
    ("sei25-value-added", ">"),            # 总额突破万亿元
    ("sei25-national-innovation-carriers", ">"),  # 超过150个
    ("xt133-high-tech-enterprises", ">"),  # 突破1000家
    ("xt133-rd-expenditure", ">"),         # 突破100亿元
    ("xt133-tech-smes", ">"),              # 达到2000家 (二) / 突破2000家 (三、（二）1): the stricter
    ("xt133-platforms-total", ">"),        # 突破300家 / 总数达到300家以上: the stricter
    ("hz28-high-tech-revenue-share", ">="),  # 达60%以上
    ("xt133-enterprise-loans", ">="),      # 不低于400亿元
    ("hz28-new-provincial-zones", ">="),   # 5家左右
    ("xt133-listed-companies", ">="),      # 达到12家以上
])
def test_each_comparison_word_has_its_operator(tid, comparator):
    """The rule of gaoxin/reference/README.md "比较用语": 突破 / 超过 → ">"; 达到、以上、不低于、至少 → ">=";
    左右 → ">=" with a note; 力争 does not change the word it precedes; where two words are printed for
    one figure, the stricter governs."""
    assert find_target(tid).comparator == comparator


def test_every_goal_word_agrees_with_its_operator():
    """Every target whose original sentence says 突破 or 超过 (and nowhere only 达到 …) is compared with
    ">"; no target that says only 达到 / 以上 / 不低于 is compared with ">"."""
    wrong = []
    for t in load_targets():
        text = t.text
        strict = "突破" in text or "超过" in text
        if strict and t.comparator != ">":
            wrong.append((t.id, t.comparator, text))
        if not strict and t.comparator == ">":
            wrong.append((t.id, t.comparator, text))
    assert wrong == []


def test_units_of_a_tupo_target_are_judged_on_their_printed_figure():
    """附件3 prints each county's 2024 figure; a county that reaches it exactly has done its part
    (the 突破 of "实现高新技术企业突破1000家" applies to the city total)."""
    t = find_target("xt133-high-tech-enterprises")
    row = next(r for r in t.decomposition.rows if r.unit_name == "湘潭县")
    obs = _obs([(row.unit_type, row.unit_code, t.indicator, 2024, row.values[2024])])  # 153 = printed
    parts = parts_progress(t, obs, 2024).set_index("unit_name")
    assert parts.loc["湘潭县", "status"] == "已完成"


# ----------------------------------------------------------------- deadlines for units

def test_units_are_overdue_with_their_parent():
    """Seed 004 四、（三）: "建立定期调度与通报工作机制"; status_thresholds.yaml `overdue`: once the
    deadline has come a target not met is 逾期未完成, never 进度滞后. 2025 is the deadline of
    "力争全市高新技术企业总数突破1000家": a county at 90 % of its 2025 figure is 逾期未完成 like the city,
    while in 2024 the same 90 % is 进度滞后 (the 60 %–95 % band)."""
    t = find_target("xt133-high-tech-enterprises")
    xt = next(r for r in t.decomposition.rows if r.unit_name == "湘潭县")
    hi = next(r for r in t.decomposition.rows if r.unit_name == "湘潭高新区")
    rows = []
    for year in (2024, 2025):
        rows += [(xt.unit_type, xt.unit_code, t.indicator, year, 0.9 * xt.values[year]),
                 (hi.unit_type, hi.unit_code, t.indicator, year, 1.1 * hi.values[year])]
    obs = _obs(rows)
    p25 = parts_progress(t, obs, 2025).set_index("unit_name")
    assert p25.loc["湘潭县", "status"] == "逾期未完成"
    assert p25.loc["湘潭高新区", "status"] == "已完成"
    assert "目标期限" in p25.loc["湘潭县", "status_reason"]
    p24 = parts_progress(t, obs, 2024).set_index("unit_name")
    assert p24.loc["湘潭县", "status"] == "进度滞后"
    # the circular's total row says the same as its units once the deadline has come
    c = circular_table(t, obs, 2025)
    assert c.table.iloc[-1]["进度评价"] == "逾期未完成"
    assert any("期限年份" in n for n in c.notes)


def test_circular_red_mark_comes_from_status_thresholds(tmp_path):
    """The 通报's red mark is the 严重滞后 band of status_thresholds.yaml (min_ratio of 进度滞后 =
    0.60 today), not a number of the report's own: a copy of the file with 0.5 moves the mark."""
    t = find_target("xt133-high-tech-enterprises")
    r = t.decomposition.rows[0]
    obs = _obs([(r.unit_type, r.unit_code, t.indicator, 2024, 100)])
    th = load_thresholds()
    c = circular_table(t, obs, 2024, th)
    assert c.red_below == pytest.approx(0.60) and c.red_status == "严重滞后"
    doc = yaml.safe_load((REFERENCE_DIR / "status_thresholds.yaml").read_text(encoding="utf-8"))
    doc["bands"][1]["min_ratio"] = 0.5
    alt = tmp_path / "th.yaml"
    alt.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    c2 = circular_table(t, obs, 2024, load_thresholds(alt))
    assert c2.red_below == pytest.approx(0.5)
    wb = openpyxl.load_workbook(io.BytesIO(write_circular(c2)))
    rules = [rule for rng in wb.active.conditional_formatting for rule in rng.rules]
    assert [rule.formula for rule in rules] == [["0.5"]]


# ----------------------------------------------------------------- per-zone goals

def test_per_zone_growth_goal_is_judged_per_zone():
    """Seed 001 一、（二）: "各国家级、省级高新区技术合同交易总额年均增长25%以上" — each zone's own
    growth from 2016. 长沙 100 → 200 (2019): (200/100)^(1/3) − 1 = 25.99 % ≥ 25 % → 已完成;
    株洲 100 → 150: 1.5^(1/3) − 1 = 14.47 % → 逾期未完成 as of 2019 (the target year)."""
    t = find_target("hz19-tech-contract-growth")
    assert t.decomposition is not None and t.decomposition.kind == "members"
    names = [r.unit_name for r in t.decomposition.rows]
    assert names[:7] == ["长沙高新区", "株洲高新区", "湘潭高新区", "益阳高新区", "衡阳高新区", "郴州高新区", "常德高新区"]
    assert "浏阳高新区" in names  # a provincial zone
    cs = t.decomposition.rows[0]
    zz = t.decomposition.rows[1]
    obs = _obs([(cs.unit_type, cs.unit_code, t.indicator, 2016, 100), (cs.unit_type, cs.unit_code, t.indicator, 2019, 200),
                (zz.unit_type, zz.unit_code, t.indicator, 2016, 100), (zz.unit_type, zz.unit_code, t.indicator, 2019, 150)])
    parts = parts_progress(t, obs, 2019).set_index("unit_name")
    assert parts.loc["长沙高新区", "actual_cagr"] == pytest.approx(2 ** (1 / 3) - 1)
    # what is compared with 25 %: the zone's own rate in %, and the level beside it
    assert parts.loc["长沙高新区", "actual"] == pytest.approx((2 ** (1 / 3) - 1) * 100)
    assert parts.loc["长沙高新区", "actual_level"] == 200
    assert parts.loc["株洲高新区", "progress"] == pytest.approx((1.5 ** (1 / 3) - 1) * 100 / 25)
    assert parts.loc["长沙高新区", "status"] == "已完成"
    assert parts.loc["株洲高新区", "status"] == "逾期未完成"
    c = circular_table(t, obs, 2019)
    body = c.table.set_index("高新区")
    assert body.loc["长沙高新区", "完成值"] == pytest.approx((2 ** (1 / 3) - 1) * 100)
    assert body.loc["长沙高新区", "完成率"] == pytest.approx((2 ** (1 / 3) - 1) * 100 / 25)
    assert body.loc["株洲高新区", "年度目标"] == 25
    assert any("每个高新区的目标均为年均增长 25%" in n for n in c.notes)


# ----------------------------------------------------------------- figures that disagree, units

@pytest.mark.parametrize(("tid", "words"), [
    ("xj26-rd-gdp-ratio", ("6% 以上", "（%） 5")),
    ("xj26-rd-intensity", ("6% 以上", "（%） 5")),
    ("xt133-platforms-new", ("100家以上", "125个")),
    ("xt133-platforms-new-by-county", ("100家以上", "125个")),
])
def test_disagreeing_figures_are_both_shown_with_a_note(tid, words):
    """Seed 003 二、（三）2: "R&D 占 GDP 比重达 6% 以上" but 专栏1 第3项 "全社会研发投入强度（%） 5";
    seed 004 二、工作目标: "力争新增国、省级科创平台100家以上" but 附件4/5 add to 125 (60 + 35 + 30).
    Both figures stay, each target row carries the note (targets page), and the 通报 prints it."""
    t = find_target(tid)
    row = progress_table([t], _obs([]), 2024).iloc[0]
    assert all(w in row["note"] for w in words) and row["discrepancy"] == t.discrepancy
    if t.decomposition is not None:
        c = circular_table(t, _obs([]), 2024)
        assert any(all(w in n for w in words) for n in c.notes)


def test_responsible_units_are_units_not_fragments():
    """Seed 004 附件1 (规模以上服务业): "市发改委、市商务局、市科技局、市交通运输局等行业主管部门" — the four
    named units are responsible; "等行业主管部门" is not a unit of its own."""
    from gaoxin.reference import find_unit
    t = find_target("xt133-rd-expenditure-by-sector")
    row = next(r for r in t.decomposition.rows if r.unit_name == "规模以上服务业")
    assert row.responsible_units == ("市发改委", "市商务局", "市科技局", "市交通运输局")
    unknown = {u for t in load_targets()
               for u in (*t.responsible_units,
                         *(u for r in (t.decomposition.rows if t.decomposition else ()) for u in r.responsible_units))
               if find_unit(u) is None}
    assert unknown == set()

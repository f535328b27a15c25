"""The plan YAML: every seed goal is there, cited, and seed 004's tables are exactly as printed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gaoxin.targets.decomposition import check, table
from gaoxin.targets.plans import (KINDS, PlanDataError, find_target, indicator_registry, load_plan_file,
                                  load_plans, load_targets, target_from_spec)

from tests.seeds import SEEDS
SEED_FILES = {
    "hunan-zones-2026-2028": "000_833f39822cf367ab.txt",
    "hunan-zones-2017-2019": "001_282604393c848d88.txt",
    "hunan-sei-2021-2025": "002_2ccea6797a98b795.txt",
    "xiangjiang-st-system-2023-2026": "003_c4e417dc85a75517.txt",
    "xiangtan-133-2023-2025": "004_5ad5552d415be116.txt",
}


def test_every_plan_and_target_is_cited():
    plans = {p.id: p for p in load_plans()}
    assert set(plans) == set(SEED_FILES)
    for pid, plan in plans.items():
        assert plan.targets, pid
        for t in plan.targets:
            assert t.source.startswith(SEED_FILES[pid]), t.id
            assert t.text and t.kind in KINDS and t.indicator_name
            assert t.comparator in (">=", ">", "<=", "<")
            if t.kind == "coverage":
                assert t.target_value == 100


def _number_forms(v: float) -> set[str]:
    s = f"{v:g}"
    return {s, f"{v:.1f}", s.replace(".0", "")}


def test_target_values_appear_in_the_quoted_text():
    """Transcription check: the printed number is in the quoted sentence, except where the seed words
    it (全覆盖, 破零, 百家/千家/万家, 万亿元, 5家左右 ranges) — those carry a note saying so."""
    for t in load_targets():
        if t.kind in ("coverage", "doubling"):
            continue
        if t.note and ("原文为" in t.note or "破零" in t.note):
            continue
        if t.id == "sei25-value-added":  # 总额突破万亿元
            assert "万亿" in t.text and t.target_value == 10000
            continue
        text = t.text.replace(" ", "")
        assert any(f in text for f in _number_forms(t.target_value)), (t.id, t.target_value, t.text)


def test_seed_baselines():
    assert find_target("sei25-value-added").baseline_value == 4190.73
    assert find_target("sei25-high-tech-enterprises").baseline_value == 8621
    assert find_target("sei25-va-gdp-share").baseline_value == 10.0
    xj = {t.id: t for t in load_targets(plan="xiangjiang-st-system-2023-2026")}
    assert (xj["xj26-high-tech-enterprises"].baseline_year, xj["xj26-high-tech-enterprises"].baseline_value) == (2022, 2787)
    assert xj["xj26-tech-smes"].baseline_value == 2866
    assert xj["xj26-platforms-total"].baseline_value == 650
    assert xj["xj26-rd-intensity"].baseline_value == 4.85


def test_headline_goals_of_each_seed():
    by = {(t.plan_id, t.indicator, t.target_year): t for t in load_targets()}
    assert by[("hunan-zones-2026-2028", "high_tech_enterprises", 2028)].target_value == 7800
    assert by[("hunan-zones-2026-2028", "national_high_tech_zones", 2028)].target_value == 10
    assert by[("hunan-zones-2026-2028", "high_tech_industry_revenue_share", 2028)].target_value == 60
    assert by[("hunan-zones-2026-2028", "tax_per_mu", 2028)].kind == "growth"
    assert by[("hunan-zones-2017-2019", "high_tech_enterprises", 2019)].kind == "doubling"
    assert by[("hunan-zones-2017-2019", "high_tech_industry_value_added", 2019)].target_value == 5000
    assert by[("hunan-sei-2021-2025", "high_tech_enterprises", 2025)].target_value == 13000
    assert by[("hunan-sei-2021-2025", "rd_expenditure", 2025)].kind == "growth"
    assert by[("hunan-sei-2021-2025", "national_innovation_carriers", 2025)].comparator == ">"
    assert by[("xiangjiang-st-system-2023-2026", "high_tech_enterprises", 2026)].target_value == 4500
    t = find_target("xt133-high-tech-enterprises")
    assert t.target_value == 1000 and t.lead_units == ("市科技局",)
    assert find_target("xt133-rd-intensity").target_value == 3.0


def test_seed003_column1_has_ten_rows():
    """专栏1 lists ten 2026 indicators; each is a target citing 专栏1 with its row number."""
    cited = [t for t in load_targets(plan="xiangjiang-st-system-2023-2026") if "专栏1" in t.source]
    numbers = sorted(int(re.search(r"专栏1 第(\d+)项", t.source).group(1)) for t in cited)
    assert numbers == list(range(1, 11))


# ------------------------------------------------------------------ seed 004 附件1–5

PRINTED = {
    # 附件2 (亿元)
    "xt133-rd-expenditure-by-county": {
        "湘潭县": [10, 10.5, 11.5], "湘乡市": [13, 13.5, 14.5], "韶山市": [4.7, 5.2, 5.8],
        "雨湖区": [14.5, 17, 19.5], "岳塘区": [4.7, 5.7, 6.7], "湘潭高新区": [21, 23.2, 26],
        "湘潭经开区": [14, 16.2, 19], "岳塘经开区": [1.27, 1.54, 1.8], "湘潭综保区": [0.13, 0.16, 0.2],
        "全市": [83.3, 93, 105]},
    # 附件1 (亿元)
    "xt133-rd-expenditure-by-sector": {
        "科学研究和技术服务业非企业单位": [2.1, 2.3, 2.5], "在潭高校": [16, 20, 24],
        "规模以上工业企业": [61, 66, 73], "特、一级建筑业": [3.5, 3.8, 4.3],
        "规模以上服务业": [None, None, None], "医疗卫生机构": [0.7, 0.9, 1.2], "全市": [83.3, 93, 105]},
    # 附件3 (个)
    "xt133-high-tech-enterprises": {
        "湘潭县": [138, 153, 166], "湘乡市": [111, 122, 132], "韶山市": [51, 57, 62], "雨湖区": [89, 99, 107],
        "岳塘区": [27, 30, 34], "湘潭高新区": [224, 247, 268], "湘潭经开区": [171, 190, 206],
        "岳塘经开区": [19, 22, 25], "全市": [830, 920, 1000]},
    "xt133-tech-smes": {
        "湘潭县": [248, 277, 305], "湘乡市": [249, 278, 306], "韶山市": [117, 132, 145], "雨湖区": [157, 183, 203],
        "岳塘区": [80, 100, 121], "湘潭高新区": [359, 392, 429], "湘潭经开区": [350, 383, 421],
        "岳塘经开区": [40, 55, 70], "全市": [1600, 1800, 2000]},
    # 附件4 / 附件5 (个), with the 合计 column
    "xt133-platforms-new-by-department": {
        "市科技局": [20, 15, 10, 45], "市发改委": [10, 7, 8, 25], "市工信局": [30, 13, 12, 55],
        "合计": [60, 35, 30, 125]},
    "xt133-platforms-new-by-county": {
        "湘潭县": [6, 3, 2, 11], "湘乡市": [2, 2, 1, 5], "韶山市": [4, 2, 1, 7],
        "雨湖区（含湘潭大学、湖南科技大学）": [15, 8, 6, 29], "岳塘区（含湖南工程学院）": [3, 2, 2, 7],
        "湘潭高新区": [16, 9, 9, 34], "湘潭经开区": [14, 9, 9, 32], "合计": [60, 35, 30, 125]},
}


def _table_values(tid: str) -> dict[str, list]:
    df = table(find_target(tid).decomposition)
    cols = ["2023年", "2024年", "2025年"] + (["合计"] if tid.startswith("xt133-platforms") else [])
    out = {}
    for rec in df.to_dict("records"):
        name = re.sub(r"\s+", "", rec["单位"])
        out[name] = [None if v is None or v != v else v for v in (rec[c] for c in cols)]
    return out


@pytest.mark.parametrize("tid", sorted(PRINTED))
def test_seed004_tables_as_printed(tid):
    assert _table_values(tid) == PRINTED[tid]


@pytest.mark.parametrize("tid", sorted(PRINTED))
def test_seed004_rows_sum_to_city_totals(tid):
    t = find_target(tid)
    issues = check(t.decomposition)
    assert [i for i in issues if i.kind != "blank"] == []
    d = t.decomposition
    for y in d.years:
        assert sum(r.values[y] or 0 for r in d.rows) == pytest.approx(d.totals[y], abs=1e-9)
    assert t.target_value == d.totals[2025] or t.kind == "cumulative"


def test_named_sums():
    d2 = find_target("xt133-rd-expenditure-by-county").decomposition
    assert sum(r.values[2023] for r in d2.rows) == pytest.approx(83.3)
    d3 = find_target("xt133-high-tech-enterprises").decomposition
    assert sum(r.values[2025] for r in d3.rows) == 1000


def test_blank_cell_is_reported_not_zero():
    issues = check(find_target("xt133-rd-expenditure-by-sector").decomposition, "附件1")
    blanks = [i for i in issues if i.kind == "blank"]
    assert {i.unit for i in blanks} == {"规模以上服务业"}
    assert {i.year for i in blanks} >= {2023, 2024, 2025}
    assert all("空白" in i.message for i in blanks)


def test_inconsistent_table_is_reported(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("""
source: t
plan: {id: bad, name: 测试, source: t}
targets:
  - id: x
    indicator: a
    indicator_name: 甲
    kind: count
    scope: {type: city, name: 湘潭市, code: "430300"}
    target: {year: 2025, value: 10}
    source: s
    text: t
    decomposition:
      source: 附件
      rows:
        - {unit: 湘潭县, type: county, values: {2025: 4}, row_total: 5}
        - {unit: 湘乡市, type: county, values: {2025: 5}}
      totals: {values: {2025: 10}}
""", encoding="utf-8")
    issues = check(load_plan_file(f).targets[0].decomposition, "附件")
    kinds = sorted(i.kind for i in issues)
    assert kinds == ["column_sum", "row_sum"]
    col = [i for i in issues if i.kind == "column_sum"][0]
    assert col.expected == 10 and col.found == 9 and "2025年" in col.message


@pytest.mark.skipif(not (SEEDS / "004_5ad5552d415be116.txt").exists(), reason="种子文件不在本机")
def test_seed004_tables_match_the_seed_text():
    """Parse 附件1–5 out of the seed text itself and compare every cell with the YAML."""
    text = (SEEDS / "004_5ad5552d415be116.txt").read_text(encoding="utf-8")
    annexes = re.split(r"\n\s*附件(\d)\s*\n", text)
    blocks = {int(annexes[i]): annexes[i + 1] for i in range(1, len(annexes) - 1, 2)}
    width = {1: 4, 2: 3, 3: 6, 4: 4, 5: 4}

    def rows(block: str, k: int) -> dict[str, list]:
        out, name, cells = {}, None, []
        for line in block.splitlines():
            if line.startswith("\t"):
                cell = line.strip()
                if re.fullmatch(r"[\d.]+", cell) or (cell == "" and name):
                    cells.append(float(cell) if cell else None)
                    continue
                if name and any(c is not None for c in cells) or (name and len(cells) >= k):
                    out[name] = (cells + [None] * k)[:k]
                name, cells = (cell or None), []
            elif name and line.strip().startswith("（") and not cells:
                name += line.strip()
        if name and cells:
            out[name] = (cells + [None] * k)[:k]
        return {re.sub(r"\s+", "", n): v for n, v in out.items()}

    parsed = {n: rows(b, width[n]) for n, b in blocks.items() if n in width}
    # 附件1: three years and the growth column
    sector = find_target("xt133-rd-expenditure-by-sector").decomposition
    for r in sector.rows:
        assert parsed[1][r.unit_name] == [r.values[2023], r.values[2024], r.values[2025], r.annual_growth_pct], r.unit_name
    assert parsed[1]["全市"][:4] == [83.3, 93, 105, 13.5]
    county = find_target("xt133-rd-expenditure-by-county").decomposition
    for r in county.rows:
        assert parsed[2][r.unit_name] == [r.values[y] for y in (2023, 2024, 2025)]
    hte = find_target("xt133-high-tech-enterprises").decomposition
    smes = find_target("xt133-tech-smes").decomposition
    for a, b in zip(hte.rows, smes.rows):
        got = parsed[3][a.unit_name]
        assert got[0::2] == [a.values[y] for y in (2023, 2024, 2025)]
        assert got[1::2] == [b.values[y] for y in (2023, 2024, 2025)]
    for n, tid in ((4, "xt133-platforms-new-by-department"), (5, "xt133-platforms-new-by-county")):
        for r in find_target(tid).decomposition.rows:
            assert parsed[n][r.unit_name] == [r.values[2023], r.values[2024], r.values[2025], r.row_total]


def test_indicator_registry_covers_every_target():
    codes = {i["code"]: i for i in indicator_registry()}
    for t in load_targets():
        assert t.indicator in codes
    assert "county" in codes["high_tech_enterprises"]["unit_types"]
    assert all(i["source"] for i in codes.values())


def test_spec_round_trip():
    for t in load_targets():
        again = target_from_spec(t.spec, t.plan_id)
        assert again == t


def test_bad_yaml_gets_a_chinese_message(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("""
source: t
plan: {id: bad, name: 测试, source: t}
targets:
  - {id: x, indicator: a, indicator_name: 甲, kind: speed, target: {year: 2025, value: 1}, source: s, text: t,
     scope: {type: city, name: 湘潭市}}
""", encoding="utf-8")
    with pytest.raises(PlanDataError, match="bad.yaml.*x.*kind"):
        load_plan_file(f)


def test_annex1_growth_column_as_printed():
    d = find_target("xt133-rd-expenditure-by-sector").decomposition
    growth = {r.unit_name: r.annual_growth_pct for r in d.rows}
    assert growth == {"科学研究和技术服务业非企业单位": 13, "在潭高校": 25, "规模以上工业企业": 10,
                      "特、一级建筑业": 10, "规模以上服务业": None, "医疗卫生机构": 30}
    assert d.total_growth_pct == 13.5
    assert find_target("xt133-rd-expenditure-growth").target_value == 13.5
    t = table(d)
    assert list(t["年均目标增速（%）"].iloc[[0, -1]]) == [13, 13.5]
    assert "年均目标增速（%）" not in table(find_target("xt133-tech-smes").decomposition)


def test_readme_counts_match_the_data():
    readme = Path(__file__).resolve().parents[2] / "docs" / "readme-targets.md"
    text = readme.read_text(encoding="utf-8")
    counts = {p.id: len(p.targets) for p in load_plans()}
    for pid, n in counts.items():
        assert re.search(rf"`{pid}` \| {n} \|", text), pid
    assert f"**{sum(counts.values())}**" in text

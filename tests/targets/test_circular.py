"""通报 table and xlsx for a decomposed target (附件3 高新技术企业), early-warning texts, roll-up."""
from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from gaoxin.reports.circular import write_circular
from gaoxin.targets.circular import COLUMNS, circular_table
from gaoxin.targets.decomposition import rollup
from gaoxin.targets.monitor import parts_progress, progress_table
from gaoxin.targets.plans import find_target
from gaoxin.targets.warning import format_amount, gap_text, warnings

HTE = "xt133-high-tech-enterprises"
# 2024 actual = 2024 target × factor: the ranking is known in advance
FACTORS = {"湘潭县": 1.10, "湘乡市": 0.50, "韶山市": 1.00, "雨湖区": 0.80, "岳塘区": 0.90,
           "湘潭高新区": 1.20, "湘潭经开区": 0.97, "岳塘经开区": None}  # None: no report


def _obs(target_id=HTE, factors=FACTORS, year=2024, demo=True) -> pd.DataFrame:
    t = find_target(target_id)
    rows = []
    for r in t.decomposition.rows:
        f = factors.get(r.unit_name)
        if f is None or r.values.get(year) is None:
            continue
        rows.append(dict(unit_type=r.unit_type, unit_code=r.unit_code, indicator_code=t.indicator,
                         period=year, value=r.values[year] * f, is_demo=demo))
    return pd.DataFrame(rows)


def test_circular_ranking_and_wording():
    c = circular_table(find_target(HTE), _obs(), 2024)
    assert list(c.table.columns) == COLUMNS
    assert c.title == "湘潭市高新技术企业数量目标任务完成情况通报（截至2024年）"
    body = c.table.iloc[:-1]
    assert list(body["县市区（园区）"]) == ["湘潭高新区", "湘潭县", "韶山市", "湘潭经开区", "岳塘区", "雨湖区",
                                      "湘乡市", "岳塘经开区"]
    assert list(body["排名"].iloc[:7]) == [1, 2, 3, 4, 5, 6, 7]
    assert pd.isna(body["排名"].iloc[7])
    assert list(body["进度评价"]) == ["已完成", "已完成", "已完成", "进度正常", "进度滞后", "进度滞后",
                                   "严重滞后", "数据缺失"]
    assert list(body["序号"]) == list(range(1, 9))
    assert body["完成率"].iloc[0] == pytest.approx(1.2)
    assert body["年度目标"].iloc[0] == 247   # 湘潭高新区 2024 as printed
    total = c.table.iloc[-1]
    assert total["县市区（园区）"] == "全市（部分单位未报送）" and total["年度目标"] == 920
    assert total["完成值"] == pytest.approx(sum(
        r.values[2024] * FACTORS[r.unit_name] for r in find_target(HTE).decomposition.rows if FACTORS[r.unit_name]))
    assert c.is_demo and any("示例数据" in n for n in c.notes)
    assert any("岳塘经开区" in n for n in c.notes)


def test_ties_share_a_rank():
    f = {k: 1.0 for k in FACTORS}
    c = circular_table(find_target(HTE), _obs(factors=f), 2024)
    assert set(c.table["排名"].dropna()) == {1}


def test_blank_target_cell_not_ranked():
    t = find_target("xt133-rd-expenditure-by-sector")
    f = {r.unit_name: 1.0 for r in t.decomposition.rows}
    c = circular_table(t, _obs(t.id, f), 2023)
    row = c.table[c.table.iloc[:, 1] == "规模以上服务业"].iloc[0]
    assert row["进度评价"] == "目标未列" and pd.isna(row["排名"])
    assert c.unit_header == "单位及类别"
    assert any("空白" in n for n in c.notes)


def test_circular_errors_in_chinese():
    with pytest.raises(ValueError, match="没有分解"):
        circular_table(find_target("xt133-rd-intensity"), _obs(), 2024)
    with pytest.raises(ValueError, match="2030"):
        circular_table(find_target(HTE), _obs(), 2030)


def test_xlsx_opens_with_the_ranking(tmp_path):
    c = circular_table(find_target(HTE), _obs(), 2024)
    path = tmp_path / "通报.xlsx"
    data = write_circular(c, path)
    assert path.read_bytes() == data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["通报"]
    assert ws["A1"].value == c.title
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    header_idx = next(i for i, r in enumerate(values) if r[:7] == COLUMNS)
    assert any(r[0] and "示例数据" in str(r[0]) for r in values[:header_idx])
    first = values[header_idx + 1]
    assert first[1] == "湘潭高新区" and first[5] == 1 and first[4] == pytest.approx(1.2)
    assert ws.cell(header_idx + 2, 5).number_format == "0.0%"
    assert ws.cell(header_idx + 2, 3).number_format == "#,##0"
    assert ws.column_dimensions["B"].width >= 10
    names = [r[1] for r in values[header_idx + 1: header_idx + 10]]
    assert names[-1] == "全市（部分单位未报送）"


def test_parts_progress_and_rollup():
    obs = _obs()
    p = parts_progress(find_target(HTE), obs, 2024)
    assert len(p) == 8 and p.loc[p["unit_name"] == "湘乡市", "status"].item() == "严重滞后"
    city = pd.DataFrame([dict(unit_type="city", unit_code="430300", indicator_code="high_tech_enterprises",
                              period=2024, value=800.0, is_demo=True)])
    r = rollup(find_target(HTE), pd.concat([obs, city]), [2023, 2024])
    r24 = r[r["year"] == 2024].iloc[0]
    assert r24["units_reported"] == 7 and r24["units_expected"] == 8
    assert r24["printed_total"] == 920 and r24["scope_actual"] == 800
    assert r24["units_sum"] == pytest.approx(obs["value"].sum())
    assert r[r["year"] == 2023].iloc[0]["units_reported"] == 0


def test_gap_wording():
    assert gap_text(1233.2, "家") == "还差 1,234 家"
    assert gap_text(3.2, "亿元") == "还差 3.2 亿元"
    assert gap_text(0.5, "%") == "还差 0.5 个百分点"
    assert gap_text(0, "家") == "已达到目标"
    assert format_amount(12345.678, "亿元") == "12,345.68 亿元"


def test_warnings_worst_first():
    targets = [find_target(i) for i in ("xt133-high-tech-enterprises", "xt133-tech-smes", "xt133-rd-intensity",
                                        "xt133-listed-companies")]
    obs = pd.DataFrame([
        dict(unit_type="city", unit_code="430300", indicator_code="high_tech_enterprises", period=2022, value=700),
        dict(unit_type="city", unit_code="430300", indicator_code="high_tech_enterprises", period=2024, value=766),
        dict(unit_type="city", unit_code="430300", indicator_code="tech_smes", period=2024, value=1900),
        dict(unit_type="city", unit_code="430300", indicator_code="rd_intensity", period=2024, value=1.5),
        dict(unit_type="city", unit_code="430300", indicator_code="listed_companies", period=2024, value=12),
    ]).assign(is_demo=False)
    prog = progress_table(targets, obs, 2024)
    w = warnings(prog)
    # high-tech: 66 of 300 in 2/3 of the time → ratio 0.33; R&D 1.5 % of 3 % → 0.5/0.667 = 0.75
    assert list(w["id"]) == ["xt133-high-tech-enterprises", "xt133-rd-intensity"]
    assert list(w["status"]) == ["严重滞后", "进度滞后"]
    assert w.iloc[0]["gap_text"] == "还差 234 家" and w.iloc[0]["effort_text"] == "年均还需 234 家"
    assert w.iloc[1]["gap_text"] == "还差 1.5 个百分点"
    assert list(w["rank"]) == [1, 2]
    st = dict(zip(prog["id"], prog["status"]))
    assert st["xt133-tech-smes"] == "进度正常" and st["xt133-listed-companies"] == "已完成"


def test_each_zone_goal_as_members():
    """每个国家高新区至少 2 个国家级科技企业孵化器: every 2017 national zone is a member; circular ranks them."""
    t = find_target("hz19-national-incubators")
    d = t.decomposition
    assert d.kind == "members" and not d.sums_to_total
    assert [r.unit_name for r in d.rows] == ["长沙高新区", "株洲高新区", "湘潭高新区", "益阳高新区", "衡阳高新区",
                                            "郴州高新区", "常德高新区"]
    assert all(r.unit_type == "zone" and r.values == {2019: 2} for r in d.rows)
    assert len(find_target("hz19-provincial-incubators").decomposition.rows) > 10
    actual = {"长沙高新区": 5, "株洲高新区": 3, "湘潭高新区": 2, "益阳高新区": 1, "衡阳高新区": 2, "郴州高新区": 0}
    obs = pd.DataFrame([dict(unit_type=r.unit_type, unit_code=r.unit_code, indicator_code=t.indicator, period=2021,
                             value=actual[r.unit_name], is_demo=False) for r in d.rows if r.unit_name in actual])
    c = circular_table(t, obs, 2021)
    assert c.unit_header == "高新区" and "截至2021年" in c.title
    body = c.table.iloc[:-1]
    assert list(body["高新区"][:3]) == ["长沙高新区", "株洲高新区", "湘潭高新区"]
    assert list(body["排名"][:6]) == [1, 2, 3, 3, 5, 6]
    assert body["进度评价"].iloc[-1] == "数据缺失"      # 常德 did not report
    assert c.table.iloc[-1]["高新区"] == "达标 4/7 个"
    assert not c.is_demo and not any("示例数据" in n for n in c.notes)


def test_warnings_list_overdue_apart():
    from gaoxin.targets.monitor import active_first
    prog = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"], "plan": ["p19", "p25", "p25", "p19", "p25"],
        "status": ["逾期未完成", "严重滞后", "进度滞后", "逾期未完成", "已完成"],
        "status_ratio": [0.2, 0.3, 0.8, 0.9, 1.2], "gap": [5.0, 4, 3, 2, 0], "target_level": [10.0] * 5,
        "annual_effort": [np.nan, 2, 1, np.nan, np.nan], "unit": ["家"] * 5, "indicator_name": ["x"] * 5,
        "baseline_year": [2016, 2020, 2020, 2016, 2020], "target_year": [2019, 2025, 2025, 2019, 2025]})
    w = warnings(prog)
    assert list(w["id"]) == ["a", "d", "b", "c"]
    assert list(w["warning_group"]) == ["逾期未完成", "逾期未完成", "进度滞后", "进度滞后"]
    assert list(w["rank"]) == [1, 2, 1, 2]                 # numbered within each block
    assert list(warnings(prog, include_overdue=False)["id"]) == ["b", "c"]
    # plans whose period contains the as-of year come first; the others keep their order after them
    a = active_first(prog, {"p19": (2017, 2019), "p25": (2021, 2025)}, 2024)
    assert list(a["id"]) == ["b", "c", "e", "a", "d"] and list(a["plan_active"]) == [True] * 3 + [False] * 2
    assert list(active_first(prog, {"p19": (2017, 2019), "p25": (2021, 2025)}, 2024, only_active=True)["id"]) == ["b", "c", "e"]
    # missing period bounds fall back to the plan's base year + 1 .. latest target year
    assert list(active_first(prog, {}, 2018)["id"][:2]) == ["a", "d"]

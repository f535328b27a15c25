"""Cultivation pool gaps, innovation points, subsidies."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaoxin.enterprise import innovation_points, judge, load_points_model, pool, subsidies, subsidy_totals

from .conftest import AS_OF, frame, vary


# ------------------------------------------------------------------ pool
def test_pool_gap_text_matches_the_issue_example():
    # y0 6000 → band 4 %; three-year revenue 12000, R&D 384 → 3.2 %: short by 0.8 points ≈ 96万元
    near = vary(revenue_y0=6000.0, revenue_y1=4000.0, revenue_y2=2000.0,
                rd_expense_y0=200.0, rd_expense_y1=120.0, rd_expense_y2=64.0,
                rd_domestic_y0=200.0, rd_domestic_y1=120.0, rd_domestic_y2=64.0,
                hitech_revenue_y0=5000.0, total_income_y0=6000.0)
    j = judge(frame([near]), as_of=AS_OF)
    p = pool(j, "高新技术企业")
    assert len(p) == 1 and p["n_failed"].iloc[0] == 1
    assert p["gaps"].iloc[0] == ["近三个会计年度研发费用总额占同期销售收入总额的比例（按最近一年销售收入分档）："
                                 "3.20%，需 ≥ 4.00%，差 0.80 个百分点 ≈ 96.00万元"]


def test_pool_gap_in_people_for_staff_ratio():
    j = judge(frame([vary(tech_staff_y0=9.0, employees_y0=100.0)]), as_of=AS_OF)
    p = pool(j, "高新技术企业")
    assert p["gaps"].iloc[0] == ["科技人员占当年职工总数的比例不低于10%：9.00%，需 ≥ 10.00%，差 1.00 个百分点 ≈ 1人"]


def test_pool_ranks_by_fewest_failures_then_smallest_gap():
    from .conftest import baseline
    rows = []
    for i, (staff, hitech) in enumerate([(9.0, 7000.0), (5.0, 7000.0), (9.0, 5000.0), (20.0, 7000.0)], 1):
        r = baseline(i)
        r.update({"tech_staff_y0": staff, "hitech_revenue_y0": hitech})
        rows.append(r)
    j = judge(frame(rows), as_of=AS_OF)
    p = pool(j, "高新技术企业", max_failed=2)
    # row 4 passes (not in pool); 1 lacks 1 point of staff share, 2 lacks 5, 3 fails two conditions
    assert p["credit_code"].tolist() == [rows[0]["credit_code"], rows[1]["credit_code"], rows[2]["credit_code"]]
    assert p["n_failed"].tolist() == [1, 1, 2]


def test_pool_excludes_veto_failures_and_limits_failures():
    j = judge(frame([vary(has_major_violation=True, tech_staff_y0=9.0)]), as_of=AS_OF)
    assert pool(j, "高新技术企业").empty
    j = judge(frame([vary(tech_staff_y0=9.0, hitech_revenue_y0=1.0, has_core_ip=False)]), as_of=AS_OF)
    assert pool(j, "高新技术企业", max_failed=2).empty
    assert len(pool(j, "高新技术企业", max_failed=3)) == 1


def test_pool_any_group_picks_cheapest_branch():
    # 科小: score route fails (staff 9 % → staff score 0) — the only failed leaf on that branch
    j = judge(frame([vary(tech_staff_y0=9.0)]), as_of=AS_OF)
    p = pool(j, "科技型中小企业")
    assert p["n_failed"].iloc[0] == 1
    assert "科技人员指标得分不得为0分" in p["gaps"].iloc[0][0]


# ------------------------------------------------------------------ innovation points
def _points_frame(values: list[float]) -> pd.DataFrame:
    rows = []
    from .conftest import baseline
    for i, v in enumerate(values, 1):
        r = baseline(i)
        r.update({"rd_expense_y0": v})
        rows.append(r)
    return frame(rows)


def test_points_percentile_hand_computed():
    model = load_points_model()
    small = dict(model, min_peer_group_size=1)
    df = _points_frame([100.0, 300.0, 200.0])
    p = innovation_points(df, small, as_of=AS_OF)
    # the three are peers (same industry, same stage); R&D 100 < 200 < 300
    assert p["pct_rd_expense_y0"].tolist() == [0.0, 1.0, 0.5]
    assert p["pct_rd_ratio_y0"].tolist() == [0.0, 1.0, 0.5]
    # equal on everything else: every other indicator ties at 0
    tech = next(g for g in model["groups"] if g["code"] == "tech")["weight"]["growth"]
    inds = [i for i in model["indicators"] if i["group"] == "tech"]
    wsum = sum(i["weight"] for i in inds)
    w = sum(i["weight"] for i in inds if i["code"] in ("rd_expense_y0", "rd_ratio_y0")) / wsum
    assert p["points"].tolist() == pytest.approx([0.0, round(1000 * tech * w, 1), round(1000 * tech * w * 0.5, 1)])
    assert p["rank_in_peer"].tolist() == [3, 1, 2]


def test_points_small_groups_fall_back_to_all():
    from .conftest import baseline
    a, b = baseline(1), baseline(2)
    b["revenue_y0"] = 30000.0  # another stage: each alone in its industry × stage group
    b["rd_expense_y0"] = 5000.0
    p = innovation_points(frame([a, b]), as_of=AS_OF)  # default min_peer_group_size 20
    assert p["peer_group"].tolist() == ["全部", "全部"]
    assert p["pct_rd_expense_y0"].tolist() == [0.0, 1.0]


def test_points_bounds_and_grades(make):
    from gaoxin.demo.enterprises import generate_wide
    df = generate_wide(3000, seed=7, as_of_year=AS_OF, years=3)
    p = innovation_points(df, as_of=AS_OF)
    assert p["points"].between(0, 1000).all()
    assert p["percentile_in_peer"].between(0, 1).all()
    group_cols = [c for c in p.columns if c.startswith("group_")]
    assert np.allclose(p[group_cols].sum(axis=1), p["points"], atol=0.06)
    model = load_points_model()
    for g in model["grades"]:
        sel = p["grade"] == g["grade"]
        assert (p.loc[sel, "points"] >= g["min"]).all()


def test_points_top_enterprise_gets_1000():
    model = dict(load_points_model(), min_peer_group_size=1)
    from .conftest import baseline
    low = baseline(1)
    high = baseline(2)
    for c in list(high):
        if c.endswith("_y0") and isinstance(high[c], float):
            high[c] = high[c] * 2 + 1
    high.update({"ip_class1": 9.0, "ip_class2": 9.0, "hte_cert_year": float(AS_OF), "rd_institution_level": 3.0,
                 "led_standard": True, "provincial_award": True, "tech_staff_y0": 150.0, "hitech_revenue_y0": 19000.0})
    high.update({"conversions_y1": 20.0, "conversions_y2": 20.0, "revenue_y0": 15000.0})  # same stage: peers
    p = innovation_points(frame([low, high]), model, as_of=AS_OF)
    assert p["points"].tolist()[1] == 1000.0 and p["points"].tolist()[0] == 0.0


# ------------------------------------------------------------------ subsidies
def test_xiangtan_hte_recognition_amounts():
    rows = [vary(hte_cert_year=2024.0, hte_cert_count=1.0), vary(hte_cert_year=2024.0, hte_cert_count=2.0),
            vary(hte_cert_year=2023.0, hte_cert_count=1.0),
            vary(hte_cert_year=2024.0, hte_cert_count=1.0, county_code="430104")]  # 长沙: not covered
    from .conftest import code
    for i, r in enumerate(rows, 1):
        r["credit_code"] = code(100 + i)
    df = frame(rows)
    s = subsidies(df, year=2024)
    hte = s[s["rule_id"].str.startswith("xt_hte")]
    assert hte.set_index("credit_code")["amount"].to_dict() == {rows[0]["credit_code"]: 10.0, rows[1]["credit_code"]: 3.0}
    assert subsidies(df, year=2026).query("rule_id.str.startswith('xt_')", engine="python").empty


def test_provincial_rd_reward_rate_floor_and_cap():
    def rd(y1, y2, domain=False, i=1):
        r = vary(rd_deductible_y1=y1, rd_deductible_y2=y2, in_hitech_domain=domain, county_code="430104")
        from .conftest import code
        r["credit_code"] = code(200 + i, "430104")
        return r
    rows = [rd(1300.0, 1000.0, i=1), rd(1300.0, 1000.0, True, i=2), rd(1200.0, 1000.0, i=3),
            rd(30000.0, 10000.0, True, i=4), rd(900.0, 1000.0, i=5)]
    s = subsidies(frame(rows), year=AS_OF)
    hn = s[s["rule_id"] == "hn_rd_reward"].set_index("credit_code")["amount"]
    assert hn.get(rows[0]["credit_code"]) == pytest.approx(24.0)     # 8 % × 300
    assert hn.get(rows[1]["credit_code"]) == pytest.approx(36.0)     # 12 % × 300
    assert rows[2]["credit_code"] not in hn.index                     # 8 % × 200 = 16 < 20 → none
    assert hn.get(rows[3]["credit_code"]) == pytest.approx(1000.0)   # capped
    assert rows[4]["credit_code"] not in hn.index                     # no increase


def test_xiangtan_rd_increment_cap_and_platforms():
    r = vary(rd_deductible_y1=700.0, rd_deductible_y2=600.0, new_national_platforms_y0=1.0, new_provincial_platforms_y0=2.0)
    s = subsidies(frame([r]), year=AS_OF).set_index("rule_id")
    assert s.loc["xt_rd_increment", "amount"] == 10.0 and bool(s.loc["xt_rd_increment", "amount_is_upper_bound"])
    assert s.loc["xt_platform_national", "amount"] == 100.0
    assert s.loc["xt_platform_provincial", "amount"] == 20.0
    t = subsidy_totals(subsidies(frame([r]), year=AS_OF), "county_code")
    assert t["amount"].sum() == pytest.approx(s["amount"].sum())


from hypothesis import given, settings, strategies as hst


@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.tuples(hst.integers(0, 3), hst.one_of(hst.integers(0, 6).map(float),
                                                           hst.floats(-5, 5, allow_nan=False), hst.just(float("nan")))),
                 min_size=1, max_size=40),
       hst.booleans())
def test_percentile_equals_pandas_rank_definition(pairs, integers_only):
    from gaoxin.enterprise.points import _percentile
    g = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs], dtype=float)
    if integers_only:
        v = np.where(np.isnan(v), v, np.abs(np.round(v)))
    got = _percentile(v, g, 4, missing_as=0.0)
    s = pd.Series(v)
    r = s.groupby(g).rank(method="min")
    cnt = s.notna().groupby(g).transform("sum")
    exp = ((r - 1) / (cnt - 1)).where(cnt > 1, 0.5).where(s.notna(), 0.0).to_numpy()
    assert np.allclose(got, exp)

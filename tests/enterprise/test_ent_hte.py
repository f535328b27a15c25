"""高新技术企业: every threshold at, just below and just above its bound (国科发火〔2016〕32号 第十一条)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaoxin.enterprise import FAIL, PASS, UNKNOWN, judge
from gaoxin.enterprise.derive import Quantities, growth_hte
from gaoxin.enterprise.rules import band_points, load_rules

from .conftest import AS_OF


def leaf(j, rung, cid):
    return next(lf for lf in j.rung(rung).leaves if lf.id == cid)


def status(j, rung, cid):
    return leaf(j, rung, cid).status.tolist()


def test_baseline_passes_every_condition(make):
    j = judge(make({}), as_of=AS_OF)
    r = j.rung("高新技术企业")
    assert r.status.tolist() == [PASS]
    assert all(lf.status[0] == PASS for lf in r.leaves)
    assert j.highest_rung[0] in ("高新技术企业", "瞪羚企业")


def test_age_365_days_inclusive(make):
    end = pd.Timestamp(f"{AS_OF}-12-31")
    rows = [{"founded": end - pd.Timedelta(days=d)} for d in (365, 364, 366)]
    assert status(judge(make(*rows), as_of=AS_OF), "高企", "age") == [PASS, FAIL, PASS]


def test_tech_staff_ratio_10_percent_inclusive(make):
    rows = [{"tech_staff_y0": t} for t in (10.0, 9.0, 11.0)]
    j = judge(make(*rows), as_of=AS_OF)
    assert status(j, "高企", "tech_staff") == [PASS, FAIL, PASS]


def _rd(revenue_y0: float, ratio: float) -> dict:
    # equal revenue in all three years: the three-year ratio equals the yearly one
    d = {f"revenue_y{k}": revenue_y0 for k in range(3)}
    d.update({f"rd_expense_y{k}": revenue_y0 * ratio for k in range(3)})
    d.update({f"rd_domestic_y{k}": revenue_y0 * ratio for k in range(3)})
    d.update({f"hitech_revenue_y{k}": revenue_y0 * 0.8 for k in range(3)})
    return d


@pytest.mark.parametrize("revenue, ratio, expected", [
    (5000, 0.05, PASS), (5000, 0.0499, FAIL), (5000, 0.0501, PASS),          # ≤ 5000万 (含): 5 %
    (5000.01, 0.04, PASS), (5000.01, 0.0399, FAIL),                          # just above 5000万: 4 %
    (20000, 0.04, PASS), (20000, 0.0399, FAIL), (20000, 0.0401, PASS),       # ≤ 2亿 (含): 4 %
    (20000.01, 0.03, PASS), (20000.01, 0.0299, FAIL),                        # > 2亿: 3 %
    (4999.99, 0.0499, FAIL),
])
def test_rd_ratio_bands_by_latest_revenue(make, revenue, ratio, expected):
    j = judge(make(_rd(revenue, ratio)), as_of=AS_OF)
    assert status(j, "高企", "rd_ratio") == [expected]


def test_rd_ratio_over_three_year_totals_and_band_threshold():
    from .conftest import frame, vary
    # y0 6000 (band 4 %), 3-year revenue 12000, R&D 384 → 3.2 %
    row = vary(revenue_y0=6000.0, revenue_y1=4000.0, revenue_y2=2000.0,
               rd_expense_y0=200.0, rd_expense_y1=120.0, rd_expense_y2=64.0)
    j = judge(frame([row]), as_of=AS_OF)
    lf = leaf(j, "高企", "rd_ratio")
    assert lf.value_lo[0] == pytest.approx(0.032)
    assert lf.threshold[0] == 0.04
    assert lf.status[0] == FAIL


def test_rd_ratio_uses_actual_operating_years(make):
    # founded in the year before the as-of year: two accounting years count, the third is ignored
    j = judge(make({"founded": pd.Timestamp(f"{AS_OF - 1}-03-01"), "revenue_y2": np.nan, "rd_expense_y2": np.nan,
                    "rd_domestic_y2": np.nan, "rd_expense_y0": 500.0, "rd_expense_y1": 300.0}), as_of=AS_OF)
    lf = leaf(j, "高企", "rd_ratio")
    assert lf.value_lo[0] == pytest.approx(800 / 20000)
    assert lf.status[0] == PASS


@pytest.mark.parametrize("field, cid", [("hitech_revenue_y0", "hitech_revenue")])
def test_hitech_revenue_60_percent_inclusive(make, field, cid):
    rows = [{field: v} for v in (6000.0, 5999.0, 6001.0)]
    assert status(judge(make(*rows), as_of=AS_OF), "高企", cid) == [PASS, FAIL, PASS]


def test_domestic_rd_60_percent_inclusive(make):
    rows = [{f"rd_domestic_y{k}": v for k in range(3)} for v in (360.0, 359.0, 361.0)]
    assert status(judge(make(*rows), as_of=AS_OF), "高企", "rd_domestic") == [PASS, FAIL, PASS]


def test_veto_and_boolean_conditions(make):
    j = judge(make({"has_major_violation": True}, {"has_core_ip": False}, {"in_hitech_domain": False}), as_of=AS_OF)
    assert status(j, "高企", "no_violation") == [FAIL, PASS, PASS]
    assert status(j, "高企", "core_ip") == [PASS, FAIL, PASS]
    assert status(j, "高企", "domain") == [PASS, PASS, FAIL]
    assert j.rung("高企").status.tolist() == [FAIL, FAIL, FAIL]


def test_innovation_score_more_than_70_not_70(make):
    # fixed parts: IP 22 + count 7–8, conversions avg 5 → 25–30, growth 0 → 0; vary R&D management
    rows = [{"hte_rd_mgmt_score": 17.0}, {"hte_rd_mgmt_score": 16.0}, {"hte_rd_mgmt_score": 10.0}]
    j = judge(make(*rows), as_of=AS_OF)
    s = j.rung("高企").scores["innovation"]
    assert s.lo.tolist() == [71, 70, 64] and s.hi.tolist() == [77, 76, 70]
    # 71–77 passes; 70–76 depends on the experts; 64–70 cannot exceed 70
    assert status(j, "高企", "innovation_score") == [PASS, UNKNOWN, FAIL]


def test_ip_group_capped_at_30(make):
    j = judge(make({"led_standard": True}), as_of=AS_OF)
    s = j.rung("高企").scores["innovation"]
    assert s.groups["知识产权"][1][0] == 30  # 22 + 8 + 2 capped


def test_missing_expert_scores_widen_the_range(make):
    j = judge(make({"hte_ip_expert_score": np.nan, "hte_rd_mgmt_score": np.nan}), as_of=AS_OF)
    s = j.rung("高企").scores["innovation"]
    assert s.lo[0] == 0 + 7 + 25 + 0 and s.hi[0] == 30 + 30 + 20 + 0
    assert status(j, "高企", "innovation_score") == [UNKNOWN]


# ------------------------------------------------------------------ growth rate (工作指引 企业成长性)
class _Q:
    def __init__(self, op):
        self.settings = {}
        self._op = np.asarray(op, float)

    def setting(self, key):
        return self.settings.get(key, load_rules().settings[key])

    def operating_years(self):
        return self._op


def g(y0, y1, y2, op=3, **settings):
    q = _Q([op])
    q.settings = settings
    return growth_hte(q, np.array([y0], float), np.array([y1], float), np.array([y2], float))[0]


def test_growth_formula_hand_computed():
    # ½(120/100 + 150/120) − 1 = ½(1.2 + 1.25) − 1 = 0.225
    assert g(150, 120, 100) == pytest.approx(0.225)


def test_growth_zero_first_year_uses_last_two_years():
    assert g(150, 120, 0) == pytest.approx(150 / 120 - 1)


def test_growth_zero_second_year_scores_zero():
    assert g(150, 0, 100) == 0.0


def test_growth_fewer_than_three_years():
    assert g(150, 100, np.nan, op=2) == pytest.approx(0.5)        # two years: single period
    assert g(150, np.nan, np.nan, op=1) == 0.0                    # one year: 0 points (setting)
    assert np.isnan(g(150, np.nan, np.nan, op=1, one_year_growth_zero=False))


def test_growth_missing_value_is_unknown():
    assert np.isnan(g(150, np.nan, 100))


def test_growth_bands_at_bounds():
    r = load_rules().rung("高企")
    bands = next(p for p in r["scores"][0]["parts"] if p["id"] == "sales_growth")["bands"]
    v = np.array([0.35, 0.3499, 0.25, 0.15, 0.05, 0.0499, 0.0001, 0.0, -0.2])
    lo, hi = band_points(v, bands)
    assert lo.tolist() == [9, 7, 7, 5, 3, 1, 1, 0, 0]
    assert hi.tolist() == [10, 8, 8, 6, 4, 2, 2, 0, 0]


def test_quantities_missing_column_is_nan(make):
    df = make({}).drop(columns=["rd_domestic_y0", "rd_domestic_y1", "rd_domestic_y2"])
    q = Quantities(df, AS_OF)
    assert np.isnan(q["rd_domestic_share"][0])

"""Progress, required growth, projection and status: hand-computed cases for every target kind."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gaoxin.targets.progress import PROJ_CAGR, PROJ_CUM, PROJ_LINEAR, evaluate
from gaoxin.targets.status import load_thresholds

YEARS = list(range(2016, 2026))


def run(row: dict, series: dict[int, float], as_of: int) -> dict:
    values = np.full((1, len(YEARS)), np.nan)
    for y, v in series.items():
        values[0, YEARS.index(y)] = v
    return evaluate(pd.DataFrame([row]), values, YEARS, as_of).iloc[0].to_dict()


def test_count_on_track():
    r = run(dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                 target_value=200), {2020: 100, 2023: 160}, 2023)
    assert r["progress"] == pytest.approx(0.6)
    assert r["time_elapsed"] == pytest.approx(0.6)
    assert r["pace_ratio"] == pytest.approx(1.0)
    assert r["actual_cagr"] == pytest.approx(1.6 ** (1 / 3) - 1)
    assert r["required_cagr"] == pytest.approx(math.sqrt(200 / 160) - 1)
    assert (r["years_left"], r["gap"], r["annual_effort"]) == (2, 40, 20)
    assert r["status"] == "进度正常"


def test_level_severely_behind():
    r = run(dict(kind="level", comparator=">=", baseline_year=2020, baseline_value=50, target_year=2025,
                 target_value=100), {2024: 70}, 2024)
    assert r["progress"] == pytest.approx(0.4) and r["time_elapsed"] == pytest.approx(0.8)
    assert r["pace_ratio"] == pytest.approx(0.5)
    assert r["status"] == "严重滞后"
    assert r["gap"] == 30 and r["annual_effort"] == 30


def test_share_behind():
    r = run(dict(kind="share", comparator=">=", baseline_year=2020, baseline_value=10, target_year=2025,
                 target_value=18), {2023: 14.2}, 2023)
    assert r["progress"] == pytest.approx(4.2 / 8)
    assert r["pace_ratio"] == pytest.approx((4.2 / 8) / 0.6)
    assert r["required_cagr"] == pytest.approx((18 / 14.2) ** 0.5 - 1)
    assert r["status"] == "进度滞后"


def test_growth_rate_exactly_on_rate_is_on_track():
    # 10 %/year from 100 in 2020: the 2025 level is 100·1.1^5
    r = run(dict(kind="growth", comparator=">=", baseline_year=2020, baseline_value=None, target_year=2025,
                 target_value=10), {2020: 100, 2021: 110, 2023: 133.1}, 2023)
    assert r["baseline_source"] == "观测值"
    assert r["target_level"] == pytest.approx(100 * 1.1 ** 5)
    assert r["actual_cagr"] == pytest.approx(0.10)
    assert r["required_cagr"] == pytest.approx(0.10)
    assert r["progress"] == pytest.approx((133.1 - 100) / (100 * 1.1 ** 5 - 100))
    assert r["status_ratio"] == pytest.approx(1.0)
    assert r["status"] == "进度正常"


def test_growth_rate_too_slow():
    r = run(dict(kind="growth", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                 target_value=10), {2022: 110.25}, 2022)
    assert r["actual_cagr"] == pytest.approx(0.05)
    assert r["status_ratio"] == pytest.approx(0.5)
    assert r["status"] == "严重滞后"
    assert r["required_cagr"] == pytest.approx((100 * 1.1 ** 5 / 110.25) ** (1 / 3) - 1)


def test_growth_without_baseline_is_missing():
    r = run(dict(kind="growth", comparator=">=", baseline_year=2020, target_year=2025, target_value=10),
            {2022: 120}, 2022)
    assert r["status"] == "数据缺失" and "基期" in r["status_reason"]


def test_cumulative_sums_the_period():
    r = run(dict(kind="cumulative", comparator=">=", baseline_year=2022, target_year=2025, target_value=300,
                 period_start=2023, period_end=2025), {2022: 999, 2023: 90, 2024: 110}, 2024)
    assert r["actual"] == 200          # 2022 lies before the period and is not counted
    assert r["time_elapsed"] == pytest.approx(2 / 3)
    assert r["progress"] == pytest.approx(2 / 3)
    assert r["status"] == "进度正常"
    assert r["annual_effort"] == 100 and r["years_left"] == 1
    # flows 90 → 110 rise by 20 a year: 130 expected in 2025
    assert r["projected"] == pytest.approx(330) and r["projection_method"] == PROJ_CUM


def test_cumulative_with_missing_year():
    r = run(dict(kind="cumulative", comparator=">=", baseline_year=2022, target_year=2025, target_value=300,
                 period_start=2023, period_end=2025), {2024: 100}, 2024)
    assert r["actual"] == 100 and r["missing_years"] == 1
    assert r["status"] == "严重滞后"  # 1/3 done with 2/3 of the time gone: ratio 0.5


def test_doubling_uses_observed_base():
    r = run(dict(kind="doubling", comparator=">=", baseline_year=2016, target_year=2019, multiple=2),
            {2016: 50, 2018: 80}, 2018)
    assert r["target_level"] == 100
    assert r["progress"] == pytest.approx(0.6)
    assert r["time_elapsed"] == pytest.approx(2 / 3)
    assert r["pace_ratio"] == pytest.approx(0.9)
    assert r["status"] == "进度滞后"


def test_coverage_met():
    r = run(dict(kind="coverage", comparator=">=", baseline_year=2022, baseline_value=60, target_year=2025,
                 target_value=100), {2024: 100}, 2024)
    assert r["status"] == "已完成" and r["gap"] == 0 and np.isnan(r["annual_effort"])


def test_decreasing_is_better():
    r = run(dict(kind="level", comparator="<=", baseline_year=2020, baseline_value=10, target_year=2025,
                 target_value=5), {2020: 10, 2024: 8}, 2024)
    assert r["progress"] == pytest.approx(0.4)
    assert r["pace_ratio"] == pytest.approx(0.5)
    assert r["required_cagr"] == pytest.approx(5 / 8 - 1)
    assert r["gap"] == 3 and r["status"] == "严重滞后"
    met = run(dict(kind="level", comparator="<=", baseline_year=2020, baseline_value=10, target_year=2025,
                   target_value=5), {2023: 4.5}, 2023)
    assert met["status"] == "已完成" and met["gap"] == 0


def test_already_met_before_the_deadline():
    r = run(dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                 target_value=200), {2022: 210}, 2022)
    assert r["status"] == "已完成" and r["progress"] > 1 and r["gap"] == 0


def test_strict_comparator():
    row = dict(kind="count", comparator=">", baseline_year=2020, baseline_value=100, target_year=2025,
               target_value=200)
    assert run(row, {2025: 200}, 2025)["status"] != "已完成"   # 突破 200 means more than 200
    assert run(row, {2025: 201}, 2025)["status"] == "已完成"


def test_missing_data():
    r = run(dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                 target_value=200), {}, 2024)
    assert r["status"] == "数据缺失" and np.isnan(r["actual"]) and np.isnan(r["projected"])
    # only data after the as-of year: still missing
    r = run(dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                 target_value=200), {2025: 190}, 2024)
    assert r["status"] == "数据缺失"


def test_no_baseline_uses_completion_rate():
    r = run(dict(kind="share", comparator=">=", baseline_year=2022, target_year=2025, target_value=5.2),
            {2024: 3.9}, 2024)
    assert r["progress"] == pytest.approx(3.9 / 5.2)
    assert r["time_elapsed"] == pytest.approx(2 / 3)


def test_annual_target():
    row = dict(kind="level", comparator=">=", baseline_year=2022, target_year=2025, target_value=400,
               periodicity="annual", period_start=2023, period_end=2025)
    r = run(row, {2024: 380}, 2024)
    assert r["progress"] == pytest.approx(0.95) and r["time_elapsed"] == 1 and r["status"] == "进度正常"
    assert r["gap"] == 20
    assert run(row, {2023: 420}, 2024)["status"] == "数据缺失"   # the year's own value is needed
    assert run(row, {2024: 420}, 2024)["status"] == "已完成"


def test_projection_linear_on_gapped_series():
    # y = 10 + 5·(year − 2018) observed only in 2018, 2020 and 2023
    r = run(dict(kind="level", comparator=">=", baseline_year=2018, baseline_value=10, target_year=2025,
                 target_value=50), {2018: 10, 2020: 20, 2023: 35}, 2023)
    assert r["projected_linear"] == pytest.approx(45)
    assert r["projected"] == pytest.approx(45) and r["projection_method"] == PROJ_LINEAR
    assert r["projected_meets"] is False
    assert r["observations"] == 3


def test_projection_constant_growth_on_gapped_series():
    r = run(dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                 target_value=150), {2020: 100, 2022: 121, 2024: 146.41}, 2024)
    assert r["trend_cagr"] == pytest.approx(0.10)
    assert r["projected_cagr"] == pytest.approx(100 * 1.1 ** 5)
    # a single observation gives no trend
    one = run(dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025,
                   target_value=150), {2024: 140}, 2024)
    assert np.isnan(one["projected"]) and one["projection_method"] == ""


def test_projection_ignores_data_after_as_of():
    row = dict(kind="level", comparator=">=", baseline_year=2018, baseline_value=10, target_year=2025,
               target_value=50)
    a = run(row, {2018: 10, 2020: 20}, 2020)
    b = run(row, {2018: 10, 2020: 20, 2022: 0}, 2020)
    assert a["projected"] == pytest.approx(b["projected"]) == pytest.approx(45)


def test_not_due_yet():
    r = run(dict(kind="count", comparator=">=", baseline_year=2025, baseline_value=100, target_year=2028,
                 target_value=200), {2025: 100}, 2025)
    assert r["time_elapsed"] == 0 and r["status"] == "进度正常"


def test_vectorised_rows_are_independent():
    rows = pd.DataFrame([
        dict(kind="count", comparator=">=", baseline_year=2020, baseline_value=100, target_year=2025, target_value=200),
        dict(kind="level", comparator="<=", baseline_year=2020, baseline_value=10, target_year=2025, target_value=5),
    ] * 500)
    rng = np.random.default_rng(0)
    values = rng.uniform(1, 300, (len(rows), len(YEARS)))
    values[rng.random(values.shape) < 0.3] = np.nan
    out = evaluate(rows, values, YEARS, 2024)
    for i in (0, 1, 777, 998):
        single = evaluate(rows.iloc[[i]].reset_index(drop=True), values[[i]], YEARS, 2024).iloc[0]
        for col in ("actual", "progress", "required_cagr", "projected", "status"):
            a, b = out.iloc[i][col], single[col]
            assert (a == b) or (isinstance(a, float) and np.isnan(a) and np.isnan(b)), (i, col)


@pytest.mark.parametrize("ratio,status", [(1.2, "进度正常"), (0.95, "进度正常"), (0.9499, "进度滞后"),
                                          (0.6, "进度滞后"), (0.5999, "严重滞后"), (-0.3, "严重滞后")])
def test_status_bands(ratio, status):
    assert load_thresholds().classify(np.array([ratio]))[0] == status


def test_thresholds_are_cited():
    th = load_thresholds()
    assert "open-sdg" in th.source and "ESCAP" in th.source
    assert [m for _, m in th.bands] == [0.95, 0.60, None]
    assert th.overdue_status == "逾期未完成" and th.severity[0] == "逾期未完成"


def test_more_is_never_worse_for_increasing_targets():
    """Property: raising the actual never lowers progress nor worsens the status (increasing targets),
    and lowering it never does for decreasing ones."""
    rng = np.random.default_rng(42)
    order = {"严重滞后": 0, "进度滞后": 1, "进度正常": 2, "已完成": 3}
    for comparator in (">=", "<="):
        n = 400
        base = rng.uniform(50, 150, n)
        target = base * (rng.uniform(1.2, 3.0, n) if comparator == ">=" else rng.uniform(0.3, 0.8, n))
        rows = pd.DataFrame({"kind": "level", "comparator": comparator, "baseline_year": 2020,
                             "baseline_value": base, "target_year": 2025, "target_value": target})
        a = rng.uniform(0.2, 3.5, n) * base
        step = rng.uniform(0, 20, n) * (1 if comparator == ">=" else -1)
        lo = evaluate(rows, np.c_[np.full(n, np.nan), a], [2020, 2023], 2023)
        hi = evaluate(rows, np.c_[np.full(n, np.nan), a + step], [2020, 2023], 2023)
        assert (hi["progress"] >= lo["progress"] - 1e-12).all()
        assert (hi["status"].map(order) >= lo["status"].map(order)).all()


def test_no_base_year_is_not_called_behind():
    r = run(dict(kind="count", comparator=">=", target_year=2025, target_value=200), {2024: 150}, 2024)
    assert r["status"] == "数据缺失" and "基期年份" in r["status_reason"]


# --------------------------------------------------------------------------- deadline passed (逾期未完成)

GOAL_2019 = dict(kind="count", comparator=">=", baseline_year=2016, baseline_value=100, target_year=2019,
                 target_value=200)


def test_past_deadline_not_met_is_overdue_not_behind():
    r = run(GOAL_2019, {2016: 100, 2018: 150, 2019: 170}, 2024)
    assert r["status"] == "逾期未完成" and r["overdue"]
    assert r["actual"] == 170 and r["actual_year"] == 2019
    assert "2019" in r["status_reason"] and r["years_left"] == 0
    # the same data judged inside the period is merely behind (170 of 200 with all the time gone)
    assert run(GOAL_2019, {2016: 100, 2018: 150}, 2018)["status"] in ("进度滞后", "严重滞后")


def test_deadline_year_itself_counts_as_passed():
    assert run(GOAL_2019, {2019: 199}, 2019)["status"] == "逾期未完成"
    assert run(GOAL_2019, {2019: 200}, 2019)["status"] == "已完成"


def test_past_deadline_met_is_achieved():
    r = run(GOAL_2019, {2018: 210, 2019: 205}, 2024)
    assert r["status"] == "已完成" and not r["overdue"]


def test_met_only_after_the_deadline_stays_overdue_by_default():
    # default setting actual_at: target_year — a 2019 goal reached in 2021 was not met by its deadline
    r = run(GOAL_2019, {2019: 180, 2021: 230}, 2024)
    assert r["status"] == "逾期未完成" and r["actual"] == 180 and r["actual_year"] == 2019


def test_overdue_actual_at_setting(tmp_path):
    from gaoxin.targets.status import THRESHOLDS_FILE
    text = THRESHOLDS_FILE.read_text(encoding="utf-8").replace("actual_at: target_year", "actual_at: as_of")
    path = tmp_path / "th.yaml"
    path.write_text(text, encoding="utf-8")
    th = load_thresholds(path)
    assert th.overdue_actual_at == "as_of"
    values = np.full((1, len(YEARS)), np.nan)
    values[0, YEARS.index(2019)], values[0, YEARS.index(2021)] = 180, 230
    late = evaluate(pd.DataFrame([GOAL_2019]), values, YEARS, 2024, th).iloc[0]
    assert late["status"] == "已完成" and late["actual"] == 230


def test_past_deadline_without_data_is_missing():
    r = run(GOAL_2019, {2021: 250}, 2024)
    assert r["status"] == "数据缺失" and "目标年份" in r["status_reason"]


def test_cumulative_past_period_end():
    row = dict(kind="cumulative", comparator=">=", baseline_year=2022, target_year=2025, target_value=300,
               period_start=2023, period_end=2025)
    assert run(row, {2023: 90, 2024: 100, 2025: 100}, 2025)["status"] == "逾期未完成"
    assert run(row, {2023: 90, 2024: 100, 2025: 110}, 2025)["status"] == "已完成"
    early = dict(row, target_year=2024, period_end=2024, target_value=200)   # flows after the period do not count
    later = run(early, {2023: 90, 2024: 100, 2025: 500}, 2025)
    assert later["status"] == "逾期未完成" and later["actual"] == 190


def test_annual_target_overdue_only_after_its_period():
    row = dict(kind="level", comparator=">=", baseline_year=2022, target_year=2025, target_value=400,
               periodicity="annual", period_start=2023, period_end=2025)
    # the period's last year is judged like every other year of the period
    assert run(row, {2025: 380}, 2025)["status"] == "进度正常"
    assert run(row, {2025: 300}, 2025)["status"] == "进度滞后"   # 300 / 400 = 0.75
    years = YEARS + [2026]
    values = np.full((1, len(years)), np.nan)
    values[0, years.index(2025)], values[0, years.index(2026)] = 300, 500
    r = evaluate(pd.DataFrame([row]), values, years, 2026).iloc[0]
    assert r["status"] == "逾期未完成" and r["actual"] == 300 and r["actual_year"] == 2025


def test_overdue_is_vectorised_per_row():
    rows = pd.DataFrame([GOAL_2019, dict(GOAL_2019, target_year=2025)])
    values = np.full((2, len(YEARS)), np.nan)
    values[:, YEARS.index(2019)] = 150
    out = evaluate(rows, values, YEARS, 2022)
    assert out["status"].tolist()[0] == "逾期未完成" and out["status"].tolist()[1] != "逾期未完成"

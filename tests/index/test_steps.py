"""Hand-computed cases for each pipeline step."""
import numpy as np
import pytest
from scipy import stats

from gaoxin.index import steps
from gaoxin.index.spec import ImputeSpec, NormaliseSpec, RankSpec, ScreenSpec, TreatSpec

nan = np.nan


# ------------------------------------------------------------------ impute
def test_impute_mean_and_median_within_year():
    x = np.array([[1.0], [nan], [3.0], [8.0], [10.0], [nan]])
    years = np.array([1, 1, 1, 2, 2, 2])
    units = np.array(["a", "b", "c", "a", "b", "c"])
    mean = steps.impute(x, ImputeSpec(method="mean"), units, years)
    assert mean[:, 0].tolist() == [1, 2, 3, 8, 10, 9]
    x2 = np.array([[1.0], [2.0], [10.0], [nan]])
    med = steps.impute(x2, ImputeSpec(method="median"), np.array(list("abcd")), np.zeros(4))
    assert med[3, 0] == 2.0


def test_impute_group_mean_and_median():
    x = np.array([[1.0], [3.0], [nan], [10.0], [20.0], [60.0], [nan]])
    g = np.array(["东", "东", "东", "西", "西", "西", "西"])
    out = steps.impute(x, ImputeSpec(method="group_mean", by="region"), np.arange(7).astype(str), np.zeros(7), g)
    assert out[2, 0] == 2.0 and out[6, 0] == 30.0
    out = steps.impute(x, ImputeSpec(method="group_median", by="region"), np.arange(7).astype(str), np.zeros(7), g)
    assert out[6, 0] == 20.0


def test_impute_previous_and_linear():
    # unit a: 2019=1, 2020=NA, 2021=NA, 2022=7 ; unit b: 2019=NA, 2020=4, 2021=NA, 2022=NA
    units = np.array(["a"] * 4 + ["b"] * 4)
    years = np.array([2019, 2020, 2021, 2022] * 2)
    x = np.array([[1.0], [nan], [nan], [7.0], [nan], [4.0], [nan], [nan]])
    prev = steps.impute(x, ImputeSpec(method="previous"), units, years)[:, 0]
    assert prev[:4].tolist() == [1, 1, 1, 7]
    assert np.isnan(prev[4]) and prev[5:].tolist() == [4, 4, 4]          # nothing before 2020
    lin = steps.impute(x, ImputeSpec(method="linear"), units, years)[:, 0]
    assert lin[:4].tolist() == pytest.approx([1, 3, 5, 7])
    assert lin[4:].tolist() == [4, 4, 4, 4]                               # constant at the ends


def test_impute_never_changes_observed_values():
    rng = np.random.default_rng(3)
    x = rng.random((30, 4))
    x[rng.random(x.shape) < 0.3] = nan
    units = np.repeat(np.arange(10).astype(str), 3)
    years = np.tile([2020, 2021, 2022], 10)
    for m in ("mean", "median", "previous", "linear"):
        out = steps.impute(x, ImputeSpec(method=m), units, years)
        ok = np.isfinite(x)
        assert np.array_equal(out[ok], x[ok])


# ------------------------------------------------------------------ screen
def test_screen_by_availability_and_forcing():
    x = np.array([[1, 2, 3], [1, nan, nan], [nan, nan, nan]], float)
    units = np.array(["a", "b", "c"])
    keep = steps.screen(x, units, ScreenSpec(method="byNA", dat_thresh=0.5))
    assert keep.tolist() == [True, False, False]
    keep = steps.screen(x, units, ScreenSpec(method="byNA", dat_thresh=0.5, force_include=["b"],
                                             force_exclude=["a"]))
    assert keep.tolist() == [False, True, False]


# ------------------------------------------------------------------ treat
def test_skew_kurt_type2_matches_e1071_formula():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    n = x.size
    d = x - x.mean()
    sk = np.sqrt(n) * (d ** 3).sum() / (d ** 2).sum() ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    r = n * (d ** 4).sum() / (d ** 2).sum() ** 2
    ku = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    assert steps.skew_kurt(x) == pytest.approx((sk, ku))
    assert steps.skew_kurt(x) == pytest.approx((stats.skew(x, bias=False), stats.kurtosis(x, bias=False)))


def test_winsorise_coinr_help_example():
    # COINr winsorise() help example: 1..10 plus 30 and 100 → one point (100 → 30) suffices
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    s0, k0 = steps.skew_kurt(x)
    assert abs(s0) >= 2 and k0 >= 3.5
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", winmax=5))
    assert y.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 30]
    assert info == {"winsorised": 1, "log": False, "steps": 1, "not_computable": False}


def test_winsorise_two_steps_and_ties_move_together():
    # 1..20, 50, 100, 1000: skew 4.72 → (1000→100) skew 2.54, kurt 5.75 still fails → (both 100s → 50) passes
    x = np.r_[np.arange(1.0, 21), 50, 100, 1000]
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", winmax=5))
    assert y[-3:].tolist() == [50, 50, 50]
    # COINr counter after step 2 = length(imax) of that step: the tied pair at 100 (bluefoxr/COINr R/treat.R)
    assert info == {"winsorised": 2, "log": False, "steps": 2, "not_computable": False}


def test_winsorise_winmax_limit_then_log_of_original():
    x = np.r_[np.arange(1.0, 21), 50, 100, 1000]
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", winmax=1))
    assert info == {"winsorised": 0, "log": True, "steps": 1, "not_computable": False}  # one step tried → log_CT
    expect = np.log(x - 1 + 0.01 * 999)                      # on the ORIGINAL values
    assert y == pytest.approx(expect)


def test_winsorise_thresholds_are_settings():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", skew=4.0))
    assert np.array_equal(y, x) and info["winsorised"] == 0


def test_winsorise_low_side_for_negative_skew():
    x = -np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 100.0])
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", winmax=5))
    assert y.min() == -12 and info["winsorised"] == 1


def test_treat_passes_untouched_and_none():
    x = np.arange(20.0)
    assert steps.treat_column(x, TreatSpec(method="winsorise"))[0] is x or \
        np.array_equal(steps.treat_column(x, TreatSpec(method="winsorise"))[0], x)
    y = np.r_[np.arange(12.0), 1000]
    assert np.array_equal(steps.treat_column(y, TreatSpec(method="none"))[0], y)


# ------------------------------------------------------------------ normalise
def _norm(x, **kw):
    d = kw.pop("directions", np.ones(np.asarray(x).shape[1]))
    years = kw.pop("years", np.zeros(len(x)))
    gp = kw.pop("goalposts", None)
    tg = kw.pop("targets", None)
    return steps.normalise(np.asarray(x, float), NormaliseSpec(**kw), np.asarray(d, float), years, gp, tg)


def test_minmax_range_and_direction():
    x = [[2.0], [4.0], [6.0], [nan]]
    assert _norm(x, method="minmax", range=(0, 100))[:3, 0].tolist() == [0, 50, 100]
    assert _norm(x, method="minmax", range=(1, 100))[:3, 0].tolist() == [1, 50.5, 100]
    assert _norm(x, method="minmax", directions=[-1])[:3, 0].tolist() == [100, 50, 0]
    assert np.isnan(_norm(x, method="minmax")[3, 0])
    assert np.isnan(_norm([[3.0], [3.0]], method="minmax")).all()    # zero range: NaN, as COINr


def test_zscore_sample_sd():
    z = _norm([[1.0], [2.0], [3.0]], method="zscore", mean=10, sd=2)[:, 0]
    assert z.tolist() == pytest.approx([8, 10, 12])                 # sd(1,2,3) = 1 with n−1


def test_goalposts_truncate_and_direction():
    x = [[10.0], [55.0], [120.0]]
    g = _norm(x, method="goalposts", range=(0, 1), goalposts=np.array([[20.0, 85.0]]))[:, 0]
    assert g.tolist() == pytest.approx([0.0, 35 / 65, 1.0])
    g = _norm(x, method="goalposts", range=(0, 100), goalposts=np.array([[20.0, 85.0]]), directions=[-1])[:, 0]
    assert g.tolist() == pytest.approx([100.0, 100 * 30 / 65, 0.0])


def test_distance_to_target_capped():
    x = [[2.0], [6.0], [12.0]]
    t = _norm(x, method="target", range=(0, 100), targets=np.array([10.0]))[:, 0]
    assert t.tolist() == pytest.approx([0.0, 50.0, 100.0])           # (x − min)/(target − min), capped
    t = _norm(x, method="target", range=(0, 100), targets=np.array([10.0]), cap=False)[:, 0]
    assert t[2] == pytest.approx(125.0)


def test_prank_and_rank_with_ties():
    x = [[5.0], [1.0], [5.0], [3.0], [9.0]]
    assert _norm(x, method="rank")[:, 0].tolist() == [3, 1, 3, 2, 5]
    assert _norm(x, method="prank", range=(0, 1))[:, 0].tolist() == pytest.approx([0.5, 0, 0.5, 0.25, 1])


def test_pooled_years_minmax_is_comparable_across_years():
    # year 1 values 0, 10; year 2 values 10, 20: pooled min 0, max 20
    x = [[0.0], [10.0], [10.0], [20.0]]
    years = np.array([1, 1, 2, 2])
    per_year = _norm(x, method="minmax", years=years)[:, 0]
    assert per_year.tolist() == [0, 100, 0, 100]
    pooled = _norm(x, method="minmax", years=years, pooled_years=[1, 2])[:, 0]
    assert pooled.tolist() == [0, 50, 50, 100]
    # parameters from year 1 only, applied to year 2 (values may leave the range)
    base = _norm(x, method="minmax", years=years, pooled_years=[1])[:, 0]
    assert base.tolist() == [0, 100, 100, 200]
    pz = _norm(x, method="zscore", years=years, pooled_years=[1, 2])[:, 0]
    sd = np.std([0, 10, 10, 20], ddof=1)
    assert pz.tolist() == pytest.approx([(v - 10) / sd for v in (0, 10, 10, 20)])
    pr = _norm(x, method="prank", years=years, pooled_years=[1, 2], range=(0, 1))[:, 0]
    assert pr.tolist() == pytest.approx([0, 1 / 3, 1 / 3, 1])


# ------------------------------------------------------------------ denominate / transform / rank
def test_denominate_zero_gives_na_and_transform():
    assert np.isnan(steps.denominate(np.array([1.0, 2.0]), np.array([0.0, nan]))).all()
    assert steps.transform(np.array([1.0, np.e]), "log").tolist() == pytest.approx([0, 1])
    with pytest.raises(steps.DataError, match="log"):
        steps.transform(np.array([0.0, 1.0]), "log", "x1")


def test_rank_ties_min_and_rounding():
    s = np.array([0.9121, 0.9124, 0.95, nan, 0.80])
    assert steps.rank_scores(s, RankSpec()).tolist()[:3] == [3, 2, 1]
    r = steps.rank_scores(s, RankSpec(round=2))
    assert r[0] == r[1] == 2 and r[2] == 1 and np.isnan(r[3]) and r[4] == 4


def test_winsorise_counter_is_latest_step_not_sum():
    # step 1 moves 1000 (counter 1 < 2), step 2 moves the tied pair at 100 to 50 (counter 2 = winmax);
    # the column passes after step 2 (skew/kurt values hand-checked in the test above).
    x = np.r_[np.arange(1.0, 21), 50, 100, 1000]
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", winmax=2))
    assert y[-3:].tolist() == [50, 50, 50]
    assert info == {"winsorised": 2, "log": False, "steps": 2, "not_computable": False}


def test_skew_kurt_not_computable_below_four_values():
    s, k = steps.skew_kurt(np.array([1.0, 2.0, 100.0]))
    assert np.isnan(s) and np.isnan(k)
    y, info = steps.treat_column(np.array([1.0, 2.0, 100.0]), TreatSpec(method="winsorise"))
    assert y.tolist() == [1.0, 2.0, 100.0]
    assert info["not_computable"] is True and info["steps"] == 0 and info["log"] is False


# Hand-made columns needing 3 and 4 Winsorisation steps with ties. Column: 1..20 then 1000, 500,
# 500, 300, 200 (n = 25). By hand (type-2 skew / excess kurtosis, see skew_kurt_cols docstring):
#   before any step            skew 2.810  kurt 8.315
#   step 1: 1000 → 500         skew 1.966  kurt 2.392  (1 point moved: counter 1)
#   step 2: 3×500 → 300        skew 1.678  kurt 1.008  (3 points, ties incl.: counter 3)
#   step 3: 4×300 → 200        skew 1.579  kurt 0.565  (4 points: counter 4)
#   step 4: 5×200 → 20         skew −0.281 kurt −1.335 (5 points: counter 5)
# COINr's counter is the latest step's count, not the sum (1+3+4 = 8).
_TAIL_BASE = np.arange(1.0, 21.0)


def _tail_col():
    return np.concatenate([_TAIL_BASE, [1000.0, 500.0, 500.0, 300.0, 200.0]])


def test_winsorise_three_steps_with_ties_counter_is_latest_step():
    # thresholds skew 1.6, kurt 0.9: fails before, after step 1 and 2; passes after step 3.
    # winmax 4: counter after step 2 is 3 < 4 → step 3 allowed (the summed rule, 1+3 = 4, would stop).
    y, info = steps.treat_column(_tail_col(), TreatSpec(method="winsorise", winmax=4, skew=1.6, kurtosis=0.9))
    assert info == {"winsorised": 4, "log": False, "steps": 3, "not_computable": False}
    assert np.array_equal(y, np.concatenate([_TAIL_BASE, [200.0] * 5]))


def test_winsorise_four_steps_with_ties():
    # thresholds skew 1.5, kurt 0.5: still fails after step 3 (1.579, 0.565); counter 4 < winmax 5
    # → step 4 moves the five points at 200 to 20, counter 5; the summed rule (8 ≥ 5) would log.
    y, info = steps.treat_column(_tail_col(), TreatSpec(method="winsorise", winmax=5, skew=1.5, kurtosis=0.5))
    assert info == {"winsorised": 5, "log": False, "steps": 4, "not_computable": False}
    assert np.array_equal(y, np.concatenate([_TAIL_BASE, [20.0] * 5]))


def test_winsorise_four_steps_needed_but_winmax_reached_logs_original():
    # winmax 4: after step 3 the counter is 4 = winmax and the column still fails → log_CT of the
    # original values: log(x − 1 + 0.01·(1000 − 1)).
    x = _tail_col()
    y, info = steps.treat_column(x, TreatSpec(method="winsorise", winmax=4, skew=1.5, kurtosis=0.5))
    assert info == {"winsorised": 0, "log": True, "steps": 3, "not_computable": False}
    assert np.allclose(y, np.log(x - 1.0 + 9.99))

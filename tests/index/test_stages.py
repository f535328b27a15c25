"""Every stage and analysis visible (issue 12): stage tables, COINr get_stats, correlations at any
level, Cronbach's alpha and PCA on any stage, the screening summary — against hand-computed values
on four units."""
import math

import numpy as np
import pandas as pd
import pytest

from gaoxin import index
from gaoxin.index.stages import coinr_stats, pca_table

FW = {"nodes": [{"code": "IDX", "name": "总指数", "children": [
    {"code": "P1", "name": "投入", "children": [
        {"code": "a", "name": "人均研发", "denominator": "pop"}, {"code": "b", "name": "人才"}]},
    {"code": "P2", "name": "产出", "children": [{"code": "c", "name": "专利"}, {"code": "d", "name": "产值"}]},
]}]}

# U4 has 2 of 4 indicators (availability 0.5 < 0.66): screened out
DATA = pd.DataFrame({"unit": ["U1", "U2", "U3", "U4"], "name": ["甲", "乙", "丙", "丁"],
                     "a": [2.0, 8.0, 3.0, np.nan], "pop": [1.0, 2.0, 3.0, 1.0],
                     "b": [1.0, 2.0, 3.0, np.nan], "c": [1.0, np.nan, 3.0, 8.0], "d": [4.0, 3.0, 2.0, 1.0]})


def _run(order="after_impute"):
    spec = {"screen": {"method": "byNA", "dat_thresh": 0.66, "order": order}, "impute": "mean",
            "treat": "none", "normalise": {"method": "minmax", "range": [0, 100]}}
    return index.evaluate(FW, DATA, spec)


def test_stage_tables_by_hand():
    t = _run().stage_tables()
    assert list(t) == ["raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated"]
    # raw: as given, all four units
    assert t["raw"]["a"].tolist()[:3] == [2.0, 8.0, 3.0] and t["raw"]["unit"].tolist() == ["U1", "U2", "U3", "U4"]
    # denominated: a / pop = 2/1, 8/2, 3/3
    assert t["denominated"]["a"].tolist()[:3] == [2.0, 4.0, 1.0]
    # COINr order: impute all four units first; U2's c = mean(1, 3, 8) = 4, U4's a = mean(2, 4, 1) = 7/3
    imp = t["imputed"].set_index("unit")
    assert imp.loc["U2", "c"] == 4.0 and imp.loc["U4", "a"] == pytest.approx(7 / 3)
    # screened: U4 removed, the imputed values of the others kept
    assert t["screened"]["unit"].tolist() == ["U1", "U2", "U3"] and t["screened"]["c"].tolist() == [1.0, 4.0, 3.0]
    # normalised: min-max of a' = [2, 4, 1] → [100/3, 100, 0]; c = [1, 4, 3] → [0, 100, 200/3]
    n = t["normalised"]
    assert n["a"].tolist() == pytest.approx([100 / 3, 100.0, 0.0])
    assert n["c"].tolist() == pytest.approx([0.0, 100.0, 200 / 3])
    # aggregated: P1 of U1 = mean(100/3, b = 0) = 50/3; ranks present for every aggregate
    agg = t["aggregated"].set_index("unit")
    assert agg.loc["U1", "P1"] == pytest.approx(50 / 3) and "rank_IDX" in agg.columns


def test_screening_before_imputation_changes_the_imputed_value():
    t = _run("before_impute").stage_tables()
    # units removed first: U2's c = mean(1, 3) = 2 (U4's 8 never enters)
    assert t["imputed"].set_index("unit").loc["U2", "c"] == 2.0
    # the screened stage comes before imputation: denominated values of the kept units (NaN kept)
    assert t["screened"]["unit"].tolist() == ["U1", "U2", "U3"] and math.isnan(t["screened"]["c"].iloc[1])


def test_screening_summary_by_hand():
    s = _run().screening_summary().set_index("unit")
    assert s.loc["U4", "n_available"] == 2 and s.loc["U4", "availability"] == 0.5
    assert not s.loc["U4", "kept"] and s.loc["U4", "reason"] == "数据可得率低于 0.66"
    assert s.loc["U2", "availability"] == 0.75 and s.loc["U2", "kept"] and s.loc["U2", "reason"] == ""


def test_coinr_stats_columns_and_flags_by_hand():
    # column x = [0, 1, 1, NA, 4] over 5 rows: 4 available, 3 non-zero, 3 unique, 2 the same
    m = pd.DataFrame({"x": [0.0, 1.0, 1.0, np.nan, 4.0], "y": [0.0, 0.0, 0.0, 0.0, 1.0]})
    st = coinr_stats(m).set_index("iCode")
    x = st.loc["x"]
    assert (x["Min"], x["Max"], x["Mean"], x["Median"]) == (0.0, 4.0, 1.5, 1.0)
    # sd of [0, 1, 1, 4]: deviations -1.5, -.5, -.5, 2.5 → Σd² = 9, /3 = 3
    assert x["Std"] == pytest.approx(math.sqrt(3))
    assert (x["N.Avail"], x["N.NonZero"], x["N.Unique"], x["N.Same"]) == (4, 3, 3, 2)
    assert (x["Frc.Avail"], x["Frc.NonZero"], x["Frc.Unique"], x["Frc.Same"]) == (0.8, 0.75, 0.75, 0.5)
    assert (x["Flag.Avail"], x["Flag.NonZero"], x["Flag.Unique"]) == ("ok", "ok", "ok")
    # y: one non-zero of 5 (0.2 < t_zero 0.5) and 2 unique of 5 (0.4 < t_unq 0.5) → LOW, LOW
    y = st.loc["y"]
    assert (y["Flag.NonZero"], y["Flag.Unique"], y["N.Same"]) == ("LOW", "LOW", 4)
    assert list(st.reset_index().columns) == [
        "iCode", "Min", "Max", "Mean", "Median", "Std", "Skew", "Kurt", "N.Avail", "N.NonZero", "N.Unique",
        "N.Same", "Frc.Avail", "Frc.NonZero", "Frc.Unique", "Frc.Same", "Flag.Avail", "Flag.NonZero",
        "Flag.Unique", "Flag.SkewKurt"]


def test_coinr_stats_skew_kurt_flag_is_strict_and_not_computable_below_four():
    # 3 values: skew/kurtosis not computable → NaN and flag "ok"
    st = coinr_stats(pd.DataFrame({"x": [1.0, 2.0, 50.0]})).iloc[0]
    assert math.isnan(st["Skew"]) and st["Flag.SkewKurt"] == "ok"
    # one outlier among 9 equal-spaced values: skew ≈ 2.9 > 2 and kurt ≈ 8.6 > 3.5 → OUT
    st = coinr_stats(pd.DataFrame({"x": [1, 2, 3, 4, 5, 6, 7, 8, 100.0]})).iloc[0]
    assert st["Skew"] > 2 and st["Kurt"] > 3.5 and st["Flag.SkewKurt"] == "OUT"


def test_pca_two_columns_by_hand():
    # two columns with correlation r: eigenvalues 1 ± r, PC1 share (1 + r)/2, loadings (1/√2, 1/√2)
    m = pd.DataFrame({"u": [1.0, 2.0, 3.0, 4.0], "v": [1.0, 3.0, 2.0, 4.0]})
    r = np.corrcoef(m["u"], m["v"])[0, 1]          # = 0.8 (Σdudv = 4, Σdu² = Σdv² = 5)
    assert r == pytest.approx(0.8)
    p = pca_table(m)
    assert p["first_share"] == pytest.approx(0.9) and p["variance_share"][1] == pytest.approx(0.1)
    assert p["loadings"]["PC1"].tolist() == pytest.approx([1 / math.sqrt(2)] * 2)
    # a row with a missing value is left out (complete cases)
    p = pca_table(pd.concat([m, pd.DataFrame({"u": [np.nan], "v": [9.0]})], ignore_index=True))
    assert p["n_rows"] == 4 and p["first_share"] == pytest.approx(0.9)


def test_alpha_on_any_stage_and_group():
    res = _run()
    # normalised a = [100/3, 100, 0], b = [0, 50, 100] (U1..U3, from the min-max by hand above);
    # alpha = k/(k-1)·(1 − Σvar/Σcov) with k = 2
    a = np.array([100 / 3, 100.0, 0.0])
    b = np.array([0.0, 50.0, 100.0])
    cov = np.cov(np.vstack([a, b]))                 # the formula's inputs, not the code under test
    expected = 2 * (1 - np.trace(cov) / cov.sum())
    assert res.alpha("P1", "normalised") == pytest.approx(expected)
    assert res.alpha(["a", "b"], "normalised") == pytest.approx(expected)
    # the raw stage includes the screened-out unit; a and b of U1..U3 raw: [2, 8, 3], [1, 2, 3]
    a, b = np.array([2.0, 8.0, 3.0]), np.array([1.0, 2.0, 3.0])
    cov = np.cov(np.vstack([a, b]))
    assert res.alpha("P1", "raw") == pytest.approx(2 * (1 - np.trace(cov) / cov.sum()))


def test_correlations_indicator_and_pillar_versus_index():
    res = _run()
    c = res.correlations_levels(1, 3)               # indicators versus the index
    assert set(c["code_b"]) == {"IDX"} and set(c["code_a"]) == {"a", "b", "c", "d"}
    sc = res.scores
    expected = np.corrcoef(sc["a"], sc["IDX"])[0, 1]
    assert c.set_index("code_a").loc["a", "r"] == pytest.approx(expected)
    par = res.correlations_levels(1, 2, with_parent=True)   # each indicator with its own pillar only
    assert sorted(zip(par["code_a"], par["code_b"])) == [("a", "P1"), ("b", "P1"), ("c", "P2"), ("d", "P2")]


def test_analyses_bundle_has_every_table():
    a = _run().analyses()
    for key in ("stats_raw", "stats_normalised", "stats_aggregated", "correlations", "cronbach_alpha", "pca",
                "pca_loadings", "screening", "treatment", "effective_weights", "removal_impact"):
        assert key in a
    ew = a["effective_weights"].set_index("code")["effective_weight"]
    assert ew["a"] == pytest.approx(0.25) and ew["IDX"] == 1.0     # equal weights: ½ · ½
    assert a["screening"].set_index("unit").loc["U4", "kept"] == False  # noqa: E712


def test_uncertainty_names_nodes_with_fixed_aggregation():
    fw = {"nodes": [{"code": "IDX", "name": "总指数", "children": [
        {"code": "P1", "name": "投入", "aggregation": "geometric",
         "children": [{"code": "a", "name": "甲"}, {"code": "b", "name": "乙"}]},
        {"code": "P2", "name": "产出", "children": [{"code": "c", "name": "丙"}, {"code": "d", "name": "丁"}]}]}]}
    df = pd.DataFrame({"unit": list("ABCDE"), "a": [1, 2, 3, 4, 5.0], "b": [2, 1, 4, 3, 5.0],
                       "c": [5, 4, 3, 2, 1.0], "d": [1, 3, 2, 5, 4.0]})
    ua = index.uncertainty(fw, df, {"normalise": {"method": "minmax", "range": [1, 100]}},
                           {"aggregate.method": ["arithmetic", "geometric"]}, runs=20, seed=1)
    assert ua.fixed_aggregation == [{"code": "P1", "name": "投入", "method": "geometric"}]
    assert "投入（P1，geometric）" in ua.notes[0]
    ua = index.uncertainty(fw, df, None, {"treat.winmax": [1, 2]}, runs=5, seed=1)
    assert ua.fixed_aggregation == [] and ua.notes == []
    sa = index.sensitivity(fw, df, None, {"aggregate.method": ["arithmetic", "geometric"]}, n=8, seed=1)
    assert sa.fixed_aggregation == [{"code": "P1", "name": "投入", "method": "geometric"}] and sa.notes

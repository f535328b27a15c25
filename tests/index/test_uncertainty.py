"""Uncertainty and sensitivity analysis: the vectorised replications equal one-at-a-time rebuilds."""
import numpy as np
import pytest

from gaoxin import index
from gaoxin.index.sensitivity import saltelli_indices
from gaoxin.index.uncertainty import parse_vary, run_design

from .conftest import random_frame

VARY = {
    "treat.winmax": [1, 2, 3, 4, 5],
    "normalise": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}],
    "weights": {"noise": 0.25, "levels": [2, 3]},
    "aggregate.method": ["arithmetic", "geometric"],
}


def fw3():
    return index.load_framework({"nodes": [{"code": "R", "children": [
        {"code": "S1", "children": [
            {"code": "P1", "children": [{"code": "a"}, {"code": "b"}]},
            {"code": "P2", "weight": 2, "children": [{"code": "c"}, {"code": "d", "direction": -1}]}]},
        {"code": "S2", "children": [
            {"code": "P3", "children": [{"code": "e"}, {"code": "f"}]}]}]}]})


def data():
    df = random_frame(12, list("abcdef"), seed=4)
    df.loc[3, "a"] = 500.0            # an outlier so that winmax matters
    df.loc[5, "c"] = np.nan
    return df


SPEC = {"treat": {"method": "winsorise"}, "normalise": {"method": "minmax", "range": [1, 100]}}


def test_vectorised_replications_equal_single_rebuilds():
    fw, df = fw3(), data()
    spec = index.load_spec(SPEC)
    rng = np.random.default_rng(7)
    design = parse_vary(VARY, fw, rng)
    choices = np.column_stack([rng.integers(0, inp.n, size=40) for inp in design.inputs])
    scores, ranks, rows = run_design(fw, df, spec, design, choices)
    for r in range(0, 40, 3):
        ch = choices[r]
        s = spec.with_changes({"treat.winmax": VARY["treat.winmax"][ch[0]], "normalise": VARY["normalise"][ch[1]],
                               "aggregate.method": VARY["aggregate.method"][ch[3]]})
        raw = fw.to_dict()
        mult = design.weight_sets[:, ch[2]]
        def walk(n):
            n["weight"] = n["weight"] * mult[fw.codes.index(n["code"])]
            for k in n.get("children", []):
                walk(k)
        walk(raw["nodes"][0])
        single = index.evaluate(raw, df, s)
        assert scores[:, r] == pytest.approx(single.scores["R"].to_numpy())
        assert np.array_equal(ranks[:, r], single.ranks["R"].to_numpy())


def test_noise_only_on_requested_levels():
    fw = fw3()
    d = parse_vary({"weights": {"noise": 0.25, "levels": [2]}}, fw, np.random.default_rng(0))
    lvl = np.array([fw.nodes[c].level for c in fw.codes])
    assert np.all(d.weight_sets[lvl != 2] == 1.0)
    w2 = d.weight_sets[lvl == 2]
    assert np.all((w2 >= 0.75) & (w2 <= 1.25)) and w2.std() > 0


def test_uncertainty_rank_stats_and_seed():
    fw, df = fw3(), data()
    ua = index.uncertainty(fw, df, SPEC, VARY, runs=300, seed=11)
    st = ua.rank_stats()
    assert list(st.columns[:1]) == ["unit"] and {"nominal", "median", "mean", "q05", "q95"} <= set(st.columns)
    assert ((st.q05 <= st["median"]) & (st["median"] <= st.q95)).all()
    assert st[["q05", "q95"]].min().min() >= 1 and st.q95.max() <= 12
    again = index.uncertainty(fw, df, SPEC, VARY, runs=300, seed=11).rank_stats()
    assert st.equals(again)
    assert ua.choices.shape == (300, 4)


def test_uncertainty_with_only_nominal_choice_is_degenerate():
    fw, df = fw3(), data()
    ua = index.uncertainty(fw, df, SPEC, {"aggregate.method": ["arithmetic"]}, runs=20, seed=1)
    st = ua.rank_stats()
    assert (st.q05 == st.nominal).all() and (st.q95 == st.nominal).all()


def test_bad_vary_message():
    fw, df = fw3(), data()
    with pytest.raises(index.SpecError, match="vary"):
        index.uncertainty(fw, df, SPEC, {"normalise": [{"method": "cubic"}]}, runs=5)
    with pytest.raises(index.SpecError, match="备选"):
        index.uncertainty(fw, df, SPEC, {"treat.winmax": 3}, runs=5)


def test_saltelli_estimator_on_additive_function():
    rng = np.random.default_rng(0)
    n = 100_000
    a, b = rng.random((n, 3)), rng.random((n, 3))
    f = lambda m: 4 * m[:, 0] + 2 * m[:, 1]          # noqa: E731  x3 inert; V1 ∝ 16, V2 ∝ 4
    yab = []
    for i in range(3):
        m = a.copy()
        m[:, i] = b[:, i]
        yab.append(f(m))
    si, st = saltelli_indices(f(a), f(b), np.array(yab))
    assert si == pytest.approx([0.8, 0.2, 0.0], abs=0.03)
    assert st == pytest.approx([0.8, 0.2, 0.0], abs=0.03)


def test_sensitivity_inert_input_has_zero_indices():
    fw, df = fw3(), random_frame(12, list("abcdef"), seed=4)       # no outliers: winmax is inert
    sa = index.sensitivity(fw, df, SPEC, {"treat.winmax": [1, 5], "aggregate.method": ["arithmetic", "harmonic"]},
                           n=64, seed=3, nboot=50)
    t = sa.table.set_index("input")
    assert t.loc["treat.winmax", "st"] == 0.0 and t.loc["treat.winmax", "si"] == 0.0
    assert t.loc["aggregate.method", "st"] > 0
    assert sa.runs == 64 * 4
    assert (t["st_low"] <= t["st_high"]).all()


def test_discrete_alternatives_for_imputation_and_weighting_equal_rebuilds():
    fw, df = fw3(), data()
    vary = {"impute.method": ["none", "mean", "median"], "weights": ["framework", "equal", "entropy"],
            "normalise.method": ["minmax", "prank"]}
    spec = index.load_spec(SPEC)
    rng = np.random.default_rng(2)
    design = parse_vary(vary, fw, rng)
    choices = np.array([[i, j, k] for i in range(3) for j in range(3) for k in range(2)])
    scores, ranks, _ = run_design(fw, df, spec, design, choices)
    for r, (i, j, k) in enumerate(choices):
        s = spec.with_changes({"impute.method": vary["impute.method"][i], "weights": vary["weights"][j],
                               "normalise.method": vary["normalise.method"][k]})
        single = index.evaluate(fw, df, s)
        assert scores[:, r] == pytest.approx(single.scores["R"].to_numpy(), nan_ok=True)


def test_zero_guard_per_replication_matches_rebuilds():
    fw, df = fw3(), data()
    spec = index.load_spec({"normalise": {"method": "minmax", "range": [0, 100]}, "aggregate": "geometric"})
    rng = np.random.default_rng(9)
    design = parse_vary({"weights": {"noise": 0.4, "levels": [1, 2, 3]}}, fw, rng)
    choices = rng.integers(0, design.inputs[0].n, size=(12, 1))
    scores, _, _ = run_design(fw, df, spec, design, choices)
    for r in range(12):
        raw = fw.to_dict()
        mult = design.weight_sets[:, choices[r, 0]]
        def walk(n):
            n["weight"] = n["weight"] * mult[fw.codes.index(n["code"])]
            for k in n.get("children", []):
                walk(k)
        walk(raw["nodes"][0])
        assert scores[:, r] == pytest.approx(index.evaluate(raw, df, spec).scores["R"].to_numpy())

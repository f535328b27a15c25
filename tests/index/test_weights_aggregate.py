"""Hand-computed cases for weighting and aggregation."""
import numpy as np
import pytest

from gaoxin import index
from gaoxin.index import weights as W
from gaoxin.index.aggregate import AggregationError, aggregate
from gaoxin.index.spec import AggregateSpec

nan = np.nan


def S(*cols):
    """Children scores (units, children, 1) from columns."""
    return np.array(cols, float).T[:, :, None]


def agg(s, w, **kw):
    return aggregate(s, np.array(w, float)[:, None], AggregateSpec(**kw))[:, 0]


# ------------------------------------------------------------------ AHP
def test_ahp_textbook_3x3_closed_form():
    # a12 = 3, a13 = 5, a23 = 3. For a 3×3 reciprocal matrix λmax = 1 + q^(1/3) + q^(−1/3),
    # q = a12·a23/a13, and the eigenvector is the normalised row geometric means.
    m = [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]
    w, cr = W.ahp(m)
    q = 3 * 3 / 5
    lam = 1 + q ** (1 / 3) + q ** (-1 / 3)
    assert lam == pytest.approx(3.0385, abs=1e-4)
    assert cr == pytest.approx((lam - 3) / 2 / 0.58)
    assert cr == pytest.approx(0.0332, abs=1e-4)
    gm = np.array([15 ** (1 / 3), 1.0, (1 / 15) ** (1 / 3)])
    assert w == pytest.approx(gm / gm.sum())
    assert w == pytest.approx([0.6370, 0.2583, 0.1047], abs=1e-4)


SAATY_HOUSE = [  # Saaty (1990) "How to make a decision: the AHP", EJOR 48:9–26, buying a house:
    # size, transportation, neighbourhood, age, yard, modern facilities, condition, financing
    [1, 5, 3, 7, 6, 6, "1/3", "1/4"],
    ["1/5", 1, "1/3", 5, 3, 3, "1/5", "1/7"],
    ["1/3", 3, 1, 6, 3, 4, 6, "1/5"],
    ["1/7", "1/5", "1/6", 1, "1/3", "1/4", "1/7", "1/8"],
    ["1/6", "1/3", "1/3", 3, 1, "1/2", "1/5", "1/6"],
    ["1/6", "1/3", "1/4", 4, 2, 1, "1/5", "1/6"],
    [3, 5, "1/6", 7, 5, 5, 1, "1/2"],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def test_ahp_saaty_house_example():
    # published: priorities .173 .054 .188 .018 .031 .036 .167 .333, λmax 9.669, C.I. 0.238, C.R. 0.169
    w, cr = W.ahp(SAATY_HOUSE)
    assert w == pytest.approx([0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], abs=5e-4)
    assert cr == pytest.approx(0.169, abs=5e-4)
    lam = 8 + cr * 1.41 * 7
    assert lam == pytest.approx(9.669, abs=1e-3)


def test_ahp_consistent_matrix_gives_exact_weights_and_zero_cr():
    t = np.array([0.4, 0.3, 0.2, 0.1])
    m = t[:, None] / t[None, :]
    w, cr = W.ahp(m.tolist())
    assert w == pytest.approx(t) and cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_inconsistent_rejected_in_pipeline(fw2, frame4):
    bad = [[1, 9], ["1/9", 1]]     # 2×2 is always consistent
    res = index.evaluate(fw2, frame4, {"weights": {"method": "ahp", "matrix": {"IDX": bad}}})
    assert res.effective_weights()["P1"] == pytest.approx(0.9)
    cyc = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]   # a cycle: CR far above 0.1
    fw3 = index.load_framework({"nodes": [{"code": "R", "children": [{"code": "a"}, {"code": "b"}, {"code": "c"}]}]})
    df = frame4[["unit", "a", "b", "c"]]
    with pytest.raises(W.WeightError, match="一致性比率"):
        index.evaluate(fw3, df, {"weights": {"method": "ahp", "matrix": cyc}})
    fw8 = index.load_framework({"nodes": [{"code": "R", "children": [{"code": f"h{i}"} for i in range(8)]}]})
    df8 = frame4[["unit"]].assign(**{f"h{i}": frame4["a"] * (i + 1) for i in range(8)})
    with pytest.raises(W.WeightError, match="CR = 0.169"):      # Saaty's own example fails 0.1
        index.evaluate(fw8, df8, {"weights": {"method": "ahp", "matrix": SAATY_HOUSE}})
    ok = index.evaluate(fw8, df8, {"weights": {"method": "ahp", "matrix": SAATY_HOUSE, "max_cr": 0.2}})
    assert ok.consistency["R"] == pytest.approx(0.169, abs=5e-4)
    with pytest.raises(W.WeightError, match="互反"):
        W.ahp([[1, 2], [2, 1]])


# ------------------------------------------------------------------ data-driven weights
def test_entropy_hand():
    s = S([1, 1, 1], [1, 2, 3])
    assert W.entropy(s)[:, 0] == pytest.approx([0.0, 1.0])       # a constant child carries no information
    s = S([1, 2, 3], [1, 1, 2])
    def d(col):
        p = np.array(col, float) / sum(col)
        return 1 + (p * np.log(p)).sum() / np.log(3)
    d1, d2 = d([1, 2, 3]), d([1, 1, 2])
    assert W.entropy(s)[:, 0] == pytest.approx([d1 / (d1 + d2), d2 / (d1 + d2)])


def test_critic_hand():
    # sd 50 and 10, correlation 0.5 → information 50·0.5 and 10·0.5 → weights 5/6, 1/6
    s = S([0, 50, 100], [0, 20, 10])
    assert W.critic(s)[:, 0] == pytest.approx([5 / 6, 1 / 6])


def test_pca_hand():
    # c1, c2 perfectly correlated, c3 uncorrelated: PC1 = (1, 1, 0)/√2 → squared loadings ½, ½, 0
    s = S([1, 2, 3, 4], [2, 4, 6, 8], [1, -1, -1, 1])
    assert W.pca(s)[:, 0] == pytest.approx([0.5, 0.5, 0.0], abs=1e-12)


def test_data_driven_weights_vectorised_over_replications():
    rng = np.random.default_rng(0)
    s = rng.random((10, 4, 3))
    for f in (W.entropy, W.critic, W.pca):
        w = f(s)
        assert w.shape == (4, 3) and np.allclose(w.sum(axis=0), 1)
        for k in range(3):
            assert w[:, k] == pytest.approx(f(s[:, :, k:k + 1])[:, 0])


# ------------------------------------------------------------------ aggregation
def test_means_hand():
    s = S([4.0], [9.0])
    w = [1, 3]
    assert agg(s, w) == pytest.approx([7.75])
    assert agg(s, w, method="geometric") == pytest.approx([4 ** 0.25 * 9 ** 0.75])
    assert agg(s, w, method="harmonic") == pytest.approx([4 / (1 / 4 + 3 / 9)])
    assert agg(s, w, method="mean_p", p=2) == pytest.approx([np.sqrt((16 + 3 * 81) / 4)])
    assert agg(s, w, method="mean_p", p=0) == pytest.approx(agg(s, w, method="geometric"))


def test_na_tolerant_renormalisation():
    s = S([nan, 2.0, nan], [9.0, 4.0, nan])
    out = agg(s, [1, 3])
    assert out[0] == 9.0 and out[1] == pytest.approx((2 + 12) / 4) and np.isnan(out[2])
    assert agg(s, [1, 3], method="geometric")[0] == pytest.approx(9.0)
    out = agg(s, [1, 3], dat_thresh=0.75)
    assert np.isnan(out[0]) and out[1] == pytest.approx(3.5)


def test_zero_guard_for_geometric():
    s = S([0.0, 25.0], [100.0, 100.0])
    out = agg(s, [1, 1], method="geometric")
    assert out == pytest.approx([np.sqrt(0.1 * 100), 50.0])   # floor = 0.1 % of the largest child score
    assert agg(s, [1, 1], method="geometric", floor=1.0)[0] == pytest.approx(10.0)
    with pytest.raises(AggregationError, match="≤ 0"):
        agg(s, [1, 1], method="geometric", zero_guard="error")


def test_topsis_hand():
    s = S([1, 2, 3], [2, 1, 3])
    c = 1 / (1 + np.sqrt(5))
    assert agg(s, [1, 1], method="topsis") == pytest.approx([100 * c, 100 * c, 100.0])


def test_copeland_hand():
    s = S([1, 2, 3], [2, 1, 3])
    assert agg(s, [1, 1], method="copeland").tolist() == [-1, -1, 2]
    assert agg(s, [3, 1], method="copeland").tolist() == [-2, 0, 2]


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic", "mean_p", "topsis", "copeland"])
def test_every_aggregation_vectorised_over_weight_sets(method):
    rng = np.random.default_rng(1)
    s = rng.random((150, 4, 1)) * 100
    s[rng.random(s.shape) < 0.05] = nan
    w = rng.random((4, 300))
    spec = AggregateSpec(method=method, p=0.5)
    out = aggregate(s, w, spec)
    for k in range(0, 300, 37):
        assert out[:, k] == pytest.approx(aggregate(s, w[:, [k]], spec)[:, 0], nan_ok=True)

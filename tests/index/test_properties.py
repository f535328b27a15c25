"""Property tests (hypothesis): weights renormalise, ranks are permutations, direction flips reverse."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from gaoxin import index
from gaoxin.index import steps
from gaoxin.index.aggregate import aggregate
from gaoxin.index.spec import AggregateSpec, RankSpec

finite = st.floats(min_value=0.01, max_value=1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6).flatmap(lambda c: st.tuples(
    arrays(float, (5, c), elements=finite),
    arrays(float, c, elements=st.floats(0.1, 10)),
    arrays(bool, (5, c)),
    st.floats(0.1, 100))))
def test_weights_renormalise_over_available_children(args):
    x, w, miss, scale = args
    s = np.where(miss, np.nan, x)[:, :, None]
    out = aggregate(s, w[:, None], AggregateSpec())[:, 0]
    out_scaled = aggregate(s, (w * scale)[:, None], AggregateSpec())[:, 0]
    for i in range(5):
        ok = ~miss[i]
        if ok.any():
            wn = w[ok] / w[ok].sum()
            assert out[i] == pytest.approx((wn * x[i, ok]).sum())
            assert out_scaled[i] == pytest.approx(out[i])
        else:
            assert np.isnan(out[i])
    g = aggregate(s, w[:, None], AggregateSpec(method="geometric"))[:, 0]
    a = out
    assert np.all((g <= a + 1e-9) | np.isnan(a))          # AM–GM on the available children


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.integers(1, 30), elements=st.floats(-1e6, 1e6)))
def test_ranks_are_a_permutation(v):
    r = steps.rank_scores(v, RankSpec(ties="ordinal"))
    assert sorted(r.tolist()) == list(range(1, len(v) + 1))
    rm = steps.rank_scores(v, RankSpec())            # ties = min: sport ranking
    assert rm.min() == 1 and rm.max() <= len(v)
    for k in np.unique(rm):
        assert (rm < k).sum() == k - 1                # exactly k−1 units strictly ahead


@settings(max_examples=40, deadline=None)
@given(arrays(float, (8, 3), elements=st.floats(0, 100), unique=True),
       st.sampled_from(["minmax", "zscore", "prank", "rank"]))
def test_direction_flip_reverses_ranks(x, norm):
    fw_up = index.load_framework({"nodes": [{"code": "R", "children": [{"code": c} for c in "abc"]}]})
    fw_dn = index.load_framework({"nodes": [{"code": "R", "children": [
        {"code": c, "direction": -1} for c in "abc"]}]})
    df = pd.DataFrame(x, columns=list("abc")).assign(unit=[f"u{i}" for i in range(8)])
    spec = {"normalise": norm, "rank": {"round": 9}}
    up = index.evaluate(fw_up, df, spec).ranks["R"].to_numpy()
    dn = index.evaluate(fw_dn, df, spec).ranks["R"].to_numpy()
    if len(np.unique(up)) == 8:                       # no ties after rounding
        assert (dn == 9 - up).all()


@settings(max_examples=30, deadline=None)
@given(arrays(float, (6, 4), elements=st.floats(0.1, 50)), st.sampled_from(["entropy", "critic", "pca", "equal"]))
def test_effective_weights_sum_to_one(x, wm):
    fw = index.load_framework({"nodes": [{"code": "R", "children": [
        {"code": "P", "children": [{"code": "a"}, {"code": "b"}]},
        {"code": "Q", "weight": 2, "children": [{"code": "c"}, {"code": "d"}]}]}]})
    df = pd.DataFrame(x, columns=list("abcd")).assign(unit=list("uvwxyz"))
    ew = index.evaluate(fw, df, {"weights": wm}).effective_weights()
    assert ew[list("abcd")].sum() == pytest.approx(1.0)

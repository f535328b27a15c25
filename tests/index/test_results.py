"""Analyses on a built index: contributions, strengths/weaknesses, statistics, coherence, removal."""
import numpy as np
import pandas as pd
import pytest

from gaoxin import index


@pytest.fixture
def res(fw2, frame4):
    return index.evaluate(fw2, frame4, {"rank": {"round": 6}})


def test_contributions_sum_to_score(res):
    for u in ["U1", "U2", "U3", "U4"]:
        c = res.contributions(u)
        assert c["contribution"].sum() == pytest.approx(res.scores.loc[u, "IDX"])
    # U2: effective weights a 1/6, b 1/2, c 1/6, d 1/6; normalised a 25, b 66.67, c 50, d 50
    c = res.contributions("U2").set_index("code")["contribution"]
    assert c["b"] == pytest.approx(0.5 * 200 / 3)
    assert c["a"] == pytest.approx(25 / 6)


def test_strengths_weaknesses(res):
    sw = res.strengths_weaknesses("U3", n=1)
    # U3 ranks: a 2nd, b 3rd, c 1st, d 2nd → strength c, weakness b
    assert sw.loc[sw.kind == "strength", "code"].tolist() == ["c"]
    assert sw.loc[sw.kind == "weakness", "code"].tolist() == ["b"]
    with pytest.raises(KeyError):
        res.strengths_weaknesses("nope")


def test_effective_weights_and_dict(res):
    ew = res.effective_weights()
    assert ew[["a", "b", "c", "d"]].sum() == pytest.approx(1.0)
    d = res.to_dict()
    assert d["method"]["normalise"]["method"] == "minmax"
    assert d["results"][0]["unit"] == "U4" and "rank_P1" in d["results"][0]
    import json
    json.dumps(d, ensure_ascii=False)


def test_statistics(res):
    st = res.statistics()
    assert st.loc["a", "min"] == 1 and st.loc["a", "max"] == 5 and st.loc["a", "mean"] == pytest.approx(2.75)
    assert st.loc["c", "zeros"] == 1 and st.loc["c", "unique"] == 3 and st.loc["a", "availability"] == 1.0


def test_cronbach_alpha_hand():
    fw = index.load_framework({"nodes": [{"code": "R", "children": [{"code": "x"}, {"code": "y"}]}]})
    df = pd.DataFrame({"unit": list("abcd"), "x": [1, 2, 3, 4.0], "y": [2, 4, 6, 9.0]})
    r = index.evaluate(fw, df, {"normalise": {"method": "rank"}})
    # ranks are 1..4 for both children: identical items → alpha 1
    assert r.cronbach_alpha("R") == pytest.approx(1.0)
    fw3 = index.load_framework({"nodes": [{"code": "R", "children": [{"code": "x"}, {"code": "y"}, {"code": "z"}]}]})
    df["z"] = [4, 1, 3, 2.0]
    r = index.evaluate(fw3, df, {"normalise": {"method": "rank"}})
    x, y, z = np.array([1, 2, 3, 4.0]), np.array([1, 2, 3, 4.0]), np.array([4, 1, 3, 2.0])
    tot = x + y + z
    alpha = 3 / 2 * (1 - (x.var(ddof=1) + y.var(ddof=1) + z.var(ddof=1)) / tot.var(ddof=1))
    assert r.cronbach_alpha("R") == pytest.approx(alpha)
    assert r.correlations("R").loc["x", "y"] == pytest.approx(1.0)


def test_removal_impact_hand(res):
    imp = res.removal_impact(level=2).set_index("code")
    # without P2 the order is P1's: U4, U2, U3, U1 → ranks 4,2,3,1 against nominal 4,2,2,1
    assert imp.loc["P2", "mean_abs_rank_change"] == pytest.approx(0.25)
    # without P1 the order is P2's: U3, U1, U2, U4 → ranks 2,3,1,4 against 4,2,2,1
    assert imp.loc["P1", "mean_abs_rank_change"] == pytest.approx((2 + 1 + 1 + 3) / 4)


def test_ranks_within_groups(fw2, frame4):
    res = index.evaluate(fw2, frame4.assign(level=["国家级", "省级", "省级", "国家级"]), {"rank": {"round": 6}})
    r = res.ranks_within("level")
    # 国家级: U4 (66.7) before U1 (25); 省级: U2 and U3 tie at 54.17
    assert r.tolist() == [2, 1, 1, 1]
    with pytest.raises(KeyError):
        res.ranks_within("nope")


def test_statistics_flags_and_correlation_flags():
    fw = index.load_framework({"nodes": [{"code": "R", "children": [
        {"code": "x"}, {"code": "y"}, {"code": "z"}]}]})
    df = pd.DataFrame({"unit": [f"u{i}" for i in range(12)],
                       "x": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0],
                       "y": [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 60, 200.0],      # 2·x: collinear
                       "z": [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1.0]})
    res = index.evaluate(fw, df)
    st = res.statistics()
    assert st.loc["x", "flag_outlier"] and not st.loc["z", "flag_outlier"]
    fl = res.correlation_flags()
    kinds = {(r.a, r.b): r.kind for r in fl.itertuples()}
    assert kinds[("x", "y")] == "collinear" and kinds[("x", "z")] == "negative"


def test_profile_is_json_ready(fw2, frame4):
    import json
    df = pd.concat([frame4.assign(year=2023), frame4.assign(year=2024, a=frame4["a"][::-1].to_numpy())])
    res = index.evaluate(fw2, df)
    p = res.profile("U1")
    json.dumps(p, ensure_ascii=False)
    assert p["year"] == 2024 and p["n_units"] == 4 and p["name"] == "甲"
    idx = {n["code"]: n for n in p["nodes"]}
    assert idx["IDX"]["score"] == pytest.approx(res.scores.loc[("U1", 2024), "IDX"])
    assert p["change"]["a"]["change"] == pytest.approx(100.0)        # U1's a went from min to max
    assert len(p["strengths_weaknesses"]) == 6

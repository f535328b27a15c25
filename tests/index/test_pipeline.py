"""End-to-end hand-computed index on 4 units (see conftest.two_pillar_framework)."""
import numpy as np
import pandas as pd
import pytest

from gaoxin import index

# min-max 0–100: a → 0,25,50,100; b → 0,66.7,33.3,100; c → 50,50,100,0; d (direction −1) → 100,50,75,0
P1 = [0.0, 56.25, 37.5, 100.0]          # (a + 3b)/4
P2 = [75.0, 50.0, 87.5, 0.0]            # (c + d)/2
IDX = [25.0, 162.5 / 3, 162.5 / 3, 200 / 3]


def test_hand_computed_index(fw2, frame4):
    res = index.evaluate(fw2, frame4, {"rank": {"round": 6}})
    sc = res.scores
    assert sc["P1"].tolist() == pytest.approx(P1)
    assert sc["P2"].tolist() == pytest.approx(P2)
    assert sc["IDX"].tolist() == pytest.approx(IDX)
    assert res.ranks["IDX"].tolist() == [4, 2, 2, 1]           # tie → min
    t = res.table()
    assert list(t.columns[:3]) == ["unit", "name", "IDX"] and t.columns[-1] == "rank"
    assert t["unit"].tolist()[0] == "U4"


def test_node_override_mixes_methods_within_a_level(fw2, frame4):
    raw = fw2.to_dict()
    raw["nodes"][0]["children"][1]["aggregation"] = "geometric"
    res = index.evaluate(raw, frame4)
    assert res.scores["P1"].tolist() == pytest.approx(P1)       # P1 stays arithmetic
    assert res.scores["P2"].tolist() == pytest.approx([np.sqrt(50 * 100), 50.0, np.sqrt(100 * 75), 0.1])


def test_denominator_and_transform(frame4):
    fw = index.load_framework({"nodes": [{"code": "R", "children": [
        {"code": "a", "denominator": "pop"}, {"code": "b", "transform": "sqrt"}]}]})
    df = frame4.assign(pop=[1.0, 4.0, 1.0, 0.0])
    res = index.evaluate(fw, df)
    raw = res.raw
    assert raw[:3, 0].tolist() == [1.0, 0.5, 3.0] and np.isnan(raw[3, 0])
    assert raw[:, 1] == pytest.approx(np.sqrt([10, 30, 20, 40]))
    assert index.evaluate(fw, frame4, {"denominate": False}).raw[:, 0].tolist() == [1, 2, 3, 5]
    with pytest.raises(index.DataError, match="分母列"):
        index.evaluate(fw, frame4)


def test_direction_flip_reverses_a_single_indicator_ranking(frame4):
    up = index.load_framework({"nodes": [{"code": "R", "children": [{"code": "a"}]}]})
    down = index.load_framework({"nodes": [{"code": "R", "children": [{"code": "a", "direction": -1}]}]})
    assert index.evaluate(up, frame4).ranks["R"].tolist() == [4, 3, 2, 1]
    assert index.evaluate(down, frame4).ranks["R"].tolist() == [1, 2, 3, 4]


def test_multi_year_pooled_and_year_filter(fw2, frame4):
    df = pd.concat([frame4.assign(year=2023), frame4.assign(year=2024, a=frame4["a"] * 2)], ignore_index=True)
    res = index.evaluate(fw2, df, {"normalise": {"method": "minmax", "pooled_years": [2023, 2024]}})
    sc = res.scores
    assert sc.index.names == ["unit", "year"]
    # pooled a: min 1, max 10 → U4 2024 (a = 10) gets 100, U4 2023 (a = 5) gets 400/9
    assert sc.loc[("U4", 2024), "a"] == pytest.approx(100.0)
    assert sc.loc[("U4", 2023), "a"] == pytest.approx(400 / 9)
    only = index.evaluate(fw2, df, {"normalise": {"method": "minmax", "pooled_years": [2023, 2024]}}, years=[2024])
    assert only.rows["year"].unique().tolist() == [2024]
    assert only.scores.loc["U4", "a"] == pytest.approx(100.0)
    yoy = res.year_on_year()
    row = yoy[(yoy.unit == "U4") & (yoy.code == "a") & (yoy.year == 2024)].iloc[0]
    assert row["change"] == pytest.approx(100 - 400 / 9)
    with pytest.raises(index.DataError, match="没有年份"):
        index.evaluate(fw2, df, years=[1999])


def test_previous_year_imputation_in_pipeline(fw2, frame4):
    y2 = frame4.assign(year=2024)
    y2.loc[0, "a"] = np.nan
    df = pd.concat([frame4.assign(year=2023), y2], ignore_index=True)
    res = index.evaluate(fw2, df, {"impute": "previous"}, years=[2024])
    assert res.imputed[0, 0] == 1.0


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic", "topsis", "copeland"])
@pytest.mark.parametrize("weights", ["framework", "equal", "entropy", "critic", "pca"])
def test_every_method_combination_runs(fw2, frame4, method, weights):
    res = index.evaluate(fw2, frame4, {"aggregate": {"method": method}, "weights": weights,
                                       "normalise": {"method": "minmax", "range": [1, 100]}})
    r = res.ranks["IDX"]
    assert r.notna().all() and r.min() == 1


def test_bad_data_messages(fw2, frame4):
    with pytest.raises(index.DataError, match="缺少框架中的指标列：d"):
        index.evaluate(fw2, frame4.drop(columns="d"))
    bad = frame4.astype({"c": object})
    bad.loc[2, "c"] = "八"
    with pytest.raises(index.DataError, match="列 c 第 4 行（单位 U3）"):
        index.evaluate(fw2, bad)
    with pytest.raises(index.DataError, match="重复"):
        index.evaluate(fw2, pd.concat([frame4, frame4.iloc[:1]]))


def test_bad_year_message(fw2, frame4):
    with pytest.raises(index.DataError, match="year 列第 4 行"):
        index.evaluate(fw2, frame4.assign(year=["2024", "2024", "2024年", "2024"]))

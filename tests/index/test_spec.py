import pytest
import yaml

from gaoxin import index
from gaoxin.index.spec import SpecError

ISSUE_SPEC = """
# method spec
denominate: true
impute: {method: group_mean, by: region}     # none | mean | median | group_mean | group_median | previous | linear
treat: {method: winsorise, winmax: 5, skew: 2, kurtosis: 3.5}   # or {method: none}
normalise: {method: minmax, range: [0, 100]} # zscore {mean, sd} | goalposts | target | prank | rank; optional pooled_years: [2022, 2023]
weights: framework                           # equal | ahp {matrix} | entropy | critic | pca
aggregate: {method: arithmetic}              # geometric | harmonic | mean_p {p} | topsis | copeland
rank: {ties: min, round: null}
"""


def test_issue_spec_accepted_exactly():
    s = index.load_spec(yaml.safe_load(ISSUE_SPEC))
    assert s.impute.method == "group_mean" and s.impute.by == "region"
    assert s.treat.winmax == 5 and s.treat.kurtosis == 3.5
    assert s.normalise.range == (0.0, 100.0)
    assert s.weights.method == "framework" and s.rank.round is None


def test_spec_roundtrip_and_shorthand():
    s = index.load_spec({"weights": "entropy", "treat": "none",
                         "normalise": {"method": "zscore", "mean": 10, "sd": 2, "pooled_years": [2022, 2023]}})
    again = index.load_spec(s.to_dict())
    assert again == s
    assert again.normalise.pooled_years == [2022, 2023]


def test_with_changes_replaces_whole_step():
    s = index.load_spec({"normalise": {"method": "zscore", "mean": 10, "sd": 2}})
    t = s.with_changes({"normalise": {"method": "minmax", "range": [1, 100]}, "treat.winmax": 2,
                        "aggregate.method": "geometric"})
    assert t.normalise.method == "minmax" and t.normalise.mean == 0.0   # z-score parameters not inherited
    assert t.treat.winmax == 2 and t.aggregate.method == "geometric"


@pytest.mark.parametrize("raw, words", [
    ({"normalise": {"method": "minmax", "rnage": [0, 1]}}, "不认识的键"),
    ({"weights": "magic"}, "取值应为"),
    ({"impute": "group_mean"}, "by"),
    ({"normalise": {"method": "minmax", "range": [5, 1]}}, "range"),
])
def test_bad_spec_chinese_message(raw, words):
    with pytest.raises(SpecError, match=words):
        index.load_spec(raw)

"""Every rule leaf at, just below and just above its bound, through the real evaluation path.

The comparison in each YAML leaf must match its Chinese wording: “以上、以下、不低于、不超过” include the
bound, “不满、不足、超过、不含” exclude it (民法典 第一千二百五十九条).
"""
from __future__ import annotations

import numpy as np
import pytest

from gaoxin.enterprise.derive import Quantities
from gaoxin.enterprise.rules import FAIL, PASS, UNKNOWN, Evaluator, load_rules


def _leaves(node, out):
    if "all" in node or "any" in node:
        for c in node.get("all", node.get("any")):
            _leaves(c, out)
    else:
        out.append(node)
    return out


CASES = [(r["code"], leaf) for r in load_rules().rungs for leaf in _leaves(r["conditions"], [])
         if leaf.get("threshold") is not None and leaf["op"] != "==" and not leaf["value"].startswith("score:")]


WORDING = [(r["code"], leaf) for r in load_rules().rungs for leaf in _leaves(r["conditions"], [])
           if leaf.get("threshold") is not None and leaf["op"] != "==" and not leaf["id"].endswith("nonzero")]


def expected_op(name: str) -> str:
    if "不含" in name:
        return "exclusive"
    if "不满" in name or "不足" in name:
        return "<"
    if ("超过" in name and "不超过" not in name) or "大于" in name:
        return ">"
    if "不超过" in name or "以下" in name or "不高于" in name or "以内" in name:
        return "<="
    if "以上" in name or "不低于" in name or "达到" in name or "均不低于" in name:
        return ">="
    return "?"


@pytest.mark.parametrize("rung, leaf", WORDING, ids=[f"{r}.{lf['id']}" for r, lf in WORDING])
def test_wording_matches_comparison(rung, leaf):
    want = expected_op(leaf["name"])
    if want == "?":
        pytest.skip(f"条件名称未写明边界：{leaf['name']}")
    if want == "exclusive":
        assert leaf["op"] in (">", "<")
    else:
        assert leaf["op"] == want, leaf["name"]


class FixedValues(Quantities):
    """Every quantity is the same three values: the bound, just below, just above."""

    def __init__(self, values):
        super().__init__(__import__("pandas").DataFrame({"credit_code": ["a", "b", "c", "d"]}), 2025)
        self.values = np.asarray(values, dtype=float)

    def __getitem__(self, code):
        return self.values

    def col(self, name):
        return self.values


@pytest.mark.parametrize("rung, leaf", CASES, ids=[f"{r}.{lf['id']}" for r, lf in CASES])
def test_leaf_at_below_above_bound(rung, leaf):
    t = float(leaf["threshold"])
    d = max(abs(t) * 1e-4, 1e-6)
    q = FixedValues([t, t - d, t + d, np.nan])
    ev = Evaluator(q, {"code": rung, "conditions": leaf})
    status = ev.node(leaf).status.tolist()
    expect = {">=": [PASS, FAIL, PASS], ">": [FAIL, FAIL, PASS],
              "<=": [PASS, PASS, FAIL], "<": [FAIL, PASS, FAIL]}[leaf["op"]]
    assert status == expect + [UNKNOWN]


def test_threshold_bands_at_bounds():
    r = load_rules().rung("高新技术企业")
    leaf = next(lf for lf in _leaves(r["conditions"], []) if lf["id"] == "rd_ratio")

    class Q(FixedValues):
        def __getitem__(self, code):
            return {"revenue_y0": np.array([5000.0, 5000.01, 20000.0, 20000.01]),
                    "hte_rd_ratio": np.array([0.05, 0.04, 0.04, 0.03])}.get(code, np.ones(4))

    ev = Evaluator(Q([0, 0, 0, 0]), {"code": "hnte", "conditions": leaf})
    node = ev.node(leaf)
    assert node.leaf.threshold.tolist() == [0.05, 0.04, 0.04, 0.03]
    assert node.status.tolist() == [PASS] * 4

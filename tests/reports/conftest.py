"""Report fixtures: hand-made inputs shaped like the services' results, with the 52 real zone names of
gaoxin/reference/zones.csv (so names, table widths and chart heights are those a reader meets)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def zone_input(is_demo: bool = True):
    from gaoxin.reference import load_zones
    from gaoxin.reports.zone_evaluation import ZoneEvaluationInput
    z = load_zones()
    regions = __import__("gaoxin.reference", fromlist=["load_regions"]).load_regions()
    city = dict(zip(regions["code"], regions["name"]))
    n = len(z)
    rng = np.random.default_rng(7)
    score = np.sort(rng.uniform(8, 75, n))[::-1].round(2)
    ranking = pd.DataFrame({
        "rank": pd.array(np.arange(1, n + 1), dtype="Int64"), "unit": z["code"].tolist(), "name": z["name"].tolist(),
        "city": [city.get(c, "") for c in z["city_code"]], "level": z["level"].tolist(), "score": score,
        "D1": rng.uniform(5, 90, n).round(2), "D2": rng.uniform(5, 90, n).round(2),
        "D3": rng.uniform(5, 90, n).round(2)})
    profiles = pd.DataFrame({"unit": ranking["unit"], "strengths": "万人拥有本科（含）学历以上人数、人均技术合同交易额",
                             "weaknesses": "管委会当年财政支出中对科技的投入额", "change": rng.normal(0, 3, n).round(2),
                             "rank_q05": np.maximum(1, np.arange(1, n + 1) - 2).astype(float),
                             "rank_q95": np.minimum(n, np.arange(1, n + 1) + 3).astype(float)})
    cities = ranking.groupby("city")["score"].mean().round(2).to_dict()
    spec = {"impute": {"method": "none"}, "normalise": {"method": "minmax"}, "weights": {"method": "framework"},
            "aggregate": {"method": "arithmetic"}}
    return ZoneEvaluationInput(
        2025, "湖南省省级高新技术产业开发区绩效评价指标体系（试行）", ranking,
        {"D1": "知识创造和技术创新能力", "D2": "产业升级和结构优化能力", "D3": "开放性和参与竞争能力"},
        profiles, cities, "评价采用“湖南省省级高新技术产业开发区绩效评价指标体系（试行）”；标准化方法：minmax；"
        "聚合方法：arithmetic。", is_demo, method_spec=spec)


@pytest.fixture
def zone_eval_input():
    return zone_input()

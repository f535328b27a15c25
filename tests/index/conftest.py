"""Small frameworks and frames built by hand for the evaluation-engine tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaoxin import index

DATA = Path(__file__).parent / "data"


def two_pillar_framework() -> index.Framework:
    return index.load_framework({"nodes": [{"code": "IDX", "name": "总指数", "children": [
        {"code": "P1", "name": "创新投入", "weight": 2, "children": [
            {"code": "a", "name": "研发投入"}, {"code": "b", "name": "人才", "weight": 3}]},
        {"code": "P2", "name": "创新产出", "weight": 1, "children": [
            {"code": "c", "name": "专利"}, {"code": "d", "name": "能耗", "direction": -1}]},
    ]}]})


@pytest.fixture
def fw2() -> index.Framework:
    return two_pillar_framework()


@pytest.fixture
def frame4() -> pd.DataFrame:
    return pd.DataFrame({
        "unit": ["U1", "U2", "U3", "U4"],
        "name": ["甲", "乙", "丙", "丁"],
        "a": [1.0, 2.0, 3.0, 5.0],
        "b": [10.0, 30.0, 20.0, 40.0],
        "c": [4.0, 4.0, 8.0, 0.0],
        "d": [1.0, 3.0, 2.0, 5.0],
    })


def random_frame(n_units: int, codes: list[str], seed: int = 0, years: list[int] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for y in years or [None]:
        df = pd.DataFrame(rng.lognormal(1.0, 0.6, size=(n_units, len(codes))), columns=codes)
        df.insert(0, "unit", [f"U{i:02d}" for i in range(n_units)])
        if y is not None:
            df.insert(1, "year", y)
        rows.append(df)
    return pd.concat(rows, ignore_index=True)

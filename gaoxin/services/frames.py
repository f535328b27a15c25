"""Plain-data helpers for service results: JSON-safe values and rows of a frame."""
from __future__ import annotations

import math

import pandas as pd


def clean(v):
    """A JSON-safe scalar: None for missing / NaN / infinite, Python types for numpy ones."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):
        return clean(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def records(df: pd.DataFrame) -> list[dict]:
    cols = list(df.columns)
    return [{c: clean(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]


def num(v, digits: int = 2):
    """A number rounded for display data, None when missing or not a number."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else round(f, digits)


def beijing_time(col: pd.Series) -> pd.Series:
    """Stored UTC (SQLite returns naive UTC) → Beijing time text for tables and exports."""
    if col.empty:
        return col.astype(object)
    t = pd.to_datetime(col, utc=True)
    return t.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S")

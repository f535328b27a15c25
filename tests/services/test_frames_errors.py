"""Plain-data helpers of the services (JSON-safe values, rows, Beijing time) and the error classes."""
from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from gaoxin.services import errors
from gaoxin.services.frames import beijing_time, clean, num, records


def test_clean():
    assert clean(None) is None and clean(pd.NA) is None and clean(pd.NaT) is None
    assert clean(float("nan")) is None and clean(float("inf")) is None and clean(np.float64("nan")) is None
    v = clean(np.int64(7))
    assert v == 7 and type(v) is int
    f = clean(np.float32(1.5))
    assert f == 1.5 and type(f) is float
    assert clean(pd.Timestamp("2024-05-06 07:08:09")) == "2024-05-06T07:08:09"
    assert clean(datetime.date(2024, 1, 2)) == "2024-01-02"
    assert clean("湘潭") == "湘潭" and clean(True) is True


def test_records():
    df = pd.DataFrame({"a": [1, 2], "b": [np.nan, 2.5], "c": ["x", None]})
    assert records(df) == [{"a": 1, "b": None, "c": "x"}, {"a": 2, "b": 2.5, "c": None}]
    assert records(df.iloc[0:0]) == []


def test_num():
    assert num(1.234) == 1.23 and num("2.345", 1) == 2.3 and num(np.int64(3)) == 3.0
    assert num(None) is None and num("无") is None and num(float("nan")) is None


def test_beijing_time():
    col = pd.Series([pd.Timestamp("2024-01-01 16:30:00")])  # stored UTC, naive (SQLite)
    assert beijing_time(col).tolist() == ["2024-01-02 00:30:00"]  # UTC+8
    aware = pd.Series([pd.Timestamp("2024-01-01 00:00:00", tz="UTC")])
    assert beijing_time(aware).tolist() == ["2024-01-01 08:00:00"]
    empty = beijing_time(pd.Series([], dtype="datetime64[ns]"))
    assert empty.empty and empty.dtype == object


def test_error_classes():
    assert [c.status for c in (errors.ServiceError, errors.NotFound, errors.Forbidden, errors.Unauthenticated,
                               errors.Throttled, errors.Invalid, errors.Unavailable)] == [400, 404, 403, 401, 429, 422, 503]
    t = errors.Throttled("稍后再试", 30)
    assert (str(t), t.retry_after) == ("稍后再试", 30)
    u = errors.Unavailable("暂不可用")
    assert (u.retry_after, u.extra) == (None, {})
    u = errors.Unavailable("建立中", 5, {"status": {"state": "building"}})
    assert (str(u), u.retry_after, u.extra) == ("建立中", 5, {"status": {"state": "building"}})
    assert all(issubclass(c, errors.ServiceError) for c in (errors.NotFound, errors.Invalid, errors.Unavailable))

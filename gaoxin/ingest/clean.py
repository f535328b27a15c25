"""Cleaning of the Chinese numeric forms officials type into spreadsheets. Pure functions.

Rules (each has a test in tests/ingest/test_clean.py):
- full-width digits, signs, comma, point and percent are folded to ASCII (Unicode NFKC);
- thousands separators ("1,234.5", "1，234") and inner spaces are dropped;
- blank, "—", "——", "-", "/", "无", "N/A" … are *missing* (NaN), not zero;
- "(123)" is −123 (accounting style);
- a 万 / 亿 / 千 / 百万 / 千万 suffix (optionally followed by the unit word, "1.2亿元") scales the
  number. The result is expressed **in the indicator's unit**: "1,234.5万" → 12345000 when the
  unit is 元 (or unknown), → 1234.5 when it is 万元, → 0.12345 when it is 亿元;
- "38.3%" → 38.3 when the indicator's unit is "%" (the value is stored in percent points),
  else the fraction 0.383;
- anything else is an error with a Chinese reason.
"""
from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

MISSING_TOKENS = frozenset({"", "—", "——", "–", "-", "--", "/", "无", "空", "暂无", "n/a", "na", "nan",
                            "null", "none", "…", "...", "－", "／"})

# magnitude words a number may carry, longest first so 千万 wins over 万
MAGNITUDES = (("千万", Decimal(10) ** 7), ("百万", Decimal(10) ** 6), ("亿", Decimal(10) ** 8),
              ("万", Decimal(10) ** 4), ("千", Decimal(10) ** 3))
# unit words that may trail a number and carry no scale of their own
UNIT_WORDS = ("元", "人", "个", "家", "项", "件", "台", "户", "次", "亩", "所", "名", "篇", "万人次")

_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class CleanError(ValueError):
    """A cell that cannot be read as a number; `args[0]` is the Chinese reason."""


def unit_scale(unit: str | None) -> Decimal:
    """How many base units one unit is: 万元 → 10^4, 亿元 → 10^8, 元/人/None → 1."""
    if not unit:
        return Decimal(1)
    u = unicodedata.normalize("NFKC", str(unit)).strip()
    for word, mag in MAGNITUDES:
        if u.startswith(word) and len(u) > len(word):
            return mag
    return Decimal(1)


def is_percent_unit(unit: str | None) -> bool:
    return bool(unit) and unicodedata.normalize("NFKC", str(unit)).strip() in ("%", "百分比", "百分点")


def normalize_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return s.replace("\u3000", " ").strip()


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return normalize_text(value).lower() in MISSING_TOKENS
    return False


def clean_number(value: object, unit: str | None = None) -> float:
    """One cell → float in the indicator's `unit`; NaN when missing; CleanError when unreadable."""
    if is_missing(value):
        return math.nan
    if isinstance(value, bool):
        raise CleanError("应为数值，实际为逻辑值")
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        if math.isinf(f):
            raise CleanError("数值为无穷大")
        return f
    if not isinstance(value, str):
        what = "日期" if hasattr(value, "year") else "时间" if hasattr(value, "hour") else "非数值内容"
        raise CleanError(f"应为数值，实际为{what}（请把单元格格式设为“数值”或“常规”后重新填写）")
    s = normalize_text(value)
    s = re.sub(r"[\s,]", "", s)  # NFKC already turned ，into ,
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    magnitude = None
    for word in UNIT_WORDS:  # "1.2亿元", "35人"
        if s.endswith(word) and len(s) > len(word):
            s = s[: -len(word)]
            break
    for word, mag in MAGNITUDES:
        if s.endswith(word) and len(s) > len(word):
            magnitude, s = mag, s[: -len(word)]
            break
    if not _NUM_RE.match(s):
        raise CleanError(f"无法识别为数值：“{value}”")
    try:
        d = Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise CleanError(f"无法识别为数值：“{value}”") from exc
    if negative:
        d = -d
    if percent and magnitude is not None:
        raise CleanError(f"百分数不能再带“万/亿”：“{value}”")
    if percent:
        return float(d) if is_percent_unit(unit) else float(d / 100)
    if magnitude is not None:
        return float(d * magnitude / unit_scale(unit))
    return float(d)


def clean_series(values: pd.Series, unit: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Vectorised `clean_number` over a column: (float values, reason or None per cell).

    Plain numbers and numeric strings go through pandas' C parser; only the leftover distinct
    strings go through the scalar cleaner (a column has few distinct odd spellings)."""
    obj = values.astype(object)
    out = pd.to_numeric(obj, errors="coerce").astype("float64")
    errors = np.full(len(obj), None, dtype=object)
    # numeric strings with a '%' never reach here as numbers; booleans are coerced to 0/1 by pandas
    arr = obj.to_numpy()
    leftover = out.isna().to_numpy()
    bool_mask = np.fromiter((isinstance(x, (bool, np.bool_)) for x in arr), dtype=bool, count=len(arr)) \
        if obj.dtype == object and len(arr) else np.zeros(len(arr), bool)
    todo = leftover | bool_mask
    if todo.any():
        pos = np.flatnonzero(todo)
        codes, uniques = pd.factorize(arr[pos], use_na_sentinel=True)
        u_val = np.full(len(uniques) + 1, np.nan)      # last slot: the NA sentinel (-1)
        u_err = np.full(len(uniques) + 1, None, dtype=object)
        for i, v in enumerate(uniques):
            try:
                u_val[i] = clean_number(v, unit)
            except CleanError as exc:
                u_err[i] = exc.args[0]
        out.iloc[pos] = u_val[codes]
        errors[pos] = u_err[codes]
    return out, pd.Series(errors, index=obj.index, dtype=object)


def clean_year(value: object, lo: int = 1949, hi: int = 2100) -> int:
    """A year cell: 2023, 2023.0, "2023", "2023年" → 2023; CleanError otherwise."""
    if is_missing(value):
        raise CleanError("年份为空")
    if isinstance(value, bool):
        raise CleanError("年份应为四位数字")
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        if not f.is_integer():
            raise CleanError(f"年份应为整数：“{value}”")
        y = int(f)
    elif hasattr(value, "year"):  # a date cell
        y = int(value.year)
    else:
        s = normalize_text(str(value)).removesuffix("年度").removesuffix("年").strip()
        if s.endswith(".0"):
            s = s[:-2]
        if not s.isdigit() or len(s) != 4:
            raise CleanError(f"年份应为四位数字：“{value}”")
        y = int(s)
    if not lo <= y <= hi:
        raise CleanError(f"年份超出范围（{lo}–{hi}）：{y}")
    return y


def clean_text(value: object) -> str | None:
    """A text cell: NFKC-folded and stripped; None when missing. Numbers read from Excel as floats
    (codes typed into a number cell) lose their '.0'."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(str(value))


# the one list of yes/no words, for the import and for `judge --file`
TRUE_WORDS = frozenset({"是", "有", "true", "yes", "y", "1", "1.0", "√", "✓", "对"})
FALSE_WORDS = frozenset({"否", "无", "没有", "false", "no", "n", "0", "0.0", "×", "不是"})


def parse_bool(value: object) -> bool | None:
    """是/否 cell → True / False; None when blank; CleanError otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        t = str(int(value)) if float(value).is_integer() else str(value)
    else:
        t = normalize_text(str(value)).lower()
    if t in TRUE_WORDS:
        return True
    if t in FALSE_WORDS:
        return False
    if t in ("", "—", "——", "-", "/"):
        return None
    raise CleanError(f"应填“是”或“否”：“{value}”")

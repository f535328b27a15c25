"""Each cleaning rule of gaoxin.ingest.clean, by hand-computed cases and properties."""
import math
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from gaoxin.ingest.clean import CleanError, clean_number, clean_series, clean_text, clean_year


def _fw(s: str) -> str:
    """ASCII → full-width form (digits, signs, comma, point, percent)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@pytest.mark.parametrize("raw,unit,expected", [
    ("1,234.5", None, 1234.5),                 # thousands separator
    ("1，234", None, 1234.0),                   # full-width comma
    ("１２３", None, 123.0),                     # full-width digits
    ("－５.５", None, -5.5),                     # full-width minus
    ("＋7", None, 7.0),
    (" 42 ", None, 42.0),
    ("1,234.5万", "元", 12345000.0),            # 万 → the indicator's unit 元
    ("1,234.5万", None, 12345000.0),            # unknown unit: absolute
    ("1,234.5万", "万元", 1234.5),
    ("1.2亿", "万元", 12000.0),
    ("1.2亿元", "万元", 12000.0),
    ("3000万", "亿元", 0.3),
    ("2千", None, 2000.0),
    ("38.3%", "%", 38.3),                       # percent into a % indicator: points
    ("38.3%", None, 0.383),                     # else a fraction
    ("38.3％", "%", 38.3),                      # full-width percent sign
    ("(12)", None, -12.0),                      # accounting negative
    ("35人", None, 35.0),                       # trailing unit word
    ("1e3", None, 1000.0),
    (12.5, None, 12.5),
    (7, "万元", 7.0),                            # numbers are taken as already in the indicator unit
])
def test_numeric_forms(raw, unit, expected):
    assert clean_number(raw, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("raw", ["", "  ", "—", "——", "-", "/", "无", "－", "／", None, float("nan"), "N/A"])
def test_missing_tokens(raw):
    assert math.isnan(clean_number(raw))


@pytest.mark.parametrize("raw", ["abc", "12a", "1.2.3", "万", "5%万", True, "十二"])
def test_errors_have_chinese_reason(raw):
    with pytest.raises(CleanError) as exc:
        clean_number(raw)
    assert any("\u4e00" <= c <= "\u9fff" for c in exc.value.args[0])


def test_series_matches_scalar_and_reports_errors():
    s = pd.Series([1.0, "2", "3万", "x", "", None, "38%", "１,０００"])
    vals, errs = clean_series(s, None)
    assert vals.iloc[0] == 1.0 and vals.iloc[1] == 2.0 and vals.iloc[2] == 30000.0
    assert math.isnan(vals.iloc[3]) and "无法识别" in errs.iloc[3]
    assert math.isnan(vals.iloc[4]) and errs.iloc[4] is None
    assert math.isnan(vals.iloc[5]) and errs.iloc[5] is None
    assert vals.iloc[6] == pytest.approx(0.38)
    assert vals.iloc[7] == 1000.0
    assert errs.notna().sum() == 1


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_property_formatted_number_round_trips(d):
    x = float(d)
    text = f"{x:,.2f}"
    assert clean_number(text) == pytest.approx(x, abs=1e-9)
    assert clean_number(_fw(text)) == pytest.approx(x, abs=1e-9)


@given(st.integers(min_value=0, max_value=10**7), st.sampled_from([("万", 1e4), ("亿", 1e8), ("千", 1e3)]))
def test_property_magnitude_words(n, word):
    w, mult = word
    assert clean_number(f"{n}{w}") == pytest.approx(n * mult)
    assert clean_number(f"{n}{w}", "万元") == pytest.approx(n * mult / 1e4)


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False).map(lambda f: round(f, 3)))
def test_property_percent(x):
    assert clean_number(f"{x}%", "%") == pytest.approx(x)
    assert clean_number(f"{x}%", "个") == pytest.approx(x / 100)


@given(st.lists(st.one_of(st.integers(-10**6, 10**6), st.sampled_from(["—", "", "无", "1,000", "2万", "bad"])),
                max_size=30))
def test_property_series_equals_scalar(cells):
    vals, errs = clean_series(pd.Series(cells, dtype=object), None)
    for v, out, err in zip(cells, vals, errs):
        try:
            expect = clean_number(v)
        except CleanError:
            assert err is not None and math.isnan(out)
            continue
        assert err is None
        assert (math.isnan(expect) and math.isnan(out)) or out == pytest.approx(expect)


@pytest.mark.parametrize("raw,year", [(2023, 2023), (2023.0, 2023), ("2023", 2023), ("2023年", 2023),
                                      ("２０２３", 2023), ("2023年度", 2023)])
def test_years(raw, year):
    assert clean_year(raw) == year


@pytest.mark.parametrize("raw", ["23", "2023.5", 2023.5, "", "明年", 1800, 3000])
def test_bad_years(raw):
    with pytest.raises(CleanError):
        clean_year(raw)


def test_text_folds_full_width_and_excel_floats():
    assert clean_text("　长沙高新区 ") == "长沙高新区"
    assert clean_text(430300.0) == "430300"
    assert clean_text("—") is None
    assert clean_text("ＡＢＣ") == unicodedata.normalize("NFKC", "ＡＢＣ")

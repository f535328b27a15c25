"""Excel export of any table shown on a page or returned by the API (xlsxwriter)."""
from __future__ import annotations

import io

import pandas as pd


# OWASP "CSV Injection": a text cell starting with one of these is read as a formula by Excel/WPS.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v):
    """A text value that would start a formula gets a leading apostrophe; real numbers stay numbers."""
    if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS):
        return "'" + v
    return v


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and header) of an export made safe for spreadsheet programs."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_cell)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


# xlsxwriter turns strings that look like formulas or URLs into live ones unless told not to
XLSX_WRITER_OPTIONS = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}


def frame_to_xlsx(frames: dict[str, pd.DataFrame] | pd.DataFrame, *, demo: bool = False,
                  title: str | None = None) -> bytes:
    """One sheet per frame, Chinese headers as given, a title row, and a 示例数据 note for demo data."""
    if isinstance(frames, pd.DataFrame):
        frames = {"数据": frames}
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs=XLSX_WRITER_OPTIONS) as writer:
        wb = writer.book
        head = wb.add_format({"bold": True, "bg_color": "#DCE6F2", "border": 1, "text_wrap": True})
        title_fmt = wb.add_format({"bold": True, "font_size": 13})
        demo_fmt = wb.add_format({"bold": True, "font_color": "#C00000"})
        for name, df in frames.items():
            sheet = str(name)[:31]
            start = 1 + (1 if demo else 0)
            df = escape_formulas(_naive(df.reset_index(drop=True)))
            df.to_excel(writer, sheet_name=sheet, index=False, startrow=start)
            ws = writer.sheets[sheet]
            ws.write(0, 0, safe_cell(title or str(name)), title_fmt)
            if demo:
                ws.write(1, 0, "示例数据（合成数据，仅供演示，不代表真实统计）", demo_fmt)
            for j, col in enumerate(df.columns):
                ws.write(start, j, str(col), head)
                width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)]) if len(df) else len(str(col))
                ws.set_column(j, j, min(max(8, width * 1.6), 50))
            ws.freeze_panes(start + 1, 0)
    return buf.getvalue()


def _naive(df: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: show times in Beijing time, without the zone."""
    df = df.copy()
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            df[c] = col.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        elif col.dtype == object and col.map(lambda v: getattr(v, "tzinfo", None) is not None).any():
            df[c] = pd.to_datetime(col, utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return df

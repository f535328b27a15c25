"""Excel export of any table shown on a page or returned by the API (xlsxwriter)."""
from __future__ import annotations

import io
import re

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


def excel_number_format(unit: str | None) -> str:
    """The Excel number format of a unit's display rule (gaoxin/reference/display.yaml): 比例 (a share
    kept as a fraction) → 0.0%, % (percent points) → 0.0"%", counts → #,##0, money → #,##0.00."""
    from gaoxin import display
    rule = display.unit_rule(unit)
    kind = rule.get("kind")
    d = int(rule.get("decimals", display.rules()["score_decimals"] if kind == "score" else 2))
    frac = ("." + "0" * d) if d else ""
    if kind == "count":
        return "#,##0"
    if kind == "year":
        return "0"
    if kind == "fraction":
        return f"0{frac}%"
    if kind == "percent":
        return f'#,##0{frac}"%"'
    return f"#,##0{frac}"


def frame_to_xlsx(frames: dict[str, pd.DataFrame] | pd.DataFrame, *, demo: bool = False,
                  title: str | None = None, column_units: dict[str, str] | None = None) -> bytes:
    """One sheet per frame, Chinese headers as given, a title row, and a 示例数据 note for demo data.
    `column_units`: column header → unit (家, 万元, %, 比例 for a 0–1 share, 分 for a score): the
    column's cells get that unit's number format, so 0.9675 reads 96.8% and 10.0 reads 10. Headers
    listed under `columns:` in gaoxin/reference/display.yaml (完成进度, 综合得分 …) get theirs by default."""
    if isinstance(frames, pd.DataFrame):
        frames = {"数据": frames}
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs=XLSX_WRITER_OPTIONS) as writer:
        wb = writer.book
        head = wb.add_format({"bold": True, "bg_color": "#DCE6F2", "border": 1, "text_wrap": True})
        title_fmt = wb.add_format({"bold": True, "font_size": 13})
        demo_fmt = wb.add_format({"bold": True, "font_color": "#C00000"})
        from gaoxin import display
        for name, df in frames.items():
            # a sheet or title made from a zone code reads the zone's name (长沙高新区培育库)
            sheet = re.sub(r"[\[\]:*?/\\]", "", display.zone_codes_to_names(name))[:31] or "数据"
            start = 1 + (1 if demo else 0)
            df = escape_formulas(_naive(df.reset_index(drop=True)))
            df.to_excel(writer, sheet_name=sheet, index=False, startrow=start)
            ws = writer.sheets[sheet]
            ws.write(0, 0, safe_cell(display.zone_codes_to_names(title or str(name))), title_fmt)
            if demo:
                ws.write(1, 0, "示例数据（合成数据，仅供演示，不代表真实统计）", demo_fmt)
            units = {**(display.rules().get("columns") or {}), **(column_units or {})}
            cell_formats = {c: wb.add_format({"num_format": excel_number_format(u)})
                            for c, u in units.items() if c in df.columns and pd.api.types.is_numeric_dtype(df[c])}
            for j, col in enumerate(df.columns):
                ws.write(start, j, str(col), head)
                if col in cell_formats:
                    width_fmt = cell_formats[col]
                    ws.set_column(j, j, 14, width_fmt)
                    continue
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

"""The 通报 (circular) as an xlsx workbook (xlsxwriter): title row, subtitle, the ranked table, notes.

`write_circular(circular, path_or_none)` returns the bytes (and writes them when a path is given), so
the web can serve downloads and the CLI can save a file. The table comes from
`gaoxin.targets.circular.circular_table` (pure)."""
from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import xlsxwriter

from gaoxin import display
from gaoxin.reports.circular_docx import dedupe_words
from gaoxin.targets.circular import CircularTable

def _number_format(unit: str | None) -> str:
    """Excel number format from the unit's display rule (gaoxin/reference/display.yaml): counts as
    integers, percent points with one decimal, the rest with the rule's decimals."""
    rule = display.unit_rule(unit)
    kind = rule.get("kind")
    if kind in ("count", "year"):
        return "#,##0" if kind == "count" else "0"
    decimals = int(rule.get("decimals", 2))
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def write_circular(circ: CircularTable, path: str | Path | None = None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": False})
    ws = wb.add_worksheet("通报")
    ncol = len(circ.table.columns)
    font = "宋体"
    f_title = wb.add_format({"bold": True, "font_size": 16, "font_name": "方正小标宋简体", "align": "center",
                             "valign": "vcenter", "text_wrap": True})
    f_sub = wb.add_format({"font_size": 10, "font_name": font, "align": "left", "text_wrap": True, "valign": "top"})
    f_demo = wb.add_format({"bold": True, "font_color": "#C00000", "font_name": font})
    f_head = wb.add_format({"bold": True, "font_name": "黑体", "align": "center", "valign": "vcenter",
                            "border": 1, "bg_color": "#DCE6F2", "text_wrap": True})
    f_text = wb.add_format({"font_name": font, "border": 1, "align": "center", "valign": "vcenter"})
    f_name = wb.add_format({"font_name": font, "border": 1, "align": "left", "valign": "vcenter"})
    f_num = wb.add_format({"font_name": font, "border": 1, "num_format": _number_format(circ.unit)})
    f_pct = wb.add_format({"font_name": font, "border": 1, "num_format": "0.0%"})
    f_int = wb.add_format({"font_name": font, "border": 1, "align": "center", "num_format": "0"})
    f_total_text = wb.add_format({"font_name": font, "border": 1, "bold": True, "align": "center"})
    f_total_num = wb.add_format({"font_name": font, "border": 1, "bold": True,
                                 "num_format": _number_format(circ.unit)})
    f_total_pct = wb.add_format({"font_name": font, "border": 1, "bold": True, "num_format": "0.0%"})
    f_note = wb.add_format({"font_name": font, "font_size": 9, "text_wrap": True, "valign": "top"})
    f_bad = wb.add_format({"font_color": "#C00000"})

    ws.merge_range(0, 0, 0, ncol - 1, dedupe_words(circ.title), f_title)
    ws.set_row(0, 36)
    ws.merge_range(1, 0, 1, ncol - 1, display.cite(circ.subtitle), f_sub)
    ws.set_row(1, 30)
    row = 2
    if circ.is_demo:
        ws.merge_range(row, 0, row, ncol - 1, "示例数据（系统生成的演示数据，不代表真实统计）", f_demo)
        row += 1
    header_row = row
    for j, col in enumerate(circ.table.columns):
        ws.write(header_row, j, col, f_head)
    ws.set_row(header_row, 24)
    formats = {"序号": f_int, "年度目标": f_num, "完成值": f_num, "完成率": f_pct, "排名": f_int,
               "进度评价": f_text}
    total_formats = {"年度目标": f_total_num, "完成值": f_total_num, "完成率": f_total_pct}
    last = len(circ.table) - 1
    for i, rec in enumerate(circ.table.itertuples(index=False)):
        r = header_row + 1 + i
        for j, (col, v) in enumerate(zip(circ.table.columns, rec)):
            if i == last:
                fmt = total_formats.get(col, f_total_text)
            else:
                fmt = formats.get(col, f_name)
            if _blank(v):
                ws.write_blank(r, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(r, j, v, fmt)
            else:
                ws.write_number(r, j, float(v), fmt)
    first_data, last_data = header_row + 1, header_row + len(circ.table) - 1
    rate_col = list(circ.table.columns).index("完成率")
    if last_data >= first_data and circ.red_below is not None:  # red below the 严重滞后 bound of status_thresholds.yaml
        ws.conditional_format(first_data, rate_col, last_data, rate_col,
                              {"type": "cell", "criteria": "<", "value": circ.red_below, "format": f_bad})
    note_row = header_row + len(circ.table) + 1
    notes = [dedupe_words(display.cite(t)) for t in circ.notes]
    for k, note in enumerate(["说明："] + [f"{n + 1}. {t}" for n, t in enumerate(notes)]):
        ws.merge_range(note_row + k, 0, note_row + k, ncol - 1, note, f_note)
        ws.set_row(note_row + k, 30 if len(note) > 40 else 16)
    widths = {"序号": 6, "年度目标": 12, "完成值": 12, "完成率": 10, "排名": 7, "进度评价": 12}
    name_width = max([len(str(v)) for v in circ.table[circ.unit_header]] + [8]) * 2 + 2
    for j, col in enumerate(circ.table.columns):
        ws.set_column(j, j, widths.get(col, min(name_width, 40)))
    ws.freeze_panes(header_row + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    wb.set_properties({"title": dedupe_words(circ.title), "comments": "示例数据" if circ.is_demo else ""})
    wb.close()
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data

"""python-docx helpers: CJK fonts set on every style (w:eastAsia), tables, images, demo marking."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "仿宋_GB2312"   # 公文 body; mapped to Noto Serif CJK by the fontconfig alias for PDF
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"


def _set_font(style_or_run, east_asia: str, size: float | None = None, bold: bool | None = None,
              color: RGBColor | None = None) -> None:
    font = style_or_run.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    el = style_or_run.element
    rpr = el.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    # theme attributes override explicit names: drop them (stack-notes §3)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def new_document() -> Document:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    _set_font(doc.styles["Normal"], BODY_FONT, 12)
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13), ("Heading 3", 12)):
        st = doc.styles[name]
        _set_font(st, TITLE_FONT if name == "Title" else HEAD_FONT, size, bold=name != "Title",
                  color=RGBColor(0, 0, 0))
    _set_font(doc.styles["Table Grid"], BODY_FONT, 10)
    return doc


def title(doc, text: str, subtitle: str | None = None) -> None:
    p = doc.add_paragraph(style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(text)
    if subtitle:
        _centered_line(doc, subtitle, BODY_FONT, 12)


def demo_notice(doc, text: str = "示例数据：本报告中的数据为系统生成的演示数据，不代表真实统计。") -> None:
    _centered_line(doc, text, HEAD_FONT, 12, bold=True, color=RGBColor(0xC0, 0, 0))


def para(doc, text: str, bold: bool = False, indent: bool = True):
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    r = p.add_run(text)
    _set_font(r, BODY_FONT, 12, bold=bold)
    return p


def heading(doc, text: str, level: int = 1):
    return doc.add_heading(text, level=level)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def fmt_cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def table(doc, df: pd.DataFrame, widths_cm: list[float] | None = None, font_size: float = 9) -> None:
    t = doc.add_table(rows=1, cols=len(df.columns))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, c in enumerate(df.columns):
        cell = t.rows[0].cells[j]
        cell.text = ""
        r = cell.paragraphs[0].add_run(str(c))
        _set_font(r, HEAD_FONT, font_size, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell, "DCE6F2")
    for row in df.itertuples(index=False, name=None):
        cells = t.add_row().cells
        for j, v in enumerate(row):
            cells[j].text = ""
            r = cells[j].paragraphs[0].add_run(fmt_cell(v))
            _set_font(r, BODY_FONT, font_size)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells[j].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # repeat the header row on every page
    trpr = t.rows[0]._tr.get_or_add_trPr()
    h = OxmlElement("w:tblHeader")
    h.set(qn("w:val"), "true")
    trpr.append(h)
    if widths_cm:
        for row in t.rows:
            for j, w in enumerate(widths_cm):
                row.cells[j].width = Cm(w)


def image(doc, png: bytes, width_cm: float = 15.0, caption: str | None = None) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if caption:
        _centered_line(doc, caption, HEAD_FONT, 10)


def _centered_line(doc, text: str, font: str, size: float, **style) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(p.add_run(text), font, size, **style)


def footer_date(doc, issuer: str = "湖南省高新区创新监测评价平台") -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = p.add_run(f"{issuer}\n{date.today():%Y年%m月%d日}生成")
    _set_font(r, BODY_FONT, 12)


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

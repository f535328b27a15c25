"""python-docx helpers for A4 documents: CJK fonts set on every style and run (w:eastAsia) with
fall-back names in the font table, GB/T 9704 page layout and page numbers, tables that keep names on
one line and repeat their header row on every page, images scaled to fit the page.

GB/T 9704-2012《党政机关公文格式》: A4, margins top 37 mm / bottom 35 mm / left 28 mm / right 26 mm;
title 2号 (22 pt) 方正小标宋简体; body 3号 (16 pt) 仿宋_GB2312, 22 lines of 28 characters (fixed
line spacing ≈ 28.9 pt); first-level headings 黑体, second-level 楷体_GB2312; page numbers 4号 (14 pt)
宋体 "— 1 —" at the foot. Fonts missing on a machine fall back through the font table's altName
(Word) and the fontconfig aliases of gaoxin.reports.pdf (LibreOffice → Noto CJK)."""
from __future__ import annotations

import io
import numbers
import re
import struct
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from gaoxin import display

BODY_FONT = "仿宋_GB2312"   # 公文 body; mapped to Noto Serif CJK by the fontconfig alias for PDF
HEAD_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
TITLE_FONT = "方正小标宋简体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Word's fall-back when a 公文 font is not installed (Windows ships 仿宋, 楷体, 宋体, 黑体).
ALT_NAMES = {BODY_FONT: "仿宋", KAI_FONT: "楷体", TITLE_FONT: "宋体"}

PAGE_W, PAGE_H = 21.0, 29.7
MARGINS = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
TEXT_W = PAGE_W - MARGINS["left"] - MARGINS["right"]      # 15.6 cm
TEXT_H = PAGE_H - MARGINS["top"] - MARGINS["bottom"]      # 22.5 cm
CELL_MARGIN_TWIPS = 57                                    # 0.1 cm


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


def _font_table_fallbacks(doc) -> None:
    """<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>… so Word substitutes a font it has."""
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            part = rel.target_part
            from lxml import etree
            root = etree.fromstring(part.blob)
            for name, alt in ALT_NAMES.items():
                f = etree.SubElement(root, qn("w:font"))
                f.set(qn("w:name"), name)
                a = etree.SubElement(f, qn("w:altName"))
                a.set(qn("w:val"), alt)
                cs = etree.SubElement(f, qn("w:charset"))
                cs.set(qn("w:val"), "86")  # GB2312
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            return


def new_document(official: bool = False) -> Document:
    """An A4 document with GB/T 9704 margins. official=True (通报): body 3号 仿宋 at fixed 28.9 pt line
    spacing; otherwise (analysis reports) body 小四 12 pt."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(PAGE_H), Cm(PAGE_W)
    sec.top_margin, sec.bottom_margin = Cm(MARGINS["top"]), Cm(MARGINS["bottom"])
    sec.left_margin, sec.right_margin = Cm(MARGINS["left"]), Cm(MARGINS["right"])
    sec.footer_distance = Cm(2.8)
    body = 16 if official else 12
    normal = doc.styles["Normal"]
    _set_font(normal, BODY_FONT, body)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    if official:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(28.9)
    else:
        pf.line_spacing = 1.35
    for name, font, size, bold in (("Title", TITLE_FONT, 22, False), ("Heading 1", HEAD_FONT, body, False),
                                   ("Heading 2", KAI_FONT, body, True), ("Heading 3", BODY_FONT, body, True)):
        st = doc.styles[name]
        _set_font(st, font, size, bold=bold, color=RGBColor(0, 0, 0))
        st.font.italic = False
        st.paragraph_format.space_before = Pt(6 if name != "Title" else 0)
        st.paragraph_format.space_after = Pt(6 if name != "Title" else 12)
        st.paragraph_format.keep_with_next = True
        if name == "Title":  # the built-in Title has a blue bottom border
            ppr = st.element.get_or_add_pPr()
            for b in ppr.findall(qn("w:pBdr")):
                ppr.remove(b)
    _set_font(doc.styles["Table Grid"], BODY_FONT, 10)
    _font_table_fallbacks(doc)
    _page_numbers(doc)
    doc.core_properties.language = "zh-CN"
    return doc


def _field(run, instr: str) -> None:
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _page_numbers(doc) -> None:
    """“— 1 —” centred in the footer, 4号 宋体 (GB/T 9704 §7.5)."""
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("— ", None, " —"):
        r = p.add_run(piece or "")
        _set_font(r, PAGE_NUMBER_FONT, 14)
        if piece is None:
            _field(r, "PAGE")


def title(doc, text: str, subtitle: str | None = None, size: float = 22) -> None:
    """The title in 方正小标宋 2号, centred; `text` may hold a line break (\n) placed by the caller so
    that no line ends with a lone character."""
    p = doc.add_paragraph(style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(size * 1.5)
    for i, line in enumerate(text.split("\n")):
        r = p.add_run(line)
        _set_font(r, TITLE_FONT, size, bold=False)
        if i < len(text.split("\n")) - 1:
            r.add_break()
    if subtitle:
        _centered_line(doc, subtitle, KAI_FONT, 16)


def split_title(text: str, width: int = 20) -> str:
    """Break a long title into balanced lines of at most `width` characters (GB/T 9704: 回行时要做到
    词意完整，排列对称): break after 及/和/、/的 or before 完成情况/通报 nearest the middle."""
    if len(text) <= width:
        return text
    n_lines = -(-len(text) // width)
    target = len(text) / n_lines
    best, best_cost = None, None
    for i in range(1, len(text)):
        if len(text[:i]) > width or len(text[i:]) > width * (n_lines - 1):
            continue
        good = text[i - 1] in "及和、的）" or text[i:].startswith(("完成情况", "目标任务", "通报", "（"))
        cost = abs(i - target) + (0 if good else 6)
        if best_cost is None or cost < best_cost:
            best, best_cost = i, cost
    if best is None:
        return text
    return text[:best] + "\n" + split_title(text[best:], width)


def demo_notice(doc, text: str = "示例数据：本报告中的数据为系统生成的演示数据，不代表真实统计。") -> None:
    _centered_line(doc, text, HEAD_FONT, 12, bold=True, color=RGBColor(0xC0, 0, 0))


def para(doc, text: str, bold: bool = False, indent: bool = True, size: float | None = None):
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(2 * (size or doc.styles["Normal"].font.size.pt))
    r = p.add_run(text)
    _set_font(r, BODY_FONT, size or doc.styles["Normal"].font.size.pt, bold=bold)
    return p


def note(doc, text: str):
    """A small note under a table or chart (五号)."""
    p = para(doc, text, indent=False, size=10.5)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return p


def heading(doc, text: str, level: int = 1):
    h = doc.add_heading("", level=level)
    r = h.add_run(text)
    font = {1: HEAD_FONT, 2: KAI_FONT}.get(level, BODY_FONT)
    _set_font(r, font, doc.styles["Normal"].font.size.pt, bold=level >= 2, color=RGBColor(0, 0, 0))
    return h


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def fmt_cell(v) -> str:
    """A cell with no declared unit: whole numbers without decimals, others with two."""
    if display.is_missing(v):
        return display.rules()["missing"]
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    if isinstance(v, numbers.Integral):  # numpy.int64 from a nullable Int64 column too
        return f"{int(v):,}"
    return str(v)


def text_width_em(text: str) -> float:
    """Width of a text in ems: CJK and full-width characters 1, others about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.62 for ch in str(text)) * 1.06


def _column_widths(cells: list[list[str]], header: list[str], font_pt: float, wrap: set[int]) -> list[float]:
    """Column widths in cm that fill the text width. Every column not in `wrap` gets what its longest
    cell needs, so names, numbers and statuses never break inside a word (headers may wrap after four
    characters); the `wrap` columns (long texts) share what is left, at least four characters each.
    Only if even that does not fit are all columns shrunk alike."""
    em = font_pt / 72 * 2.54                     # cm per em
    pad = 2 * CELL_MARGIN_TWIPS / 1440 * 2.54 + 0.1  # left + right cell margins and a little air
    need = []
    for j, h in enumerate(header):
        longest = max([text_width_em(c[j]) for c in cells] + [0.0])
        head = min(text_width_em(h), 4.0)
        need.append(max(longest, head, 1.5) * em + pad)
    fixed = sum(w for j, w in enumerate(need) if j not in wrap)
    free = sum(w for j, w in enumerate(need) if j in wrap)
    room = TEXT_W - fixed
    if wrap and free > room >= len(wrap) * (4 * em + pad):
        k = room / free
        need = [w * k if j in wrap else w for j, w in enumerate(need)]
    if sum(need) > TEXT_W:
        k = TEXT_W / sum(need)
        need = [w * k for w in need]
    elif sum(need) < TEXT_W:
        grow = wrap or set(range(len(need)))
        extra = (TEXT_W - sum(need)) / len(grow)
        need = [w + extra if j in grow else w for j, w in enumerate(need)]
    return need


def _cell_paragraph(cell, text: str, font: str, size: float, bold: bool = False,
                    align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.first_line_indent = Pt(0)
    _set_font(p.add_run(text), font, size, bold=bold)


def table(doc, df: pd.DataFrame, widths_cm: list[float] | None = None, font_size: float = 9,
          nowrap: list[str] | None = None, formats: dict | None = None, bold_last: bool = False,
          wrap: list[str] | None = None) -> None:
    """A bordered table that fits the text width. `nowrap`: columns (zone or unit names) never broken
    inside a word; `wrap`: columns that may wrap (default: texts longer than 8 characters not in nowrap); `formats`: column → function(value, row) → text (units, percentages); the header
    row repeats on every page."""
    formats = formats or {}
    cols = list(df.columns)
    texts = []
    for row in df.itertuples(index=False, name=None):
        rec = dict(zip(cols, row))
        texts.append([formats[c](v, rec) if c in formats else fmt_cell(v) for c, v in zip(cols, row)])
    nw = {cols.index(c) for c in (nowrap or []) if c in cols}
    if wrap is None:  # long texts may wrap; everything else (names, figures, statuses) stays whole
        wrap = [c for j, c in enumerate(cols) if j not in nw and
                max([text_width_em(r[j]) for r in texts] + [0]) > 8]
    wr = {cols.index(c) for c in wrap if c in cols}
    widths = widths_cm or _column_widths(texts, [str(c) for c in cols], font_size, wr)
    t = doc.add_table(rows=1, cols=len(cols))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tblpr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    look = tblpr.find(qn("w:tblLook"))  # schema order: … tblLayout, tblCellMar, tblLook
    (look.addprevious if look is not None else tblpr.append)(layout)
    mar = OxmlElement("w:tblCellMar")  # narrow cell margins (0.1 cm), so figures need less room
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        m.set(qn("w:type"), "dxa")
        mar.append(m)
    layout.addnext(mar)
    for j, c in enumerate(cols):
        cell = t.rows[0].cells[j]
        _cell_paragraph(cell, str(c), HEAD_FONT, font_size, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell, "DCE6F2")
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in cols]
    last = len(texts) - 1
    for i, row in enumerate(texts):
        cells = t.add_row().cells
        for j, txt in enumerate(row):
            align = WD_ALIGN_PARAGRAPH.RIGHT if numeric[j] or _NUMBER_TEXT.match(txt) \
                else WD_ALIGN_PARAGRAPH.CENTER if len(txt) <= 6 and j not in nw else WD_ALIGN_PARAGRAPH.LEFT
            _cell_paragraph(cells[j], txt, HEAD_FONT if bold_last and i == last else BODY_FONT, font_size,
                            align=align)
    for i, row in enumerate(t.rows):
        trpr = row._tr.get_or_add_trPr()
        # no w:cantSplit: LibreOffice (7.x/24.x) then drops the rows of a table that starts at a page
        # foot from the PDF (seen on the 通报; checked by tests/reports)
        if i == 0:  # repeat the header row on every page
            h = OxmlElement("w:tblHeader")
            h.set(qn("w:val"), "true")
            trpr.append(h)
        for j, w in enumerate(widths):
            row.cells[j].width = Cm(w)
    grid = t._tbl.tblGrid
    for j, gc in enumerate(grid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(int(widths[j] / 2.54 * 1440)))


_NUMBER_TEXT = re.compile(r"^(年均)?[-+]?\d[\d,.]*(%|[^\d\s]{0,3})$")


def _png_size(png: bytes) -> tuple[int, int]:
    w, h = struct.unpack(">II", png[16:24])
    return w, h


def image(doc, png: bytes, width_cm: float = 15.0, caption: str | None = None,
          max_height_cm: float = TEXT_H - 2.0) -> None:
    """A picture no wider than the text and no taller than the page (minus room for its caption)."""
    w, h = _png_size(png)
    width = min(width_cm, TEXT_W)
    if width * h / w > max_height_cm:
        width = max_height_cm * w / h
    doc.add_picture(io.BytesIO(png), width=Cm(width))
    p = doc.paragraphs[-1]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.keep_with_next = bool(caption)
    if caption:
        _centered_line(doc, caption, HEAD_FONT, 10.5)


def _centered_line(doc, text: str, font: str, size: float, **style) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    _set_font(p.add_run(text), font, size, **style)


def footer_date(doc, issuer: str = "湖南省高新区创新监测评价平台") -> None:
    size = doc.styles["Normal"].font.size.pt
    today = datetime.now(ZoneInfo(display.TIMEZONE)).date()
    for text in (issuer, f"{today.year}年{today.month}月{today.day}日生成"):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(2 * size)
        _set_font(p.add_run(text), BODY_FONT, size)


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

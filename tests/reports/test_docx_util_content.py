"""The Word building blocks of gaoxin.reports.docx_util as a reader (and Word) meets them: GB/T 9704
page and styles, fonts by name and size, the font table's fall-backs, page numbers, titles broken into
balanced lines, paragraphs, tables (cell texts, widths, alignment, repeated header) and pictures.
Expected values are worked out by hand from the rules in the module's docstrings."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import RGBColor

from gaoxin.reports import docx_util as D

L, C, R = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
BLACK = RGBColor(0, 0, 0)


def png(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def reopen(doc):
    return Document(io.BytesIO(D.to_bytes(doc)))


def fonts(el) -> tuple:
    """(eastAsia, ascii, hAnsi) of a style's or run's w:rFonts."""
    rpr = el.element.rPr if hasattr(el, "element") else el._element.rPr
    assert len(rpr.findall(qn("w:rFonts"))) == 1  # one set of font names, not two competing ones
    rf = rpr.find(qn("w:rFonts"))
    return rf.get(qn("w:eastAsia")), rf.get(qn("w:ascii")), rf.get(qn("w:hAnsi"))


def run_props(r) -> tuple:
    """(text, eastAsia font, size pt, bold)"""
    return r.text, fonts(r)[0], r.font.size.pt if r.font.size else None, r.font.bold


# --------------------------------------------------------------------------- page and styles

@pytest.mark.parametrize("official, body, rule, spacing", [
    (True, 16.0, WD_LINE_SPACING.EXACTLY, 28.9),   # 公文: 3号 at fixed 28.9 pt
    (False, 12.0, WD_LINE_SPACING.MULTIPLE, 1.35),  # analysis report: 小四, 1.35 lines
])
def test_new_document_page_and_styles(official, body, rule, spacing):
    d = reopen(D.new_document(official=official))
    sec = d.sections[0]
    # A4, margins 37 / 35 / 28 / 26 mm, footer 28 mm from the edge
    assert (round(sec.page_width.mm, 1), round(sec.page_height.mm, 1)) == (210.0, 297.0)
    assert [round(x.mm, 1) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
        [37.0, 35.0, 28.0, 26.0]
    assert round(sec.footer_distance.mm, 1) == 28.0
    normal = d.styles["Normal"]
    assert fonts(normal) == ("仿宋_GB2312", "Times New Roman", "Times New Roman")
    assert normal.font.size.pt == body
    pf = normal.paragraph_format
    assert (pf.space_before.pt, pf.space_after.pt) == (0.0, 0.0)
    assert pf.line_spacing_rule == rule
    got = pf.line_spacing.pt if official else pf.line_spacing
    assert got == pytest.approx(spacing)
    # Title 方正小标宋 22 pt; headings 黑体 / 楷体 (bold) / 仿宋 (bold) at body size; all black, upright
    expected = {"Title": ("方正小标宋简体", 22.0, False, 0.0, 12.0), "Heading 1": ("黑体", body, False, 6.0, 6.0),
                "Heading 2": ("楷体_GB2312", body, True, 6.0, 6.0), "Heading 3": ("仿宋_GB2312", body, True, 6.0, 6.0)}
    for name, (font, size, bold, before, after) in expected.items():
        st = d.styles[name]
        assert fonts(st) == (font, "Times New Roman", "Times New Roman"), name
        assert (st.font.size.pt, st.font.bold, st.font.italic, st.font.color.rgb) == (size, bold, False, BLACK), name
        f = st.paragraph_format
        assert (f.space_before.pt, f.space_after.pt, f.keep_with_next) == (before, after, True), name
        # theme fonts would override the names: none is left
        rf = st.element.rPr.find(qn("w:rFonts"))
        assert not [a for a in rf.attrib if a.endswith("Theme") or a.endswith("cstheme")], name
    # the built-in Title's blue bottom border is gone
    assert d.styles["Title"].element.pPr.find(qn("w:pBdr")) is None
    grid = d.styles["Table Grid"]
    assert (fonts(grid)[0], grid.font.size.pt) == ("仿宋_GB2312", 10.0)
    assert d.core_properties.language == "zh-CN"


def test_font_table_names_fallbacks_for_gb2312_fonts():
    with zipfile.ZipFile(io.BytesIO(D.to_bytes(D.new_document()))) as z:
        xml = z.read("word/fontTable.xml").decode("utf-8")
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>")
    found = re.findall(r'<w:font w:name="([^"]+)"><w:altName w:val="([^"]+)"/><w:charset w:val="([^"]+)"/></w:font>', xml)
    assert found == [("仿宋_GB2312", "仿宋", "86"), ("楷体_GB2312", "楷体", "86"), ("方正小标宋简体", "宋体", "86")]


def test_page_number_is_a_centred_page_field_in_song_14pt():
    d = reopen(D.new_document(official=True))
    p = d.sections[0].footer.paragraphs[0]
    assert p.alignment == C
    assert [run_props(r) for r in p.runs] == [("— ", "宋体", 14.0, None), ("1", "宋体", 14.0, None),
                                              (" —", "宋体", 14.0, None)]
    middle = p.runs[1]._r
    parts = [(el.tag.split("}")[1], el.get(qn("w:fldCharType")), el.text) for el in middle
             if el.tag != qn("w:rPr")]
    assert parts == [("fldChar", "begin", None), ("instrText", None, " PAGE "), ("fldChar", "separate", None),
                     ("t", None, "1"), ("fldChar", "end", None)]
    assert middle.find(qn("w:instrText")).get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"


# --------------------------------------------------------------------------- titles

def test_title_lines_size_and_subtitle():
    doc = D.new_document(official=True)
    D.title(doc, "第一行\n第二行", "副标题")
    d = reopen(doc)
    t, sub = d.paragraphs[0], d.paragraphs[1]
    assert t.style.name == "Title" and t.alignment == C
    assert t.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert t.paragraph_format.line_spacing.pt == 33.0  # 22 × 1.5
    assert [run_props(r) for r in t.runs] == [("第一行\n", "方正小标宋简体", 22.0, False), ("第二行", "方正小标宋简体", 22.0, False)]
    assert len(t._p.findall(".//" + qn("w:br"))) == 1  # a break after the first line only
    assert sub.alignment == C and sub.paragraph_format.first_line_indent.pt == 0
    assert [run_props(r) for r in sub.runs] == [("副标题", "楷体_GB2312", 16.0, None)]
    # no subtitle: nothing after the title
    doc = D.new_document()
    D.title(doc, "单行标题", size=20)
    d = reopen(doc)
    assert [p.text for p in d.paragraphs] == ["单行标题"]
    assert [run_props(r) for r in d.paragraphs[0].runs] == [("单行标题", "方正小标宋简体", 20.0, False)]
    assert d.paragraphs[0].paragraph_format.line_spacing.pt == 30.0


@pytest.mark.parametrize("text, width, expected", [
    ("一" * 20, 20, "一" * 20),  # exactly the width: one line
    # 28 characters in two lines around 14: before 目标任务 (18, 4 from the middle) beats any plain break
    ("湖南省高新技术产业开发区创新驱动发展目标任务完成情况通报", 20,
     "湖南省高新技术产业开发区创新驱动发展\n目标任务完成情况通报"),
    # no good break in 21 characters: the middle, 10.5, is as near to 10 as to 11 — the first wins
    ("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌", 20, "甲乙丙丁戊己庚辛壬癸\n子丑寅卯辰巳午未申酉戌"),
    # after 及 (7 of 13, middle 6.5) and after ） (7 of 14)
    ("长株潭高新区及各市州高新区", 10, "长株潭高新区及\n各市州高新区"),
    ("（二〇二五年）高新区目标情况", 10, "（二〇二五年）\n高新区目标情况"),
    ("关于高新区的创新能力评价", 10, "关于高新区的\n创新能力评价"),
    ("年度高新区和园区的绩效考核", 10, "年度高新区和\n园区的绩效考核"),
    ("各县市区高新区目标任务通报", 10, "各县市区高新区\n目标任务通报"),
    # 45 characters in three lines of 15
    ("一二三四五六七八九十" * 4 + "甲乙丙丁戊", 20,
     "一二三四五六七八九十一二三四五\n六七八九十一二三四五六七八九十\n一二三四五六七八九十甲乙丙丁戊"),
    ("一二三四五", 4, "一二\n三四五"),
    # a good break exactly at the width (after 及, 10 of 11) or leaving exactly one width (after 1 of 11)
    ("一二三四五六七八九及十", 10, "一二三四五六七八九及\n十"),
    ("及一二三四五六七八九十", 10, "及\n一二三四五六七八九十"),
    ("甲乙", 1, "甲\n乙"),
    # before 完成情况 / 通报 / （ (7 of 16, middle 8)
    ("甲乙丙丁戊己庚完成情况数据统计表", 10, "甲乙丙丁戊己庚\n完成情况数据统计表"),
    ("甲乙丙丁戊己庚通报数据统计表说明", 10, "甲乙丙丁戊己庚\n通报数据统计表说明"),
    ("甲乙丙丁戊己庚（数据统计表说明）", 10, "甲乙丙丁戊己庚\n（数据统计表说明）"),
    ("甲乙丙丁戊己庚目标任务数据统计表", 10, "甲乙丙丁戊己庚\n目标任务数据统计表"),
])
def test_split_title_balances_lines(text, width, expected):
    assert D.split_title(text, width) == expected
    assert max(len(line) for line in expected.split("\n")) <= width


def test_split_title_default_width_is_20():
    assert D.split_title("一" * 20) == "一" * 20
    assert D.split_title("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌") == "甲乙丙丁戊己庚辛壬癸\n子丑寅卯辰巳午未申酉戌"


# --------------------------------------------------------------------------- paragraphs

def test_para_note_heading_and_demo_notice():
    doc = D.new_document(official=True)
    D.para(doc, "正文段落")
    D.para(doc, "加粗不缩进", bold=True, indent=False)
    D.para(doc, "小字", size=10)
    D.note(doc, "注：说明")
    D.heading(doc, "一、标题")
    D.heading(doc, "（一）二级", 2)
    D.heading(doc, "1. 三级", 3)
    D.demo_notice(doc)
    D.demo_notice(doc, "另一提示")
    d = reopen(doc)
    ps = d.paragraphs
    assert [p.text for p in ps] == ["正文段落", "加粗不缩进", "小字", "注：说明", "一、标题", "（一）二级", "1. 三级",
                                    "示例数据：本报告中的数据为系统生成的演示数据，不代表真实统计。", "另一提示"]
    # body text: first line indented by two characters of its size
    assert [run_props(r) for r in ps[0].runs] == [("正文段落", "仿宋_GB2312", 16.0, False)]
    assert ps[0].paragraph_format.first_line_indent.pt == 32.0
    assert [run_props(r) for r in ps[1].runs] == [("加粗不缩进", "仿宋_GB2312", 16.0, True)]
    assert ps[1].paragraph_format.first_line_indent is None
    assert [run_props(r) for r in ps[2].runs] == [("小字", "仿宋_GB2312", 10.0, False)]
    assert ps[2].paragraph_format.first_line_indent.pt == 20.0
    # a note: 五号 (10.5 pt), not indented, single spacing
    assert [run_props(r) for r in ps[3].runs] == [("注：说明", "仿宋_GB2312", 10.5, False)]
    assert ps[3].paragraph_format.first_line_indent is None
    assert ps[3].paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE
    # headings: 黑体, 楷体 bold, 仿宋 bold, all at body size and black
    assert [(p.style.name, *run_props(p.runs[-1])) for p in ps[4:7]] == [
        ("Heading 1", "一、标题", "黑体", 16.0, False), ("Heading 2", "（一）二级", "楷体_GB2312", 16.0, True),
        ("Heading 3", "1. 三级", "仿宋_GB2312", 16.0, True)]
    assert {p.runs[-1].font.color.rgb for p in ps[4:7]} == {BLACK}
    # the demo banner: centred 黑体 12 pt bold in dark red
    for p in ps[7:9]:
        assert p.alignment == C and p.paragraph_format.first_line_indent.pt == 0
        assert run_props(p.runs[0])[1:] == ("黑体", 12.0, True)
        assert p.runs[0].font.color.rgb == RGBColor(0xC0, 0, 0)


def test_para_indent_follows_analysis_body_size():
    doc = D.new_document()
    D.para(doc, "正文")
    D.heading(doc, "标题")
    p, h = reopen(doc).paragraphs
    assert p.paragraph_format.first_line_indent.pt == 24.0
    assert run_props(p.runs[0]) == ("正文", "仿宋_GB2312", 12.0, False)
    assert run_props(h.runs[-1]) == ("标题", "黑体", 12.0, False)


class _FixedNow(datetime):
    @classmethod
    def now(cls, tz=None):
        t = datetime(2025, 12, 31, 17, 0, tzinfo=timezone.utc)  # 2026-01-01 01:00 in Beijing
        return t.astimezone(tz) if tz is not None else t.replace(tzinfo=None)


def test_footer_date_in_beijing_time(monkeypatch):
    monkeypatch.setattr(D, "datetime", _FixedNow)
    doc = D.new_document(official=True)
    D.footer_date(doc)
    D.footer_date(doc, "某某单位")
    ps = reopen(doc).paragraphs
    assert [p.text for p in ps] == ["湖南省高新区创新监测评价平台", "2026年1月1日生成", "某某单位", "2026年1月1日生成"]
    for p in ps:
        assert p.alignment == R and p.paragraph_format.right_indent.pt == 32.0
        assert run_props(p.runs[0])[1:] == ("仿宋_GB2312", 16.0, None)


# --------------------------------------------------------------------------- cells

@pytest.mark.parametrize("value, text", [
    (None, "—"), (float("nan"), "—"), (pd.NA, "—"), (True, "是"), (False, "否"),
    (1234.0, "1,234"), (1234.567, "1,234.57"), (0.5, "0.50"), (1234567, "1,234,567"), ("文本", "文本"),
])
def test_fmt_cell(value, text):
    assert D.fmt_cell(value) == text


@pytest.mark.parametrize("text, ems", [
    ("高新区", 3 * 1.06), ("AB12", 4 * 0.62 * 1.06), ("", 0.0), ("±", 1.06), ("ａ", 1.06), (5, 0.62 * 1.06),
])
def test_text_width_em(text, ems):
    assert D.text_width_em(text) == pytest.approx(ems)


# --------------------------------------------------------------------------- tables

EM9 = 9 / 72 * 2.54                       # cm per em at 9 pt
PAD = 2 * 57 / 1440 * 2.54 + 0.1          # two cell margins of 57 twips and 0.1 cm of air
NAME = 4 * 1.06 * EM9 + PAD               # "甲高新区": four CJK characters
LONG18 = "这是一段需要换行的很长的说明文字内容"  # 18 characters


def _table(df, **kw):
    doc = D.new_document()
    D.table(doc, df, **kw)
    d = reopen(doc)
    return d.tables[0], D.to_bytes(doc)


def _widths(t) -> list[float]:
    return [c.width.cm for c in t.rows[0].cells]


def test_table_grows_every_column_when_nothing_wraps():
    t, _ = _table(pd.DataFrame({"名称": ["甲高新区"], "数值": [1.5]}))
    value = 4 * 0.62 * 1.06 * EM9 + PAD   # "1.50"
    extra = (15.6 - NAME - value) / 2
    assert _widths(t) == pytest.approx([NAME + extra, value + extra], abs=0.002)


def test_table_gives_the_room_left_to_the_long_text():
    t, xml = _table(pd.DataFrame({"名称": ["甲高新区"], "说明": [LONG18]}))
    assert _widths(t) == pytest.approx([NAME, 15.6 - NAME], abs=0.002)
    with zipfile.ZipFile(io.BytesIO(xml)) as z:
        doc_xml = z.read("word/document.xml").decode("utf-8")
    grid = [int(x) for x in re.findall(r'<w:gridCol w:w="(\d+)"/>', doc_xml)]
    assert grid == [int(NAME / 2.54 * 1440), int((15.6 - NAME) / 2.54 * 1440)]
    # a text that needs more than the room left is narrowed to it
    t, _ = _table(pd.DataFrame({"名称": ["甲高新区"], "说明": ["长" * 60]}))
    assert _widths(t) == pytest.approx([NAME, 15.6 - NAME], abs=0.002)
    # told that nothing wraps: both columns grow alike
    t, _ = _table(pd.DataFrame({"名称": ["甲高新区"], "说明": [LONG18]}), wrap=[])
    long = 18 * 1.06 * EM9 + PAD
    extra = (15.6 - NAME - long) / 2
    assert _widths(t) == pytest.approx([NAME + extra, long + extra], abs=0.002)


def test_table_header_width_is_capped_and_columns_have_a_minimum():
    df = pd.DataFrame({"得分同比变化（分）": ["+1.50"], "A": [1], "说明": [LONG18]})
    t, _ = _table(df)
    head = 4.0 * EM9 + PAD     # a header wraps after four characters
    least = 1.5 * EM9 + PAD    # no column narrower than 1.5 characters
    assert _widths(t) == pytest.approx([head, least, 15.6 - head - least], abs=0.002)


def test_table_too_wide_is_shrunk_alike():
    cols = [f"列{i}" for i in range(6)]
    df = pd.DataFrame({c: ["甲" * 12] for c in cols})
    t, _ = _table(df, nowrap=cols)
    assert _widths(t) == pytest.approx([2.6] * 6, abs=0.002)  # 15.6 cm shared by six equal columns
    t, _ = _table(df, widths_cm=[1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    assert _widths(t) == pytest.approx([1.0, 2.0, 3.0, 1.0, 2.0, 3.0], abs=0.002)


def test_table_cells_alignment_fonts_and_header():
    df = pd.DataFrame({
        "高新区": ["甲高新区", "合计"], "级别": ["国家级", "—"], "备注": ["六个字的备注", "七个字的备注啊"],
        "完成率": ["12.5%", "年均3.2%"], "数量": [10, 20], "达标": [True, False], "区间": ["1–2", "3家"]})
    t, docx = _table(df, nowrap=["高新区"], bold_last=True, font_size=8,
                     formats={"数量": lambda v, row: f"{v}家（{row['级别']}）"})
    assert [[c.text for c in row.cells] for row in t.rows] == [
        ["高新区", "级别", "备注", "完成率", "数量", "达标", "区间"],
        ["甲高新区", "国家级", "六个字的备注", "12.5%", "10家（国家级）", "是", "1–2"],
        ["合计", "—", "七个字的备注啊", "年均3.2%", "20家（—）", "否", "3家"]]
    align = [[c.paragraphs[0].alignment for c in row.cells] for row in t.rows]
    # header centred; names kept whole (left); texts of up to 6 characters centred, longer left;
    # numbers (numeric columns, or texts that read as a number) right
    assert align == [[C] * 7, [L, C, C, R, R, C, C], [L, C, L, R, R, C, R]]
    runs = [[run_props(c.paragraphs[0].runs[-1])[1:] for c in row.cells] for row in t.rows]
    assert runs[0] == [("黑体", 8.0, False)] * 7
    assert runs[1] == [("仿宋_GB2312", 8.0, False)] * 7
    assert runs[2] == [("黑体", 8.0, False)] * 7  # the last (total) row in 黑体
    for row in t.rows:
        pf = row.cells[0].paragraphs[0].paragraph_format
        assert pf.line_spacing_rule == WD_LINE_SPACING.SINGLE and pf.first_line_indent.pt == 0
    assert t.style.name == "Table Grid" and t.alignment == WD_TABLE_ALIGNMENT.CENTER
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    # the header row repeats on every page, the header cells are shaded
    assert xml.count('<w:tblHeader w:val="true"/>') == 1
    assert re.search(r'<w:tr[^>]*><w:trPr><w:tblHeader w:val="true"/></w:trPr>', xml)
    assert xml.count('<w:shd w:val="clear" w:color="auto" w:fill="DCE6F2"/>') == 7
    # fixed layout and 0.1 cm (57 twips) cell margins, in schema order before tblLook
    assert re.search(r'<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="57" w:type="dxa"/>'
                     r'<w:right w:w="57" w:type="dxa"/></w:tblCellMar><w:tblLook', xml)
    assert 'w:type="autofit"' not in xml


def test_table_last_row_plain_unless_asked():
    t, _ = _table(pd.DataFrame({"名称": ["甲", "合计"]}))
    assert [fonts(r.cells[0].paragraphs[0].runs[-1])[0] for r in t.rows] == ["黑体", "仿宋_GB2312", "仿宋_GB2312"]
    assert [r.cells[0].paragraphs[0].runs[-1].font.size.pt for r in t.rows] == [9.0, 9.0, 9.0]


# --------------------------------------------------------------------------- pictures

def test_image_fits_the_text_width_and_height():
    doc = D.new_document()
    D.image(doc, png(1000, 500))                       # default 15 cm wide
    D.image(doc, png(1000, 500), 20.0)                 # wider than the text: 15.6 cm
    D.image(doc, png(500, 1000))                       # tall: held to 22.5 − 2 = 20.5 cm high
    D.image(doc, png(1000, 1000), 15.0, "图1  说明", max_height_cm=10.0)
    d = reopen(doc)
    sizes = [(round(s.width.cm, 2), round(s.height.cm, 2)) for s in d.inline_shapes]
    assert sizes == [(15.0, 7.5), (15.6, 7.8), (10.25, 20.5), (10.0, 10.0)]
    ps = d.paragraphs
    assert [p.text for p in ps] == ["", "", "", "", "图1  说明"]
    for p in ps[:4]:
        assert p.alignment == C and p.paragraph_format.first_line_indent.pt == 0
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE
    # a picture stays on the page of its caption; one without a caption is not tied to the next paragraph
    assert [p.paragraph_format.keep_with_next for p in ps[:4]] == [False, False, False, True]
    assert ps[4].alignment == C
    assert run_props(ps[4].runs[0]) == ("图1  说明", "黑体", 10.5, None)


def test_to_bytes_is_a_word_file():
    doc = D.new_document()
    D.para(doc, "内容")
    data = D.to_bytes(doc)
    assert data[:2] == b"PK"
    assert [p.text for p in Document(io.BytesIO(data)).paragraphs] == ["内容"]


def test_table_text_over_eight_characters_wraps():
    # 8 CJK characters (8.48 ems) may wrap and take the room left; 7 (7.42 ems) stay whole
    t, _ = _table(pd.DataFrame({"名称": ["甲高新区"], "说明": ["一二三四五六七八"]}))
    assert _widths(t) == pytest.approx([NAME, 15.6 - NAME], abs=0.002)
    t, _ = _table(pd.DataFrame({"名称": ["甲高新区"], "说明": ["一二三四五六七"]}))
    seven = 7 * 1.06 * EM9 + PAD
    extra = (15.6 - NAME - seven) / 2
    assert _widths(t) == pytest.approx([NAME + extra, seven + extra], abs=0.002)


def test_table_wrap_column_narrowed_to_at_least_four_characters():
    """Two whole names of 19 and 20 characters leave 1.87 cm: more than four characters (4 ems + margins
    = 1.57 cm), so the long text is narrowed to that room and the names keep their widths."""
    a, b = 19 * 1.06 * EM9 + PAD, 20 * 1.06 * EM9 + PAD
    df = pd.DataFrame({"甲": ["一" * 19], "乙": ["二" * 20], "说明": [LONG18]})
    t, _ = _table(df, nowrap=["甲", "乙"])
    assert _widths(t) == pytest.approx([a, b, 15.6 - a - b], abs=0.002)
    # two names of 20 characters leave 1.54 cm, less than four characters: everything shrinks alike
    c = 20 * 1.06 * EM9 + PAD
    long = 18 * 1.06 * EM9 + PAD
    k = 15.6 / (2 * c + long)
    t, _ = _table(pd.DataFrame({"甲": ["一" * 20], "乙": ["二" * 20], "说明": [LONG18]}), nowrap=["甲", "乙"])
    assert _widths(t) == pytest.approx([c * k, c * k, long * k], abs=0.002)


def test_table_groups_thousands_in_nullable_integer_columns():
    t, _ = _table(pd.DataFrame({"企业数": pd.array([12345, pd.NA], dtype="Int64"),
                                "人数": np.array([12345, 1], dtype="int64")}))
    assert [[c.text for c in row.cells] for row in t.rows] == [["企业数", "人数"], ["12,345", "12,345"], ["—", "1"]]

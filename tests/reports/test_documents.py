"""The 通报 and the annual report as a reader gets them: text of the Word file (and of the PDF where
LibreOffice is installed), fonts and layout marks, charts that fit the page. Inputs are hand-made
frames shaped like the services' results; expected strings are written by hand."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from gaoxin.reports import circular_docx as C, docx_util as D
from gaoxin.reports.zone_evaluation import build as build_zone
from gaoxin.targets.circular import CircularTable

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
FORBIDDEN = re.compile(r"\bnan\b|\bNaN\b|\bNone\b|undefined|HN-[A-Z]|[a-z]-20\d\d-20\d\d|\.txt|\.yaml|\.csv|\.py\b"
                       r"|/reference/|github|minmax|arithmetic|zscore|geometric|高新区高新区|各省级高新区每个",
                       re.IGNORECASE)
needs_lo = pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice"))
                              or not shutil.which("pdftotext"), reason="LibreOffice / poppler not installed")


def _xml(docx: bytes, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read(part).decode("utf-8")


def _text(docx: bytes) -> str:
    d = Document(io.BytesIO(docx))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.append("|".join(c.text for c in row.cells))
    return "\n".join(parts)


def _progress() -> pd.DataFrame:
    # three targets of two plans; the first is at its base year (no time elapsed), the second a
    # count, the third a money figure in 万元 large enough to read in 亿元
    return pd.DataFrame({
        "plan_id": ["hunan-zones-2026-2028", "hunan-zones-2026-2028", "hunan-zones-2017-2019"],
        "indicator_name": ["高新区高新技术企业数量", "国家高新区数量", "每个省级高新区拥有的省级众创空间数"],
        "scope_name": ["全省高新区", "湖南省", "各省级高新区"],
        "unit": ["家", "家", "个"], "kind": ["count", "count", "count"],
        "target_year": [2028, 2028, 2019], "target_value": [7800.0, 10.0, 2.0], "actual": [5019.0, 9.0, 1.0],
        "progress": [0.0, 0.0, 0.5], "time_elapsed": [0.0, 0.0, 1.0],
        "status": ["进度正常", "进度正常", "逾期未完成"],
        "message": ["", "", "已过目标年份（2019年），截至该年未达到目标"],
    })


def _circular() -> CircularTable:
    table = pd.DataFrame({"序号": pd.array([1, 2, pd.NA], dtype="Int64"),
                          "县市区（园区）": ["湘潭高新区", "湘潭经开区", "合计"],
                          "年度目标": [10.0, 8.0, 18.0], "完成值": [12.0, 4.0, 16.0],
                          "完成率": [1.2, 0.5, 16 / 18], "排名": pd.array([1, 2, pd.NA], dtype="Int64"),
                          "进度评价": ["已完成", "严重滞后", "进度滞后"]})
    return CircularTable("t1", "湘潭市高新区高新技术企业数量目标任务完成情况通报（截至2024年）",
                         "单位：家　　依据：004_5ad5552d415be116.txt 附件2", "县市区（园区）", "家", 2024, table,
                         ["年度目标来源：004_5ad5552d415be116.txt 附件2。",
                          "阈值依据：Open SDG（open-sdg/open-sdg docs/progress-methodology.md）"], is_demo=True)


PLAN_NAMES = {"hunan-zones-2026-2028": "《湖南省高新技术产业开发区提质增效三年行动计划（2026—2028年）》（湘科发〔2025〕96号）",
              "hunan-zones-2017-2019": "《湖南省高新技术产业开发区创新驱动发展提质升级三年行动方案（2017—2019年）》"}


@pytest.fixture
def circular_docx() -> bytes:
    p = _progress()
    return C.build(2025, p, p[p["status"] == "逾期未完成"], [_circular()], True, plan_names=PLAN_NAMES)


def test_circular_reads_as_an_official_document(circular_docx):
    text = _text(circular_docx)
    assert FORBIDDEN.search(text) is None, FORBIDDEN.search(text)
    # sources by title and 文号 (004 is 潭政办发〔2023〕33号), never a file name
    assert "《湘潭市推动科技创新“133”行动计划（2023—2025年）》（潭政办发〔2023〕33号） 附件2" in text
    assert "Open SDG《进度评估方法说明》" in text
    # counts with units as integers; the base-year row says 基期 instead of "0.0% 进度正常"
    assert "|7,800家|5,019家|基期|进度正常" in text
    assert "|10家|9家|基期|进度正常" in text
    assert not re.search(r"(?<![\d.])0\.0%", text)
    # scope + name without doubled words
    assert "全省高新区高新技术企业数量" in text and "高新区高新区" not in text
    assert "1. 每个省级高新区拥有的省级众创空间数：逾期未完成，完成进度50.0%" in text
    # the circular table: completion rates in percent, counts as integers, the total row 88.9 % (16 ÷ 18)
    assert "|湘潭高新区|10家|12家|120.0%|1|已完成" in text
    assert "|合计|18家|16家|88.9%|—|进度滞后" in text
    # each plan as a heading by its title and 文号
    assert "（一）《湖南省高新技术产业开发区提质增效三年行动计划（2026—2028年）》（湘科发〔2025〕96号）" in text


def test_circular_layout_follows_gb9704(circular_docx):
    xml = _xml(circular_docx)
    d = Document(io.BytesIO(circular_docx))
    sec = d.sections[0]
    # A4 with 37 / 35 / 28 / 26 mm margins (GB/T 9704 §5.2.1); python-docx lengths are EMU (36,000 per mm)
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [37, 35, 28, 26]
    # title 方正小标宋简体 2号 (22 pt = w:sz 44 half-points); body 仿宋_GB2312 3号 (16 pt = 32)
    assert re.search(r'w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/>', xml.replace('<w:sz w:val="44"/><w:szCs', "")) \
        or ('w:eastAsia="方正小标宋简体"' in xml and '<w:sz w:val="44"/>' in xml)
    styles = _xml(circular_docx, "word/styles.xml")
    assert 'w:eastAsia="仿宋_GB2312"' in styles and '<w:sz w:val="32"/>' in styles
    # page numbers: a PAGE field in the footer
    footer = _xml(circular_docx, "word/footer1.xml") if "word/footer1.xml" in zipfile.ZipFile(io.BytesIO(circular_docx)).namelist() \
        else "".join(_xml(circular_docx, n) for n in zipfile.ZipFile(io.BytesIO(circular_docx)).namelist() if "footer" in n)
    assert "PAGE" in footer and "—" in footer
    # long tables repeat their header row on every page
    assert xml.count("<w:tblHeader") == len(d.tables)
    # Word falls back to 仿宋 when 仿宋_GB2312 is missing
    fonts = _xml(circular_docx, "word/fontTable.xml")
    assert re.search(r'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>', fonts)


def test_title_is_split_without_a_lone_character():
    assert D.split_title("全省高新区及科技创新规划目标任务完成情况通报") == "全省高新区及科技创新规划\n目标任务完成情况通报"
    assert D.split_title("短标题") == "短标题"


def test_join_scope_never_doubles():
    assert C.join_scope("全省高新区", "高新区高新技术企业数量") == "全省高新区高新技术企业数量"
    assert C.join_scope("各省级高新区", "每个省级高新区拥有的省级众创空间数") == "每个省级高新区拥有的省级众创空间数"
    assert C.join_scope("长沙、株洲、湘潭国家高新区", "长株潭国家高新区每区规划的千亿创新型产业集群数") == \
        "长株潭国家高新区每区规划的千亿创新型产业集群数"
    assert C.join_scope("湖南省", "国家高新区数量") == "湖南省国家高新区数量"
    assert C.dedupe_words("全省高新区高新区高新技术企业") == "全省高新区高新技术企业"


def test_zone_report_text(zone_eval_input):
    docx = build_zone(zone_eval_input)
    text = _text(docx)
    assert FORBIDDEN.search(text) is None, FORBIDDEN.search(text)
    assert "标准化方法：最小—最大标准化" in text and "聚合方法：加权算术平均" in text
    # 52 zones, 9 national (zones.csv), counted as integers
    assert "本次评价覆盖全省 52 家高新区（其中国家级 9 家、省级 43 家）" in text
    # every zone of the ranking table in one cell under its short name
    names = {n.replace("高新技术产业开发区", "高新区") for n in zone_eval_input.ranking["name"]}
    cells = {row.cells[1].text for row in Document(io.BytesIO(docx)).tables[0].rows[1:]}
    assert names == cells


def test_zone_report_charts_fit_the_page(zone_eval_input):
    d = Document(io.BytesIO(build_zone(zone_eval_input)))
    shapes = d.inline_shapes
    assert len(shapes) == 2
    for s in shapes:  # no picture taller than the text area (22.5 cm) or wider than it (15.6 cm)
        assert s.height.cm <= D.TEXT_H - 1.9 and s.width.cm <= D.TEXT_W + 0.01


def test_zone_names_keep_their_column_width(zone_eval_input):
    """A name column is as wide as its longest name at the table's font size: 岳阳绿色化工高新区 (9
    characters at 8 pt ≈ 9 × 0.282 cm = 2.54 cm) fits without a break."""
    d = Document(io.BytesIO(build_zone(zone_eval_input)))
    t = d.tables[0]
    width = t.rows[1].cells[1].width.cm
    longest = max(len(c.text) for c in (r.cells[1] for r in t.rows[1:]))
    assert width >= longest * 8 / 72 * 2.54


@needs_lo
def test_pdfs_render_every_row_and_page_numbers(zone_eval_input, circular_docx):
    from gaoxin.reports.pdf import docx_to_pdf
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stem, docx in (("annual_report", build_zone(zone_eval_input)), ("circular", circular_docx)):
        pdf = ARTIFACTS / f"{stem}.pdf"
        pdf.write_bytes(docx_to_pdf(docx))
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert FORBIDDEN.search(text) is None, FORBIDDEN.search(text)
        pages = text.count("\f")
        assert pages >= 1
        # page numbers "— n —" on every page
        assert len(re.findall(r"—\s*\d+\s*—", text)) == pages
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-l", "3", str(pdf), str(ARTIFACTS / stem)], check=True)
        if stem == "annual_report":
            # every zone of the table appears whole in the PDF text (no name broken over two lines)
            for name in zone_eval_input.ranking["name"]:
                assert name.replace("高新技术产业开发区", "高新区") in text, name
        else:
            # the table of the 2017—2019 plan survives the page break (LibreOffice dropped such rows
            # when rows were marked cantSplit)
            assert "每个省级高新区拥有的省级众创空间数" in text and "湘潭经开区" in text


def test_circular_xlsx_cites_documents_and_formats_counts():
    from openpyxl import load_workbook
    from gaoxin.reports.circular import write_circular
    ws = load_workbook(io.BytesIO(write_circular(_circular()))).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    text = "\n".join(str(c.value) for c in cells)
    assert FORBIDDEN.search(text) is None, FORBIDDEN.search(text)
    assert "《湘潭市推动科技创新“133”行动计划（2023—2025年）》（潭政办发〔2023〕33号）" in text
    # 年度目标 of 湘潭高新区: the number 10 with an integer format (unit 家 is a count)
    target = next(c for c in cells if c.value == 10)
    assert target.number_format == "#,##0"
    rate = next(c for c in cells if c.value == 1.2)  # 12 ÷ 10
    assert rate.number_format == "0.0%"

"""The 通报 as a reader opens it: the xlsx workbook (gaoxin.reports.circular.write_circular) cell by cell
— texts, number formats, fonts, borders, merged title rows, red marks below the 严重滞后 bound, widths,
page setup — and the Word 通报 (gaoxin.reports.circular_docx.build) paragraph by paragraph and table by
table. Inputs are hand-made CircularTable objects and target frames; every expected value is written
by hand from the inputs and the rules cited next to it."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook

from gaoxin import display
from gaoxin.reports import charts, circular_docx as C, docx_util as D
from gaoxin.reports.circular import _blank, _number_format, write_circular
from gaoxin.targets.circular import CircularTable

# --------------------------------------------------------------------------- xlsx (circular.py)

# a note of exactly 40 characters once numbered "2. " (row height 16), and one of 41 (row height 30)
NOTE_37 = "年度目标由各市州科技局按照省定任务分解下达到园区，完成情况按季度报送省厅。"   # 37 characters
NOTE_38 = "年度目标由各市州科技局按照省定任务分解下达到园区，完成情况按季度报送至省厅。"   # 38 characters


def _table(rows: list[tuple]) -> pd.DataFrame:
    cols = ["序号", "县市区（园区）", "年度目标", "完成值", "完成率", "排名", "进度评价"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("序号", "排名"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df


def _circ(**kw) -> CircularTable:
    table = _table([
        (1, "长沙高新区", 10.0, 12.0, 1.2, 1, "已完成"),
        (2, "株洲高新技术产业开发区", 8.0, 4.0, 0.5, 2, "严重滞后"),
        (3, "湘潭经开区", 2.0, np.nan, np.nan, pd.NA, "—"),
        (pd.NA, "合计", 20.0, 16.0, 0.8, pd.NA, "进度滞后"),
    ])
    args = dict(target_id="t1", title="全省高新区高新区企业数量通报（截至2024年）", subtitle="单位：家",
                unit_header="县市区（园区）", unit="家", as_of=2024, table=table,
                notes=["年度目标来源：省科技厅。", NOTE_37, NOTE_38], is_demo=True, red_below=0.6)
    args.update(kw)
    return CircularTable(**args)


def _style(c) -> tuple:
    """value, number format, bold, font, size, horizontal, vertical, wrap, left border, fill."""
    fill = c.fill.fgColor.rgb if c.fill and c.fill.fill_type else None
    return (c.value, c.number_format, bool(c.font.b), c.font.name, c.font.sz, c.alignment.horizontal,
            c.alignment.vertical, bool(c.alignment.wrap_text), c.border.left.style, fill)


def _rows(ws, first: int, last: int, ncol: int = 7) -> list[list[tuple]]:
    return [[_style(ws.cell(r, j)) for j in range(1, ncol + 1)] for r in range(first, last + 1)]


@pytest.fixture
def demo_ws():
    wb = load_workbook(io.BytesIO(write_circular(_circ())))
    return wb, wb["通报"]


def test_circular_xlsx_title_subtitle_and_demo_rows(demo_ws):
    wb, ws = demo_ws
    assert wb.sheetnames == ["通报"]
    # 高新区高新区 is printed once (dedupe_words); the three top rows span all seven columns
    assert _style(ws["A1"]) == ("全省高新区企业数量通报（截至2024年）", "General", True, "方正小标宋简体", 16,
                                "center", "center", True, None, None)
    assert _style(ws["A2"]) == ("单位：家", "General", False, "宋体", 10, "left", "top", True, None, None)
    assert _style(ws["A3"]) == ("示例数据（系统生成的演示数据，不代表真实统计）", "General", True, "宋体", 11,
                                None, None, False, None, None)
    assert ws["A3"].font.color.rgb == "FFC00000"
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    assert merged == sorted(["A1:G1", "A2:G2", "A3:G3", "A9:G9", "A10:G10", "A11:G11", "A12:G12"])
    heights = {k: v.height for k, v in ws.row_dimensions.items() if v.height}
    # 36 pt title, 30 pt subtitle, 24 pt header; notes: 16 pt (xlsxwriter stores 21 px = 15.75 pt)
    # up to 40 characters, 30 pt beyond
    assert heights == {1: 36, 2: 30, 4: 24, 9: 15.75, 10: 15.75, 11: 15.75, 12: 30}
    assert wb.properties.title == "全省高新区企业数量通报（截至2024年）"
    assert wb.properties.description == "示例数据"


def test_circular_xlsx_table_cells_and_formats(demo_ws):
    _, ws = demo_ws
    head = [(h, "General", True, "黑体", 11, "center", "center", True, "thin", "FFDCE6F2")
            for h in ["序号", "县市区（园区）", "年度目标", "完成值", "完成率", "排名", "进度评价"]]
    assert _rows(ws, 4, 4) == [head]

    def body(no, name, target, done, rate, rank, status):
        return [(no, "0", False, "宋体", 11, "center", None, False, "thin", None),
                (name, "General", False, "宋体", 11, "left", "center", False, "thin", None),
                (target, "#,##0", False, "宋体", 11, None, None, False, "thin", None),   # 家 is a count
                (done, "#,##0", False, "宋体", 11, None, None, False, "thin", None),
                (rate, "0.0%", False, "宋体", 11, None, None, False, "thin", None),
                (rank, "0", False, "宋体", 11, "center", None, False, "thin", None),
                (status, "General", False, "宋体", 11, "center", "center", False, "thin", None)]
    total = [(None, "General", True, "宋体", 11, "center", None, False, "thin", None),
             ("合计", "General", True, "宋体", 11, "center", None, False, "thin", None),
             (20, "#,##0", True, "宋体", 11, None, None, False, "thin", None),
             (16, "#,##0", True, "宋体", 11, None, None, False, "thin", None),
             (0.8, "0.0%", True, "宋体", 11, None, None, False, "thin", None),
             (None, "General", True, "宋体", 11, "center", None, False, "thin", None),
             ("进度滞后", "General", True, "宋体", 11, "center", None, False, "thin", None)]
    assert _rows(ws, 5, 8) == [body(1, "长沙高新区", 10, 12, 1.2, 1, "已完成"),
                               body(2, "株洲高新技术产业开发区", 8, 4, 0.5, 2, "严重滞后"),
                               body(3, "湘潭经开区", 2, None, None, None, "—"),   # blanks keep the border
                               total]
    assert isinstance(ws["C5"].value, (int, float)) and ws["C5"].data_type == "n"


def test_circular_xlsx_notes_red_marks_widths_and_page(demo_ws):
    wb, ws = demo_ws
    note = ("General", False, "宋体", 9, None, "top", True, None, None)
    assert [_style(ws.cell(r, 1)) for r in range(9, 13)] == [
        ("说明：",) + note, ("1. 年度目标来源：省科技厅。",) + note, ("2. " + NOTE_37,) + note,
        ("3. " + NOTE_38,) + note]
    assert ws.max_row == 12
    # completion rates of the body rows (not the total) below red_below turn red
    rules = [(rng.sqref, r.type, r.operator, r.formula, r.dxf.font.color.rgb)
             for rng, rs in ws.conditional_formatting._cf_rules.items() for r in rs]
    assert [(str(s), t, o, f, c) for s, t, o, f, c in rules] == [("E5:E7", "cellIs", "lessThan", ["0.6"], "FFC00000")]
    # widths: fixed per column, names 2 × the longest name (11 characters) + 2 = 24; xlsxwriter stores
    # a width w as w + 0.7109375
    dims = {k: (v.min, v.max, v.width) for k, v in ws.column_dimensions.items()}
    assert dims == {"A": (1, 1, 6.7109375), "B": (2, 2, 24.7109375), "C": (3, 4, 12.7109375),
                    "E": (5, 5, 10.7109375), "F": (6, 6, 7.7109375), "G": (7, 7, 12.7109375)}
    assert ws.freeze_panes == "A5"
    ps = ws.page_setup
    assert (ps.orientation, int(ps.paperSize), int(ps.fitToWidth or 1), int(ps.fitToHeight)) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True


def test_circular_xlsx_real_data_one_row_and_file_written(tmp_path):
    table = _table([(1, "甲区", 5.0, 1.0, 0.2, 1, "严重滞后"), (pd.NA, "合计", 5.0, 1.0, 0.2, pd.NA, "严重滞后")])
    path = tmp_path / "通报.xlsx"
    data = write_circular(_circ(table=table, is_demo=False, notes=["单一说明"], red_below=0.3,
                                unit="万元", title="长沙市研发投入通报"), path)
    assert path.read_bytes() == data
    wb = load_workbook(io.BytesIO(data))
    ws = wb["通报"]
    # no demo row: the header is row 3, the only body row 4, the total row 5, notes from row 6
    assert [ws.cell(r, 1).value for r in range(1, 9)] == ["长沙市研发投入通报", "单位：家", "序号", 1, None,
                                                          "说明：", "1. 单一说明", None]
    assert ws.freeze_panes == "A4"
    # 万元 is money with 2 decimals
    assert (ws["C4"].number_format, ws["D5"].number_format) == ("#,##0.00", "#,##0.00")
    assert ws["D5"].font.b is True and ws["C4"].font.b is not True
    rules = [(str(rng.sqref), r.formula) for rng, rs in ws.conditional_formatting._cf_rules.items() for r in rs]
    assert rules == [("E4", ["0.3"])]      # one body row still gets its red mark
    # the name column is at least 8 characters wide: 8 × 2 + 2 = 18
    assert ws.column_dimensions["B"].width == 18.7109375
    assert wb.properties.description in (None, "")
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A1:G1", "A2:G2", "A6:G6", "A7:G7"]


def test_circular_xlsx_without_bound_or_body_has_no_red_and_caps_name_width():
    long_name = "湖南湘江新区长沙高新技术产业开发区岳麓科技产业园管理委员会"   # 29 characters
    table = _table([(1, long_name, 5.0, 1.0, 0.2, 1, "严重滞后"), (pd.NA, "合计", 5.0, 1.0, 0.2, pd.NA, "严重滞后")])
    ws = load_workbook(io.BytesIO(write_circular(_circ(table=table, red_below=None))))["通报"]
    assert not list(ws.conditional_formatting._cf_rules.items())
    assert ws.column_dimensions["B"].width == 40.7109375          # 2 × 29 + 2 capped at 40
    only_total = _table([(pd.NA, "合计", 5.0, 1.0, 0.2, pd.NA, "严重滞后")])
    ws = load_workbook(io.BytesIO(write_circular(_circ(table=only_total, red_below=0.6))))["通报"]
    assert not list(ws.conditional_formatting._cf_rules.items())
    assert ws["B5"].value == "合计" and ws["B5"].font.b is True


@pytest.mark.parametrize("unit, fmt", [("家", "#,##0"), ("年", "0"), ("万元", "#,##0.00"), ("%", "#,##0.0"),
                                       ("‰", "#,##0.0"), ("分", "#,##0.00"), (None, "#,##0.00"),
                                       ("公里", "#,##0.00")])
def test_circular_number_format_follows_display_rules(unit, fmt):
    # display.yaml: 家 count, 年 year, 万元 money 2 decimals, % percent 1 decimal, ‰ number 1 decimal,
    # 分 score (no decimals key → 2), unknown units the default number with 2 decimals
    assert _number_format(unit) == fmt


def test_circular_number_format_without_decimals(monkeypatch):
    monkeypatch.setattr(display, "unit_rule", lambda unit: {"kind": "number", "decimals": 0})
    assert _number_format("个") == "#,##0"


def test_blank_cells():
    assert [_blank(v) for v in (None, pd.NA, float("nan"), np.float64("nan"), 0.0, "", "—", 0)] == \
        [True, True, True, True, False, False, False, False]


# --------------------------------------------------------------------------- Word (circular_docx.py)

def test_chinese_ordinals():
    assert [C._cn(i) for i in (1, 2, 9, 10, 11, 15, 19, 20, 21, 30, 35, 99)] == \
        ["一", "二", "九", "十", "十一", "十五", "十九", "二十", "二十一", "三十", "三十五", "九十九"]


def test_join_scope_rules():
    assert C.join_scope(None, "高新技术企业数量") == "高新技术企业数量"
    assert C.join_scope("  ", " 高新技术企业数量 ") == "高新技术企业数量"
    assert C.join_scope("全省", "各高新区营业收入") == "各高新区营业收入"
    assert C.join_scope("全省", "高新区每区规划的产业集群数") == "高新区每区规划的产业集群数"
    assert C.join_scope("全省", "高新区每个园区的孵化器数") == "高新区每个园区的孵化器数"
    # two characters of overlap (高新 … 高新) are joined once; a single shared character is not
    assert C.join_scope("全省高新", "高新企业数") == "全省高新企业数"
    assert C.join_scope("长沙市", "市级孵化器数") == "长沙市市级孵化器数"
    # the scope's core (without 全省/各/全市/每个) already inside the name
    assert C.join_scope("全市园区", "长沙园区企业数") == "长沙园区企业数"
    assert C.join_scope("全省", "企业数") == "全省企业数"
    assert C.join_scope("岳麓区", 2025) == "岳麓区2025"
    assert C.join_scope("全省", "省级高新区拥有的孵化器数") == "省级高新区拥有的孵化器数"
    assert C.join_scope("各园区", "长沙园区企业数") == "长沙园区企业数"
    assert C.join_scope("每个园区", "长沙园区企业数") == "长沙园区企业数"
    assert C.join_scope("全省园区", "长沙园区企业数") == "长沙园区企业数"
    assert C.join_scope("省内园区", "长沙园区企业数") == "省内园区长沙园区企业数"   # core 省内园区 not in the name


def test_dedupe_words_lengths():
    assert C.dedupe_words("高新高新区") == "高新区"             # 2-character word
    assert C.dedupe_words("高高新区") == "高高新区"               # 1 character is left alone
    assert C.dedupe_words("科技创新科技创新能力") == "科技创新能力"
    assert C.dedupe_words("长株潭自创区长株潭自创区建设") == "长株潭自创区建设"   # 6 characters
    assert C.dedupe_words("长株潭国家自创区长株潭国家自创区") == "长株潭国家自创区长株潭国家自创区"  # 8: kept
    assert C.dedupe_words("ABAB") == "ABAB"
    assert C.dedupe_words("湘江新区管委会湘江新区管委会") == "湘江新区管委会湘江新区管委会"   # 7: kept


def test_progress_and_value_cells():
    assert C._progress(None, {}) == "—"
    assert C._progress(float("nan"), {"time_elapsed": 0.0}) == "—"
    assert C._progress(0.0, {"time_elapsed": 0.0, "status": "进度正常"}) == "基期"
    assert C._progress(0.0, {"time_elapsed": -1.0, "status": "进度正常"}) == "基期"
    assert C._progress(1.0, {"time_elapsed": 0.0, "status": "已完成"}) == "100.0%"
    assert C._progress(0.25, {"time_elapsed": 0.5, "status": "进度滞后"}) == "25.0%"
    assert C._progress(0.25, {"time_elapsed": None}) == "25.0%"
    assert C._progress(0.25, {}) == "25.0%"
    assert C._value(0.12, {"unit": "比例", "kind": "growth"}) == "年均12.0%"
    assert C._value(None, {"unit": "比例", "kind": "growth"}) == "—"
    assert C._value(12.0, {"unit": "家", "kind": "count"}) == "12家"
    assert C._value(5.5, {"unit": "%"}) == "5.5%"


def test_plan_names_are_cited_with_document_numbers():
    from gaoxin.targets.plans import load_plans
    names = C._plan_names()
    plans = load_plans()
    assert set(names) == {p.id for p in plans}
    for p in plans:
        assert names[p.id] == f"《{p.name}》" + (f"（{p.doc_no}）" if p.doc_no else "")
    assert names["hunan-zones-2026-2028"] == \
        "《湖南省高新技术产业开发区提质增效三年行动计划（2026—2028年）》（湘科发〔2025〕96号）"


def _progress_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "plan_id": ["p-a", "p-a", "p-b"],
        "indicator_name": ["高新区高新技术企业数量", "研发投入增长率", "每个省级高新区拥有的省级众创空间数"],
        "scope_name": ["全省高新区", "全省", "各省级高新区"],
        "unit": ["家", "比例", "个"], "kind": ["count", "growth", "count"],
        "target_year": [2028, 2027.0, 2019], "target_value": [7800.0, 0.1, 2.0], "actual": [5019.0, 0.125, 1.0],
        "progress": [0.0, 0.8, 0.5], "time_elapsed": [0.0, 0.5, 1.0],
        "status": ["进度正常", "进度正常", "逾期未完成"],
        "message": ["", "", "已过目标年份（2019年），截至该年未达到目标"],
    })


def _small_circular(rates=(1.2, 0.5)) -> CircularTable:
    table = _table([(1, "湘潭高新区", 10.0, 12.0, rates[0], 1, "已完成"),
                    (2, "湘潭经开区", 8.0, 4.0, rates[1], 2, "严重滞后"),
                    (pd.NA, "合计", 18.0, 16.0, 16 / 18, pd.NA, "进度滞后")])
    return CircularTable("t1", "湘潭市高新区高新区企业数量通报", "单位：家", "县市区（园区）", "家", 2024, table,
                         ["年度目标来源：市科技局。", "高新区高新区合计含两园区。"], is_demo=False)


@pytest.fixture
def record(monkeypatch):
    """Log every docx_util call of the 通报 (name, positional texts, keyword arguments) and every bar
    chart asked for, while still building the real document."""
    log: list[tuple] = []
    depth = [0]    # only the calls the 通报 makes itself (D.note calls D.para inside)

    def wrap(name):
        real = getattr(D, name)

        def f(doc, *args, **kw):
            if depth[0] == 0:
                shown = [a if isinstance(a, (str, int, float)) or a is None else type(a).__name__ for a in args]
                log.append((name, *shown, {k: v for k, v in kw.items() if k != "formats"}))
            depth[0] += 1
            try:
                return real(doc, *args, **kw)
            finally:
                depth[0] -= 1
        return f
    for name in ("title", "demo_notice", "heading", "para", "note", "table", "image", "footer_date"):
        monkeypatch.setattr(D, name, wrap(name))
    real_bar = charts.bar_chart

    def bar(labels, values, **kw):
        log.append(("bar_chart", list(labels), [round(v, 6) for v in values], kw))
        return real_bar(labels, values, **kw)
    monkeypatch.setattr(charts, "bar_chart", bar)
    return log


def _tables(docx: bytes) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in Document(io.BytesIO(docx)).tables]


def test_circular_docx_full_document(record):
    p = _progress_frame()
    plan_names = {"p-a": "《甲规划》（湘科发〔2025〕1号）"}    # p-b has no name → 其他规划
    docx = C.build(2025, p, p[p["status"] == "逾期未完成"], [_small_circular(), _small_circular()], True,
                   plan_names=plan_names)
    calls = [c for c in record if c[0] not in ("table", "image", "bar_chart")]
    assert calls == [
        # the default title, broken before 目标任务 (docx_util.split_title)
        ("title", "全省高新区及科技创新规划\n目标任务完成情况通报", "（截至2025年）", {}),
        ("demo_notice", {}),
        ("heading", "一、总体进展", 1, {}),
        ("para", "纳入监测的目标共3项，其中进度正常2项，逾期未完成1项。", {}),
        ("heading", "（一）《甲规划》（湘科发〔2025〕1号）", 2, {}),
        ("heading", "（二）其他规划", 2, {}),
        ("note", "注：完成进度为实际进展占目标所需进展的比例；“基期”表示规划期尚未开始、暂无进度要求；"
                 "增长率类目标的最新值为年均增长率。", {}),
        ("heading", "二、预警事项", 1, {}),
        ("para", "1. 每个省级高新区拥有的省级众创空间数：逾期未完成，完成进度50.0%；"
                 "已过目标年份（2019年），截至该年未达到目标。", {}),
        ("heading", "三、分解目标完成情况", 1, {}),
        ("heading", "（一）湘潭市高新区企业数量通报", 2, {}),
        ("note", "单位：家", {}),
        ("note", "注1：年度目标来源：市科技局。", {}),
        ("note", "注2：高新区合计含两园区。", {}),
        ("heading", "（二）湘潭市高新区企业数量通报", 2, {}),
        ("note", "单位：家", {}),
        ("note", "注1：年度目标来源：市科技局。", {}),
        ("note", "注2：高新区合计含两园区。", {}),
        ("para", "请进度滞后的单位分析原因，制定整改措施，确保完成年度目标任务。", {}),
        ("footer_date", {}),
    ]
    tables = [c for c in record if c[0] == "table"]
    assert tables == [("table", "DataFrame", {"font_size": 10, "wrap": ["指标"]})] * 2 + \
        [("table", "DataFrame", {"font_size": 10.5, "nowrap": ["县市区（园区）", "进度评价"], "bold_last": True})] * 2
    bars = [c for c in record if c[0] == "bar_chart"]
    assert bars == [("bar_chart", ["湘潭高新区", "湘潭经开区"], [120.0, 50.0],
                     {"xlabel": "完成率（%）", "value_format": "{:.1f}%"})] * 2
    images = [c for c in record if c[0] == "image"]
    assert images == [("image", "bytes", 13.0, "图  各县市区（园区）完成率", {"max_height_cm": 12.0})] * 2
    head = ["指标", "目标年", "目标值", "最新值", "完成进度", "状态"]
    circ = [["序号", "县市区（园区）", "年度目标", "完成值", "完成率", "排名", "进度评价"],
            ["1", "湘潭高新区", "10家", "12家", "120.0%", "1", "已完成"],
            ["2", "湘潭经开区", "8家", "4家", "50.0%", "2", "严重滞后"],
            ["", "合计", "18家", "16家", "88.9%", "—", "进度滞后"]]
    assert _tables(docx) == [
        [head, ["全省高新区高新技术企业数量", "2028", "7,800家", "5,019家", "基期", "进度正常"],
         ["全省研发投入增长率", "2027", "年均10.0%", "年均12.5%", "80.0%", "进度正常"]],
        [head, ["每个省级高新区拥有的省级众创空间数", "2019", "2个", "1个", "50.0%", "逾期未完成"]],
        circ, circ]
    text = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert "注1：年度目标来源：市科技局。" in text and "图  各县市区（园区）完成率" in text


def test_circular_docx_minimal_document(record, monkeypatch):
    # no plan_id column: one table, no plan headings; no plan names given → read from the plans
    # registry; no warnings, no circulars; a custom title; not demo
    # the one target is at its base year but already met: its progress shows (not 基期)
    p = _progress_frame().drop(columns=["plan_id"]).iloc[:1].assign(status="已完成", progress=1.0, actual=7800.0)
    monkeypatch.setattr(C, "_plan_names", lambda: {"unused": "《不应出现》"})
    docx = C.build(2024, p, p.iloc[0:0], [], False, title="长沙市高新区高新区目标通报")
    assert _tables(docx) == [[["指标", "目标年", "目标值", "最新值", "完成进度", "状态"],
                              ["全省高新区高新技术企业数量", "2028", "7,800家", "7,800家", "100.0%", "已完成"]]]
    assert [c for c in record if c[0] != "table"] == [
        ("title", "长沙市高新区目标通报", "（截至2024年）", {}),
        ("heading", "一、总体进展", 1, {}),
        ("para", "纳入监测的目标共1项，其中已完成1项。", {}),
        ("note", "注：完成进度为实际进展占目标所需进展的比例；“基期”表示规划期尚未开始、暂无进度要求；"
                 "增长率类目标的最新值为年均增长率。", {}),
        ("para", "请进度滞后的单位分析原因，制定整改措施，确保完成年度目标任务。", {}),
        ("footer_date", {}),
    ]
    assert "示例数据" not in "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)


def test_circular_docx_warnings_and_circular_without_rates(record):
    # no progress: the warnings are section 一 and the circulars section 二; a warning without a
    # message ends at its progress; a circular whose rates are all missing gets no chart
    w = pd.DataFrame({"indicator_name": ["高新技术企业数量"], "scope_name": ["全省"], "status": ["进度滞后"],
                      "progress": [None], "message": [None], "unit": ["家"]})
    C.build(2025, w.iloc[0:0], w, [_small_circular(rates=(np.nan, None)), _small_circular(rates=(np.nan, 0.5))],
            False, plan_names={})
    assert [c[:2] if c[0] == "bar_chart" else c[:3] for c in record
            if c[0] in ("heading", "para", "bar_chart", "image")] == [
        ("heading", "一、预警事项", 1),
        ("para", "1. 全省高新技术企业数量：进度滞后，完成进度—。", {}),
        ("heading", "二、分解目标完成情况", 1),
        ("heading", "（一）湘潭市高新区企业数量通报", 2),
        # one known rate is enough for a chart
        ("heading", "（二）湘潭市高新区企业数量通报", 2),
        ("bar_chart", ["湘潭高新区", "湘潭经开区"]),
        ("image", "bytes", 13.0),
        ("para", "请进度滞后的单位分析原因，制定整改措施，确保完成年度目标任务。", {}),
    ]
    bar = next(c for c in record if c[0] == "bar_chart")
    assert np.isnan(bar[2][0]) and bar[2][1] == 50.0

"""Issue 13: imports refuse the impossible, warn about the suspicious, and say why in Chinese, the same
on SQLite and PostgreSQL. Every case checks the status, the sheet / row / column / reason of the
message, and that no data table changed. Expected values are written by hand from the file each test
builds (the row numbers are Excel's: header = row 1)."""
from __future__ import annotations

import re
import threading
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import func, select

from gaoxin.credit_code import make_credit_code
from gaoxin.ingest.load import import_file
from gaoxin.store.db import session_scope
from gaoxin.store.models import Enterprise, ImportBatch, Observation, Policy, TechDemand, TechResult

CODE_A = make_credit_code("91430100MA4L00101")
CODE_B = make_credit_code("91430100MA4L00102")
DATA_MODELS = (Observation, Enterprise, TechResult, TechDemand, Policy)
# English words that may appear in a Chinese message: file formats and the CLI's own option names
ALLOWED_LATIN = {"Excel", "CSV", "xlsx", "xls", "include", "hidden", "accept", "warnings", "gaoxin", "template",
                 "UTF", "GBK", "TRL"}


def chinese(text: str) -> bool:
    """Contains CJK and no English words besides the allowed names (no library exception text); the
    user's own values, quoted “…”, are not counted."""
    words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"“[^”]*”", "", text or "")))
    return bool(re.search(r"[\u4e00-\u9fff]", text or "")) and words <= ALLOWED_LATIN


def xlsx(path: Path, sheets: dict[str, list[list]], hidden=()) -> Path:
    """Cells: plain values, or (formula, cached result) tuples."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        if name in hidden:
            ws.hide()
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if isinstance(v, tuple):
                    ws.write_formula(i, j, v[0], None, v[1])
                elif isinstance(v, (date, datetime)):
                    ws.write_datetime(i, j, v, wb.add_format({"num_format": "yyyy-mm-dd"}))
                elif v is not None:
                    ws.write(i, j, v)
    wb.close()
    return path


def run(url, path, **kw):
    with session_scope(url) as s:
        return import_file(s, path, **kw)


def counts(url) -> dict:
    with session_scope(url) as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in DATA_MODELS}


def batches(url, status) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.status == status))


def refused(url, path, **kw):
    """Import `path`, assert it is refused with Chinese messages and no data change; the report."""
    before = counts(url)
    rep = run(url, path, **kw)
    assert rep.status == "rejected", (rep.status, [str(p) for p in rep.problems])
    assert rep.problems and all(chinese(p.reason) for p in rep.problems), [p.reason for p in rep.problems]
    assert counts(url) == before
    return rep


def where(rep) -> list[tuple]:
    return [(p.sheet, p.row, p.column) for p in rep.problems]


ZONE_HEAD = ["单位", "年份", "高新技术企业数"]        # 高新技术企业数 = D2_3 (unit 家 in fields.yaml by_unit)
ENT_HEAD = ["统一社会信用代码", "企业名称", "所在高新区", "年份", "营业收入（万元）"]


# --- impossible values -------------------------------------------------------------------------

@pytest.mark.parametrize("cell, column, reason", [
    ("-5", "高新技术企业数", "不能为负"),
    ("(120)", "高新技术企业数", "不能为负"),                # accounting style −120
    (1e30, "高新技术企业数", "超过 10^15"),
])
def test_impossible_zone_values_are_refused(db_url, tmp_path, cell, column, reason):
    path = xlsx(tmp_path / "z.xlsx", {"数据": [ZONE_HEAD, ["长沙高新区", 2023, 12], ["株洲高新区", 2023, cell]]})
    rep = refused(db_url, path)
    assert where(rep) == [("数据", 3, column)]
    assert reason in rep.problems[0].reason


def test_year_beyond_plan_horizon_is_refused(db_url, tmp_path):
    # fields.yaml: years run from 1949 to this year + plan_horizon_years (5)
    late = date.today().year + 6
    path = xlsx(tmp_path / "y.xlsx", {"数据": [ZONE_HEAD, ["长沙高新区", late, 12]]})
    rep = refused(db_url, path)
    assert where(rep) == [("数据", 2, "年份")] and "年份超出范围" in rep.problems[0].reason
    assert f"1949–{date.today().year + 5}" in rep.problems[0].reason


@pytest.mark.parametrize("cell, reason", [
    ("9e20", "数值大得不合理（超过 10^15）"),          # fields.yaml max_abs 1e15
    ("2e9", "超过允许的最大值 1,000,000,000（营业收入"),       # revenue hard max 1e9 万元 (fields.yaml)
    ("-5", "不能为负数（营业收入"),
])
def test_impossible_enterprise_money_is_refused(db_url, tmp_path, cell, reason):
    path = xlsx(tmp_path / "e.xlsx", {"企业": [ENT_HEAD, [CODE_A, "长沙甲科技有限公司", "长沙高新区", 2024, cell]]})
    rep = refused(db_url, path)
    assert where(rep) == [("企业", 2, "营业收入（万元）")]
    assert reason in rep.problems[0].reason


@pytest.mark.parametrize("cell, reason", [
    ("2099-01-01", "晚于导入当天"),
    ("1800-01-01", "早于 1949 年"),
    ("2021-02-30", "日期不存在"),               # no "day is out of range for month"
    (1e9, "超出范围"),                           # an Excel serial of 1e9: no "Cannot cast … overflow"
])
def test_impossible_founding_dates_are_refused(db_url, tmp_path, cell, reason):
    head = ["统一社会信用代码", "企业名称", "所在高新区", "成立日期"]
    path = xlsx(tmp_path / "f.xlsx", {"企业": [head, [CODE_A, "长沙甲科技有限公司", "长沙高新区", cell]]})
    rep = refused(db_url, path)
    assert where(rep) == [("企业", 2, "成立日期")] and reason in rep.problems[0].reason


@pytest.mark.parametrize("column, text, limit", [("企业名称", "长" * 204, 128), ("产业领域", "新" * 35, 32)])
def test_too_long_text_is_refused_before_writing_on_both_databases(db_url, tmp_path, column, text, limit):
    head = ["统一社会信用代码", "企业名称", "产业领域"]
    row = [CODE_A, "长沙甲科技有限公司", "新材料"]
    row[head.index(column)] = text
    rep = refused(db_url, xlsx(tmp_path / "l.xlsx", {"企业": [head, row]}))
    assert where(rep) == [("企业", 2, column)]
    assert rep.problems[0].reason == f"内容过长：{len(text)}个字符，最多{limit}个字符"


def test_percent_in_a_percent_point_field_is_kept_as_points(db_url, tmp_path):
    head = ["统一社会信用代码", "企业名称", "主导产品全国细分市场占有率（%）", "第一大股东持股比例（%）"]
    rep = run(db_url, xlsx(tmp_path / "p.xlsx", {"企业": [head, [CODE_A, "长沙甲科技有限公司", "38.3%", "60%"]]}))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    with session_scope(db_url) as s:
        attrs = s.scalar(select(Enterprise.attributes))
    assert attrs == {"market_share": 38.3, "controlling_share": 60.0}


# --- workbooks ---------------------------------------------------------------------------------

def test_hidden_sheet_is_skipped_with_a_notice_and_read_only_when_asked(db_url, tmp_path):
    sheets = {"数据": [ZONE_HEAD, ["长沙高新区", 2023, 12]], "旧数据": [ZONE_HEAD, ["株洲高新区", 2023, 99]]}
    rep = run(db_url, xlsx(tmp_path / "h.xlsx", sheets, hidden=("旧数据",)))
    assert rep.status == "loaded" and rep.written == 1
    assert any("隐藏的工作表“旧数据”" in n and "--include-hidden" in n for n in rep.notices)
    with session_scope(db_url) as s:
        assert s.scalars(select(Observation.unit_code)).all() == ["HN-N-CHANGSHA"]
        assert "隐藏的工作表“旧数据”" in s.scalar(select(ImportBatch.message).where(ImportBatch.status == "loaded"))
    rep = run(db_url, xlsx(tmp_path / "h2.xlsx", sheets, hidden=("旧数据",)), include_hidden=True)
    assert rep.status == "loaded" and rep.written == 2 and rep.notices == []
    with session_scope(db_url) as s:
        assert s.scalar(select(Observation.value).where(Observation.unit_code == "HN-N-ZHUZHOU")) == 99


def test_excel_error_cells_are_refused_by_cell(db_url, tmp_path):
    path = xlsx(tmp_path / "err.xlsx", {"数据": [ZONE_HEAD, ["长沙高新区", 2023, ("=1/0", "#DIV/0!")],
                                                 ["株洲高新区", 2023, "#N/A"], ["湘潭高新区", 2023, 7]]})
    rep = refused(db_url, path)
    assert where(rep) == [("数据", 2, "高新技术企业数"), ("数据", 3, "高新技术企业数")]
    assert "Excel 错误值“#DIV/0!”" in rep.problems[0].reason and "#N/A" in rep.problems[1].reason
    # an error type written by openpyxl (t="e", which the fast reader alone would read as blank)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表1"
    ws.append(ZONE_HEAD)
    ws.append(["长沙高新区", 2023, 5])
    ws.append(["株洲高新区", 2023, None])
    ws.cell(3, 3).value, ws.cell(3, 3).data_type = "#REF!", "e"
    wb.save(tmp_path / "ref.xlsx")
    rep = refused(db_url, tmp_path / "ref.xlsx")
    assert where(rep) == [("表1", 3, "高新技术企业数")] and "#REF!" in rep.problems[0].reason


def test_sheets_are_chosen_by_content_and_skipped_sheets_named(db_url, tmp_path):
    path = xlsx(tmp_path / "s.xlsx", {"备注页": [["本表由统计科填报"], ["联系人：张三"]],
                                      "说明": [ZONE_HEAD, ["长沙高新区", 2023, 12]]})
    rep = run(db_url, path)
    assert rep.status == "loaded" and rep.written == 1           # a data sheet named 说明 is read
    assert rep.notices == ["已跳过工作表“备注页”：第1行（本表由统计科填报）不是任何导入模板的表头，未导入"]


@pytest.mark.parametrize("content, reason", [
    (b"this is not a workbook", "不是有效的 Excel .xlsx 文件"),
    (b"", "文件为空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧版 .xls 格式或已加密"),
    ("truncated", "已损坏或不完整"),
])
def test_corrupt_workbooks_are_refused_in_chinese(db_url, tmp_path, content, reason):
    if content == "truncated":
        whole = xlsx(tmp_path / "w.xlsx", {"数据": [ZONE_HEAD, ["长沙高新区", 2023, 12]]}).read_bytes()
        content = whole[: len(whole) // 2]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    rep = refused(db_url, path)
    assert where(rep) == [(None, None, None)] and reason in rep.problems[0].reason
    assert batches(db_url, "rejected") == 1


# --- columns -----------------------------------------------------------------------------------

def test_missing_required_column_is_named_first(db_url, tmp_path):
    head = ["统一社会信用代码", "所在高新区", "年份", "营业收入（万元）"]
    rep = refused(db_url, xlsx(tmp_path / "n.xlsx", {"企业": [head, [CODE_A, "长沙高新区", 2024, 100]]}))
    assert [(p.sheet, p.row, p.column, p.reason) for p in rep.problems] == [("企业", 1, "企业名称", "缺少必填列“企业名称”")]
    rep = refused(db_url, xlsx(tmp_path / "r.xlsx", {"成果": [["成果编号", "完成单位"], ["CG1", "中南大学"]]}))
    assert [p.reason for p in rep.problems] == ["缺少必填列“成果名称”"]


def test_near_miss_header_is_an_error_with_the_suggestion(db_url, tmp_path):
    head = ["统一社会信用代码", "企业名称", "年份", "研发费（万元）"]
    rep = refused(db_url, xlsx(tmp_path / "m.xlsx", {"企业": [head, [CODE_A, "长沙甲科技有限公司", 2024, 100]]}))
    assert where(rep) == [("企业", 1, "研发费（万元）")]                 # named as written
    assert rep.problems[0].reason == "无法识别的列“研发费（万元）”"
    assert rep.problems[0].suggestion == "是否为“研发费用（万元）”"
    rep = refused(db_url, xlsx(tmp_path / "d.xlsx", {"需求": [["需求编号", "需求名称", "需求描叙"], ["XQ1", "降能耗", "液压"]]}))
    assert rep.problems[0].suggestion == "是否为“需求描述”"


def test_extra_attributes_only_in_the_named_column_group(db_url, tmp_path):
    head = ["统一社会信用代码", "企业名称", "联系人"]
    rep = refused(db_url, xlsx(tmp_path / "x.xlsx", {"企业": [head, [CODE_A, "长沙甲科技有限公司", "张三"]]}))
    assert where(rep) == [("企业", 1, "联系人")] and "附加：" in rep.problems[0].suggestion
    head[2] = "附加：联系人"
    rep = run(db_url, xlsx(tmp_path / "x2.xlsx", {"企业": [head, [CODE_A, "长沙甲科技有限公司", "张三"]]}))
    assert rep.status == "loaded"
    with session_scope(db_url) as s:
        assert s.scalar(select(Enterprise.attributes)) == {"联系人": "张三"}


# --- warnings ----------------------------------------------------------------------------------

def test_yuan_for_wan_yuan_mistake_warns_and_loads_only_when_confirmed(db_url, tmp_path):
    first = [ENT_HEAD, [CODE_A, "长沙甲科技有限公司", "长沙高新区", 2023, 5000],
             [CODE_A, "长沙甲科技有限公司", "长沙高新区", 2024, 5200]]
    assert run(db_url, xlsx(tmp_path / "a.xlsx", {"企业": first})).status == "loaded"
    # 2025 written in 元 under a 万元 header: 52,000,000 万元 is 10,000× the firm's 5,000–5,200
    later = xlsx(tmp_path / "b.xlsx", {"企业": [ENT_HEAD, [CODE_A, "长沙甲科技有限公司", "长沙高新区", 2025, 52_000_000]]})
    before = counts(db_url)
    rep = run(db_url, later)
    assert rep.status == "warned" and rep.problems == [] and counts(db_url) == before
    assert [(w.sheet, w.row, w.column) for w in rep.warnings] == [("企业", 2, "营业收入（万元）")]
    assert "相差超过1,000倍" in rep.warnings[0].reason and "“元”填成了“万元”" in rep.warnings[0].suggestion
    assert all(chinese(w.reason) for w in rep.warnings)
    assert batches(db_url, "warned") == 1
    rep = run(db_url, later, accept_warnings=True)
    assert rep.status == "loaded" and rep.accepted_warnings and len(rep.warnings) == 1
    with session_scope(db_url) as s:
        v = s.scalar(select(Observation.value).where(Observation.unit_code == CODE_A, Observation.period == 2025,
                                                     Observation.indicator_code == "revenue"))
    assert v == 52_000_000


def test_zone_far_from_the_other_zones_warns(db_url, tmp_path):
    # six zones with 100–160 high-tech firms and one with 1,200,000: 10,000× the median of the others
    rows = [ZONE_HEAD] + [[z, 2023, n] for z, n in [("长沙高新区", 160), ("株洲高新区", 120), ("湘潭高新区", 110),
                                                   ("衡阳高新区", 100), ("益阳高新区", 105), ("郴州高新区", 130)]]
    rows.append(["常德高新区", 2023, 1_200_000])
    rep = run(db_url, xlsx(tmp_path / "z.xlsx", {"数据": rows}))
    assert rep.status == "warned" and counts(db_url)["Observation"] == 0
    assert [(w.row, w.column) for w in rep.warnings] == [(8, "高新技术企业数")]
    assert "其他单位" in rep.warnings[0].reason


def test_rates_spanning_orders_of_magnitude_do_not_warn(db_url, tmp_path):
    # D2_2 (产值增速, in %): 0.01 is 1,200× below the median 12 of six zones, but rates may be tiny
    rows = [["单位", "年份", "D2_2"]] + [[z, 2023, v] for z, v in [("长沙高新区", 12), ("株洲高新区", 15),
                                                                  ("湘潭高新区", 10), ("衡阳高新区", 12),
                                                                  ("益阳高新区", 13), ("郴州高新区", 0.01)]]
    rep = run(db_url, xlsx(tmp_path / "g.xlsx", {"数据": rows}))
    assert rep.status == "loaded" and rep.warnings == [] and rep.written == 6


def test_percent_and_fraction_mix_ups_warn(db_url, tmp_path, monkeypatch):
    # D2_1 (高新技术产业主营业务收入占比) is kept in percent points (unit “%” in the 2017 framework): plain
    # 0.383 and 0.35 read as fractions and warn; “40%” is explicit and does not
    rows = [["单位", "年份", "D2_1"], ["长沙高新区", 2023, 0.383], ["株洲高新区", 2023, "40%"], ["湘潭高新区", 2023, 0.35]]
    rep = run(db_url, xlsx(tmp_path / "f.xlsx", {"数据": rows}))
    assert rep.status == "warned"
    assert [(w.row, w.column) for w in rep.warnings] == [(2, "D2_1"), (4, "D2_1")]
    assert "像是小数形式的比例" in rep.warnings[0].reason
    assert rep.warnings[0].suggestion == "如指 38.3%，请填 38.3 或“38.3%”"
    # an indicator declared as kept in fractions (fields.yaml fraction_kept, none shipped today): 38.3 warns
    from gaoxin.ingest import soft
    kept = dict(soft.settings(), fraction_kept={"D1_1"})
    monkeypatch.setattr(soft, "settings", lambda: kept)
    rows = [["单位", "年份", "D1_1"], ["长沙高新区", 2023, 38.3], ["株洲高新区", 2023, 0.41]]
    rep = run(db_url, xlsx(tmp_path / "k.xlsx", {"数据": rows}))
    assert [(w.row, w.column) for w in rep.warnings] == [(2, "D1_1")] and "像是百分数" in rep.warnings[0].reason
    assert rep.warnings[0].suggestion == "如是百分数，请写成“38.3%”或 0.383"
    # market_share is kept in percent points (unit %): a column of fractions 0.383 / 0.25 warns on each
    head = ["统一社会信用代码", "企业名称", "主导产品全国细分市场占有率（%）"]
    rep = run(db_url, xlsx(tmp_path / "m.xlsx", {"企业": [head, [CODE_A, "甲公司", 0.383], [CODE_B, "乙公司", 0.25]]}))
    assert rep.status == "warned"
    assert [w.row for w in rep.warnings] == [2, 3] and "像是小数形式的比例" in rep.warnings[0].reason
    assert rep.warnings[0].suggestion == "如指 38.3%，请填 38.3 或“38.3%”"


def test_soft_range_warns(db_url, tmp_path):
    # employees: hard max 5,000,000, soft max 500,000 (fields.yaml)
    head = ["统一社会信用代码", "企业名称", "年份", "职工总数"]
    rep = run(db_url, xlsx(tmp_path / "s.xlsx", {"企业": [head, [CODE_A, "甲公司", 2024, 600000]]}))
    assert rep.status == "warned" and [(w.row, w.column) for w in rep.warnings] == [(2, "职工总数")]
    assert "超过通常范围的上限 500,000" in rep.warnings[0].reason


# --- concurrency -------------------------------------------------------------------------------

def test_same_file_imported_twice_at_once_records_one_load(db_url, tmp_path, monkeypatch):
    import gaoxin.ingest.load as load
    rows = [ZONE_HEAD] + [["长沙高新区", y, y - 1900] for y in range(1990, 2026)]
    path = xlsx(tmp_path / "c.xlsx", {"数据": rows})
    barrier = threading.Barrier(2, timeout=30)
    read = load.read_table

    def both_past_the_duplicate_check(*a, **kw):  # neither has written when the other looks for a prior load
        barrier.wait()
        return read(*a, **kw)

    monkeypatch.setattr(load, "read_table", both_past_the_duplicate_check)
    lost = []
    unchanged = load._unchanged

    def lost_the_race(*a, **kw):  # the unique load key refused the second "loaded" batch
        lost.append(1)
        return unchanged(*a, **kw)

    monkeypatch.setattr(load, "_unchanged", lost_the_race)
    out, errors = [], []

    def worker():
        try:
            with session_scope(db_url) as s:
                out.append(import_file(s, path).status)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and sorted(out) == ["loaded", "unchanged"] and lost == [1]
    assert batches(db_url, "loaded") == 1 and batches(db_url, "unchanged") == 1
    assert counts(db_url)["Observation"] == 36          # 1990–2025, written once


def test_unexpected_reader_failure_is_wrapped_and_logged(db_url, tmp_path, monkeypatch, caplog):
    import gaoxin.ingest.load as load

    def broken(*a, **kw):
        raise RuntimeError("unexpected internal failure 42")

    monkeypatch.setattr(load, "validate_sheets", broken)
    path = xlsx(tmp_path / "u.xlsx", {"数据": [ZONE_HEAD, ["长沙高新区", 2023, 12]]})
    with caplog.at_level("ERROR", logger="gaoxin.ingest.load"):
        rep = refused(db_url, path)
    assert [p.reason for p in rep.problems] == ["无法读取该文件（已记入系统日志，请联系管理员）"]
    assert "unexpected internal failure 42" in caplog.text          # for administrators only
    assert "unexpected" not in str(rep.to_dict()["problems"])


def test_library_text_of_a_cell_error_is_replaced_and_logged(caplog):
    from gaoxin.ingest.validate import _user_text
    with caplog.at_level("WARNING", logger="gaoxin.ingest.validate"):
        text = _user_text(ValueError("day is out of range for month"), "2021-02-30")
    assert text == "无法读取该单元格（已记入系统日志，请联系管理员）" and "day is out of range" in caplog.text
    assert _user_text(ValueError("日期不存在：“2021-02-30”"), "2021-02-30") == "日期不存在：“2021-02-30”"

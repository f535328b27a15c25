"""Property test of the one reader (issue 13): random cells — numbers, Chinese numerals, units, dates,
blanks, Excel error values, text — written to a workbook and read back through gaoxin.ingest (the
import's read → validate path and `judge --file`'s enterprise reader) never raise an uncaught
exception, and every message a user would see is Chinese."""
from __future__ import annotations

import re
from datetime import datetime

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaoxin.credit_code import make_credit_code
from gaoxin.enterprise.frame import EnterpriseDataError
from gaoxin.ingest.enterprise_file import read_enterprise_file
from gaoxin.ingest.load import build_context, length_problems
from gaoxin.ingest.read import ReadError, read_table
from gaoxin.ingest.validate import Parsed, validate_sheets
from gaoxin.store.db import session_scope

ALLOWED_LATIN = {"Excel", "CSV", "xlsx", "xls", "include", "hidden", "accept", "warnings", "gaoxin", "template",
                 "UTF", "GBK", "TRL"}


def chinese(text: str | None, file: str = "") -> bool:
    """CJK present and no English words but the allowed names; the user's own quoted values “…” and
    the file's name are not counted."""
    rest = re.sub(r"“[^”]*”", "", (text or "").replace(file, "") if file else text or "")
    return bool(re.search(r"[\u4e00-\u9fff]", text or "")) and set(re.findall(r"[A-Za-z]{3,}", rest)) <= ALLOWED_LATIN


ODD = ["十二", "一百万", "二〇二三", "12万元", "3亿", "1.2亿元", "38.3%", "(120)", "-5", "1,234.5", "１２３", "—", "",
       " ", "无", "N/A", "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "2021-02-30",
       "2099-01-01", "1800-01-01", "2021/6/30", "20210630", "2023年", "是", "否", "1e30", "9e20", "nan", "inf",
       "-inf", "1e309", "5%万", "0.383", "长沙高新区", "株洲高新技术产业开发区", "35人", "1.5千万"]
CELLS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10 ** 20, 10 ** 20),
    st.sampled_from(ODD),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)),
    st.text(max_size=12),
)
HEADERS = {
    "zone": ["单位", "年份", "高新技术企业数", "D2_1", "D1_7"],
    "long": ["单位", "指标", "年份", "数值"],
    "enterprise": ["统一社会信用代码", "企业名称", "所在高新区", "成立日期", "年份", "营业收入（万元）", "职工总数",
                   "主导产品全国细分市场占有率（%）"],
}
CODE = make_credit_code("91430100MA4L00201")


def write(path, header, rows):
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})  # NaN / inf become #NUM! / #DIV/0! cells
    ws = wb.add_worksheet("数据")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, datetime):
                ws.write_datetime(i, j, v, date_fmt)
            elif isinstance(v, str):
                ws.write_string(i, j, v)
            else:
                ws.write_number(i, j, float(v) if isinstance(v, int) and abs(v) > 2 ** 53 else v)
    wb.close()


def test_random_cells_never_escape_and_every_message_is_chinese(sqlite_db_url, tmp_path):
    with session_scope(sqlite_db_url) as s:
        ctx = build_context(s)
    ctx.history = None  # the property is about the reader; stored values are not needed

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(layout=st.sampled_from(sorted(HEADERS)), data=st.data())
    def check(layout, data):
        header = HEADERS[layout]
        rows = data.draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), min_size=1, max_size=4))
        if layout == "enterprise" and data.draw(st.booleans()):
            for r in rows:
                r[0] = CODE  # a valid code, so the other cells get checked too
        path = tmp_path / f"{layout}.xlsx"
        write(path, header, rows)
        try:
            sheets = read_table(path)
        except ReadError as exc:
            assert chinese(exc.args[0]), exc.args[0]
            return
        parsed: Parsed = validate_sheets(path.name, sheets, ctx)
        if not parsed.problems:
            parsed.problems = length_problems(path.name, parsed)
        for p in parsed.problems + parsed.warnings:
            assert chinese(p.reason), p
            assert p.suggestion is None or chinese(p.suggestion), p
        assert all(chinese(n) for n in parsed.notices), parsed.notices
        if layout == "enterprise":  # the same file through `judge --file`'s reader
            try:
                read_enterprise_file(path, as_of_year=2025)
            except EnterpriseDataError as exc:
                assert chinese(str(exc), path.name), str(exc)

    check()

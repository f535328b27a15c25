"""Browser check of the upload page's confirm flow (issue 13): a file with only warnings shows them and
a 确认无误，导入 button; clicking it re-sends the same file with accept_warnings and the data is stored."""
from __future__ import annotations

import pytest
import xlsxwriter
from sqlalchemy import select

from gaoxin.store.db import session_scope
from gaoxin.store.models import Observation
from tests.web.test_browser import ARGS, CHROMIUM, _login, _start_server

pytestmark = pytest.mark.browser
PASSWORD = "test-pass-123"  # tests.web.conftest.PASSWORD, which _login types


def test_warning_then_confirm_in_the_browser(sqlite_db_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    from gaoxin.auth.users import create_user
    with session_scope(sqlite_db_url) as s:
        create_user(s, "admin", PASSWORD, "province_admin", "管理员")
    path = tmp_path / "占比.xlsx"   # D2_1 is kept in percent points (%): 0.383 and 0.41 look like fractions
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("数据")
    for i, row in enumerate([["单位", "年份", "D2_1"], ["长沙高新区", 2023, 0.383], ["株洲高新区", 2023, 0.41]]):
        ws.write_row(i, 0, row)
    wb.close()
    proc, base = _start_server(sqlite_db_url, tmp_path)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            expect.set_options(timeout=20_000)
            ctx, page, errors, external = _login(browser, base, "admin")
            page.goto(base + "/data")
            page.set_input_files("#upload-file", str(path))
            page.get_by_role("button", name="上传并校验").click()
            expect(page.locator("#import-warnings")).to_contain_text("像是小数形式的比例")
            expect(page.locator("#import-result")).to_contain_text("待确认")
            with session_scope(sqlite_db_url) as s:
                assert s.scalars(select(Observation.value)).all() == []
            page.locator("#confirm-import").click()
            expect(page.locator("#import-result")).to_contain_text("已导入")
            expect(page.locator("#import-warnings-head")).to_contain_text("已按您的确认导入")
            assert errors == [] and external == []
            browser.close()
        with session_scope(sqlite_db_url) as s:
            got = dict(s.execute(select(Observation.unit_code, Observation.value)).all())
        assert got == {"HN-N-CHANGSHA": 0.383, "HN-N-ZHUZHOU": 0.41}  # confirmed as written
    finally:
        proc.terminate()
        proc.wait(10)

"""The upload page and the API behave like `gaoxin import`: a file with only warnings is answered with
the warnings and a confirm choice, nothing written; confirming sends it again with accept_warnings."""
from __future__ import annotations

import io

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gaoxin.store.db import session_scope
from gaoxin.store.models import Observation

PASSWORD = "test-pass-123"


@pytest.fixture
def admin(db_url) -> TestClient:
    from gaoxin.auth.users import create_user
    from gaoxin.web.app import create_app
    with session_scope(db_url) as s:
        create_user(s, "admin", PASSWORD, "province_admin", "管理员")
    c = TestClient(create_app(db_url, secret_key="test-secret"))
    c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
    r = c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def percent_file() -> bytes:
    """D2_1 is kept in percent points (unit “%”): 0.383 and 0.41 look like fractions."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("数据")
    for i, row in enumerate([["单位", "年份", "D2_1"], ["长沙高新区", 2023, 0.383], ["株洲高新区", 2023, 0.41]]):
        ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def stored(url) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Observation))


def test_api_answers_with_warnings_then_loads_on_confirmation(admin, db_url):
    files = {"file": ("占比.xlsx", percent_file(), "application/octet-stream")}
    r = admin.post("/api/imports", files=files)
    body = r.json()
    assert r.status_code == 200 and body["status"] == "warned" and body["needs_confirmation"] is True
    assert not body["ok"] and body["problems"] == []
    assert [(w["sheet"], w["row"], w["column"]) for w in body["warnings"]] == [("数据", "2", "D2_1"), ("数据", "3", "D2_1")]
    assert "像是小数形式的比例" in body["warnings"][0]["reason"]
    assert stored(db_url) == 0
    r = admin.post("/api/imports", files=files, data={"accept_warnings": "true"})
    body = r.json()
    assert r.status_code == 200 and body["status"] == "loaded" and body["written"] == 2
    assert stored(db_url) == 2


def test_upload_page_offers_a_confirm_button(admin, db_url):
    files = {"file": ("占比.xlsx", percent_file(), "application/octet-stream")}
    r = admin.post("/data/upload", files=files)
    assert r.status_code == 200
    assert "待确认" in r.text and 'id="confirm-import"' in r.text and "确认无误，导入" in r.text
    assert 'hx-vals=\'{"accept_warnings": "1"}\'' in r.text and "像是小数形式的比例" in r.text
    assert stored(db_url) == 0
    r = admin.post("/data/upload", files=files, data={"accept_warnings": "1"})
    assert r.status_code == 200 and "已导入" in r.text and 'id="confirm-import"' not in r.text
    assert "已按您的确认导入" in r.text
    assert stored(db_url) == 2

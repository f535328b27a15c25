"""Exports escape formula-like cells; names chosen by a request never reach the file system."""
from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import update

from tests.web.conftest import World

HOSTILE_NAME = '=HYPERLINK("http://evil.example/","点击")'


def _cells(content: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_enterprise_list_export_escapes_formula(world: World):
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Enterprise
    with session_scope(world.url) as s:
        s.execute(update(Enterprise).where(Enterprise.credit_code == world.ent_b).values(name=HOSTILE_NAME))
    r = world.client("admin").get(f"/api/enterprises?zone={world.zone_b}&format=xlsx")
    assert r.status_code == 200, r.text[:300]
    cells = _cells(r.content)
    assert "'" + HOSTILE_NAME in cells and HOSTILE_NAME not in cells
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_audit_log_export_escapes_formula(world: World):
    from fastapi.testclient import TestClient
    c = TestClient(world.app)
    c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
    c.post("/api/auth/login", json={"username": "@SUM(1+1)*cmd|' /C calc'!A0", "password": "x"})
    r = world.client("admin").get("/api/audit?format=xlsx")
    cells = _cells(r.content)
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in cells)


@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"), ("+86 731", "'+86 731"), ("-5", "'-5"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("长沙", "长沙"), (-5.0, -5.0), (3, 3), (None, None)])
def test_owasp_rule(cell, expected):
    from gaoxin.reports.excel import safe_cell
    assert safe_cell(cell) == expected


BAD_NAMES = ["../../../../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd", "C:\\Windows\\win.ini",
             "/work/main/gaoxin/reference/frameworks/hunan-provincial-2017.yaml", "no-such-framework",
             "hunan-provincial-2017/../../../etc/passwd", "~/.ssh/id_rsa"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_framework_parameter_never_reads_a_path(world: World, name):
    c = world.client("admin")
    for url in (f"/api/evaluation/ranking?framework={name}", f"/api/evaluation/zones/{world.zone_a}?framework={name}"):
        r = c.get(url)
        assert r.status_code == 404, (url, r.status_code, r.text[:200])
        # one message for every unknown name: nothing from disk, no hint whether a file exists
        assert r.json()["detail"] == "未知的指标体系：请从页面提供的指标体系中选择"


@pytest.mark.parametrize("kind", ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..", "observations%2F..%2F..%2Fx"])
def test_template_kind_is_a_name_not_a_path(world: World, kind):
    r = world.client("admin").get(f"/api/templates/{kind}")
    assert r.status_code == 404
    assert "root:" not in r.text and "etc" not in r.text.split("可选")[0]


@pytest.mark.parametrize("fmt", ["../../etc/passwd", "csv;rm", "xlsx/../x"])
def test_format_parameter_is_a_choice(world: World, fmt):
    r = world.client("admin").get(f"/api/zones?format={fmt}")
    assert r.status_code == 400 and r.json()["detail"] == f"不支持的格式“{fmt}”，可选 json 或 xlsx"


def test_every_route_commits_before_responding(world: World):
    """The request's transaction is a function-scoped dependency, so it commits before the response
    is sent and the very next request sees the write (a request-scoped one commits afterwards)."""
    from fastapi import routing
    from gaoxin.web.deps import get_db

    def walk(dep):
        for sub in dep.dependencies:
            if sub.call is get_db:
                yield sub
            yield from walk(sub)
    seen = 0
    for ctx in routing.iter_route_contexts(world.app.routes):
        dependant = getattr(ctx.route, "dependant", None)
        if dependant is None:
            continue
        for sub in walk(dependant):
            seen += 1
            assert sub.scope == "function", (ctx.path, sub.scope)
    assert seen > 40
    c = world.client("admin")
    assert c.put(f"/api/zones/{world.zone_a}/observations",
                 json={"indicator_code": world.indicator, "period": 2023, "value": 77.5}).status_code == 200
    rows = c.get(f"/api/zones/{world.zone_a}/observations?year=2023&indicator={world.indicator}").json()["rows"]
    assert [r["value"] for r in rows] == [77.5]

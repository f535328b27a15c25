"""Request limits and browser defences that hold for every response."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, build_world, obs_xlsx


@pytest.fixture
def small_limit_world(sqlite_db_url):
    return build_world(sqlite_db_url, max_body=64 * 1024)


def test_oversized_upload_is_refused_with_413_before_parsing(small_limit_world, monkeypatch):
    w = small_limit_world
    c = w.client("admin")
    import gaoxin.ingest.load as load
    called = []
    monkeypatch.setattr(load, "import_file", lambda *a, **k: called.append(1))
    big = b"a,b\n" + b"1,2\n" * 40_000  # 160 KB
    r = c.post("/api/imports", files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413
    assert r.json()["detail"] == "上传内容过大：超过 0.0625 MB 的上限，请拆分文件后分批导入"
    assert called == []  # nothing was read or parsed
    monkeypatch.undo()
    # a small file still goes through to the importer
    r = c.post("/api/imports", files={"file": ("ok.xlsx", obs_xlsx(w.zone_a, w.indicator), "application/octet-stream")})
    assert r.status_code != 413


def test_default_body_limit_is_50_mb():
    from gaoxin.web.security import max_body_bytes
    assert max_body_bytes() == 50 * 1024 * 1024


def test_streamed_body_over_the_limit_is_refused(small_limit_world):
    c = small_limit_world.client("admin")

    def chunks():
        for _ in range(100):
            yield b"x" * 4096
    r = c.post("/api/imports", content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 413


EXPECTED = {
    "content-security-policy": "script-src 'self';",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _check_headers(r, where):
    for name, value in EXPECTED.items():
        assert value in r.headers.get(name, ""), (where, name, r.headers.get(name))
    csp = r.headers["content-security-policy"]
    script = [d for d in csp.split(";") if d.strip().startswith("script-src")][0]
    assert "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "frame-ancestors 'none'" in csp


def test_every_registered_route_answers_with_the_security_headers(world):
    from tests.security.test_route_matrix import REGISTRY, _send
    c = world.client("admin")
    anon = TestClient(world.app)
    for key, (_kind, _why, builder) in REGISTRY.items():
        if builder is None:
            continue
        _check_headers(_send(c, world, builder), key)
        _check_headers(_send(anon, world, builder), ("anonymous",) + key)
    for path in ("/no/such/page", "/api/no-such", "/static/app.js", "/api/docs", "/login"):
        r = anon.get(path, follow_redirects=False)
        _check_headers(r, path)
    r = anon.get("/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.text and "Not Found" not in r.text


def test_api_docs_page_has_no_inline_script(world):
    r = TestClient(world.app).get("/api/docs")
    import re
    assert r.status_code == 200
    assert re.findall(r"<script>(.+?)</script>", r.text, re.S) == []
    assert '<script src="/static/swagger-init.js">' in r.text


def test_htmx_error_fragment_escapes(world):
    c = world.client("admin")
    r = c.get("/evaluation/zones/%3Cimg%20src=x%20onerror=alert(1)%3E", headers={"HX-Request": "true"})
    assert "<img" not in r.text

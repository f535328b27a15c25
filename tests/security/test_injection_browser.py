"""Stored-injection sweep: hostile text in every text field that pages show (enterprise, demand,
result, user, audit and import records), then every page opened in headless Chromium as the
administrator and as a zone user. No dialog may open, no element may carry an injected event
handler, and the CSP header is on every response."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.web.conftest import PASSWORD, wait_for_match_index
from tests.web.test_browser import ARGS, CHROMIUM, _start_server

pytestmark = pytest.mark.browser

# breaks out of an attribute, a JS string, an HTML context; a javascript: URL; template syntax
HOSTILE = "\"'><img src=x onerror=alert(1)><script>alert(2)</script>javascript:alert(3) {{7*7}}"
SHORT = "'\"><svg onload=alert(4)>"  # fits 32-character code columns


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    import os
    home = tmp_path_factory.mktemp("gaoxin_hostile")
    url = f"sqlite:///{home / 'gaoxin.db'}"
    os.environ.setdefault("GAOXIN_SCRYPT_N", "16384")
    from gaoxin.auth.audit import record_change
    from gaoxin.auth.users import create_user
    from gaoxin.demo import build_demo
    from gaoxin.store.db import session_scope
    from gaoxin.store.migrate import init_database
    from gaoxin.store.models import Enterprise, ImportBatch, TechDemand, TechResult
    init_database(url)
    with session_scope(url) as s:
        build_demo(s, n_enterprises=200, n_results=40, n_demands=20)
    with session_scope(url) as s:
        ent = s.scalars(select(Enterprise).order_by(Enterprise.id).limit(1)).one()
        zone = ent.zone_code
        s.execute(update(Enterprise).where(Enterprise.id == ent.id).values(name=HOSTILE + "有限公司"))
        dem = s.scalars(select(TechDemand).where(TechDemand.zone_code == zone).limit(1)).first() \
            or s.scalars(select(TechDemand).limit(1)).one()
        dem.zone_code = zone
        dem.code, dem.title, dem.enterprise_name = SHORT, HOSTILE + "电池材料需求", HOSTILE
        res = s.scalars(select(TechResult).limit(1)).one()
        res.code, res.title, res.institution = SHORT[:-1] + "R>", HOSTILE + "电池材料", HOSTILE[:120]
        create_user(s, "admin", PASSWORD, "province_admin", HOSTILE[:60])
        create_user(s, "zone_a", PASSWORD, "zone_user", "园区用户", [zone])
        record_change(s, HOSTILE[:64], "login_failed", "session", HOSTILE[:90])
        s.add(ImportBatch(file_name=HOSTILE + ".xlsx", sha256="0" * 64, kind="observations", status="rejected",
                          message=HOSTILE, username=HOSTILE[:64]))
        credit = ent.credit_code
    proc, base = _start_server(url, home)
    import httpx
    with httpx.Client(base_url=base, timeout=300) as c:
        c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
        c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        wait_for_match_index(c)
    yield {"base": base, "zone": zone, "credit": credit, "demand": SHORT}
    proc.terminate()
    proc.wait(10)


def _pages(h):
    from urllib.parse import quote
    return ["/", "/evaluation", f"/evaluation/zones/{h['zone']}", "/targets", f"/enterprises?zone={h['zone']}",
            f"/enterprises/{h['credit']}", "/matching", "/data", "/admin/users", "/admin/audit",
            "/no-such-page/" + quote(HOSTILE)]


@pytest.mark.parametrize("who", ["admin", "zone_a"])
def test_no_injected_script_runs_anywhere(hostile_server, who):
    if not __import__("pathlib").Path(CHROMIUM).exists():
        pytest.skip("未安装 /usr/bin/chromium")
    from playwright.sync_api import sync_playwright
    base = hostile_server["base"]
    dialogs, missing_csp, pages_seen = [], [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        ctx = b.new_context(locale="zh-CN")
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append((page.url, d.message)), d.dismiss()))

        def check_response(r):
            if r.url.startswith(base) and r.request.resource_type == "document" \
                    and "script-src 'self'" not in (r.headers.get("content-security-policy") or ""):
                missing_csp.append(r.url)
        page.on("response", check_response)
        page.goto(base + "/login")
        page.fill("#username", who)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")
        for path in _pages(hostile_server):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            pages_seen.append(path)
            injected = page.locator("[onerror], [onload], img[src='x'], svg[onload]").count()
            assert injected == 0, (who, path, "injected element")
        # the matching page's search and demand list also render imported text
        page.goto(base + "/matching")
        page.wait_for_load_state("networkidle")
        if page.locator("#q").count():
            page.fill("#q", "电池材料")
            page.keyboard.press("Enter")
            page.wait_for_timeout(1500)
            assert page.locator("[onerror], [onload], img[src='x']").count() == 0
        b.close()
    assert dialogs == [], dialogs
    assert missing_csp == [], missing_csp
    assert len(pages_seen) == len(_pages(hostile_server))

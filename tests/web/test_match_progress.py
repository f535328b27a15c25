"""The 成果对接 page and API while the vectors are computed in the background (issue 17): they
answer on BM25 from the start, switch to the hybrid for the texts already embedded, and show how
far the build is; a failed build is reported."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from gaoxin.matching.embed import HashingEmbedder
from gaoxin.services import matching as mt


# --- BuildStatus (pure) ---------------------------------------------------------------------------

def test_status_text_counts_and_eta(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(mt, "_clock", lambda: clock[0])
    st = mt.BuildStatus()
    assert st.snapshot()["state"] == "idle"
    assert st.begin("k") and not st.begin("k")  # a second build does not start while one runs
    s = st.snapshot()
    assert s["state"] == "building" and s["total"] is None and "正在建立成果对接索引" in s["text"]
    assert s["mode_label"] == "尚不可用"
    st.served(0, 2500)  # BM25 answers from here on
    st.total(2500)
    s = st.snapshot()
    assert s["text"] == "成果对接已可使用，文本向量计算中：已处理 0 / 2,500 条（正在估算剩余时间）"
    assert s["mode_label"] == "关键词检索（BM25）"
    clock[0] = 160.0
    st(600)
    st(600)
    s = st.snapshot()
    # 1,200 texts in 60 s = 20/s; 1,300 left = 65 s -> rounded up to 2 minutes
    assert (s["done"], s["total"], s["percent"], s["eta_seconds"]) == (1200, 2500, 48.0, 65)
    assert s["text"] == "成果对接已可使用，文本向量计算中：已处理 1,200 / 2,500 条（约 2 分钟）"
    assert s["mode_label"] == "混合检索（已计算向量的 1,200 / 2,500 条），其余按关键词检索"
    clock[0] = 170.0
    st(1250)  # 2,450 in 70 s = 35/s; 50 left -> 1.4 s
    assert st.snapshot()["text"].endswith("（不到 1 分钟）")
    st.finish()
    s = st.snapshot()
    assert s["state"] == "ready" and s["done"] == 2500 and s["text"] == "成果对接索引已就绪" and st.wait(0)


def test_status_error_is_not_retried_at_once(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(mt, "_clock", lambda: clock[0])
    calls = []

    def broken(status):
        calls.append(1)
        raise RuntimeError("磁盘已满")
    url = "sqlite:///not-a-real-db-for-status-test"
    monkeypatch.setitem(mt._STATUSES, url, mt.BuildStatus())
    st = mt.start(url, "k1", broken, retry_after_error=60)
    assert st.wait(30)
    assert st.snapshot()["state"] == "error" and "磁盘已满" in st.snapshot()["text"]
    clock[0] = 10.0
    mt.start(url, "k1", broken, retry_after_error=60)
    assert len(calls) == 1 and st.snapshot()["state"] == "error"
    clock[0] = 70.0
    mt.start(url, "k1", broken, retry_after_error=60)
    assert st.wait(30) and len(calls) == 2


# --- the web app during a held build ----------------------------------------------------------------

class GatedEmbedder(HashingEmbedder):
    """Hashing vectors, but model call number `hold_at` waits for `release`: the build is held midway
    with the earlier chunks embedded, like a slow real model."""

    def __init__(self, hold_at: int):
        super().__init__()
        self.release = threading.Event()
        self.calls = 0
        self.hold_at = hold_at

    def _gate(self):
        self.calls += 1
        if self.calls == self.hold_at:
            assert self.release.wait(120), "test did not release the build"

    def encode_passages(self, texts):
        self._gate()
        return super().encode_passages(texts)

    def encode_queries(self, texts):
        self._gate()
        return super().encode_queries(texts)


BATCH = 16


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """Overrides the session demo of tests/web/conftest.py for this module: the same users and the
    same 80 results + 40 demands, without the enterprise figures (not needed for 成果对接)."""
    import os
    from gaoxin.auth.users import create_user
    from gaoxin.demo import build_demo
    from gaoxin.store.db import session_scope
    from gaoxin.store.migrate import init_database
    from gaoxin.store.models import Zone
    from tests.web.conftest import PASSWORD
    home = tmp_path_factory.mktemp("gaoxin_match")
    url = f"sqlite:///{home / 'gaoxin.db'}"
    old = {k: os.environ.get(k) for k in ("GAOXIN_HOME", "GAOXIN_EMBEDDER", "GAOXIN_DATABASE_URL")}
    os.environ.update(GAOXIN_HOME=str(home), GAOXIN_EMBEDDER="hashing", GAOXIN_DATABASE_URL=url)
    init_database(url)
    with session_scope(url) as s:
        build_demo(s, n_enterprises=0, n_results=80, n_demands=40, years=(2024,))
        zone = s.scalar(select(Zone.code).where(Zone.code == "HN-N-CHANGSHA")) or s.scalar(select(Zone.code))
        create_user(s, "admin", PASSWORD, "province_admin", "省厅管理员")
        create_user(s, "zone_a", PASSWORD, "zone_user", "长沙高新区用户", [zone])
        create_user(s, "viewer", PASSWORD, "readonly", "只读用户")
    yield {"url": url, "home": home, "zone": zone}
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def fresh_build(demo_home, tmp_path, monkeypatch):
    """No live matcher and no build for the demo database; an empty index home, so every text is
    embedded by the gated model in chunks of BATCH. Model calls: demands first (40 = 16 + 16 + 8),
    then results (80 = 5 × 16); the build is held at call 5, i.e. after all 40 demands and the first
    16 results. A request waits up to 30 s for BM25 (the keyword index takes well under a second)."""
    from gaoxin.services.cache import settings
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import TechDemand, TechResult
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path / "home"))
    gated = GatedEmbedder(hold_at=5)
    monkeypatch.setattr("gaoxin.matching.matcher.get_embedder", lambda *a, **k: gated)
    monkeypatch.setitem(settings()["matching"], "build_wait_seconds", 30)
    bs = dict(mt.build_settings(), batch_size=BATCH, text_cut_chars=0)
    monkeypatch.setattr(mt, "build_settings", lambda: bs)
    mt.reset()
    with session_scope(demo_home["url"]) as s:
        n_r = s.scalar(select(func.count(TechResult.id)))
        n_d = s.scalar(select(func.count(TechDemand.id)))
    yield gated, n_r, n_d
    gated.release.set()
    for st in list(mt._STATUSES.values()):
        st.wait(120)
    mt.reset()


def _poll(c, until, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        st = c.get("/api/match/status").json()
        if until(st) or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def test_answers_on_bm25_at_once_then_hybrid_for_embedded_texts(demo_client, demo_home, fresh_build):
    gated, n_r, n_d = fresh_build
    assert (n_r, n_d) == (80, 40)  # SMALL_DEMO in tests/web/conftest.py
    c = demo_client("zone_a")
    # the first request starts the build and is answered by the keyword index, with the build strip
    page = c.get("/matching")
    assert page.status_code == 200
    assert 'id="q"' in page.text and 'data-ready="1"' in page.text
    assert 'id="match-strip"' in page.text and "文本向量计算中" in page.text

    # held after call 4: 40 demands + 16 results embedded (by hand: 16 + 16 + 8, then 16)
    st = _poll(c, lambda s: s["done"] >= n_d + BATCH)
    assert st["state"] == "building" and st["serving"] is True and st["total"] == n_r + n_d
    assert st["done"] == n_d + BATCH
    assert st["text"] == f"成果对接已可使用，文本向量计算中：已处理 {n_d + BATCH:,} / {n_r + n_d:,} 条（" + \
        st["text"].split("（", 1)[1]
    r = c.get("/api/matching/results", params={"q": "电池材料"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] and body["meta"]["mode"] == f"混合检索（已计算向量的 {BATCH} / {n_r} 条），其余按关键词检索"
    assert set(r["strength"] for r in body["rows"]) <= {"高", "中", "低"}

    # the rows of the live matcher: similarity only for the results that have a vector
    live = mt._LIVE[next(iter(mt._LIVE))]["matcher"]
    have = dict(zip(live.results.records["code"], live.results.have))
    assert sum(have.values()) == BATCH
    full = live.search("电池材料", top=30, min_strength=False)
    for codes, sim in zip(full["codes"], full["similarity"]):
        assert (sim is not None and sim == sim) == have[codes[0]]

    # the strip keeps polling while vectors are computed; the demands and roadshows answer too
    strip = c.get("/matching/status?part=strip", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 5s"' in strip.text and "已处理" in strip.text
    assert c.get("/api/matching/demands").json()["rows"]
    assert c.get("/api/matching/roadshows").status_code == 200

    gated.release.set()
    st = _poll(c, lambda s: s["state"] != "building")
    assert st["state"] == "ready" and st["done"] == st["total"] == n_r + n_d
    r = c.get("/api/matching/results", params={"q": "电池材料"})
    assert r.json()["meta"]["mode"] == "混合检索（关键词 + 文本向量）"
    page = c.get("/matching")
    assert 'data-ready="1"' in page.text and "文本向量计算中" not in page.text


def test_page_shows_progress_until_the_keyword_index_answers(demo_client, fresh_build, monkeypatch):
    """With no wait at all, the very first request sees the progress panel (the keyword index is
    not published yet) and its htmx poll swaps in the body as soon as it is."""
    from gaoxin.services.cache import settings
    gated, *_ = fresh_build
    gated.release.set()
    monkeypatch.setitem(settings()["matching"], "build_wait_seconds", 0)
    c = demo_client("admin")
    page = c.get("/matching")
    assert 'id="match-body"' in page.text
    if 'data-ready="1"' not in page.text:  # the build had not published yet
        assert 'hx-trigger="every 2s"' in page.text and "成果对接索引" in page.text
    st = _poll(c, lambda s: s["serving"])
    assert st["serving"]
    frag = c.get("/matching/status", headers={"HX-Request": "true"})
    assert 'data-ready="1"' in frag.text and 'id="q"' in frag.text


def test_out_of_library_search_says_no_suitable_match(demo_client, fresh_build):
    gated, *_ = fresh_build
    gated.release.set()
    c = demo_client("admin")
    _poll(c, lambda s: s["state"] == "ready")
    r = c.get("/api/matching/results", params={"q": "超导量子比特退相干"})
    body = r.json()
    assert r.status_code == 200
    assert (body["rows"] == [] and body["meta"]["no_match"] and body["meta"]["message"].startswith("无合适匹配")) \
        or {x["strength"] for x in body["rows"]} == {"低"}
    frag = c.get("/matching/search", params={"q": "超导量子比特退相干"}, headers={"HX-Request": "true"})
    assert "无合适匹配" in frag.text or "低" in frag.text


def test_failed_build_is_reported(demo_client, fresh_build, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("模型文件缺失（测试）")
    monkeypatch.setattr(mt, "_build", boom)
    c = demo_client("viewer")
    c.get("/api/match/status")
    st = _poll(c, lambda s: s["state"] != "building")
    assert st["state"] == "error" and "模型文件缺失（测试）" in st["text"]
    r = c.get("/api/matching/results", params={"q": "电池"})
    assert r.status_code == 503 and "未能建立" in r.json()["detail"] and r.headers["Retry-After"] == "60"
    page = c.get("/matching")
    assert "未能建立" in page.text and "every 2s" not in page.text  # no endless polling on an error


def test_status_requires_login(demo_client):
    assert demo_client(None).get("/api/match/status").status_code == 401


def test_serve_warm_up_reports_progress_on_the_console(demo_home, fresh_build, monkeypatch):
    import io
    from rich.console import Console
    from gaoxin.cli import web_cli
    gated, n_r, n_d = fresh_build
    out = io.StringIO()
    monkeypatch.setattr(web_cli, "console", Console(file=out, width=200))
    web_cli._warm_matching(demo_home["url"], report_every=0.05)
    deadline = time.monotonic() + 120
    while "已处理" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"/ {n_r + n_d:,} 条" in out.getvalue() and "成果对接已可使用" in out.getvalue()
    gated.release.set()
    while "成果对接索引已就绪" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "成果对接索引已就绪" in out.getvalue()

"""The 成果对接 page and API while the matching index is built in the background: progress bar
and status instead of a hanging request, 503 + Retry-After from the JSON API, results afterwards."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from gaoxin.matching.embed import HashingEmbedder
from gaoxin.web import engines, match_build


# --- BuildStatus (pure) ---------------------------------------------------------------------------

def test_status_text_counts_and_eta(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(match_build, "_clock", lambda: clock[0])
    st = match_build.BuildStatus()
    assert st.snapshot()["state"] == "idle"
    assert st.begin("k") and not st.begin("k")  # a second build does not start while one runs
    s = st.snapshot()
    assert s["state"] == "building" and s["total"] is None and "正在建立成果对接索引" in s["text"]
    st.total(2500)
    assert st.snapshot()["text"] == "正在建立成果对接索引：已处理 0 / 2,500 条（正在估算剩余时间）"
    clock[0] = 160.0
    st(600)
    st(600)
    s = st.snapshot()
    # 1,200 texts in 60 s = 20/s; 1,300 left = 65 s -> rounded up to 2 minutes
    assert (s["done"], s["total"], s["percent"], s["eta_seconds"]) == (1200, 2500, 48.0, 65)
    assert s["text"] == "正在建立成果对接索引：已处理 1,200 / 2,500 条（约 2 分钟）"
    clock[0] = 170.0
    st(1250)  # 2,450 in 70 s = 35/s; 50 left -> 1.4 s
    assert st.snapshot()["text"].endswith("（不到 1 分钟）")
    st.finish()
    s = st.snapshot()
    assert s["state"] == "ready" and s["done"] == 2500 and s["text"] == "成果对接索引已就绪" and st.wait(0)


def test_status_error_is_not_retried_at_once(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(match_build, "_clock", lambda: clock[0])
    calls = []

    def broken(status):
        calls.append(1)
        raise RuntimeError("磁盘已满")
    url = "sqlite:///not-a-real-db-for-status-test"
    monkeypatch.setitem(match_build._STATUSES, url, match_build.BuildStatus())
    st = match_build.start(url, "k1", broken, retry_after_error=60)
    assert st.wait(30)
    assert st.snapshot()["state"] == "error" and "磁盘已满" in st.snapshot()["text"]
    clock[0] = 10.0
    match_build.start(url, "k1", broken, retry_after_error=60)
    assert len(calls) == 1 and st.snapshot()["state"] == "error"
    clock[0] = 70.0
    match_build.start(url, "k1", broken, retry_after_error=60)
    assert st.wait(30) and len(calls) == 2


# --- the web app during a held build ----------------------------------------------------------------

class GatedEmbedder(HashingEmbedder):
    """Hashing vectors, but the second model call waits for `release`: the build is held midway
    with the first chunk counted, like a slow real model."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def _gate(self):
        self.calls += 1
        if self.calls == 2:
            assert self.release.wait(120), "test did not release the build"

    def encode_passages(self, texts):
        self._gate()
        return super().encode_passages(texts)

    def encode_queries(self, texts):
        self._gate()
        return super().encode_queries(texts)


@pytest.fixture
def fresh_build(demo_home, tmp_path, monkeypatch):
    """No matcher cached and no build started for the demo database; an empty index home, so every
    text is embedded by the gated model; requests do not wait at all for the build."""
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import TechDemand, TechResult
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path / "home"))
    gated = GatedEmbedder()
    monkeypatch.setattr("gaoxin.matching.matcher.get_embedder", lambda *a, **k: gated)
    monkeypatch.setitem(engines.settings()["matching"], "build_wait_seconds", 0)

    def clear():
        for k in [k for k in engines._EVAL_CACHE if k[0] == "matcher"]:
            del engines._EVAL_CACHE[k]
        match_build._STATUSES.clear()
    clear()
    with session_scope(demo_home["url"]) as s:
        n = s.scalar(select(func.count(TechResult.id))) + s.scalar(select(func.count(TechDemand.id)))
    yield gated, n
    gated.release.set()
    for st in list(match_build._STATUSES.values()):
        st.wait(120)
    clear()


def _poll(c, until, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        st = c.get("/api/match/status").json()
        if until(st) or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def test_page_and_api_while_building_then_ready(demo_client, fresh_build):
    gated, n_texts = fresh_build
    c = demo_client("zone_a")  # any logged-in role may see the progress
    # the first request starts the background build and answers at once with the progress bar
    page = c.get("/matching")
    assert page.status_code == 200
    assert 'id="match-body"' in page.text and 'hx-trigger="every 2s"' in page.text and 'class="progress' in page.text
    assert "正在建立成果对接索引" in page.text and 'id="q"' not in page.text

    st = _poll(c, lambda s: s["done"] > 0)
    chunk = __import__("gaoxin.matching.index", fromlist=["EMBED_CHUNK"]).EMBED_CHUNK
    assert st["state"] == "building" and st["total"] == n_texts and st["done"] == min(chunk, n_texts)
    assert st["text"].startswith(f"正在建立成果对接索引：已处理 {st['done']:,} / {n_texts:,} 条")
    assert st["started_at"]

    # JSON API: 503, Chinese message, Retry-After, status in the body
    for url in ("/api/matching/results?q=电池材料", "/api/matching/roadshows"):
        r = c.get(url)
        assert r.status_code == 503, (url, r.text)
        assert int(r.headers["Retry-After"]) > 0
        body = r.json()
        assert "正在建立成果对接索引" in body["detail"] and body["status"]["state"] == "building"
    # the htmx poll keeps returning the progress panel while building
    frag = c.get("/matching/status", headers={"HX-Request": "true"})
    assert frag.status_code == 200 and "hx-get=\"/matching/status\"" in frag.text and "已处理" in frag.text
    # the demands list does not need the index
    assert c.get("/api/matching/demands").status_code == 200

    gated.release.set()
    st = _poll(c, lambda s: s["state"] != "building")
    assert st["state"] == "ready" and st["done"] == st["total"] == n_texts

    frag = c.get("/matching/status", headers={"HX-Request": "true"})
    assert 'data-ready="1"' in frag.text and 'id="q"' in frag.text and "every 2s" not in frag.text
    r = c.get("/api/matching/results", params={"q": "电池材料"})
    assert r.status_code == 200 and r.json()["rows"]
    page = c.get("/matching")
    assert 'data-ready="1"' in page.text and "正在建立成果对接索引" not in page.text
    assert gated.calls >= 2


def test_short_wait_serves_a_quick_build_directly(demo_client, fresh_build, monkeypatch):
    """With build_wait_seconds > 0 a request waits for a build that finishes in time (e.g. an
    incremental rebuild after a feedback write) instead of showing progress."""
    gated, _ = fresh_build
    gated.release.set()
    monkeypatch.setitem(engines.settings()["matching"], "build_wait_seconds", 120)
    c = demo_client("admin")
    r = c.get("/api/matching/results", params={"q": "电池材料"})
    assert r.status_code == 200 and r.json()["rows"]


def test_failed_build_is_reported(demo_client, fresh_build, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("模型文件缺失（测试）")
    monkeypatch.setattr(engines, "_build_matcher", boom)
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
    gated, n_texts = fresh_build
    out = io.StringIO()
    monkeypatch.setattr(web_cli, "console", Console(file=out, width=200))
    web_cli._warm_matching(demo_home["url"], report_every=0.05)
    deadline = time.monotonic() + 120
    while "已处理" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"/ {n_texts:,} 条" in out.getvalue()
    gated.release.set()
    while "成果对接索引已就绪" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "成果对接索引已就绪" in out.getvalue()


def test_long_running_build_is_not_waited_for(demo_client, fresh_build, monkeypatch):
    """build_wait_seconds covers a build's first seconds only: once a build has run longer, a
    request answers with the progress at once instead of waiting again."""
    offset = [0.0]
    real = match_build._clock
    monkeypatch.setattr(match_build, "_clock", lambda: real() + offset[0])
    monkeypatch.setitem(engines.settings()["matching"], "build_wait_seconds", 5)
    c = demo_client("admin")
    assert c.get("/api/match/status").json()["state"] == "building"  # starts the held build
    offset[0] = 600.0  # the build has been running for ten minutes
    waits = []
    orig = match_build.BuildStatus.wait
    monkeypatch.setattr(match_build.BuildStatus, "wait", lambda self, t: waits.append(t) or orig(self, t))
    r = c.get("/api/matching/results", params={"q": "电池"})
    assert r.status_code == 503 and waits == []
    assert c.get("/matching").status_code == 200 and waits == []

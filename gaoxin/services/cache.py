"""The services' result cache, keyed by the data version, and the platform settings.

A cached result is valid until the data change: every key ends with `data_version(db)`, which any
import, demo build or audited change bumps. The cache is process-wide and bounded."""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "web" / "settings.yaml"

CACHE: dict = {}   # key -> result; keys whose first item is "matcher" are kept across evictions
_LOCK = threading.RLock()
MAX_ENTRIES = 64


@functools.lru_cache(maxsize=1)
def settings() -> dict:
    """Platform settings (default framework, headline plan, uncertainty runs, matching waits)."""
    import yaml
    return yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))


def default_framework() -> str:
    return os.environ.get("GAOXIN_FRAMEWORK") or settings()["evaluation"]["framework"]


def data_version(db: Session) -> tuple:
    """A data version: any import, demo build or audited change bumps one of these ids, so cached
    results are recomputed after a write. Logins (entity "session") do not count."""
    from gaoxin.store.models import AuditLog, ImportBatch, Observation
    url = str(db.get_bind().url)
    row = db.execute(select(select(func.max(Observation.id)).scalar_subquery(),
                            select(func.max(ImportBatch.id)).scalar_subquery(),
                            select(func.max(AuditLog.id)).where(AuditLog.entity != "session").scalar_subquery())).one()
    return (url,) + tuple(row)  # one round trip per call


def cached(key, compute):
    """Compute once per key even when many requests miss at the same time (no thundering herd)."""
    if key in CACHE:
        return CACHE[key]
    with _LOCK:
        if key not in CACHE:
            if len(CACHE) > MAX_ENTRIES:
                for k in [k for k in list(CACHE) if k[0] != "matcher"]:  # list(): another thread
                    CACHE.pop(k, None)                                  # may insert meanwhile
            CACHE[key] = compute()
        return CACHE[key]


def clear() -> None:
    with _LOCK:
        CACHE.clear()

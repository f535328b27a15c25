"""Security settings from auth/settings.yaml, each overridable by an environment variable."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

_ENV = {
    ("session", "idle_seconds"): "GAOXIN_SESSION_IDLE",
    ("session", "absolute_seconds"): "GAOXIN_SESSION_MAX_AGE",
    ("throttle", "lock_seconds"): "GAOXIN_LOCK_SECONDS",
    ("limits", "max_body_mb"): "GAOXIN_MAX_BODY_MB",
    ("limits", "max_import_rows"): "GAOXIN_MAX_IMPORT_ROWS",
    ("limits", "max_import_columns"): "GAOXIN_MAX_IMPORT_COLUMNS",
    ("password", "scrypt_n"): "GAOXIN_SCRYPT_N",
}


@functools.lru_cache(maxsize=1)
def _file() -> dict:
    return yaml.safe_load(Path(__file__).with_name("settings.yaml").read_text(encoding="utf-8"))


def setting(section: str, name: str) -> float:
    env = _ENV.get((section, name))
    if env and os.environ.get(env):
        return float(os.environ[env])
    return float(_file()[section][name])


def throttle_levels(kind: str) -> tuple[int, int]:
    t = _file()["throttle"][kind]
    return int(t["free_failures"]), int(t["lock_failures"])

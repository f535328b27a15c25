"""Where the platform keeps its files. Everything is overridable by environment variable."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = PACKAGE_DIR / "reference"


def data_home() -> Path:
    """GAOXIN_HOME, else ./gaoxin-data in the current directory (an embedded, per-project store)."""
    home = Path(os.environ.get("GAOXIN_HOME", "gaoxin-data")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def database_url() -> str:
    """GAOXIN_DATABASE_URL selects PostgreSQL (postgresql+psycopg://…); SQLite in GAOXIN_HOME by default."""
    url = os.environ.get("GAOXIN_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_home() / 'gaoxin.db'}"

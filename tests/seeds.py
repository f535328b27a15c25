"""Where the source documents (shared/seeds) are, for tests that check reference data against them.

GAOXIN_SEEDS_DIR, else `../shared/seeds` beside the checkout (as CI lays it out), else /work/shared/seeds.
Tests that need them skip with a reason where they are absent (a user's machine has only the package).
"""
from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def seeds_dir() -> Path:
    candidates = [os.environ.get("GAOXIN_SEEDS_DIR"), _REPO.parent / "shared" / "seeds", "/work/shared/seeds"]
    for cand in candidates:
        if cand and Path(cand).is_dir():
            return Path(cand)
    return _REPO.parent / "shared" / "seeds"


SEEDS = seeds_dir()

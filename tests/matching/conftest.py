from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    """Each test gets its own GAOXIN_HOME (index, jieba cache) and the model-free hashing embedder,
    so tests are fast; the real model is exercised in test_embed_offline.py."""
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GAOXIN_EMBEDDER", "hashing")
    yield

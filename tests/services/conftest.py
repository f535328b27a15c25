"""Fixtures shared by the services tests that read the shipped plans from a fresh database."""
from __future__ import annotations

import pytest


@pytest.fixture
def fresh_cache():
    """The services' data-version cache emptied before and after a test, so no answer leaks between tests."""
    from gaoxin.services.cache import clear
    clear()
    yield
    clear()


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory):
    """One migrated SQLite database (the seed plans, no observation) shared by a module's reading tests."""
    from gaoxin.store.db import dispose_engines
    from gaoxin.store.migrate import init_database
    url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'gaoxin.db'}"
    init_database(url)
    yield url
    dispose_engines()

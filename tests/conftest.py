"""Shared fixtures.

`db_url` runs a test once on SQLite and once on PostgreSQL. The PostgreSQL run creates a fresh
database on the server named by GAOXIN_TEST_PG_URL (default: the machine's server at 127.0.0.1:5432,
database `test`) and drops it afterwards. Where no server answers the PostgreSQL run is skipped with
the reason, unless GAOXIN_REQUIRE_PG=1 (set by .ci/run), which turns the skip into a failure.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# The shipped scrypt cost (N=2^17, OWASP's minimum) takes ~0.3 s a hash; the suite creates hundreds of
# users, so it hashes at N=2^14. tests/security checks the shipped setting itself.
os.environ.setdefault("GAOXIN_SCRYPT_N", "16384")

PG_ADMIN_URL = os.environ.get("GAOXIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"PostgreSQL 不可用（{PG_ADMIN_URL}）：{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = _pg_available()
    if reason:
        if os.environ.get("GAOXIN_REQUIRE_PG") == "1":
            pytest.fail(reason + "；GAOXIN_REQUIRE_PG=1 要求在 PostgreSQL 上运行")
        pytest.skip(reason)
    return PG_ADMIN_URL


def _fresh_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"gaoxin_t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path) -> str:
    """A URL to an empty database (no tables), on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gaoxin.db'}"
        from gaoxin.store.db import dispose_engines
        dispose_engines()
        return
    admin = request.getfixturevalue("pg_server")
    name, url = _fresh_pg_database(admin)
    yield url
    from gaoxin.store.db import dispose_engines
    dispose_engines()
    _drop_pg_database(admin, name)


@pytest.fixture
def db_url(empty_db_url, monkeypatch) -> str:
    """A migrated database (schema + reference data), on each backend; also set as GAOXIN_DATABASE_URL."""
    from gaoxin.store.migrate import init_database
    init_database(empty_db_url)
    monkeypatch.setenv("GAOXIN_DATABASE_URL", empty_db_url)
    return empty_db_url


@pytest.fixture
def sqlite_db_url(tmp_path, monkeypatch) -> str:
    """A migrated SQLite database only, for tests that do not concern the backend."""
    url = f"sqlite:///{tmp_path / 'gaoxin.db'}"
    from gaoxin.store.migrate import init_database
    init_database(url)
    monkeypatch.setenv("GAOXIN_DATABASE_URL", url)
    yield url
    from gaoxin.store.db import dispose_engines
    dispose_engines()

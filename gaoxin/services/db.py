"""Opening the database for a shell (the CLI's one transaction per command, the web's one per
request), creating or upgrading it, and translating database failures into a Chinese message."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gaoxin.services.errors import Unavailable

log = logging.getLogger("gaoxin.services")


def _unavailable(exc: SQLAlchemyError) -> Unavailable:
    first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    log.error("数据库访问失败：%s", first)
    return Unavailable(f"无法连接或写入数据库（{first}）。请检查 GAOXIN_DATABASE_URL，或先运行 gaoxin init。")


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction (committed if the block succeeds); a database failure becomes Unavailable."""
    from gaoxin.store.db import session_scope as store_scope
    try:
        with store_scope(url) as session:
            yield session
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from exc


def session_factory(url: str) -> sessionmaker:
    from gaoxin.store.db import get_engine
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def transaction(maker: sessionmaker):
    from gaoxin.store.db import transaction as store_transaction
    return store_transaction(maker)


def init_database(url: str | None = None) -> dict:
    """Create or upgrade the schema and load the reference data; returns counts by kind."""
    from gaoxin.store.migrate import init_database as migrate
    try:
        return migrate(url)
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from exc


def has_demo_data(db: Session) -> bool:
    """Whether the database holds demo data (drives the 示例数据 banner)."""
    from sqlalchemy import exists, select

    from gaoxin.store.models import ImportBatch, Observation
    return bool(db.scalar(select(exists().where(ImportBatch.is_demo.is_(True))))
                or db.scalar(select(exists().where(Observation.is_demo.is_(True)))))

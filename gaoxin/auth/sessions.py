"""Server-side sessions. The browser's cookie holds a random session id; the database holds only its
SHA-256, the user and the CSRF token. Ending a session deletes its row, so a saved cookie stops
working at once (logout, password reset, role change, deactivation)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gaoxin.auth.config import setting
from gaoxin.store.models import UserSession


@dataclass(frozen=True)
class ActiveSession:
    username: str
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)  # SQLite returns naive UTC


def start_session(db: Session, username: str, client: str | None = None) -> tuple[str, str]:
    """A new session id and a new CSRF token (both fresh at every login: no fixation)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = datetime.now(timezone.utc)
    db.add(UserSession(token_hash=_hash(token), username=username, csrf=csrf, created_at=now, last_seen=now,
                       client=(client or "")[:64] or None))
    db.flush()
    return token, csrf


def resolve_session(db: Session, token: str | None, now: datetime | None = None) -> ActiveSession | None:
    """The live session for a cookie's id, or None (unknown, ended, idle too long or too old)."""
    if not token:
        return None
    row = db.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None:
        return None
    now = now or datetime.now(timezone.utc)
    if (now - _aware(row.last_seen) > timedelta(seconds=setting("session", "idle_seconds"))
            or now - _aware(row.created_at) > timedelta(seconds=setting("session", "absolute_seconds"))):
        db.delete(row)
        db.flush()
        return None
    if now - _aware(row.last_seen) > timedelta(seconds=setting("session", "touch_every_seconds")):
        row.last_seen = now
    return ActiveSession(row.username, row.csrf)


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_user_sessions(db: Session, username: str) -> int:
    """Ends every session of a user; returns how many were live."""
    return db.execute(delete(UserSession).where(UserSession.username == username)).rowcount or 0

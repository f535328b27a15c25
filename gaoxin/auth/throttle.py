"""Login throttling per account and per client address: after a few free failures each further
attempt must wait a growing delay; many failures lock the key until the lock time passes or an
administrator unlocks it (`gaoxin users unlock`). Every lock is written to the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gaoxin.auth.audit import record_change
from gaoxin.auth.config import setting, throttle_levels
from gaoxin.store.models import LoginThrottle


class LoginThrottled(Exception):
    """Too many failed logins: the message is Chinese; retry_after in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def keys_for(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", f"user:{username.strip()[:64]}")]
    if address:
        keys.append(("address", f"addr:{address[:64]}"))
    return keys


def _aware(t: datetime | None) -> datetime | None:
    return None if t is None else (t if t.tzinfo else t.replace(tzinfo=timezone.utc))


def _delay(failures: int, free: int) -> float:
    if failures < free:
        return 0.0
    return min(2.0 ** (failures - free), setting("throttle", "max_delay_seconds"))


def check(db: Session, keys: list[tuple[str, str]], now: datetime | None = None) -> None:
    """Raises LoginThrottled when any key is locked or still inside its delay."""
    now = now or datetime.now(timezone.utc)
    for kind, key in keys:
        row = db.get(LoginThrottle, key)
        if row is None:
            continue
        free, _ = throttle_levels(kind)
        locked = _aware(row.locked_until)
        if locked and locked > now:
            wait = int((locked - now).total_seconds()) + 1
            who = "该账号" if kind == "account" else "您所在的网络地址"
            raise LoginThrottled(f"{who}登录失败次数过多，已被锁定，请 {_minutes(wait)} 后再试或联系省级管理员解锁", wait)
        last = _aware(row.last_failure)
        if last and now - last > timedelta(seconds=setting("throttle", "forget_seconds")):
            continue
        delay = _delay(row.failures, free)
        if last and delay and now < last + timedelta(seconds=delay):
            wait = int((last + timedelta(seconds=delay) - now).total_seconds()) + 1
            raise LoginThrottled(f"登录失败次数过多，请 {wait} 秒后再试", wait)


def _minutes(seconds: int) -> str:
    return f"{max(1, round(seconds / 60))} 分钟"


def record_failure(db: Session, keys: list[tuple[str, str]], now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    for kind, key in keys:
        row = db.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0)
            db.add(row)
        last = _aware(row.last_failure)
        if last and now - last > timedelta(seconds=setting("throttle", "forget_seconds")):
            row.failures = 0
        row.failures = (row.failures or 0) + 1
        row.last_failure = now
        _, lock = throttle_levels(kind)
        if row.failures >= lock and not (_aware(row.locked_until) and _aware(row.locked_until) > now):
            row.locked_until = now + timedelta(seconds=setting("throttle", "lock_seconds"))
            record_change(db, "system", "lock", "login", key, None, None,
                          {"failures": row.failures, "locked_until": row.locked_until})
    db.flush()


def record_success(db: Session, username: str) -> None:
    """A successful login clears the account's counter (not the address's: one's own account must not
    reset the counter of an address that is guessing other accounts)."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == f"user:{username.strip()[:64]}"))


def unlock(db: Session, username: str | None = None, address: str | None = None, by: str | None = None) -> int:
    keys = ([f"user:{username}"] if username else []) + ([f"addr:{address}"] if address else [])
    n = 0
    for key in keys:
        n += db.execute(delete(LoginThrottle).where(LoginThrottle.key == key)).rowcount or 0
        record_change(db, by, "unlock", "login", key)
    return n


def locked(db: Session, now: datetime | None = None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    rows = db.scalars(select(LoginThrottle)).all()
    return [{"key": r.key, "failures": r.failures, "locked_until": _aware(r.locked_until)}
            for r in rows if _aware(r.locked_until) and _aware(r.locked_until) > now]

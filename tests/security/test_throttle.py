"""Login throttling: growing delays after 5 failures of an account, a lock after 20 (audited), an
unlock by an administrator; the right password does not get through a throttled account."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import PASSWORD, World


def _anon(world: World) -> TestClient:
    c = TestClient(world.app)
    c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
    return c


def test_delay_after_five_failures_refuses_even_the_right_password(world: World):
    c = _anon(world)
    for i in range(5):
        r = c.post("/api/auth/login", json={"username": "viewer", "password": f"wrong-{i}"})
        assert r.status_code == 401 and r.json()["detail"] == "用户名或密码错误"
    r = c.post("/api/auth/login", json={"username": "viewer", "password": PASSWORD})
    assert r.status_code == 429, r.text
    assert "登录失败次数过多" in r.json()["detail"] and int(r.headers["retry-after"]) >= 1
    # another account from elsewhere is not affected
    assert world.client("admin").get("/api/auth/me").status_code == 200


def test_lock_after_twenty_failures_is_audited_and_unlocked_by_admin(world: World):
    from gaoxin.auth import throttle
    from gaoxin.services.users import unlock
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import AuditLog
    t = datetime.now(timezone.utc) - timedelta(hours=2)
    keys = throttle.keys_for("viewer", None)
    with session_scope(world.url) as s:
        for i in range(20):  # spaced out so no delay applies between them
            throttle.record_failure(s, keys, now=t + timedelta(seconds=400 * i))
    c = _anon(world)
    r = c.post("/api/auth/login", json={"username": "viewer", "password": PASSWORD})
    assert r.status_code == 429 and "已被锁定" in r.json()["detail"]
    with session_scope(world.url) as s:
        locks = s.scalars(select(AuditLog).where(AuditLog.action == "lock")).all()
        assert [a.entity_id for a in locks] == ["user:viewer"]
        assert unlock(s, "viewer", None, by="admin") == 1
    assert c.post("/api/auth/login", json={"username": "viewer", "password": PASSWORD}).status_code == 200


def test_lock_ends_by_itself(world: World, monkeypatch):
    from gaoxin.auth import throttle
    from gaoxin.store.db import session_scope
    monkeypatch.setenv("GAOXIN_LOCK_SECONDS", "60")
    t = datetime.now(timezone.utc)
    keys = throttle.keys_for("viewer", None)
    with session_scope(world.url) as s:
        for i in range(20):
            throttle.record_failure(s, keys, now=t)
    with session_scope(world.url) as s:
        try:
            throttle.check(s, keys, now=t + timedelta(seconds=59))
            raise AssertionError("still locked at 59 s")
        except throttle.LoginThrottled as exc:
            assert "已被锁定" in str(exc)
    with session_scope(world.url) as s:
        # after the lock the 20 failures still call for the longest delay (300 s) after the last one
        throttle.check(s, keys, now=t + timedelta(seconds=301))


def test_unlock_command(world: World, monkeypatch):
    from typer.testing import CliRunner
    from gaoxin.auth import throttle
    from gaoxin.cli.main import app
    from gaoxin.store.db import session_scope
    monkeypatch.setenv("GAOXIN_DATABASE_URL", world.url)
    with session_scope(world.url) as s:
        for _ in range(20):
            throttle.record_failure(s, throttle.keys_for("viewer", None))
    out = CliRunner().invoke(app, ["users", "unlock"])
    assert out.exit_code == 0 and "账号 viewer" in out.output
    out = CliRunner().invoke(app, ["users", "unlock", "viewer"])
    assert out.exit_code == 0 and "已解除锁定：viewer" in out.output and "当前没有" not in out.output
    assert _anon(world).post("/api/auth/login", json={"username": "viewer", "password": PASSWORD}).status_code == 200

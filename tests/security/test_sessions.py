"""Sessions end when they should: logout, password reset, role change and deactivation make a saved
cookie useless at once; the CSRF token and the session id are new at every login."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, World


def _cookie(c: TestClient) -> str:
    return c.cookies.get("gaoxin_session")


def _replay(world: World, cookie: str) -> TestClient:
    c = TestClient(world.app)
    c.cookies.set("gaoxin_session", cookie)
    return c


def test_logout_ends_the_session_for_a_saved_cookie(world: World):
    c = world.client("zone_a")
    saved = _cookie(c)
    assert c.get("/api/auth/me").json()["username"] == "zone_a"
    assert c.post("/api/auth/logout").status_code == 200
    r = _replay(world, saved).get("/api/auth/me")
    assert r.status_code == 401 and r.json()["detail"] == "请先登录"


def test_password_reset_ends_every_session_of_that_user(world: World):
    victim1, victim2 = world.client("zone_a"), world.client("zone_a")
    saved = _cookie(victim1)
    admin = world.client("admin")
    assert admin.post("/api/users/zone_a/password", json={"password": "brand-new-pass-9"}).status_code == 200
    assert _replay(world, saved).get("/api/auth/me").status_code == 401
    assert victim2.get("/api/auth/me").status_code == 401
    # the admin's own session is untouched, and the new password works
    assert admin.get("/api/auth/me").json()["username"] == "admin"
    c = TestClient(world.app)
    c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
    assert c.post("/api/auth/login", json={"username": "zone_a", "password": "brand-new-pass-9"}).status_code == 200


def test_role_change_and_deactivation_end_sessions(world: World):
    z = world.client("zone_a")
    admin = world.client("admin")
    assert admin.patch("/api/users/zone_a", json={"zones": [world.zone_a, world.zone_b]}).status_code == 200
    assert z.get("/api/auth/me").status_code == 401  # new rights: log in again
    z = world.client("zone_a")
    assert sorted(z.get("/api/auth/me").json()["zones"]) == sorted([world.zone_a, world.zone_b])
    assert admin.patch("/api/users/zone_a", json={"active": False}).status_code == 200
    assert z.get("/api/auth/me").status_code == 401


def test_login_rotates_session_id_and_csrf_token(world: World):
    c = TestClient(world.app)
    anon_token = c.get("/api/auth/csrf").json()["csrf_token"]
    c.headers["X-CSRF-Token"] = anon_token
    anon_cookie = _cookie(c)
    r = c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    new_token = r.json()["csrf_token"]
    assert new_token != anon_token and _cookie(c) != anon_cookie
    # the pre-login token no longer authorises a write
    w = c.post("/api/users", json={"username": "x1", "password": "12345678ab", "role": "readonly"})
    assert w.status_code == 403 and "CSRF" in w.json()["detail"]
    c.headers["X-CSRF-Token"] = new_token
    assert c.post("/api/users", json={"username": "x1", "password": "12345678ab", "role": "readonly"}).status_code == 200
    # a second login gives yet another token
    r2 = c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r2.json()["csrf_token"] not in (new_token, anon_token)


def test_idle_and_absolute_expiry(world: World, monkeypatch):
    from gaoxin.auth.sessions import resolve_session, start_session
    from gaoxin.store.db import session_scope
    monkeypatch.setenv("GAOXIN_SESSION_IDLE", "600")
    monkeypatch.setenv("GAOXIN_SESSION_MAX_AGE", "3600")
    t0 = datetime.now(timezone.utc)
    with session_scope(world.url) as s:
        token, _ = start_session(s, "admin")
    with session_scope(world.url) as s:
        assert resolve_session(s, token, t0 + timedelta(seconds=599)).username == "admin"  # (marks it used)
    with session_scope(world.url) as s:
        assert resolve_session(s, token, t0 + timedelta(seconds=599 + 599)) is not None
    with session_scope(world.url) as s:
        assert resolve_session(s, token, t0 + timedelta(seconds=599 + 599 + 601)) is None  # idle > 10 minutes
        assert resolve_session(s, token, t0) is None  # and the row is gone
    with session_scope(world.url) as s:
        token, _ = start_session(s, "admin")
    for minutes in (9, 18, 27, 36, 45, 54):  # used every 9 minutes: never idle
        with session_scope(world.url) as s:
            assert resolve_session(s, token, t0 + timedelta(minutes=minutes)) is not None
    with session_scope(world.url) as s:
        assert resolve_session(s, token, t0 + timedelta(minutes=61)) is None  # older than an hour


def test_shipped_password_hashing_meets_owasp_and_rehashes_on_login(world: World, monkeypatch):
    """OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 at least."""
    import yaml
    from pathlib import Path
    import gaoxin.auth
    shipped = yaml.safe_load((Path(gaoxin.auth.__file__).with_name("settings.yaml")).read_text(encoding="utf-8"))
    assert shipped["password"]["scrypt_n"] >= 2 ** 17 and shipped["password"]["scrypt_r"] >= 8
    from sqlalchemy import select
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import User
    with session_scope(world.url) as s:
        assert s.scalar(select(User.password_hash).where(User.username == "viewer")).startswith("scrypt$16384$8$1$")
    monkeypatch.setenv("GAOXIN_SCRYPT_N", "32768")  # the site raises the cost
    world.client("viewer")
    with session_scope(world.url) as s:
        assert s.scalar(select(User.password_hash).where(User.username == "viewer")).startswith("scrypt$32768$8$1$")
    world.client("viewer")  # and the re-hashed password still works

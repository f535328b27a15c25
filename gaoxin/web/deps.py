"""FastAPI dependencies: DB session, the logged-in user, CSRF and zone-scope checks.

Role isolation lives here (not in templates) so that every endpoint, page or API, applies the same
rule: a route that touches a zone's private data declares it through `zone_read` / `zone_write` /
`check_zone_read`; admin-only routes depend on `admin_user`.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Iterator

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from gaoxin.auth.roles import Principal
from gaoxin.auth.sessions import ActiveSession, resolve_session
from gaoxin.auth.users import get_principal
from gaoxin.services import scope
from gaoxin.services.db import transaction

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """Raised for an anonymous request; pages redirect to /login, the API answers 401."""


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (routes depend on it
    with scope="function"), so the very next request sees the write."""
    maker: sessionmaker = request.app.state.sessionmaker
    with transaction(maker) as session:
        yield session


DB = Depends(get_db, scope="function")


def active_session(request: Request, db: Session) -> ActiveSession | None:
    """The server-side session named by the cookie (resolved once per request)."""
    if not hasattr(request.state, "active_session"):
        request.state.active_session = resolve_session(db, request.session.get("sid"))
        if request.state.active_session is None and request.session.get("sid"):
            request.session.pop("sid", None)  # ended elsewhere (logout, reset, expiry)
    return request.state.active_session


def csrf_token(request: Request) -> str:
    """The CSRF token: the logged-in session's (new at every login), else the anonymous cookie's."""
    live = getattr(request.state, "active_session", None)
    if live is not None:
        return live.csrf
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request, db: Session = DB) -> None:
    """Unsafe methods must echo the session's token (header X-CSRF-Token, set by htmx/JS, or the
    form field csrf_token)."""
    live = active_session(request, db)
    if request.method in SAFE_METHODS:
        return
    expected = live.csrf if live is not None else request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        raise HTTPException(403, "安全校验失败（CSRF 令牌缺失或已过期），请刷新页面后重试")


def optional_user(request: Request, db: Session = DB) -> Principal | None:
    live = active_session(request, db)
    if live is None:
        return None
    p = get_principal(db, live.username)
    if p is None:  # deactivated or deleted since login
        request.session.pop("sid", None)
    return p


def current_user(user: Principal | None = Depends(optional_user)) -> Principal:
    if user is None:
        raise LoginRequired()
    return user


def admin_user(user: Principal = Depends(current_user)) -> Principal:
    scope.require_admin(user)
    return user


def writer_user(user: Principal = Depends(current_user)) -> Principal:
    scope.require_writer(user)
    return user


def report_reader(user: Principal = Depends(current_user)) -> Principal:
    """Province-wide documents (all zones' private figures): admin and read-only users."""
    scope.require_province_reader(user)
    return user


def check_zone_read(user: Principal, zone_code: str | None) -> None:
    scope.require_read(user, zone_code)


def check_zone_write(user: Principal, zone_code: str | None) -> None:
    scope.require_write(user, zone_code)


def zone_read(zone_code: str, user: Principal = Depends(current_user)) -> str:
    """Path parameter `zone_code` the user must be allowed to read."""
    scope.require_read(user, zone_code)
    return zone_code


def zone_write(zone_code: str, user: Principal = Depends(current_user)) -> str:
    scope.require_write(user, zone_code)
    return zone_code


# --- login and logout: the web side (cookie, CSRF token) of gaoxin.services.users ---------------------

def login(db: Session, request: Request, username: str, password: str) -> Principal:
    """A new server-side session id in the cookie and a new CSRF token. A failure is committed
    (throttle counter, audit row) before the error is raised."""
    from gaoxin.services import users as user_service
    from gaoxin.services.errors import ServiceError
    client = request.client.host if request.client else None
    try:
        res = user_service.login(db, username, password, client, previous_token=request.session.get("sid"))
    except ServiceError:
        db.commit()
        raise
    request.session.clear()  # nothing of the anonymous session survives login
    request.session["sid"] = res.session_token
    request.state.active_session = ActiveSession(res.principal.username, res.csrf)
    return res.principal


def logout(db: Session, request: Request) -> None:
    from gaoxin.services import users as user_service
    user_service.logout(db, request.session.get("sid"))
    request.session.clear()
    request.state.active_session = None

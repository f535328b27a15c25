"""Use cases of logging in and out and of user administration."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gaoxin.auth import throttle
from gaoxin.auth.audit import record_change
from gaoxin.auth.roles import Principal
from gaoxin.auth.sessions import end_session, start_session
from gaoxin.auth.users import authenticate
from gaoxin.services.errors import Throttled, Unauthenticated


@dataclass(frozen=True)
class Login:
    principal: Principal
    session_token: str
    csrf: str


def login(db: Session, username: str, password: str, client: str | None = None,
          previous_token: str | None = None) -> Login:
    """Checks the throttle, then the password. A failure is recorded (and must be committed by the
    caller even though it answers with an error); success starts a new server-side session."""
    name = username.strip()
    keys = throttle.keys_for(name, client)
    try:
        throttle.check(db, keys)
    except throttle.LoginThrottled as exc:
        raise Throttled(str(exc), exc.retry_after) from None
    p = authenticate(db, name, password)
    if p is None:
        throttle.record_failure(db, keys)
        record_change(db, name[:64] or None, "login_failed", "session", None, None, None,
                      {"client": client} if client else None)
        raise Unauthenticated("用户名或密码错误")
    throttle.record_success(db, name)
    end_session(db, previous_token)
    token, csrf = start_session(db, p.username, client)
    record_change(db, p.username, "login", "session", p.username)
    return Login(p, token, csrf)


def logout(db: Session, token: str | None) -> None:
    end_session(db, token)


def unlock(db: Session, username: str | None, address: str | None, by: str | None) -> int:
    return throttle.unlock(db, username, address, by)


DEMO_USERS = (  # only on request: `gaoxin demo --demo-users`
    ("demo_zone", "zone_user", "示例高新区用户"),
    ("demo_viewer", "readonly", "示例只读用户"),
)


def create_demo_users(db: Session) -> list[tuple[str, str, str]]:
    """One zone user (长沙高新区, else the first national zone) and one read-only user, each with a
    random password returned once to be shown once. Existing users are left alone."""
    import secrets

    from sqlalchemy import select

    from gaoxin.auth.roles import ROLE_LABELS
    from gaoxin.auth.users import create_user, get_user
    from gaoxin.store.models import Zone
    zone = (db.scalar(select(Zone).where(Zone.name.like("长沙高新%")).limit(1))
            or db.scalar(select(Zone).where(Zone.level == "国家级").order_by(Zone.code).limit(1)))
    made = []
    for username, role, label in DEMO_USERS:
        if get_user(db, username) is not None or (role == "zone_user" and zone is None):
            continue
        password = secrets.token_urlsafe(12)
        zones = [zone.code] if role == "zone_user" else []
        create_user(db, username, password, role, label, zones, by="system")
        made.append((username, password, ROLE_LABELS[role] + (f"（{zone.name}）" if zones else "")))
    return made


# --- user administration (the province administrator; `gaoxin users …` acts as the console) ----------

USER_LABELS = {"username": "用户名", "display_name": "姓名", "role": "角色", "active": "启用",
               "zones": "所属高新区", "created_at": "创建时间"}


def _admin(user) -> None:
    from gaoxin.services.scope import require_admin
    require_admin(user)


def users(db: Session, admin) -> list[dict]:
    """Every user with role, zones and state (the role's Chinese name under `role_label`)."""
    from gaoxin.auth.roles import ROLE_LABELS
    from gaoxin.auth.users import list_users
    _admin(admin)
    rows = list_users(db)
    for r in rows:
        r["role_label"] = ROLE_LABELS.get(r["role"], r["role"])
    return rows


def users_export(db: Session, df):
    """The user list as an Excel export shows it: role and zones by name."""
    from gaoxin.services.zones import zone_names
    names = zone_names(db, short=True)
    return df.assign(role=df["role_label"], zones=df["zones"].map(lambda z: "、".join(names.get(c, c) for c in z))
                     ).drop(columns=["role_label"])


def add_user(db: Session, admin, username: str, password: str, role: str, display_name: str = "",
             zones: list[str] | None = None):
    from gaoxin.auth.users import UserError, create_user
    from gaoxin.services.errors import ServiceError
    _admin(admin)
    try:
        return create_user(db, username, password, role, display_name, list(zones or []), by=admin.username)
    except UserError as exc:
        raise ServiceError(str(exc)) from exc


def change_user(db: Session, admin, username: str, *, role: str | None = None, zones: list[str] | None = None,
                active: bool | None = None, display_name: str | None = None, password: str | None = None):
    """Change a user's role, zones, state or name, and (when given) the password, in one transaction."""
    from gaoxin.auth.users import UserError, set_password, update_user
    from gaoxin.services.errors import ServiceError
    _admin(admin)
    try:
        u = None
        if any(v is not None for v in (role, zones, active, display_name)):
            u = update_user(db, username, role=role, zones=zones, active=active, display_name=display_name,
                            by=admin.username)
        if password:
            set_password(db, username, password, by=admin.username)
        return u
    except UserError as exc:
        raise ServiceError(str(exc)) from exc

"""User management on the store (shell functions used by the CLI and the admin pages)."""
from __future__ import annotations

import os
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.auth.audit import record_change
from gaoxin.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from gaoxin.auth.sessions import end_user_sessions
from gaoxin.auth.roles import PROVINCE_ADMIN, ROLES, ZONE_USER, Principal
from gaoxin.store.models import User, UserZone, Zone


class UserError(ValueError):
    """A user-management request that cannot be carried out (message in Chinese)."""


def _snapshot(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "active": user.active, "zones": sorted(z.zone_code for z in user.zones)}


def principal_of(user: User) -> Principal:
    return Principal(username=user.username, role=user.role, display_name=user.display_name,
                     zones=frozenset(z.zone_code for z in user.zones))


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def get_principal(session: Session, username: str) -> Principal | None:
    from sqlalchemy.orm import selectinload
    user = session.scalar(select(User).options(selectinload(User.zones)).where(User.username == username))
    if user is None or not user.active:
        return None
    return principal_of(user)


def _check(session: Session, role: str, zones: list[str]) -> None:
    if role not in ROLES:
        from gaoxin.auth.roles import ROLE_LABELS
        raise UserError(f"角色“{role}”无效，可选：{'、'.join(f'{ROLE_LABELS[r]}（{r}）' for r in ROLES)}")
    if role == ZONE_USER and not zones:
        raise UserError("高新区用户必须至少指定一个所属高新区")
    if zones:
        known = set(session.scalars(select(Zone.code).where(Zone.code.in_(zones))))
        unknown = [z for z in zones if z not in known]
        if unknown:
            raise UserError(f"所选高新区不存在：{', '.join(unknown)}")


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "",
                zones: list[str] | None = None, by: str | None = None) -> User:
    zones = list(zones or [])
    username = username.strip()
    if not username:
        raise UserError("用户名不能为空")
    if get_user(session, username) is not None:
        raise UserError(f"用户“{username}”已存在")
    if len(password) < 8:
        raise UserError("密码至少 8 位")
    _check(session, role, zones)
    user = User(username=username, display_name=display_name or username,
                password_hash=hash_password(password), role=role, active=True)
    user.zones = [UserZone(zone_code=z) for z in zones]
    session.add(user)
    session.flush()
    record_change(session, by, "create", "user", username, zones[0] if zones else None,
                  None, _snapshot(user))
    return user


def update_user(session: Session, username: str, *, role: str | None = None,
                zones: list[str] | None = None, active: bool | None = None,
                display_name: str | None = None, by: str | None = None) -> User:
    user = get_user(session, username)
    if user is None:
        raise UserError(f"用户“{username}”不存在")
    before = _snapshot(user)
    new_role = role or user.role
    new_zones = list(zones) if zones is not None else [z.zone_code for z in user.zones]
    _check(session, new_role, new_zones)
    user.role = new_role
    if zones is not None:
        user.zones = [UserZone(zone_code=z) for z in new_zones]
    if active is not None:
        user.active = active
    if display_name:
        user.display_name = display_name
    session.flush()
    after = _snapshot(user)
    if (after["role"], after["active"], after["zones"]) != (before["role"], before["active"], before["zones"]):
        end_user_sessions(session, username)  # new rights take effect at once: log the user in again
    record_change(session, by, "update", "user", username, None, before, _snapshot(user))
    return user


def set_password(session: Session, username: str, password: str, by: str | None = None) -> None:
    user = get_user(session, username)
    if user is None:
        raise UserError(f"用户“{username}”不存在")
    if len(password) < 8:
        raise UserError("密码至少 8 位")
    user.password_hash = hash_password(password)
    end_user_sessions(session, username)  # a saved cookie must not survive a password reset
    # never log the hash itself, only that it changed
    record_change(session, by, "update", "user_password", username, None,
                  {"password": "（旧密码）"}, {"password": "（已修改）"})


def list_users(session: Session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.id)).all()
    return [{**_snapshot(u), "created_at": u.created_at} for u in users]


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    user = get_user(session, username)
    if user is None or not user.active:
        # spend the same time as a real check so user names cannot be probed by timing
        verify_password(password, dummy_hash())
        return None
    if not verify_password(password, user.password_hash):
        return None
    if needs_rehash(user.password_hash):  # raise old hashes to the current cost
        user.password_hash = hash_password(password)
    return principal_of(user)


def ensure_admin(session: Session) -> str | None:
    """On first start create ``admin`` (province_admin). Returns the generated password to print
    once, or None when an admin exists or GAOXIN_ADMIN_PASSWORD supplied it."""
    if session.scalar(select(User).where(User.role == PROVINCE_ADMIN)) is not None:
        return None
    env_pw = os.environ.get("GAOXIN_ADMIN_PASSWORD")
    password = env_pw or secrets.token_urlsafe(12)
    create_user(session, "admin", password, PROVINCE_ADMIN, "系统管理员", by="system")
    return None if env_pw else password

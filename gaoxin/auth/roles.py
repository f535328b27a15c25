"""Roles and the zone-scope rule (pure functions, no DB)."""
from __future__ import annotations

from dataclasses import dataclass, field

PROVINCE_ADMIN = "province_admin"
ZONE_USER = "zone_user"
READONLY = "readonly"
ROLES = (PROVINCE_ADMIN, ZONE_USER, READONLY)
ROLE_LABELS = {PROVINCE_ADMIN: "省级管理员", ZONE_USER: "高新区用户", READONLY: "只读"}


class PermissionDenied(Exception):
    """Raised by the policy checks; the web layer turns it into HTTP 403 with the Chinese message."""


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    display_name: str = ""
    zones: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == PROVINCE_ADMIN

    @property
    def can_write(self) -> bool:
        return self.role in (PROVINCE_ADMIN, ZONE_USER)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def visible_zones(self, all_codes) -> list[str]:
        """Zones whose private data this user may read."""
        if self.role == ZONE_USER:
            return [c for c in all_codes if c in self.zones]
        return list(all_codes)


def can_read_zone(p: Principal, zone_code: str | None) -> bool:
    """Private data of a zone: admin and read-only see all; a zone user only its own zones.
    Data not tied to any zone (zone_code None, e.g. province totals) is readable by every role."""
    if p.role in (PROVINCE_ADMIN, READONLY):
        return True
    if p.role == ZONE_USER:
        return zone_code is None or zone_code in p.zones
    return False


def can_write_zone(p: Principal, zone_code: str | None) -> bool:
    """Changes: admin anywhere; a zone user only inside its zones (never province-wide data)."""
    if p.role == PROVINCE_ADMIN:
        return True
    if p.role == ZONE_USER:
        return zone_code is not None and zone_code in p.zones
    return False


def require_read(p: Principal, zone_code: str | None) -> None:
    if not can_read_zone(p, zone_code):
        raise PermissionDenied(f"无权查看高新区 {zone_code} 的数据：您只能查看本园区数据")


def require_write(p: Principal, zone_code: str | None) -> None:
    if not can_write_zone(p, zone_code):
        if p.role == READONLY:
            raise PermissionDenied("只读用户不能修改数据")
        raise PermissionDenied(f"无权修改 {zone_code or '全省'} 的数据：您只能修改本园区数据")


def require_admin(p: Principal) -> None:
    if not p.is_admin:
        raise PermissionDenied("此操作仅限省级管理员")

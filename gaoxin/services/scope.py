"""Who may see and change what: the zone-scope rule as the services apply it (one place).

Every service function that reads a zone's private data calls `require_read`; the web's
dependencies and the CLI use the same functions, so the rule and its Chinese messages exist once."""
from __future__ import annotations

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services.errors import Forbidden

# the person at the server's console: the command line acts with full rights (as `gaoxin users` does)
CONSOLE = Principal(username="cli", role=roles.PROVINCE_ADMIN, display_name="命令行")


def require_read(user: Principal, zone_code: str | None) -> None:
    if not roles.can_read_zone(user, zone_code):
        raise Forbidden("无权查看该高新区的数据：高新区用户只能查看本园区数据"
                        "（其他园区仅可在已发布的排名中查看）")


def require_write(user: Principal, zone_code: str | None) -> None:
    if not roles.can_write_zone(user, zone_code):
        if user.role == roles.READONLY:
            raise Forbidden("只读用户不能修改数据")
        raise Forbidden(f"无权修改 {zone_code or '全省'} 的数据：高新区用户只能修改本园区数据")


def require_admin(user: Principal) -> None:
    if not user.is_admin:
        raise Forbidden("此操作仅限省级管理员")


def require_writer(user: Principal) -> None:
    if not user.can_write:
        raise Forbidden("只读用户不能修改数据")


def require_province_reader(user: Principal) -> None:
    """Province-wide documents (all zones' private figures): admin and read-only users."""
    if user.role == roles.ZONE_USER:
        raise Forbidden("高新区用户不能下载包含其他园区数据的全省报告")


def zone_scope(user: Principal, zone: str | None = None) -> list[str] | None:
    """The zones a query is limited to: the requested one (checked), a zone user's own, or None (all)."""
    if zone:
        require_read(user, zone)
        return [zone]
    if user.role == roles.ZONE_USER:
        return sorted(user.zones)
    return None


def scope_key(user: Principal):
    """The part of a cache key that depends on the user: a zone user's zones, else None (all)."""
    return tuple(sorted(user.zones)) if user.role == roles.ZONE_USER else None


def visible_target(user: Principal, scope_type: str, scope_code: str) -> bool:
    return scope_type != "zone" or roles.can_read_zone(user, scope_code)


def target_concerns(user: Principal, target, plan_city: str | None = None) -> bool:
    """Whether a target belongs on a user's 目标监测 list: everything for province-wide users; for a zone
    user only what concerns its zone — province-wide goals, its city's plans, its own zone's targets and
    the zone categories it belongs to (a table's rows, the 湘江新区 zone list, 国家级/省级 by level).
    A category the platform cannot place follows its plan's city (`plan_city`: the city a plan's city-wide
    targets name), else stays listed (a goal hidden wrongly is worse than one too many)."""
    if user.role != roles.ZONE_USER:
        return True
    from gaoxin.ingest.registry_templates import reference
    from gaoxin.reference import load_zones
    st, sc = target.scope.type, str(target.scope.code)
    if st == "province":
        return True
    if st == "zone":
        return roles.can_read_zone(user, sc)
    zones = load_zones().set_index("code")
    mine = [z for z in user.zones if z in zones.index]
    if st == "city":
        return any(str(zones.at[z, "city_code"]) == sc for z in mine)
    d = getattr(target, "decomposition", None)
    units = {r.unit_code for r in d.rows if r.unit_type == "zone"} if d is not None else set()
    if units:
        return bool(units & set(mine))
    cats = (reference("platforms").get("category_zones") or {})
    if sc in cats:
        return bool(set(cats[sc].get("zones") or []) & set(mine))
    level = {"hunan-national-high-tech-zones": "国家级", "hunan-provincial-high-tech-zones": "省级"}.get(sc)
    if level:
        return any(zones.at[z, "level"] == level for z in mine)
    if plan_city is not None:
        return any(str(zones.at[z, "city_code"]) == str(plan_city) for z in mine)
    return True

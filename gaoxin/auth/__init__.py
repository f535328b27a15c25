"""Users, roles and zone scopes, password hashing, CSRF tokens and the audit log.

Roles (User.role):
- ``province_admin`` 省级管理员: reads and changes everything, manages users, publishes rankings.
- ``zone_user`` 高新区用户: reads and changes only the zones in its scope (UserZone); sees other zones
  only in published rankings.
- ``readonly`` 只读: reads everything, changes nothing.

Functions here are the policy of *who may do what*; the web layer enforces them through FastAPI
dependencies (gaoxin.web.deps) so every endpoint applies the same rule.
"""
from gaoxin.auth.passwords import hash_password, verify_password
from gaoxin.auth.roles import (ROLE_LABELS, ROLES, Principal, can_read_zone, can_write_zone,
                               PermissionDenied)
from gaoxin.auth.users import (authenticate, create_user, ensure_admin, get_principal, list_users,
                               set_password, update_user)
from gaoxin.auth.audit import record_change

__all__ = [
    "hash_password", "verify_password", "ROLES", "ROLE_LABELS", "Principal", "can_read_zone",
    "can_write_zone", "PermissionDenied", "authenticate", "create_user", "ensure_admin",
    "get_principal", "list_users", "set_password", "update_user", "record_change",
]

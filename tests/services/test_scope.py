"""gaoxin.services.scope: who may read and change which zone's data, with the Chinese messages the
pages, the API and the CLI show (one place for the rule)."""
from __future__ import annotations

import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import scope
from gaoxin.services.errors import Forbidden

ADMIN = Principal("a", "province_admin")
VIEWER = Principal("v", "readonly")
ZONE_A = Principal("z", "zone_user", zones=frozenset({"A", "C"}))


def test_read():
    for user, zone in ((ADMIN, "B"), (VIEWER, "B"), (ZONE_A, "A"), (ZONE_A, None)):
        scope.require_read(user, zone)  # allowed: nothing raised
    with pytest.raises(Forbidden) as e:
        scope.require_read(ZONE_A, "B")
    assert str(e.value) == ("无权查看该高新区的数据：高新区用户只能查看本园区数据（其他园区仅可在已发布的排名中查看）")


def test_write():
    scope.require_write(ADMIN, "B")
    scope.require_write(ZONE_A, "A")
    with pytest.raises(Forbidden) as e:
        scope.require_write(VIEWER, "A")
    assert str(e.value) == "只读用户不能修改数据"
    with pytest.raises(Forbidden) as e:
        scope.require_write(ZONE_A, "B")
    assert str(e.value) == "无权修改 B 的数据：高新区用户只能修改本园区数据"
    with pytest.raises(Forbidden) as e:
        scope.require_write(ZONE_A, None)  # province-wide data: never a zone user's
    assert str(e.value) == "无权修改 全省 的数据：高新区用户只能修改本园区数据"


def test_roles():
    scope.require_admin(ADMIN)
    scope.require_writer(ZONE_A)
    scope.require_province_reader(VIEWER)
    for check, user, msg in ((scope.require_admin, ZONE_A, "此操作仅限省级管理员"),
                             (scope.require_writer, VIEWER, "只读用户不能修改数据"),
                             (scope.require_province_reader, ZONE_A, "高新区用户不能下载包含其他园区数据的全省报告")):
        with pytest.raises(Forbidden) as e:
            check(user)
        assert str(e.value) == msg


def test_zone_scope_and_cache_key():
    assert scope.zone_scope(ADMIN) is None and scope.zone_scope(VIEWER) is None
    assert scope.zone_scope(ZONE_A) == ["A", "C"]
    assert scope.zone_scope(ADMIN, "B") == ["B"] and scope.zone_scope(ZONE_A, "C") == ["C"]
    with pytest.raises(Forbidden):
        scope.zone_scope(ZONE_A, "B")
    assert scope.scope_key(ZONE_A) == ("A", "C") and scope.scope_key(ADMIN) is None


def test_visible_target():
    assert scope.visible_target(ZONE_A, "zone", "A") and not scope.visible_target(ZONE_A, "zone", "B")
    assert scope.visible_target(ZONE_A, "city", "430300")  # a city's target is public
    assert scope.visible_target(VIEWER, "zone", "B")


def test_console_has_full_rights():
    assert scope.CONSOLE.is_admin and scope.CONSOLE.username == "cli"

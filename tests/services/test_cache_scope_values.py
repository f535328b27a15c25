"""gaoxin.services.cache and .scope on values a reader can check: the result cache computes once per key and,
when full, drops everything but the matcher; the data version moves with an import, a demo build or an
audited change but not with a login; and which plan targets concern a zone user (目标监测 list), each
rule of `target_concerns` on hand-made targets over the shipped zone list (gaoxin/reference/zones.csv:
长沙高新区 HN-N-CHANGSHA in 430100 国家级, 湘潭高新区 HN-N-XIANGTAN in 430300 国家级, 岳麓 HN-P-YUELU 省级 in
430100; the 湘江新区 list: 长沙, 宁乡, 岳麓)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import cache
from gaoxin.services.db import session_scope
from gaoxin.services.scope import CONSOLE, target_concerns


@pytest.fixture
def empty_cache():
    cache.clear()
    yield cache.CACHE
    cache.clear()


def test_cached_computes_once_per_key(empty_cache):
    calls = []
    assert cache.cached(("k", 1), lambda: calls.append(1) or "一") == "一"
    assert cache.cached(("k", 1), lambda: calls.append(2) or "二") == "一"
    assert cache.cached(("k", 2), lambda: calls.append(3) or "三") == "三"
    assert calls == [1, 3]


def test_full_cache_keeps_only_the_matcher(empty_cache):
    empty_cache[("matcher", "index")] = "M"
    for i in range(cache.MAX_ENTRIES - 1):
        empty_cache[("k", i)] = i
    assert len(empty_cache) == 64
    cache.cached(("k", "65th"), lambda: 65)  # 64 entries are not more than MAX_ENTRIES: nothing dropped
    assert len(empty_cache) == 65
    cache.cached(("new",), lambda: "新")      # 65 > 64: everything but the matcher is dropped first
    assert empty_cache == {("matcher", "index"): "M", ("new",): "新"}


def test_settings_and_default_framework(monkeypatch):
    assert cache.settings()["targets"]["headline_plan"] is None
    monkeypatch.setenv("GAOXIN_FRAMEWORK", "某指标体系")
    assert cache.default_framework() == "某指标体系"
    monkeypatch.delenv("GAOXIN_FRAMEWORK")
    assert cache.default_framework() == cache.settings()["evaluation"]["framework"]


def test_data_version_moves_with_data_and_audited_changes_not_logins(sqlite_db_url):
    from gaoxin.services import users as us
    from gaoxin.store.models import Observation
    with session_scope(sqlite_db_url) as s:
        v0 = cache.data_version(s)
    assert v0[0] == sqlite_db_url and len(v0) == 4
    with session_scope(sqlite_db_url) as s:
        s.add(Observation(unit_type="zone", unit_code="HN-N-CHANGSHA", indicator_code="D1_1", period=2024, value=1.0))
    with session_scope(sqlite_db_url) as s:
        v1 = cache.data_version(s)
        oid = s.query(Observation.id).scalar()
    assert v1 == (v0[0], oid, v0[2], v0[3])
    with session_scope(sqlite_db_url) as s:
        with pytest.raises(Exception):
            us.login(s, "nobody", "wrong")  # a failed login is audited as a session: no new version
    with session_scope(sqlite_db_url) as s:
        assert cache.data_version(s) == v1
        us.add_user(s, CONSOLE, "zhang", "password123", "readonly", "张三")
    with session_scope(sqlite_db_url) as s:
        v2 = cache.data_version(s)
    assert v2[:3] == v1[:3] and v2[3] is not None and v2[3] != v1[3]
    from gaoxin.services import imports as im
    with session_scope(sqlite_db_url) as s:  # a refused upload is still a batch: the version moves
        im.run_upload(s, CONSOLE, "有错.csv", "单位类型,单位,指标,年份,数值\n高新区,长沙高新区,NO_SUCH,2024,1\n".encode())
    with session_scope(sqlite_db_url) as s:
        v3 = cache.data_version(s)
    assert v3[1] == v2[1] and v3[2] is not None and v3[2] != v2[2]


CS = Principal("cs", "zone_user", zones=frozenset({"HN-N-CHANGSHA"}))
XT = Principal("xt", "zone_user", zones=frozenset({"HN-N-XIANGTAN"}))
YUELU = Principal("yl", "zone_user", zones=frozenset({"HN-P-YUELU"}))
GHOST = Principal("gh", "zone_user", zones=frozenset({"NOT-A-ZONE"}))


def _t(scope_type, code, rows=None):
    d = None if rows is None else SimpleNamespace(rows=[SimpleNamespace(unit_type=ut, unit_code=uc) for ut, uc in rows])
    return SimpleNamespace(scope=SimpleNamespace(type=scope_type, code=code), decomposition=d)


def test_province_wide_users_see_every_target():
    for user in (CONSOLE, Principal("v", "readonly")):
        assert target_concerns(user, _t("zone", "HN-N-XIANGTAN"))


def test_zone_user_targets_by_scope():
    assert target_concerns(GHOST, _t("province", "430000"))
    assert target_concerns(CS, _t("province", "430000"), "430300")  # province-wide, whatever the plan's city
    assert target_concerns(CS, _t("zone", "HN-N-CHANGSHA")) and not target_concerns(CS, _t("zone", "HN-N-XIANGTAN"))
    assert target_concerns(CS, _t("city", "430100")) and not target_concerns(CS, _t("city", 430300))
    assert target_concerns(XT, _t("city", 430300))
    assert not target_concerns(GHOST, _t("city", "430100"))  # an unknown zone code is in no city


def test_zone_user_targets_of_a_decomposition_table():
    table = _t("category", "some-list", rows=[("zone", "HN-N-XIANGTAN"), ("county", "430100")])
    assert target_concerns(XT, table) and not target_concerns(CS, table)
    # a table without zone rows follows the other rules (here: an unknown category, no plan city → listed)
    assert target_concerns(CS, _t("category", "some-list", rows=[("county", "430100")]))


def test_zone_user_targets_of_a_category():
    xj = _t("category", "hunan-xiangjiang-new-area")
    assert target_concerns(CS, xj) and target_concerns(YUELU, xj) and not target_concerns(XT, xj)
    national = _t("category", "hunan-national-high-tech-zones")
    provincial = _t("category", "hunan-provincial-high-tech-zones")
    assert target_concerns(XT, national) and not target_concerns(XT, provincial)
    assert target_concerns(YUELU, provincial) and not target_concerns(YUELU, national)


def test_unplaced_category_follows_the_plans_city_else_stays_listed():
    other = _t("category", "some-cluster-list")
    assert target_concerns(XT, other, "430300") and not target_concerns(CS, other, "430300")
    assert target_concerns(XT, other, 430300)  # the city code compared as text
    assert target_concerns(CS, other, None) and target_concerns(XT, other)

"""gaoxin.services.overview and gaoxin.services.zones on values a reader can check by hand.

The data and the test framework are those of test_evaluation_values (three national zones with 2024
index 常德 31.25, 长沙 37.5, 郴州 68.75; provincial 安乡 0, 桂阳 100). Writes are made in a session that is
rolled back, so the shared database keeps its data."""
from __future__ import annotations

import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import overview as ov
from gaoxin.services import zones as zn
from gaoxin.services.db import session_factory, session_scope
from gaoxin.services.errors import Forbidden, NotFound, ServiceError, Unavailable
from gaoxin.services.scope import CONSOLE
from tests.services.test_evaluation_values import AX, CD, CS, CZ, GY, tiny  # noqa: F401 - the shared fixture

CD_USER = Principal("cd", "zone_user", zones=frozenset({CD}))
READER = Principal("r", "readonly")

CITY_CODES = ["430100", "430200", "430300", "430400", "430500", "430600", "430700", "430800", "430900", "431000",
              "431100", "431200", "431300", "433100"]


@pytest.fixture
def rollback(tiny):
    """A session on the shared database whose writes are rolled back."""
    from gaoxin.services.cache import clear
    s = session_factory(tiny)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()
        clear()


def _city(o, name):
    return next(c for c in o["cities"] if c["name"] == name)


def test_overview_national_map(tiny):
    with session_scope(tiny) as s:
        o = ov.overview(s, CONSOLE, 2024, "国家级")
    assert [c["code"] for c in o["cities"]] == CITY_CODES
    assert _city(o, "常德市") == {
        "code": "430700", "name": "常德市", "n_zones": 8, "n_national": 1, "score": 31.25,
        "zones": [
            {"code": CD, "name": "常德高新技术产业开发区", "short_name": "常德高新区", "level": "国家级", "score": 31.25},
            # a provincial zone keeps its own class's score (not on the national map's scale)
            {"code": AX, "name": "安乡高新技术产业开发区", "short_name": "安乡高新区", "level": "省级", "score": 0.0},
            {"code": "HN-P-HANSHOU", "name": "汉寿高新技术产业开发区", "short_name": "汉寿高新区", "level": "省级", "score": None},
            {"code": "HN-P-JINSHI", "name": "津市高新技术产业开发区", "short_name": "津市高新区", "level": "省级", "score": None},
            {"code": "HN-P-LINLI", "name": "临澧高新技术产业开发区", "short_name": "临澧高新区", "level": "省级", "score": None},
            {"code": "HN-P-LIXIAN", "name": "澧县高新技术产业开发区", "short_name": "澧县高新区", "level": "省级", "score": None},
            {"code": "HN-P-SHIMEN", "name": "石门高新技术产业开发区", "short_name": "石门高新区", "level": "省级", "score": None},
            {"code": "HN-P-TAOYUAN", "name": "桃源高新技术产业开发区", "short_name": "桃源高新区", "level": "省级", "score": None}]}
    assert [(z["code"], z["score"]) for z in _city(o, "郴州市")["zones"]] == [
        (CZ, 68.75), (GY, 100.0), ("HN-P-LINWU", None), ("HN-P-SUXIAN", None)]
    assert (_city(o, "郴州市")["score"], _city(o, "长沙市")["score"], _city(o, "株洲市")["score"]) == (68.75, 37.5, None)
    assert (_city(o, "长沙市")["n_zones"], _city(o, "长沙市")["n_national"]) == (5, 2)
    assert {c["name"]: c["score"] for c in o["cities"] if c["score"] is not None} == {
        "长沙市": 37.5, "常德市": 31.25, "郴州市": 68.75}
    assert o["map_note"] == ("地图按各市州国家级高新区综合得分的平均值着色（测试指数体系，国家级高新区之间比较）；"
                             "国家级与省级高新区按各自的评价体系计分，得分尺度不同，不混合平均。没有国家级高新区得分的市州不着色。")
    assert {k: o[k] for k in ("year", "map_class", "map_framework_name", "is_demo", "notes", "n_zones", "n_national")} == {
        "year": 2024, "map_class": "国家级", "map_framework_name": "测试指数体系", "is_demo": False, "notes": [],
        "n_zones": 52, "n_national": 9}
    # the headline goals: the province-wide targets of plans/002-hunan-sei-14th-fyp.yaml, in file order
    assert o["goals_meta"] == {"as_of": 2025, "plans": ["湖南省“十四五”战略性新兴产业发展规划"]}
    assert [g["target_id"] for g in o["goals"]] == [
        "sei25-va-gdp-share", "sei25-value-added", "sei25-rd-expenditure-growth", "sei25-high-value-patents-per-10k",
        "sei25-digital-core-share", "sei25-high-tech-enterprises", "sei25-national-innovation-carriers"]


def test_overview_of_an_earlier_year(tiny):
    with session_scope(tiny) as s:
        o = ov.overview(s, CONSOLE, 2023, "国家级")
    # 2023: 常德 0, 长沙 45.83, 郴州 100; no provincial data that year
    assert {c["name"]: c["score"] for c in o["cities"] if c["score"] is not None} == {
        "长沙市": 45.83, "常德市": 0.0, "郴州市": 100.0}
    assert o["year"] == 2023
    assert o["notes"] == ["省级高新区未显示得分：2023 年没有评价数据，可选年度：2024"]
    assert [(z["code"], z["score"]) for z in _city(o, "郴州市")["zones"]][:2] == [(CZ, 100.0), (GY, None)]


def test_overview_default_class_is_provincial_for_the_province(tiny):
    with session_scope(tiny) as s:
        o = ov.overview(s, CONSOLE)
    assert o["map_class"] == "省级" and o["year"] == 2024
    assert {c["name"]: c["score"] for c in o["cities"] if c["score"] is not None} == {"常德市": 0.0, "郴州市": 100.0}
    # a national zone keeps its national score on the provincial map
    assert [(z["code"], z["score"]) for z in _city(o, "长沙市")["zones"]][0] == (CS, 37.5)
    assert o["map_note"].startswith("地图按各市州省级高新区综合得分的平均值着色（测试指数体系，省级高新区之间比较）")


def test_overview_for_a_zone_user_before_publishing(tiny, caplog):
    import logging
    with caplog.at_level(logging.INFO, logger="gaoxin.services"), session_scope(tiny) as s:
        o = ov.overview(s, CD_USER, 2024)
    assert [r.getMessage() for r in caplog.records if r.name == "gaoxin.services"] == [
        "总览：国家级高新区未显示得分：2024年度国家级高新区排名尚未发布：高新区用户只能查看已发布的排名",
        "总览：省级高新区未显示得分：高新区用户只能查看本园区所属级别（国家级）高新区的排名"]
    assert o["notes"] == ["国家级高新区未显示得分：2024年度国家级高新区排名尚未发布：高新区用户只能查看已发布的排名",
                          "省级高新区未显示得分：高新区用户只能查看本园区所属级别（国家级）高新区的排名"]
    assert (o["map_class"], o["year"], o["map_framework_name"], o["is_demo"]) == ("国家级", None, "", False)
    assert all(z["score"] is None for c in o["cities"] for z in c["zones"])
    assert all(c["score"] is None for c in o["cities"])
    assert o["map_note"].startswith("地图按各市州国家级高新区综合得分的平均值着色（，国家级高新区之间比较）")
    with session_scope(tiny) as s:
        with pytest.raises(ServiceError) as e:
            ov.overview(s, CONSOLE, 2024, "市级")
    assert str(e.value) == "高新区级别应为 国家级、省级 之一，实际为“市级”"


def test_overview_for_a_zone_user_after_publishing(rollback):
    from gaoxin.services import evaluation as ev
    s = rollback
    ev.publish(s, CONSOLE, 2024, zone_class="国家级")
    o = ov.overview(s, CD_USER, 2024)
    assert o["notes"] == ["省级高新区未显示得分：高新区用户只能查看本园区所属级别（国家级）高新区的排名"]
    assert (o["year"], o["map_framework_name"]) == (2024, "测试指数体系")
    assert {c["name"]: c["score"] for c in o["cities"] if c["score"] is not None} == {
        "长沙市": 37.5, "常德市": 31.25, "郴州市": 68.75}
    # the provincial ranking stays hidden from a national zone's user
    assert [(z["code"], z["score"]) for z in _city(o, "郴州市")["zones"]][:2] == [(CZ, 68.75), (GY, None)]


def test_zone_directory(rollback):
    s = rollback
    assert zn.zone(s, CS) == {"code": CS, "name": "长沙高新技术产业开发区", "short_name": "长沙高新区", "level": "国家级",
                              "city_code": "430100", "city_name": "长沙市", "approved_year": 1991}
    with pytest.raises(NotFound) as e:
        zn.zone(s, "HN-X-NONE")
    assert str(e.value) == "高新区代码“HN-X-NONE”不存在"
    names, short = zn.zone_names(s), zn.zone_names(s, short=True)
    assert len(names) == 52 and (names[CD], short[CD]) == ("常德高新技术产业开发区", "常德高新区")
    assert short["HN-P-SUXIAN"] == "苏仙产业开发区"
    assert list(zn.visible_zones(s, CD_USER)["code"]) == [CD]
    assert len(zn.visible_zones(s, READER)) == 52 and list(zn.visible_zones(s, READER).index[:2]) == [0, 1]
    two = Principal("two", "zone_user", zones=frozenset({CZ, AX}))
    assert list(zn.visible_zones(s, two)["code"]) == [CZ, AX] and list(zn.visible_zones(s, two).index) == [0, 1]
    # a zone without a short name is called by its full name
    from sqlalchemy import select

    from gaoxin.store.models import Zone
    s.scalar(select(Zone).where(Zone.code == CD)).short_name = None
    s.flush()
    assert zn.zone_names(s, short=True)[CD] == "常德高新技术产业开发区"
    assert zn.zone_names(s, short=True)[CS] == "长沙高新区"


def test_zone_observations(tiny):
    cols = ["unit_type", "unit_code", "indicator_code", "indicator_name", "period", "value", "is_demo"]
    with session_scope(tiny) as s:
        one = zn.zone_observations(s, CD_USER, CD, "D1_1", 2024)
        years = zn.zone_observations(s, CONSOLE, CD, "D1_1", None)
        all_ = zn.zone_observations(s, READER, CZ, None, 2023)
        with pytest.raises(Forbidden) as e:
            zn.zone_observations(s, CD_USER, CS, None, None)
        assert str(e.value) == "无权查看该高新区的数据：高新区用户只能查看本园区数据（其他园区仅可在已发布的排名中查看）"
        with pytest.raises(NotFound) as e:
            zn.zone_observations(s, CONSOLE, "HN-X-NONE", None, None)
        assert str(e.value) == "高新区代码“HN-X-NONE”不存在"
    assert list(one.columns) == cols
    assert one.to_dict("records") == [{"unit_type": "zone", "unit_code": CD, "indicator_code": "D1_1",
                                       "indicator_name": "万人拥有本科（含）学历以上人数", "period": 2024, "value": 10.123,
                                       "is_demo": False}]
    assert sorted(zip(years["period"], years["value"])) == [(2023, 10.123), (2024, 10.123)]
    # 郴州 2023: D1_1 30.123, D1_3 9, D1_2 3, D1_4 4
    assert sorted(zip(all_["indicator_code"], all_["value"])) == [("D1_1", 30.123), ("D1_2", 3.0), ("D1_3", 9.0),
                                                                  ("D1_4", 4.0)]
    assert set(all_["unit_code"]) == {CZ} and set(all_["period"]) == {2023}


def test_observations_scope_and_filters(rollback):
    from gaoxin.store.models import Enterprise, Observation
    s = rollback
    s.add_all([Enterprise(credit_code="91430700TESTCD001", name="常德测试企业", zone_code=CD),
               Enterprise(credit_code="91430100TESTCS001", name="长沙测试企业", zone_code=CS)])
    s.add_all([Observation(unit_type="province", unit_code="430000", indicator_code="D1_1", period=2024, value=1.5),
               Observation(unit_type="enterprise", unit_code="91430700TESTCD001", indicator_code="D1_1", period=2024,
                           value=7.0, is_demo=True),
               Observation(unit_type="enterprise", unit_code="91430100TESTCS001", indicator_code="D1_1", period=2024,
                           value=8.0)])
    s.flush()

    def rows(df):
        return [tuple(r) for r in df[["unit_type", "unit_code", "indicator_code", "period", "value", "is_demo"]]
                .itertuples(index=False)]
    # a zone user: its zone, its enterprises and the figures not tied to any zone, in order
    assert rows(zn.observations(s, CD_USER, None, None, "D1_1", 2024)) == [
        ("enterprise", "91430700TESTCD001", "D1_1", 2024, 7.0, True), ("province", "430000", "D1_1", 2024, 1.5, False),
        ("zone", CD, "D1_1", 2024, 10.123, False)]
    # one zone asked for: that zone's private data only
    assert rows(zn.observations(s, CD_USER, None, CD, "D1_1", 2024)) == [
        ("enterprise", "91430700TESTCD001", "D1_1", 2024, 7.0, True), ("zone", CD, "D1_1", 2024, 10.123, False)]
    assert rows(zn.observations(s, READER, "zone", None, "D1_1", 2024)) == [
        ("zone", CD, "D1_1", 2024, 10.123, False), ("zone", CS, "D1_1", 2024, 20.123, False),
        ("zone", CZ, "D1_1", 2024, 30.123, False), ("zone", AX, "D1_1", 2024, 1.0, False),
        ("zone", GY, "D1_1", 2024, 2.0, False)]
    assert rows(zn.observations(s, CONSOLE, "enterprise", CS, None, None)) == [
        ("enterprise", "91430100TESTCS001", "D1_1", 2024, 8.0, False)]
    assert len(zn.observations(s, CONSOLE, None, None, None, None)) == 8 * 4 + 3
    assert len(zn.observations(s, CONSOLE, None, None, None, 2023)) == 3 * 4
    assert len(zn.observations(s, CONSOLE, "zone", None, "D1_4", None)) == 8
    got = zn.observations(s, CONSOLE, "province", None, None, None)
    assert list(got.columns) == ["unit_type", "unit_code", "indicator_code", "indicator_name", "period", "value", "is_demo"]
    assert list(got["indicator_name"]) == ["万人拥有本科（含）学历以上人数"]
    with pytest.raises(Forbidden):
        zn.observations(s, CD_USER, None, CS, None, None)


def test_set_zone_observation(rollback):
    from sqlalchemy import select

    from gaoxin.store.models import AuditLog, Observation
    s = rollback
    made = zn.set_zone_observation(s, CD_USER, CD, "D1_1", 2025, 11.0)
    assert made == {"unit_type": "zone", "unit_code": CD, "indicator_code": "D1_1", "period": 2025, "value": 11.0,
                    "before": None}
    row = s.scalar(select(Observation).where(Observation.unit_code == CD, Observation.period == 2025))
    assert (row.unit_type, row.indicator_code, row.value, row.is_demo, row.source) == ("zone", "D1_1", 11.0, False,
                                                                                      "网页录入：cd")
    old = s.scalar(select(Observation).where(Observation.unit_code == CD, Observation.indicator_code == "D1_2",
                                             Observation.period == 2024))
    old.is_demo = True
    s.flush()
    changed = zn.set_zone_observation(s, CONSOLE, CD, "D1_2", 2024, None)
    assert changed == {"unit_type": "zone", "unit_code": CD, "indicator_code": "D1_2", "period": 2024, "value": None,
                       "before": {"value": 3.0, "is_demo": True}}
    assert (old.value, old.is_demo, old.source) == (None, False, "网页录入：cli")
    audit = [(a.username, a.action, a.entity, a.entity_id, a.zone_code, a.before, a.after)
             for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert audit == [
        ("cd", "create", "observation", f"zone:{CD}:D1_1:2025", CD, None, {"value": 11.0, "is_demo": False}),
        ("cli", "update", "observation", f"zone:{CD}:D1_2:2024", CD, {"value": 3.0, "is_demo": True},
         {"value": None, "is_demo": False})]
    refused = {}
    for user, zone, ind in ((READER, CD, "D1_1"), (CD_USER, CS, "D1_1"), (CONSOLE, "HN-X-NONE", "D1_1"),
                            (CONSOLE, CD, "ZZ9")):
        with pytest.raises(ServiceError) as e:
            zn.set_zone_observation(s, user, zone, ind, 2024, 1.0)
        refused[(user.username, zone, ind)] = (type(e.value).__name__, str(e.value))
    assert refused == {
        ("r", CD, "D1_1"): ("Forbidden", "只读用户不能修改数据"),
        ("cd", CS, "D1_1"): ("Forbidden", f"无权修改 {CS} 的数据：高新区用户只能修改本园区数据"),
        ("cli", "HN-X-NONE", "D1_1"): ("NotFound", "高新区代码“HN-X-NONE”不存在"),
        ("cli", CD, "ZZ9"): ("ServiceError", "指标代码“ZZ9”不存在")}


def test_geojson(tmp_path, monkeypatch):
    from gaoxin.paths import REFERENCE_DIR
    monkeypatch.delenv("GAOXIN_MAP_GEOJSON", raising=False)
    shipped = REFERENCE_DIR / "map" / "hunan.geojson"
    assert zn.geojson_path() == shipped
    assert zn.geojson_bytes() == shipped.read_bytes()
    mine = tmp_path / "map.geojson"
    mine.write_bytes(b'{"type": "FeatureCollection", "features": []}')
    monkeypatch.setenv("GAOXIN_MAP_GEOJSON", str(mine))
    assert zn.geojson_path() == mine
    assert zn.geojson_bytes() == b'{"type": "FeatureCollection", "features": []}'
    monkeypatch.setenv("GAOXIN_MAP_GEOJSON", str(tmp_path / "none.geojson"))
    with pytest.raises(Unavailable) as e:
        zn.geojson_bytes()
    assert str(e.value) == "地图文件不存在（请放置湖南省市州边界 GeoJSON，或用环境变量 GAOXIN_MAP_GEOJSON 指定）"

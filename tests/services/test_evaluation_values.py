"""gaoxin.services.evaluation on values a reader can check by hand.

A four-indicator test framework (two dimensions of two indicators, equal weights, min–max to 0–100,
arithmetic means) replaces both shipped frameworks' computation; the documents (文号, class) stay the
shipped ones. Three national zones have two years of data, two provincial zones one year:

  2023, national: every indicator 常德 < 长沙 < 郴州 → 常德 0 and 郴州 100 everywhere; 长沙 50 except
                  指标四 (1, 2, 4 → 33.33): 维度甲 50, 维度乙 (50 + 33.33) / 2 = 41.67, index 45.83
  2024, national (normalised in brackets):
      指标一 D1_1: 常德 10.123 (0)   长沙 20.123 (50)  郴州 30.123 (100)
      指标三 D1_3: 常德 5 (0)    长沙 9 (100)  郴州 6 (25)
      指标二 D1_2: 常德 3 (100)  长沙 1 (0)    郴州 2 (50)
      指标四 D1_4: 常德 2 (25)   长沙 1 (0)    郴州 5 (100)
      维度甲 A = (D1_1 + D1_3) / 2: 常德 0, 长沙 75, 郴州 62.5
      维度乙 B = (D1_2 + D1_4) / 2: 常德 62.5, 长沙 0, 郴州 75
      index = (A + B) / 2: 常德 31.25 (3), 长沙 37.5 (2), 郴州 68.75 (1)
  2024, provincial: 安乡 all lowest (0), 桂阳 all highest (100).
"""
from __future__ import annotations

import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import evaluation as ev
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Forbidden, Invalid, NotFound
from gaoxin.services.scope import CONSOLE

CD, CS, CZ = "HN-N-CHANGDE", "HN-N-CHANGSHA", "HN-N-CHENZHOU"   # 常德市, 长沙市, 郴州市
AX, GY = "HN-P-ANXIANG", "HN-P-GUIYANG"                        # 常德市, 郴州市

TINY = {"name": "测试指数体系", "nodes": [{"code": "INDEX", "name": "测试综合指数", "children": [
    {"code": "A", "name": "维度甲", "weight": 1, "children": [
        {"code": "D1_1", "name": "指标一", "weight": 1, "direction": 1, "unit": "个"},
        {"code": "D1_3", "name": "指标三", "weight": 1, "direction": 1, "unit": "%"}]},
    {"code": "B", "name": "维度乙", "weight": 1, "children": [
        {"code": "D1_2", "name": "指标二", "weight": 1, "direction": 1, "unit": "件"},
        {"code": "D1_4", "name": "指标四", "weight": 1, "direction": 1}]},
]}]}

DATA = {  # (zone, year): D1_1, D1_3, D1_2, D1_4
    (CD, 2023): (10.123, 5, 1, 1), (CS, 2023): (20.123, 7, 2, 2), (CZ, 2023): (30.123, 9, 3, 4),
    (CD, 2024): (10.123, 5, 3, 2), (CS, 2024): (20.123, 9, 1, 1), (CZ, 2024): (30.123, 6, 2, 5),
    (AX, 2024): (1, 1, 1, 1), (GY, 2024): (2, 2, 2, 2),
}
CODES = ("D1_1", "D1_3", "D1_2", "D1_4")

RANK_LABELS = {"rank": "排名", "unit": "园区代码", "name": "园区名称", "short_name": "简称", "city": "所在市州",
               "level": "级别", "score": "综合得分", "rank_low": "排名区间（高）", "rank_high": "排名区间（低）"}

NATIONAL_2024 = [
    {"rank": 1, "unit": CZ, "name": "郴州高新技术产业开发区", "short_name": "郴州高新区", "city": "郴州市",
     "level": "国家级", "score": 68.75, "A": 62.5, "B": 75.0},
    {"rank": 2, "unit": CS, "name": "长沙高新技术产业开发区", "short_name": "长沙高新区", "city": "长沙市",
     "level": "国家级", "score": 37.5, "A": 75.0, "B": 0.0},
    {"rank": 3, "unit": CD, "name": "常德高新技术产业开发区", "short_name": "常德高新区", "city": "常德市",
     "level": "国家级", "score": 31.25, "A": 0.0, "B": 62.5},
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def tiny(request, tmp_path_factory):
    """One migrated database per backend with the data above, shared by this module's tests (a test
    that writes removes what it wrote)."""
    import gaoxin.index as index
    from gaoxin.services.cache import clear
    from gaoxin.store.db import dispose_engines
    from gaoxin.store.migrate import init_database
    from gaoxin.store.models import Observation
    from tests.conftest import _drop_pg_database, _fresh_pg_database
    if request.param == "sqlite":
        url, admin, name = f"sqlite:///{tmp_path_factory.mktemp('evvalues') / 'gaoxin.db'}", None, None
    else:
        admin = request.getfixturevalue("pg_server")
        name, url = _fresh_pg_database(admin)
    fw = index.parse_framework(TINY, "tiny")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAOXIN_DATABASE_URL", url)
        mp.delenv("GAOXIN_FRAMEWORK", raising=False)   # the settings' default framework (provincial)
        mp.setattr(index, "load_framework", lambda name: fw)
        init_database(url)
        with session_scope(url) as s:
            for (zone, year), values in DATA.items():
                for code, v in zip(CODES, values):
                    s.add(Observation(unit_type="zone", unit_code=zone, indicator_code=code, period=year, value=v))
        clear()
        yield url
        clear()  # the framework info cached here names the test framework's nodes
    dispose_engines()
    if admin:
        _drop_pg_database(admin, name)


def _rows(df):
    return [{k: (None if v != v else v) for k, v in r.items()} for r in df.to_dict("records")]


def test_national_ranking_table_and_meta(tiny):
    with session_scope(tiny) as s:
        df, meta = ev.ranking(s, CONSOLE, 2024, zone_class="国家级")
        latest, latest_meta = ev.ranking(s, CONSOLE, None, zone_class="国家级")
        old, old_meta = ev.ranking(s, CONSOLE, 2023, zone_class="国家级")
        with pytest.raises(NotFound) as e:
            ev.ranking(s, CONSOLE, 2022, zone_class="国家级")
        assert str(e.value) == "2022 年没有评价数据，可选年度：2023、2024"
        assert ev.evaluation_years(s, None, "国家级") == [2024, 2023]
        assert ev.evaluation_years(s, None, "省级") == [2024]
        assert ev.data_years(s) == [2024, 2023]
    assert list(df.columns) == ["rank", "unit", "name", "short_name", "city", "level", "score", "A", "B"]
    assert _rows(df) == NATIONAL_2024
    assert _rows(latest) == NATIONAL_2024 and latest_meta["year"] == 2024
    assert [(r["unit"], r["rank"], r["score"], r["A"], r["B"]) for r in _rows(old)] == [
        (CZ, 1, 100.0, 100.0, 100.0), (CS, 2, 45.83, 50.0, 41.67), (CD, 3, 0.0, 0.0, 0.0)]
    assert str(df["rank"].dtype) == "Int64"
    assert old_meta["year"] == 2023
    gaps = meta.pop("gaps")
    assert gaps and gaps[0].startswith("第二至第五个一级指标")
    assert meta == {"year": 2024, "zone_class": "国家级", "framework": "national-2021", "framework_name": "测试指数体系",
                    "document": "国科发火〔2021〕106号", "n_units": 3, "is_demo": False, "years": [2023, 2024],
                    "dimensions": ["A", "B"], "dimension_labels": {**RANK_LABELS, "A": "维度甲", "B": "维度乙"},
                    "published": False}
    # the export drops the zone code only
    assert list(ev.ranking_export(df).columns) == ["rank", "name", "short_name", "city", "level", "score", "A", "B"]
    # city scores: one zone per city here
    assert ev.city_scores(df) == {"常德市": 31.25, "郴州市": 68.75, "长沙市": 37.5}


def test_provincial_ranking_is_its_own_class(tiny):
    with session_scope(tiny) as s:
        df, meta = ev.ranking(s, CONSOLE, 2024, zone_class="省级")
        default_df, default_meta = ev.ranking(s, CONSOLE, 2024)   # the default framework's class: 省级
        _, latest_meta = ev.ranking(s, CONSOLE, None, zone_class="省级")   # its only year
    assert [(r["rank"], r["unit"], r["city"], r["score"], r["A"], r["B"]) for r in _rows(df)] == [
        (1, GY, "郴州市", 100.0, 100.0, 100.0), (2, AX, "常德市", 0.0, 0.0, 0.0)]
    assert (meta["framework"], meta["zone_class"], meta["n_units"], meta["years"]) == (
        "hunan-provincial-2017", "省级", 2, [2024])
    assert meta["document"] == "《湖南省高新技术产业开发区创新驱动发展提质升级三年行动方案（2017-2019年）》附件"
    assert default_meta["zone_class"] == "省级" and _rows(default_df) == _rows(df)
    assert latest_meta["year"] == 2024


def test_city_mean_rules():
    assert ev.city_mean([10.0, None, float("nan"), 21.0]) == 15.5   # missing scores are left out
    assert ev.city_mean([1.114, 1.115]) == 1.11 and ev.city_mean([33.333]) == 33.33
    assert ev.city_mean([None]) is None and ev.city_mean([]) is None
    import pandas as pd
    assert ev.city_scores(pd.DataFrame(columns=["city", "score"])) == {}
    two = pd.DataFrame({"city": ["乙市", "甲市", "乙市"], "score": [10.0, 40.0, 20.0]})
    assert ev.city_scores(two) == {"乙市": 15.0, "甲市": 40.0}


def test_bad_class_and_framework_are_refused(tiny):
    with session_scope(tiny) as s:
        with pytest.raises(Invalid) as e:
            ev.ranking(s, CONSOLE, 2024, zone_class="市级")
        assert str(e.value) == "高新区级别应为 国家级、省级 之一，实际为“市级”"
        with pytest.raises(NotFound) as e:
            ev.ranking(s, CONSOLE, 2024, framework="../secret", zone_class="国家级")
        assert str(e.value) == "未知的指标体系：请从页面提供的指标体系中选择"
        with pytest.raises(NotFound) as e:
            ev.zone_profile(s, "HN-X-NOPE", 2024)
        assert str(e.value) == "没有高新区 HN-X-NOPE"
        with pytest.raises(NotFound) as e:   # a national zone without data
            ev.zone_profile(s, "HN-N-HENGYANG", 2024)
        assert str(e.value) == "2024 年国家级高新区评价结果中没有高新区 HN-N-HENGYANG（可能缺少数据）"
        with pytest.raises(Forbidden) as e:
            ev.publish(s, Principal("r", "readonly"), 2024)
        assert str(e.value) == "此操作仅限省级管理员"
        with pytest.raises(NotFound) as e:   # no class has 2022 data
            ev.publish(s, CONSOLE, 2022)
        assert str(e.value) == ("2022 年没有评价数据，可选年度：2023、2024；"
                                "2022 年没有评价数据，可选年度：2024")


def test_profile_values(tiny):
    with session_scope(tiny) as s:
        p = ev.zone_profile_for(s, CONSOLE, CD, 2024)
        cs = ev.zone_profile(s, CS, 2024)
        cz = ev.zone_profile(s, CZ, 2024)
        same = ev.zone_profile(s, CD, 2024, zone_class="国家级")
        latest = ev.zone_profile(s, CD, None)
        old = ev.zone_profile(s, CD, 2023)
    interval = p.pop("rank_interval")
    # rank intervals over the weight and aggregation variations of the settings: 郴州 leads in both
    # dimensions' sum under any weights within ±25 % and is the only zone without a 0 dimension (geometric
    # mean), so it is always 1st; 常德 and 长沙 swap places as the weights move
    assert cz["rank_interval"] == [1, 1]
    assert interval == [2, 3] and cs["rank_interval"] == [2, 3]
    # 长沙 2024: 维度甲 75 = (指标一 50 + 指标三 100) / 2 carries the whole 37.5, split 1 : 2
    assert cs["contributions"] == [
        {"code": "D1_3", "name": "指标三", "score": 100.0, "contribution": 25.0, "share": 0.667},
        {"code": "D1_1", "name": "指标一", "score": 50.0, "contribution": 12.5, "share": 0.333},
        {"code": "D1_2", "name": "指标二", "score": 0.0, "contribution": 0.0, "share": 0.0},
        {"code": "D1_4", "name": "指标四", "score": 0.0, "contribution": 0.0, "share": 0.0}]
    assert [(r["code"], r["value"]) for r in cs["strengths"]] == [("D1_3", 9.0), ("D1_1", 20.12), ("D1_2", 1.0)]
    gaps = p.pop("gaps")
    assert gaps[0].startswith("第二至第五个一级指标")
    assert p == {
        "zone": CD, "year": 2024, "zone_class": "国家级", "framework_name": "测试指数体系",
        "document": "国科发火〔2021〕106号", "mean_label": "国家级高新区平均",
        "score": 31.25, "rank": 3, "n_units": 3, "yoy": 31.25,
        # class means: A (0 + 75 + 62.5) / 3, B (62.5 + 0 + 75) / 3
        "dimensions": [{"code": "A", "name": "维度甲", "score": 0.0, "mean": 45.83},
                       {"code": "B", "name": "维度乙", "score": 62.5, "mean": 45.83}],
        "dimension_max": 80.0,   # best dimension score 75 → next multiple of 10
        # 常德's ranks among the three: D1_2 1st (100), D1_4 2nd (25), D1_1 and D1_3 3rd (0)
        "strengths": [
            {"kind": "strength", "code": "D1_2", "name": "指标二", "rank": 1.0, "score": 100.0, "value": 3.0, "unit": "件"},
            {"kind": "strength", "code": "D1_4", "name": "指标四", "rank": 2.0, "score": 25.0, "value": 2.0, "unit": None},
            {"kind": "strength", "code": "D1_1", "name": "指标一", "rank": 3.0, "score": 0.0, "value": 10.12, "unit": "个"}],
        "weaknesses": [
            {"kind": "weakness", "code": "D1_3", "name": "指标三", "rank": 3.0, "score": 0.0, "value": 5.0, "unit": "%"},
            {"kind": "weakness", "code": "D1_1", "name": "指标一", "rank": 3.0, "score": 0.0, "value": 10.12, "unit": "个"},
            {"kind": "weakness", "code": "D1_4", "name": "指标四", "rank": 2.0, "score": 25.0, "value": 2.0, "unit": None}],
        # 31.25 = B's 62.5 / 2, split 100 : 25 between D1_2 and D1_4
        "contributions": [
            {"code": "D1_2", "name": "指标二", "score": 100.0, "contribution": 25.0, "share": 0.8},
            {"code": "D1_4", "name": "指标四", "score": 25.0, "contribution": 6.25, "share": 0.2},
            {"code": "D1_1", "name": "指标一", "score": 0.0, "contribution": 0.0, "share": 0.0},
            {"code": "D1_3", "name": "指标三", "score": 0.0, "contribution": 0.0, "share": 0.0}],
        "history": [{"year": 2023, "score": 0.0, "rank": 3}, {"year": 2024, "score": 31.25, "rank": 3}],
        "is_demo": False}
    assert same["score"] == 31.25 and same["rank"] == 3
    assert (latest["year"], latest["score"]) == (2024, 31.25)
    assert (old["year"], old["score"], old["rank"], old["yoy"]) == (2023, 0.0, 3, None)
    assert cs["yoy"] == -8.33   # 37.5 − 45.83
    assert old["dimension_max"] == 100.0

    sheets = ev.profile_sheets({**p, "rank_interval": interval, "gaps": gaps})
    assert list(sheets) == ["维度得分", "优势指标", "短板指标", "指标贡献", "历年得分与排名"]
    assert list(sheets["维度得分"].columns) == ["指标代码", "名称", "得分", "国家级高新区平均"]
    assert list(sheets["优势指标"].columns) == ["类别", "指标代码", "名称", "园区排名", "得分", "数值", "unit"]
    assert list(sheets["指标贡献"].columns) == ["指标代码", "名称", "得分", "贡献（分）", "占比"]
    assert list(sheets["历年得分与排名"].columns) == ["年度", "得分", "园区排名"]
    plain = ev.profile_sheets({"dimensions": [{"mean": 1}], "strengths": [], "weaknesses": [], "contributions": [],
                               "history": []})
    assert list(plain["维度得分"].columns) == ["同级别平均"]


@pytest.fixture
def unpublished(tiny):
    """The shared database, its published runs and their audit rows removed after the test."""
    yield tiny
    from sqlalchemy import delete

    from gaoxin.services.cache import clear
    from gaoxin.store.models import AuditLog, EvaluationRun
    with session_scope(tiny) as s:
        s.execute(delete(EvaluationRun))
        s.execute(delete(AuditLog))
    clear()


def test_zone_user_before_and_after_publishing(unpublished):
    tiny = unpublished
    user = Principal("cd", "zone_user", zones=frozenset({CD}))
    with session_scope(tiny) as s:
        assert ev.visible_classes(s, user) == ["国家级"]
        assert ev.visible_classes(s, CONSOLE) == ["国家级", "省级"]
        assert ev.default_class(s, user) == "国家级" and ev.default_class(s, CONSOLE) == "省级"
        stranger = Principal("x", "zone_user", zones=frozenset({"HN-X-NONE"}))   # no zone of the directory
        assert ev.visible_classes(s, stranger) == [] and ev.default_class(s, stranger) == "省级"
        with pytest.raises(Forbidden) as e:
            ev.ranking(s, stranger, 2024, zone_class="国家级")
        assert str(e.value) == "高新区用户只能查看本园区所属级别（无）高新区的排名"
        with pytest.raises(Forbidden) as e:
            ev.ranking(s, user, 2024)
        assert str(e.value) == "2024年度国家级高新区排名尚未发布：高新区用户只能查看已发布的排名"
        with pytest.raises(Forbidden) as e:
            ev.ranking(s, user, None)
        assert str(e.value) == "最新年度国家级高新区排名尚未发布：高新区用户只能查看已发布的排名"
        with pytest.raises(Forbidden) as e:
            ev.ranking(s, user, 2024, zone_class="省级")
        assert str(e.value) == "高新区用户只能查看本园区所属级别（国家级）高新区的排名"
        with pytest.raises(Forbidden):
            ev.zone_profile_for(s, user, CS, 2024)
        p = ev.zone_profile_for(s, user, CD, 2024)
        assert p["note"] == ("2024 年度国家级高新区排名尚未发布：仅显示本园区的得分和指标值，不显示排名和同级别比较")
        assert (p["published"], p["score"], p["rank"], p["n_units"], p["rank_interval"], p["yoy"]) == (
            False, 31.25, None, None, None, 31.25)
        assert p["dimensions"] == [{"code": "A", "name": "维度甲", "score": 0.0, "mean": None},
                                   {"code": "B", "name": "维度乙", "score": 62.5, "mean": None}]
        assert [sorted(r) for r in p["strengths"] + p["weaknesses"]] == [["code", "kind", "name", "score", "unit", "value"]] * 6
        assert p["history"] == [{"year": 2023, "score": 0.0, "rank": None}, {"year": 2024, "score": 31.25, "rank": None}]
        assert ev.runs(s, user).empty and ev.runs(s, CONSOLE).empty

        done = ev.publish(s, CONSOLE, 2024)
        assert done["detail"] == ("已发布 2024 年度国家级高新区排名（3 个园区）；已发布 2024 年度省级高新区排名（2 个园区）")
        assert (done["year"], done["published"], len(done["ids"]), done["id"]) == (2024, True, 2, done["ids"][1])
        one = ev.publish(s, CONSOLE, 2023)   # only the national class has 2023 data
        assert one == {"id": one["ids"][0], "ids": [one["ids"][0]], "year": 2023, "published": True,
                       "detail": "已发布 2023 年度国家级高新区排名（3 个园区）"}
        with pytest.raises(NotFound) as e:
            ev.publish(s, CONSOLE, 2023, zone_class="省级")
        assert str(e.value) == "2023 年没有评价数据，可选年度：2024"
        again = ev.publish(s, CONSOLE, 2024, zone_class="国家级")
        assert again == {"id": again["id"], "year": 2024, "zone_class": "国家级", "published": True,
                         "detail": "已发布 2024 年度国家级高新区排名（3 个园区）"}
        from sqlalchemy import select

        from gaoxin.store.models import AuditLog, EvaluationRun
        # a saved run that is not published, and the framework's name at the time `again` was published
        s.add(EvaluationRun(framework="national-2021", year=2022, method={}, published=False, created_by="cli",
                            results={"zone_class": "国家级", "framework_name": "草稿体系"}))
        run = s.get(EvaluationRun, again["id"])
        run.results = {**run.results, "framework_name": "发布时的体系名称"}
        audit = [(a.username, a.action, a.entity, a.entity_id, a.after) for a in
                 s.scalars(select(AuditLog).where(AuditLog.action == "publish").order_by(AuditLog.id))]
        assert audit == [
            ("cli", "publish", "evaluation_run", str(done["ids"][0]),
             {"framework": "national-2021", "zone_class": "国家级", "year": 2024, "units": 3}),
            ("cli", "publish", "evaluation_run", str(done["ids"][1]),
             {"framework": "hunan-provincial-2017", "zone_class": "省级", "year": 2024, "units": 2}),
            ("cli", "publish", "evaluation_run", str(one["id"]),
             {"framework": "national-2021", "zone_class": "国家级", "year": 2023, "units": 3}),
            ("cli", "publish", "evaluation_run", str(again["id"]),
             {"framework": "national-2021", "zone_class": "国家级", "year": 2024, "units": 3})]
    with session_scope(tiny) as s:
        df, meta = ev.ranking(s, user, 2024)
        gaps = meta.pop("gaps")
        assert gaps[0].startswith("第二至第五个一级指标")
        # the newest run of the year, with the framework name it was published under
        assert meta == {"year": 2024, "zone_class": "国家级", "framework": "national-2021",
                        "framework_name": "发布时的体系名称", "document": "国科发火〔2021〕106号", "n_units": 3,
                        "dimensions": ["A", "B"], "dimension_labels": {**RANK_LABELS, "A": "维度甲", "B": "维度乙"},
                        "published": True, "is_demo": False, "note": "已发布的排名"}
        assert _rows(df) == NATIONAL_2024
        old, old_meta = ev.ranking(s, user, 2023)
        assert old_meta["year"] == 2023 and [r["unit"] for r in _rows(old)] == [CZ, CS, CD]
        newest, newest_meta = ev.ranking(s, user, None)    # the newest published year
        assert newest_meta["year"] == 2024
        _, admin_meta = ev.ranking(s, CONSOLE, 2024, zone_class="国家级")
        assert admin_meta["published"] is True
        p = ev.zone_profile_for(s, user, CD, 2024)
        assert (p["rank"], p["n_units"], p["dimensions"][0]["mean"], "note" in p) == (3, 3, 45.83, False)
        p23 = ev.zone_profile_for(s, user, CD, 2023)
        assert p23["history"] == [{"year": 2023, "score": 0.0, "rank": 3}, {"year": 2024, "score": 31.25, "rank": 3}]
        r = ev.runs(s, CONSOLE)
        assert list(r.columns) == ["id", "zone_class", "framework", "year", "published", "is_demo", "created_by",
                                   "created_at"]
        assert [(x["zone_class"], x["framework"], x["year"], bool(x["published"]), bool(x["is_demo"]), x["created_by"])
                for x in r.to_dict("records")] == [
            ("国家级", "草稿体系", 2022, False, False, "cli"), ("国家级", "发布时的体系名称", 2024, True, False, "cli"),
            ("国家级", "测试指数体系", 2023, True, False, "cli"), ("省级", "测试指数体系", 2024, True, False, "cli"),
            ("国家级", "测试指数体系", 2024, True, False, "cli")]
        assert list(r["id"])[1:] == [again["id"], one["id"], done["ids"][1], done["ids"][0]]
        # a zone user: published runs of its own class only, newest first
        assert [(x["id"], x["zone_class"], x["year"]) for x in ev.runs(s, user).to_dict("records")] == [
            (again["id"], "国家级", 2024), (one["id"], "国家级", 2023), (done["ids"][0], "国家级", 2024)]


def test_evaluate_class_values_and_errors(tiny):
    with session_scope(tiny) as s:
        r = ev.evaluate_class(s, "国家级")
        r23 = ev.evaluate_class(s, "国家级", year=2023)
        both = ev.evaluate_by_class(s)
        alln = ev.evaluate_class(s, None, "national-2021", 2024)
        # a method spec is passed to the engine: min–max to 0–10 divides every score by ten
        ten = {"normalise": {"method": "minmax", "range": [0, 10]}}
        r10 = ev.evaluate_class(s, "国家级", spec=ten)
        by10 = ev.evaluate_by_class(s, 2023, ten)   # no provincial data in 2023: the national class only
        errs = {}
        for args in (("市级",), (None,), ("国家级", "bad/name"), ("国家级", None, 2022)):
            with pytest.raises((Invalid, NotFound)) as e:
                ev.evaluate_class(s, *args)
            errs[args] = (type(e.value).__name__, str(e.value))
    assert errs == {
        ("市级",): ("Invalid", "高新区级别应为 国家级、省级 之一，实际为“市级”"),
        (None,): ("Invalid", "请指定高新区级别（国家级 或 省级）或评价指标体系"),
        ("国家级", "bad/name"): ("NotFound", "未知的指标体系：请从页面提供的指标体系中选择"),
        ("国家级", None, 2022): ("NotFound", "2022 年没有国家级高新区的评价数据，可选年度：2023、2024")}
    res = r.pop("result")
    ranking = r.pop("ranking")
    assert r == {"zone_class": "国家级", "framework": "national-2021", "framework_name": "测试指数体系", "year": 2024,
                 "years": [2023, 2024], "n_units": 3, "is_demo": False, "gaps": [],
                 "short_names": {CZ: "郴州高新区", CS: "长沙高新区", CD: "常德高新区"}}
    assert res is not None
    assert [(x["unit"], int(x["rank"]), x["INDEX"], x["A"], x["B"]) for x in ranking.to_dict("records")] == [
        (CZ, 1, 68.75, 62.5, 75.0), (CS, 2, 37.5, 75.0, 0.0), (CD, 3, 31.25, 0.0, 62.5)]
    assert r23["year"] == 2023 and [round(v, 2) for v in r23["ranking"]["INDEX"]] == [100.0, 45.83, 0.0]
    assert [(x["zone_class"], x["framework"], x["n_units"], x["year"]) for x in both] == [
        ("国家级", "national-2021", 3, 2024), ("省级", "hunan-provincial-2017", 2, 2024)]
    assert [round(v, 3) for v in r10["ranking"]["INDEX"]] == [6.875, 3.75, 3.125]
    assert [(x["zone_class"], x["year"], [round(v, 3) for v in x["ranking"]["INDEX"]]) for x in by10] == [
        ("国家级", 2023, [10.0, 4.583, 0.0])]
    # no class: the five zones together, normalised over all five
    assert alln["zone_class"] is None and alln["n_units"] == 5 and alln["years"] == [2023, 2024]


def test_evaluate_without_data(tiny):
    """Every zone observation deleted inside a transaction that is rolled back."""
    import datetime

    from sqlalchemy import delete

    from gaoxin.services.cache import clear
    from gaoxin.services.db import session_factory
    from gaoxin.store.models import Observation
    s = session_factory(tiny)()
    try:
        s.execute(delete(Observation))
        s.flush()
        with pytest.raises(NotFound) as e:
            ev.evaluate_class(s, "省级")
        assert str(e.value) == ("数据库中没有省级高新区的“测试指数体系”指标数据；"
                                "可先导入数据，或运行 gaoxin demo 生成示例数据")
        with pytest.raises(NotFound) as e:
            ev.evaluate_class(s, None, "national-2021")
        assert str(e.value) == "数据库中没有高新区的“测试指数体系”指标数据；可先导入数据，或运行 gaoxin demo 生成示例数据"
        with pytest.raises(NotFound) as e:
            ev.evaluate_by_class(s)
        assert str(e.value) == ("数据库中没有国家级高新区的“测试指数体系”指标数据；可先导入数据，或运行 gaoxin demo 生成示例数据；"
                                "数据库中没有省级高新区的“测试指数体系”指标数据；可先导入数据，或运行 gaoxin demo 生成示例数据")
        with pytest.raises(NotFound) as e:
            ev.ranking(s, CONSOLE, None, zone_class="国家级")
        assert str(e.value) == "数据库中还没有国家级高新区的“测试指数体系”指标数据，请先在“数据管理”中导入"
        with pytest.raises(NotFound) as e:
            ev.evaluation(s)
        assert str(e.value) == "数据库中还没有高新区的“测试指数体系”指标数据，请先在“数据管理”中导入"
        assert ev.evaluation_years(s, None, "国家级") == [datetime.date.today().year - 1]
        assert ev.data_years(s) == [datetime.date.today().year - 1]
    finally:
        s.rollback()
        s.close()
        clear()


def test_framework_info_and_choices(monkeypatch):
    """The shipped frameworks themselves (the module's test framework is switched off here)."""
    import gaoxin.index as index
    from gaoxin.index.framework import load_framework
    from gaoxin.services.cache import clear
    monkeypatch.setattr(index, "load_framework", load_framework)
    monkeypatch.delenv("GAOXIN_FRAMEWORK", raising=False)
    clear()
    assert ev.class_frameworks() == {"国家级": "national-2021", "省级": "hunan-provincial-2017"}
    assert ev.framework_for("国家级") == "national-2021" and ev.framework_for("省级") == "hunan-provincial-2017"
    assert ev.framework_for("国家级", "hunan-provincial-2017") == "hunan-provincial-2017"
    assert ev.framework_for(None) == "hunan-provincial-2017"   # settings: evaluation.framework
    prov = ev.framework_info("hunan-provincial-2017")
    assert prov == {
        "framework": "hunan-provincial-2017", "framework_name": "湖南省省级高新技术产业开发区绩效评价指标体系（试行）",
        "document": "《湖南省高新技术产业开发区创新驱动发展提质升级三年行动方案（2017-2019年）》附件",
        "zone_class": "省级", "complete": False,
        "gaps": ["“高新区可持续发展能力”：二级指标在原文附件中被截断（原文缺失，未参与计算）"]}
    nat = ev.framework_info("national-2021")
    assert (nat["document"], nat["zone_class"], nat["complete"], len(nat["gaps"])) == (
        "国科发火〔2021〕106号", "国家级", False, 4)
    # "N2–N5 一级指标权重 …": the range said in words, "一级指标 一级指标权重" merged, N1 by its name
    assert nat["gaps"][0] == ("第二至第五个一级指标的权重 20/15/15/30 仅见于第三方公开代码（官方文本只核实了 "
                              "“创新能力和创业活跃度” = 20%）")
    assert nat["gaps"][3] == "官方文本规定的无量纲化与合成方法未找到：本平台按方法设定（默认 最小—最大值标准化（0—100 分）、算术加权平均）计算"
    assert nat["gaps"][1] == "二级指标赋权：只有 1.1（0.8）和 1.2（1.2）见于官方文本，其余均未公开，按组内等权 1.0 计算"
    assert nat["gaps"][2] == ("1.6 以后、2.10 以后、3.2–3.4、3.7 以后和 5.8 以后的二级指标名称与序号未能核实，"
                              "列为缺失项，不参与计算")   # the file says "列为 missing 节点"
    for bad in ("../etc", "-x", "a" * 65):
        with pytest.raises(NotFound) as e:
            ev.framework_info(bad)
        assert str(e.value) == "未知的指标体系：请从页面提供的指标体系中选择"
    assert ev.framework_choices() == [
        {"value": "hunan-provincial-2017", "label": "湖南省省级高新技术产业开发区绩效评价指标体系（试行）", "zone_class": "省级"},
        {"value": "national-2021", "label": "国家高新技术产业开发区综合评价指标体系（2021）（国科发火〔2021〕106号）",
         "zone_class": "国家级"}]
    with pytest.raises(NotFound) as e:
        ev.framework_for("市级")
    assert str(e.value) == "没有为市级高新区指定评价指标体系"
    assert ev.check_class("省级") == "省级"
    clear()


def test_framework_info_of_an_unknown_name_is_not_found():
    from gaoxin.services.cache import clear
    clear()
    with pytest.raises(NotFound, match="^未知的指标体系：请从页面提供的指标体系中选择$"):
        ev.framework_info("no-such-framework")


def test_demo_values_flag_the_results(tiny):
    """One demo value of 常德 (inside a transaction that is rolled back) marks the national results as 示例数据."""
    from sqlalchemy import update

    from gaoxin.services.cache import clear
    from gaoxin.services.db import session_factory
    from gaoxin.store.models import Observation
    s = session_factory(tiny)()
    try:
        s.execute(update(Observation).where(Observation.unit_code == CD, Observation.indicator_code == "D1_1",
                                            Observation.period == 2023).values(is_demo=True))
        s.flush()
        clear()   # a flag change keeps the data version (ids) unchanged
        assert ev.evaluate_class(s, "国家级")["is_demo"] is True
        _, meta = ev.ranking(s, CONSOLE, 2024, zone_class="国家级")
        assert meta["is_demo"] is True and ev.zone_profile(s, CD, 2024)["is_demo"] is True
        ev.publish(s, CONSOLE, 2024, zone_class="国家级")
        assert [bool(v) for v in ev.runs(s, CONSOLE)["is_demo"]] == [True]
    finally:
        s.rollback()
        s.close()
        clear()


def _framework_file(folder, name, zone_class, effective):
    head = f"name: {name}\n" + (f"zone_class: {zone_class}\n" if zone_class else "") + f"effective: '{effective}'\n"
    (folder / f"{name}.yaml").write_text(head + "nodes:\n- code: X\n  name: 测试\n", encoding="utf-8")


def test_class_frameworks_pick_the_newest_effective_date(tmp_path, monkeypatch):
    """User frameworks in $GAOXIN_HOME/frameworks join the shipped ones; per class the later `effective` wins."""
    import gaoxin.index as index
    from gaoxin.index.framework import load_framework
    from gaoxin.services.cache import clear
    monkeypatch.setattr(index, "load_framework", load_framework)
    clear()
    folder = tmp_path / "frameworks"
    folder.mkdir()
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path))
    _framework_file(folder, "_bad-name", None, "2030-01-01")                 # not a name a request may use
    _framework_file(folder, "a-no-class", None, "2030-01-01")               # serves no class
    _framework_file(folder, "z-provincial-2016", "省级", "2016-01-01")        # older than 2017-06-06
    _framework_file(folder, "zz-national-same-day", "国家级", "2021-04-22")   # same day: the first listed stays
    assert ev.class_frameworks() == {"国家级": "national-2021", "省级": "hunan-provincial-2017"}
    # the selector skips the file name no request may use and the frameworks that cannot be computed
    # (these test files have a root without indicators)
    assert [c["value"] for c in ev.framework_choices()] == ["hunan-provincial-2017", "national-2021"]
    _framework_file(folder, "b-provincial-2026", "省级", "2026-01-01")
    assert ev.class_frameworks() == {"国家级": "national-2021", "省级": "b-provincial-2026"}
    clear()


def test_zone_without_short_name_is_shown_by_its_name(tiny):
    from sqlalchemy import select

    from gaoxin.services.cache import clear
    from gaoxin.services.db import session_factory
    from gaoxin.store.models import Zone
    s = session_factory(tiny)()
    try:
        s.scalar(select(Zone).where(Zone.code == CD)).short_name = None
        s.flush()
        clear()
        df, _ = ev.ranking(s, CONSOLE, 2024, zone_class="国家级")
        assert list(zip(df["unit"], df["short_name"])) == [(CZ, "郴州高新区"), (CS, "长沙高新区"), (CD, "常德高新技术产业开发区")]
        assert ev.evaluate_class(s, "国家级")["short_names"][CD] == "常德高新技术产业开发区"
    finally:
        s.rollback()
        s.close()
        clear()

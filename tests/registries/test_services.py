"""Registries through the services layer, on SQLite and PostgreSQL (db_url)."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from gaoxin.auth.roles import Principal
from gaoxin.services import registries as R
from gaoxin.services.errors import Forbidden, Invalid
from gaoxin.store.db import session_scope

ADMIN = Principal("admin", "province_admin", "管理员")
XT = "HN-N-XIANGTAN"     # 湘潭高新区, city 430300
CS = "HN-N-CHANGSHA"     # 长沙高新区 (湘江新区)
ZONE_XT = Principal("zxt", "zone_user", "湘潭用户", frozenset({XT}))
VIEWER = Principal("v", "readonly", "只读")


def _platform_xlsx(rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False, sheet_name="平台名录")
    return buf.getvalue()


def _prow(code, name, level, year, zone="湘潭高新区", type_="企业技术中心", status="运行中"):
    return {"平台编号": code, "平台名称": name, "平台类型": type_, "平台级别": level, "依托单位": "某公司",
            "所在高新区": zone, "批准年份": year, "运行状态": status}


def test_platform_counts_of_a_target_come_from_the_registry(db_url):
    rows = [_prow("XT-1", "湘潭甲国家企业技术中心", "国家级", 2019), _prow("XT-2", "湘潭乙省工程研究中心", "省级", 2023),
            _prow("XT-3", "湘潭丙市级中心", "市级", 2023), _prow("XT-4", "湘潭丁省级中心", "省级", 2024, status="已撤销"),
            _prow("XT-5", "湘潭戊省级孵化器", "省级", 2024, type_="孵化器"),
            _prow("CS-1", "长沙甲全国重点实验室", "国家级", 2022, zone="长沙高新区", type_="全国重点实验室")]
    with session_scope(db_url) as s:
        rep = R.import_file(s, ADMIN, "platforms", _platform_xlsx(rows), "平台.xlsx")
        assert rep["status"] == "loaded" and rep["written"] == 6, rep["problems"]
    with session_scope(db_url) as s:
        out = R.platform_target_counts(s, VIEWER, as_of=2025)
        by_id = {r["target_id"]: r for r in out["rows"]}
        # xt133-platforms-total (湘潭市, 国家级+省级 stock, active): XT-1, XT-2, XT-5 = 3 (XT-3 市级, XT-4 撤销)
        t = by_id["xt133-platforms-total"]
        assert (t["value"], t["target_value"]) == (3, 300)
        assert t["computed_from"] == "由高水平创新平台数据库统计" and "由高水平创新平台数据库统计" in out["note"]
        # new since 2023 (the plan's period start): XT-2, XT-5 = 2; by year 2023 → 1
        new = by_id["xt133-platforms-new"]
        assert new["value"] == 2 and {p["year"]: p["value"] for p in new["series"]}[2023] == 1
        # 湘江新区 stock (长沙/宁乡/岳麓 zones): CS-1 only
        assert by_id["xj26-platforms-total"]["value"] == 1
        # incubators 省级及以上 in 湘潭市: XT-5
        assert by_id["xt133-incubation-platforms"]["value"] == 1
        ind = {r["zone_code"]: r for r in R.zone_platform_indicators(s, VIEWER, 2025)}
        assert (ind[XT]["D1_3"], ind[XT]["D1_4"]) == (2, 1)   # XT-1, XT-2 研发机构; XT-5 孵化器
        assert (ind[CS]["D1_3"], ind[CS]["D1_4"]) == (1, 0)
    with session_scope(db_url) as s:
        res = R.sync_platform_observations(s, ADMIN, [2025])
        assert res["written"] > 0
        from gaoxin.store.models import Observation
        o = s.scalar(select(Observation).where(Observation.indicator_code == "D1_3", Observation.unit_code == XT,
                                               Observation.period == 2025))
        assert (o.value, o.source) == (2.0, "由高水平创新平台数据库统计")


def test_new_national_platform_yields_its_100_wan_reward_once(db_url):
    content = _platform_xlsx([_prow("XT-N1", "湘潭新批国家技术创新中心", "国家级", 2024, type_="技术创新中心"),
                              _prow("XT-P1", "湘潭新批省级新型研发机构", "省级", 2024, type_="新型研发机构"),
                              _prow("XT-OLD", "湘潭早年国家级中心", "国家级", 2018)])
    with session_scope(db_url) as s:
        assert R.import_file(s, ADMIN, "platforms", content, "新批.xlsx")["status"] == "loaded"
    with session_scope(db_url) as s:
        assert R.import_file(s, ADMIN, "platforms", content, "新批-再次.xlsx")["status"] == "unchanged"
        # an update of the same platform (its results of a later year) must not pay it again
        R.save_entry(s, ADMIN, "platforms", {"results_year": "2025", "results_text": "发布成果清单12项"}, key="XT-N1")
    with session_scope(db_url) as s:
        out = R.platform_rewards(s, ADMIN)
        nat = [r for r in out["rows"] if r["code"] == "XT-N1"]
        assert len(nat) == 1 and nat[0]["amount_wan"] == 100.0
        assert "100万元" in nat[0]["source"] and "湘潭新批国家技术创新中心" in nat[0]["basis"]
        # 100 (XT-N1) + 10 (XT-P1); XT-OLD approved 2018, outside 2023–2025 → 110 in all
        assert out["total_wan"] == 110.0 and out["count"] == 2
        assert R.get_entry(s, ADMIN, "platforms", "XT-N1")["results"] == {"2025": "发布成果清单12项"}


def test_import_is_all_or_nothing_and_names_the_cell(db_url):
    bad = _platform_xlsx([_prow("OK-1", "正常平台", "省级", 2023), _prow("BAD-1", "级别写错的平台", "国家", 2023),
                          _prow("BAD-2", "类型写错的平台", "省级", 2023, type_="研究院所")])
    with session_scope(db_url) as s:
        rep = R.import_file(s, ADMIN, "platforms", bad, "坏文件.xlsx")
    assert rep["status"] == "rejected"
    where = {(p["row"], p["column"]) for p in rep["problems"]}
    assert where == {(3, "平台级别"), (4, "平台类型")}
    assert any("您是否指：国家级" in (p["suggestion"] or "") for p in rep["problems"])
    from gaoxin.store.models import Platform
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Platform)) == 0


def test_zone_user_sees_and_edits_only_its_zone(db_url):
    with session_scope(db_url) as s:
        R.import_file(s, ADMIN, "platforms", _platform_xlsx([_prow("XT-1", "湘潭平台", "省级", 2023),
                                                             _prow("CS-1", "长沙平台", "省级", 2023, zone="长沙高新区")]), "a.xlsx")
    with session_scope(db_url) as s:
        assert [r["code"] for r in R.list_entries(s, ZONE_XT, "platforms")["rows"]] == ["XT-1"]
        with pytest.raises(Forbidden):
            R.get_entry(s, ZONE_XT, "platforms", "CS-1")
        with pytest.raises(Forbidden):
            R.list_entries(s, ZONE_XT, "platforms", zone=CS)
        with pytest.raises(Forbidden):
            R.save_entry(s, ZONE_XT, "platforms", {"status": "已撤销"}, key="CS-1")
        with pytest.raises(Forbidden):   # moving its own platform into another zone
            R.save_entry(s, ZONE_XT, "platforms", {"zone_code": "长沙高新区"}, key="XT-1")
        with pytest.raises(Forbidden):
            R.save_entry(s, VIEWER, "platforms", {"status": "已撤销"}, key="XT-1")
        assert R.save_entry(s, ZONE_XT, "platforms", {"status": "建设中"}, key="XT-1")["status"] == "建设中"
        rep = R.import_file(s, ZONE_XT, "platforms", _platform_xlsx([_prow("CS-1", "改名", "省级", 2023, zone="湘潭高新区")]), "b.xlsx")
        assert rep["status"] == "rejected" and rep["access_denied"]
        assert "属于其他高新区" in rep["problems"][0]["reason"]
    with session_scope(db_url) as s:
        assert R.get_entry(s, ADMIN, "platforms", "CS-1")["name"] == "长沙平台"
        with pytest.raises(Invalid):
            R.save_entry(s, ADMIN, "platforms", {"level": "区级"}, key="CS-1")


def test_export_round_trips_through_import(db_url):
    with session_scope(db_url) as s:
        R.import_file(s, ADMIN, "platforms", _platform_xlsx([_prow("XT-1", "湘潭平台", "省级", 2023)]), "a.xlsx")
        data, name = R.export_xlsx(s, ADMIN, "platforms")
    assert name == "高水平创新平台数据库.xlsx"
    df = pd.read_excel(io.BytesIO(data), sheet_name="平台名录", engine="calamine")
    assert df.loc[0, "平台名称"] == "湘潭平台" and df.loc[0, "所在高新区"] == "湘潭高新技术产业开发区"
    with session_scope(db_url) as s:   # the export is itself a valid import file (same rows: nothing changes)
        rep = R.import_file(s, ADMIN, "platforms", data, "导出.xlsx", dry_run=True)
        assert rep["status"] == "checked" and rep["written"] == 1, rep["problems"]


def test_sync_writes_only_where_the_registry_holds_data(db_url):
    from gaoxin.store.models import Observation
    with session_scope(db_url) as s:
        s.add(Observation(unit_type="zone", unit_code=CS, indicator_code="D1_3", period=2025, value=7.0, source="统计年报"))
        R.import_file(s, ADMIN, "platforms", _platform_xlsx([_prow("XT-1", "湘潭平台", "省级", 2023)]), "a.xlsx")
    with session_scope(db_url) as s:
        out = R.sync_platform_observations(s, ADMIN, [2025])
        assert out["replaced"] == 0
        got = {(o.unit_code, o.indicator_code): (o.value, o.source) for o in
               s.scalars(select(Observation).where(Observation.unit_type == "zone", Observation.period == 2025))}
        # 长沙 holds no platform in the registry: its imported figure stays; 湘潭 is counted from the registry
        assert got[(CS, "D1_3")] == (7.0, "统计年报")
        assert got[(XT, "D1_3")] == (1.0, "由高水平创新平台数据库统计")
        with pytest.raises(Forbidden):
            R.sync_platform_observations(s, ZONE_XT, [2025])


def test_results_list_of_a_year(db_url):
    with session_scope(db_url) as s:
        R.import_file(s, ADMIN, "platforms", _platform_xlsx([
            {**_prow("XT-1", "湘潭平台", "省级", 2023), "成果年度": 2024, "年度成果": "发布成果清单5项"},
            {**_prow("XT-2", "湘潭平台二", "省级", 2023), "成果年度": 2023, "年度成果": "发布成果清单2项"}]), "a.xlsx")
    with session_scope(db_url) as s:
        out = R.platform_results(s, ZONE_XT, 2024)
        assert [(r["code"], r["results"]) for r in out["rows"]] == [("XT-1", "发布成果清单5项")]

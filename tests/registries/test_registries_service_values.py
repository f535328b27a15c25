"""Registries service (gaoxin/services/registries.py): the exact values, rows, labels and Chinese
messages users see, on SQLite and PostgreSQL (db_url). Expected values are worked out by hand from
the inputs below and the rules in gaoxin/reference/registries/*.yaml."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from gaoxin.auth.roles import Principal
from gaoxin.services import registries as R
from gaoxin.services.errors import Forbidden, Invalid, NotFound
from gaoxin.store.db import session_scope

ADMIN = Principal("admin", "province_admin", "管理员")
VIEWER = Principal("v", "readonly", "只读")
XT = "HN-N-XIANGTAN"     # 湘潭高新区, city 430300
CS = "HN-N-CHANGSHA"     # 长沙高新区, in 湖南湘江新区
ZONE_XT = Principal("zxt", "zone_user", "湘潭用户", frozenset({XT}))
ZONE_CS = Principal("zcs", "zone_user", "长沙用户", frozenset({CS}))
XT_NAME = "湘潭高新技术产业开发区"

PLATFORM_LABEL = "高水平创新平台数据库"
SOURCE = "由高水平创新平台数据库统计"


def _xlsx(rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False, sheet_name="平台名录")
    return buf.getvalue()


def _prow(code, name, level, year, zone="湘潭高新区", type_="企业技术中心", status="运行中", **extra):
    return {"平台编号": code, "平台名称": name, "平台类型": type_, "平台级别": level, "依托单位": "某公司",
            "所在高新区": zone, "批准年份": year, "运行状态": status, **extra}


# XT-1 national 2019; XT-2 provincial 2023 with results of 2024; XT-3 provincial incubator 2024 建设中;
# XT-4 provincial 2021 but 已撤销 (never counted); CS-1 provincial key laboratory 2022 in 长沙.
PLATFORMS = [
    _prow("XT-1", "湘潭甲国家企业技术中心", "国家级", 2019),
    _prow("XT-2", "湘潭乙省级企业技术中心", "省级", 2023, **{"成果年度": 2024, "年度成果": "发布成果清单3项"}),
    _prow("XT-3", "湘潭丙省级孵化器", "省级", 2024, type_="孵化器", status="建设中"),
    _prow("XT-4", "湘潭丁已撤销中心", "省级", 2021, status="已撤销"),
    _prow("CS-1", "长沙甲省重点实验室", "省级", 2022, zone="长沙高新区", type_="省重点实验室"),
]


@pytest.fixture
def platforms_db(db_url):
    with session_scope(db_url) as s:
        rep = R.import_file(s, ADMIN, "platforms", _xlsx(PLATFORMS), "平台.xlsx")
        assert rep["status"] == "loaded" and rep["written"] == 5, rep["problems"]
    return db_url


# --- no database ------------------------------------------------------------------------------------

def test_kinds_and_unknown_kind_message():
    assert [(k["code"], k["label"]) for k in R.kinds()] == [
        ("platforms", "高水平创新平台数据库"), ("listing", "上市后备企业资源库"), ("projects", "重点项目库"),
        ("experts", "三家名录（企业家、技术专家、政府管家）")]
    assert all(k["seed"] for k in R.kinds())
    with pytest.raises(NotFound) as exc:
        R.fields("nope")
    assert str(exc.value) == ("未知的资源库“nope”，可选：高水平创新平台数据库、上市后备企业资源库、重点项目库、"
                              "三家名录（企业家、技术专家、政府管家）")
    with pytest.raises(NotFound, match="未知的资源库“bad”"):
        R.template_bytes("bad")


def test_fields_of_the_platform_registry():
    f = R.fields("platforms")
    assert (f["code"], f["label"], f["key"]) == ("platforms", PLATFORM_LABEL, "code")
    assert [x["name"] for x in f["fields"]] == [
        "code", "name", "type", "level", "host_name", "host_kind", "host_credit_code", "zone_code", "county_code",
        "approval_year", "approval_doc", "status", "results_year", "results_text"]
    by = {x["name"]: x for x in f["fields"]}
    # choice lists come from platforms.yaml; a field without a choice list has None
    assert by["level"] == {"name": "level", "header": "平台级别", "type": "choice", "required": True,
                           "choices": ["国家级", "省级", "市级"], "note": ""}
    assert by["status"]["choices"] == ["运行中", "建设中", "考核不合格", "已撤销"]
    assert by["host_kind"]["choices"] == ["企业", "高校", "科研院所", "其他"]
    assert (by["host_kind"]["required"], by["name"]["choices"], by["zone_code"]["type"]) == (False, None, "zone")
    assert by["zone_code"]["note"] == "高新区用户只能填写本园区"


def test_template_bytes_names_the_file_after_the_registry():
    data, name = R.template_bytes("platforms")
    assert name == "高水平创新平台数据库导入模板.xlsx"
    df = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")
    assert "平台名录" in df and list(df["平台名录"].columns)[:4] == ["平台编号", "平台名称", "平台类型", "平台级别"]


def test_who_sees_a_registry_entry():
    assert R.can_see(ZONE_XT, XT) is True
    assert R.can_see(ZONE_XT, CS) is False
    assert R.can_see(ZONE_XT, None) is False      # province-wide entries belong to the administrator
    assert R.can_see(ADMIN, CS) is True and R.can_see(ADMIN, None) is True
    assert R.can_see(VIEWER, CS) is True and R.can_see(VIEWER, None) is True
    assert R.can_see(Principal("x", "someone", "未知角色"), XT) is False


# --- browsing ---------------------------------------------------------------------------------------

def test_list_and_get_entries_rows_columns_labels_filters_and_messages(platforms_db):
    with session_scope(platforms_db) as s:
        out = R.list_entries(s, ADMIN, "platforms")
        assert (out["kind"], out["label"], out["total"], out["is_demo"]) == ("platforms", PLATFORM_LABEL, 5, False)
        assert [r["code"] for r in out["rows"]] == ["CS-1", "XT-1", "XT-2", "XT-3", "XT-4"]   # ordered by the key
        # the form's fields without zone_code / county_code / results_text; 所在高新区 right after the name
        assert out["columns"] == ["code", "name", "zone_name", "type", "level", "host_name", "host_kind",
                                  "host_credit_code", "approval_year", "approval_doc", "status", "results_year"]
        assert out["labels"] == {"code": "平台编号", "name": "平台名称", "type": "平台类型", "level": "平台级别",
                                 "host_name": "依托单位", "host_kind": "依托单位类型",
                                 "host_credit_code": "依托单位统一社会信用代码", "zone_code": "所在高新区",
                                 "county_code": "所在县市区", "approval_year": "批准年份", "approval_doc": "批准文件",
                                 "status": "运行状态", "results_year": "最近成果年度", "results_text": "年度成果",
                                 "zone_name": "所在高新区", "county_name": "所在县市区"}
        xt2 = out["rows"][2]
        assert xt2 == {"code": "XT-2", "name": "湘潭乙省级企业技术中心", "type": "企业技术中心", "level": "省级",
                       "host_name": "某公司", "host_kind": None, "host_credit_code": None, "zone_code": XT,
                       "county_code": None, "approval_year": 2023, "approval_doc": None, "status": "运行中",
                       "results_year": 2024, "results_text": "发布成果清单3项", "results": {"2024": "发布成果清单3项"},
                       "zone_name": XT_NAME, "county_name": None, "is_demo": False}
        assert (out["rows"][1]["results_year"], out["rows"][1]["results_text"], out["rows"][1]["results"]) == (None, None, {})

        lim = R.list_entries(s, ADMIN, "platforms", limit=2)
        assert ([r["code"] for r in lim["rows"]], lim["total"]) == (["CS-1", "XT-1"], 5)
        assert [r["code"] for r in R.list_entries(s, ADMIN, "platforms", filters={"level": "国家级"})["rows"]] == ["XT-1"]
        # empty values and names that are not fields are ignored
        assert R.list_entries(s, ADMIN, "platforms", filters={"level": "", "status": None, "bogus": "x"})["total"] == 5
        assert [r["code"] for r in R.list_entries(s, ADMIN, "platforms",
                                                  filters={"level": "省级", "status": "运行中"})["rows"]] == ["CS-1", "XT-2"]
        assert [r["code"] for r in R.list_entries(s, ADMIN, "platforms", q=" 孵化器 ")["rows"]] == ["XT-3"]
        assert [r["code"] for r in R.list_entries(s, ADMIN, "platforms", zone=CS)["rows"]] == ["CS-1"]
        assert [r["code"] for r in R.list_entries(s, ZONE_XT, "platforms")["rows"]] == ["XT-1", "XT-2", "XT-3", "XT-4"]
        assert [r["code"] for r in R.list_entries(s, ZONE_XT, "platforms", zone=XT)["rows"]] == ["XT-1", "XT-2", "XT-3", "XT-4"]
        assert [r["code"] for r in R.list_entries(s, VIEWER, "platforms")["rows"]] == ["CS-1", "XT-1", "XT-2", "XT-3", "XT-4"]
        with pytest.raises(Forbidden) as exc:
            R.list_entries(s, ZONE_XT, "platforms", zone=CS)
        assert str(exc.value) == "无权查看该记录：高新区用户只能查看本园区的资源库记录"

        assert R.get_entry(s, ZONE_XT, "platforms", "XT-1")["name"] == "湘潭甲国家企业技术中心"
        with pytest.raises(NotFound) as exc:
            R.get_entry(s, ADMIN, "platforms", "NOPE")
        assert str(exc.value) == "高水平创新平台数据库中没有“NOPE”"
        with pytest.raises(Forbidden) as exc:
            R.get_entry(s, ZONE_XT, "platforms", "CS-1")
        assert str(exc.value) == "无权查看该记录：高新区用户只能查看本园区的资源库记录"


# --- editing ----------------------------------------------------------------------------------------

def test_save_and_delete_messages_and_audit(platforms_db):
    from gaoxin.store.models import AuditLog
    with session_scope(platforms_db) as s:
        with pytest.raises(Forbidden) as exc:
            R.save_entry(s, ZONE_XT, "platforms", {"status": "已撤销"}, key="CS-1")
        assert str(exc.value) == "无权修改该记录：高新区用户只能修改本园区（HN-N-XIANGTAN）的资源库记录"
        with pytest.raises(Forbidden) as exc:
            R.save_entry(s, VIEWER, "platforms", {"status": "已撤销"}, key="XT-1")
        assert str(exc.value) == "只读用户不能修改数据"
        with pytest.raises(NotFound) as exc:
            R.save_entry(s, ADMIN, "platforms", {"status": "已撤销"}, key="NOPE")
        assert str(exc.value) == "高水平创新平台数据库中没有“NOPE”"
        with pytest.raises(Invalid) as exc:   # a new entry under an existing key
            R.save_entry(s, ADMIN, "platforms", {"code": "XT-1", "name": "重复", "type": "孵化器", "level": "省级",
                                                 "host_name": "某公司", "approval_year": "2024", "status": "运行中"})
        assert str(exc.value) == "平台编号“XT-1”已存在，请修改已有记录"
        with pytest.raises(Invalid) as exc:
            R.save_entry(s, ADMIN, "platforms", {"level": "区级"}, key="CS-1")
        assert str(exc.value) == "平台级别：“区级”不是有效的平台级别，可选：国家级、省级、市级（您是否指：省级、市级）"
        with pytest.raises(Invalid) as exc:   # every problem, joined
            R.save_entry(s, ADMIN, "platforms", {"level": "区级", "approval_year": "abc"}, key="CS-1")
        assert str(exc.value) == ("平台级别：“区级”不是有效的平台级别，可选：国家级、省级、市级（您是否指：省级、市级）；"
                                  "批准年份：年份应为四位数字：“abc”")
        with pytest.raises(Forbidden) as exc:   # a zone user creating an entry of another zone
            R.save_entry(s, ZONE_XT, "platforms", {"code": "CS-9", "name": "长沙新平台", "type": "孵化器", "level": "省级",
                                                   "host_name": "某公司", "approval_year": "2024", "status": "运行中",
                                                   "zone_code": "长沙高新区"})
        assert str(exc.value) == "无权修改该记录：高新区用户只能修改本园区（HN-N-XIANGTAN）的资源库记录"

        new = R.save_entry(s, ZONE_XT, "platforms", {"code": "XT-9", "name": "湘潭新平台", "type": "孵化器", "level": "省级",
                                                     "host_name": "某公司", "approval_year": "2025", "status": "运行中",
                                                     "zone_code": "湘潭高新区", "county_code": "岳塘区"})
        assert (new["code"], new["zone_code"], new["zone_name"], new["approval_year"], new["is_demo"]) == (
            "XT-9", XT, XT_NAME, 2025, False)
        assert (new["county_code"], new["county_name"]) == ("430304", "岳塘区")
        # a later year's results are added to the earlier ones
        res = R.save_entry(s, ADMIN, "platforms", {"results_year": "2025", "results_text": "新成果5项"}, key="XT-2")
        assert (res["results"], res["results_year"], res["results_text"]) == (
            {"2024": "发布成果清单3项", "2025": "新成果5项"}, 2025, "新成果5项")
        upd = R.save_entry(s, ZONE_XT, "platforms", {"status": "建设中"}, key="XT-9")
        assert (upd["status"], upd["name"], upd["level"]) == ("建设中", "湘潭新平台", "省级")   # other fields kept

        with pytest.raises(Forbidden) as exc:
            R.delete_entry(s, ZONE_XT, "platforms", "CS-1")
        assert str(exc.value) == "无权修改该记录：高新区用户只能修改本园区（HN-N-XIANGTAN）的资源库记录"
        with pytest.raises(NotFound) as exc:
            R.delete_entry(s, ADMIN, "platforms", "NOPE")
        assert str(exc.value) == "高水平创新平台数据库中没有“NOPE”"
        R.delete_entry(s, ZONE_XT, "platforms", "XT-9")
        with pytest.raises(NotFound):
            R.get_entry(s, ADMIN, "platforms", "XT-9")
        logs = [(a.username, a.action, a.entity, a.entity_id, a.zone_code) for a in
                s.scalars(select(AuditLog).where(AuditLog.entity_id == "XT-9").order_by(AuditLog.id))]
        assert logs == [("zxt", "create", "platforms", "XT-9", XT), ("zxt", "update", "platforms", "XT-9", XT),
                        ("zxt", "delete", "platforms", "XT-9", XT)]
        acts = list(s.scalars(select(AuditLog).where(AuditLog.entity_id == "XT-9").order_by(AuditLog.id)))
        assert acts[0].before is None and acts[0].after["name"] == "湘潭新平台"
        assert acts[1].before["status"] == "运行中" and acts[1].after["status"] == "建设中"
        assert acts[2].before["name"] == "湘潭新平台" and acts[2].before["status"] == "建设中" and acts[2].after is None


def test_readonly_user_cannot_import():
    with pytest.raises(Forbidden, match="只读用户不能修改数据"):
        R.import_file(None, VIEWER, "platforms", b"", "a.xlsx")


# --- platform counts --------------------------------------------------------------------------------

def test_platform_target_counts_rows_are_exact(platforms_db):
    with session_scope(platforms_db) as s:
        out = R.platform_target_counts(s, VIEWER, as_of=2025)
        assert (out["as_of"], out["platforms"], out["is_demo"]) == (2025, 5, False)
        assert out["note"] == "以下数值由高水平创新平台数据库统计（共5个平台），不是手工填报的总数"
        by_id = {r["target_id"]: r for r in out["rows"]}
        # stock of 国家级+省级, active (运行中/建设中) in 湘潭市 since the 2022 baseline:
        # 2022 XT-1; 2023 +XT-2; 2024 +XT-3 (XT-4 已撤销 never counts); 3 of 300 → 0.01
        t = by_id["xt133-platforms-total"]
        assert {k: v for k, v in t.items() if k != "source"} == {
            "target_id": "xt133-platforms-total", "plan_id": "xiangtan-133-2023-2025",
            "plan": "湘潭市推动科技创新“133”行动计划（2023—2025年）", "indicator": "provincial_plus_innovation_platforms",
            "indicator_name": "省级及以上科技创新平台总数", "scope_name": "湘潭市", "target_year": 2025,
            "target_value": 300.0, "unit": "家", "as_of": 2025, "value": 3, "rate": 0.01,
            "series": [{"year": 2022, "value": 1}, {"year": 2023, "value": 2}, {"year": 2024, "value": 3},
                       {"year": 2025, "value": 3}],
            "basis": "由高水平创新平台数据库统计：国家级、省级各类平台，运行状态为建设中、运行中，截至当年累计批准",
            "computed_from": SOURCE}
        assert t["source"].startswith("《湖南湘江新区科技创新体系建设规划》") and "专栏1 第6项" in t["source"]
        # new since the plan's 2023 start: XT-2 (2023), XT-3 (2024) → 2 of 100 → 0.02
        n = by_id["xt133-platforms-new"]
        assert (n["value"], n["rate"], n["series"]) == (2, 0.02, [{"year": 2023, "value": 1}, {"year": 2024, "value": 2},
                                                                  {"year": 2025, "value": 2}])
        assert n["basis"] == "由高水平创新平台数据库统计：国家级、省级各类平台，运行状态为建设中、运行中，2023年以来新批"
        # incubators only: XT-3 from 2024; 1 of 56 → 0.017857… → 0.0179
        inc = by_id["xt133-incubation-platforms"]
        assert (inc["value"], inc["rate"]) == (1, 0.0179)
        assert [p["value"] for p in inc["series"]] == [0, 0, 1, 1]
        assert inc["basis"] == "由高水平创新平台数据库统计：国家级、省级孵化器、众创空间，运行状态为建设中、运行中，截至当年累计批准"
        # 湖南湘江新区 (长沙/宁乡/岳麓): CS-1 since 2022; 1 of 1100 → 0.000909 → 0.0009
        xj = by_id["xj26-platforms-total"]
        assert (xj["value"], xj["rate"], xj["scope_name"]) == (1, 0.0009, "湖南湘江新区")
        assert [p["year"] for p in xj["series"]] == [2022, 2023, 2024, 2025]
        g = by_id["xj26-global-rd-centers"]
        assert g["basis"] == "由高水平创新平台数据库统计：各级全球研发中心，运行状态为建设中、运行中，2023年以来新批"
        # an earlier as_of than the baseline: only that year
        early = R.platform_target_counts(s, VIEWER, as_of=2020, target_id="xt133-platforms-total")
        assert [r["series"] for r in early["rows"]] == [[{"year": 2020, "value": 1}]]
        assert R.platform_target_counts(s, VIEWER, target_id="xt133-platforms-total")["as_of"] == date.today().year
        with pytest.raises(NotFound) as exc:
            R.platform_target_counts(s, VIEWER, as_of=2025, target_id="nope")
        assert str(exc.value) == "目标“nope”不存在，或其指标不能由高水平创新平台数据库统计"


def test_zone_indicators_results_list_and_rewards_of_visible_platforms(platforms_db):
    with session_scope(platforms_db) as s:
        # D1_3 研发机构 (国家级/省级 企业技术中心 etc., active): XT-1, XT-2; D1_4 孵化器/众创空间: XT-3
        assert R.zone_platform_indicators(s, ZONE_XT, 2025) == [
            {"zone_code": XT, "zone_name": XT_NAME, "year": 2025, "D1_3": 2, "D1_4": 1}]
        assert R.zone_platform_indicators(s, ZONE_XT, 2023) == [
            {"zone_code": XT, "zone_name": XT_NAME, "year": 2023, "D1_3": 2, "D1_4": 0}]
        rows = R.zone_platform_indicators(s, ADMIN, 2025)
        by = {r["zone_code"]: r for r in rows}
        assert [r["zone_code"] for r in rows] == sorted(by) and len(rows) > 2
        assert (by[CS]["D1_3"], by[CS]["D1_4"]) == (1, 0)
        assert sum(r["D1_3"] for r in rows) == 3 and sum(r["D1_4"] for r in rows) == 1

        out = R.platform_results(s, VIEWER, 2024)
        assert out == {"year": 2024, "is_demo": False,
                       "rows": [{"code": "XT-2", "name": "湘潭乙省级企业技术中心", "type": "企业技术中心", "level": "省级",
                                 "zone_name": XT_NAME, "host_name": "某公司", "results": "发布成果清单3项"}],
                       "columns": ["code", "name", "type", "level", "zone_name", "host_name", "results"],
                       "labels": {"code": "平台编号", "name": "平台名称", "type": "平台类型", "level": "级别",
                                  "zone_name": "所在高新区", "host_name": "依托单位", "results": "2024年度成果"}}
        assert R.platform_results(s, VIEWER, 2023)["rows"] == []
        assert R.platform_results(s, ZONE_CS, 2024)["rows"] == []

        out = R.platform_rewards(s, ADMIN)
        assert out["columns"] == ["code", "name", "type", "level", "zone_name", "approval_year", "rule", "amount_wan",
                                  "basis", "source"]
        assert out["labels"] == {"code": "平台编号", "name": "平台名称", "type": "平台类型", "level": "级别",
                                 "zone_name": "所在高新区", "approval_year": "批准年份", "rule": "奖补事项",
                                 "amount_wan": "金额（万元）", "basis": "测算依据", "source": "政策来源"}
        # seed 004: 新批省级 10万/家 for approvals 2023–2025 in 湘潭市 (4303): XT-2 (2023) and XT-3 (2024);
        # XT-1 (2019), XT-4 (2021) are too early, CS-1 is in 长沙
        assert [(r["code"], r["zone_name"], r["approval_year"], r["rule"], r["amount_wan"], r["basis"]) for r in out["rows"]] == [
            ("XT-2", XT_NAME, 2023, "湘潭市新批省级科创平台支持", 10.0, "2023年新批省级企业技术中心“湘潭乙省级企业技术中心”"),
            ("XT-3", XT_NAME, 2024, "湘潭市新批省级科创平台支持", 10.0, "2024年新批省级孵化器“湘潭丙省级孵化器”")]
        assert (out["count"], out["total_wan"], out["is_demo"]) == (2, 20.0, False)
        assert all(r["source"].startswith("《湘潭市推动科技创新“133”行动计划") for r in out["rows"])
        assert [r["code"] for r in R.platform_rewards(s, ADMIN, years=[2024])["rows"]] == ["XT-3"]
        assert [r["code"] for r in R.platform_rewards(s, ZONE_XT)["rows"]] == ["XT-2", "XT-3"]
        assert [r["code"] for r in R.platform_rewards(s, ADMIN, zone=XT)["rows"]] == ["XT-2", "XT-3"]
        assert R.platform_rewards(s, ZONE_CS)["rows"] == [] and R.platform_rewards(s, ADMIN, zone=CS)["count"] == 0
        with pytest.raises(Forbidden) as exc:
            R.platform_rewards(s, ZONE_XT, zone=CS)
        assert str(exc.value) == "无权查看该记录：高新区用户只能查看本园区的资源库记录"


# --- listing ----------------------------------------------------------------------------------------

def test_listing_pipeline_of_a_zone_user_and_export_of_bool(db_url):
    from gaoxin.credit_code import make_credit_code
    c1, c2, c3, c4 = (make_credit_code(f"91430100MA4L{i:05d}") for i in (11, 12, 13, 14))
    with session_scope(db_url) as s:
        R.save_entry(s, ADMIN, "listing", {"credit_code": c1, "name": "湘潭候选甲", "zone_code": "湘潭高新区",
                                           "stage": "审核", "board": "科创板", "is_tech": "是"})
        R.save_entry(s, ADMIN, "listing", {"credit_code": c2, "name": "湘潭候选乙", "zone_code": "湘潭高新区",
                                           "stage": "辅导备案", "board": "创业板", "is_tech": "否"})
        R.save_entry(s, ADMIN, "listing", {"credit_code": c4, "name": "湘潭已上市丁", "zone_code": "湘潭高新区",
                                           "stage": "上市", "board": "创业板", "is_tech": "否", "listed_date": "2023-03-01"})
        R.save_entry(s, ADMIN, "listing", {"credit_code": c3, "name": "长沙候选丙", "zone_code": "长沙高新区",
                                           "stage": "上市", "board": "科创板", "is_tech": "是", "listed_date": "2024-05-01"})
    with session_scope(db_url) as s:
        m = R.listing_monitor(s, ZONE_XT, as_of=2025)
        assert m["as_of"] == 2025 and m["stages"] == ["辅导备案", "申报受理", "审核", "注册", "上市"]
        assert m["pipeline"] == [{"stage": "辅导备案", "count": 1}, {"stage": "申报受理", "count": 0},
                                 {"stage": "审核", "count": 1}, {"stage": "注册", "count": 0}, {"stage": "上市", "count": 1}]
        assert [p["count"] for p in R.listing_monitor(s, ADMIN, as_of=2025)["pipeline"]] == [1, 0, 1, 0, 2]
        # 湘潭市 (region 4303, its zones' city when no county is given), every listed enterprise: 湘潭已上市丁
        xt = {x["id"]: x for x in m["targets"]}["xt133-listed-companies-pipeline"]
        assert (xt["value"], xt["listed"]) == (1, ["湘潭已上市丁"])
        # the target is public: it counts 长沙候选丙 (listed 2024 in 长沙高新区, part of 湖南湘江新区) for every user
        t = {x["id"]: x for x in m["targets"]}["xj26-tech-listings"]
        assert (t["value"], t["listed"]) == (1, ["长沙候选丙"])
        assert t["source"].startswith("《湖南湘江新区科技创新体系建设规划》")
        data, name = R.export_xlsx(s, ZONE_XT, "listing")
    assert name == "上市后备企业资源库.xlsx"
    info = pd.read_excel(io.BytesIO(data), sheet_name="说明", header=None, engine="calamine")
    assert info.iloc[0, 0] == f"上市后备企业资源库（导出，{date.today().isoformat()}）"
    assert info.iloc[2, 0] == "共 3 条；列与导入模板一致，修改后可直接导入。"
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")
    df = next(v for k, v in sheets.items() if k != "说明")
    got = {r["企业名称"]: r for r in df.to_dict("records")}
    assert set(got) == {"湘潭候选甲", "湘潭候选乙", "湘潭已上市丁"}
    tech = next(c for c in df.columns if "科技" in c)
    assert (got["湘潭候选甲"][tech], got["湘潭候选乙"][tech]) == ("是", "否")
    assert got["湘潭候选甲"]["所在高新区"] == XT_NAME


# --- tiers ------------------------------------------------------------------------------------------

def test_enterprise_tiers_table_frame(db_url):
    from gaoxin.credit_code import make_credit_code
    from gaoxin.store.models import Enterprise, Observation
    with session_scope(db_url) as s:
        code = make_credit_code("91430300MA4L00077")
        s.add(Enterprise(credit_code=code, name="湘潭五十亿公司", zone_code=XT))
        s.add(Observation(unit_type="enterprise", unit_code=code, indicator_code="revenue", period=2024, value=512_345))
    with session_scope(db_url) as s:
        out = R.enterprise_tiers(s, ADMIN, 2024)
        # 512345 万元 = 51.2345 亿元 → 50亿级, rounded to 51.23
        assert out["rows"] == [{"credit_code": code, "name": "湘潭五十亿公司", "zone_name": XT_NAME, "revenue_yi": 51.23,
                                "tier": "50亿级", "named": False, "is_demo": False}]
        assert (out["year"], out["scope"], out["is_demo"]) == (2024, "湘潭市", False)
        assert out["counts"] == {"100亿级": 0, "50亿级": 1, "20亿级": 0, "10亿级": 0}
        assert out["columns"] == ["tier", "name", "credit_code", "zone_name", "revenue_yi", "named"]
        assert out["labels"] == {"tier": "梯次", "name": "企业名称", "credit_code": "统一社会信用代码", "zone_name": "所在高新区",
                                 "revenue_yi": "2024年营业收入（亿元）", "named": "重点扶持的产业领军企业"}
        assert out["source"].startswith("《") and "湘钢集团" in out["named_source"]
        assert R.enterprise_tiers(s, ZONE_CS, 2024)["rows"] == []
        assert R.enterprise_tiers(s, ADMIN, 2023)["rows"] == []


# --- experts ----------------------------------------------------------------------------------------

def test_expert_assignment_messages_and_rows(db_url):
    from gaoxin.store.models import TechDemand
    with session_scope(db_url) as s:
        s.add(TechDemand(code="D-XT-1", title="湘潭需求", zone_code=XT))
        s.add(TechDemand(code="D-CS-1", title="长沙需求", zone_code=CS))
        R.save_entry(s, ADMIN, "experts", {"code": "EX-1", "name": "王教授", "kind": "技术专家", "zone_code": "湘潭高新区"})
        R.save_entry(s, ADMIN, "experts", {"code": "EX-2", "name": "李管家", "kind": "政府管家", "zone_code": "长沙高新区"})
        R.save_entry(s, ADMIN, "experts", {"code": "EX-3", "name": "赵企业家", "kind": "企业家"})   # province-wide
    with session_scope(db_url) as s:
        with pytest.raises(Forbidden) as exc:
            R.assign_expert(s, ZONE_XT, "EX-2", "出席", demand_code="D-XT-1")
        assert str(exc.value) == "不能选派其他高新区名录中的人员：请选择本园区或全省共用名录中的人员"
        with pytest.raises(Forbidden) as exc:   # the match's zone is the demand's
            R.assign_expert(s, ZONE_XT, "EX-1", "出席", demand_code="D-CS-1")
        assert str(exc.value) == "无权修改该记录：高新区用户只能修改本园区（HN-N-XIANGTAN）的资源库记录"
        shared = R.assign_expert(s, ZONE_XT, "EX-3", "跟进", demand_code="D-XT-1")
        assert (shared["expert_name"], shared["activity"], shared["zone_code"], shared["demand_code"]) == (
            "赵企业家", "成果对接", XT, "D-XT-1")
        from gaoxin.store.models import AuditLog
        log = s.scalar(select(AuditLog).where(AuditLog.entity == "expert_assignment"))
        assert (log.username, log.action, log.entity_id, log.zone_code, log.before, log.after) == (
            "zxt", "create", str(shared["id"]), XT, None,
            {"expert": "EX-3", "activity": "成果对接", "demand": "D-XT-1", "result": None, "roadshow": None, "role": "跟进"})
        done = R.record_follow_up(s, ZONE_XT, shared["id"], "已签约", "  签订合同  ")
        assert (done["outcome"], done["follow_up"], done["follow_up_date"]) == ("已签约", "签订合同", date.today().isoformat())
        log = s.scalar(select(AuditLog).where(AuditLog.entity == "expert_assignment", AuditLog.action == "update"))
        assert (log.entity_id, log.zone_code, log.before, log.after) == (
            str(shared["id"]), XT, {"outcome": "待跟进", "follow_up": None}, {"outcome": "已签约", "follow_up": "签订合同"})
        assert [r["expert_name"] for r in R.assignments(s, ADMIN, demand_code="D-XT-1")["rows"]] == ["赵企业家"]
        # an assignment whose expert left the list shows the expert's code
        R.delete_entry(s, ADMIN, "experts", "EX-3")
        gone = R.assignments(s, ADMIN, expert_code="EX-3")["rows"]
        assert [(r["expert_code"], r["expert_name"], r["expert_kind"]) for r in gone] == [("EX-3", "EX-3", None)]
    with session_scope(db_url) as s:
        with pytest.raises(Invalid) as exc:
            R.assign_expert(s, ADMIN, "EX-1", "主持", demand_code="D-XT-1")
        assert str(exc.value) == "角色应为：出席、跟进"
        with pytest.raises(NotFound) as exc:
            R.assign_expert(s, ADMIN, "EX-9", "出席", demand_code="D-XT-1")
        assert str(exc.value) == "三家名录中没有编号“EX-9”"
        with pytest.raises(NotFound) as exc:
            R.assign_expert(s, ADMIN, "EX-1", "出席", demand_code="D-NOPE")
        assert str(exc.value) == "需求编号“D-NOPE”不存在"
        with pytest.raises(NotFound) as exc:
            R.assign_expert(s, ADMIN, "EX-1", "出席", demand_code="D-XT-1", result_code="R-NOPE")
        assert str(exc.value) == "成果编号“R-NOPE”不存在"
        with pytest.raises(Invalid) as exc:
            R.assign_expert(s, ADMIN, "EX-1", "出席")
        assert str(exc.value) == "请指定对接的需求编号，或路演名称"
        road = R.assign_expert(s, ZONE_XT, "EX-1", "出席", roadshow="春季路演", zone=XT)
        assert {k: road[k] for k in ("expert_code", "expert_name", "expert_kind", "activity", "demand_code", "roadshow",
                                     "zone_code", "zone_name", "role", "outcome", "follow_up", "follow_up_date")} == {
            "expert_code": "EX-1", "expert_name": "王教授", "expert_kind": "技术专家", "activity": "路演",
            "demand_code": None, "roadshow": "春季路演", "zone_code": XT, "zone_name": XT_NAME, "role": "出席",
            "outcome": "待跟进", "follow_up": None, "follow_up_date": None}
        with pytest.raises(Forbidden):
            R.assign_expert(s, ZONE_XT, "EX-1", "出席", roadshow="长沙路演", zone=CS)
        with pytest.raises(NotFound) as exc:
            R.record_follow_up(s, ADMIN, 99999, "已签约", None)
        assert str(exc.value) == "没有第99999号选派记录"
        with pytest.raises(Invalid) as exc:
            R.record_follow_up(s, ADMIN, road["id"], "成功", None)
        assert str(exc.value) == "跟进结果应为：待跟进、跟进中、已签约、未成交"
        f = R.record_follow_up(s, ZONE_XT, road["id"], "跟进中", "  ", when=date(2025, 3, 1))
        assert (f["outcome"], f["follow_up"], f["follow_up_date"]) == ("跟进中", None, "2025-03-01")
    with session_scope(db_url) as s:
        out = R.assignments(s, ZONE_XT)
        assert [(r["expert_name"], r["activity"], r["outcome"]) for r in out["rows"]] == [("EX-3", "成果对接", "已签约"),
                                                                                         ("王教授", "路演", "跟进中")]
        assert out["columns"] == ["id", "expert_name", "expert_kind", "activity", "demand_code", "result_code", "roadshow",
                                  "zone_name", "role", "outcome", "follow_up", "follow_up_date"]
        assert out["spec"] == {"roles": ["出席", "跟进"], "outcomes": ["待跟进", "跟进中", "已签约", "未成交"]}
        assert out["is_demo"] is False
        assert R.assignments(s, ZONE_CS)["rows"] == []
        assert R.assignments(s, ADMIN, expert_code="EX-2")["rows"] == []
        with pytest.raises(NotFound) as exc:
            R.assignments(s, ADMIN, demand_code="D-NOPE")
        assert str(exc.value) == "需求编号“D-NOPE”不存在"
        with pytest.raises(Forbidden) as exc:
            R.assignments(s, ZONE_XT, demand_code="D-CS-1")
        assert str(exc.value) == "无权查看该需求的选派记录：高新区用户只能查看本园区的需求"


# --- assessments ------------------------------------------------------------------------------------

PLAN = "xiangjiang-st-system-2023-2026"


def test_assessment_scopes_versions_and_list(db_url):
    from gaoxin.store.models import Assessment, AuditLog, EvaluationRun, Observation
    with session_scope(db_url) as s:
        with pytest.raises(Invalid) as exc:
            R.publish_assessment(s, ADMIN, PLAN, 2024, "   ")
        assert str(exc.value) == "请填写评估结论"
        with pytest.raises(Forbidden, match="此操作仅限省级管理员"):
            R.publish_assessment(s, ZONE_XT, PLAN, 2024, "结论")
        with pytest.raises(NotFound) as exc:
            R.publish_assessment(s, ADMIN, PLAN, 2024, "结论", scope="HN-NOPE")
        assert str(exc.value) == "高新区“HN-NOPE”不存在"
        # the plan's targets are all for 湖南湘江新区 (a category), none for a single zone
        with pytest.raises(Invalid) as exc:
            R.publish_assessment(s, ADMIN, PLAN, 2024, "结论", scope=XT)
        assert str(exc.value) == f"该规划没有分解到{XT_NAME}的目标"
        with pytest.raises(NotFound) as exc:
            R.revise_plan(s, ADMIN, "no-such-plan")
        assert str(exc.value) == "规划“no-such-plan”不存在"
        with pytest.raises(Forbidden, match="此操作仅限省级管理员"):
            R.revise_plan(s, ZONE_XT, "xiangtan-133-2023-2025")
        v1 = R.revise_plan(s, ADMIN, "xiangtan-133-2023-2025", "首版")
        assert (v1.version, v1.note, v1.created_by, len(v1.spec["targets"])) == (1, "首版", "admin", 40)
        assert v1.spec["plan"] == {"id": "xiangtan-133-2023-2025", "name": "湘潭市推动科技创新“133”行动计划（2023—2025年）",
                                   "doc_no": "潭政办发〔2023〕33号", "issuer": "湘潭市人民政府办公室"}
        assert R.revise_plan(s, ADMIN, "xiangtan-133-2023-2025", "未变").id == v1.id   # unchanged: no new version
        assert [(v["version"], v["note"], v["targets"]) for v in R.plan_versions(s, VIEWER, "xiangtan-133-2023-2025")] == [
            (1, "首版", 40)]
        log = s.scalar(select(AuditLog).where(AuditLog.entity == "plan_version",
                                              AuditLog.entity_id.like("xiangtan-133-2023-2025#%")))
        assert (log.username, log.action, log.entity_id, log.zone_code, log.before, log.after) == (
            "admin", "create", "xiangtan-133-2023-2025#1", None, None, {"sha256": v1.sha256, "note": "首版"})
    xj, ind = "hunan-xiangjiang-new-area", "provincial_plus_innovation_platforms"
    with session_scope(db_url) as s:
        # frozen: the plan's units and indicators, years year−10 … year only
        for unit_type, unit_code, indicator, period, value, source in [
                ("category", xj, ind, 2024, 820.0, "统计年报"), ("category", xj, ind, 2014, 100.0, "旧年报"),
                ("category", xj, ind, 2013, 90.0, "旧年报"), ("category", xj, ind, 2025, 900.0, "统计年报"),
                ("zone", XT, ind, 2024, 5.0, "统计年报")]:
            s.add(Observation(unit_type=unit_type, unit_code=unit_code, indicator_code=indicator, period=period,
                              value=value, source=source, is_demo=(period == 2014)))   # one demo figure
        # the latest published evaluation of the year (not the draft made after it)
        ranking = [{"zone_code": XT, "zone_name": "湘潭高新区", "score": 88.5, "rank": 1},
                   {"zone_code": CS, "name": "长沙高新区", "zone_name": "长沙", "score": 80.0, "rank": 2},
                   {"zone_code": "HN-X", "score": 70.0, "rank": 3}]
        s.add(EvaluationRun(framework="old", year=2024, method={}, results={"framework_name": "旧框架", "ranking": []},
                            published=True))
        s.flush()
        s.add(EvaluationRun(framework="f1", year=2024, method={}, results={"framework_name": "框架一", "ranking": ranking},
                            published=True))
        s.flush()
        s.add(EvaluationRun(framework="draft", year=2024, method={}, results={"framework_name": "草稿", "ranking": []},
                            published=False))
    with session_scope(db_url) as s:
        a24 = R.publish_assessment(s, ADMIN, PLAN, 2024, "  二〇二四年结论。 ", scope="*", now="2025-03-01 10:00")
        run_id = s.scalar(select(EvaluationRun.id).where(EvaluationRun.framework == "f1"))
        assert a24["record"]["evaluation"] == {"run_id": run_id, "framework": "f1", "framework_name": "框架一", "rows": [
            {"name": "湘潭高新区", "score": 88.5, "rank": 1}, {"name": "长沙高新区", "score": 80.0, "rank": 2},
            {"name": "HN-X", "score": 70.0, "rank": 3}]}
        assert a24["record"]["figures"] == [
            {"unit_type": "category", "unit_code": xj, "unit_name": "湖南湘江新区", "indicator": ind,
             "indicator_name": "国家级、省级以上创新平台数量", "period": period, "value": value, "source": source}
            for period, value, source in [(2014, 100.0, "旧年报"), (2024, 820.0, "统计年报")]]
        trow = next(r for r in a24["record"]["targets"] if r["id"] == "xj26-platforms-total")
        assert {k: trow[k] for k in ("indicator_name", "scope_name", "unit", "target_value", "target_year", "actual",
                                     "actual_year")} == {
            "indicator_name": "国家级、省级以上创新平台数量", "scope_name": "湖南湘江新区", "unit": "家",
            "target_value": 1100.0, "target_year": 2026, "actual": 820.0, "actual_year": 2024}
        assert len(a24["record"]["targets"]) == 12
        assert (a24["record"]["scope"], a24["record"]["year"], a24["record"]["published_at"]) == (
            {"code": "*", "name": "规划全部目标"}, 2024, "2025-03-01 10:00")
        assert a24["record"]["plan_version"] == {"version": 1, "sha256": a24["record"]["plan_version"]["sha256"]}
        pub = s.scalar(select(AuditLog).where(AuditLog.action == "publish"))
        assert (pub.username, pub.entity, pub.entity_id, pub.zone_code, pub.before) == (
            "admin", "assessment", str(a24["id"]), None, None)
        assert pub.after == {"plan": PLAN, "year": 2024, "sha256": a24["sha256"], "plan_version": 1}
        # a zone's assessment of 2025, stored before the whole plan's (directly: no target of this plan is per zone)
        z = s.get(Assessment, a24["id"])
        s.add(Assessment(plan_id=PLAN, scope_code=XT, year=2025, plan_version_id=z.plan_version_id,
                         record={**z.record, "year": 2025, "scope": {"code": XT, "name": XT_NAME}}, document=z.document,
                         sha256=z.sha256, published_by="admin", is_demo=False))
        s.flush()
        a25 = R.publish_assessment(s, ADMIN, PLAN, 2025, "二〇二五年结论。", now="2026-03-01 10:00")
        assert (a24["scope_code"], a24["scope_name"], a24["year"], a24["plan_version"]) == ("*", "规划全部目标", 2024, 1)
        # a frozen demo figure (2014) makes the 2024 assessment demo; 2025 holds no demo figure
        assert (a24["plan_id"], a24["plan_name"], a24["published_by"], a24["is_demo"], a24["record"]["is_demo"]) == (
            PLAN, "湖南湘江新区科技创新体系建设规划", "admin", True, True)
        assert a24["record"]["conclusion"] == "二〇二四年结论。" and a24["record"]["published_by"] == "管理员"
        assert a24["record"]["plan"]["id"] == PLAN and a24["record"]["plan"]["name"] == "湖南湘江新区科技创新体系建设规划"
        assert a24["reproduced"] is True and a25["plan_version"] == 1    # the plan did not change between the two
        assert a25["is_demo"] is False and a25["record"]["evaluation"] is None and [f["period"] for f in a25["record"]["figures"]] == [2024, 2025]
        with pytest.raises(Invalid) as exc:
            R.publish_assessment(s, ADMIN, PLAN, 2024, "再发一次", scope="*")
        assert str(exc.value) == "2024年度的该项评估已发布；已发布的评估不能修改，可查看或下载原文"
        vs = R.plan_versions(s, ADMIN, PLAN)
        assert [(v["plan_id"], v["version"], v["note"], v["created_by"]) for v in vs] == [
            (PLAN, 1, "2024年度评估时的版本", "admin")]
        assert vs[0]["targets"] == 12 and len(vs[0]["sha256"]) == 64 and vs[0]["created_at"]
    with session_scope(db_url) as s:
        rows = R.list_assessments(s, ADMIN)
        assert [(r["year"], r["scope_name"]) for r in rows] == [(2025, "规划全部目标"), (2025, XT_NAME), (2024, "规划全部目标")]
        assert rows[2] == {"id": a24["id"], "plan_id": PLAN, "plan_name": "湖南湘江新区科技创新体系建设规划",
                           "scope_name": "规划全部目标", "year": 2024, "plan_version": 1, "sha256": a24["sha256"][:12],
                           "published_by": "admin", "published_at": "2025-03-01 10:00", "is_demo": True}
        assert [(r["year"], r["scope_name"]) for r in R.list_assessments(s, ZONE_CS)] == [(2025, "规划全部目标"),
                                                                                         (2024, "规划全部目标")]
        zid = rows[1]["id"]
        assert R.get_assessment(s, ZONE_XT, zid)["scope_code"] == XT
        with pytest.raises(Forbidden):
            R.get_assessment(s, ZONE_CS, zid)
        with pytest.raises(NotFound) as exc:
            R.get_assessment(s, ADMIN, 99999)
        assert str(exc.value) == "没有第99999号评估"


# --- sync of the registry's counts into observations -----------------------------------------------

def test_sync_writes_exact_counts_and_records_replacements(platforms_db):
    from gaoxin.store.models import AuditLog, Observation
    with session_scope(platforms_db) as s:
        # an imported figure that differs (5 → 2) and one that is already right (3)
        s.add(Observation(unit_type="zone", unit_code=XT, indicator_code="D1_3", period=2025, value=5.0,
                          unit_of_measure="个", source="统计年报"))
        s.add(Observation(unit_type="city", unit_code="430300", indicator_code="provincial_plus_innovation_platforms",
                          period=2025, value=3.0, unit_of_measure="家", source="统计年报"))
    with session_scope(platforms_db) as s:
        with pytest.raises(Forbidden, match="此操作仅限省级管理员"):
            R.sync_platform_observations(s, VIEWER, [2025])
        out = R.sync_platform_observations(s, ADMIN, [2022, 2025])
        # stock counts for 2022 and 2025, "new" counts (period start 2023) for 2025 only, D1_3/D1_4 of the two
        # zones holding platforms for both years: 3×2 + 4×1 + 4×2 = 18 values, one of them replacing 5 by 2
        assert out == {"written": 18, "replaced": 1, "years": [2022, 2025], "source": SOURCE}
        got = {(o.unit_type, o.unit_code, o.indicator_code, o.period): (o.value, o.unit_of_measure, o.is_demo)
               for o in s.scalars(select(Observation).where(Observation.source == SOURCE))}
        xj = "hunan-xiangjiang-new-area"
        assert got == {
            ("category", xj, "global_rd_centers_new", 2025): (0.0, "家", False),
            ("category", xj, "provincial_plus_innovation_platforms", 2022): (1.0, "家", False),
            ("category", xj, "provincial_plus_innovation_platforms", 2025): (1.0, "家", False),
            ("category", xj, "provincial_plus_innovation_platforms_new", 2025): (0.0, "家", False),
            ("city", "430300", "provincial_plus_innovation_platforms", 2022): (1.0, "家", False),
            ("city", "430300", "provincial_plus_innovation_platforms", 2025): (3.0, "家", False),
            ("city", "430300", "provincial_plus_innovation_platforms_new", 2025): (2.0, "家", False),
            ("city", "430300", "high_level_platforms_new", 2025): (2.0, "家", False),
            ("city", "430300", "provincial_plus_incubation_platforms", 2022): (0.0, "家", False),
            ("city", "430300", "provincial_plus_incubation_platforms", 2025): (1.0, "家", False),
            ("zone", XT, "D1_3", 2022): (1.0, "个", False), ("zone", XT, "D1_3", 2025): (2.0, "个", False),
            ("zone", XT, "D1_4", 2022): (0.0, "个", False), ("zone", XT, "D1_4", 2025): (1.0, "个", False),
            ("zone", CS, "D1_3", 2022): (1.0, "个", False), ("zone", CS, "D1_3", 2025): (1.0, "个", False),
            ("zone", CS, "D1_4", 2022): (0.0, "个", False), ("zone", CS, "D1_4", 2025): (0.0, "个", False)}
        logs = [(a.username, a.action, a.entity, a.entity_id, a.zone_code, a.before, a.after)
                for a in s.scalars(select(AuditLog).where(AuditLog.entity.in_(["observation", "platform_counts"]))
                                   .order_by(AuditLog.id))]
        assert logs == [
            ("admin", "update", "observation", f"zone:{XT}:D1_3:2025", XT, {"value": 5.0, "source": "统计年报"},
             {"value": 2.0, "source": SOURCE}),
            ("admin", "sync", "platform_counts", None, None, None, {"years": [2022, 2025], "values": 18, "replaced": 1})]
        # run again: everything already comes from the registry, nothing is replaced
        assert R.sync_platform_observations(s, ADMIN, [2025])["replaced"] == 0
        # without 长沙's platform 湖南湘江新区 holds none: its figures are skipped, 湘潭市's still written
        R.delete_entry(s, ADMIN, "platforms", "CS-1")
        assert R.sync_platform_observations(s, ADMIN, [2026])["written"] == 6
        assert sorted((o.unit_type, o.unit_code, o.indicator_code, o.value) for o in
                      s.scalars(select(Observation).where(Observation.period == 2026))) == [
            ("city", "430300", "high_level_platforms_new", 2.0), ("city", "430300", "provincial_plus_incubation_platforms", 1.0),
            ("city", "430300", "provincial_plus_innovation_platforms", 3.0),
            ("city", "430300", "provincial_plus_innovation_platforms_new", 2.0),
            ("zone", XT, "D1_3", 2.0), ("zone", XT, "D1_4", 1.0)]


# --- key projects -----------------------------------------------------------------------------------

def _plan_projects_are_loaded_with_the_seed_fields(db_url):
    from gaoxin.store.models import AuditLog, Project
    with session_scope(db_url) as s:
        with pytest.raises(Forbidden, match="此操作仅限省级管理员"):
            R.load_plan_projects(s, ZONE_XT)
        s.add(Project(code="XJ-ZL02-01", name="已登记的科学城项目", status="在建"))
        s.flush()
        # the one already registered is left alone
        assert R.load_plan_projects(s, ADMIN) == {"added": 67, "total": 68}
        p = s.scalar(select(Project).where(Project.code == "XJ-ZL09-05"))
        assert (p.name, p.column, p.layout, p.status, p.target_year, p.is_demo) == (
            "8英寸集成电路成套装备研究项目", 9, "“2+4+N”产业格局·电子信息", "谋划中", None, False)
        assert (p.investment_target, p.output_target, p.localization_target) == (None, None, 95.0)
        assert p.note == "研究方向为开展集成电路整线国产装备替代验证攻关，实现整线工艺装备95%的国产化目标。"
        assert p.source == "003_c4e417dc85a75517.txt 专栏9（电子信息科技创新重点项目）第5项（第736行）"
        p = s.scalar(select(Project).where(Project.code == "XJ-ZL04-04"))   # 总投资8.7亿元，目标2024年建成投运
        assert (p.name, p.column, p.target_year, p.investment_target, p.output_target) == (
            "大泽湖海归小镇研发中心项目", 4, 2024, 8.7, None)
        kept = s.scalar(select(Project).where(Project.code == "XJ-ZL02-01"))
        assert (kept.name, kept.status) == ("已登记的科学城项目", "在建")
        logs = list(s.scalars(select(AuditLog).where(AuditLog.entity == "projects", AuditLog.action != "delete")
                              .order_by(AuditLog.id)))
        assert len(logs) == 67 and {(a.username, a.action, a.zone_code) for a in logs} == {("admin", "create", None)}
        a = next(x for x in logs if x.entity_id == "XJ-ZL09-05")
        assert (a.before, a.after["localization_target"], a.after["status"]) == (None, 95.0, "谋划中")


def test_project_progress_rows_counts_labels_and_plan_projects(db_url):
    from gaoxin.store.models import Project
    with session_scope(db_url) as s:
        s.add(Project(code="P-1", name="甲项目", column=9, layout="L9", zone_code=XT, status="在建", start_year=2023,
                      target_year=2026, investment_target=100.0, investment_done=10.0, milestones="2023：开工（已完成）"))
        s.add(Project(code="P-2", name="乙项目", column=9, layout="L9", zone_code=CS, status="在建", start_year=2024,
                      target_year=2025, investment_target=50.0, investment_done=20.0))
        s.add(Project(code="P-3", name="丙项目", column=10, layout="L10", zone_code=XT, status="在建", milestones="明年投产"))
        s.add(Project(code="P-4", name="丁项目", column=10, layout="L10", status="暂停"))
    with session_scope(db_url) as s:
        out = R.project_progress(s, ADMIN, as_of=2024)
        assert (out["as_of"], out["is_demo"]) == (2024, False)
        assert out["columns"] == ["code", "name", "column", "layout", "zone_name", "status_declared", "status",
                                  "investment_rate", "elapsed", "warnings"]
        assert out["labels"] == {"code": "项目编号", "name": "项目名称", "column": "专栏", "layout": "布局",
                                 "zone_name": "所在高新区", "status_declared": "项目状态", "status": "进度判断",
                                 "investment_rate": "投资完成率", "elapsed": "时间进度", "warnings": "预警"}
        keys = ("code", "name", "column", "layout", "zone_name", "status_declared", "status", "investment_rate",
                "elapsed", "warnings", "is_demo")
        # P-1: 10/100 invested, 2 of 4 years elapsed: 0.1 < 0.5 − 0.1 → 进度滞后
        # P-2: 20/50 = 0.4, 1 of 2 years: 0.4 is not below 0.5 − 0.1 → 进度正常
        # P-3: a milestone without a year → 数据有误 with the parser's message; P-4 暂停
        assert [tuple(r[k] for k in keys) for r in out["rows"]] == [
            ("P-1", "甲项目", 9, "L9", XT_NAME, "在建", "进度滞后", 0.1, 0.5, "完成投资10.0%，低于时间进度50.0%", False),
            ("P-2", "乙项目", 9, "L9", "长沙高新技术产业开发区", "在建", "进度正常", 0.4, 0.5, "", False),
            ("P-3", "丙项目", 10, "L10", XT_NAME, "在建", "数据有误", None, None,
             "里程碑“明年投产”应写成“年份：内容”，如“2025：建成投运”", False),
            ("P-4", "丁项目", 10, "L10", None, "暂停", "暂停", None, None, "项目暂停", False)]
        assert (out["rows"][2]["quantities"], out["rows"][2]["milestones"]) == ([], [])
        assert [q["name"] for q in out["rows"][0]["quantities"]] == ["总投资"]
        assert out["counts"] == {"进度滞后": 1, "进度正常": 1, "数据有误": 1, "暂停": 1}
        assert [r["code"] for r in R.project_progress(s, ZONE_XT, as_of=2024)["rows"]] == ["P-1", "P-3"]
        assert [r["code"] for r in R.project_progress(s, ADMIN, as_of=2024, column=10)["rows"]] == ["P-3", "P-4"]
        assert [r["code"] for r in R.project_progress(s, ADMIN, as_of=2024, zone=CS)["rows"]] == ["P-2"]
        assert R.project_progress(s, ADMIN)["as_of"] == date.today().year
        for code in ("P-1", "P-2", "P-3", "P-4"):
            R.delete_entry(s, ADMIN, "projects", code)
    _plan_projects_are_loaded_with_the_seed_fields(db_url)


# --- listed flags from the pipeline -----------------------------------------------------------------

def test_listed_flags_follow_the_pipeline_with_audit(db_url):
    from gaoxin.store.models import AuditLog, Enterprise, ListingCandidate
    lst = "上市后备企业资源库"
    with session_scope(db_url) as s:
        s.add(Enterprise(credit_code="E1", name="甲", zone_code=XT, attributes={"is_listed": 0}))
        s.add(Enterprise(credit_code="E2", name="乙", zone_code=XT, attributes={"is_listed": 1}))   # flag not from the pipeline
        s.add(Enterprise(credit_code="E3", name="丙", zone_code=CS, attributes={"is_listed": 1, "is_listed_source": lst}))
        s.add(Enterprise(credit_code="E4", name="丁", zone_code=CS, attributes={"is_listed": 1, "is_listed_source": lst}))
        s.add(ListingCandidate(credit_code="E1", name="甲", zone_code=XT, stage="上市", listed_date=date(2024, 7, 1)))
        s.add(ListingCandidate(credit_code="E2", name="乙", zone_code=XT, stage="审核"))
        s.add(ListingCandidate(credit_code="E3", name="丙", zone_code=CS, stage="注册"))
    with session_scope(db_url) as s:
        # E1 reaches 上市 → 1; E3 (flag from the pipeline, now at 注册) → 0; E2's own flag and E4 (not a
        # candidate) are left alone
        assert R.sync_listed_flags(s, ADMIN) == 2
        attrs = {e.credit_code: e.attributes for e in s.scalars(select(Enterprise).order_by(Enterprise.credit_code))}
        assert attrs == {"E1": {"is_listed": 1, "is_listed_source": lst}, "E2": {"is_listed": 1},
                         "E3": {"is_listed": 0, "is_listed_source": lst}, "E4": {"is_listed": 1, "is_listed_source": lst}}
        logs = [(a.username, a.action, a.entity, a.entity_id, a.zone_code, a.before, a.after)
                for a in s.scalars(select(AuditLog).where(AuditLog.entity == "enterprise").order_by(AuditLog.id))]
        assert logs == [("admin", "update", "enterprise", "E1", XT, {"is_listed": 0}, {"is_listed": 1, "source": lst}),
                        ("admin", "update", "enterprise", "E3", CS, {"is_listed": 1}, {"is_listed": 0, "source": lst})]
        assert R.sync_listed_flags(s) == 0
        # E4 is no candidate: only a deleted candidate's code is checked again
        assert R.sync_listed_flags(s, None, extra_codes=["E4"]) == 1
        assert s.scalar(select(Enterprise).where(Enterprise.credit_code == "E4")).attributes["is_listed"] == 0
        last = s.scalar(select(AuditLog).where(AuditLog.entity == "enterprise").order_by(AuditLog.id.desc()).limit(1))
        assert (last.username, last.entity_id) == (None, "E4")
        # deleting the listed candidate takes its flag back
        R.delete_entry(s, ADMIN, "listing", "E1")
        assert s.scalar(select(Enterprise).where(Enterprise.credit_code == "E1")).attributes == {
            "is_listed": 0, "is_listed_source": lst}
    _listing_import_checks_first_and_then_flags_the_listed(db_url)


def _listing_import_checks_first_and_then_flags_the_listed(db_url):
    from gaoxin.credit_code import make_credit_code
    from gaoxin.store.models import Enterprise, ListingCandidate
    code = make_credit_code("91430100MA4L00031")
    buf = io.BytesIO()
    pd.DataFrame([{"统一社会信用代码": code, "企业名称": "湘江上市公司", "所在高新区": "长沙高新区", "是否科技企业": "是",
                   "上市进程": "上市", "上市日期": "2024-06-30"}]).to_excel(buf, index=False, sheet_name="上市后备企业")
    with session_scope(db_url) as s:
        s.add(Enterprise(credit_code=code, name="湘江上市公司", zone_code=CS, attributes={}))
    with session_scope(db_url) as s:
        # a check only (the upper-case suffix is read as .xlsx): nothing is written, no flag is set
        rep = R.import_file(s, ADMIN, "listing", buf.getvalue(), "上市后备.XLSX", dry_run=True)
        assert (rep["status"], rep["written"]) == ("checked", 1), rep["problems"]
        assert s.scalar(select(ListingCandidate.id).where(ListingCandidate.credit_code == code)) is None
        assert s.scalar(select(Enterprise).where(Enterprise.credit_code == code)).attributes == {}
    with session_scope(db_url) as s:
        rep = R.import_file(s, ADMIN, "listing", buf.getvalue(), "上市后备")   # no suffix: read as .xlsx
        assert (rep["status"], rep["written"]) == ("loaded", 1), rep["problems"]
        assert s.scalar(select(Enterprise).where(Enterprise.credit_code == code)).attributes == {
            "is_listed": 1, "is_listed_source": "上市后备企业资源库"}


def test_export_keeps_the_search_and_the_filters_of_the_list(platforms_db):
    # the page's 导出 button exports what the list shows: q and filters reach the query
    with session_scope(platforms_db) as s:
        by_text, _ = R.export_xlsx(s, ADMIN, "platforms", q=" 湘潭乙 ")
        by_level, _ = R.export_xlsx(s, ADMIN, "platforms", filters={"level": "国家级"})

    def names(data: bytes) -> list[str]:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")
        df = next(v for k, v in sheets.items() if k != "说明")
        return df["平台名称"].tolist()
    assert names(by_text) == ["湘潭乙省级企业技术中心"]
    assert names(by_level) == ["湘潭甲国家企业技术中心"]

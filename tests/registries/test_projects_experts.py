"""Key projects tracked like targets, the 亿级 tiers, and the 三家 assigned to matches with follow-up."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gaoxin.auth.roles import Principal
from gaoxin.services import registries as R
from gaoxin.services.errors import Forbidden, Invalid
from gaoxin.store.db import session_scope

ADMIN = Principal("admin", "province_admin", "管理员")
XT, CS = "HN-N-XIANGTAN", "HN-N-CHANGSHA"
ZONE_XT = Principal("zxt", "zone_user", "湘潭用户", frozenset({XT}))


def test_plan_projects_loaded_with_the_seed_quantities_and_tracked(db_url):
    with session_scope(db_url) as s:
        out = R.load_plan_projects(s, ADMIN)
        assert out["added"] == out["total"] == 68          # 专栏2–12 items of seed 003 (counted in the YAML)
        assert R.load_plan_projects(s, ADMIN)["added"] == 0
        p = R.get_entry(s, ADMIN, "projects", "XJ-ZL09-02")
        # 湖南三安第三代半导体项目: 总投资 160 亿元, 年产值 120 亿元 (seed 003 专栏9 第2项)
        assert (p["name"], p["investment_target"], p["output_target"]) == ("湖南三安第三代半导体项目", 160.0, 120.0)
        R.save_entry(s, ADMIN, "projects", {"status": "在建", "start_year": "2023", "target_year": "2026",
                                            "investment_done": "40", "milestones": "2023：开工（已完成）；2024：主体完工；2026：投产"},
                     key="XJ-ZL09-02")
        with pytest.raises(Invalid, match="年份：内容"):
            R.save_entry(s, ADMIN, "projects", {"milestones": "明年投产"}, key="XJ-ZL09-02")
    with session_scope(db_url) as s:
        rows = {r["code"]: r for r in R.project_progress(s, ADMIN, as_of=2024)["rows"]}
        r = rows["XJ-ZL09-02"]
        # 40/160 = 0.25 invested; 2 of 4 years elapsed = 0.5; 0.25 < 0.5 − 0.1 and the 2024 milestone is open
        assert (r["investment_rate"], r["elapsed"], r["status"]) == (0.25, 0.5, "进度滞后")
        assert r["warnings"] == "2024年里程碑“主体完工”未完成；完成投资25.0%，低于时间进度50.0%"


def test_tiers_from_revenue(db_url):
    from gaoxin.credit_code import make_credit_code
    from gaoxin.store.models import Enterprise, Observation
    with session_scope(db_url) as s:
        for i, (name, zone, rev_wan) in enumerate([("湘钢集团示例公司", XT, 1_500_000), ("湘潭乙公司", XT, 250_000),
                                                   ("湘潭丙公司", XT, 90_000), ("长沙丁公司", CS, 2_000_000)]):
            code = make_credit_code(f"91430300MA4L{i:05d}")
            s.add(Enterprise(credit_code=code, name=name, zone_code=zone))
            s.add(Observation(unit_type="enterprise", unit_code=code, indicator_code="revenue", period=2024, value=rev_wan))
    with session_scope(db_url) as s:
        out = R.enterprise_tiers(s, ADMIN, 2024)
        # 150亿 → 100亿级 (named), 25亿 → 20亿级, 9亿 below 10亿; 长沙 is outside 湘潭市
        assert [(r["name"], r["tier"], r["named"]) for r in out["rows"]] == [("湘钢集团示例公司", "100亿级", True),
                                                                             ("湘潭乙公司", "20亿级", False)]
        assert out["counts"] == {"100亿级": 1, "50亿级": 0, "20亿级": 1, "10亿级": 0}


def test_experts_assigned_to_a_match_with_follow_up(db_url):
    from gaoxin.store.models import TechDemand, TechResult
    with session_scope(db_url) as s:
        s.add(TechDemand(code="D-XT-1", title="湘潭需求：电机控制", zone_code=XT))
        s.add(TechDemand(code="D-CS-1", title="长沙需求", zone_code=CS))
        s.add(TechResult(code="R-1", title="高效电机控制算法"))
        R.save_entry(s, ADMIN, "experts", {"code": "EX-1", "name": "王教授", "kind": "技术专家", "field": "电机", "zone_code": XT})
        R.save_entry(s, ADMIN, "experts", {"code": "EX-2", "name": "李管家", "kind": "政府管家", "zone_code": CS})
    with session_scope(db_url) as s:
        a = R.assign_expert(s, ZONE_XT, "EX-1", "跟进", demand_code="D-XT-1", result_code="R-1")
        assert (a["activity"], a["zone_code"], a["outcome"]) == ("成果对接", XT, "待跟进")
        with pytest.raises(Forbidden):   # another zone's demand
            R.assign_expert(s, ZONE_XT, "EX-1", "出席", demand_code="D-CS-1")
        with pytest.raises(Forbidden):   # another zone's expert
            R.assign_expert(s, ZONE_XT, "EX-2", "出席", demand_code="D-XT-1")
        R.record_follow_up(s, ZONE_XT, a["id"], "已签约", "已签订技术开发合同，金额50万元")
    with session_scope(db_url) as s:
        rows = R.assignments(s, ADMIN, demand_code="D-XT-1")["rows"]
        assert [(r["expert_name"], r["role"], r["outcome"], r["follow_up"]) for r in rows] == [
            ("王教授", "跟进", "已签约", "已签订技术开发合同，金额50万元")]
        with pytest.raises(Invalid, match="跟进结果应为"):
            R.record_follow_up(s, ADMIN, a["id"], "成功", None)
        assert R.list_entries(s, ZONE_XT, "experts")["total"] == 1

"""Pure core of the registries: counts, rewards, listing monitor (hand-computed expectations)."""
from __future__ import annotations

from datetime import date

from gaoxin.registry import listing as L
from gaoxin.registry import platforms as P

ACTIVE = {"运行中", "建设中"}
RULE_STOCK = {"levels": ["国家级", "省级"], "mode": "stock"}
RULE_NEW = {"levels": ["国家级", "省级"], "mode": "new"}


def _p(code, level, year, zone="Z1", status="运行中", type_="企业技术中心", region="430302"):
    return {"code": code, "name": f"平台{code}", "type": type_, "level": level, "approval_year": year,
            "status": status, "zone_code": zone, "region_code": region}


PLATS = [_p("A", "国家级", 2020), _p("B", "省级", 2023), _p("C", "市级", 2023), _p("D", "省级", 2024, status="已撤销"),
         _p("E", "省级", 2025, zone="Z2", region="430100"), _p("F", "国家级", 2024)]


def test_stock_and_new_counts_by_hand():
    z1 = P.Unit("zone", "Z1")
    # Z1 active 国家级/省级: A(2020) B(2023) F(2024); D is 已撤销, C is 市级 → 2023: A,B = 2; 2024: +F = 3
    assert P.series(PLATS, RULE_STOCK, z1, [2022, 2023, 2024], ACTIVE) == {2022: 1, 2023: 2, 2024: 3}
    # new since 2023 up to 2024: B, F = 2
    assert P.count(PLATS, RULE_NEW, z1, 2024, ACTIVE, period_start=2023) == 2
    cat = P.Unit("category", "X", frozenset({"Z1", "Z2"}))
    assert P.count(PLATS, RULE_STOCK, cat, 2025, ACTIVE) == 4      # A B F E
    assert P.count(PLATS, RULE_STOCK, P.Unit("city", "430300"), 2025, ACTIVE) == 3   # region 4303xx: A B F


def test_rewards_once_per_named_platform():
    rules = [{"id": "nat", "name": "新批国家级", "kind": "platform", "field": "new_national_platforms", "amount": 100,
              "years": [2023, 2025], "scope": {"county_prefix": "4303"}, "source": "004"},
             {"id": "prov", "name": "新批省级", "kind": "platform", "field": "new_provincial_platforms", "amount": 10,
              "years": [2023, 2025], "scope": {"county_prefix": "4303"}, "source": "004"}]
    levels = {"new_national_platforms": "国家级", "new_provincial_platforms": "省级"}
    rows = P.rewards(PLATS + [PLATS[-1]], rules, levels)   # F twice in the input: still once
    # A approved 2020 (before 2023) → none; B 省级 2023 → 10; D 省级 2024 (revoked but newly approved) → 10;
    # E outside 4303 → none; F 国家级 2024 → 100
    got = sorted((r["code"], r["amount_wan"]) for r in rows)
    assert got == [("B", 10.0), ("D", 10.0), ("F", 100.0)]
    assert [r["code"] for r in P.rewards(PLATS, rules, levels, years=[2024]) if r["level"] == "国家级"] == ["F"]


SPEC = {"stages": [{"name": n} for n in ("辅导备案", "申报受理", "审核", "注册", "上市")], "listed_stage": "上市",
        "status": {"on_track": "进度正常", "behind": "进度滞后", "done": "已完成"}}


def _c(code, stage, listed=None, tech=True, zone="Z1"):
    return {"credit_code": code, "name": f"企业{code}", "stage": stage, "is_tech": tech, "zone_code": zone,
            "listed_date": listed, "expected_date": None}


def test_listing_monitor_counts_tech_listings_in_period():
    cands = [_c("1", "上市", date(2023, 6, 1)), _c("2", "上市", date(2024, 3, 1)), _c("3", "上市", date(2022, 1, 1)),
             _c("4", "上市", date(2024, 5, 1), tech=False), _c("5", "上市", date(2024, 5, 1), zone="Z9"),
             _c("6", "注册"), _c("7", "辅导备案")]
    target = {"id": "t", "name": "科技企业上市", "plan": "p", "scope_name": "新区", "tech_only": True,
              "period": {"start": 2023, "end": 2026}, "target": 10, "unit": "家", "text": "", "source": ""}
    unit = P.Unit("category", "X", frozenset({"Z1"}))
    m = L.monitor(cands, target, unit, 2024, SPEC)
    # in scope & tech & listed in 2023..2024: 1, 2 (3 is 2022, 4 not tech, 5 other zone) → 2
    assert m["value"] == 2 and m["listed"] == ["企业1", "企业2"]
    # two of four years elapsed → expected 10 × 2/4 = 5; 2 < 5 → behind
    assert m["expected"] == 5.0 and m["status"] == "进度滞后"
    assert {p["stage"]: p["count"] for p in m["pipeline"]} == {"辅导备案": 1, "申报受理": 0, "审核": 0, "注册": 1, "上市": 3}
    assert L.listed_codes(cands, SPEC) == {"1", "2", "3", "4", "5"}


def test_project_progress_milestones_and_investment():
    from gaoxin.registry import projects as PR
    p = {"code": "X", "name": "示例项目", "status": "在建", "start_year": 2023, "target_year": 2026,
         "investment_target": 100.0, "investment_done": 30.0,
         "milestones": "2023：开工（已完成）；2024年：主体完工；2026：投产"}
    r = PR.progress(p, 2024, behind_margin=0.1)
    # 2 of 4 years elapsed = 0.5; investment 30/100 = 0.3 < 0.5 − 0.1 → behind; 2024 milestone not done
    assert r["elapsed"] == 0.5 and r["quantities"][0]["rate"] == 0.3
    assert r["status"] == "进度滞后" and r["overdue"] == 1
    assert r["warnings"] == ["2024年里程碑“主体完工”未完成", "完成投资30.0%，低于时间进度50.0%"]
    p.update(investment_done=45.0, milestones="2023：开工（已完成）；2024：主体完工√；2026：投产")
    assert PR.progress(p, 2024, 0.1)["status"] == "进度正常"     # 0.45 ≥ 0.4, no overdue milestone
    assert PR.tier(130.0, [100, 50, 20, 10]) == "100亿级" and PR.tier(19.9, [100, 50, 20, 10]) == "10亿级"
    assert PR.tier(9.9, [100, 50, 20, 10]) is None
    import pytest
    with pytest.raises(PR.MilestoneError, match="年份：内容"):
        PR.parse_milestones("明年投产")

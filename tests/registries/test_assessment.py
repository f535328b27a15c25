"""一年一评估: a published assessment is reproduced byte for byte after the data and the plan change."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gaoxin.auth.roles import Principal
from gaoxin.services import registries as R
from gaoxin.services.errors import Invalid
from gaoxin.store.db import session_scope

ADMIN = Principal("admin", "province_admin", "省厅管理员")
PLAN = "xiangjiang-st-system-2023-2026"
SCOPE = ("category", "hunan-xiangjiang-new-area")


def test_published_assessment_is_reproduced_byte_for_byte(db_url, monkeypatch):
    from gaoxin.store.models import Assessment, Observation, PlanVersion
    with session_scope(db_url) as s:
        s.add(Observation(unit_type=SCOPE[0], unit_code=SCOPE[1], indicator_code="provincial_plus_innovation_platforms",
                          period=2024, value=820.0, source="由高水平创新平台数据库统计"))
    with session_scope(db_url) as s:
        pub = R.publish_assessment(s, ADMIN, PLAN, 2024, "平台数量稳步增长，需加快引育高水平平台。", now="2025-03-01 10:00")
    doc, sha = pub["document"], pub["sha256"]
    # the frozen figure and the conclusion are in the document as published
    assert "| 湖南湘江新区 | 国家级、省级以上创新平台数量 | 2024 | 820 | 由高水平创新平台数据库统计 |" in doc
    assert "平台数量稳步增长" in doc and pub["plan_version"] == 1 and pub["reproduced"] is True

    # the data change …
    with session_scope(db_url) as s:
        o = s.scalar(select(Observation).where(Observation.indicator_code == "provincial_plus_innovation_platforms"))
        o.value = 999.0
    # … and the plan is revised (三年一更新): the 1100 target becomes 1200
    from gaoxin.targets import plans as plans_mod
    real = plans_mod.load_targets

    def revised(directory=None, plan=None):
        import dataclasses
        return [dataclasses.replace(t, target_value=1200, spec={**t.spec, "target": {**t.spec["target"], "value": 1200}})
                if t.id == "xj26-platforms-total" else t for t in real(directory, plan)]
    monkeypatch.setattr(plans_mod, "load_targets", revised)
    with session_scope(db_url) as s:
        v2 = R.revise_plan(s, ADMIN, PLAN, "2025年中期调整")
        assert v2.version == 2
        # every version is kept
        assert [v.version for v in s.scalars(select(PlanVersion).where(PlanVersion.plan_id == PLAN).order_by(PlanVersion.version))] == [1, 2]
    with session_scope(db_url) as s:
        again = R.get_assessment(s, ADMIN, pub["id"])
        assert again["document"].encode("utf-8") == doc.encode("utf-8") and again["sha256"] == sha
        assert again["reproduced"] is True and again["plan_version"] == 1
        # a new assessment sees the new data and the new version
        new = R.publish_assessment(s, ADMIN, PLAN, 2025, "调整后目标为1200家。", now="2026-03-01 10:00")
        assert "| 999 |" in new["document"] and "1,200家（2026年）" in new["document"] and new["plan_version"] == 2
        with pytest.raises(Invalid, match="已发布"):
            R.publish_assessment(s, ADMIN, PLAN, 2024, "再发一次")
        assert s.scalar(select(Assessment).where(Assessment.year == 2024)).sha256 == sha

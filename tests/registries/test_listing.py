"""The listing pipeline drives the seed 003 listing target and the 上市领军 rung."""
from __future__ import annotations

from sqlalchemy import select

from gaoxin.auth.roles import Principal
from gaoxin.credit_code import make_credit_code
from gaoxin.services import registries as R
from gaoxin.store.db import session_scope

ADMIN = Principal("admin", "province_admin", "管理员")
CS = "HN-N-CHANGSHA"


def _code(i: int) -> str:
    return make_credit_code(f"91430100MA4L{i:05d}")


def test_pipeline_drives_listing_target_and_listed_leader_rung(db_url):
    from gaoxin.store.models import Enterprise
    with session_scope(db_url) as s:
        s.add(Enterprise(credit_code=_code(1), name="湘江测试科技股份有限公司", zone_code=CS, attributes={"is_listed": 0}))
        for i in range(1, 5):
            R.save_entry(s, ADMIN, "listing", {"credit_code": _code(i), "name": f"候选企业{i}", "zone_code": "长沙高新区",
                                               "stage": "注册", "board": "科创板", "is_tech": "是"})
    with session_scope(db_url) as s:
        before = {t["id"]: t for t in R.listing_monitor(s, ADMIN, as_of=2024)["targets"]}["xj26-tech-listings"]
        assert before["value"] == 0
        # two reach the listed stage in 2024, one of them is the enterprise on the ladder
        for i in (1, 2):
            R.save_entry(s, ADMIN, "listing", {"stage": "上市", "listed_date": "2024-07-01"}, key=_code(i))
    with session_scope(db_url) as s:
        m = {t["id"]: t for t in R.listing_monitor(s, ADMIN, as_of=2024)["targets"]}["xj26-tech-listings"]
        # 2 listed of a target of 10 in 2023–2026; 2 of 4 years elapsed → expected 5 → 进度滞后
        assert (m["value"], m["target"], m["expected"], m["status"]) == (2, 10.0, 5.0, "进度滞后")
        assert m["listed"] == ["候选企业1", "候选企业2"] and "上市后备企业资源库" in m["basis"]
        assert {p["stage"]: p["count"] for p in m["pipeline"]}["注册"] == 2
        e = s.scalar(select(Enterprise).where(Enterprise.credit_code == _code(1)))
        assert e.attributes["is_listed"] == 1
        # the ladder's 上市领军 rung reads the flag
        from gaoxin.enterprise import judge
        from gaoxin.store.repo import enterprise_frame
        frame = enterprise_frame(s, 2024)
        j = judge(frame, as_of=2024)
        st = j.status_frame().set_index("credit_code")
        assert st.loc[_code(1), "上市领军型企业"] == "pass"
    with session_scope(db_url) as s:  # moved back (e.g. a wrong entry corrected): the rung follows
        R.save_entry(s, ADMIN, "listing", {"stage": "注册", "listed_date": ""}, key=_code(1))
    with session_scope(db_url) as s:
        e = s.scalar(select(Enterprise).where(Enterprise.credit_code == _code(1)))
        assert e.attributes["is_listed"] == 0
        from gaoxin.enterprise import judge
        from gaoxin.store.repo import enterprise_frame
        st = judge(enterprise_frame(s, 2024), as_of=2024).status_frame().set_index("credit_code")
        assert st.loc[_code(1), "上市领军型企业"] == "fail"


def test_listed_stage_needs_a_listing_date(db_url):
    import pytest
    from gaoxin.services.errors import Invalid
    with session_scope(db_url) as s:
        with pytest.raises(Invalid, match="须填写上市日期"):
            R.save_entry(s, ADMIN, "listing", {"credit_code": _code(9), "name": "缺日期企业", "stage": "上市"})

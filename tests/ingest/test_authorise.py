"""Per-row import authorisation and audit (issue 11, class 2), on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from gaoxin.auth.roles import PROVINCE_ADMIN, READONLY, ZONE_USER, Principal
from gaoxin.credit_code import make_credit_code
from gaoxin.ingest.load import import_file
from gaoxin.store.db import session_scope
from gaoxin.store.models import AuditLog, Enterprise, Observation

CS, ZZ = "HN-N-CHANGSHA", "HN-N-ZHUZHOU"
A = Principal("cs_user", ZONE_USER, zones=frozenset({CS}))
ADMIN = Principal("admin", PROVINCE_ADMIN)
E1 = make_credit_code("91430100000000010")
E2 = make_credit_code("91430200000000020")


def csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def run(url, path, principal):
    with session_scope(url) as s:
        return import_file(s, path, principal=principal, username=getattr(principal, "username", None))


def enterprises(url):
    with session_scope(url) as s:
        return {c: (n, z) for c, n, z in s.execute(select(Enterprise.credit_code, Enterprise.name, Enterprise.zone_code))}


def n_obs(url):
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Observation))


def seed(url, tmp_path):
    p = csv(tmp_path / "seed.csv", "统一社会信用代码,企业名称,所在高新区\n"
                                    f"{E1},长沙甲企业,长沙高新区\n{E2},株洲乙企业,株洲高新区\n")
    rep = run(url, p, ADMIN)
    assert rep.status == "loaded", [str(x) for x in rep.problems]


def test_zone_user_cannot_move_or_rename_another_zones_enterprise(db_url, tmp_path):
    seed(db_url, tmp_path)
    before = enterprises(db_url)
    p = csv(tmp_path / "move.csv", "统一社会信用代码,企业名称,所在高新区\n"
                                    f"{E1},长沙甲企业新名,长沙高新区\n{E2},改名企业,长沙高新区\n")
    rep = run(db_url, p, A)
    assert rep.status == "rejected"
    msg = " ".join(str(x) for x in rep.problems)
    assert "第3行" in msg and "属于其他高新区" in msg and "第2行" not in msg
    assert enterprises(db_url) == before                     # nothing written, not even row 2


def test_zone_user_cannot_move_own_enterprise_out(db_url, tmp_path):
    seed(db_url, tmp_path)
    p = csv(tmp_path / "out.csv", f"统一社会信用代码,企业名称,所在高新区\n{E1},长沙甲企业,株洲高新区\n")
    rep = run(db_url, p, A)
    assert rep.status == "rejected"
    assert "第2行" in str(rep.problems[0]) and "只有省级管理员可以在高新区之间迁移" in str(rep.problems[0])
    assert enterprises(db_url)[E1] == ("长沙甲企业", CS)


def test_zone_user_cannot_write_observations_for_unknown_credit_code(db_url, tmp_path):
    seed(db_url, tmp_path)
    unknown = make_credit_code("91430100000000099")
    p = csv(tmp_path / "obs.csv", "单位类型,单位,指标,年份,数值\n"
                                   f"企业,{E1},revenue,2024,100\n企业,{unknown},revenue,2024,200\n"
                                   f"企业,{E2},revenue,2024,300\n")
    rep = run(db_url, p, A)
    assert rep.status == "rejected"
    msg = " ".join(str(x) for x in rep.problems)
    assert "第3行的企业不是本园区已登记的企业" in msg and "第4行的企业属于其他高新区" in msg
    assert n_obs(db_url) == 0


def test_zone_user_own_rows_are_written_and_audited_per_row(db_url, tmp_path):
    seed(db_url, tmp_path)
    p = csv(tmp_path / "own.csv", f"统一社会信用代码,企业名称,所在高新区\n{E1},长沙甲企业新名,长沙高新区\n")
    rep = run(db_url, p, A)
    assert rep.status == "loaded", [str(x) for x in rep.problems]
    assert enterprises(db_url)[E1] == ("长沙甲企业新名", CS)
    with session_scope(db_url) as s:
        rows = s.execute(select(AuditLog.action, AuditLog.entity_id, AuditLog.zone_code, AuditLog.before, AuditLog.after)
                         .where(AuditLog.username == "cs_user", AuditLog.action == "import_update")).all()
    assert len(rows) == 1
    action, eid, zone, before, after = rows[0]
    assert (eid, zone, before) == (E1, CS, {"name": "长沙甲企业"})
    assert after["name"] == "长沙甲企业新名"


def test_admin_move_is_audited_for_both_zones(db_url, tmp_path):
    seed(db_url, tmp_path)
    p = csv(tmp_path / "mv.csv", f"统一社会信用代码,企业名称,所在高新区\n{E2},株洲乙企业,长沙高新区\n")
    assert run(db_url, p, ADMIN).status == "loaded"
    with session_scope(db_url) as s:
        zones = sorted(z for (z,) in s.execute(select(AuditLog.zone_code).where(AuditLog.action == "import_move")))
    assert zones == [CS, ZZ]


def test_readonly_and_province_wide_data_refused(db_url, tmp_path):
    p = csv(tmp_path / "ro.csv", f"统一社会信用代码,企业名称,所在高新区\n{E1},长沙甲企业,长沙高新区\n")
    rep = run(db_url, p, Principal("ro", READONLY))
    assert rep.status == "rejected" and "只读用户不能导入数据" in rep.problems[0].reason
    assert enterprises(db_url) == {}
    p = csv(tmp_path / "wide.csv", "单位,年份,D1_1\n长沙高新区,2024,5\n株洲高新区,2024,6\n")
    rep = run(db_url, p, A)
    assert rep.status == "rejected" and "第3行属于其他高新区" in str(rep.problems[0])
    assert n_obs(db_url) == 0

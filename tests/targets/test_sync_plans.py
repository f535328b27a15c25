"""sync_plans: the seed plans land in Plan / Target / TargetPart, idempotently, on both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from gaoxin.store.models import Base, Plan, Target, TargetPart
from gaoxin.store.sync_plans import sync_plans
from gaoxin.targets.plans import load_targets


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def test_sync_is_idempotent(session):
    first = sync_plans(session)
    session.commit()
    assert first["inserted"] > 0
    second = sync_plans(session)
    session.commit()
    assert second["inserted"] == second["updated"] == second["deleted"] == 0
    assert session.scalar(select(func.count()).select_from(Target)) == len(load_targets())
    assert session.scalar(select(func.count()).select_from(TargetPart)) == first["parts"]


def test_parts_as_printed(session):
    sync_plans(session)
    rows = session.execute(select(TargetPart.unit_name, TargetPart.unit_type, TargetPart.unit_code,
                                  TargetPart.value)
                           .where(TargetPart.target_id == "xt133-high-tech-enterprises",
                                  TargetPart.year == 2025)).all()
    values = {r.unit_name: r.value for r in rows}
    assert values["湘潭县"] == 166 and values["湘潭高新区"] == 268 and values["岳塘经开区"] == 25
    assert sum(values.values()) == 1000
    codes = {r.unit_name: (r.unit_type, r.unit_code) for r in rows}
    assert codes["湘潭县"] == ("county", "430321")
    assert codes["湘潭高新区"][0] == "zone"
    # a blank cell (附件1 规模以上服务业) is stored as NULL, not 0
    blank = session.execute(select(TargetPart.value).where(
        TargetPart.target_id == "xt133-rd-expenditure-by-sector",
        TargetPart.unit_name == "规模以上服务业")).scalars().all()
    assert blank == [None, None, None]


def test_target_fields_for_demo_generator(session):
    sync_plans(session)
    t = session.get(Target, "xt133-high-tech-enterprises")
    assert (t.indicator_code, t.scope_type, t.scope_code, t.target_year, t.target_value) == \
        ("high_tech_enterprises", "city", "430300", 2025, 1000)
    assert t.lead_units == ["市科技局"] and t.responsible_units[0] == "市科技局"
    assert t.source.startswith("004_5ad5552d415be116.txt")


def test_removed_target_and_changed_value(session, tmp_path):
    src = tmp_path / "p.yaml"
    src.write_text("""
source: test
plan: {id: p, name: 测试规划, source: test}
defaults: {scope: {type: city, name: 湘潭市, code: "430300"}}
targets:
  - {id: a, indicator: x, indicator_name: 指标, kind: count, target: {year: 2025, value: 5}, source: s, text: t,
     decomposition: {source: s, rows: [{unit: 湘潭县, type: county, values: {2025: 2}}], totals: {values: {2025: 2}}}}
  - {id: b, indicator: y, indicator_name: 指标, kind: count, target: {year: 2025, value: 7}, source: s, text: t}
""", encoding="utf-8")
    sync_plans(session, tmp_path)
    session.commit()
    src.write_text(src.read_text(encoding="utf-8").replace("value: 5", "value: 6").replace(
        "  - {id: b,", "#  - {id: b,").replace("{2025: 2}}]", "{2025: 3}}]"), encoding="utf-8")
    from gaoxin.targets.plans import clear_cache
    clear_cache()
    stats = sync_plans(session, tmp_path)
    session.commit()
    assert stats["deleted"] == 1
    assert session.get(Target, "b") is None
    assert session.get(Target, "a").target_value == 6
    assert [p.value for p in session.get(Target, "a").parts] == [3]
    assert session.get(Plan, "p").name == "测试规划"


def test_on_migrated_database(db_url):
    """init_database (foundation) calls sync_plans: targets are there on SQLite and PostgreSQL."""
    from gaoxin.store.db import session_scope
    with session_scope(db_url) as s:
        n = s.scalar(select(func.count()).select_from(Target))
        stats = sync_plans(s)
    assert n == len(load_targets())
    assert stats["inserted"] == stats["updated"] == stats["deleted"] == 0


def test_member_zones_become_parts(session):
    sync_plans(session)
    rows = session.execute(select(TargetPart.unit_type, TargetPart.unit_code, TargetPart.year, TargetPart.value)
                           .where(TargetPart.target_id == "hz19-national-incubators")).all()
    assert len(rows) == 7
    assert {r.unit_type for r in rows} == {"zone"} and {r.year for r in rows} == {2019}
    assert {r.value for r in rows} == {2}
    assert "HN-N-XIANGTAN" in {r.unit_code for r in rows}

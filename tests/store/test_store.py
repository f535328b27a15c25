"""Migrations, reference loading and repo queries on SQLite and PostgreSQL."""
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, inspect, select

from gaoxin.store import repo
from gaoxin.store.db import get_engine, session_scope
from gaoxin.store.migrate import framework_gap_codes, framework_leaves, indicator_registry, init_database
from gaoxin.store.models import AuditLog, Base, Enterprise, Indicator, Observation, Region, Zone


def _counts(url):
    with session_scope(url) as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in (Region, Zone, Indicator)}


def test_init_creates_every_table_and_is_idempotent(empty_db_url):
    first = init_database(empty_db_url)
    tables = set(inspect(get_engine(empty_db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    c1 = _counts(empty_db_url)
    assert c1["zone"] > 10 and c1["region"] > 100 and c1["indicator"] > 20
    assert init_database(empty_db_url) == first
    assert _counts(empty_db_url) == c1


def test_reference_content(db_url):
    with session_scope(db_url) as s:
        z = s.scalar(select(Zone).where(Zone.code == "HN-N-CHANGSHA"))
        assert (z.name, z.level, z.city_code) == ("长沙高新技术产业开发区", "国家级", "430100")
        ind = s.get(Indicator, "D1_1")
        assert ind.unit_types == ["zone"] and "001_" in ind.source


def test_framework_walker():
    doc = {"nodes": [{"code": "A", "children": [{"code": "A1"}, {"code": "A2", "children": [{"code": "A21"}]}]},
                     {"code": "B"}]}
    assert [n["code"] for n in framework_leaves(doc)] == ["A1", "A21", "B"]


def test_framework_gap_nodes_are_not_indicators():
    doc = {"nodes": [{"code": "A", "children": [{"code": "A1"}, {"code": "A2", "missing": True, "children": []}]},
                     {"code": "B", "missing": True}, {"code": "C", "missing": True, "children": [{"code": "C1"}]}]}
    assert [n["code"] for n in framework_leaves(doc)] == ["A1", "C1"]
    assert framework_gap_codes(doc) == {"A2", "B"}
    # agrees with the reference area's own reading of the shipped framework (D4 is the gap)
    import gaoxin.reference as ref
    shipped = ref.load_framework("hunan-provincial-2017")
    codes = [n["code"] for n in framework_leaves(shipped)]
    assert codes == [n["code"] for n in ref.framework_indicators(shipped)]
    assert "D4" not in codes and len(codes) == 25 and framework_gap_codes(shipped) == {"D4"}


def test_registry_has_no_gap_indicator(db_url):
    codes = {item["code"] for item in indicator_registry()}
    assert "D4" not in codes and {"D1_1", "D3_7"} <= codes
    with session_scope(db_url) as s:
        assert s.get(Indicator, "D4") is None
        assert s.get(Indicator, "D3_7") is not None


def test_stale_gap_indicator_is_removed_on_init(sqlite_db_url):
    # a database initialised by an earlier version holds D4 in the registry and demo rows for it
    with session_scope(sqlite_db_url) as s:
        s.add(Indicator(code="D4", name="高新区可持续发展能力", unit=None, unit_types=["zone"]))
        repo.write_observations(s, pd.DataFrame([("zone", "HN-N-CHANGSHA", "D4", 2023, 70.0)],
                                                columns=["unit_type", "unit_code", "indicator_code", "period", "value"]),
                                None, is_demo=True)
    init_database(sqlite_db_url)
    with session_scope(sqlite_db_url) as s:
        assert s.get(Indicator, "D4") is None
        assert s.scalar(select(func.count()).select_from(Observation).where(Observation.indicator_code == "D4")) == 0
    # real data under the code keeps the registry row (a user has filled the gap)
    with session_scope(sqlite_db_url) as s:
        s.add(Indicator(code="D4", name="高新区可持续发展能力", unit=None, unit_types=["zone"]))
        repo.write_observations(s, pd.DataFrame([("zone", "HN-N-CHANGSHA", "D4", 2023, 71.0)],
                                                columns=["unit_type", "unit_code", "indicator_code", "period", "value"]),
                                None, is_demo=False)
    init_database(sqlite_db_url)
    with session_scope(sqlite_db_url) as s:
        assert s.get(Indicator, "D4") is not None


def test_zones_frame(db_url):
    with session_scope(db_url) as s:
        df = repo.zones_frame(s)
    assert list(df.columns) == ["code", "name", "short_name", "level", "city_code", "city_name", "approved_year"]
    assert df.set_index("code").loc["HN-N-XIANGTAN", "city_name"] == "湘潭市"
    assert df["code"].is_unique


def _obs(rows):
    return pd.DataFrame(rows, columns=["unit_type", "unit_code", "indicator_code", "period", "value"])


def test_write_observations_upserts_and_frames(db_url):
    with session_scope(db_url) as s:
        n = repo.write_observations(s, _obs([("zone", "HN-N-CHANGSHA", "D1_1", 2023, 1.0),
                                             ("zone", "HN-N-CHANGSHA", "D1_2", 2023, 2.0),
                                             ("zone", "HN-N-ZHUZHOU", "D1_1", 2023, np.nan),
                                             ("zone", "HN-N-ZHUZHOU", "D1_1", 2024, 4.0)]), None, is_demo=False)
        assert n == 4
    with session_scope(db_url) as s:  # a later write of the same key wins, no duplicate row
        repo.write_observations(s, _obs([("zone", "HN-N-CHANGSHA", "D1_1", 2023, 10.0)]), None, is_demo=True)
    with session_scope(db_url) as s:
        long = repo.observations_frame(s, unit_type="zone")
        assert len(long) == 4
        row = long[(long.unit_code == "HN-N-CHANGSHA") & (long.indicator_code == "D1_1")].iloc[0]
        assert row.value == 10.0 and bool(row.is_demo)
        wide = repo.zone_indicator_frame(s, ["D1_1", "D1_2"], years=[2023])
    assert list(wide.columns) == ["unit", "name", "city", "level", "year", "D1_1", "D1_2"]
    assert len(wide) == 2
    zz = wide.set_index("unit").loc["HN-N-ZHUZHOU"]
    assert np.isnan(zz["D1_1"]) and np.isnan(zz["D1_2"]) and zz["city"] == "株洲市"


def test_enterprise_frame_shape(db_url):
    from gaoxin.credit_code import make_credit_code
    codes = [make_credit_code(f"9143010000000{i:04d}") for i in range(3)]
    with session_scope(db_url) as s:
        repo.bulk_insert(s, Enterprise, [
            {"credit_code": codes[0], "name": "甲", "zone_code": "HN-N-CHANGSHA", "founded": date(2015, 1, 1),
             "attributes": {"is_listed": True, "market_share": 3.5}, "is_demo": False},
            {"credit_code": codes[1], "name": "乙", "zone_code": "HN-N-ZHUZHOU", "attributes": {"is_listed": False},
             "is_demo": False},
            {"credit_code": codes[2], "name": "丙", "zone_code": "HN-N-CHANGSHA", "attributes": None, "is_demo": True}])
        repo.write_observations(s, _obs([("enterprise", codes[0], "revenue", 2025, 100.0),
                                         ("enterprise", codes[0], "revenue", 2024, 90.0),
                                         ("enterprise", codes[1], "revenue", 2023, 70.0),
                                         ("enterprise", codes[1], "rd_expense", 2025, 5.0),
                                         ("enterprise", codes[1], "revenue", 2020, 1.0)]), None, False)
    with session_scope(db_url) as s:
        df = repo.enterprise_frame(s, 2025, years_back=3)
        only = repo.enterprise_frame(s, 2025, zone_code="HN-N-CHANGSHA", years_back=2)
    assert len(df) == 3
    for c in ("credit_code", "name", "zone_code", "county_code", "industry", "new_track", "founded", "is_demo",
              "is_listed", "market_share"):
        assert c in df.columns
    assert [c for c in df.columns if "_y" in c] == ["rd_expense_y0", "rd_expense_y1", "rd_expense_y2",
                                                    "revenue_y0", "revenue_y1", "revenue_y2"]
    e = df.set_index("credit_code")
    assert e.loc[codes[0], "revenue_y0"] == 100 and e.loc[codes[0], "revenue_y1"] == 90
    assert np.isnan(e.loc[codes[0], "revenue_y2"]) and e.loc[codes[1], "revenue_y2"] == 70
    assert np.isnan(e.loc[codes[2], "revenue_y0"]) and bool(e.loc[codes[2], "is_demo"])
    assert sorted(only.credit_code) == sorted([codes[0], codes[2]])
    assert [c for c in only.columns if "_y" in c] == ["revenue_y0", "revenue_y1"]


def test_record_audit(db_url):
    with session_scope(db_url) as s:
        repo.record_audit(s, "admin", "update", "observation", "1", "HN-N-CHANGSHA",
                          {"value": np.float64(1.5)}, {"value": 2.0, "at": date(2025, 1, 1)})
    with session_scope(db_url) as s:
        a = s.scalar(select(AuditLog))
        assert (a.username, a.action, a.before, a.after) == ("admin", "update", {"value": 1.5},
                                                             {"value": 2.0, "at": "2025-01-01"})
        assert a.at is not None


def test_migration_matches_models(empty_db_url):
    """The shipped migration creates exactly the schema of models.py (else run scripts/regen-migration.sh)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    init_database(empty_db_url)
    with get_engine(empty_db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models.py 与迁移不一致，请运行 scripts/regen-migration.sh：" + str(diff)[:500]

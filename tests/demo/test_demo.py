"""Demo data: deterministic for a seed, flagged 示例数据, never overwriting real rows."""
import pandas as pd
from sqlalchemy import func, select

from gaoxin.demo import build_demo, clear_demo, demo_counts, has_demo
from gaoxin.demo.targets import target_actuals
from gaoxin.demo.zones import zone_observations
from gaoxin.store import repo
from gaoxin.store.db import session_scope
from gaoxin.store.models import Enterprise, ImportBatch, Observation, TechResult

SMALL = dict(n_enterprises=60, n_results=30, n_demands=10)


def _all_obs(url):
    with session_scope(url) as s:
        df = repo.observations_frame(s)
    return df.sort_values(["unit_type", "unit_code", "indicator_code", "period"]).reset_index(drop=True)


def test_build_demo_flags_and_counts(db_url):
    with session_scope(db_url) as s:
        summary = build_demo(s, seed=7, **SMALL)
    with session_scope(db_url) as s:
        assert has_demo(s)
        counts = demo_counts(s)
        assert counts["enterprise"] == 60 and counts["tech_result"] == 30 and counts["tech_demand"] == 10
        assert s.scalar(select(func.count()).select_from(Observation).where(Observation.is_demo.is_(False))) == 0
        batch = s.get(ImportBatch, summary.batch_id)
        assert batch.kind == "demo" and batch.is_demo and "示例数据" in batch.file_name
        zones = repo.zones_frame(s)
        zobs = repo.observations_frame(s, unit_type="zone")
    assert summary.zone_observations > 0 and summary.target_observations > 0
    # every zone × every framework leaf × 2019–2025 except the ~3 % left missing on purpose
    leaves = zobs[zobs.indicator_code.str.match(r"^D\d")].indicator_code.nunique()
    full = len(zones) * leaves * 7
    got = len(zobs[zobs.indicator_code.str.match(r"^D\d")])
    assert 0.9 * full < got < full
    assert set(zobs[zobs.indicator_code.str.match(r"^D\d")].period) == set(range(2019, 2026))


def test_same_seed_same_data_and_rebuild(db_url, sqlite_db_url):
    with session_scope(db_url) as s:
        build_demo(s, seed=11, **SMALL)
    with session_scope(sqlite_db_url) as s:
        build_demo(s, seed=11, **SMALL)
    a, b = _all_obs(db_url), _all_obs(sqlite_db_url)
    pd.testing.assert_frame_equal(a, b)
    with session_scope(db_url) as s:  # rebuilding replaces, never duplicates
        build_demo(s, seed=11, **SMALL)
    pd.testing.assert_frame_equal(_all_obs(db_url), a)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.kind == "demo")) == 1


def test_demo_never_overwrites_real_rows(db_url):
    real = pd.DataFrame([("zone", "HN-N-CHANGSHA", "D1_1", 2023, -1.0)],
                        columns=["unit_type", "unit_code", "indicator_code", "period", "value"])
    with session_scope(db_url) as s:
        repo.write_observations(s, real, None, is_demo=False)
    with session_scope(db_url) as s:
        build_demo(s, seed=3, **SMALL)
    with session_scope(db_url) as s:
        df = repo.observations_frame(s, unit_type="zone", indicators=["D1_1"], years=[2023], units=["HN-N-CHANGSHA"])
        assert df.value.tolist() == [-1.0] and not df.is_demo.any()
        clear_demo(s)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Observation)) == 1
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0
        assert s.scalar(select(func.count()).select_from(TechResult)) == 0


def test_zone_generator_is_pure_and_seeded():
    zones = pd.DataFrame({"code": ["A", "B", "C"], "level": ["国家级", "省级", "省级"],
                          "city_code": ["430100", "430300", "431200"]})
    leaves = [{"code": "X1", "name": "高新技术企业数"}, {"code": "X2", "name": "园区科技金融发展状况评价", "source_type": "定性"},
              {"code": "X3", "name": "高新技术产业主营业务收入占比"}]
    a = zone_observations(zones, leaves, 5)
    b = zone_observations(zones, leaves, 5)
    c = zone_observations(zones, leaves, 6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    score = a[a.indicator_code == "X2"].value
    ratio = a[a.indicator_code == "X3"].value
    assert score.between(30, 100).all() and ratio.between(0, 100).all()
    counts = a[a.indicator_code == "X1"].value
    assert (counts == counts.round()).all() and (counts > 0).all()
    # adding an indicator does not change the others (each has its own random stream)
    d = zone_observations(zones, leaves + [{"code": "X4", "name": "新增"}], 5)
    pd.testing.assert_frame_equal(d[d.indicator_code != "X4"].reset_index(drop=True), a)


def test_target_actuals_follow_parts():
    targets = [{"id": "t1", "indicator_code": "hte", "kind": "count", "comparator": ">=", "unit": "家",
                "scope_type": "city", "scope_code": "430300", "baseline_year": 2022, "baseline_value": 100.0,
                "target_year": 2025, "target_value": 160.0}]
    parts = pd.DataFrame({"target_id": "t1", "unit_type": "county", "unit_code": "430321",
                          "year": [2023, 2024, 2025], "value": [20.0, 25.0, 30.0]})
    out = target_actuals(targets, parts, seed=1)
    city = out[out.unit_code == "430300"].set_index("period").value
    assert city.loc[2022] == 100.0                       # the baseline as given
    assert city.max() < 160 * 1.3 and city.min() > 0
    county = out[out.unit_code == "430321"]
    assert set(county.period) <= {2022, 2023, 2024, 2025}
    assert (county.set_index("period").value.drop(2022, errors="ignore") / pd.Series([20.0, 25.0, 30.0], index=[2023, 2024, 2025])).dropna().between(0.5, 1.5).all()
    pd.testing.assert_frame_equal(out, target_actuals(targets, parts, seed=1))
    assert not out.duplicated(["unit_type", "unit_code", "indicator_code", "period"]).any()

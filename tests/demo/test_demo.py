"""Demo data: deterministic for a seed, flagged 示例数据, never overwriting real rows."""
import pandas as pd
import pytest
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


# --------------------------------------------------------------------------- demo actuals vs the targets engine

def _plan_inputs():
    """The shipped plans as the demo reads them from the Target / TargetPart tables (no DB needed)."""
    from gaoxin.targets import load_targets
    targets = load_targets()
    recs = [{"id": t.id, "indicator_code": t.indicator, "kind": t.kind, "comparator": t.comparator, "unit": t.unit,
             "scope_type": t.scope.type, "scope_code": t.scope.code, "baseline_year": t.baseline_year,
             "baseline_value": t.baseline_value, "target_year": t.target_year, "target_value": t.target_value}
            for t in targets]
    parts = pd.DataFrame([(t.id, p.unit_type, p.unit_code, p.year, p.value) for t in targets
                          if t.decomposition is not None for p in t.decomposition.parts()],
                         columns=["target_id", "unit_type", "unit_code", "year", "value"])
    return targets, recs, parts


@pytest.mark.parametrize("seed", [1, 7, 20261122])
def test_demo_actuals_fit_the_targets_engine(seed):
    from gaoxin.targets import parts_progress, progress_table
    targets, recs, parts = _plan_inputs()
    obs = target_actuals(recs, parts, seed).assign(is_demo=True)
    prog = progress_table(targets, obs, 2024).set_index("id")

    # cumulative targets get yearly amounts: mid-period the sum is not past the whole-period target
    cum = prog[(prog["kind"] == "cumulative") & (prog["time_elapsed"] < 1) & prog["actual"].notna()]
    assert len(cum) >= 4
    assert (cum["progress"] <= 1.0).all(), cum[["progress", "time_elapsed"]]
    assert (cum["progress"] <= 1.6 * cum["time_elapsed"]).all()
    # growth targets get the underlying level (亿元), judged on its growth rate: ratios near a pace, not %
    growth = prog[(prog["kind"] == "growth") & prog["status_ratio"].notna()]
    assert len(growth) >= 3 and growth["status_ratio"].between(0.1, 3.0).all()
    for tid in growth.index:
        t = next(x for x in targets if x.id == tid)
        rows = obs[(obs.indicator_code == t.indicator) & (obs.unit_code == str(t.scope.code))]
        assert rows["value"].min() > 20   # a level, not a 10–25 % rate
    # counts are whole numbers
    counts = obs[obs["unit_of_measure"].isin(["家", "个"])]["value"]
    assert (counts == counts.round()).all()

    # scope targets of plans running in 2024 are spread over the statuses, not all done / all behind
    running = prog[prog["plan"].isin(["hunan-sei-2021-2025", "xiangjiang-st-system-2023-2026", "xiangtan-133-2023-2025"])]
    shares = running["status"].value_counts(normalize=True)
    assert len(shares) >= 3 and shares.max() < 0.6, shares
    # seed 001's 2019 goals, checked in 2024, are either done or overdue
    assert set(prog.loc[prog["plan"] == "hunan-zones-2017-2019", "status"]) <= {"已完成", "逾期未完成", "数据缺失"}
    assert (prog["status"] == "逾期未完成").any()

    # decomposed units (附件1–5) for 2024: several statuses, none dominating
    unit_status = pd.concat([parts_progress(t, obs, 2024)["status"] for t in targets
                             if t.decomposition is not None and t.decomposition.kind == "table"
                             and 2024 in t.decomposition.years])
    judged = unit_status[unit_status.isin(["已完成", "进度正常", "进度滞后", "严重滞后"])]
    shares = judged.value_counts(normalize=True)
    assert len(judged) >= 30 and len(shares) >= 3 and shares.max() < 0.7, shares
    assert {"已完成", "严重滞后"} <= set(shares.index)


def test_demo_actuals_units_and_determinism():
    targets, recs, parts = _plan_inputs()
    a = target_actuals(recs, parts, 5)
    pd.testing.assert_frame_equal(a, target_actuals(recs, parts, 5))
    assert not a.equals(target_actuals(recs, parts, 6))
    # a growth target's series is stored in its level unit (亿元), not in %
    rd = a[(a.indicator_code == "rd_expenditure") & (a.unit_type == "province")]
    assert len(rd) and set(rd["unit_of_measure"]) == {"亿元"}
    # some years are left missing on purpose
    per_key = a.groupby(["unit_type", "unit_code", "indicator_code"])["period"].agg(["min", "max", "count"])
    assert ((per_key["max"] - per_key["min"] + 1) > per_key["count"]).any()


def test_demo_has_no_gap_indicator():
    from gaoxin.demo import _leaves
    codes = {leaf["code"] for leaf in _leaves()}
    assert "D4" not in codes and {"D1_1", "D3_7"} <= codes


# --------------------------------------------------------------------------- zone data: realistic correlation structure

def _zone_wide(seed: int):
    import gaoxin.reference as ref
    from gaoxin.demo import _leaves
    zones = ref.load_zones()[["code", "level", "city_code"]].copy()
    zones["city_code"] = zones["city_code"].astype(str).str.split(".").str[0]
    obs = zone_observations(zones, _leaves(), seed)
    wide = obs[obs.period == 2024].pivot(index="unit_code", columns="indicator_code", values="value")
    fw = ref.load_framework("hunan-provincial-2017")
    dims = {n["code"]: [c["code"] for c in n["children"]] for n in fw["nodes"][0]["children"] if n.get("children")}
    return wide, dims


@pytest.mark.parametrize("seed", [20261122, 1, 2])
def test_zone_indicators_are_not_collinear(seed):
    """Indicators of one dimension correlate moderately, dimensions rank zones differently."""
    import numpy as np
    wide, dims = _zone_wide(seed)
    assert set(dims) == {"D1", "D2", "D3"} and len(wide) > 40
    pct = wide.rank(pct=True)
    for d, kids in dims.items():
        c = wide[kids].corr(method="spearman").to_numpy()
        r = c[np.triu_indices(len(kids), 1)]
        assert 0.15 <= np.median(r) <= 0.7, (d, np.median(r))
        assert (r > 0.9).mean() <= 0.05, (d, r.max())
        # Cronbach's alpha of the rank-standardised items stays below the ≈0.98 of near-duplicates
        x = pct[kids].dropna().to_numpy()
        cov = np.cov(x, rowvar=False)
        k = len(kids)
        assert k / (k - 1) * (1 - np.trace(cov) / cov.sum()) < 0.95
    score = pd.DataFrame({d: pct[kids].mean(axis=1) for d, kids in dims.items()})
    rho = score.corr(method="spearman").to_numpy()[np.triu_indices(3, 1)]
    assert rho.max() < 0.85 and rho.min() > 0.0, rho   # related (a good zone tends to be good) but not the same
    ranks = score.rank(ascending=False)
    assert ((ranks.max(axis=1) - ranks.min(axis=1)) >= 15).sum() >= 5   # strong in one, weak in another


def test_zone_magnitudes_are_plausible():
    wide, dims = _zone_wide(20261122)
    assert (wide["D2_5"].dropna() >= 1).all() and wide["D2_5"].median() < 30      # listed companies per zone
    assert wide["D3_1"].median() < 5                                               # returnees: a few %
    for c in ("D2_1", "D3_1", "D3_2"):
        assert wide[c].dropna().between(0, 100).all()
    national = wide.index.str.startswith("HN-N-")
    assert wide.loc[national, "D2_3"].median() > wide.loc[~national, "D2_3"].median()  # national zones are bigger

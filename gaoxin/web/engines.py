"""Adapters from the web shell to the engine facades (gaoxin.index, gaoxin.targets,
gaoxin.enterprise, gaoxin.matching) and the report builders. Only plumbing: read frames from the
store, call the engine, shape the result for JSON/tables. No policy is computed here."""
from __future__ import annotations

import functools
import importlib
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.paths import REFERENCE_DIR
from gaoxin.store.models import Enterprise, TechDemand

RANK_LABELS = {"rank": "排名", "unit": "园区代码", "name": "园区名称", "short_name": "简称", "city": "所在市州", "level": "级别",
               "score": "综合得分", "rank_low": "排名区间（高）", "rank_high": "排名区间（低）"}
RUN_LABELS = {"id": "编号", "framework": "指标体系", "year": "年度", "published": "已发布", "is_demo": "示例数据",
              "created_by": "创建人", "created_at": "创建时间"}
TARGET_LABELS = {"target_id": "目标编号", "plan_id": "规划", "indicator_name": "指标", "scope_name": "范围",
                 "unit": "单位", "baseline_year": "基期", "baseline_value": "基期值", "target_year": "目标年",
                 "target_value": "目标值", "actual_year": "最新年份", "actual": "最新值", "progress": "完成进度",
                 "time_elapsed": "时间进度", "status": "状态", "light": "信号灯", "message": "说明",
                 "kind": "目标类型", "actual_level": "最新水平", "level_unit": "水平单位", "plan_active": "规划在期",
                 "warning_group": "预警类别"}
ENT_LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "zone_code": "园区", "industry": "产业",
              "rung": "梯度层级", "points": "创新积分"}
POOL_LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "rung": "目标层级", "gaps": "差距",
               "unknown": "无法判断的条件"}
SUBSIDY_LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "item": "奖补事项", "payer": "资金来源",
                  "amount": "金额（万元）", "basis": "测算依据", "source": "政策依据"}
MATCH_LABELS = {"rank": "序号", "code": "成果编号", "title": "成果名称", "institution": "完成单位", "field": "领域",
                "score": "匹配度", "explanation": "匹配理由"}
DEMAND_LABELS = {"code": "需求编号", "enterprise_name": "企业", "zone_code": "园区", "title": "需求", "field": "领域",
                 "budget_wan": "预算（万元）"}
ROADSHOW_LABELS: dict = {}  # plan_roadshows already returns Chinese column names


class EngineUnavailable(HTTPException):
    def __init__(self, what: str):
        super().__init__(503, f"{what}模块尚未安装或尚未完成，暂不可用")


def _engine(module: str, what: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise EngineUnavailable(what)
        raise


# --- map ------------------------------------------------------------------------------------------

def geojson_path() -> Path:
    return Path(os.environ.get("GAOXIN_MAP_GEOJSON") or REFERENCE_DIR / "map" / "hunan.geojson")


@functools.lru_cache(maxsize=2)
def _geojson_cached(path: str, mtime: float) -> bytes:
    return Path(path).read_bytes()


def geojson_bytes() -> bytes:
    p = geojson_path()
    if not p.exists():
        raise HTTPException(503, f"地图文件不存在：{p}（请放置湖南省市州边界 GeoJSON）")
    return _geojson_cached(str(p), p.stat().st_mtime)


# --- overview -------------------------------------------------------------------------------------

def overview(db: Session, user: Principal, year: int | None) -> dict:
    return _cached(("overview", user.role, tuple(sorted(user.zones)), year, _stamp(db)),
                   lambda: _overview(db, user, year))


def _overview(db: Session, user: Principal, year: int | None) -> dict:
    from gaoxin.store.repo import zones_frame
    zones = zones_frame(db)
    scores = {}
    meta = {}
    try:
        df, meta = ranking(db, user, year, None)
        scores = dict(zip(df["unit"], df["score"]))
    except HTTPException:
        pass  # no ranking visible (not published / engine missing): map shows zones without scores
    cities = []
    for (code, name), g in zones.groupby(["city_code", "city_name"], sort=True):
        zl = [{"code": r.code, "name": r.name, "short_name": r.short_name, "level": r.level,
               "score": _num(scores.get(r.code))} for r in g.itertuples()]
        vals = [z["score"] for z in zl if z["score"] is not None]
        cities.append({"code": code, "name": name, "zones": zl, "n_zones": len(zl),
                       "n_national": sum(1 for z in zl if z["level"] == "国家级"),
                       "score": round(sum(vals) / len(vals), 2) if vals else None})
    goals, goals_meta = [], {}
    try:
        tdf, tmeta = targets_progress(db, user, None, None, headline=True)
        goals = [dict(r) for r in _records(tdf.head(8))]
        from gaoxin.targets.plans import load_plans
        names = {pl.id: pl.name for pl in load_plans()}
        goals_meta = {"as_of": tmeta["as_of"],
                      "plans": [names.get(pid, pid) for pid in dict.fromkeys(r["plan_id"] for r in goals)]}
    except HTTPException:
        pass
    return {"cities": cities, "goals": goals, "goals_meta": goals_meta, "year": meta.get("year"),
            "is_demo": meta.get("is_demo", False),
            "n_zones": int(len(zones)), "n_national": int((zones["level"] == "国家级").sum())}


def _num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else round(f, 2)


def _records(df: pd.DataFrame):
    from gaoxin.web.tables import records
    return records(df)


# --- evaluation (gaoxin.index) ---------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def settings() -> dict:
    import yaml
    return yaml.safe_load((Path(__file__).with_name("settings.yaml")).read_text(encoding="utf-8"))


def default_framework() -> str:
    return os.environ.get("GAOXIN_FRAMEWORK") or settings()["evaluation"]["framework"]


_EVAL_CACHE: dict = {}
_FRAMEWORK_NAME = __import__("re").compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _stamp(db: Session) -> tuple:
    """A data version: any import, demo build or audited change bumps one of these ids, so cached
    results are recomputed after a write. Logins (entity "session") do not count."""
    from sqlalchemy import func
    from gaoxin.store.models import AuditLog, ImportBatch, Observation
    url = str(db.get_bind().url)
    row = db.execute(select(select(func.max(Observation.id)).scalar_subquery(),
                            select(func.max(ImportBatch.id)).scalar_subquery(),
                            select(func.max(AuditLog.id)).where(AuditLog.entity != "session").scalar_subquery())).one()
    return (url,) + tuple(row)  # one round trip per request


_COMPUTE_LOCK = __import__("threading").RLock()


def _cached(key, compute):
    """Compute once per key even when many requests miss at the same time (no thundering herd)."""
    if key in _EVAL_CACHE:
        return _EVAL_CACHE[key]
    with _COMPUTE_LOCK:
        if key not in _EVAL_CACHE:
            if len(_EVAL_CACHE) > 64:
                for k in [k for k in list(_EVAL_CACHE) if k[0] != "matcher"]:  # list(): the index
                    _EVAL_CACHE.pop(k, None)                                   # thread may insert meanwhile
            _EVAL_CACHE[key] = compute()
        return _EVAL_CACHE[key]


def _user_error(exc: Exception) -> HTTPException:
    return HTTPException(422, f"综合评价无法计算：{exc}")


def evaluation(db: Session, framework: str | None = None):
    """(framework, data, IndexResult over all years), cached until the data change."""
    index = _engine("gaoxin.index", "综合评价")
    name = framework or default_framework()

    if not _FRAMEWORK_NAME.fullmatch(name):
        # a request names a framework, never a path: nothing is looked up and nothing quoted
        raise HTTPException(404, "未知的指标体系：请从页面提供的指标体系中选择")

    def compute():
        from gaoxin.store.repo import zone_indicator_frame
        try:
            fw = index.load_framework(name)
        except index.USER_ERRORS:
            raise HTTPException(404, "未知的指标体系：请从页面提供的指标体系中选择") from None
        data = zone_indicator_frame(db, fw.indicators + fw.denominators)
        if data.empty:
            raise HTTPException(404, "数据库中还没有高新区指标数据，请先在“数据管理”中导入")
        try:
            res = index.evaluate(fw, data)
        except index.USER_ERRORS as exc:
            raise _user_error(exc)
        return fw, data, res, _has_demo_obs(db, fw.indicators)
    return _cached(("eval", name, _stamp(db)), compute)


def _has_demo_obs(db: Session, indicators) -> bool:
    from gaoxin.store.models import Observation
    return db.scalar(select(Observation.id).where(Observation.unit_type == "zone", Observation.is_demo.is_(True),
                                                  Observation.indicator_code.in_(list(indicators))).limit(1)) is not None


def _years_of(res) -> list[int]:
    return sorted(int(y) for y in res.rows["year"].unique())


def _pick_year(res, year: int | None) -> int:
    years = _years_of(res)
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise HTTPException(404, f"{year} 年没有评价数据，可选年度：{'、'.join(map(str, years))}")
    return int(year)


def ranking_frame(db: Session, year: int | None, framework: str | None = None):
    """Ranking table of one year (computed live, cached until the data change) and its meta."""
    df, meta = _cached(("rankf", year, framework, _stamp(db)), lambda: _ranking_frame(db, year, framework))
    return df, dict(meta)


def _ranking_frame(db: Session, year: int | None, framework: str | None = None):
    fw, data, res, is_demo = evaluation(db, framework)
    y = _pick_year(res, year)
    tb = res.table()
    tb = tb[tb["year"] == y].reset_index(drop=True)
    dims = fw.children(fw.root)
    meta_cols = res.rows[["unit", "city", "level"]].drop_duplicates("unit")
    out = tb[["rank", "unit", "name"]].merge(meta_cols, on="unit", how="left")
    out["score"] = tb[fw.root].round(2).to_numpy()
    for d in dims:
        out[d] = tb[d].round(2).to_numpy()
    out["rank"] = out["rank"].astype("Int64")
    labels = {**RANK_LABELS, **{d: fw.nodes[d].name for d in dims}}
    return out, {"year": y, "framework": framework or default_framework(), "framework_name": fw.name,
                 "is_demo": is_demo, "years": _years_of(res), "dimension_labels": labels}


def _published_run(db: Session, framework: str, year: int | None):
    from gaoxin.store.models import EvaluationRun as R
    stmt = select(R).where(R.framework == framework, R.published.is_(True))
    if year is not None:
        stmt = stmt.where(R.year == int(year))
    return db.scalar(stmt.order_by(R.year.desc(), R.id.desc()).limit(1))


def _short_names(db: Session) -> dict:
    from gaoxin.store.repo import zones_frame
    def build():
        z = zones_frame(db)
        return dict(zip(z["code"], z["short_name"].where(z["short_name"].notna(), z["name"])))
    return _cached(("short_names", _stamp(db)), build)


def _with_short_name(df: pd.DataFrame, db: Session) -> pd.DataFrame:
    """Adds `short_name` after `name` (长沙高新区 for 长沙高新技术产业开发区) for tables and charts."""
    if df.empty or "unit" not in df or "short_name" in df:
        return df
    short = df["unit"].map(_short_names(db))
    df = df.copy()
    df.insert(list(df.columns).index("name") + 1 if "name" in df else len(df.columns), "short_name",
              short.where(short.notna(), df.get("name")))
    return df


def ranking(db, user, year, framework):
    df, meta = _ranking(db, user, year, framework)
    return _with_short_name(df, db), meta


def _ranking(db, user, year, framework):
    name = framework or default_framework()
    run = _published_run(db, name, year)
    if user.role == roles.ZONE_USER:
        # zone users see other zones only in a published ranking
        if run is None:
            raise HTTPException(403, f"{year or '最新'}年度排名尚未发布：高新区用户只能查看已发布的排名")
        df = pd.DataFrame(run.results["ranking"])
        return df, {"year": run.year, "framework": name, "framework_name": run.results.get("framework_name", ""),
                    "published": True, "is_demo": run.is_demo, "note": "已发布的排名"}
    df, meta = ranking_frame(db, year, name)
    meta["published"] = run is not None and run.year == meta["year"]
    return df, meta




def publish(db, admin, year, framework):
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import EvaluationRun
    fw, data, res, is_demo = evaluation(db, framework)
    df, meta = ranking_frame(db, year, framework)
    results = {"ranking": _records(df), "framework_name": meta["framework_name"],
               "labels": meta["dimension_labels"]}
    run = EvaluationRun(framework=meta["framework"], year=meta["year"], method=res.spec.to_dict(),
                        results=results, published=True, is_demo=is_demo, created_by=admin.username)
    db.add(run)
    db.flush()
    record_change(db, admin.username, "publish", "evaluation_run", str(run.id), None, None,
                  {"framework": run.framework, "year": run.year, "units": len(df)})
    return {"id": run.id, "year": run.year, "published": True, "detail": f"已发布 {run.year} 年度排名（{len(df)} 个园区）"}


def uncertainty_stats(db: Session, year: int, framework: str | None = None) -> pd.DataFrame:
    index = _engine("gaoxin.index", "综合评价")
    fw, data, res, _ = evaluation(db, framework)
    def compute():
        cfg = settings()["evaluation"]["uncertainty"]
        try:
            ua = index.uncertainty(fw, data, None, cfg["vary"], runs=int(cfg["runs"]), seed=int(cfg["seed"]), year=year)
        except index.USER_ERRORS as exc:
            raise _user_error(exc)
        return ua.rank_stats()
    return _cached(("ua", framework or default_framework(), year, _stamp(db)), compute)


def zone_profile(db, zone_code, year, framework):
    return _cached(("profile", zone_code, year, framework, _stamp(db)),
                   lambda: _zone_profile(db, zone_code, year, framework))


def _zone_profile(db, zone_code, year, framework):
    fw, data, res, is_demo = evaluation(db, framework)
    y = _pick_year(res, year)
    units = res.rows.loc[res.rows["year"] == y, "unit"].astype(str)
    if zone_code not in set(units):
        raise HTTPException(404, f"{y} 年评价结果中没有高新区 {zone_code}（可能缺少数据）")
    sc, rk = res.scores, res.ranks
    key = (zone_code, y) if isinstance(sc.index, pd.MultiIndex) else zone_code
    year_scores = sc.xs(y, level="year") if isinstance(sc.index, pd.MultiIndex) else sc
    dims = fw.children(fw.root)
    n = settings()["evaluation"]["strengths_n"]
    sw = res.strengths_weaknesses(zone_code, n=n, year=y)
    raw_row = data[(data["unit"] == zone_code) & (data["year"] == y)]
    def with_values(df):
        df = df.copy()
        df["value"] = [None if raw_row.empty else raw_row.iloc[0].get(c) for c in df["code"]]
        return _records(df.round(2))
    contrib = res.contributions(zone_code, year=y)
    contrib = contrib[contrib["code"].isin(fw.indicators)].head(15).round(3)
    history = []
    for yy in _years_of(res):
        k = (zone_code, yy) if isinstance(sc.index, pd.MultiIndex) else zone_code
        if k in sc.index:
            history.append({"year": yy, "score": _num(sc.loc[k, fw.root]), "rank": _num(rk.loc[k, fw.root])})
    prev = [h for h in history if h["year"] == y - 1]
    score = _num(sc.loc[key, fw.root])
    try:
        ua = uncertainty_stats(db, y, framework)
        row = ua[ua["unit"] == zone_code].iloc[0]
        interval = [int(row["q05"]), int(row["q95"])]
    except (HTTPException, IndexError, ValueError):
        interval = None
    dmax = float(year_scores[dims].max().max())
    rank = rk.loc[key, fw.root]
    return {"zone": zone_code, "year": y, "framework_name": fw.name, "score": score,
            "rank": None if rank != rank else int(rank), "n_units": int(len(units)), "rank_interval": interval,
            "yoy": None if not prev or prev[0]["score"] is None or score is None else round(score - prev[0]["score"], 2),
            "dimensions": [{"code": d, "name": fw.nodes[d].name, "score": _num(sc.loc[key, d]),
                            "mean": _num(year_scores[d].mean())} for d in dims],
            "dimension_max": float(10 * math.ceil(dmax / 10)) if dmax == dmax else 100.0,
            "strengths": with_values(sw[sw["kind"] == "strength"]),
            "weaknesses": with_values(sw[sw["kind"] == "weakness"]),
            "contributions": _records(contrib), "history": history, "is_demo": is_demo}


def zone_profile_for(db, user, zone_code, year, framework):
    """A zone's profile as this user may see it: before the year's ranking is published a zone user
    sees its own scores and indicator values, but no rank and nothing compared with other zones."""
    p = zone_profile(db, zone_code, year, framework)
    if user.role != roles.ZONE_USER:
        return p
    name = framework or default_framework()
    published = {r for (r,) in db.execute(select(_run_model().year).where(_run_model().framework == name,
                                                                          _run_model().published.is_(True)))}
    if p["year"] in published:
        return p
    p = dict(p)
    p.update(rank=None, n_units=None, rank_interval=None, yoy=p["yoy"], published=False,
             note=f"{p['year']} 年度排名尚未发布：仅显示本园区的得分和指标值，不显示排名和全省比较")
    p["dimensions"] = [{**d, "mean": None} for d in p["dimensions"]]
    p["strengths"] = [{k: v for k, v in r.items() if k != "rank"} for r in p["strengths"]]
    p["weaknesses"] = [{k: v for k, v in r.items() if k != "rank"} for r in p["weaknesses"]]
    p["history"] = [{**h, "rank": h["rank"] if h["year"] in published else None} for h in p["history"]]
    return p


def _run_model():
    from gaoxin.store.models import EvaluationRun
    return EvaluationRun


def runs(db, user):
    from gaoxin.store.models import EvaluationRun as R
    stmt = select(R.id, R.framework, R.year, R.published, R.is_demo, R.created_by, R.created_at)
    if user.role == roles.ZONE_USER:
        stmt = stmt.where(R.published.is_(True))
    return pd.DataFrame(db.execute(stmt.order_by(R.id.desc())).all(), columns=list(RUN_LABELS))


# --- targets (gaoxin.targets) ----------------------------------------------------------------------

LIGHTS = {"已完成": "green", "进度正常": "green", "进度滞后": "yellow", "严重滞后": "red", "逾期未完成": "red",
          "数据缺失": "grey", "目标未列": "grey"}  # display colour of the engine's status labels (gaoxin.targets.status)


def _targets_data(db: Session, plan: str | None = None):
    _engine("gaoxin.targets.plans", "目标监测")
    from gaoxin.targets.plans import load_targets
    from gaoxin.store.repo import observations_frame
    try:
        targets = load_targets(plan=plan)
    except ValueError as exc:
        raise HTTPException(404, str(exc))
    inds = sorted({t.indicator for t in targets})
    return targets, _cached(("tobs", plan, _stamp(db)), lambda: observations_frame(db, indicators=inds))


def _as_of(obs: pd.DataFrame, as_of: int | None) -> int:
    if as_of is not None:
        return int(as_of)
    return int(obs["period"].max()) if len(obs) else __import__("datetime").date.today().year - 1


def _visible_target(user: Principal, scope_type: str, scope_code: str) -> bool:
    return scope_type != "zone" or roles.can_read_zone(user, scope_code)


def _shape_progress(p: pd.DataFrame) -> pd.DataFrame:
    # A growth target (年均增长率, unit %) is compared with the engine's actual CAGR, not with the level
    # the CAGR is computed from: "最新值" is the rate in %, the level goes to actual_level / level_unit.
    growth = (p["kind"] == "growth").to_numpy() if "kind" in p else np.zeros(len(p), dtype=bool)
    level = pd.to_numeric(p["actual"], errors="coerce")
    cagr = pd.to_numeric(p["actual_cagr"], errors="coerce") * 100 if "actual_cagr" in p else level * np.nan
    out = pd.DataFrame({
        "target_id": p["id"], "plan_id": p["plan"], "indicator_name": p["indicator_name"], "scope_name": p["scope_name"],
        "unit": p["unit"], "baseline_year": p["baseline_year"], "baseline_value": p["baseline_value"],
        "target_year": p["target_year"], "target_value": p["target_value"], "actual_year": p["actual_year"],
        "actual": np.where(growth, cagr, level), "progress": p["progress"], "time_elapsed": p["time_elapsed"],
        "status": p["status"], "light": p["status"].map(LIGHTS).fillna("grey"), "message": p["status_reason"].fillna(""),
        "kind": p["kind"] if "kind" in p else None,
        "actual_level": level, "level_unit": p["level_unit"] if "level_unit" in p else p["unit"],
        "plan_active": p["plan_active"] if "plan_active" in p else True,
        "is_demo": p["is_demo"],
    })
    if "warning_group" in p:
        out.insert(0, "warning_group", p["warning_group"])
    if "gap_text" in p:
        out["message"] = (p["gap_text"].fillna("") + "　" + p.get("effort_text", "").fillna("")).str.strip()
    for c in ("actual", "actual_level", "progress", "time_elapsed", "baseline_value", "target_value"):
        out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out.reset_index(drop=True)


def _plan_periods() -> dict:
    from gaoxin.targets.plans import load_plans
    return {pl.id: (pl.start_year, pl.end_year) for pl in load_plans()}


def _progress(db: Session, user: Principal, as_of: int | None, plan: str | None):
    scope = tuple(sorted(user.zones)) if user.role == roles.ZONE_USER else None
    return _cached(("progress", scope, as_of, plan, _stamp(db)), lambda: _progress_raw(db, user, as_of, plan))


def _progress_raw(db: Session, user: Principal, as_of: int | None, plan: str | None):
    from gaoxin.targets.monitor import active_first, progress_table
    targets, obs = _targets_data(db, plan)
    y = _as_of(obs, as_of)
    targets = [t for t in targets if _visible_target(user, t.scope.type, str(t.scope.code))]
    try:
        p = progress_table(targets, obs, y)
    except ValueError as exc:
        raise HTTPException(422, f"目标进度无法计算：{exc}")
    # plan_active (the plan's period contains as-of) comes from the targets engine; in-force plans first
    return active_first(p, _plan_periods(), y), y


def _scope_key(user: Principal):
    return tuple(sorted(user.zones)) if user.role == roles.ZONE_USER else None


def targets_progress(db, user, as_of, plan, headline=False, active=False):
    return _cached(("tprog", _scope_key(user), as_of, plan, headline, active, _stamp(db)),
                   lambda: _targets_progress(db, user, as_of, plan, headline, active))


def _targets_meta(out: pd.DataFrame, p: pd.DataFrame, y: int, active: bool) -> dict:
    return {"as_of": y, "is_demo": bool(out["is_demo"].any()) if len(out) else False, "active_only": active,
            "n_active": int(p["plan_active"].sum()) if "plan_active" in p else 0, "n_all": int(len(p))}


def _targets_progress(db, user, as_of, plan, headline=False, active=False):
    p, y = _progress(db, user, as_of, plan)
    n_all = p
    if headline:
        hp = settings().get("targets", {}).get("headline_plan")
        p = p[p["scope_type"] == "province"] if hp is None else p[p["plan"] == hp]
        if hp is None and "plan_active" in p and p["plan_active"].any():
            p = p[p["plan_active"]]  # headline goals: plans in force in the as-of year
    if active and "plan_active" in p:
        p = p[p["plan_active"]]
    out = _shape_progress(p)
    return out, _targets_meta(out, n_all, y, active)


def target_warnings(db, user, as_of, active=False):
    return _cached(("twarn", _scope_key(user), as_of, active, _stamp(db)),
                   lambda: _target_warnings(db, user, as_of, active))


def _target_warnings(db, user, as_of, active=False):
    from gaoxin.targets.warning import warnings
    p, y = _progress(db, user, as_of, None)
    n_all = p
    if active and "plan_active" in p:
        p = p[p["plan_active"]]
    out = _shape_progress(warnings(p))
    return out, _targets_meta(out, n_all, y, active)


PART_LABELS = {"unit_name": "单位", "responsible": "责任单位", "target_value": "年度目标", "actual": "完成值",
               "progress": "完成率", "status": "状态", "light": "信号灯"}


def target_detail(db, user, target_id, as_of):
    from gaoxin.targets.monitor import parts_progress, progress_table
    targets, obs = _targets_data(db)
    hit = [t for t in targets if t.id == target_id]
    if not hit:
        raise HTTPException(404, f"目标编号“{target_id}”不存在")
    t = hit[0]
    if not _visible_target(user, t.scope.type, str(t.scope.code)):
        raise HTTPException(403, f"无权查看高新区 {t.scope.code} 的目标")
    y = _as_of(obs, as_of)
    head = _shape_progress(progress_table([t], obs, y)).iloc[0].to_dict()
    parts = pd.DataFrame(columns=list(PART_LABELS))
    if t.decomposition is not None:
        pp = parts_progress(t, obs, y)
        visible = [_visible_target(user, ut, str(uc)) for ut, uc in zip(pp["unit_type"], pp["unit_code"])]
        pp = pp[visible]
        parts = pd.DataFrame({"unit_name": pp["unit_name"], "responsible": pp["responsible"],
                              "target_value": pp["target_value"], "actual": pp["actual"],
                              "progress": pd.to_numeric(pp["progress"], errors="coerce").round(4),
                              "status": pp["status"], "light": pp["status"].map(LIGHTS).fillna("grey")})
    def label(name, value, unit, status=None):
        v = "—" if value is None or value != value else f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{name}：{v}{unit or ''}" + (f"（{status}）" if status else "")
    tree = {"name": label(t.scope.name + " " + t.indicator_name, t.target_value, t.unit, head.get("status")),
            "children": [{"name": label(r["unit_name"], r["target_value"], t.unit, r["status"])}
                         for r in _records(parts)]}
    return {"target": {k: _clean_value(v) for k, v in head.items()}, "as_of": y, "tree": tree,
            "parts": {"columns": list(PART_LABELS), "labels": PART_LABELS, "rows": _records(parts)},
            "source": t.source}


def _clean_value(v):
    from gaoxin.web.tables import _clean
    return _clean(v)


# --- enterprises ----------------------------------------------------------------------------------

def enterprise_zone(db: Session, credit_code: str) -> str | None:
    row = db.execute(select(Enterprise.zone_code).where(Enterprise.credit_code == credit_code)).first()
    if row is None:
        raise HTTPException(404, f"统一社会信用代码为“{credit_code}”的企业不存在")
    return row[0]


def _ent_year(db: Session, as_of: int | None) -> int:
    if as_of is not None:
        return int(as_of)
    from sqlalchemy import func
    from gaoxin.store.models import Observation
    y = db.scalar(select(func.max(Observation.period)).where(Observation.unit_type == "enterprise"))
    return int(y) if y is not None else __import__("datetime").date.today().year - 1


def _ent_core(db: Session, zone: str | None, as_of: int | None):
    """(frame, Judgement, points frame, year) for one zone (or all), cached until the data change."""
    E = _engine("gaoxin.enterprise", "企业培育")
    y = _ent_year(db, as_of)
    def compute():
        from gaoxin.store.repo import enterprise_frame
        frame = enterprise_frame(db, y, zone_code=zone)
        if frame.empty:
            return frame, None, pd.DataFrame(), y
        try:
            return frame, E.judge(frame, as_of=y), E.innovation_points(frame, as_of=y), y
        except (E.EnterpriseDataError, E.RuleError) as exc:
            raise HTTPException(422, f"企业数据无法判定：{exc}")
    return _cached(("ent", zone, y, _stamp(db)), compute)


def enterprise_list(db, user, zone, as_of, rung, limit):
    return _cached(("entlist", _scope_key(user), zone, as_of, rung, limit, _stamp(db)),
                   lambda: _enterprise_list(db, user, zone, as_of, rung, limit))


def _enterprise_list(db, user, zone, as_of, rung, limit):
    if zone is None and user.role == roles.ZONE_USER:
        if len(user.zones) != 1:
            raise HTTPException(400, "请用 zone 参数指定高新区")
        zone = next(iter(user.zones))
    frame, j, pts, y = _ent_core(db, zone, as_of)
    if j is None:
        return pd.DataFrame(columns=list(ENT_LABELS)), {"as_of": y, "is_demo": False, "total": 0}
    out = frame[["credit_code", "name", "zone_code", "industry"]].copy()
    out["industry"] = out["industry"].map(lambda c: _industry_names().get(c, c))
    out["rung"] = pd.Series(j.highest_rung, index=frame.index).fillna("（未达任一层级）")
    out["points"] = pts.set_index("credit_code").reindex(out["credit_code"])["points"].to_numpy()
    if rung:
        out = out[out["rung"] == rung]
    out = out.sort_values("points", ascending=False, kind="stable")
    total = len(out)
    return out.head(limit).reset_index(drop=True), {"as_of": y, "is_demo": bool(frame["is_demo"].any()),
                                                    "total": total}


@functools.lru_cache(maxsize=1)
def _industry_names() -> dict:
    try:
        from gaoxin.reference import load_industries
        return {i["code"]: i["name"] for i in load_industries()}
    except (ImportError, KeyError):
        return {}


def _flatten_conditions(conds, out: list, depth: int = 0) -> None:
    for c in conds:
        if "conditions" in c and c.get("group"):
            out.append({"condition": "　" * depth + f"（{c['group']}）", "status": c.get("status_zh"), "detail": ""})
            _flatten_conditions(c["conditions"], out, depth + 1)
        else:
            out.append({"condition": "　" * depth + (c.get("name") or ""), "status": c.get("status_zh"),
                        "detail": c.get("text") or "", "source": c.get("source") or ""})


def enterprise_profile(db, credit_code, as_of):
    return _cached(("entprof", credit_code, as_of, _stamp(db)), lambda: _enterprise_profile(db, credit_code, as_of))


def _enterprise_profile(db, credit_code, as_of):
    E = _engine("gaoxin.enterprise", "企业培育")
    zone = enterprise_zone(db, credit_code)
    frame, j, pts, y = _ent_core(db, zone, as_of)
    hit = frame.index[frame["credit_code"] == credit_code]
    if j is None or not len(hit):
        raise HTTPException(404, f"{y} 年没有企业 {credit_code} 的数据")
    i = int(frame.index.get_loc(hit[0]))
    ex = j.explain(i)
    judgements = []
    for rung_name, jd in ex["judgements"].items():
        fails = []
        _flatten_conditions(jd.get("conditions", []), fails)
        bad = [f["condition"].strip() + "：" + f["detail"] for f in fails
               if f["status"] in ("不符合", "无法判断") and f["detail"]]
        judgements.append({"rung": rung_name, "passed": jd.get("status") == "pass", "status": jd.get("status_zh"),
                           "detail": "；".join(bad[:4]) if bad else "各项条件均符合",
                           "source": jd.get("document") or ""})
    prow = pts[pts["credit_code"] == credit_code]
    points = []
    if len(prow):
        r = prow.iloc[0]
        points = [{"item": "创新积分", "value": _num(r["points"])}, {"item": "等级", "value": f"{r['grade']}（{r['grade_name']}）"},
                  {"item": "成长阶段", "value": r["stage_name"]},
                  {"item": "同组排名", "value": f"{int(r['rank_in_peer'])}（超过同组 {r['percentile_in_peer'] * 100:.0f}% 企业）"}]
        for g, label in (("group_tech", "技术创新指标得分"), ("group_business", "成长经营指标得分"), ("group_aux", "辅助指标得分")):
            if g in r:
                points.append({"item": label, "value": _num(r[g])})
    try:
        sub = E.subsidies(frame.iloc[[i]], year=y)
    except (E.EnterpriseDataError, E.RuleError):
        sub = pd.DataFrame()
    sub_rows = pd.DataFrame({"item": sub.get("rule", []), "amount": sub.get("amount", []),
                             "basis": sub.get("basis", []), "source": sub.get("source", [])})
    from gaoxin.store.repo import zones_frame
    zf = zones_frame(db).set_index("code")
    return {"credit_code": credit_code, "name": ex.get("name"), "zone_code": zone,
            "zone_name": zf["name"].get(zone) if zone in zf.index else zone, "rung": ex.get("rung") or "（未达任一层级）",
            "as_of": y, "is_demo": bool(ex.get("is_demo")),
            "judgements": {"columns": ["rung", "passed", "detail", "source"],
                           "labels": {"rung": "层级", "passed": "判定", "detail": "条件（不符合或无法判断的）", "source": "依据"},
                           "rows": judgements},
            "points": {"columns": ["item", "value"], "labels": {"item": "项目", "value": "结果"}, "rows": points},
            "subsidies": {"columns": ["item", "amount", "basis", "source"],
                          "labels": {"item": "奖补事项", "amount": "金额（万元）", "basis": "测算依据", "source": "政策来源"},
                          "rows": _records(sub_rows)}}


def ladder(db, zone_code, as_of):
    return _cached(("ladder", zone_code, as_of, _stamp(db)), lambda: _ladder(db, zone_code, as_of))


def _ladder(db, zone_code, as_of):
    frame, j, pts, y = _ent_core(db, zone_code, as_of)
    if j is None:
        return {"zone": zone_code, "as_of": y, "rungs": [], "total": 0}
    f = j.funnel(by="zone_code")
    row = f[f["zone_code"] == zone_code]
    rungs = [c for c in f.columns if c != "zone_code"]
    return {"zone": zone_code, "as_of": y, "total": int(len(frame)), "is_demo": bool(frame["is_demo"].any()),
            "rungs": [{"name": r, "count": int(row.iloc[0][r]) if len(row) else 0} for r in rungs]}


def pool(db, zone_code, as_of):
    return _cached(("pool", zone_code, as_of, _stamp(db)), lambda: _pool(db, zone_code, as_of))


def _pool(db, zone_code, as_of):
    E = _engine("gaoxin.enterprise", "企业培育")
    frame, j, pts, y = _ent_core(db, zone_code, as_of)
    if j is None:
        return pd.DataFrame(columns=list(POOL_LABELS)), {"as_of": y}
    p = E.pool(j, top=100)
    out = pd.DataFrame({"credit_code": p["credit_code"], "name": p["name"], "rung": p["rung"],
                        "gaps": p["gaps"].map(lambda g: "；".join(map(str, g)) if isinstance(g, (list, tuple)) else g),
                        "unknown": p["unknown"].map(lambda g: "；".join(map(str, g)) if isinstance(g, (list, tuple)) else g)})
    return out, {"as_of": y, "is_demo": bool(frame["is_demo"].any())}


def subsidies(db, zone_code, as_of):
    return _cached(("subsidies", zone_code, as_of, _stamp(db)), lambda: _subsidies(db, zone_code, as_of))


def _subsidies(db, zone_code, as_of):
    E = _engine("gaoxin.enterprise", "企业培育")
    frame, j, pts, y = _ent_core(db, zone_code, as_of)
    if frame.empty:
        return pd.DataFrame(columns=list(SUBSIDY_LABELS)), {"as_of": y}
    try:
        s = E.subsidies(frame, year=y)
    except (E.EnterpriseDataError, E.RuleError) as exc:
        raise HTTPException(422, f"奖补无法测算：{exc}")
    out = pd.DataFrame({"credit_code": s["credit_code"], "name": s["name"], "item": s["rule"], "payer": s["payer"],
                        "amount": s["amount"], "basis": s["basis"], "source": s["source"]})
    return out, {"as_of": y, "is_demo": bool(frame["is_demo"].any()), "total_wan": _num(out["amount"].sum())}


# --- matching -------------------------------------------------------------------------------------

def demand_zone(db: Session, code: str) -> str | None:
    row = db.execute(select(TechDemand.zone_code).where(TechDemand.code == code)).first()
    if row is None:
        raise HTTPException(404, f"需求编号“{code}”不存在")
    return row[0]


def _match_stamp(db: Session) -> tuple:
    from sqlalchemy import func
    from gaoxin.store.models import MatchFeedback, Policy, TechResult
    return (str(db.get_bind().url),) + tuple(
        db.execute(select(func.max(m.id), func.count(m.id))).one() for m in (TechResult, TechDemand, MatchFeedback, Policy))


class IndexBuilding(HTTPException):
    """503 while the matching index is being built: Chinese progress text, Retry-After header and
    the status snapshot (added to the JSON body by the app's error handler)."""

    def __init__(self, snap: dict):
        if snap["state"] == "error":
            detail, retry = snap["text"] + "。请联系系统管理员查看服务日志", _match_setting("retry_failed_build_seconds")
        else:
            detail = snap["text"] + "。索引建立完成后即可使用，请稍后再试"
            eta = snap.get("eta_seconds")
            retry = _match_setting("retry_after_seconds") if eta is None else min(max(eta, 2), 30)
        super().__init__(503, detail, headers={"Retry-After": str(int(retry))})
        self.body_extra = {"status": snap}


def _match_setting(name: str) -> float:
    return float(settings()["matching"][name])


def match_status(db: Session, wait: float | None = None) -> dict:
    """Status of the matching index for this database (state, done / total texts, ETA, Chinese
    text); starts the background build if the index is not ready and no build is running."""
    return _matcher_or_status(db, _match_setting("build_wait_seconds") if wait is None else wait)[1]


def matcher(db: Session, wait: float | None = None):
    """The matching engine over the store's libraries, rebuilt (incrementally, in a background
    thread) when they change. Waits at most `wait` seconds (setting build_wait_seconds), enough for
    a quick incremental rebuild; a longer build answers 503 (IndexBuilding) with its progress."""
    m, snap = _matcher_or_status(db, _match_setting("build_wait_seconds") if wait is None else wait)
    if m is None:
        raise IndexBuilding(snap)
    return m


def _matcher_or_status(db: Session, wait: float):
    import time
    from gaoxin.web import match_build
    M = _engine("gaoxin.matching", "成果对接")
    key = ("matcher", _match_stamp(db))
    url = key[1][0]
    build_url = db.get_bind().url.render_as_string(hide_password=False)
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        hit = _EVAL_CACHE.get(key)
        if hit is not None:
            snap = match_build.status_for(url).snapshot()
            snap.update(state=match_build.READY, state_label=match_build.STATE_LABELS[match_build.READY],
                        text=match_build.describe({**snap, "state": match_build.READY}))
            return hit, snap
        st = match_build.start(url, key, lambda status: _build_matcher(M, build_url, key, status),
                               retry_after_error=_match_setting("retry_failed_build_seconds"))
        if st.state == match_build.ERROR and st.key == key:
            break
        # wait only through a build's first seconds (a quick incremental rebuild); a long build
        # that is already under way is answered with its progress at once
        remaining = min(deadline - time.monotonic(), wait - st.age())
        # the running build may be for an older data version: loop to start the next one
        if remaining <= 0 or not st.wait(remaining):
            break
    snap = st.snapshot()
    if snap["state"] == match_build.READY:  # a build for another data version just finished
        snap.update(state=match_build.BUILDING, state_label=match_build.STATE_LABELS[match_build.BUILDING])
        snap["text"] = match_build.describe(snap)
    return None, snap


def _build_matcher(M, url: str, key, status):
    # the on-disk index lives in GAOXIN_HOME; only new or changed texts are embedded
    m = M.Matcher.load_or_build(url, progress=status)
    for k in [k for k in list(_EVAL_CACHE) if k[0] == "matcher" and k[1][0] == key[1][0]]:
        _EVAL_CACHE.pop(k, None)
    _EVAL_CACHE[key] = m
    return m


def _match_frame(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["rank", "code", "title", "institution", "field_name", "score", "reason"]
    out = df.reindex(columns=cols).rename(columns={"field_name": "field", "reason": "explanation"})
    return out


def demands(db, user, zone, q: str | None = None):
    t = TechDemand
    stmt = select(t.code, t.enterprise_name, t.zone_code, t.title, t.field, t.budget_wan)
    if q and q.strip():  # search by demand title, enterprise or code
        from sqlalchemy import or_
        like = "%" + q.strip().replace("\\", "").replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(t.title.like(like), t.enterprise_name.like(like), t.code.like(like)))
    if zone:
        stmt = stmt.where(t.zone_code == zone)
    elif user.role == roles.ZONE_USER:
        stmt = stmt.where(t.zone_code.in_(sorted(user.zones)))
    df = pd.DataFrame(db.execute(stmt.order_by(t.code).limit(5000)).all(), columns=list(DEMAND_LABELS))
    df["field"] = df["field"].map(lambda c: _industry_names().get(c, c))
    return df


def search_results(db, q, k):
    M = _engine("gaoxin.matching", "成果对接")
    m = matcher(db)  # outside the compute lock; raises 503 with progress while the index is built

    def compute():
        try:
            return _match_frame(m.search(q, top=k))
        except M.MatchError as exc:
            raise HTTPException(422, str(exc))
    return _cached(("search", q, k, _match_stamp(db)), compute)


def demand_matches(db, code, k):
    M = _engine("gaoxin.matching", "成果对接")
    m = matcher(db)

    def compute():
        try:
            return _match_frame(m.match_demand(code, top=k))
        except M.MatchError as exc:
            raise HTTPException(404, str(exc))
    return _cached(("dmatch", code, k, _match_stamp(db)), compute)


def feedback(db, user, demand_code, result_code, verdict, note):
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import MatchFeedback, TechResult
    if verdict not in ("accept", "reject"):
        raise HTTPException(400, "verdict 只能是 accept（确认）或 reject（否决）")
    if db.scalar(select(TechResult.id).where(TechResult.code == result_code)) is None:
        raise HTTPException(404, f"成果编号“{result_code}”不存在")
    zone = demand_zone(db, demand_code)
    row = MatchFeedback(demand_code=demand_code, result_code=result_code, verdict=verdict, username=user.username,
                        note=note)
    db.add(row)
    db.flush()
    record_change(db, user.username, "create", "match_feedback", str(row.id), zone, None,
                  {"demand_code": demand_code, "result_code": result_code, "verdict": verdict, "note": note})
    return {"id": row.id, "detail": "已记录：" + ("确认匹配" if verdict == "accept" else "否决匹配")}


def roadshows(db, user, zone):
    M = _engine("gaoxin.matching", "成果对接")
    t = TechDemand
    scope = [zone] if zone else (sorted(user.zones) if user.role == roles.ZONE_USER else None)
    key = ("roadshow", tuple(scope) if scope else None, _match_stamp(db))
    m = matcher(db)

    def compute():
        codes = None
        if scope is not None:
            codes = list(db.scalars(select(t.code).where(t.zone_code.in_(scope))))
            if not codes:
                return pd.DataFrame(columns=["场次", "领域", "片区", "需求数", "成果数", "需求", "成果"])
        try:
            allm = m.match_all(top=3, demand_codes=codes)
        except M.MatchError as exc:
            raise HTTPException(422, str(exc))
        return M.plan_roadshows(allm)
    return _cached(key, compute)


# --- reports --------------------------------------------------------------------------------------

def _media(fmt: str) -> str:
    from gaoxin.web.tables import DOCX, XLSX
    return {"docx": DOCX, "pdf": "application/pdf", "xlsx": XLSX}[fmt]


def _finish(docx: bytes, fmt: str, stem: str):
    if fmt == "docx":
        return docx, f"{stem}.docx", _media("docx")
    from gaoxin.reports.pdf import PdfUnavailable, docx_to_pdf
    try:
        return docx_to_pdf(docx), f"{stem}.pdf", _media("pdf")
    except PdfUnavailable as exc:
        raise HTTPException(503, str(exc))


def zone_evaluation_report(db, year, fmt):
    if fmt not in ("docx", "pdf"):
        raise HTTPException(400, f"不支持的格式“{fmt}”，可选 docx 或 pdf")
    from gaoxin.reports.zone_evaluation import ZoneEvaluationInput, build
    fw, data, res, is_demo = evaluation(db)
    df, meta = ranking_frame(db, year, None)
    y = meta["year"]
    n = settings()["evaluation"]["strengths_n"]
    rows = []
    try:
        ua = uncertainty_stats(db, y).set_index("unit")
    except HTTPException:
        ua = None
    yoy = res.year_on_year()
    yoy = yoy[(yoy["year"] == y) & (yoy["code"] == fw.root)].set_index("unit")["change"]
    for u in df["unit"]:
        sw = res.strengths_weaknesses(u, n=n, year=y)
        row = {"unit": u, "strengths": "、".join(sw.loc[sw["kind"] == "strength", "name"]),
               "weaknesses": "、".join(sw.loc[sw["kind"] == "weakness", "name"]),
               "change": None if u not in yoy.index or yoy[u] != yoy[u] else round(float(yoy[u]), 2)}
        if ua is not None and u in ua.index:
            row["rank_q05"], row["rank_q95"] = ua.loc[u, "q05"], ua.loc[u, "q95"]
        rows.append(row)
    profiles = pd.DataFrame(rows)
    city = df.groupby("city")["score"].mean().round(2).to_dict()
    spec = res.spec.to_dict()
    note = (f"评价采用“{fw.name}”，共 {len(fw.indicators)} 项指标、{len(fw.children(fw.root))} 个维度；"
            f"标准化方法：{spec.get('normalise', {}).get('method', '')}；聚合方法：{spec.get('aggregate', {}).get('method', '')}。"
            "完整的方法设定随结果保存，可复现。")
    dims = {k: v for k, v in meta["dimension_labels"].items() if k in fw.children(fw.root)}
    inp = ZoneEvaluationInput(year=y, framework_name=fw.name, ranking=df, dimension_labels=dims, profiles=profiles,
                              city_scores=city, method_note=note, is_demo=is_demo)
    return _finish(build(inp), fmt, f"{y}年度高新区综合评价报告")


def circular_report(db, target, as_of, fmt):
    if fmt not in ("docx", "pdf", "xlsx"):
        raise HTTPException(400, f"不支持的格式“{fmt}”，可选 docx、pdf 或 xlsx")
    from gaoxin.targets.circular import circular_table
    from gaoxin.targets.monitor import progress_table
    from gaoxin.targets.warning import warnings as warn
    targets, obs = _targets_data(db)
    y = _as_of(obs, as_of)
    if target:
        chosen = [t for t in targets if t.id == target or t.plan_id == target]
        if not chosen:
            raise HTTPException(404, f"目标或规划编号“{target}”不存在")
    else:
        chosen = targets
    circulars, skipped = [], []
    for t in chosen:
        if t.decomposition is None:
            continue
        try:
            circulars.append(circular_table(t, obs, y))
        except ValueError as exc:
            skipped.append(str(exc))
    if fmt == "xlsx":
        if len(circulars) != 1:
            raise HTTPException(400, "Excel 通报须指定一个有分解表的目标（--target）")
        from gaoxin.reports.circular import write_circular
        return write_circular(circulars[0]), f"{circulars[0].title}.xlsx", _media("xlsx")
    p = progress_table(chosen, obs, y)
    prog = _shape_progress(p)
    w = _shape_progress(warn(p))
    from gaoxin.reports.circular_docx import build
    title = circulars[0].title if target and len(chosen) == 1 and circulars else None
    docx = build(y, prog, w, circulars, bool(prog["is_demo"].any()) if len(prog) else False, title=title)
    return _finish(docx, fmt, title or f"目标任务完成情况通报（截至{y}年）")

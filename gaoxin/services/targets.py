"""Use cases of plan-target monitoring (gaoxin.targets over the store).

One source: the targets are read from the database (synchronised from the cited plan files by
`gaoxin init`), for the web pages, the API, the reports and `gaoxin targets …` alike."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.display import cite
from gaoxin.services.cache import cached, data_version, settings
from gaoxin.services.errors import Forbidden, Invalid, NotFound, ServiceError
from gaoxin.services.frames import clean, records
from gaoxin.services.scope import scope_key, target_concerns, visible_target

TARGET_LABELS = {"target_id": "目标编号", "plan_id": "规划", "indicator_name": "指标", "scope_name": "范围",
                 "unit": "单位", "baseline_year": "基期", "baseline_value": "基期值", "target_year": "目标年",
                 "target_value": "目标值", "actual_year": "最新年份", "actual": "最新值", "progress": "完成进度",
                 "time_elapsed": "时间进度", "status": "状态", "light": "信号灯", "message": "说明",
                 "kind": "目标类型", "actual_level": "最新水平", "level_unit": "水平单位", "plan_active": "规划在期",
                 "warning_group": "预警类别"}
PART_LABELS = {"unit_name": "单位", "responsible": "责任单位", "target_value": "年度目标", "actual": "完成值",
               "progress": "完成率", "status": "状态", "light": "信号灯"}

# display colour of the engine's status labels (gaoxin.targets.status): done / on track green,
# behind yellow, seriously behind and overdue red, no data grey
LIGHTS = {"已完成": "green", "进度正常": "green", "进度滞后": "yellow", "严重滞后": "red", "逾期未完成": "red",
          "数据缺失": "grey", "目标未列": "grey"}


def check_year(as_of: int | None) -> None:
    if as_of is not None and not 1990 <= int(as_of) <= 2100:
        raise ServiceError(f"年份 {as_of} 不合理，请输入如 2024 的四位年份")


def targets(db: Session, plan: str | None = None) -> list:
    """The targets stored in the database (all plans, or one), as gaoxin.targets Target objects."""
    from gaoxin.store.sync_plans import NoTargetsError, targets_from_db
    try:
        return targets_from_db(db, plan)
    except NoTargetsError as exc:
        raise NotFound(str(exc)) from exc


def observations(db: Session, chosen: list) -> pd.DataFrame:
    """The observations these targets need (their indicators, for their scopes' unit types)."""
    from gaoxin.store.sync_plans import target_observations
    return target_observations(db, chosen)


def _data(db: Session, plan: str | None = None):
    ts = targets(db, plan)
    return ts, cached(("tobs", plan, data_version(db)), lambda: observations(db, ts))


def plan_periods(db: Session) -> dict:
    from gaoxin.store.models import Plan
    return {pid: (start, end) for pid, start, end in db.execute(select(Plan.id, Plan.start_year, Plan.end_year))}


def plan_names(db: Session) -> dict:
    from gaoxin.store.models import Plan
    return dict(db.execute(select(Plan.id, Plan.name)).all())


def as_of_year(obs: pd.DataFrame, as_of: int | None) -> int:
    """The as-of year when none is given: the latest year with data, else last calendar year."""
    if as_of is not None:
        check_year(as_of)
        return int(as_of)
    return int(obs["period"].max()) if len(obs) else datetime.date.today().year - 1


def shape_progress(p: pd.DataFrame) -> pd.DataFrame:
    """The engine's progress table as display rows (codes in English, values plain, light colour)."""
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
        # the platform's reading of the wording and figures of one document that disagree (issue 15)
        "note": p["note"].fillna("") if "note" in p else "",
    })
    if "warning_group" in p:
        out.insert(0, "warning_group", p["warning_group"])
    if "gap_text" in p:
        out["message"] = (p["gap_text"].fillna("") + "　" + p.get("effort_text", "").fillna("")).str.strip()
    for c in ("actual", "actual_level", "progress", "time_elapsed", "baseline_value", "target_value"):
        out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out.reset_index(drop=True)


def progress_export(db: Session, df: pd.DataFrame) -> pd.DataFrame:
    """Progress rows as an Excel export shows them: the plan by its title, no target codes."""
    names = plan_names(db)
    out = df.drop(columns=[c for c in ("target_id",) if c in df])
    if "plan_id" in out:
        out["plan_id"] = out["plan_id"].map(lambda p: names.get(p, p))
    return out


@dataclass
class Progress:
    """The engine's full progress table (one row per visible target) at an as-of year."""
    table: pd.DataFrame
    as_of: int
    targets: list
    observations: pd.DataFrame


def progress(db: Session, user: Principal, as_of: int | None = None, plan: str | None = None,
             only_active: bool = False) -> Progress:
    """Progress of the targets this user may see (plans in force in the as-of year first)."""
    return cached(("progress", scope_key(user), as_of, plan, only_active, data_version(db)),
                  lambda: _progress(db, user, as_of, plan, only_active))


def _progress(db, user, as_of, plan, only_active):
    from gaoxin.targets.monitor import active_first, progress_table
    ts, obs = _data(db, plan)
    y = as_of_year(obs, as_of)
    city = {t.plan_id: str(t.scope.code) for t in ts if t.scope.type == "city"}  # a city's plan
    ts = [t for t in ts if visible_target(user, t.scope.type, str(t.scope.code))
          and target_concerns(user, t, city.get(t.plan_id))]
    try:
        p = progress_table(ts, obs, y)
    except ValueError as exc:
        raise Invalid(f"目标进度无法计算：{exc}") from exc
    p = active_first(p, plan_periods(db), y, only_active)
    if only_active and p.empty:
        raise NotFound(f"没有规划期包含 {y} 年的规划；去掉“只看在期规划”可查看全部规划")
    return Progress(p, y, ts, obs)


def _meta(out: pd.DataFrame, p: pd.DataFrame, y: int, active: bool) -> dict:
    return {"as_of": y, "is_demo": bool(out["is_demo"].any()) if len(out) else False, "active_only": active,
            "n_active": int(p["plan_active"].sum()) if "plan_active" in p else 0, "n_all": int(len(p))}


def targets_progress(db: Session, user: Principal, as_of: int | None = None, plan: str | None = None,
                     headline: bool = False, active: bool = False):
    """(display rows, meta) of the targets' progress; `headline` = the overview's main goals."""
    pr = progress(db, user, as_of, plan)
    p = pr.table
    if headline:
        hp = settings().get("targets", {}).get("headline_plan")
        p = p[p["scope_type"] == "province"] if hp is None else p[p["plan"] == hp]
        if hp is None and "plan_active" in p and p["plan_active"].any():
            p = p[p["plan_active"]]  # headline goals: plans in force in the as-of year
    if active and "plan_active" in p:
        p = p[p["plan_active"]]
    out = shape_progress(p)
    return out, _meta(out, pr.table, pr.as_of, active)


def target_warnings(db: Session, user: Principal, as_of: int | None = None, active: bool = False):
    from gaoxin.targets.warning import warnings
    pr = progress(db, user, as_of, None)
    p = pr.table
    if active and "plan_active" in p:
        p = p[p["plan_active"]]
    out = shape_progress(warnings(p))
    return out, _meta(out, pr.table, pr.as_of, active)


@dataclass
class Warnings:
    targets: pd.DataFrame   # the engine's warning rows for targets (most serious first)
    units: pd.DataFrame     # … and for decomposition units
    as_of: int
    is_demo: bool


def warning_lists(db: Session, user: Principal, as_of: int | None, plan: str | None = None,
                  include_missing: bool = False) -> Warnings:
    """Targets and decomposition units behind schedule, overdue first (the CLI's `targets warn`)."""
    from gaoxin.targets.monitor import parts_progress
    from gaoxin.targets.warning import warnings
    pr = progress(db, user, as_of, plan)
    y = pr.as_of
    w_targets = warnings(pr.table, include_missing=include_missing)
    frames = []
    for t in pr.targets:
        if t.decomposition is not None and (y in t.decomposition.years or t.decomposition.kind == "members"):
            p = parts_progress(t, pr.observations, y)
            frames.append(p.assign(id=t.id, indicator_name=t.indicator_name, scope_name=p["unit_name"],
                                   target_level=p["target_value"], level_unit=t.unit, plan=t.plan_id))
    w_units = warnings(pd.concat(frames, ignore_index=True), include_missing=include_missing) if frames \
        else pd.DataFrame()
    demo = bool(pr.table["is_demo"].any()) if len(pr.table) else False
    return Warnings(w_targets, w_units, y, demo)


def _find(db: Session, user: Principal, target_id: str):
    ts, obs = _data(db)
    hit = [t for t in ts if t.id == target_id]
    if not hit:
        raise NotFound(f"目标编号“{target_id}”不存在")
    t = hit[0]
    if not visible_target(user, t.scope.type, str(t.scope.code)):
        raise Forbidden(f"无权查看高新区 {t.scope.code} 的目标")
    return t, ts, obs


def target_detail(db: Session, user: Principal, target_id: str, as_of: int | None) -> dict:
    from gaoxin.targets.monitor import parts_progress, progress_table
    t, _, obs = _find(db, user, target_id)
    y = as_of_year(obs, as_of)
    head = shape_progress(progress_table([t], obs, y)).iloc[0].to_dict()
    parts = pd.DataFrame(columns=list(PART_LABELS))
    if t.decomposition is not None:
        pp = parts_progress(t, obs, y)
        visible = [visible_target(user, ut, str(uc)) for ut, uc in zip(pp["unit_type"], pp["unit_code"])]
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
                         for r in records(parts)]}
    return {"target": {k: clean(v) for k, v in head.items()}, "as_of": y, "tree": tree,
            "parts": {"columns": list(PART_LABELS), "labels": PART_LABELS, "rows": records(parts)},
            "title": f"{t.scope.name}{t.indicator_name}", "source": cite(t.source)}


def circular(db: Session, user: Principal, target_id: str, as_of: int):
    """The 通报 of one decomposed target: units ranked by completion rate (gaoxin.targets.circular)."""
    from gaoxin.targets.circular import circular_table
    check_year(as_of)
    ts, obs = _data(db)
    hit = [t for t in ts if t.id == target_id]
    if not hit:
        decomposed = "、".join(t.id for t in ts if t.decomposition is not None)
        raise NotFound(f"没有找到目标“{target_id}”。可生成通报的分解目标：{decomposed}")
    try:
        return circular_table(hit[0], obs, int(as_of))
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


def circulars(db: Session, user: Principal, target: str | None, as_of: int | None):
    """(chosen targets, their circulars, as-of year, skipped messages) for a target or plan id, or all."""
    from gaoxin.targets.circular import circular_table
    ts, obs = _data(db)
    y = as_of_year(obs, as_of)
    if target:
        chosen = [t for t in ts if t.id == target or t.plan_id == target]
        if not chosen:
            raise NotFound(f"目标或规划编号“{target}”不存在")
    else:
        chosen = ts
    chosen = [t for t in chosen if visible_target(user, t.scope.type, str(t.scope.code))]
    out, skipped = [], []
    for t in chosen:
        if t.decomposition is None:
            continue
        try:
            out.append(circular_table(t, obs, y))
        except ValueError as exc:
            skipped.append(str(exc))
    return chosen, out, y, skipped, obs


def decomposition_checks(db: Session, plan: str | None = None) -> list[tuple[str, list]]:
    """(target id, issues) for each decomposition table: sums against the printed totals, blanks."""
    import re

    from gaoxin.targets.decomposition import check
    out = []
    for t in targets(db, plan):
        if t.decomposition is None:
            continue
        m = re.search(r"附件\d", t.decomposition.source)
        out.append((t.id, check(t.decomposition, label=m.group(0) if m else "")))
    return out


def rollup(db: Session, target_id: str):
    """(target, rollup frame, is_demo): the decomposition units' actuals summed and compared."""
    from gaoxin.targets.decomposition import rollup as core_rollup
    found = [t for t in targets(db) if t.id == target_id]
    if not found or found[0].decomposition is None:
        raise NotFound(f"没有找到分解目标“{target_id}”")
    obs = observations(db, found)
    return found[0], core_rollup(found[0], obs), bool(obs["is_demo"].any()) if len(obs) else False

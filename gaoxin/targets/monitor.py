"""Targets × observations → progress tables (targets and decomposed units). Pure: the caller passes
the long observation frame (unit_type, unit_code, indicator_code, period, value[, is_demo])."""
from __future__ import annotations

import numpy as np
import pandas as pd

from gaoxin.targets.plans import Target
from gaoxin.targets.progress import evaluate, series_matrix
from gaoxin.targets.status import Thresholds, load_thresholds

OBS_COLUMNS = ["unit_type", "unit_code", "indicator_code", "period", "value", "is_demo"]


def target_frame(targets: list[Target]) -> pd.DataFrame:
    """One row per target: identity, scope key and the fields `progress.evaluate` reads."""
    rows = []
    for t in targets:
        rows.append({
            "id": t.id, "plan": t.plan_id, "indicator": t.indicator, "indicator_name": t.indicator_name,
            "unit": t.unit, "level_unit": t.spec.get("level_unit") or t.unit,
            "kind": t.kind, "comparator": t.comparator,
            "scope_type": t.scope.type, "scope_code": str(t.scope.code), "scope_name": t.scope.name,
            "baseline_year": t.baseline_year, "baseline_value": t.baseline_value,
            "target_year": t.target_year, "target_value": t.target_value, "multiple": t.multiple,
            "periodicity": t.periodicity, "period_start": t.period_start, "period_end": t.period_end,
            "lead_units": "、".join(t.lead_units), "source": t.source,
            # what a reader must see beside the figure: the platform's reading of the wording, and where
            # two figures of the same document disagree
            "note": "；".join(x for x in (t.note, t.discrepancy) if x) or None,
            "discrepancy": t.discrepancy,
        })
    cols = ["id", "plan", "indicator", "indicator_name", "unit", "level_unit", "kind", "comparator",
            "scope_type", "scope_code", "scope_name", "baseline_year", "baseline_value", "target_year",
            "target_value", "multiple", "periodicity", "period_start", "period_end", "lead_units", "source",
            "note", "discrepancy"]
    return pd.DataFrame(rows, columns=cols)


def _years(observations: pd.DataFrame, extra) -> list[int]:
    ys = set(int(y) for y in observations["period"].unique()) if len(observations) else set()
    ys.update(int(y) for y in extra if y is not None and not pd.isna(y))
    return sorted(ys)


def _demo_flags(observations: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    if "is_demo" not in observations or observations.empty:
        return np.zeros(len(keys), dtype=bool)
    flags = (observations.assign(unit_code=observations["unit_code"].astype(str))
             .groupby(["unit_type", "unit_code", "indicator_code"])["is_demo"].any())
    idx = pd.MultiIndex.from_frame(keys[["unit_type", "unit_code", "indicator_code"]].astype({"unit_code": str}))
    return flags.reindex(idx).fillna(False).to_numpy(dtype=bool)


def progress_table(targets: list[Target], observations: pd.DataFrame, as_of: int,
                   thresholds: Thresholds | None = None) -> pd.DataFrame:
    """Target rows joined with their progress measures as of `as_of`."""
    frame = target_frame(targets)
    if frame.empty:
        return frame
    keys = pd.DataFrame({"unit_type": frame["scope_type"], "unit_code": frame["scope_code"],
                         "indicator_code": frame["indicator"]})
    years = _years(observations, list(frame["baseline_year"]) + [as_of])
    values = series_matrix(observations, keys, years)
    result = evaluate(frame, values, years, as_of, thresholds)
    out = pd.concat([frame, result], axis=1)
    out["is_demo"] = _demo_flags(observations, keys)
    return out


def part_frame(target: Target, as_of: int) -> pd.DataFrame:
    """One row per decomposed unit holding its printed target for the `as_of` year (年度目标), judged
    as an annual target (完成率 = 完成值 / 年度目标)."""
    decomp = target.decomposition
    if decomp is None:
        raise ValueError(f"目标 {target.id} 没有分解表")
    rows = []
    # "每个…高新区至少 n": the requirement stands from the target year on; before it, it is the goal.
    # A printed table cell is the unit's assigned figure: it is met when reached (>=), whatever word the
    # parent goal uses (突破 → > applies to the total, not to a row of 附件1–5).
    members = decomp.kind == "members"
    # "每个…高新区…年均增长25%以上": each member zone's own growth from the plan's base year is judged
    growth = members and target.kind == "growth"
    for order, r in enumerate(decomp.rows, start=1):
        if growth:
            rows.append({
                "order": order, "target_id": target.id, "indicator": target.indicator, "unit": target.unit,
                "unit_type": r.unit_type, "unit_code": str(r.unit_code), "unit_name": r.unit_name,
                "kind": "growth", "comparator": target.comparator, "periodicity": "once",
                "baseline_year": target.baseline_year if target.baseline_year is not None else np.nan,
                "baseline_value": np.nan, "target_year": target.target_year,
                "target_value": r.values.get(target.target_year),
                "period_start": np.nan, "period_end": np.nan,
                "responsible": "、".join(r.responsible_units),
            })
            continue
        rows.append({
            "order": order, "target_id": target.id, "indicator": target.indicator, "unit": target.unit,
            "unit_type": r.unit_type, "unit_code": str(r.unit_code), "unit_name": r.unit_name,
            "kind": "level", "comparator": target.comparator if members else ">=", "periodicity": "annual",
            "baseline_year": np.nan, "baseline_value": np.nan,
            "target_year": as_of,
            "target_value": r.values.get(target.target_year) if members else r.values.get(as_of),
            "period_start": as_of, "period_end": as_of,
            "responsible": "、".join(r.responsible_units),
        })
    return pd.DataFrame(rows)


def deadline_year(target: Target) -> int:
    """The parent target's deadline year: the end of the period for cumulative / annual targets, else the
    target year (as in `progress.evaluate`)."""
    if target.kind == "cumulative" or target.periodicity == "annual":
        return int(target.period_end or target.target_year)
    return int(target.target_year)


def deadline_passed(target: Target, as_of: int) -> bool:
    """Whether, as of `as_of`, the parent target is judged 已完成 / 逾期未完成 (an annual target only
    once the as-of year is past its period; any other once the deadline year is reached)."""
    end = deadline_year(target)
    if target.periodicity == "annual" and target.kind != "cumulative":
        return as_of > end
    return as_of >= end


def parts_progress(target: Target, observations: pd.DataFrame, as_of: int,
                   thresholds: Thresholds | None = None) -> pd.DataFrame:
    """Each decomposed unit's 年度目标 for `as_of`, its actual that year and the judgement."""
    frame = part_frame(target, as_of)
    keys = pd.DataFrame({"unit_type": frame["unit_type"], "unit_code": frame["unit_code"],
                         "indicator_code": target.indicator})
    years = _years(observations, [as_of, *frame["baseline_year"].dropna()])
    values = series_matrix(observations, keys, years)
    result = evaluate(frame, values, years, as_of, thresholds)
    out = pd.concat([frame, result], axis=1)
    out["is_demo"] = _demo_flags(observations, keys)
    if target.kind == "growth" and target.decomposition is not None and target.decomposition.kind == "members":
        # 每个高新区年均增长 n%: what a reader compares with the n % is the zone's own growth rate, so
        # `actual` is that rate (%), `progress` the rate over the required rate; the level stays beside
        out["actual_level"] = out["actual"]
        out["actual"] = out["actual_cagr"].astype(float) * 100.0
        out["progress"] = out["actual"] / frame["target_value"].astype(float)
    # Once the parent's deadline has come, a unit that has not met its figure is 逾期未完成 like its
    # parent (status_thresholds.yaml `overdue`), not 进度滞后 / 严重滞后.
    th = thresholds or load_thresholds()
    if deadline_passed(target, as_of) and target.kind != "growth":
        late = (~out["met"].astype(bool)) & out["actual"].notna() & frame["target_value"].notna()
        out.loc[late, "status"] = th.overdue_status
        out.loc[late, "overdue"] = True
        out.loc[late, "status_reason"] = f"已到{deadline_year(target)}年目标期限，未达到本单位目标"
    # a blank printed cell cannot be judged: say so instead of "数据缺失"
    blank = frame["target_value"].isna()
    out.loc[blank, "status"] = "目标未列"
    out.loc[blank, "status_reason"] = "原分解表该单元格为空白"
    return out


def active_first(progress: pd.DataFrame, periods: dict[str, tuple[int | None, int | None]], as_of: int,
                 only_active: bool = False) -> pd.DataFrame:
    """Progress rows with `plan_active` (the plan's period contains `as_of`) and the active plans' rows
    first, the others after, each block in its original order. `periods`: plan id → (start, end)
    years; a missing bound falls back to the plan's earliest base year + 1 / latest target year."""
    out = progress.copy()
    if out.empty:
        out["plan_active"] = pd.Series(dtype=bool)
        return out
    first = out.groupby("plan")["baseline_year"].min() + 1
    last = out.groupby("plan")["target_year"].max()
    bounds = pd.DataFrame([(k, *(v or (None, None))) for k, v in periods.items()],
                          columns=["plan", "start", "end"]).set_index("plan").astype(float)
    start = out["plan"].map(bounds["start"]).astype(float)
    end = out["plan"].map(bounds["end"]).astype(float)
    start = start.fillna(out["plan"].map(first)).fillna(-np.inf)
    end = end.fillna(out["plan"].map(last)).fillna(np.inf)
    out["plan_active"] = ((start <= as_of) & (as_of <= end)).to_numpy()
    if only_active:
        return out[out["plan_active"]]
    return out.sort_values("plan_active", ascending=False, kind="mergesort")

"""Early warning: targets and decomposed units past their deadline (逾期未完成, listed apart) or behind
schedule, worst first, with the gap in the
indicator's own unit ("还差 1,234 家", "还差 3.2 亿元", "还差 0.5 个百分点")."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gaoxin.targets.status import BEHIND, MISSING, SEVERE, Thresholds, load_thresholds

GROUP_OVERDUE = "逾期未完成"      # deadline passed, not met: needs an account, cannot be caught up
GROUP_BEHIND = "进度滞后"        # still inside the period: needs acceleration

COUNT_UNITS = {"家", "个", "件", "项", "支", "人", "名", "所"}


def format_amount(value: float | None, unit: str | None) -> str:
    """A figure in its unit: counts as integers with thousands separators (rounded up: 1,233.2 家 still
    needs 1,234), amounts with up to two decimals, percentages as 个百分点."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = unit or ""
    if unit in COUNT_UNITS:
        return f"{math.ceil(value - 1e-9):,d} {unit}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if unit == "%":
        return f"{text} 个百分点"
    return f"{text} {unit}".strip()


def gap_text(gap: float | None, unit: str | None) -> str:
    if gap is None or (isinstance(gap, float) and math.isnan(gap)):
        return "—"
    if gap <= 0:
        return "已达到目标"
    return "还差 " + format_amount(gap, unit)


def warnings(progress: pd.DataFrame, thresholds: Thresholds | None = None,
             include_missing: bool = False, name_col: str = "indicator_name",
             unit_col: str = "unit", include_overdue: bool = True) -> pd.DataFrame:
    """Rows needing attention, in two blocks: first the targets past their deadline and not met
    (逾期未完成, `warning_group` = 逾期未完成), then those behind schedule (严重滞后 / 进度滞后, optionally
    数据缺失; `warning_group` = 进度滞后). Within a block worst first: by severity, then by status ratio
    ascending, then by gap relative to target descending. Adds `gap_text` and `effort_text` (年均还需)."""
    th = thresholds or load_thresholds()
    statuses = ([th.overdue_status] if include_overdue else []) + [SEVERE, BEHIND] + ([MISSING] if include_missing else [])
    out = progress[progress["status"].isin(statuses)].copy()
    if out.empty:
        out["warning_group"] = pd.Series(dtype=object)
        out["gap_text"] = pd.Series(dtype=object)
        out["effort_text"] = pd.Series(dtype=object)
        return out
    overdue = (out["status"] == th.overdue_status).to_numpy()
    out["warning_group"] = np.where(overdue, GROUP_OVERDUE, GROUP_BEHIND)
    out["_grp"] = (~overdue).astype(int)
    out["_sev"] = th.severity_rank(out["status"].to_numpy())
    ratio = out["status_ratio"] if "status_ratio" in out else out["pace_ratio"]
    out["_ratio"] = ratio.fillna(np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["_rel"] = -(out["gap"] / out["target_level"].abs()).fillna(0)
    out = out.sort_values(["_grp", "_sev", "_ratio", "_rel"], kind="mergesort").drop(
        columns=["_grp", "_sev", "_ratio", "_rel"])
    units = out[unit_col] if unit_col in out else pd.Series([None] * len(out), index=out.index)
    if "level_unit" in out:  # a growth target's gap is in its level's unit (亿元), not in %
        units = np.where(out["kind"] == "growth", out["level_unit"], units)
    out["gap_text"] = [gap_text(g, u) for g, u in zip(out["gap"], units)]
    out["effort_text"] = [("年均还需 " + format_amount(e, u)) if e == e and e is not None else ""
                          for e, u in zip(out["annual_effort"], units)]
    # ranks count within each block: the overdue list and the behind-schedule list are read apart
    out.insert(0, "rank", out.groupby("warning_group", sort=False).cumcount().to_numpy() + 1)
    return out.reset_index(drop=True)

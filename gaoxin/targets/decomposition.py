"""Decomposition tables (seed 004 附件1–5): consistency of the printed figures, and roll-up of actuals
along the same tree (units → scope)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gaoxin.targets.plans import Decomposition, Target

# printed figures carry at most two decimals: a difference below half a cent is rounding
TOLERANCE = 0.005


@dataclass(frozen=True)
class Issue:
    kind: str          # blank | column_sum | row_sum | grand_total
    year: int | None
    unit: str | None
    expected: float | None
    found: float | None
    message: str


def _fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "空白"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def check(decomp: Decomposition, label: str = "") -> list[Issue]:
    """Blank cells, and where the seed says the rows add up: per-year column sums against the printed
    total row, per-unit year sums against a printed 合计 column, and the grand total."""
    issues: list[Issue] = []
    where = f"{label}：" if label else ""
    for r in decomp.rows:
        for y, v in sorted(r.values.items()):
            if v is None:
                issues.append(Issue("blank", y, r.unit_name, None, None,
                                    f"{where}{r.unit_name} {y}年目标值在原表中为空白"))
        if r.annual_growth_pct is None and any(x.annual_growth_pct is not None for x in decomp.rows):
            issues.append(Issue("blank", None, r.unit_name, None, None,
                                f"{where}{r.unit_name} 年均目标增速在原表中为空白"))
    if not decomp.sums_to_total:
        return issues
    for y in decomp.years:
        printed = decomp.totals.get(y)
        cells = [r.values.get(y) for r in decomp.rows]
        total = float(np.nansum([c for c in cells if c is not None])) if cells else 0.0
        if printed is None:
            continue
        if abs(total - printed) > TOLERANCE:
            issues.append(Issue("column_sum", y, None, printed, total,
                                f"{where}{y}年各单位合计 {_fmt(total)}，与原表合计行 {_fmt(printed)} 不一致"))
    for r in decomp.rows:
        if r.row_total is None:
            continue
        s = float(np.nansum([v for v in r.values.values() if v is not None]))
        if abs(s - r.row_total) > TOLERANCE:
            issues.append(Issue("row_sum", None, r.unit_name, r.row_total, s,
                                f"{where}{r.unit_name} 各年合计 {_fmt(s)}，与原表合计列 {_fmt(r.row_total)} 不一致"))
    if decomp.total_row_total is not None:
        s = float(np.nansum([v for v in decomp.totals.values() if v is not None]))
        if abs(s - decomp.total_row_total) > TOLERANCE:
            issues.append(Issue("grand_total", None, None, decomp.total_row_total, s,
                                f"{where}合计行各年之和 {_fmt(s)}，与总计 {_fmt(decomp.total_row_total)} 不一致"))
    return issues


def table(decomp: Decomposition) -> pd.DataFrame:
    """The table as printed: one row per unit plus the total row; columns = years (+ 合计)."""
    years = decomp.years
    data = [[r.unit_name, *[r.values.get(y) for y in years], r.row_total, r.annual_growth_pct]
            for r in decomp.rows]
    data.append([decomp.total_label or "合计", *[decomp.totals.get(y) for y in years], decomp.total_row_total,
                 decomp.total_growth_pct])
    out = pd.DataFrame(data, columns=["单位", *[f"{y}年" for y in years], "合计", "年均目标增速（%）"])
    if out["年均目标增速（%）"].isna().all():  # only 附件1 prints a growth column
        out = out.drop(columns=["年均目标增速（%）"])
    return out


def rollup(target: Target, observations: pd.DataFrame, years=None) -> pd.DataFrame:
    """Actuals of the decomposed units summed per year, beside the scope's own actual and the printed
    total. Columns: year, units_sum, units_reported, units_expected, scope_actual, printed_total,
    diff_scope (units_sum − scope_actual)."""
    decomp = target.decomposition
    if decomp is None:
        raise ValueError(f"目标 {target.id} 没有分解表")
    years = list(years or decomp.years)
    obs = observations[observations["indicator_code"] == target.indicator]
    obs = obs.assign(unit_code=obs["unit_code"].astype(str))
    unit_keys = pd.DataFrame({"unit_type": [r.unit_type for r in decomp.rows],
                              "unit_code": [str(r.unit_code) for r in decomp.rows]}).drop_duplicates()
    unit_obs = obs.merge(unit_keys, on=["unit_type", "unit_code"])
    unit_obs = unit_obs[unit_obs["period"].isin(years) & unit_obs["value"].notna()]
    g = unit_obs.groupby("period")["value"].agg(["sum", "count"])
    scope = obs[(obs["unit_type"] == target.scope.type) & (obs["unit_code"] == str(target.scope.code))]
    scope = scope.groupby("period")["value"].last()
    out = pd.DataFrame({"year": years})
    out["units_sum"] = out["year"].map(g["sum"]).astype(float)
    out["units_reported"] = out["year"].map(g["count"]).fillna(0).astype(int)
    out["units_expected"] = len(unit_keys)
    out["scope_actual"] = out["year"].map(scope).astype(float)
    out["printed_total"] = out["year"].map(lambda y: decomp.totals.get(y)).astype(float)
    out["diff_scope"] = out["units_sum"] - out["scope_actual"]
    return out

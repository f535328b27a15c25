"""Progress of targets towards their goals, vectorised over rows (targets or decomposed units).

Input: a frame of target rows (kind, comparator, baseline, target, period …) and a matrix of
observed values (rows × years, NaN = missing). Output: one row of measures per target row.

Definitions (issue 4):
- achieved share  = (actual − baseline) / (target − baseline)   (actual / target when no baseline)
- time elapsed    = (as_of − base_year) / (target_year − base_year), clipped to [0, 1]
- pace ratio      = achieved share / time elapsed
- actual CAGR     = baseline → latest actual; required CAGR = latest actual → target
- projections     = linear least squares and log-linear (constant growth) least squares on the
                    observed values up to as_of; gaps are simply absent points
- kinds: growth (target is an annual rate: the level to reach is baseline × (1+g)^years),
  cumulative (annual flows summed over the period), doubling (multiple × baseline),
  coverage / share / level / count (levels); periodicity "annual" = the value is due every year.
- deadline: once as_of reaches the target year (end of the period; for annual targets once as_of is
  past it) a target not met by the latest actual at or before the deadline is 逾期未完成
  (status_thresholds.yaml `overdue`), never 进度滞后 / 严重滞后.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from gaoxin.targets.status import Thresholds, load_thresholds

ROW_COLUMNS = ("kind", "comparator", "baseline_year", "baseline_value", "target_year", "target_value",
               "multiple", "periodicity", "period_start", "period_end")

PROJ_LINEAR = "线性趋势（最小二乘）"
PROJ_CAGR = "年均增长率趋势（对数线性最小二乘）"
PROJ_CUM = "按年度流量趋势累加"


def _f(frame: pd.DataFrame, col: str, default=np.nan) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), default, dtype=float)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)


def _s(frame: pd.DataFrame, col: str, default: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), default, dtype=object)
    return frame[col].fillna(default).astype(object).to_numpy()


def _meets(actual: np.ndarray, target: np.ndarray, comparator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        out = np.select([comparator == ">=", comparator == ">", comparator == "<=", comparator == "<"],
                        [actual >= target, actual > target, actual <= target, actual < target], False)
    return out & ~np.isnan(actual) & ~np.isnan(target)


def _value_at(values: np.ndarray, years: np.ndarray, year: np.ndarray) -> np.ndarray:
    """values[i, column of year[i]], NaN where the year is outside the matrix or not given."""
    out = np.full(values.shape[0], np.nan)
    if values.shape[1] == 0:
        return out
    ok = ~np.isnan(year)
    idx = np.searchsorted(years, np.where(ok, year, years[0]))
    idx = np.clip(idx, 0, len(years) - 1)
    hit = ok & (years[idx] == year)
    out[hit] = values[np.nonzero(hit)[0], idx[hit]]
    return out


def _latest(values: np.ndarray, years: np.ndarray, upto: np.ndarray, frm: np.ndarray | None = None):
    """(value, year) of the latest observation with frm <= year <= upto, per row."""
    ycol = years[None, :].astype(float)
    mask = ~np.isnan(values) & (ycol <= upto[:, None])
    if frm is not None:
        mask &= ~(ycol < np.where(np.isnan(frm), -np.inf, frm)[:, None])
    pos = np.where(mask, np.arange(len(years))[None, :], -1).max(axis=1) if len(years) else np.full(len(values), -1)
    has = pos >= 0
    val = np.full(len(values), np.nan)
    yr = np.full(len(values), np.nan)
    val[has] = values[np.nonzero(has)[0], pos[has]]
    yr[has] = years[pos[has]]
    return val, yr, mask


def _lstsq(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Per-row weighted least squares y = a + b·x over the points where w is True.
    Returns (a, b, n); a, b NaN where fewer than two distinct years."""
    wf = w.astype(float)
    y0 = np.where(w, y, 0.0)
    n = wf.sum(axis=1)
    sx = (wf * x).sum(axis=1)
    sy = (wf * y0).sum(axis=1)
    sxx = (wf * x * x).sum(axis=1)
    sxy = (wf * x * y0).sum(axis=1)
    den = n * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where((n >= 2) & (den > 0), (n * sxy - sx * sy) / den, np.nan)
        a = (sy - b * sx) / n
    return a, b, n


def evaluate(rows: pd.DataFrame, values: np.ndarray, years, as_of: int,
             thresholds: Thresholds | None = None) -> pd.DataFrame:
    """Progress measures for every row. `values` is rows × len(years); years ascending."""
    th = thresholds or load_thresholds()
    years = np.asarray(list(years), dtype=int)
    values = np.asarray(values, dtype=float).reshape(len(rows), len(years))
    n = len(rows)
    kind = _s(rows, "kind", "level")
    comp = _s(rows, "comparator", ">=")
    periodicity = _s(rows, "periodicity", "once")
    base_year = _f(rows, "baseline_year")
    base_given = _f(rows, "baseline_value")
    tyear = _f(rows, "target_year")
    tval = _f(rows, "target_value")
    multiple = _f(rows, "multiple")
    p_start = _f(rows, "period_start")
    p_end = _f(rows, "period_end")
    as_of_v = np.full(n, float(as_of))

    is_cum = kind == "cumulative"
    is_growth = kind == "growth"
    is_double = kind == "doubling"
    is_annual = (periodicity == "annual") & ~is_cum
    is_stock = ~is_cum & ~is_annual

    # period of cumulative / annual targets defaults to baseline_year+1 .. target_year
    p_start = np.where(np.isnan(p_start), base_year + 1, p_start)
    p_end = np.where(np.isnan(p_end), tyear, p_end)

    # ---------------------------------------------------------------- baseline
    base_obs = _value_at(values, years, base_year)
    base = np.where(np.isnan(base_given), base_obs, base_given)
    base_source = np.where(~np.isnan(base_given), "规划给定", np.where(~np.isnan(base_obs), "观测值", ""))
    base = np.where(is_cum, 0.0, base)
    base_source = np.where(is_cum, "期初为零（累计）", base_source)

    # ---------------------------------------------------------------- target level
    target = tval.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        growth_level = base * np.power(1 + tval / 100.0, tyear - base_year)
    target = np.where(is_growth, growth_level, target)
    target = np.where(is_double, np.where(np.isnan(multiple), 2.0, multiple) * base, target)

    # ---------------------------------------------------------------- deadline
    # the deadline is the target year (end of period for cumulative / annual targets); an annual target
    # is due every year of its period, so it is overdue only once the as-of year is past the period
    end_year = np.where(is_cum | is_annual, p_end, tyear)
    overdue_due = np.where(is_annual, as_of_v > end_year, as_of_v >= end_year) & ~np.isnan(end_year)
    judge_at_deadline = overdue_due & (th.overdue_actual_at == "target_year")

    # ---------------------------------------------------------------- actual
    # past the deadline the actual is the latest at or before it (or up to as_of, per the setting)
    upto = np.where(judge_at_deadline | is_cum, np.minimum(as_of_v, end_year), as_of_v)
    latest, latest_year, obs_mask = _latest(values, years, upto)
    actual = latest.copy()
    actual_year = latest_year.copy()
    # annual targets: the value of the as-of year itself (the period's last year once it is over)
    annual_year = np.where(judge_at_deadline, np.minimum(as_of_v, p_end), as_of_v)
    at_year = _value_at(values, years, annual_year)
    actual = np.where(is_annual, at_year, actual)
    actual_year = np.where(is_annual, np.where(np.isnan(at_year), np.nan, annual_year), actual_year)
    # cumulative: sum of the flows in [start, min(as_of, end)]
    ycol = years[None, :].astype(float)
    cum_mask = ~np.isnan(values) & (ycol >= p_start[:, None]) & (ycol <= np.minimum(as_of_v, p_end)[:, None])
    cum_sum = np.where(cum_mask, values, 0.0).sum(axis=1)
    cum_n = cum_mask.sum(axis=1)
    cum_expected = np.clip(np.minimum(as_of_v, p_end) - p_start + 1, 0, None)
    actual = np.where(is_cum, np.where(cum_n > 0, cum_sum, np.nan), actual)
    actual_year = np.where(is_cum, np.where(cum_n > 0, np.minimum(as_of_v, p_end), np.nan), actual_year)
    missing_years = np.where(is_cum, cum_expected - cum_n, 0)

    # ---------------------------------------------------------------- progress and time
    met = _meets(actual, target, comp)
    span = tyear - base_year
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = target - base
        prog_base = np.where(dist != 0, (actual - base) / dist, np.where(met, 1.0, 0.0))
        decreasing = np.isin(comp, ["<=", "<"])
        prog_ratio = np.where(decreasing, target / actual, actual / target)
        progress = np.where(np.isnan(base) | is_annual, prog_ratio, prog_base)
        elapsed = np.clip((as_of_v - base_year) / span, 0.0, 1.0)
        cum_span = p_end - p_start + 1
        elapsed = np.where(is_cum, np.clip((np.minimum(as_of_v, p_end) - p_start + 1) / cum_span, 0.0, 1.0), elapsed)
        elapsed = np.where(is_annual, 1.0, elapsed)
        pace = np.where(elapsed > 0, progress / elapsed, np.nan)

        # CAGRs (levels only; need positive values and a time span)
        dt_act = actual_year - base_year
        positive_ab = (base > 0) & (actual > 0) & (dt_act > 0) & is_stock
        actual_cagr = np.where(positive_ab, np.power(actual / base, 1.0 / np.where(dt_act > 0, dt_act, 1)) - 1, np.nan)
        dt_req = tyear - actual_year
        positive_at = (actual > 0) & (target > 0) & (dt_req > 0) & is_stock
        required_cagr = np.where(positive_at, np.power(target / actual, 1.0 / np.where(dt_req > 0, dt_req, 1)) - 1, np.nan)
        dt_base = tyear - base_year
        positive_bt = (base > 0) & (target > 0) & (dt_base > 0) & is_stock
        required_cagr_from_base = np.where(positive_bt, np.power(target / base, 1.0 / np.where(dt_base > 0, dt_base, 1)) - 1, np.nan)
        cagr_ratio = np.where(required_cagr_from_base != 0, actual_cagr / required_cagr_from_base, np.nan)

    years_left = np.clip(end_year - as_of_v, 0, None)
    gap = np.where(decreasing, actual - target, target - actual)
    gap = np.where(is_annual, np.where(decreasing, actual - tval, tval - actual), gap)
    gap = np.where(np.isnan(gap), np.nan, np.clip(gap, 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        effort = np.where((years_left > 0) & (gap > 0), gap / np.where(years_left > 0, years_left, 1), np.nan)
    effort = np.where(is_annual, np.nan, effort)  # an annual target is due in full every year

    # ---------------------------------------------------------------- projections
    x = np.broadcast_to(ycol, values.shape)
    a, b, npts = _lstsq(x, values, obs_mask)
    proj_year = tyear
    proj_linear = a + b * proj_year
    pos_mask = obs_mask & (np.where(np.isnan(values), 0, values) > 0)
    la, lb, _ = _lstsq(x, np.log(np.where(pos_mask, values, 1.0)), pos_mask)
    trend_cagr = np.exp(lb) - 1
    proj_cagr = np.exp(la + lb * proj_year)
    # cumulative: extend the flow trend over the remaining years and add to what is done
    rem = np.clip(p_end - np.minimum(as_of_v, p_end), 0, None)
    last_done = np.minimum(as_of_v, p_end)
    fa, fb, fn = _lstsq(x, values, cum_mask)
    # Σ_{k=1..rem} (fa + fb·(last_done+k)) ; with one flow year only, repeat the mean flow
    mean_flow = np.where(cum_n > 0, cum_sum / np.maximum(cum_n, 1), np.nan)
    sum_k = rem * (rem + 1) / 2.0
    lin_rest = np.where(np.isnan(fb), mean_flow * rem, fa * rem + fb * (last_done * rem + sum_k))
    proj_cum = actual + np.clip(lin_rest, 0, None)
    proj_linear = np.where(is_cum, proj_cum, proj_linear)
    proj_cagr = np.where(is_cum, np.nan, proj_cagr)
    projected = np.where(np.isnan(proj_linear), proj_cagr, proj_linear)
    method = np.where(is_cum, np.where(np.isnan(proj_cum), "", PROJ_CUM),
                      np.where(~np.isnan(proj_linear), PROJ_LINEAR, np.where(~np.isnan(proj_cagr), PROJ_CAGR, "")))
    proj_target = np.where(is_annual, tval, target)
    projected_meets = np.where(np.isnan(projected), None, _meets(projected, proj_target, comp)).astype(object)

    # ---------------------------------------------------------------- status
    ratio = pace
    if th.ratio == "cagr":
        ratio = np.where(np.isnan(cagr_ratio), pace, cagr_ratio)
    # a growth-rate target is judged on the rate itself: actual CAGR / required rate (Open SDG's R);
    # the linear pace would call an exactly-on-rate series behind, the path being exponential
    with np.errstate(invalid="ignore", divide="ignore"):
        growth_ratio = np.where(is_growth & (tval != 0), actual_cagr / (tval / 100.0), np.nan)
    ratio = np.where(is_growth & ~np.isnan(growth_ratio), growth_ratio, ratio)
    status = th.classify(ratio)
    not_due = (elapsed <= 0) & ~np.isnan(actual)
    status = np.where(not_due, th.bands[0][0], status)
    no_target = np.isnan(target) | (np.isnan(base) & (is_growth | is_double))
    missing = np.isnan(actual) | no_target
    overdue = overdue_due & ~met & ~missing
    status = np.where(overdue, th.overdue_status, status)
    status = np.where(met & ~missing, th.achieved_status, status)
    status = np.where(missing, th.missing_status, status)
    # e.g. no base year: cannot judge the pace (past the deadline no pace is needed)
    no_ratio = np.isnan(ratio) & ~not_due & ~met & ~missing & ~overdue
    status = np.where(no_ratio, th.missing_status, status)
    end_text = np.where(np.isnan(end_year), 0, end_year).astype(int).astype(str)
    deadline_text = np.char.add(np.char.add("已过目标年份（", end_text), "年），截至该年未达到目标").astype(object)
    reason = np.where(np.isnan(actual), np.where(overdue_due, "目标年份及以前无实际值", "无截至该年的实际值"),
                      np.where(no_target, "缺少基期值，无法确定目标水平",
                               np.where(no_ratio, "缺少基期年份，无法计算时间进度",
                                        np.where(overdue, deadline_text, ""))))
    deteriorating = (ratio < 0) & ~missing & ~met & ~overdue

    out = pd.DataFrame({
        "as_of": as_of,
        "actual": actual, "actual_year": actual_year,
        "baseline_used": base, "baseline_source": base_source,
        "target_level": target,
        "progress": progress, "time_elapsed": elapsed, "pace_ratio": pace,
        "actual_cagr": actual_cagr, "required_cagr": required_cagr, "cagr_ratio": cagr_ratio,
        "years_left": years_left, "gap": gap, "annual_effort": effort,
        "projected": projected, "projected_linear": proj_linear, "projected_cagr": proj_cagr,
        "trend_cagr": np.where(is_cum, np.nan, trend_cagr), "projection_method": method,
        "projected_meets": projected_meets, "observations": np.where(is_cum, cum_n, npts).astype(int),
        "missing_years": missing_years.astype(int),
        "status_ratio": ratio, "status": status, "status_reason": reason, "deteriorating": deteriorating, "met": met,
        "overdue": overdue,
    }, index=rows.index)
    return out


# --------------------------------------------------------------------------- helpers for callers

def series_matrix(observations: pd.DataFrame, keys: pd.DataFrame, years) -> np.ndarray:
    """rows × years matrix of values for keys (columns unit_type, unit_code, indicator_code) from a long
    observation frame (unit_type, unit_code, indicator_code, period, value). Vectorised pivot."""
    years = list(years)
    key_cols = ["unit_type", "unit_code", "indicator_code"]
    if observations.empty or not len(keys):
        return np.full((len(keys), len(years)), np.nan)
    obs = observations[key_cols + ["period", "value"]].copy()
    obs["unit_code"] = obs["unit_code"].astype(str)
    wide = obs.pivot_table(index=key_cols, columns="period", values="value", aggfunc="last")
    wide = wide.reindex(columns=years)
    idx = pd.MultiIndex.from_frame(keys[key_cols].astype({"unit_code": str}))
    return wide.reindex(idx).to_numpy(dtype=float)

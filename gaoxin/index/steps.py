"""Pipeline steps on plain numpy arrays (rows = unit×year, columns = indicators). No I/O.

Order (COINr / OECD-JRC Handbook): denominate → transform → screen → impute → treat → normalise
→ weight → aggregate → rank. Every step is vectorised over units; loops run over years or
indicators only.
"""
from __future__ import annotations

import warnings

import numpy as np

from .spec import ImputeSpec, NormaliseSpec, RankSpec, ScreenSpec, TreatSpec


class DataError(ValueError):
    """Bad input data; the message is Chinese and names the column/unit."""


# ---------------------------------------------------------------- denominate / transform
def denominate(x: np.ndarray, den: np.ndarray) -> np.ndarray:
    """x / den with a zero or missing denominator giving NA (never ±inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x / den
    out[~np.isfinite(out)] = np.nan
    return out


def transform(x: np.ndarray, kind: str, code: str = "") -> np.ndarray:
    if kind == "none":
        return x
    bad = np.isfinite(x) & ((x <= 0) if kind == "log" else (x < 0))
    if bad.any():
        need = "大于 0" if kind == "log" else "不小于 0"
        raise DataError(f"指标 {code} 设定了 {kind} 变换，取值应{need}，但有 {int(bad.sum())} 个值不满足")
    return np.log(x) if kind == "log" else np.sqrt(x)


def transform_scalar(v: float, kind: str) -> float:
    return {"none": v, "log": np.log(v) if v > 0 else np.nan, "sqrt": np.sqrt(v) if v >= 0 else np.nan}[kind]


# ---------------------------------------------------------------- screen
def screen(x: np.ndarray, units: np.ndarray, spec: ScreenSpec) -> np.ndarray:
    """Boolean mask of rows kept: availability ≥ dat_thresh (COINr Screen byNA), with forcing."""
    keep = np.ones(x.shape[0], dtype=bool)
    if spec.method == "byNA":
        keep = np.isfinite(x).mean(axis=1) >= spec.dat_thresh
    if spec.force_include:
        keep |= np.isin(units, spec.force_include)
    if spec.force_exclude:
        keep &= ~np.isin(units, spec.force_exclude)
    return keep


# ---------------------------------------------------------------- impute
def _group_fill(x: np.ndarray, keys: np.ndarray, how: str) -> np.ndarray:
    """Fill NAs with the mean/median of their group (keys: one integer code per row)."""
    out = x.copy()
    reduce = np.nanmean if how == "mean" else np.nanmedian
    for g in np.unique(keys):  # loop over groups (years × regions), not units
        rows = keys == g
        block = x[rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NA group stays NA
            fill = reduce(block, axis=0)
        out[rows] = np.where(np.isnan(block), fill, block)
    return out


def _time_fill(x: np.ndarray, units: np.ndarray, years: np.ndarray, linear: bool) -> np.ndarray:
    """Previous-year carry-forward, or linear interpolation in time (constant at the ends).

    Vectorised: the panel is laid out as (units × years × indicators) and gaps are filled by
    index arithmetic along the year axis.
    """
    uu, ui = np.unique(units, return_inverse=True)
    yy, yi = np.unique(years, return_inverse=True)
    cube = np.full((len(uu), len(yy), x.shape[1]), np.nan)
    cube[ui, yi] = x
    valid = np.isfinite(cube)
    t = np.arange(len(yy))[None, :, None]
    prev = np.maximum.accumulate(np.where(valid, t, -1), axis=1)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(valid, t, len(yy)), axis=1), axis=1), axis=1)
    take = lambda idx: np.take_along_axis(cube, np.clip(idx, 0, len(yy) - 1), axis=1)  # noqa: E731
    vprev, vnext = take(prev), take(nxt)
    has_p, has_n = prev >= 0, nxt < len(yy)
    filled = np.where(has_p, vprev, np.nan)
    if linear:
        yv = yy.astype(float)[None, :, None]
        yp = yy.astype(float)[np.clip(prev, 0, len(yy) - 1)]
        yn = yy.astype(float)[np.clip(nxt, 0, len(yy) - 1)]
        with np.errstate(invalid="ignore", divide="ignore"):
            interp = vprev + (vnext - vprev) * (yv - yp) / (yn - yp)
        filled = np.where(has_p & has_n, interp, np.where(has_p, vprev, np.where(has_n, vnext, np.nan)))
    cube = np.where(valid, cube, filled)
    return cube[ui, yi]


def impute(x: np.ndarray, spec: ImputeSpec, units: np.ndarray, years: np.ndarray,
           groups: np.ndarray | None = None) -> np.ndarray:
    """Fill NAs; cross-sectional methods work within each year, time methods within each unit."""
    if spec.method == "none":
        return x
    if spec.method in ("previous", "linear"):
        return _time_fill(x, units, years, spec.method == "linear")
    _, ykey = np.unique(years, return_inverse=True)
    if spec.method in ("mean", "median"):
        return _group_fill(x, ykey, spec.method)
    if groups is None:
        raise DataError(f"插补方法 {spec.method} 需要分组列 {spec.by}，数据中没有该列")
    g = np.asarray(groups, dtype=object)
    # a unit with no group label is its own group of one: it never takes another group's value
    # (a missing label must not become a group called "nan")
    nolabel = np.array([v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""
                        for v in g], bool)
    labels = np.where(nolabel, "", g.astype(str))
    _, gkey = np.unique(labels, return_inverse=True)
    gkey = np.where(nolabel, gkey.max() + 1 + np.arange(len(g)), gkey)
    out = _group_fill(x, ykey * (gkey.max() + 1) + gkey, spec.method.split("_")[1])
    return out


# ---------------------------------------------------------------- treat
def skew_kurt_cols(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column skewness and excess kurtosis, type 2 (Excel / e1071 type 2 / COINr skew, kurt).

    skew = √n·Σd³/(Σd²)^1.5 · √(n(n−1))/(n−2);  kurt = ((n+1)(r−3)+6)(n−1)/((n−2)(n−3)), r = n·Σd⁴/(Σd²)².
    NAs are removed. With fewer than 4 values the pair is not computable and both are NaN (COINr
    kurt() returns NA below 4 points, bluefoxr/COINr R/treat.R); a constant column gives 0.
    """
    fin = np.isfinite(y)
    n = fin.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(fin, y, 0.0).sum(axis=0) / n
        d = np.where(fin, y - mu, 0.0)
        d2 = d * d                                  # products, not ** (pow is slow)
        m2, m3, m4 = d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)
        sk = np.sqrt(n) * m3 / m2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * m4 / m2 ** 2
        ku = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    const = m2 <= 1e-12 * np.maximum(1.0, mu ** 2) * np.maximum(n, 1)
    sk = np.where(const, 0.0, sk)
    ku = np.where(const, 0.0, ku)
    few = n < 4
    return np.where(few, np.nan, sk), np.where(few, np.nan, ku)


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    s, k = skew_kurt_cols(np.asarray(x, float).reshape(-1, 1))
    return float(s[0]), float(k[0])


def treat_matrix(x: np.ndarray, t: TreatSpec, details: bool = False):
    """COINr Treat() with its defaults (winsorise, then log_CT) on every column at once.

    Rule (bluefoxr/COINr R/treat.R, winsorise()): a column fails when |skew| ≥ t.skew and
    kurt ≥ t.kurtosis. While it fails and the counter is below `winmax`, one step is taken: on the
    side of the current skew (≥ 0: high side) every point equal to the current extreme (ties and
    points moved earlier included) takes the next value. The counter is then set — not added to —
    to length(imax) + length(imin): the number of points moved at the latest high-side step plus
    the number moved at the latest low-side step (each is kept from its own side's last step, as
    COINr keeps both index vectors). So without ties the counter after step k is k, and winmax = 5
    allows five steps. A column still failing then gets log_CT, log(x − min + 0.01·(max − min)), of
    the original values. A column whose skew/kurtosis is not computable (fewer than 4 values) is
    left untreated. Returns (treated, nwin, logged[, steps, not_computable]).
    """
    y = x.copy()
    ncol = x.shape[1]
    nwin = np.zeros(ncol, int)
    nsteps = np.zeros(ncol, int)
    sk0, _ = skew_kurt_cols(y) if y.size else (np.zeros(ncol), None)
    nocomp = ~np.isfinite(sk0) if y.size else np.zeros(ncol, bool)
    if t.method == "none" or y.size == 0:
        out = (y, nwin, np.zeros(ncol, bool))
        return out + (nsteps, nocomp) if details else out

    def fails(a):
        s, k = skew_kurt_cols(a)
        with np.errstate(invalid="ignore"):
            return np.isfinite(s) & np.isfinite(k) & (np.abs(s) >= t.skew) & (k >= t.kurtosis)

    last_hi = np.zeros(ncol, int)
    last_lo = np.zeros(ncol, int)
    active = fails(y) & (nwin < t.winmax)
    fin = np.isfinite(y)
    while active.any():
        s, _ = skew_kurt_cols(y)
        hi_side = s >= 0
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ext = np.where(hi_side, np.nanmax(y, axis=0), np.nanmin(y, axis=0))
            pos = fin & (y == ext) & active
            rest = np.where(pos | ~fin, np.nan, y)
            nxt = np.where(hi_side, np.nanmax(rest, axis=0), np.nanmin(rest, axis=0))
        stuck = active & ~np.isfinite(nxt)               # nothing left to Winsorise to
        pos &= ~stuck
        step = active & ~stuck
        y = np.where(pos, nxt, y)
        moved = pos.sum(axis=0)
        last_hi = np.where(step & hi_side, moved, last_hi)
        last_lo = np.where(step & ~hi_side, moved, last_lo)
        nwin = np.where(step, last_hi + last_lo, nwin)
        nsteps += step
        active = step & fails(y) & (nwin < t.winmax)
    logged = fails(y)
    if logged.any():
        xo = x[:, logged]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanmin(xo, axis=0), np.nanmax(xo, axis=0)
        y[:, logged] = np.log(xo - lo + 0.01 * (hi - lo))
    out = (y, np.where(logged, 0, nwin), logged)
    return out + (nsteps, nocomp) if details else out


def treat_column(x: np.ndarray, t: TreatSpec) -> tuple[np.ndarray, dict]:
    y, nwin, logged, nsteps, nocomp = treat_matrix(np.asarray(x, float).reshape(-1, 1), t, details=True)
    return y[:, 0], {"winsorised": int(nwin[0]), "log": bool(logged[0]), "steps": int(nsteps[0]),
                     "not_computable": bool(nocomp[0])}


def treat(x: np.ndarray, t: TreatSpec, years: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Treat each indicator within each year (COINr treats each year's coin separately).

    Log entries: winsorised (COINr's nwin counter at the end; 0 when log-treated), steps (number of
    Winsorisation steps tried), log, not_computable (fewer than 4 values: skew/kurtosis not
    computable, no treatment)."""
    if t.method == "none":
        return x, []
    out = x.copy()
    log = []
    for yr in np.unique(years):
        rows = years == yr
        out[rows], nwin, logged, nsteps, nocomp = treat_matrix(x[rows], t, details=True)
        for j in np.flatnonzero((nwin > 0) | logged | nocomp | (nsteps > 0)):
            log.append({"year": int(yr), "col": int(j), "winsorised": int(nwin[j]), "log": bool(logged[j]),
                        "steps": int(nsteps[j]), "not_computable": bool(nocomp[j])})
    return out, log


# ---------------------------------------------------------------- normalise
def _rankdata(a: np.ndarray, method: str) -> np.ndarray:
    """Ascending ranks along axis 0 with scipy.stats.rankdata's tie methods (numpy only, so that
    importing the engine does not import scipy.stats)."""
    a = np.asarray(a, float)
    if a.ndim == 1:
        return _rankdata(a[:, None], method)[:, 0]
    n = a.shape[0]
    flat = a.reshape(n, -1)
    order = np.argsort(flat, axis=0, kind="mergesort")
    srt = np.take_along_axis(flat, order, axis=0)
    out = np.empty_like(flat, dtype=float)
    if method == "ordinal":
        r = np.broadcast_to(np.arange(1, n + 1, dtype=float)[:, None], flat.shape)
    else:
        new = np.ones(flat.shape, bool)
        new[1:] = srt[1:] != srt[:-1]
        dense = np.cumsum(new, axis=0)                  # 1-based group number in sorted order
        if method == "dense":
            r = dense.astype(float)
        else:
            idx = np.arange(n)[:, None]
            first = np.maximum.accumulate(np.where(new, idx, 0), axis=0)      # start of each tie group
            last_new = np.ones(flat.shape, bool)
            last_new[:-1] = srt[1:] != srt[:-1]
            last = np.flip(np.minimum.accumulate(np.flip(np.where(last_new, idx, n), axis=0), axis=0), axis=0)
            if method == "min":
                r = first + 1.0
            elif method == "max":
                r = last + 1.0
            else:                                       # average
                r = (first + last) / 2.0 + 1.0
    np.put_along_axis(out, order, r, axis=0)
    return out.reshape(a.shape)


def _rank_cols(x: np.ndarray, method: str = "min") -> np.ndarray:
    """Ascending ranks per column (higher value, higher rank), NA stays NA."""
    r = _rankdata(np.where(np.isnan(x), np.inf, x), method)
    r[np.isnan(x)] = np.nan
    return r


def normalise(x: np.ndarray, spec: NormaliseSpec, directions: np.ndarray, years: np.ndarray,
              goalposts: np.ndarray | None = None, targets: np.ndarray | None = None) -> np.ndarray:
    """Normalise each column, higher = better after multiplying by the direction (COINr).

    Parameters (min, max, mean, sd, ranks) come from each year's cross-section, or from the rows
    of `pooled_years` applied to every row, so scores are comparable across years.
    goalposts: (n_ind, 2) in the transformed unit, NaN where not set; targets: (n_ind,).
    """
    xd = x * directions[None, :]
    lo, hi = spec.range
    out = np.full_like(xd, np.nan, dtype=float)
    if spec.pooled_years:
        blocks = [(np.ones(len(years), bool), np.isin(years, spec.pooled_years))]
        if not blocks[0][1].any():
            raise DataError(f"pooled_years {spec.pooled_years} 在数据中没有任何年份")
    else:
        blocks = [(years == y, years == y) for y in np.unique(years)]
    for apply_rows, ref_rows in blocks:
        ref, xa = xd[ref_rows], xd[apply_rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            if spec.method == "minmax":
                mn, mx = np.nanmin(_nan_safe(ref), axis=0), np.nanmax(_nan_safe(ref), axis=0)
                v = (xa - mn) / (mx - mn)          # zero range gives NaN, as COINr
                v[:, (mx - mn) == 0] = np.nan
                out[apply_rows] = lo + v * (hi - lo)
            elif spec.method == "zscore":
                mu = np.nanmean(_nan_safe(ref), axis=0)
                sd = np.nanstd(_nan_safe(ref), axis=0, ddof=1)   # sample sd, as COINr n_zscore
                sd[sd == 0] = np.nan
                out[apply_rows] = spec.mean + spec.sd * (xa - mu) / sd
            elif spec.method == "goalposts":
                if goalposts is None or np.isnan(goalposts).any():
                    miss = [] if goalposts is None else np.flatnonzero(np.isnan(goalposts[:, 0])).tolist()
                    raise DataError(f"归一化方法 goalposts 需要每个指标在框架中设定 goalposts，缺少的列序号：{miss}")
                gp = goalposts * directions[:, None]
                gl, gh = np.minimum(gp[:, 0], gp[:, 1]), np.maximum(gp[:, 0], gp[:, 1])
                v = np.clip((xa - gl) / (gh - gl), 0.0, 1.0)      # truncate to the goalposts
                out[apply_rows] = lo + v * (hi - lo)
            elif spec.method == "target":
                if targets is None or np.isnan(targets).any():
                    raise DataError("归一化方法 target 需要每个指标在框架中设定 target")
                tg = targets * directions
                mn = np.nanmin(_nan_safe(ref), axis=0)
                v = (xa - mn) / (tg - mn)
                if spec.cap:
                    v = np.minimum(v, 1.0)
                out[apply_rows] = lo + v * (hi - lo)
            elif spec.method in ("prank", "rank"):
                if spec.pooled_years:
                    # rank of each value within the pooled reference distribution
                    r = np.full_like(xa, np.nan)
                    for j in range(xa.shape[1]):
                        refj = np.sort(ref[:, j][np.isfinite(ref[:, j])])
                        below = np.searchsorted(refj, xa[:, j], side="left")
                        r[:, j] = np.where(np.isfinite(xa[:, j]), below + 1, np.nan)
                    n = np.isfinite(ref).sum(axis=0)
                else:
                    r = _rank_cols(xa, "min")
                    n = np.isfinite(xa).sum(axis=0)
                if spec.method == "rank":
                    out[apply_rows] = r
                else:
                    v = (r - 1) / (n - 1)                   # COINr n_prank
                    if spec.pooled_years:
                        # a value outside the pooled reference range scores as its nearest end,
                        # so a percentile rank stays in [0, 1]
                        v = np.clip(v, 0.0, 1.0)
                    out[apply_rows] = lo + v * (hi - lo)
    return out


def _nan_safe(a: np.ndarray) -> np.ndarray:
    """All-NaN columns give NaN without RuntimeWarnings from nan-reductions."""
    return a if a.size else np.full((1, a.shape[1]), np.nan)


# ---------------------------------------------------------------- rank
def rank_scores(scores: np.ndarray, spec: RankSpec, groups: np.ndarray | None = None) -> np.ndarray:
    """Rank 1 = best (highest score) per column; ties `min` (sport ranking); NA stays NA.

    scores: (units, ...) — every trailing column ranked independently (replications).
    groups: optional per-row labels (years); ranks are computed within each group.
    """
    s = np.asarray(scores, dtype=float)
    if spec.round is not None:
        s = np.round(s, spec.round)
    if groups is None:
        return _rank_desc(s, spec.ties)
    out = np.full_like(s, np.nan)
    for g in np.unique(groups):
        rows = groups == g
        out[rows] = _rank_desc(s[rows], spec.ties)
    return out


def _rank_desc(s: np.ndarray, ties: str) -> np.ndarray:
    nan = np.isnan(s)
    r = _rankdata(np.where(nan, np.inf, -s), ties)
    r[nan] = np.nan
    return r

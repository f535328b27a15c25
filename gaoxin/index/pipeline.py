"""The index pipeline: wide data frame + framework + method spec → IndexResult. Pure, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import steps
from .aggregate import aggregate_tree, base_weights
from .framework import Framework
from .spec import MethodSpec
from .steps import DataError

KEY_COLUMNS = ("unit", "name", "year")


@dataclass
class Prepared:
    """Data after denomination, transform and screening: rows = unit×year, cols = indicators."""
    rows: pd.DataFrame                 # unit, name, year (+ other non-indicator columns)
    x: np.ndarray                      # (rows, indicators), higher-is-better not yet applied
    units: np.ndarray
    years: np.ndarray
    has_year: bool
    directions: np.ndarray
    goalposts: np.ndarray              # (indicators, 2), transformed, NaN where unset
    targets: np.ndarray
    dropped: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    # screening order "after_impute" (COINr): imputation sees every row, then the screened rows
    # are kept. These hold the unscreened data and the keep mask; None with "before_impute".
    all_rows: pd.DataFrame | None = None
    all_x: np.ndarray | None = None
    keep: np.ndarray | None = None
    # every stage is visible (IndexResult.stage_tables): the data as given and after denomination
    # and transform, for every row before screening, and the screening mask over those rows
    given: np.ndarray | None = None
    denominated: np.ndarray | None = None
    rows_before_screen: pd.DataFrame | None = None
    screen_mask: np.ndarray | None = None


def _numeric(df: pd.DataFrame, col: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
        return df[col].to_numpy(dtype=float)
    v = pd.to_numeric(df[col], errors="coerce")
    bad = v.isna() & df[col].notna() & (df[col].astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"列 {col} 第 {i + 2} 行（单位 {df['unit'].iloc[i]}）的值 {df[col].iloc[i]!r} 不是数值")
    return v.to_numpy(dtype=float)


def prepare(fw: Framework, data: pd.DataFrame, spec: MethodSpec) -> Prepared:
    if "unit" not in data.columns:
        raise DataError("数据缺少 unit 列（单位代码）")
    missing = [c for c in fw.indicators if c not in data.columns]
    if missing:
        raise DataError(f"数据缺少框架中的指标列：{', '.join(missing)}")
    if spec.denominate:
        miss_d = [c for c in fw.denominators if c not in data.columns]
        if miss_d:
            raise DataError(f"数据缺少分母列：{', '.join(miss_d)}（或在方法设定中写 denominate: false）")
    df = data.reset_index(drop=True)
    has_year = "year" in df.columns
    years = df["year"].to_numpy() if has_year else np.zeros(len(df), dtype=int)
    if has_year and df["year"].isna().any():
        i = int(np.flatnonzero(df["year"].isna().to_numpy())[0])
        raise DataError(f"year 列第 {i + 2} 行为空")
    if has_year:
        yv = pd.to_numeric(df["year"], errors="coerce")
        bad = yv.isna() | (yv != yv.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"year 列第 {i + 2} 行的值 {df['year'].iloc[i]!r} 不是整数年份")
        years = yv.astype(int).to_numpy()
    units = df["unit"].astype(str).to_numpy()
    dup = pd.Series(list(zip(units, years))).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"单位 {units[i]}" + (f" 在 {years[i]} 年" if has_year else "") + " 有重复行"
                        f"（第 {i + 2} 行）")
    x = np.column_stack([_numeric(df, c) for c in fw.indicators]) if fw.indicators else np.empty((len(df), 0))
    given = x.copy()
    nodes = [fw.nodes[c] for c in fw.indicators]
    gp = np.full((len(nodes), 2), np.nan)
    tg = np.full(len(nodes), np.nan)
    for j, n in enumerate(nodes):
        if spec.denominate and n.denominator:
            x[:, j] = steps.denominate(x[:, j], _numeric(df, n.denominator))
        x[:, j] = steps.transform(x[:, j], n.transform, n.code)
        if n.goalposts is not None:
            gp[j] = [steps.transform_scalar(v, n.transform) for v in n.goalposts]
        if n.target is not None:
            tg[j] = steps.transform_scalar(n.target, n.transform)
    keep = steps.screen(x, units, spec.screen)       # availability of the raw (denominated) data
    rows = df[[c for c in df.columns if c not in fw.indicators and c not in fw.denominators]]
    dropped = sorted(set(units[~keep]))
    after = spec.screen.method != "none" and spec.screen.order == "after_impute" and not keep.all()
    return Prepared(rows=rows[keep].reset_index(drop=True), x=x[keep], units=units[keep],
                    years=years[keep], has_year=has_year,
                    directions=np.array([n.direction for n in nodes], float), goalposts=gp,
                    targets=tg, dropped=dropped, indicators=list(fw.indicators),
                    all_rows=rows.reset_index(drop=True) if after else None,
                    all_x=x if after else None, keep=keep if after else None,
                    given=given, denominated=x, rows_before_screen=rows.reset_index(drop=True),
                    screen_mask=keep)


def normalised(prep: Prepared, spec: MethodSpec,
               collect: dict | None = None) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Impute → treat → normalise. Returns (imputed, normalised, treatment log).

    `collect` (a dict) receives the intermediate stages: "imputed_all" (with COINr's order, the
    imputed data set before the screened units are removed; else None) and "treated"."""
    groups = None
    full = prep.keep is not None and spec.impute.method != "none"
    rows = prep.all_rows if full else prep.rows
    if spec.impute.by:
        if spec.impute.by not in rows.columns:
            raise DataError(f"插补分组列 {spec.impute.by} 不在数据中")
        groups = rows[spec.impute.by].to_numpy()
    if full:
        # COINr order: impute the whole data set, then remove the screened-out units
        units = rows["unit"].astype(str).to_numpy()
        years = rows["year"].to_numpy().astype(int) if prep.has_year else np.zeros(len(rows), int)
        xi_all = steps.impute(prep.all_x, spec.impute, units, years, groups)
        xi = xi_all[prep.keep]
        if collect is not None:
            collect["imputed_all"] = xi_all
    else:
        xi = steps.impute(prep.x, spec.impute, prep.units, prep.years, groups)
    xt, log = steps.treat(xi, spec.treat, prep.years)
    if collect is not None:
        collect.setdefault("imputed_all", None)
        collect["treated"] = xt
    log = [{**e, "col": prep.indicators[e["col"]]} for e in log]
    xn = steps.normalise(xt, spec.normalise, prep.directions, prep.years, prep.goalposts, prep.targets)
    return xi, xn, log


def score_years(fw: Framework, prep: Prepared, xn: np.ndarray, spec: MethodSpec,
                weight_sets: np.ndarray | None = None, years: list[int] | None = None,
                base: dict[str, float] | None = None, full: bool = True):
    """Aggregate each selected year's cross-section. Returns (row mask, scores (rows, codes, K), weights).

    With full=False the scores hold the aggregates only, in `fw.aggregates` order."""
    if years is not None and not prep.has_year:
        raise DataError(f"数据没有 year 列，不能按年份 {years} 筛选")
    sel = np.ones(len(prep.years), bool) if years is None else np.isin(prep.years, years)
    if years is not None and not sel.any():
        raise DataError(f"数据中没有年份 {years}；已有年份：{sorted(set(prep.years.tolist()))}")
    k = 1 if weight_sets is None else weight_sets.shape[1]
    # every selected row belongs to exactly one year below, so every row is written
    scores = np.empty((int(sel.sum()), len(fw.codes) if full else len(fw.aggregates), k))
    used_by_year = {}
    ys = prep.years[sel]
    xs = xn[sel]
    for y in np.unique(ys):  # cross-sections: data-driven weights, TOPSIS and Copeland are per year
        r = ys == y
        scores[r], used_by_year[int(y)] = aggregate_tree(fw, xs[r], spec, weight_sets, base=base, full=full)
    return sel, scores, used_by_year


def run(fw: Framework, data: pd.DataFrame, spec: MethodSpec, years: list[int] | None = None):
    from .results import IndexResult

    prep = prepare(fw, data, spec)
    base, crs = base_weights(fw, spec)
    collect: dict = {}
    xi, xn, log = normalised(prep, spec, collect)
    sel, scores, used = score_years(fw, prep, xn, spec, base=base, years=years)
    s2 = scores[:, :, 0]
    ranks = steps.rank_scores(s2, spec.rank, prep.years[sel])
    from .aggregate import guarded_values
    return IndexResult(framework=fw, spec=spec, rows=prep.rows[sel].reset_index(drop=True),
                       has_year=prep.has_year, raw=prep.x[sel], imputed=xi[sel], normalised=xn[sel],
                       score_matrix=s2, rank_matrix=ranks, weights_used=used, base_weights=base,
                       consistency=crs, treatment_log=log, dropped_units=prep.dropped,
                       zero_guard_changes=guarded_values(fw, s2, list(fw.codes), spec),
                       stages=_stages(prep, collect, sel, spec))


def _stages(prep: Prepared, collect: dict, sel: np.ndarray, spec: MethodSpec) -> dict:
    """The intermediate data sets of the scored years, for IndexResult.stage_tables():
    before screening (every row of those years): given, denominated, screen mask, and with COINr's
    order the imputed data set before removal; after screening (the scored rows): treated."""
    scored_years = set(prep.years[sel].tolist())
    rows_b = prep.rows_before_screen
    years_b = rows_b["year"].to_numpy() if prep.has_year else np.zeros(len(rows_b), int)
    in_years = np.isin(years_b, list(scored_years)) if prep.has_year else np.ones(len(rows_b), bool)
    imputed_all = collect.get("imputed_all")
    return {"rows_before_screen": rows_b[in_years].reset_index(drop=True),
            "given": prep.given[in_years], "denominated": prep.denominated[in_years],
            "screen_mask": prep.screen_mask[in_years],
            "imputed_before_screen": None if imputed_all is None else imputed_all[in_years],
            "treated": collect["treated"][sel], "order": spec.screen.order}

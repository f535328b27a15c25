"""Every stage and analysis of a built index visible: the intermediate data sets (raw → aggregated)
and the analyses on any of them. Pure: tables in, tables out; mixed into IndexResult."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import steps
from .framework import Framework
from .spec import defaults

STAGES = ("raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated")
STAGE_NAMES = {"raw": "原始数据", "denominated": "分母化与变换后", "imputed": "插补后", "screened": "筛选后",
               "treated": "异常值处理后", "normalised": "标准化后", "aggregated": "合成得分"}


def _keys(rows: pd.DataFrame) -> list[str]:
    return [c for c in ("unit", "name", "year") if c in rows.columns]


def _frame(rows: pd.DataFrame, m: np.ndarray, codes: list[str]) -> pd.DataFrame:
    out = rows[_keys(rows)].reset_index(drop=True).copy()
    out["unit"] = out["unit"].astype(str)
    return pd.concat([out, pd.DataFrame(m, columns=codes)], axis=1)


def _alpha(df: pd.DataFrame) -> float:
    """Cronbach's alpha from the pairwise covariance matrix (COINr get_cronbach)."""
    k = df.shape[1]
    if k < 2 or df.notna().sum().min() < 2:
        return float("nan")
    cov = df.cov().to_numpy()
    if not np.isfinite(cov).all() or cov.sum() == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def coinr_stats(m: pd.DataFrame, t: dict | None = None) -> pd.DataFrame:
    """COINr get_stats() on the columns of `m` (bluefoxr/COINr R/stats.R), same columns and flags:
    Min, Max, Mean, Median, Std, Skew, Kurt, N.Avail, N.NonZero, N.Unique, N.Same, Frc.Avail,
    Frc.NonZero (of available), Frc.Unique (of available), Frc.Same (of available), Flag.Avail
    (Frc.Avail < t_avail → LOW), Flag.NonZero (non-zero count / all rows < t_zero → LOW),
    Flag.Unique (unique count / all rows < t_unq → LOW), Flag.SkewKurt (|Skew| > t_skew and
    Kurt > t_kurt → OUT). Skew/Kurt with fewer than 4 values are not computable (NaN, flag ok)."""
    t = t or defaults()["stats"]
    rows = []
    n = len(m)
    for code in m.columns:
        v = m[code].to_numpy(dtype=float)
        f = v[np.isfinite(v)]
        na = f.size
        sk, ku = steps.skew_kurt(f) if na else (np.nan, np.nan)
        nz = int((f != 0).sum())
        _, counts = np.unique(f, return_counts=True)
        nunq = int(counts.size)
        nsame = int(counts.max()) if counts.size else 0
        rows.append({
            "iCode": code, "Min": f.min() if na else np.nan, "Max": f.max() if na else np.nan,
            "Mean": f.mean() if na else np.nan, "Median": float(np.median(f)) if na else np.nan,
            "Std": f.std(ddof=1) if na > 1 else np.nan, "Skew": sk, "Kurt": ku,
            "N.Avail": na, "N.NonZero": nz, "N.Unique": nunq, "N.Same": nsame,
            "Frc.Avail": na / n if n else np.nan, "Frc.NonZero": nz / na if na else np.nan,
            "Frc.Unique": nunq / na if na else np.nan, "Frc.Same": nsame / na if na else np.nan,
            "Flag.Avail": "ok" if n and na / n >= t["t_avail"] else "LOW",
            "Flag.NonZero": "ok" if n and nz / n >= t["t_zero"] else "LOW",
            "Flag.Unique": "ok" if n and nunq / n >= t["t_unq"] else "LOW",
            "Flag.SkewKurt": "OUT" if (np.isfinite(sk) and np.isfinite(ku) and abs(sk) > t["t_skew"]
                                       and ku > t["t_kurt"]) else "ok"})
    return pd.DataFrame(rows)


def pca_table(m: pd.DataFrame) -> dict[str, Any]:
    """Principal components of the columns of `m` on the complete rows, standardised (the
    correlation matrix; R prcomp(scale. = TRUE) as COINr get_PCA). Loadings are the eigenvectors
    (prcomp's rotation), each component's sign chosen so its loadings sum to ≥ 0.
    Returns loadings (code × PC1…PCk), variance_share per component, first_share, n_rows."""
    cc = m.dropna()
    k = m.shape[1]
    if k < 2 or len(cc) < 3:
        return {"loadings": pd.DataFrame(index=list(m.columns)), "variance_share": [],
                "first_share": float("nan"), "n_rows": int(len(cc))}
    sd = cc.std(ddof=1)
    if (sd == 0).any():
        return {"loadings": pd.DataFrame(index=list(m.columns)), "variance_share": [],
                "first_share": float("nan"), "n_rows": int(len(cc))}
    corr = np.corrcoef(((cc - cc.mean()) / sd).to_numpy(), rowvar=False)
    val, vec = np.linalg.eigh(corr)
    order = np.argsort(val)[::-1]
    val, vec = np.clip(val[order], 0, None), vec[:, order]
    vec = vec * np.where(vec.sum(axis=0) < 0, -1.0, 1.0)
    share = val / val.sum()
    load = pd.DataFrame(vec, index=list(m.columns), columns=[f"PC{i + 1}" for i in range(k)])
    return {"loadings": load, "variance_share": [float(v) for v in share], "first_share": float(share[0]),
            "n_rows": int(len(cc))}


class StageAnalyses:
    """Mixin of IndexResult: the stage tables and the analyses on any stage (COINr get_stats,
    get_corr, get_cronbach, get_PCA, get_data_avail, remove_elements)."""

    def stage_tables(self) -> dict[str, pd.DataFrame]:
        """Every stage of the scored years as a table (key columns + one column per indicator; the
        aggregated stage has every node's score and rank): raw (as given), denominated
        (denominators and log/sqrt transforms applied), imputed, screened, treated, normalised,
        aggregated. Before screening every unit is shown; from "screened" on only the kept units.
        With COINr's order (impute, then screen) "imputed" covers every unit and "screened" is the
        imputed data of the kept units; with the order before_impute "screened" comes before
        imputation and equals the denominated data of the kept units."""
        st, ind = self.stages, self.framework.indicators
        if not st:
            raise KeyError("该结果没有保存中间阶段数据")
        before = st["rows_before_screen"]
        out = {"raw": _frame(before, st["given"], ind), "denominated": _frame(before, st["denominated"], ind)}
        if st.get("imputed_before_screen") is not None:
            out["imputed"] = _frame(before, st["imputed_before_screen"], ind)
        else:
            out["imputed"] = _frame(self.rows, self.imputed, ind)
        after_impute = st.get("order", "after_impute") == "after_impute"
        out["screened"] = _frame(self.rows, self.imputed if after_impute else self.raw, ind)
        out["treated"] = _frame(self.rows, st["treated"], ind)
        out["normalised"] = _frame(self.rows, self.normalised, ind)
        agg = list(reversed(self.framework.aggregates))
        sc = _frame(self.rows, self.score_matrix, self.codes)[_keys(self.rows) + agg]
        for c in agg:
            sc[f"rank_{c}"] = self.rank_matrix[:, self.codes.index(c)]
        out["aggregated"] = sc
        return out

    def stage_matrix(self, stage: str, year: int | None = None) -> pd.DataFrame:
        """One stage's numbers (indicator columns; every node for "aggregated") for one year
        (the latest by default), rows = units."""
        if stage not in STAGES:
            raise KeyError(f"没有阶段 {stage}；可选：{'、'.join(STAGES)}")
        if stage == "aggregated":
            return self.scores[self._year_rows(year)].reset_index(drop=True)
        t = self.stage_tables()[stage]
        if "year" in t.columns:
            y = t["year"].max() if year is None else year
            t = t[t["year"] == y]
        return t[self.framework.indicators].reset_index(drop=True)

    def get_stats(self, stage: str = "raw", year: int | None = None) -> pd.DataFrame:
        """COINr get_stats() of a stage's indicators (see coinr_stats)."""
        m = self.stage_matrix(stage, year)
        if stage == "aggregated":
            m = m[self.framework.aggregates]
        return coinr_stats(m)

    def _group(self, group, stage: str) -> list[str]:
        fw = self.framework
        if isinstance(group, (list, tuple)):
            return list(group)
        node = group or fw.root
        if node not in fw.nodes:
            raise KeyError(f"框架中没有节点 {node}")
        return fw.children(node) if stage == "aggregated" else fw.leaves_under(node)

    def alpha(self, group=None, stage: str = "normalised", year: int | None = None) -> float:
        """Cronbach's alpha of any group on any stage: a node (its children's scores on the
        aggregated stage, the indicators under it on an indicator stage) or a list of codes."""
        m = self.stage_matrix(stage, year)
        return _alpha(m[self._group(group, stage)])

    def pca(self, group=None, stage: str = "normalised", year: int | None = None) -> dict[str, Any]:
        """PCA of a group (as for alpha) on a stage: loadings and each component's variance share."""
        m = self.stage_matrix(stage, year)
        return pca_table(m[self._group(group, stage)])

    def correlations_levels(self, level_a: int = 1, level_b: int | None = None, method: str = "pearson",
                            year: int | None = None, with_parent: bool = False) -> pd.DataFrame:
        """Correlations between the nodes of two levels (1 = indicators, normalised; the root's level
        = the index) on the scored data, as COINr get_corr(Levels = c(a, b)). Long table code_a,
        code_b, r; `with_parent` keeps only pairs where b is an ancestor of a (COINr withparent)."""
        fw = self.framework
        level_b = level_b or fw.nodes[fw.root].level
        a = [c for c in fw.codes if fw.nodes[c].level == level_a]
        b = [c for c in fw.codes if fw.nodes[c].level == level_b]
        sc = self.scores[self._year_rows(year)]
        rows = []
        for cb in b:
            under = set(fw.leaves_under(cb)) | {c for c in fw.codes if cb in _ancestors(fw, c)}
            for ca in a:
                if ca == cb or (with_parent and ca not in under):
                    continue
                r = sc[[ca, cb]].corr(method=method).iloc[0, 1]
                rows.append({"code_a": ca, "name_a": fw.nodes[ca].name, "code_b": cb, "name_b": fw.nodes[cb].name,
                             "r": float(r)})
        return pd.DataFrame(rows, columns=["code_a", "name_a", "code_b", "name_b", "r"])

    def screening_summary(self) -> pd.DataFrame:
        """Per unit and year: indicators available in the (denominated) data, availability share,
        whether the unit was kept, and why not (COINr get_data_avail + Screen)."""
        st = self.stages
        before = st["rows_before_screen"]
        x = st["denominated"]
        out = before[_keys(before)].reset_index(drop=True).copy()
        out["unit"] = out["unit"].astype(str)
        n_ind = x.shape[1]
        out["n_indicators"] = n_ind
        out["n_available"] = np.isfinite(x).sum(axis=1)
        out["availability"] = out["n_available"] / n_ind if n_ind else np.nan
        out["kept"] = st["screen_mask"]
        sp = self.spec.screen
        reason = np.where(out["kept"], "", f"数据可得率低于 {sp.dat_thresh:g}")
        if sp.force_exclude:
            reason = np.where(out["unit"].isin(sp.force_exclude), "按方法设定强制剔除", reason)
        if sp.force_include:
            reason = np.where(out["unit"].isin(sp.force_include) & out["kept"], "按方法设定强制保留", reason)
        out["reason"] = reason
        return out

    def treatment_table(self) -> pd.DataFrame:
        """The per-indicator treatment log with names; one row per treated (or checked) column."""
        cols = ["year", "code", "name", "winsorised", "steps", "log", "not_computable"]
        if not self.treatment_log:
            return pd.DataFrame(columns=cols)
        t = pd.DataFrame(self.treatment_log).rename(columns={"col": "code"})
        t["name"] = [self.framework.nodes[c].name for c in t["code"]]
        return t[[c for c in cols if c in t.columns]]

    def analyses(self, year: int | None = None) -> dict[str, pd.DataFrame]:
        """Every analysis as a table, for `index run --stages` and the JSON result."""
        fw = self.framework
        out: dict[str, pd.DataFrame] = {}
        for stage in STAGES:
            out[f"stats_{stage}"] = self.get_stats(stage, year)
        top = fw.nodes[fw.root].level
        corr = [self.correlations_levels(a, b, year=year, with_parent=True)
                for a in range(1, top) for b in range(a + 1, top + 1)]
        out["correlations"] = pd.concat(corr, ignore_index=True) if corr else pd.DataFrame()
        out["correlations_indicators"] = self.correlations_levels(1, 1, year=year)
        alphas, pcas, loads = [], [], []
        for node in fw.aggregates:
            for stage in ("normalised", "aggregated"):
                alphas.append({"node": node, "name": fw.nodes[node].name, "stage": stage,
                               "alpha": self.alpha(node, stage, year)})
            p = self.pca(node, "normalised", year)
            pcas.append({"node": node, "name": fw.nodes[node].name, "n_rows": p["n_rows"],
                         "first_share": p["first_share"]})
            if "PC1" in p["loadings"].columns:
                for code, v in p["loadings"]["PC1"].items():
                    loads.append({"node": node, "code": code, "name": fw.nodes[code].name, "PC1": float(v)})
        out["cronbach_alpha"] = pd.DataFrame(alphas)
        out["pca"] = pd.DataFrame(pcas)
        out["pca_loadings"] = pd.DataFrame(loads, columns=["node", "code", "name", "PC1"])
        out["screening"] = self.screening_summary()
        out["treatment"] = self.treatment_table()
        ew = self.effective_weights(year)
        out["effective_weights"] = pd.DataFrame({"code": ew.index, "name": [fw.nodes[c].name for c in ew.index],
                                                 "level": [fw.nodes[c].level for c in ew.index],
                                                 "effective_weight": ew.to_numpy()})
        imp = [self.removal_impact(level, year).assign(level=level) for level in range(1, top)]
        out["removal_impact"] = pd.concat(imp, ignore_index=True) if imp else pd.DataFrame()
        return out


def _ancestors(fw: Framework, code: str) -> set[str]:
    out = set()
    p = fw.nodes[code].parent
    while p is not None:
        out.add(p)
        p = fw.nodes[p].parent
    return out

"""IndexResult: scores and ranks of every node, plus the analyses COINr offers on a built index."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import steps
from .aggregate import aggregate_tree
from .framework import Framework
from .spec import MethodSpec, defaults
from .stages import StageAnalyses


def _num(v) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


@dataclass
class IndexResult(StageAnalyses):
    framework: Framework
    spec: MethodSpec
    rows: pd.DataFrame               # unit, name, year, … (one per scored row)
    has_year: bool
    raw: np.ndarray                  # (rows, indicators) after denomination/transform
    imputed: np.ndarray
    normalised: np.ndarray
    score_matrix: np.ndarray         # (rows, codes) in framework.codes order
    rank_matrix: np.ndarray
    weights_used: dict               # year → node → (children, 1)
    base_weights: dict
    consistency: dict = field(default_factory=dict)   # AHP CR per node
    treatment_log: list = field(default_factory=list)
    dropped_units: list = field(default_factory=list)
    zero_guard_changes: dict = field(default_factory=dict)   # node → child values changed by the zero guard
    stages: dict = field(default_factory=dict)       # intermediate data sets (pipeline._stages)

    # ------------------------------------------------------------------ tables
    @property
    def codes(self) -> list[str]:
        return self.framework.codes

    @property
    def root(self) -> str:
        return self.framework.root

    def _index(self) -> pd.Index:
        if self.has_year and self.rows["year"].nunique() > 1:
            return pd.MultiIndex.from_arrays([self.rows["unit"].astype(str), self.rows["year"]],
                                             names=["unit", "year"])
        return pd.Index(self.rows["unit"].astype(str), name="unit")

    @property
    def scores(self) -> pd.DataFrame:
        """Score of every node (columns) per unit (index; (unit, year) when several years)."""
        return pd.DataFrame(self.score_matrix, index=self._index(), columns=self.codes)

    @property
    def ranks(self) -> pd.DataFrame:
        """Rank of every node per unit within its year (1 = best, ties = min)."""
        return pd.DataFrame(self.rank_matrix, index=self._index(), columns=self.codes)

    def table(self) -> pd.DataFrame:
        """The `index run` output: unit, name, year, every node's score, `rank` of the root."""
        keys = [c for c in ("unit", "name", "year") if c in self.rows.columns]
        out = self.rows[keys].copy().reset_index(drop=True)
        sc = pd.DataFrame(self.score_matrix, columns=self.codes)
        # root and aggregates first for readability, then indicators
        order = list(reversed(self.framework.aggregates)) + self.framework.indicators
        out = pd.concat([out, sc[order]], axis=1)
        out["rank"] = pd.array(self.rank_matrix[:, self.codes.index(self.root)], dtype="Float64").astype("Int64") \
            if self.spec.rank.ties != "average" else self.rank_matrix[:, self.codes.index(self.root)]
        sort = (["year"] if "year" in out.columns else []) + ["rank"]
        return out.sort_values(sort, kind="stable").reset_index(drop=True)

    def _year_rows(self, year: int | None) -> np.ndarray:
        if not self.has_year:
            return np.ones(len(self.rows), bool)
        y = self.rows["year"].to_numpy()
        return y == (y.max() if year is None else year)

    def _unit_row(self, unit: str, year: int | None) -> int:
        m = self._year_rows(year) & (self.rows["unit"].astype(str).to_numpy() == str(unit))
        if not m.any():
            raise KeyError(f"结果中没有单位 {unit}" + (f"（{year} 年）" if year else ""))
        return int(np.flatnonzero(m)[0])

    def ranks_within(self, column: str, node: str | None = None) -> pd.Series:
        """Rank of a node within groups of a data column (e.g. level 国家级/省级, city), per year."""
        if column not in self.rows.columns:
            raise KeyError(f"数据中没有分组列 {column}")
        node = node or self.root
        keys = self.rows[column].astype(str).to_numpy()
        if self.has_year:
            keys = np.char.add(np.char.add(keys, "|"), self.rows["year"].astype(str).to_numpy())
        r = steps.rank_scores(self.score_matrix[:, self.codes.index(node)], self.spec.rank, keys)
        return pd.Series(r, index=self._index(), name=f"rank_in_{column}")

    # ------------------------------------------------------------------ weights
    def effective_weights(self, year: int | None = None) -> pd.Series:
        """Each node's weight in the root: product of parent-normalised weights on its path."""
        used = self.weights_used[max(self.weights_used) if year is None else year]
        w = dict(self.base_weights)
        fw = self.framework
        for code, arr in used.items():
            for kid, v in zip(fw.children(code), arr[:, 0]):
                w[kid] = float(v)
        return pd.Series(fw.effective_weights(w), name="effective_weight").reindex(self.codes)

    # ------------------------------------------------------------------ unit profile
    def strengths_weaknesses(self, unit: str, n: int = 3, year: int | None = None) -> pd.DataFrame:
        """The unit's n best and n worst indicators by its rank among units (COINr get_str_weak)."""
        i = self._unit_row(unit, year)
        ind = self.framework.indicators
        r = self.rank_matrix[i, : len(ind)]
        sc = self.normalised[i]
        df = pd.DataFrame({"code": ind, "name": [self.framework.nodes[c].name for c in ind],
                           "rank": r, "score": sc}).dropna(subset=["rank"])
        df = df.sort_values(["rank", "score"], ascending=[True, False], kind="stable")
        strong = df.head(n).assign(kind="strength")
        weak = df.tail(n).iloc[::-1].assign(kind="weakness")
        return pd.concat([strong, weak], ignore_index=True)[["kind", "code", "name", "rank", "score"]]

    def contributions(self, unit: str, year: int | None = None) -> pd.DataFrame:
        """Each indicator's contribution to the unit's root score; contributions sum to the score.

        Split top-down in proportion to w·x at every node: exact for weighted arithmetic means,
        an attribution (not a derivative) for other aggregation methods.
        """
        i = self._unit_row(unit, year)
        fw = self.framework
        idx = {c: j for j, c in enumerate(self.codes)}
        s = self.score_matrix[i]
        used = self.weights_used[int(self.rows["year"].iloc[i]) if self.has_year else 0]
        contrib = {self.root: s[idx[self.root]]}
        for code in reversed(fw.aggregates):
            kids = fw.children(code)
            w = used[code][:, 0]
            x = np.array([s[idx[k]] for k in kids])
            ok = np.isfinite(x)
            part = np.where(ok, w * np.nan_to_num(x), 0.0)
            tot = part.sum()
            for k, pv in zip(kids, part):
                contrib[k] = contrib.get(code, 0.0) * (pv / tot if tot != 0 else 0.0)
        ind = fw.indicators
        out = pd.DataFrame({"code": ind, "name": [fw.nodes[c].name for c in ind],
                            "score": self.normalised[i], "contribution": [contrib.get(c, 0.0) for c in ind]})
        total = s[idx[self.root]]
        out["share"] = out["contribution"] / total if total else np.nan
        return out.sort_values("contribution", ascending=False, kind="stable").reset_index(drop=True)

    # ------------------------------------------------------------------ time
    def year_on_year(self) -> pd.DataFrame:
        """Score and rank change of every node against the unit's previous year in the result."""
        if not self.has_year:
            return pd.DataFrame(columns=["unit", "year", "code", "score", "change", "rank", "rank_change"])
        sc = self.scores.reset_index() if isinstance(self.scores.index, pd.MultiIndex) else \
            self.scores.reset_index().assign(year=self.rows["year"].to_numpy())
        rk = self.ranks.reset_index() if isinstance(self.ranks.index, pd.MultiIndex) else \
            self.ranks.reset_index().assign(year=self.rows["year"].to_numpy())
        ls = sc.melt(id_vars=["unit", "year"], var_name="code", value_name="score")
        lr = rk.melt(id_vars=["unit", "year"], var_name="code", value_name="rank")
        df = ls.merge(lr, on=["unit", "year", "code"]).sort_values(["unit", "code", "year"])
        g = df.groupby(["unit", "code"], sort=False)
        df["change"] = df["score"] - g["score"].shift(1)
        df["rank_change"] = g["rank"].shift(1) - df["rank"]       # positive = moved up
        return df[["unit", "year", "code", "score", "change", "rank", "rank_change"]].reset_index(drop=True)

    # ------------------------------------------------------------------ statistics
    def statistics(self, which: str = "raw", year: int | None = None) -> pd.DataFrame:
        """Per-indicator min/max/mean/median/sd/skew/kurt/availability/zeros/unique (COINr get_stats)."""
        m = {"raw": self.raw, "imputed": self.imputed, "normalised": self.normalised}[which]
        m = m[self._year_rows(year)]
        rows = []
        for j, c in enumerate(self.framework.indicators):
            v = m[:, j]
            f = v[np.isfinite(v)]
            sk, ku = steps.skew_kurt(f)
            rows.append({"code": c, "min": f.min() if f.size else np.nan, "max": f.max() if f.size else np.nan,
                         "mean": f.mean() if f.size else np.nan,
                         "median": np.median(f) if f.size else np.nan,
                         "sd": f.std(ddof=1) if f.size > 1 else np.nan, "skew": sk, "kurt": ku,
                         "availability": f.size / max(v.size, 1), "zeros": int((f == 0).sum()),
                         "unique": int(np.unique(f).size)})
        out = pd.DataFrame(rows).set_index("code")
        t = defaults()["stats"]
        out["flag_outlier"] = (out["skew"].abs() >= t["t_skew"]) & (out["kurt"] >= t["t_kurt"])
        out["flag_availability"] = out["availability"] < t["t_avail"]
        return out

    def correlation_flags(self, method: str = "pearson", year: int | None = None,
                          high: float | None = None, low: float | None = None) -> pd.DataFrame:
        """Sibling pairs that are collinear (r > high) or conflicting (r < low), per aggregate node."""
        t = defaults()["correlation_flags"]
        high = t["high"] if high is None else high
        low = t["low"] if low is None else low
        rows = []
        for node in self.framework.aggregates:
            kids = self.framework.children(node)
            if len(kids) < 2:
                continue
            c = self.scores[self._year_rows(year)][kids].corr(method=method).to_numpy()
            i, j = np.triu_indices(len(kids), 1)
            for a, b, r in zip(i, j, c[i, j]):
                if np.isfinite(r) and (r > high or r < low):
                    rows.append({"node": node, "a": kids[a], "b": kids[b], "r": float(r),
                                 "kind": "collinear" if r > high else "negative"})
        return pd.DataFrame(rows, columns=["node", "a", "b", "r", "kind"])

    def profile(self, unit: str, year: int | None = None, n: int = 3) -> dict[str, Any]:
        """Everything a unit page (园区画像) shows, JSON-ready: node scores and ranks, strengths and
        weaknesses, contributions, change on the previous year."""
        i = self._unit_row(unit, year)
        fw = self.framework
        nodes = [{"code": c, "name": fw.nodes[c].name, "level": fw.nodes[c].level,
                  "score": _num(self.score_matrix[i, k]), "rank": _num(self.rank_matrix[i, k])}
                 for k, c in enumerate(self.codes)]
        yr = int(self.rows["year"].iloc[i]) if self.has_year else None
        change = None
        if self.has_year:
            yoy = self.year_on_year()
            yoy = yoy[(yoy["unit"].astype(str) == str(unit)) & (yoy["year"] == yr)]
            change = {r.code: {"change": _num(r.change), "rank_change": _num(r.rank_change)}
                      for r in yoy.itertuples()}
        rec = lambda df: json.loads(df.to_json(orient="records", force_ascii=False))  # noqa: E731
        return {"unit": str(unit), "name": str(self.rows["name"].iloc[i]) if "name" in self.rows else str(unit),
                "year": yr, "n_units": int(self._year_rows(yr).sum()), "nodes": nodes,
                "strengths_weaknesses": rec(self.strengths_weaknesses(unit, n, yr)),
                "contributions": rec(self.contributions(unit, yr)), "change": change,
                "method": self.spec.to_dict()}

    def correlations(self, node: str | None = None, method: str = "pearson",
                     year: int | None = None) -> pd.DataFrame:
        """Correlations among a node's children and with the node itself (COINr get_corr)."""
        node = node or self.root
        cols = self.framework.children(node) + [node]
        return self.scores[self._year_rows(year)][cols].corr(method=method)

    def cronbach_alpha(self, node: str | None = None, year: int | None = None) -> float:
        """Cronbach's alpha of a node's children from their covariance matrix, each covariance over
        the rows where both values exist (pairwise, as COINr get_cronbach's cov(use = "pairwise"))."""
        node = node or self.root
        kids = self.framework.children(node)
        df = self.scores[self._year_rows(year)][kids]
        k = len(kids)
        if k < 2 or df.notna().sum().min() < 2:
            return float("nan")
        cov = df.cov().to_numpy()                 # pandas: pairwise complete observations, ddof 1
        if not np.isfinite(cov).all():
            return float("nan")
        return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))

    def alphas(self, year: int | None = None) -> pd.Series:
        return pd.Series({c: self.cronbach_alpha(c, year) for c in self.framework.aggregates},
                         name="cronbach_alpha")

    def removal_impact(self, level: int | None = None, year: int | None = None) -> pd.DataFrame:
        """Remove each node of a level in turn; mean and max absolute rank change of the root.

        All removals run at once: one weight set per removed node (COINr remove_elements).
        """
        fw = self.framework
        level = level or fw.nodes[fw.root].level - 1
        targets = [c for c in fw.codes if fw.nodes[c].level == level and c != fw.root]
        if not targets:
            return pd.DataFrame(columns=["code", "mean_abs_rank_change", "max_abs_rank_change"])
        rows = self._year_rows(year)
        ws = np.ones((len(fw.codes), len(targets)))
        for k, c in enumerate(targets):
            ws[fw.codes.index(c), k] = 0.0
        sc, _ = aggregate_tree(fw, self.normalised[rows], self.spec, ws, base=self.base_weights)
        root = fw.codes.index(fw.root)
        r = steps.rank_scores(sc[:, root, :], self.spec.rank)
        nominal = self.rank_matrix[rows, root][:, None]
        d = np.abs(r - nominal)
        return pd.DataFrame({"code": targets, "name": [fw.nodes[c].name for c in targets],
                             "mean_abs_rank_change": np.nanmean(d, axis=0),
                             "max_abs_rank_change": np.nanmax(d, axis=0)})

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: method spec, framework, rows with scores and ranks, effective weights."""
        t = self.table()
        rk = pd.DataFrame(self.rank_matrix, columns=[f"rank_{c}" for c in self.codes])
        keys = [c for c in ("unit", "year") if c in self.rows.columns]
        rk = pd.concat([self.rows[keys].reset_index(drop=True), rk], axis=1)
        t = t.merge(rk, on=keys, how="left")
        return {
            "method": self.spec.to_dict(),
            "framework": self.framework.to_dict(),
            "results": json.loads(t.to_json(orient="records", force_ascii=False)),
            "effective_weights": {k: (None if pd.isna(v) else float(v))
                                  for k, v in self.effective_weights().items()},
            "ahp_consistency_ratio": self.consistency,
            "treatment": self.treatment_log,
            "dropped_units": self.dropped_units,
            "zero_guard_changes": self.zero_guard_changes,
        }

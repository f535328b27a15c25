"""Absolute match strength (高 / 中 / 低, or no match), comparable across queries.

The fused ranking score is normalised within each query, so its top hit always looks perfect. The
strength is instead a calibrated probability that a (query, document) pair is a right answer, a
logistic function of four absolute features with non-negative weights (so it is monotone: more of
any feature never lowers the strength):
- closeness: the cosine rescaled per model, (cos − c0) / (c1 − c0), where c0 is the median cosine of
  any pair and c1 the median cosine of a query and its right document (0 ≈ unrelated, 1 ≈ right);
- background: how far the cosine stands above the query's own background, (cos − median) / IQR of
  that query's cosines to the library (a long template-like demand is close to everything; an
  out-of-library query is close to nothing in particular). The whole library, not the query's top
  50, is the background: a demand with dozens of right results would otherwise look weak;
- coverage: the share of the query's term weight found in the document,
  Σ idf(shared terms) / Σ idf(query terms), generic words left out, idf over results and demands
  (`idf_of`; a term no text uses counts with the largest idf, so an out-of-library query covers little);
- bm25: the pair's BM25 score relative to the query's best BM25 score (agreement of the word ranking).
A pair without a vector yet (the build is running) uses the model `bm25` (coverage and bm25 only).
Weights and the bars low / mid / high on the probability are fitted on the dev split of the labelled
set only (`gaoxin.matching.eval.calibrate`, rules in data/settings.yaml `calibration:`) and stored per
model in data/settings.yaml; below `low` a pair is not a suitable match ("无合适匹配" when no result
clears it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bm25 import BM25Index

LABELS = ("低", "中", "高")
NO_MATCH = "无合适匹配"


def idf_of(*indexes: BM25Index) -> tuple[dict[str, float], float]:
    """Lucene BM25 idf per term over the union of the given libraries (results and demands), and the
    idf of a term found in none. Counting both sides gives the boilerplate of one side's texts
    (需求、引进、场地 … in every demand) a low weight, while a term no text uses (an out-of-library
    query's 量子) keeps the largest."""
    n = sum(ix.n_docs for ix in indexes)
    df: dict[str, int] = {}
    for ix in indexes:
        if ix.n_docs == 0 or not ix.vocab:
            continue
        col = np.diff(ix.weights.tocsc().indptr)
        for t, i in ix.vocab.items():
            df[t] = df.get(t, 0) + int(col[i])
    n1 = max(n, 1)
    idf = {t: float(np.log(1 + (n1 - d + 0.5) / (d + 0.5))) for t, d in df.items()}
    return idf, float(np.log(1 + (n1 + 0.5) / 0.5))


def coverage(q_tokens: list[str], d_tokens: list[str], idf: dict[str, float], unseen: float) -> float:
    q = set(t for t in q_tokens if t)
    if not q:
        return 0.0
    w = {t: idf.get(t, unseen) for t in q}
    total = sum(w.values())
    shared = sum(v for t, v in w.items() if t in set(d_tokens))
    return float(shared / total) if total > 0 else 0.0


def coverage_matrix(q_tokens: list[list[str]], bm25: BM25Index, idf: dict[str, float] | None = None,
                    unseen: float | None = None) -> np.ndarray:
    """[n_queries × n_docs] coverage of every query over every document (for calibration)."""
    if idf is None:
        idf, unseen = idf_of(bm25)
    vec = np.zeros(len(bm25.vocab) and bm25.weights.shape[1], np.float32)
    for t, i in bm25.vocab.items():
        vec[i] = idf.get(t, unseen)
    present = (bm25.weights > 0).astype(np.float32).T.tocsr()        # vocab × docs
    q = bm25.query_matrix(q_tokens)                                   # queries × vocab (binary)
    shared = np.asarray((q.multiply(vec[None, :]) @ present).todense(), np.float32)
    totals = np.array([sum(idf.get(t, unseen) for t in set(x if x else [])) for x in q_tokens], np.float32)
    totals[totals <= 0] = 1.0
    return shared / totals[:, None]


FEATURES = ("closeness", "background", "coverage", "bm25")
BM25_FEATURES = ("coverage", "bm25")


@dataclass
class Calibration:
    """Per-model weights and bars (see module doc). `bg_median` / `bg_iqr`: the background used when
    the library is too small for a per-query one (hybrid.BACKGROUND_MIN_DOCS)."""
    weights: dict = field(default_factory=dict)   # bias + some of FEATURES; missing = 0
    c0: float | None = None
    c1: float | None = None
    bg_median: float | None = None
    bg_iqr: float | None = None
    low: float = 0.1
    mid: float = 0.5
    high: float = 0.7

    @classmethod
    def from_settings(cls, doc: dict | None) -> "Calibration":
        doc = dict(doc or {})
        kw = {k: float(v) for k, v in doc.items() if k in ("c0", "c1", "bg_median", "bg_iqr", "low", "mid", "high")}
        return cls(weights={k: float(v) for k, v in (doc.get("weights") or {}).items()}, **kw)

    def features(self, cos=None, cover=0.0, bn=0.0, med=None, iqr=None) -> dict[str, np.ndarray]:
        """The feature values (arrays broadcast together); cos None / NaN → closeness and background NaN."""
        cover = np.asarray(cover, np.float64)
        out = {"coverage": np.clip(cover, 0, 1), "bm25": np.clip(np.nan_to_num(np.asarray(bn, np.float64)), 0, 1)}
        if cos is None:
            return out
        cos = np.asarray(cos, np.float64)
        c0 = 0.0 if self.c0 is None else self.c0
        c1 = 1.0 if self.c1 is None or self.c1 <= c0 else self.c1
        out["closeness"] = np.clip((cos - c0) / (c1 - c0), -3, 3)
        med = np.asarray(np.nan if med is None else med, np.float64)
        med = np.where(np.isnan(med), self.bg_median if self.bg_median is not None else c0, med)
        iqr = np.asarray(np.nan if iqr is None else iqr, np.float64)
        iqr = np.where(np.isnan(iqr) | (iqr <= 0), self.bg_iqr if self.bg_iqr else 1.0, iqr)
        out["background"] = np.clip((cos - med) / iqr, -5, 10)
        return out

    def probability(self, cos=None, cover=0.0, bn=0.0, med=None, iqr=None) -> np.ndarray:
        """P(right answer) in [0, 1] = logistic(bias + Σ weight · feature); a feature not available
        (no cosine given) counts as 0, i.e. as an unrelated pair."""
        f = self.features(cos, cover, bn, med, iqr)
        z = np.full(np.broadcast(*f.values()).shape, self.weights.get("bias", 0.0))
        for name, w in self.weights.items():
            if name != "bias" and w and name in f:
                z = z + w * np.nan_to_num(f[name])
        return 1.0 / (1.0 + np.exp(-z))

    def label(self, p: float) -> str | None:
        """高 / 中 / 低, or None below the low bar (not a suitable match)."""
        if p >= self.high:
            return "高"
        if p >= self.mid:
            return "中"
        if p >= self.low:
            return "低"
        return None


def fit_weights(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], l2: float = 1e-4) -> dict[str, float]:
    """Logistic regression of y (1 = right pair) on the feature columns `x` [n × len(names)] with
    non-negative weights (a monotone strength), by L-BFGS-B; a small L2 penalty keeps it finite."""
    from scipy.optimize import minimize
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)

    def loss(w):
        z = x @ w[1:] + w[0]
        p = 1.0 / (1.0 + np.exp(-z))
        grad_z = (p - y) / len(y)
        val = float(np.mean(np.logaddexp(0, z) - y * z) + l2 * np.sum(w[1:] ** 2))
        return val, np.concatenate([[grad_z.sum()], x.T @ grad_z + 2 * l2 * w[1:]])
    res = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                   bounds=[(None, None)] + [(0.0, None)] * x.shape[1])
    return {"bias": float(res.x[0]), **{n: float(v) for n, v in zip(names, res.x[1:])}}


def choose_bars(p_top1: np.ndarray, right_top1: np.ndarray, p_best_in: np.ndarray, p_best_out: np.ndarray,
                targets: dict) -> dict[str, float]:
    """Bars on the probability from a labelled split (rules in settings.yaml `calibration:`):
    low = the `low_max_missed` quantile of the best probability of queries whose right answer is in
    the library (at most that share wrongly gets 无合适匹配); mid / high = the smallest bar at which the
    top hit is right at least `mid_precision` / `high_precision` of the time (over ≥ `min_queries`)
    and at most `mid_max_out` / `high_max_out` of out-of-library queries (right answer removed) reach
    it. 1.0 = never reached. Made monotone (low ≤ mid ≤ high)."""
    p_top1, right_top1 = np.asarray(p_top1, float), np.asarray(right_top1, float)
    p_best_out = np.asarray(p_best_out, float)
    low = float(np.quantile(p_best_in, float(targets["low_max_missed"])))
    order = np.argsort(-p_top1, kind="stable")
    prec = np.cumsum(right_top1[order]) / np.arange(1, len(order) + 1)
    min_n = int(targets.get("min_queries", 10))

    def bar(precision: float, max_out: float) -> float:
        ok = [float(p_top1[order][k]) for k in range(min_n - 1, len(order))
              if prec[k] >= precision and np.mean(p_best_out >= p_top1[order][k]) <= max_out]
        return min(ok) if ok else 1.0
    mid = max(low, bar(float(targets["mid_precision"]), float(targets["mid_max_out"])))
    high = max(mid, bar(float(targets["high_precision"]), float(targets["high_max_out"])))
    return {"low": low, "mid": mid, "high": high}

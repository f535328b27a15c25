"""Aggregation methods and the level-by-level tree aggregation, vectorised over replications.

Shapes: children scores S (units, children, K), weights W (children, K) → scores (units, K).
All methods are NA-tolerant: a missing child is dropped and the remaining weights renormalised
(COINr a_amean). Geometric/harmonic/negative-p means guard zeros and negatives by flooring.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import weights as wmod
from .framework import Framework
from .spec import AggregateSpec, MethodSpec


class AggregationError(ValueError):
    """Chinese message, names the node."""


def _guard(s: np.ndarray, spec: AggregateSpec, node: str) -> np.ndarray:
    bad = np.isfinite(s) & (s <= 0)
    if not bad.any():
        return s
    if spec.zero_guard == "error":
        raise AggregationError(f"节点 {node} 使用几何/调和平均，但下级得分中有 {int(bad.sum())} 个值 ≤ 0；"
                               "可改用 1–100 区间的归一化，或设置 aggregate.zero_guard: floor 或 shift")
    if spec.zero_guard == "shift":
        # every child value of the node moves by the same amount, so the mean stays defined
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low = np.nanmin(s, axis=(0, 1), keepdims=True) if s.ndim == 3 else np.nanmin(s)
        return s + np.where(np.isfinite(low) & (low <= 0), spec.shift - np.minimum(low, 0), 0.0)
    floor = spec.floor
    if floor is None:
        # 0.1 % of the node's largest child score (per replication): keeps a zero as "very low",
        # not "minus infinity"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            top = np.nanmax(np.abs(s), axis=(0, 1), keepdims=True) if s.ndim == 3 else np.nanmax(np.abs(s))
        top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
        floor = 1e-3 * top
    return np.where(bad, floor, s)


def aggregate(s: np.ndarray, w: np.ndarray, spec: AggregateSpec, node: str = "",
              out_range: tuple[float, float] = (0.0, 100.0)) -> np.ndarray:
    """Aggregate one node's children for every unit and replication."""
    if s.shape[2] == 1 and w.shape[1] > 1 and spec.method in ("arithmetic", "geometric", "harmonic", "mean_p"):
        return _shared_children(s[:, :, 0], w, spec, node)
    fin = np.isfinite(s)
    if spec.method in ("arithmetic", "geometric") and spec.dat_thresh == 0 and fin.all() \
            and (w.sum(axis=0) > 0).all():
        # complete children (the usual case above the indicator level): no masks needed
        wn = w / w.sum(axis=0, keepdims=True)
        if spec.method == "arithmetic":
            return np.einsum("uck,ck->uk", s, wn)
        with np.errstate(divide="ignore"):
            return np.exp(np.einsum("uck,ck->uk", np.log(_guard(s, spec, node)), wn))
    wf = np.where(fin, w[None, :, :], 0.0)                 # weights of available children
    den = wf.sum(axis=1)
    m = spec.method
    p = spec.p
    if m == "mean_p" and p == 0:
        m = "geometric"
    if m == "mean_p" and p == 1:
        m = "arithmetic"
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if m == "arithmetic":
            out = (np.where(fin, s, 0.0) * wf).sum(axis=1) / den
        elif m == "geometric":
            g = _guard(s, spec, node)
            out = np.exp((np.where(fin, np.log(np.where(fin, g, 1.0)), 0.0) * wf).sum(axis=1) / den)
        elif m == "harmonic":
            g = _guard(s, spec, node)
            out = den / (np.where(fin, wf / np.where(fin, g, 1.0), 0.0)).sum(axis=1)
        elif m == "mean_p":
            g = _guard(s, spec, node) if (p < 0 or (p != int(p) and np.nanmin(s) < 0)) else s
            out = ((np.where(fin, np.where(fin, g, 0.0) ** p, 0.0) * wf).sum(axis=1) / den) ** (1.0 / p)
        elif m == "topsis":
            out = _topsis(s, w, fin, out_range)
        elif m == "copeland":
            out = _copeland(s, w, fin)
        else:  # pragma: no cover - validated by the spec
            raise AggregationError(f"节点 {node}：未知的汇总方法 {m}")
    out = np.where(den > 0, out, np.nan)
    if spec.dat_thresh > 0:
        out = np.where(fin.mean(axis=1) >= spec.dat_thresh, out, np.nan)
    return out


def _mm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(u, c) @ (c, K) without BLAS: c is a handful of children, and multithreaded BLAS on tiny
    products stalls on a busy machine (measured 5× slower than einsum's own loop here)."""
    return np.einsum("uc,ck->uk", a, w)


def _shared_children(s: np.ndarray, w: np.ndarray, spec: AggregateSpec, node: str) -> np.ndarray:
    """Children identical in every replication, weights differing: one matrix product (u, c) @ (c, K)
    instead of a (u, c, K) array. Same formulas as `aggregate`; in-place on the (u, K) result
    because fresh large temporaries cost more than the arithmetic."""
    fin = np.isfinite(s)
    den = _mm(fin.astype(float), w)
    m, p = spec.method, spec.p
    if m == "mean_p" and p == 0:
        m = "geometric"
    if m == "mean_p" and p == 1:
        m = "arithmetic"
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if m == "arithmetic":
            out = _mm(np.where(fin, s, 0.0), w)
            out /= den
        elif m == "geometric":
            g = _guard(s, spec, node)
            out = _mm(np.where(fin, np.log(np.where(fin, g, 1.0)), 0.0), w)
            out /= den
            np.exp(out, out=out)
        elif m == "harmonic":
            g = _guard(s, spec, node)
            out = _mm(np.where(fin, 1.0 / np.where(fin, g, 1.0), 0.0), w)
            np.divide(den, out, out=out)
        else:
            g = _guard(s, spec, node) if (p < 0 or (p != int(p) and np.nanmin(s) < 0)) else s
            out = _mm(np.where(fin, np.where(fin, g, 0.0) ** p, 0.0), w)
            out /= den
            np.power(out, 1.0 / p, out=out)
    out[den <= 0] = np.nan
    if spec.dat_thresh > 0:
        out[fin.mean(axis=1) < spec.dat_thresh] = np.nan
    return out


def _topsis(s, w, fin, out_range):
    """TOPSIS closeness on vector-normalised, weighted children, mapped to the output range."""
    x = np.where(fin, s, np.nan)
    norm = np.sqrt(np.nansum(x ** 2, axis=0, keepdims=True))
    norm[norm == 0] = 1.0
    wn = w / w.sum(axis=0, keepdims=True)
    v = x / norm * wn[None]
    best = np.nanmax(v, axis=0, keepdims=True)
    worst = np.nanmin(v, axis=0, keepdims=True)
    dp = np.sqrt(np.nansum((v - best) ** 2, axis=1))
    dm = np.sqrt(np.nansum((v - worst) ** 2, axis=1))
    c = dm / (dp + dm)
    c = np.where((dp + dm) == 0, 1.0, c)                  # all units equal: all ideal
    lo, hi = out_range
    return lo + c * (hi - lo)


def _copeland(s, w, fin):
    """Copeland score from the weighted outranking matrix (Munda & Nardo 2009).

    e_ij = Σ_c w_c [1(x_ic > x_jc) + ½·1(x_ic = x_jc)] over children both units have;
    score_i = Σ_j≠i sign(e_ij − e_ji). Loops over children only.
    """
    u, c, k = s.shape
    kw = w.shape[1]
    k = max(k, kw)
    out = np.empty((u, k))
    step = max(1, int(4e6 // (u * u)))          # bound the (u, u, chunk) arrays to ~32 MB
    for k0 in range(0, k, step):
        ks = slice(k0, min(k, k0 + step))
        ss = s[:, :, ks] if s.shape[2] > 1 else s
        ff = fin[:, :, ks] if fin.shape[2] > 1 else fin
        ww = w[:, ks] if kw > 1 else w
        e = np.zeros((u, u, ks.stop - ks.start))
        for j in range(c):
            a = ss[:, j, :]
            both = ff[:, None, j, :] & ff[None, :, j, :]
            gt = (a[:, None, :] > a[None, :, :]) + 0.5 * (a[:, None, :] == a[None, :, :])
            e += np.where(both, gt * ww[j][None, None, :], 0.0)
        out[:, ks] = np.sign(e - e.transpose(1, 0, 2)).sum(axis=1)
    return out


def node_method(fw: Framework, code: str, spec: MethodSpec) -> AggregateSpec:
    """The node's own aggregation (framework override) or the spec's."""
    ov = fw.nodes[code].aggregation
    if ov is None:
        return spec.aggregate
    d = spec.aggregate.model_dump()
    if isinstance(ov, dict):
        d.update(ov)
    else:
        d["method"] = ov
    return AggregateSpec.model_validate(d)


def base_weights(fw: Framework, spec: MethodSpec) -> tuple[dict[str, float], dict[str, float]]:
    """Fixed (not data-driven) weights of every node, and AHP consistency ratios per node."""
    m = spec.weights.method
    w = {c: (1.0 if m == "equal" else n.weight) for c, n in fw.nodes.items()}
    crs: dict[str, float] = {}
    if m == "ahp":
        mats = spec.weights.matrix
        if mats is None:
            raise wmod.WeightError("weights 方法为 ahp 时必须给出 matrix（判断矩阵，可按节点代码分别给出）")
        if isinstance(mats, list):
            mats = {fw.root: mats}
        for code, mat in mats.items():
            if code not in fw.nodes or fw.nodes[code].is_leaf:
                raise wmod.WeightError(f"AHP 判断矩阵对应的节点 {code} 不存在或不是汇总节点")
            kids = fw.children(code)
            if len(mat) != len(kids):
                raise wmod.WeightError(f"节点 {code} 有 {len(kids)} 个下级节点，AHP 判断矩阵却是 {len(mat)} 阶")
            vec, cr = wmod.ahp(mat, code)
            if cr > spec.weights.max_cr:
                raise wmod.WeightError(f"节点 {code} 的 AHP 判断矩阵一致性比率 CR = {cr:.3f} 超过 "
                                       f"{spec.weights.max_cr}，请调整判断矩阵")
            crs[code] = cr
            for kid, v in zip(kids, vec):
                w[kid] = float(v)
    return w, crs


def aggregate_tree(fw: Framework, norm: np.ndarray, spec: MethodSpec,
                   weight_sets: np.ndarray | None = None,
                   agg_specs: dict[str, AggregateSpec] | None = None,
                   base: dict[str, float] | None = None,
                   full: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Aggregate bottom-up, one node at a time (never one unit at a time).

    norm: (units, n_indicators) or (units, n_indicators, K) normalised scores.
    weight_sets: optional (n_codes, K) multipliers of the weights, in `fw.codes` order (the
    uncertainty analysis: one column per replication). Indicator scores shared by every replication
    are kept 2-D and aggregated with one matrix product per node.
    Returns scores (units, n_codes, K) in `fw.codes` order (or, with full=False, only the
    aggregates (units, n_aggregates, K) in `fw.aggregates` order) and the weights used per node.
    """
    if norm.ndim == 2:
        norm = norm[:, :, None]
    k = norm.shape[2] if weight_sets is None else max(norm.shape[2], weight_sets.shape[1])
    codes = fw.codes
    idx = {c: i for i, c in enumerate(codes)}
    n_ind = len(fw.indicators)
    aidx = {c: i for i, c in enumerate(fw.aggregates)}
    u = norm.shape[0]
    aggs = np.empty((u, len(fw.aggregates), k))          # every node is written below
    if base is None:
        base, _ = base_weights(fw, spec)
    data_driven = spec.weights.method in ("entropy", "critic", "pca")
    out_range = tuple(spec.normalise.range)
    used: dict[str, np.ndarray] = {}
    for code in fw.aggregates:
        kid_codes = fw.children(code)
        kids = [idx[c] for c in kid_codes]
        if all(i < n_ind for i in kids):
            s = norm[:, kids, :]                       # (u, c, 1 or K): not broadcast over K
        else:
            s = np.empty((u, len(kids), k))
            for j, (c, i) in enumerate(zip(kid_codes, kids)):
                s[:, j, :] = norm[:, i, :] if i < n_ind else aggs[:, aidx[c], :]
        if data_driven:
            w = getattr(wmod, spec.weights.method)(s)
        else:
            w = np.array([base[codes[i]] for i in kids], float)[:, None]
        if weight_sets is not None:
            w = w * weight_sets[kids, :]
        if w.shape[1] != k and s.shape[2] == k:
            w = np.repeat(w, k, axis=1)
        used[code] = w
        a = (agg_specs or {}).get(code) or node_method(fw, code, spec)
        out = aggregate(s, w, a, code, out_range)
        aggs[:, aidx[code], :] = out if out.shape[1] == k else np.repeat(out, k, axis=1)
    if not full:
        return aggs, used
    scores = np.empty((u, len(codes), k))
    scores[:, :n_ind, :] = norm
    scores[:, n_ind:, :] = aggs
    return scores, used


def guarded_values(fw: Framework, scores: np.ndarray, codes: list[str], spec: MethodSpec) -> dict[str, int]:
    """Per node, how many child values the zero guard changed (child scores ≤ 0 entering a
    geometric, harmonic or negative-p mean). scores: (units, codes) of the nominal run."""
    col = {c: i for i, c in enumerate(codes)}
    out = {}
    for code in fw.aggregates:
        a = node_method(fw, code, spec)
        if not (a.method in ("geometric", "harmonic") or (a.method == "mean_p" and a.p <= 0)):
            continue
        kids = [col[c] for c in fw.children(code) if c in col]
        v = scores[:, kids]
        n = int((np.isfinite(v) & (v <= 0)).sum())
        if n:
            out[code] = n
    return out

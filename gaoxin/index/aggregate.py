"""Aggregation methods and the level-by-level tree aggregation, vectorised over replications.

Shapes: children scores S (units, children, K), weights W (children, K) → scores (units, K).
All methods are NA-tolerant: a missing child is dropped and the remaining weights renormalised
(COINr a_amean). Geometric/harmonic/negative-p means guard zeros and negatives by flooring.
"""
from __future__ import annotations

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
                               "可改用 1–100 区间的归一化，或设置 aggregate.zero_guard: floor")
    floor = spec.floor
    if floor is None:
        # 0.1 % of the node's largest child score: keeps a zero as "very low", not "minus infinity"
        top = np.nanmax(np.abs(s)) if np.isfinite(s).any() else 1.0
        floor = 1e-3 * top if top > 0 else 1e-3
    return np.where(bad, floor, s)


def aggregate(s: np.ndarray, w: np.ndarray, spec: AggregateSpec, node: str = "",
              out_range: tuple[float, float] = (0.0, 100.0)) -> np.ndarray:
    """Aggregate one node's children for every unit and replication."""
    fin = np.isfinite(s)
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
    e = np.zeros((u, u, k))
    for j in range(c):
        a = s[:, j, :]
        both = fin[:, None, j, :] & fin[None, :, j, :]
        gt = (a[:, None, :] > a[None, :, :]) + 0.5 * (a[:, None, :] == a[None, :, :])
        e += np.where(both, gt * w[j][None, None, :], 0.0)
    out = np.sign(e - e.transpose(1, 0, 2)).sum(axis=1)
    return out.astype(float)


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
                   base: dict[str, float] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Aggregate bottom-up, one node at a time (never one unit at a time).

    norm: (units, n_indicators) or (units, n_indicators, K) normalised scores.
    weight_sets: optional (n_codes, K) multipliers or replacements of the fixed weights, in
    `fw.codes` order (used by the uncertainty analysis: one column per replication).
    Returns scores (units, n_codes, K) in `fw.codes` order and the weights used per node.
    """
    if norm.ndim == 2:
        norm = norm[:, :, None]
    k = norm.shape[2] if weight_sets is None else max(norm.shape[2], weight_sets.shape[1])
    codes = fw.codes
    idx = {c: i for i, c in enumerate(codes)}
    u = norm.shape[0]
    scores = np.full((u, len(codes), k), np.nan)
    scores[:, : len(fw.indicators), :] = norm
    if base is None:
        base, _ = base_weights(fw, spec)
    data_driven = spec.weights.method in ("entropy", "critic", "pca")
    out_range = tuple(spec.normalise.range)
    used: dict[str, np.ndarray] = {}
    for code in fw.aggregates:
        kids = [idx[c] for c in fw.children(code)]
        s = scores[:, kids, :]
        if data_driven:
            w = getattr(wmod, spec.weights.method)(s)
        else:
            w = np.repeat(np.array([base[codes[i]] for i in kids], float)[:, None], k, axis=1)
        if weight_sets is not None:
            w = w * weight_sets[kids, :]
        used[code] = w
        a = (agg_specs or {}).get(code) or node_method(fw, code, spec)
        scores[:, idx[code], :] = aggregate(s, w, a, code, out_range)
    return scores, used

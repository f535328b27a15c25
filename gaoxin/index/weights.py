"""Weighting methods. Data-driven methods take a node's children scores, stacked over replications.

Shapes: children scores S (units, children, K) → weights (children, K), summing to 1 over children.
"""
from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np

from .spec import defaults


class WeightError(ValueError):
    """Bad weights input (AHP matrix etc.); Chinese message."""


def _num(v) -> float:
    if isinstance(v, str):
        return float(Fraction(v.strip()))
    return float(v)


def ahp(matrix, node: str = "") -> tuple[np.ndarray, float]:
    """Principal-eigenvector weights and Saaty's consistency ratio CR = CI / RI."""
    try:
        a = np.array([[_num(v) for v in row] for row in matrix], dtype=float)
    except (TypeError, ValueError, ZeroDivisionError):
        raise WeightError(f"节点 {node} 的 AHP 判断矩阵含有非数值元素") from None
    n = a.shape[0]
    if a.ndim != 2 or a.shape[1] != n:
        raise WeightError(f"节点 {node} 的 AHP 判断矩阵应为方阵，实际为 {a.shape}")
    if (a <= 0).any():
        raise WeightError(f"节点 {node} 的 AHP 判断矩阵元素应为正数")
    if not np.allclose(a * a.T, 1.0, rtol=1e-2):
        raise WeightError(f"节点 {node} 的 AHP 判断矩阵不满足互反性 a[j][i] = 1/a[i][j]")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ri = defaults()["ahp"]["random_index"]
    if n <= 2:
        return w, 0.0
    if n > len(ri):
        raise WeightError(f"节点 {node} 的 AHP 判断矩阵阶数 {n} 超出随机一致性指标表（最多 {len(ri)} 阶）")
    ci = (lam - n) / (n - 1)
    return w, ci / ri[n - 1]


def _quiet(f):
    """All-NA children (e.g. a constant indicator after min-max) give zero weight, silently."""
    def wrapped(s: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return f(s)
    wrapped.__doc__, wrapped.__name__ = f.__doc__, f.__name__
    return wrapped


@_quiet
def entropy(s: np.ndarray) -> np.ndarray:
    """Entropy weights (熵权法): w_j ∝ 1 − e_j, e_j = −Σ p ln p / ln n, p = x / Σx (shifted ≥ 0)."""
    x = np.where(np.isfinite(s), s, np.nan)
    mn = np.nanmin(x, axis=0, keepdims=True)
    x = np.where(mn < 0, x - mn, x)              # z-scores etc. shifted to be non-negative
    n = np.isfinite(x).sum(axis=0)               # (children, K)
    tot = np.nansum(x, axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / tot
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = -np.nansum(plogp, axis=0) / np.log(np.maximum(n, 2))
    d = 1.0 - e
    d[~np.isfinite(d)] = 0.0
    return _unit(d)


@_quiet
def critic(s: np.ndarray) -> np.ndarray:
    """CRITIC (Diakoulaki 1995): w_j ∝ σ_j Σ_k (1 − r_jk), on the children's scores."""
    x = np.nan_to_num(s - np.nanmean(s, axis=0, keepdims=True))   # NA contributes 0 (mean)
    n = np.maximum(np.isfinite(s).sum(axis=0), 2)
    sd = np.sqrt((x ** 2).sum(axis=0) / (n - 1))                    # (c, K)
    cov = np.einsum("uck,udk->kcd", x, x) / (n.T[:, :, None] - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / (sd.T[:, :, None] * sd.T[:, None, :])
    r = np.nan_to_num(r)
    info = sd * (1.0 - r).sum(axis=2).T
    return _unit(info)


@_quiet
def pca(s: np.ndarray) -> np.ndarray:
    """PC1 of the children's correlation matrix; weights = squared loadings (sum to 1).

    Squared loadings of the first component (OECD/JRC Handbook 2008, §6.1 factor-analysis weights).
    NA contributes the column mean (complete-case PCA would drop whole units).
    """
    x = np.nan_to_num(s - np.nanmean(s, axis=0, keepdims=True))
    n = np.maximum(np.isfinite(s).sum(axis=0), 2)
    sd = np.sqrt((x ** 2).sum(axis=0) / (n - 1))
    sd[sd == 0] = np.inf
    z = x / sd[None]
    corr = np.einsum("uck,udk->kcd", z, z) / (n.T[:, :, None] - 1)
    _, vecs = np.linalg.eigh(corr)                 # batched over replications
    v = vecs[:, :, -1]                             # (K, c) largest eigenvalue
    return _unit((v ** 2).T)


def _unit(w: np.ndarray) -> np.ndarray:
    tot = w.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(tot > 0, w / tot, 1.0 / w.shape[0])
    return out


def noisy(base: np.ndarray, noise: float, rng: np.random.Generator, k: int) -> np.ndarray:
    """COINr get_noisy_weights: w·(1 + U(−noise, noise)) independently per weight and set."""
    return base[:, None] * (1.0 + rng.uniform(-noise, noise, size=(base.size, k)))

"""Batch retrieval over arrays: BM25, dense, and their fusion, with document filters.

Queries are processed in blocks; per block one sparse product (BM25) and one matmul (dense) give
[block × n_docs] score matrices, filters become -inf, and `argpartition` picks the top k. Fusion:
- `rrf`: Σ w / (rrf_k + rank) over the two rankings' top `depth` candidates (reciprocal-rank fusion);
- `weighted`: α · BM25/max(BM25) + (1 − α) · min-max(dense), per query over the allowed documents.
The fusion settings come from data/settings.yaml (tuned on the dev split of the evaluation set).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from .bm25 import BM25Index

DATA_DIR = Path(__file__).resolve().parent / "data"
MODES = ("bm25", "dense", "hybrid")


@dataclass
class FusionSettings:
    method: str = "weighted"
    rrf_k: float = 60.0
    w_bm25: float = 1.0
    w_dense: float = 1.0
    alpha: float = 0.3
    depth: int = 100
    block: int = 128
    extra: dict = field(default_factory=dict)


@cache
def settings_doc() -> dict:
    with open(DATA_DIR / "settings.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def default_fusion() -> FusionSettings:
    f = dict(settings_doc().get("fusion", {}))
    f.pop("source", None)
    f.pop("note", None)
    return FusionSettings(**{k: v for k, v in f.items() if k in FusionSettings.__dataclass_fields__})


def model_settings(model: str | None) -> dict:
    """The per-embedder block of settings.yaml (`models:`): fusion weight and strength calibration,
    chosen on the dev split of the labelled set for that model."""
    return dict((settings_doc().get("models") or {}).get(str(model or ""), {}))


def model_fusion(model: str | None) -> FusionSettings:
    """Fusion settings for one embedder: the shared defaults with that model's own BM25 share
    (alpha), so a weaker fallback model leans more on BM25 and never drags the hybrid below it."""
    f = default_fusion()
    ms = model_settings(model)
    if "alpha" in ms:
        f.alpha = float(ms["alpha"])
    return f


BACKGROUND_SAMPLE = 4096  # documents (evenly strided) over which a query's cosine background is taken
BACKGROUND_MIN_DOCS = 50  # fewer documents with a vector: no per-query background (NaN)


@dataclass
class Hits:
    """Top-k per query: doc indices (-1 = no hit), fused score, and the two component scores; per
    query also its best BM25 score over the library and its cosine background (median and
    interquartile range of its cosines to the documents with a vector), the inputs of the
    calibrated strength (strength.py). NaN where not computed."""
    index: np.ndarray
    score: np.ndarray
    bm25: np.ndarray
    dense: np.ndarray
    bm25_max: np.ndarray | None = None
    cos_median: np.ndarray | None = None
    cos_iqr: np.ndarray | None = None


def _argtopk_unsorted(scores: np.ndarray, k: int, chunk: int = 64) -> np.ndarray:
    """Column indices of the k largest entries per row (unordered), exact.

    A full argpartition over wide rows is slow, so the columns are split into groups and only the k
    groups with the largest maxima are searched: each of the k largest values lies in a group whose
    maximum is at least the k-th largest value, and at most k groups can qualify. Group g holds the
    strided columns g, g+m, g+2m, … so the group maxima are one fast element-wise reduction; the
    columns past the last full stride form one extra group."""
    nb, n = scores.shape
    if n <= 8 * chunk or n < 4 * k * chunk:
        return np.argpartition(-scores, k - 1, axis=1)[:, :k]
    m = n // chunk
    n_main = m * chunk
    gmax = scores[:, :n_main].reshape(nb, chunk, m).max(axis=1)              # nb × m
    has_tail = n_main < n
    if has_tail:
        gmax = np.hstack([gmax, scores[:, n_main:].max(axis=1, keepdims=True)])
    top = np.argpartition(-gmax, k - 1, axis=1)[:, :k]                            # nb × k groups
    cols = top[:, :, None] + np.arange(chunk)[None, None, :] * m                  # strided members
    if has_tail:
        tail_cols = n_main + np.arange(chunk)[None, None, :]
        cols = np.where((top == m)[:, :, None], tail_cols, cols)
    cols = cols.reshape(nb, -1)
    valid = cols < n
    cols = np.where(valid, cols, 0)
    vals = np.where(valid, np.take_along_axis(scores, cols, axis=1), -np.inf)
    pick = np.argpartition(-vals, k - 1, axis=1)[:, :k]
    return np.take_along_axis(cols, pick, axis=1)


def topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the k largest entries per row, sorted descending; -inf entries give -1."""
    nq, n = scores.shape
    k_eff = min(k, n)
    if k_eff == 0:
        return (np.full((nq, k), -1, np.int64), np.full((nq, k), -np.inf, np.float32))
    part = _argtopk_unsorted(scores, k_eff)
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    idx = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    idx = np.where(np.isfinite(vals), idx, -1)
    if k_eff < k:
        pad = k - k_eff
        idx = np.hstack([idx, np.full((nq, pad), -1, idx.dtype)])
        vals = np.hstack([vals, np.full((nq, pad), -np.inf, vals.dtype)])
    return idx.astype(np.int64), vals


def _ranks_of(top_idx: np.ndarray, n_docs: int, nb: int) -> np.ndarray:
    """Dense 1-based rank matrix (0 where not in the top list)."""
    r = np.zeros((nb, n_docs), np.float32)
    rows = np.repeat(np.arange(nb), top_idx.shape[1])
    cols = top_idx.ravel()
    ok = cols >= 0
    ranks = np.tile(np.arange(1, top_idx.shape[1] + 1, dtype=np.float32), nb)
    r[rows[ok], cols[ok]] = ranks[ok]
    return r


def search_batch(query_tokens: list[list[str]] | None, query_emb: np.ndarray | None,
                 bm25: BM25Index | None, doc_emb: np.ndarray | None, *, k: int = 10, mode: str = "hybrid",
                 doc_mask: np.ndarray | None = None, query_groups: np.ndarray | None = None,
                 doc_groups: np.ndarray | None = None, exclude_pairs: np.ndarray | None = None,
                 fusion: FusionSettings | None = None, progress=None, doc_have: np.ndarray | None = None) -> Hits:
    """Top-k documents for every query.

    doc_mask: bool [n_docs], documents allowed for all queries (field / region / maturity filters).
    query_groups / doc_groups: when both given, a query only sees documents of its own group
    (e.g. "same field"); a group value of None/"" on the query side means no restriction.
    exclude_pairs: int64 codes q * n_docs + d of pairs never to return (rejected by a broker).
    doc_have: bool [n_docs], documents that have a vector (the rest are still being embedded). In the
    weighted hybrid a document without a vector scores α·b + (1 − α)·b = its normalised BM25 alone, so
    it stays findable by its words; in dense mode it is not ranked; its `dense` value is NaN.
    """
    if mode not in MODES:
        raise ValueError(f"未知的检索方式“{mode}”，可选：bm25 / dense / hybrid")
    fusion = fusion or default_fusion()
    n_docs = bm25.n_docs if bm25 is not None else (doc_emb.shape[0] if doc_emb is not None else 0)
    nq = len(query_tokens) if query_tokens is not None else query_emb.shape[0]
    use_b = mode in ("bm25", "hybrid")
    use_d = mode in ("dense", "hybrid")
    if use_b and (bm25 is None or query_tokens is None):
        raise ValueError("BM25 检索需要分词后的查询和 BM25 索引")
    if use_d and (doc_emb is None or query_emb is None):
        raise ValueError("向量检索需要查询向量和文档向量")
    out_i = np.full((nq, k), -1, np.int64)
    out_s = np.full((nq, k), -np.inf, np.float32)
    out_b = np.zeros((nq, k), np.float32)
    out_d = np.zeros((nq, k), np.float32)
    out_bmax = np.full(nq, np.nan)
    out_med = np.full(nq, np.nan)
    out_iqr = np.full(nq, np.nan)
    if n_docs == 0 or nq == 0:
        return Hits(out_i, out_s, out_b, out_d, out_bmax, out_med, out_iqr)
    if exclude_pairs is not None and len(exclude_pairs):
        exclude_pairs = np.unique(np.asarray(exclude_pairs, np.int64))
    partial = use_d and doc_have is not None and not bool(np.all(doc_have))
    if partial:
        doc_have = np.asarray(doc_have, bool)
    bg_cols = None
    if use_d:  # the query's own background: its cosines to (a strided sample of) the embedded documents
        with_vec = np.flatnonzero(doc_have) if partial else np.arange(n_docs)
        if len(with_vec) >= BACKGROUND_MIN_DOCS:
            bg_cols = with_vec[:: max(1, len(with_vec) // BACKGROUND_SAMPLE)]
    qcode = dcode = None
    if query_groups is not None and doc_groups is not None:
        # integer group codes (−1 = none) so the per-block comparison is a fast numeric broadcast
        import pandas as pd
        allg = pd.Series(list(doc_groups) + list(query_groups), dtype=object)
        allg = allg.where(allg.astype(str) != "", None)
        codes, _ = pd.factorize(allg, use_na_sentinel=True)
        dcode, qcode = codes[:n_docs], codes[n_docs:]
    for start in range(0, nq, fusion.block):
        stop = min(start + fusion.block, nq)
        nb = stop - start
        # disallowed (query, doc) cells; None = everything allowed (the common, fast case)
        blocked = None
        if doc_mask is not None and not doc_mask.all():
            blocked = np.broadcast_to(~doc_mask[None, :], (nb, n_docs)).copy()
        if qcode is not None:
            qb = qcode[start:stop]
            other = (qb[:, None] != dcode[None, :]) & (qb >= 0)[:, None]
            blocked = other if blocked is None else (blocked | other)
        if exclude_pairs is not None and len(exclude_pairs):
            lo, hi = np.searchsorted(exclude_pairs, [start * n_docs, stop * n_docs])
            if hi > lo:
                if blocked is None:
                    blocked = np.zeros((nb, n_docs), bool)
                codes = exclude_pairs[lo:hi]
                blocked[codes // n_docs - start, codes % n_docs] = True
        sb = sd = None
        if use_b:
            sb = bm25.scores(query_tokens[start:stop])
        if use_d:
            sd = np.asarray(query_emb[start:stop] @ doc_emb.T, dtype=np.float32)
        offset = None
        if partial and mode == "dense":
            blocked = np.broadcast_to(~doc_have[None, :], (nb, n_docs)).copy() if blocked is None \
                else (blocked | ~doc_have[None, :])
        if mode == "bm25":
            fused = sb.copy() if blocked is not None else sb
            if blocked is not None:
                fused[blocked] = -np.inf
            zero_is_miss = True
        elif mode == "dense":
            fused = sd.copy() if blocked is not None else sd
            if blocked is not None:
                fused[blocked] = -np.inf
            zero_is_miss = False
        elif fusion.method == "rrf":
            b_in = sb.copy()
            d_in = sd.copy()
            if blocked is not None:
                b_in[blocked] = -np.inf
                d_in[blocked] = -np.inf
            b_in[b_in <= 0] = -np.inf  # a document without a shared term has no BM25 rank
            if partial:
                d_in[:, ~doc_have] = -np.inf
            ib, _ = topk_rows(b_in, fusion.depth)
            idd, _ = topk_rows(d_in, fusion.depth)
            fused = np.zeros((nb, n_docs), np.float32)
            rb = _ranks_of(ib, n_docs, nb)
            rd = _ranks_of(idd, n_docs, nb)
            m = rb > 0
            fused[m] += fusion.w_bm25 / (fusion.rrf_k + rb[m])
            m = rd > 0
            fused[m] += fusion.w_dense / (fusion.rrf_k + rd[m])
            fused[fused <= 0] = -np.inf
            zero_is_miss = False
        elif partial:  # weighted, some documents not embedded yet: explicit (no in-place offset trick)
            ok = doc_have[None, :] if blocked is None else (~blocked & doc_have[None, :])
            bmax = (np.where(blocked, 0, sb) if blocked is not None else sb).max(axis=1, keepdims=True)
            bmax[bmax <= 0] = 1.0
            dmin = np.where(ok, sd, np.inf).min(axis=1, keepdims=True)
            dmax = np.where(ok, sd, -np.inf).max(axis=1, keepdims=True)
            dmin[~np.isfinite(dmin)] = 0.0
            span = np.where(np.isfinite(dmax) & (dmax - dmin > 0), dmax - dmin, 1.0)
            bn = sb / bmax
            fused = np.where(doc_have[None, :], fusion.alpha * bn + (1 - fusion.alpha) * (sd - dmin) / span, bn)
            fused = fused.astype(np.float32)
            if blocked is not None:
                fused[blocked] = -np.inf
            zero_is_miss = False
        else:  # weighted min-max; in place, and the per-row offset −dmin is added back after top-k
            if blocked is not None:
                bmax = np.where(blocked, 0, sb).max(axis=1, keepdims=True)
                dmin = np.where(blocked, np.inf, sd).min(axis=1, keepdims=True)
                dmax = np.where(blocked, -np.inf, sd).max(axis=1, keepdims=True)
            else:
                bmax = sb.max(axis=1, keepdims=True)
                dmin = sd.min(axis=1, keepdims=True)
                dmax = sd.max(axis=1, keepdims=True)
            bmax[bmax <= 0] = 1.0
            c1 = ((1 - fusion.alpha) / np.where(dmax - dmin > 0, dmax - dmin, 1.0)).astype(np.float32)
            c2 = (fusion.alpha / bmax).astype(np.float32)
            fused = sd * c1
            if fusion.alpha > 0:
                fused += sb * c2
            if blocked is not None:
                fused[blocked] = -np.inf
            zero_is_miss = False
            offset = (dmin * c1).astype(np.float32)
        idx, vals = topk_rows(fused, k)
        if offset is not None:
            vals = vals - offset  # back to α·b/bmax + (1−α)·(d − dmin)/span
        if zero_is_miss:
            idx = np.where(vals > 0, idx, -1)
            vals = np.where(vals > 0, vals, -np.inf).astype(np.float32)
        safe = np.where(idx >= 0, idx, 0)
        out_i[start:stop] = idx
        out_s[start:stop] = vals
        if sb is not None:
            out_b[start:stop] = np.where(idx >= 0, np.take_along_axis(sb, safe, axis=1), 0)
            out_bmax[start:stop] = (sb if blocked is None else np.where(blocked, 0, sb)).max(axis=1)
        if bg_cols is not None:
            q25, q50, q75 = np.percentile(sd[:, bg_cols], [25, 50, 75], axis=1)
            out_med[start:stop], out_iqr[start:stop] = q50, q75 - q25
        if sd is not None:
            out_d[start:stop] = np.where(idx >= 0, np.take_along_axis(sd, safe, axis=1), 0)
            if partial:
                out_d[start:stop] = np.where(doc_have[safe] | (idx < 0), out_d[start:stop], np.nan)
        if progress is not None:
            progress(nb)
    return Hits(out_i, out_s, out_b, out_d, out_bmax, out_med, out_iqr)


def filter_mask(docs, fields=None, regions=None, trl_min=None, trl_max=None, institutions=None) -> np.ndarray:
    """Boolean mask over a docs frame from the user's filters (None = no restriction)."""
    import pandas as pd
    m = np.ones(len(docs), bool)

    def _isin(col, values):
        vals = [values] if isinstance(values, str) else list(values)
        return docs[col].astype(str).isin([str(v) for v in vals]).to_numpy() if col in docs else np.zeros(len(docs), bool)

    if fields:
        m &= _isin("field", fields)
    if regions:
        vals = [regions] if isinstance(regions, str) else list(regions)
        col = docs["region_code"].astype(str) if "region_code" in docs else pd.Series([""] * len(docs))
        # a city code (4301xx00) also admits its counties: match on the code prefix
        pref = np.zeros(len(docs), bool)
        for v in vals:
            v = str(v)
            p = v[:4] if v.endswith("00") and not v.endswith("0000") else (v[:2] if v.endswith("0000") else v)
            pref |= col.str.startswith(p).to_numpy()
        m &= pref
    if institutions:
        m &= _isin("institution", institutions)
    if trl_min is not None or trl_max is not None:
        trl = pd.to_numeric(docs["trl"], errors="coerce").to_numpy() if "trl" in docs else np.full(len(docs), np.nan)
        if trl_min is not None:
            m &= trl >= trl_min
        if trl_max is not None:
            m &= trl <= trl_max
    return m

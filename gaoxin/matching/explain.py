"""Why a result matches a demand, in Chinese: shared technical terms, field, similarity scores."""
from __future__ import annotations

from functools import cache

from .bm25 import BM25Index

@cache
def field_names() -> dict[str, str]:
    """Industry code → name, from the one industry list (gaoxin/reference/industries.yaml)."""
    from gaoxin.reference import load_industries
    return {str(item["code"]): str(item["name"]) for item in load_industries()}


def _missing(v) -> bool:
    try:
        import pandas as pd
        return v is None or bool(pd.isna(v)) or str(v) == ""
    except (TypeError, ValueError):
        return False


def field_name(code) -> str:
    if _missing(code):
        return "未填写"
    return field_names().get(str(code), str(code))


def shared_terms(q_tokens: list[str], d_tokens: list[str], bm25: BM25Index | None = None,
                 max_terms: int = 6) -> list[str]:
    """Terms in both texts, most specific first (by BM25 weight, else length); a term contained in a
    longer shared term is dropped (正极 inside 正极材料)."""
    common = set(q_tokens) & set(d_tokens)
    if not common:
        return []
    terms = sorted(common, key=lambda t: (-len(t), t))
    kept: list[str] = []
    for t in terms:
        if not any(t in longer for longer in kept):
            kept.append(t)
    if bm25 is not None and bm25.vocab and bm25.n_docs:
        col_max = _term_weight(bm25)
        kept.sort(key=lambda t: -col_max.get(t, 0.0))
    return kept[:max_terms]


_weights_cache: dict[int, dict[str, float]] = {}


def _term_weight(bm25: BM25Index) -> dict[str, float]:
    """Max BM25 weight per term (a rarity measure) — computed once per index."""
    key = id(bm25)
    if key not in _weights_cache:
        import numpy as np
        w = bm25.weights.tocsc()
        mx = np.zeros(w.shape[1], np.float32)
        nz = np.diff(w.indptr) > 0
        mx[nz] = np.maximum.reduceat(w.data, w.indptr[:-1][nz]) if w.nnz else 0
        inv = {i: t for t, i in bm25.vocab.items()}
        _weights_cache.clear()
        _weights_cache[key] = {inv[i]: float(mx[i]) for i in range(len(mx)) if i in inv}
    return _weights_cache[key]


def explain(q_tokens: list[str], d_tokens: list[str], q_field=None, d_field=None, dense: float | None = None,
            bm25_score: float | None = None, bm25: BM25Index | None = None, max_terms: int = 6,
            feedback_note: str | None = None) -> dict:
    """Explanation record: shared terms, field agreement, similarities and a Chinese sentence."""
    terms = shared_terms(q_tokens, d_tokens, bm25, max_terms)
    same_field = not _missing(q_field) and not _missing(d_field) and str(q_field) == str(d_field)
    parts = []
    parts.append(f"共同技术词：{'、'.join(terms)}" if terms else "无共同技术词（语义相近）")
    if same_field:
        parts.append(f"领域一致：{field_name(d_field)}")
    elif not _missing(q_field) and not _missing(d_field):
        parts.append(f"领域不同：需求属{field_name(q_field)}，成果属{field_name(d_field)}")
    if dense is not None:
        parts.append(f"语义相似度 {dense:.3f}")
    if bm25_score is not None and bm25_score > 0:
        parts.append(f"关键词匹配得分 {bm25_score:.2f}")
    if feedback_note:
        parts.append(feedback_note)
    return {"shared_terms": terms, "same_field": bool(same_field), "field_name": field_name(d_field),
            "similarity": None if dense is None else round(float(dense), 4),
            "bm25": None if bm25_score is None else round(float(bm25_score), 3),
            "reason": "；".join(parts)}

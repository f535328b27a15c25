"""Retrieval evaluation on a labelled set given as frames: docs (id,title,text), queries (qid,text),
qrels (qid,doc_id,relevance). Reading those CSV files is gaoxin.services.matching.load_labelled.

recall@k = |relevant ∩ top k| / |relevant| averaged over queries with ≥1 relevant doc;
MRR@k = mean of 1/rank of the first relevant doc within the top k (0 when none).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .hybrid import FusionSettings, search_batch


def recall_mrr(ranked: list[list[str]], relevant: list[set[str]], k: int = 10) -> dict[str, float]:
    """Pure metric computation; queries without relevant docs are skipped."""
    recalls, rrs = [], []
    for docs, rel in zip(ranked, relevant):
        if not rel:
            continue
        top = docs[:k]
        recalls.append(len(rel.intersection(top)) / len(rel))
        rr = 0.0
        for pos, d in enumerate(top, start=1):
            if d in rel:
                rr = 1.0 / pos
                break
        rrs.append(rr)
    n = len(recalls)
    return {"recall_at_10" if k == 10 else f"recall_at_{k}": float(np.mean(recalls)) if n else 0.0,
            "mrr_at_10" if k == 10 else f"mrr_at_{k}": float(np.mean(rrs)) if n else 0.0,
            "queries": n}


class EvalCorpus:
    """Tokens and embeddings of one labelled set, computed once so several modes / settings are cheap."""

    def __init__(self, docs: pd.DataFrame, queries: pd.DataFrame, qrels: pd.DataFrame, embedder=None,
                 need_dense: bool = True):
        from .bm25 import BM25Index
        from .tokenise import tokenize_many
        self.docs, self.queries = docs.reset_index(drop=True), queries.reset_index(drop=True)
        doc_text = (self.docs["title"].fillna("") + "。" + self.docs["text"].fillna("")).tolist()
        self.doc_tokens = tokenize_many(doc_text)
        self.q_tokens = tokenize_many(self.queries["text"].tolist())
        self.bm25 = BM25Index.build(self.doc_tokens)
        self.doc_emb = self.q_emb = None
        if need_dense:
            from .embed import get_embedder
            emb = embedder or get_embedder()
            self.embedder_name = emb.name
            self.doc_emb = emb.encode_passages(doc_text)
            self.q_emb = emb.encode_queries(self.queries["text"].tolist())
        pos = qrels[qrels["relevance"] > 0]
        groups = pos.groupby("qid")["doc_id"].apply(set).to_dict()
        self.relevant = [groups.get(q, set()) for q in self.queries["qid"]]

    def run(self, mode: str = "hybrid", k: int = 10, fusion: FusionSettings | None = None) -> dict:
        hits = search_batch(self.q_tokens, self.q_emb, self.bm25, self.doc_emb, k=k, mode=mode, fusion=fusion)
        ids = self.docs["id"].to_numpy()
        ranked = [[ids[i] for i in row if i >= 0] for row in hits.index]
        out = recall_mrr(ranked, self.relevant, k)
        out["mode"] = mode
        return out


# the shipped labelled set (data/eval/); read by gaoxin.services.matching.load_labelled
SHIPPED = Path(__file__).resolve().parent / "data" / "eval"


def strength_pairs(corpus: "EvalCorpus", fusion: FusionSettings | None, dense: bool = True, k: int = 10,
                   removed: bool = False) -> dict:
    """The shown hits (top k) of every labelled query with their strength inputs: per pair cos, coverage,
    bm25 / the query's best bm25, the query's cosine background, and whether it is the right
    document. removed=True takes each query's right document out of the library (an out-of-library
    query). Coverage and idf as in Matcher (generic words left out; idf over both sides)."""
    from .bm25 import BM25Index
    from .matcher import generic_terms
    from .strength import coverage_matrix, idf_of
    generic = generic_terms()
    idf, unseen = idf_of(corpus.bm25, BM25Index.build(corpus.q_tokens))
    cover = coverage_matrix([[t for t in q if t not in generic] for q in corpus.q_tokens], corpus.bm25, idf, unseen)
    ids = {d: i for i, d in enumerate(corpus.docs["id"])}
    rel = np.array([ids[sorted(r)[0]] if r else -1 for r in corpus.relevant])
    rows = np.flatnonzero(rel >= 0)
    use_dense = dense and corpus.q_emb is not None
    n = corpus.bm25.n_docs
    # codes q · n_docs + d of the pairs never to return (q = position among the queries searched)
    excl = (np.arange(len(rows)) * n + rel[rows]).astype(np.int64) if removed else None
    q_tok = [corpus.q_tokens[i] for i in rows]
    hits = search_batch(q_tok, corpus.q_emb[rows] if use_dense else None, corpus.bm25,
                        corpus.doc_emb if use_dense else None, k=k, mode="hybrid" if use_dense else "bm25",
                        fusion=fusion, exclude_pairs=excl)
    idx = hits.index
    safe = np.maximum(idx, 0)
    bmax = np.where(hits.bm25_max > 0, hits.bm25_max, 1.0)[:, None]
    out = {"valid": idx >= 0, "right": (idx == rel[rows][:, None]) & (idx >= 0),
           "coverage": np.take_along_axis(cover[rows], safe, axis=1), "bn": hits.bm25 / bmax,
           "cos": hits.dense.astype(np.float64) if use_dense else None,
           "med": np.repeat(hits.cos_median[:, None], k, 1), "iqr": np.repeat(hits.cos_iqr[:, None], k, 1)}
    if use_dense:
        cos_all = np.asarray(corpus.q_emb[rows] @ corpus.doc_emb.T, np.float64)
        out["c0"] = float(np.median(cos_all))
        out["c1"] = float(np.median(cos_all[np.arange(len(rows)), rel[rows]]))
        out["bg_iqr"] = float(np.median(hits.cos_iqr))
    return out


def _probabilities(pairs: dict, cal) -> np.ndarray:
    p = cal.probability(pairs["cos"], pairs["coverage"], pairs["bn"], pairs["med"], pairs["iqr"])
    return np.where(pairs["valid"], p, 0.0)


def calibrate(corpus: "EvalCorpus", fusion: FusionSettings | None, targets: dict, dense: bool = True) -> dict:
    """Weights and bars of one model's strength from a labelled split (the dev split; see
    gaoxin.matching.strength): the logistic is fitted on the shown pairs (top 10 per query, right =
    the labelled document), the bars by `strength.choose_bars` with the in-library and the
    out-of-library (right document removed) hits. Returns the settings.yaml entry."""
    from .strength import BM25_FEATURES, FEATURES, Calibration, choose_bars, fit_weights
    pin = strength_pairs(corpus, fusion, dense)
    pout = strength_pairs(corpus, fusion, dense, removed=True)
    use_dense = pin["cos"] is not None
    names = FEATURES if use_dense else BM25_FEATURES
    cal = Calibration()
    if use_dense:
        cal.c0, cal.c1, cal.bg_median, cal.bg_iqr = pin["c0"], pin["c1"], pin["c0"], pin["bg_iqr"]
    f = cal.features(pin["cos"], pin["coverage"], pin["bn"], pin["med"], pin["iqr"])
    v = pin["valid"]
    x = np.stack([np.nan_to_num(f[nm][v]) for nm in names], axis=1)
    cal.weights = fit_weights(x, pin["right"][v].astype(float), names)
    p_in, p_out = _probabilities(pin, cal), _probabilities(pout, cal)
    bars = choose_bars(p_in[:, 0], pin["right"][:, 0], p_in.max(axis=1), p_out.max(axis=1), targets)
    out = {"weights": {k: round(v, 4) for k, v in cal.weights.items()}, **{k: round(v, 4) for k, v in bars.items()}}
    if use_dense:
        out.update(c0=round(cal.c0, 4), c1=round(cal.c1, 4), bg_median=round(cal.c0, 4), bg_iqr=round(cal.bg_iqr, 4))
    return out


def strength_report(corpus: "EvalCorpus", fusion: FusionSettings | None, cal, dense: bool = True) -> dict:
    """How the strength labels do on a labelled split (use the test split): precision of 高 and of
    中 over the top hit and over all shown pairs (right = the labelled document; on this set other
    shown pairs can be related terms, so the all-pairs figure is a lower bound), the share of
    queries whose right document is in the library but that get 无合适匹配, and the shares of
    out-of-library queries (right document removed) whose best hit reaches 中 or better / 低 or better."""
    pin = strength_pairs(corpus, fusion, dense)
    pout = strength_pairs(corpus, fusion, dense, removed=True)
    p_in, p_out = _probabilities(pin, cal), _probabilities(pout, cal)
    return strength_summary(p_in, pin["right"], pin["valid"], p_out, cal.low, cal.mid, cal.high)


def strength_summary(p_in, right, valid, p_out, low, mid, high) -> dict:
    """The figures of `strength_report` from probabilities (or any monotone score) and bars."""
    def prec(r, sel):
        return round(float(r[sel].mean()), 3) if sel.any() else None
    hi, mi = (p_in >= high) & valid, (p_in >= mid) & (p_in < high) & valid
    return {"queries": int(len(p_in)),
            "precision_high_top1": prec(right[:, 0], hi[:, 0]), "n_high_top1": int(hi[:, 0].sum()),
            "precision_mid_top1": prec(right[:, 0], mi[:, 0]), "n_mid_top1": int(mi[:, 0].sum()),
            "precision_high_all": prec(right, hi), "precision_mid_all": prec(right, mi),
            "no_match_in_library": round(float(np.mean(np.where(valid, p_in, -1).max(axis=1) < low)), 3),
            "out_of_library_mid_or_high": round(float(np.mean(p_out.max(axis=1) >= mid)), 3),
            "out_of_library_low_or_better": round(float(np.mean(p_out.max(axis=1) >= low)), 3)}

"""Retrieval evaluation on a labelled set in the plain format
docs.csv (id,title,text), queries.csv (qid,text), qrels.csv (qid,doc_id,relevance).

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


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"文件不存在：{path}")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            df = pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}：无法识别文件编码（支持 UTF-8、GB18030）")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}：缺少列 {', '.join(missing)}（应包含 {', '.join(required)}）")
    return df


def load_labelled(docs: Path, queries: Path, qrels: Path):
    d = _read_csv(docs, ["id", "title", "text"])
    q = _read_csv(queries, ["qid", "text"])
    r = _read_csv(qrels, ["qid", "doc_id", "relevance"])
    rel = pd.to_numeric(r["relevance"], errors="coerce")
    bad = rel.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ValueError(f"{Path(qrels).name} 第 {row} 行 relevance 列：应为数字，实际为“{r['relevance'].iloc[row - 2]}”")
    r = r.assign(relevance=rel)
    return d, q, r


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


def evaluate_files(docs: Path, queries: Path, qrels: Path, modes=("bm25", "dense", "hybrid"),
                   k: int = 10, embedder=None) -> list[dict]:
    d, q, r = load_labelled(docs, queries, qrels)
    corpus = EvalCorpus(d, q, r, embedder=embedder, need_dense=any(m != "bm25" for m in modes))
    return [corpus.run(m, k) for m in modes]


SHIPPED = Path(__file__).resolve().parent / "data" / "eval"


def tune_and_report(alphas=(0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5), rrf_ks=(10, 30, 60)) -> dict:
    """Reproduce the shipped figures: grid over fusion settings on the dev split, the chosen setting
    (data/settings.yaml) and all three modes on the held-out test split."""
    from .hybrid import default_fusion
    d, q, r = load_labelled(SHIPPED / "docs.csv", SHIPPED / "queries_dev.csv", SHIPPED / "qrels_dev.csv")
    dev = EvalCorpus(d, q, r)
    grid = [{"method": "weighted", "alpha": a, **dev.run("hybrid", fusion=FusionSettings(method="weighted", alpha=a))}
            for a in alphas]
    grid += [{"method": "rrf", "rrf_k": k, **dev.run("hybrid", fusion=FusionSettings(method="rrf", rrf_k=k))}
             for k in rrf_ks]
    dev_modes = [dev.run(m) for m in ("bm25", "dense", "hybrid")]
    d, q, r = load_labelled(SHIPPED / "docs.csv", SHIPPED / "queries_test.csv", SHIPPED / "qrels_test.csv")
    test = EvalCorpus(d, q, r)
    return {"embedder": dev.embedder_name, "fusion": vars(default_fusion()), "dev_grid": grid,
            "dev": dev_modes, "test": [test.run(m) for m in ("bm25", "dense", "hybrid")]}


if __name__ == "__main__":
    import json
    print(json.dumps(tune_and_report(), ensure_ascii=False, indent=1))

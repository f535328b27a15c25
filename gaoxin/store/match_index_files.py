"""The on-disk match index: one directory per library (results, demands) under
`$GAOXIN_HOME/match-index/<name>/`. The matching core (gaoxin.matching.index) holds a `Collection`
in memory and does no file I/O; this module reads and writes it.

Files: meta.json (index version, embedder, tokenizer fingerprint, text cut, count), records.pkl
(codes, text, filter columns, content hash), tokens.json, emb.npy (float32, row-aligned with
records), have.npy (which rows have a vector), bm25_weights.npz + bm25_vocab.json.
A save writes a sibling `.tmp` directory and swaps it in, so a reader never sees half an index.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from gaoxin.matching.bm25 import BM25Index
from gaoxin.matching.index import INDEX_VERSION, Collection

NAMES = ("results", "demands")


def index_home(home: Path | None = None) -> Path:
    """The index root: `home` when given (tests, benchmarks), else $GAOXIN_HOME/match-index."""
    if home is not None:
        return Path(home)
    from gaoxin.paths import data_home
    return data_home() / "match-index"


def collection_dir(name: str, home: Path | None = None) -> Path:
    return index_home(home) / name


def exists(name: str, home: Path | None = None) -> bool:
    return (collection_dir(name, home) / "meta.json").exists()


def save_bm25(bm25: BM25Index, directory: Path) -> None:
    import scipy.sparse as sp
    directory.mkdir(parents=True, exist_ok=True)
    sp.save_npz(directory / "bm25_weights.npz", bm25.weights)
    (directory / "bm25_vocab.json").write_text(json.dumps(bm25.vocab, ensure_ascii=False), encoding="utf-8")


def load_bm25(directory: Path) -> BM25Index:
    import scipy.sparse as sp
    w = sp.load_npz(directory / "bm25_weights.npz").tocsr()
    vocab = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
    return BM25Index(w, vocab)


def load_collection(name: str, home: Path | None = None) -> Collection:
    """The saved collection, or an empty one when none was saved (or by an older index version)."""
    d = collection_dir(name, home)
    if not (d / "meta.json").exists():
        return Collection.empty(name)
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    if meta.get("version") != INDEX_VERSION:
        return Collection.empty(name)
    records = pd.read_pickle(d / "records.pkl")
    tokens = json.loads((d / "tokens.json").read_text(encoding="utf-8"))
    emb = np.load(d / "emb.npy") if (d / "emb.npy").exists() else None
    have = np.load(d / "have.npy") if (d / "have.npy").exists() else None
    bm25 = load_bm25(d) if (d / "bm25_weights.npz").exists() else BM25Index.build(tokens)
    return Collection(name, records, tokens, emb, bm25, meta.get("embedder"), meta.get("tokenizer"), have,
                      meta.get("cut"))


def load_collections(home: Path | None = None) -> dict[str, Collection]:
    return {name: load_collection(name, home) for name in NAMES}


def save_collection(coll: Collection, home: Path | None = None) -> Path:
    """Write one collection, swapping the new directory in in one step; returns the directory."""
    target = collection_dir(coll.name, home)
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    coll.records.to_pickle(tmp / "records.pkl")
    (tmp / "tokens.json").write_text(json.dumps(coll.tokens, ensure_ascii=False), encoding="utf-8")
    if coll.emb is not None:
        np.save(tmp / "emb.npy", coll.emb)
        np.save(tmp / "have.npy", coll.have.copy())
    save_bm25(coll.bm25, tmp)
    (tmp / "meta.json").write_text(json.dumps(
        {"version": INDEX_VERSION, "name": coll.name, "count": len(coll.records),
         "embedder": coll.embedder_name, "tokenizer": coll.tokenizer, "cut": coll.cut,
         "embedded": coll.n_embedded}, ensure_ascii=False), encoding="utf-8")
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    if old.exists():
        shutil.rmtree(old)
    return target


def save_changed(collections, home: Path | None = None) -> list[str]:
    """Save the collections that changed since they were loaded (or were never saved); returns
    their names."""
    saved = []
    for coll in collections:
        if coll.dirty or not exists(coll.name, home):
            save_collection(coll, home)
            saved.append(coll.name)
    return saved

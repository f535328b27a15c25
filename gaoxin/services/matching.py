"""成果对接 use cases around the pure matching core (gaoxin.matching).

Here, and only here: reading results, demands, policies and feedback from the store; the on-disk
index under `$GAOXIN_HOME/match-index/`; the matcher cache keyed by the data version; the xlsx
export. Plain arguments in, plain data out, the project's own errors (gaoxin.services.errors);
nothing here knows HTTP, FastAPI or typer.
"""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from gaoxin.services.errors import NotFound

INDEX_VERSION = 1


# --- store → frames ------------------------------------------------------------------------------

def load_frames(session) -> dict[str, pd.DataFrame]:
    """Results, demands, policies and feedback from the store as plain frames."""
    from sqlalchemy import select
    from gaoxin.matching import DEMAND_FIELDS, POLICY_FIELDS, RESULT_FIELDS
    from gaoxin.store.models import MatchFeedback, Policy, TechDemand, TechResult

    def frame(model, cols):
        rows = session.execute(select(*[getattr(model, c) for c in cols])).all()
        return pd.DataFrame(rows, columns=cols)

    return {"results": frame(TechResult, RESULT_FIELDS), "demands": frame(TechDemand, DEMAND_FIELDS),
            "policies": frame(Policy, POLICY_FIELDS),
            "feedback": frame(MatchFeedback, ["demand_code", "result_code", "verdict", "username", "at"])}


def data_version(session) -> tuple:
    """(database URL, (max id, count) of results, demands, feedback, policies): changes on every write
    that matters to matching, so caches keyed by it never serve stale matches."""
    from sqlalchemy import func, select
    from gaoxin.store.models import MatchFeedback, Policy, TechDemand, TechResult
    return (str(session.get_bind().url),) + tuple(
        tuple(session.execute(select(func.max(m.id), func.count(m.id))).one())
        for m in (TechResult, TechDemand, MatchFeedback, Policy))


def demand_zone(session, code: str) -> str | None:
    """The zone of a demand; NotFound (Chinese message) for an unknown code."""
    from sqlalchemy import select
    from gaoxin.store.models import TechDemand
    row = session.execute(select(TechDemand.zone_code).where(TechDemand.code == code)).first()
    if row is None:
        raise NotFound(f"需求编号“{code}”不存在")
    return row[0]


# --- on-disk index -------------------------------------------------------------------------------

def index_home(home: Path | None = None) -> Path:
    from gaoxin.paths import data_home
    return Path(home) if home is not None else data_home() / "match-index"


def load_collection(name: str, home: Path | None = None):
    """The saved collection `name` (results / demands), or an empty one if none was saved (or it was
    written by another index version)."""
    import scipy.sparse as sp
    from gaoxin.matching.bm25 import BM25Index
    from gaoxin.matching.index import Collection
    d = index_home(home) / name
    meta_path = d / "meta.json"
    if not meta_path.exists():
        return Collection.empty(name, d)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("version") != INDEX_VERSION:
        return Collection.empty(name, d)
    records = pd.read_pickle(d / "records.pkl")
    tokens = json.loads((d / "tokens.json").read_text(encoding="utf-8"))
    emb = np.load(d / "emb.npy") if (d / "emb.npy").exists() else None
    if (d / "bm25_weights.npz").exists():
        vocab = json.loads((d / "bm25_vocab.json").read_text(encoding="utf-8"))
        bm25 = BM25Index(sp.load_npz(d / "bm25_weights.npz").tocsr(), vocab)
    else:
        bm25 = BM25Index.build(tokens)
    return Collection(name, d, records, tokens, emb, bm25, meta.get("embedder"), meta.get("tokenizer"))


def save_collection(coll, home: Path | None = None) -> None:
    """Write a collection to `home/<name>/`, swapped in one step so a reader never sees half of it."""
    import scipy.sparse as sp
    target = index_home(home) / coll.name if home is not None or coll.dir is None else Path(coll.dir)
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    coll.records.to_pickle(tmp / "records.pkl")
    (tmp / "tokens.json").write_text(json.dumps(coll.tokens, ensure_ascii=False), encoding="utf-8")
    if coll.emb is not None:
        np.save(tmp / "emb.npy", coll.emb)
    sp.save_npz(tmp / "bm25_weights.npz", coll.bm25.weights)
    (tmp / "bm25_vocab.json").write_text(json.dumps(coll.bm25.vocab, ensure_ascii=False), encoding="utf-8")
    (tmp / "meta.json").write_text(json.dumps(
        {"version": INDEX_VERSION, "name": coll.name, "count": len(coll.records),
         "embedder": coll.embedder_name, "tokenizer": coll.tokenizer}, ensure_ascii=False), encoding="utf-8")
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    if old.exists():
        shutil.rmtree(old)
    coll.dir = target


def matcher_from_frames(results: pd.DataFrame, demands: pd.DataFrame, feedback: pd.DataFrame | None = None,
                        policies: pd.DataFrame | None = None, home: Path | None = None, embedder=None,
                        save: bool = True, progress=None):
    """A matcher over the given frames, reusing (and updating) the on-disk index in `home`."""
    from gaoxin.matching import Matcher
    previous = {name: load_collection(name, home) for name in ("results", "demands")}
    existed = {name: (index_home(home) / name / "meta.json").exists() for name in previous}
    m = Matcher.from_frames(results, demands, feedback, policies, embedder=embedder, progress=progress,
                            previous=previous)
    if save:
        for name, coll in (("results", m.results), ("demands", m.demands)):
            if not existed[name] or coll.dirty:
                save_collection(coll, home)
    return m


def build_matcher(url: str | None = None, home: Path | None = None, embedder=None, progress=None):
    """Read the libraries and the feedback from the store, update the on-disk index incrementally
    (only new or changed texts are embedded) and return a ready matcher."""
    from gaoxin.store.db import session_scope
    with session_scope(url) as session:
        frames = load_frames(session)
    return matcher_from_frames(frames["results"], frames["demands"], frames["feedback"], frames["policies"],
                               home=home, embedder=embedder, progress=progress)


def open_saved(home: Path | None = None, embedder=None, feedback=None, policies=None):
    """The saved index as is (no store access); ServiceError if it was never built."""
    from gaoxin.matching import Matcher
    from gaoxin.matching.embed import get_embedder
    from gaoxin.services.errors import ServiceError
    r, d = load_collection("results", home), load_collection("demands", home)
    if len(r) == 0 and len(d) == 0:
        raise ServiceError("尚未建立成果对接索引，请先运行“gaoxin match build”")
    return Matcher(r, d, embedder or get_embedder(r.embedder_name), feedback, policies)


# --- matcher cache keyed by the data version ------------------------------------------------------

_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def cached_matcher(version: tuple):
    """The matcher built for exactly this data version, or None."""
    with _CACHE_LOCK:
        return _CACHE.get(version)


def remember_matcher(version: tuple, matcher) -> None:
    """Keep `matcher` for `version`, dropping those of older versions of the same database."""
    with _CACHE_LOCK:
        for k in [k for k in _CACHE if k[0] == version[0]]:
            _CACHE.pop(k)
        _CACHE[version] = matcher


def forget_matchers() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


# --- export --------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v):
    """OWASP rule for spreadsheet exports: text that a spreadsheet would run as a formula gets a
    leading apostrophe; real numbers stay numbers."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def xlsx_bytes(sheets: dict[str, pd.DataFrame], note: str | None = None) -> bytes:
    """Frames as one workbook (Chinese sheet names); `note` goes in a first 说明 sheet."""
    import io
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False,
                                                                             "strings_to_urls": False}}) as xw:
        if note:
            pd.DataFrame({"说明": [note]}).to_excel(xw, sheet_name="说明", index=False)
        for name, df in sheets.items():
            out = df.map(safe_cell) if len(df) else df
            out.to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            for j, c in enumerate(df.columns):
                width = min(60, max(8, int(df[c].astype(str).str.len().clip(upper=60).max() if len(df) else 8),
                                    len(str(c)) * 2))
                ws.set_column(j, j, width)
    return buf.getvalue()


def export_xlsx(path: Path, sheets: dict[str, pd.DataFrame], note: str | None = None) -> Path:
    """Write `xlsx_bytes(sheets, note)` to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xlsx_bytes(sheets, note))
    return path

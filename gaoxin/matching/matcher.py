"""The matching facade used by the CLI and the web page (see the package docstring)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .embed import get_embedder
from .explain import explain, field_name
from .feedback import boost_matrix, exclude_codes, latest_verdicts
from .hybrid import FusionSettings, default_fusion, filter_mask, search_batch, settings_doc
from .index import Collection, index_home
from .tokenise import tokenize

RESULT_FIELDS = ["code", "title", "abstract", "keywords", "field", "institution", "team", "trl", "ip_type",
                 "ip_number", "terms", "region_code", "is_demo"]
DEMAND_FIELDS = ["code", "credit_code", "enterprise_name", "zone_code", "title", "description", "field",
                 "budget_wan", "deadline", "region_code", "is_demo"]
POLICY_FIELDS = ["code", "title", "issuer", "text", "eligible_rungs", "eligible_industries", "amount", "source",
                 "is_demo"]


class MatchError(ValueError):
    """A user-caused problem (unknown code, empty library); the message is Chinese."""


class _Pos:
    def __init__(self, coll: Collection):
        self.coll, self.n = coll, len(coll)

    def __call__(self, code):
        return self.coll.position(code)


@dataclass
class Filters:
    fields: list[str] | None = None
    regions: list[str] | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    institutions: list[str] | None = None

    def mask(self, records: pd.DataFrame) -> np.ndarray | None:
        if not any([self.fields, self.regions, self.trl_min, self.trl_max, self.institutions]):
            return None
        return filter_mask(records, self.fields, self.regions, self.trl_min, self.trl_max, self.institutions)


def load_frames(session) -> dict[str, pd.DataFrame]:
    """Results, demands, policies and feedback from the store as plain frames."""
    from sqlalchemy import select
    from gaoxin.store.models import MatchFeedback, Policy, TechDemand, TechResult

    def frame(model, cols):
        rows = session.execute(select(*[getattr(model, c) for c in cols])).all()
        return pd.DataFrame(rows, columns=cols)

    return {"results": frame(TechResult, RESULT_FIELDS), "demands": frame(TechDemand, DEMAND_FIELDS),
            "policies": frame(Policy, POLICY_FIELDS),
            "feedback": frame(MatchFeedback, ["demand_code", "result_code", "verdict", "username", "at"])}


class Matcher:
    """Results ↔ demands matching over a persisted index. Build with `load_or_build` or `from_frames`."""

    def __init__(self, results: Collection, demands: Collection, embedder=None,
                 feedback: pd.DataFrame | None = None, policies: pd.DataFrame | None = None,
                 fusion: FusionSettings | None = None, stats: dict | None = None):
        self.results, self.demands = results, demands
        self.embedder = embedder
        self.verdicts = latest_verdicts(feedback)
        self.policies = policies if policies is not None else pd.DataFrame(columns=POLICY_FIELDS)
        self.fusion = fusion or default_fusion()
        self.stats = stats or {}
        self.settings = settings_doc()

    # ---- construction -----------------------------------------------------------------------------
    @classmethod
    def from_frames(cls, results: pd.DataFrame, demands: pd.DataFrame, feedback: pd.DataFrame | None = None,
                    policies: pd.DataFrame | None = None, home: Path | None = None, embedder=None,
                    save: bool = True, progress=None) -> "Matcher":
        embedder = embedder or get_embedder()
        home = index_home(home)
        stats = {}
        colls = {}
        frames = (("results", results), ("demands", demands))
        loaded = {name: Collection.load(name, home) for name, _ in frames}
        if progress is not None and callable(getattr(progress, "total", None)):
            # a progress object may take the total up front (the web page shows "done / total")
            progress.total(sum(loaded[name].pending(frame, embedder) for name, frame in frames))
        for name, frame in frames:
            coll = loaded[name]
            coll.dir = home / name
            existed = (coll.dir / "meta.json").exists()
            stats[name] = coll.update(frame, embedder=embedder, progress=progress)
            if save and (not existed or coll.dirty):
                coll.save()
            colls[name] = coll
        return cls(colls["results"], colls["demands"], embedder, feedback, policies, stats=stats)

    @classmethod
    def load_or_build(cls, url: str | None = None, home: Path | None = None, embedder=None,
                      progress=None) -> "Matcher":
        """Read the three libraries and the feedback from the store, update the on-disk index
        incrementally (only new / changed texts are embedded) and return a ready matcher.

        `progress(n)` is called with the number of texts embedded in each chunk; if the object also
        has a `total(n)` method it is called once, before embedding starts, with the texts to embed."""
        from gaoxin.store.db import session_scope
        with session_scope(url) as session:
            frames = load_frames(session)
        return cls.from_frames(frames["results"], frames["demands"], frames["feedback"], frames["policies"],
                               home=home, embedder=embedder, progress=progress)

    _shared: dict = {}

    @classmethod
    def shared(cls, url: str | None = None, max_age_seconds: float = 300.0) -> "Matcher":
        """A process-wide matcher for the web app: rebuilt (incrementally) from the store at most every
        `max_age_seconds`, so a page view does not re-read the libraries each time. Call
        `Matcher.invalidate()` after an import or a feedback write to see the change at once."""
        import time
        from gaoxin.paths import database_url
        key = url or database_url()
        hit = cls._shared.get(key)
        if hit is not None and time.monotonic() - hit[0] < max_age_seconds:
            return hit[1]
        m = cls.load_or_build(url)
        cls._shared[key] = (time.monotonic(), m)
        return m

    @classmethod
    def invalidate(cls) -> None:
        cls._shared.clear()

    @classmethod
    def load(cls, home: Path | None = None, embedder=None, feedback=None, policies=None) -> "Matcher":
        """Open the saved index as is (no store access); raises MatchError if it was never built."""
        r, d = Collection.load("results", home), Collection.load("demands", home)
        if len(r) == 0 and len(d) == 0:
            raise MatchError("尚未建立对接索引，请先运行“gaoxin match build”")
        return cls(r, d, embedder or get_embedder(r.embedder_name), feedback, policies)

    # ---- core -------------------------------------------------------------------------------------
    def _demand_emb(self, code):
        i = self.demands.position(code)
        return None if i is None or self.demands.emb is None else self.demands.emb[i]

    def _rank(self, q_tokens, q_emb, q_codes, docs: Collection, top: int, mode: str, mask,
              q_fields=None, same_field=False, use_feedback=True, progress=None):
        fb = use_feedback and docs is self.results and len(self.verdicts) > 0
        fbs = self.settings.get("feedback", {})
        n_cand = max(top, int(fbs.get("candidates", 50))) if fb else top
        excl = exclude_codes(self.verdicts, q_codes, _Pos(docs)) if fb else None
        hits = search_batch(q_tokens, q_emb, docs.bm25, docs.emb, k=n_cand, mode=mode, doc_mask=mask,
                            query_groups=q_fields if same_field else None,
                            doc_groups=docs.records["field"].to_numpy() if same_field else None,
                            exclude_pairs=excl, fusion=self.fusion, progress=progress)
        confirmed = np.zeros(hits.index.shape, bool)
        if fb:
            b, confirmed = boost_matrix(hits.index, q_emb, q_codes, self.verdicts, self._demand_emb, _Pos(docs),
                                        float(fbs.get("boost", 0.15)), float(fbs.get("similarity_floor", 0.85)))
            score = np.where(hits.index >= 0, hits.score + b, -np.inf)
            order = np.argsort(-score, axis=1, kind="stable")[:, :top]
            for name in ("index", "score", "bm25", "dense"):
                arr = score if name == "score" else getattr(hits, name)
                setattr(hits, name, np.take_along_axis(arr, order, axis=1))
            confirmed = np.take_along_axis(confirmed, order, axis=1)
        return hits, confirmed

    def _frame(self, hits, confirmed, q_tokens, q_fields, q_codes, docs: Collection, mode) -> pd.DataFrame:
        rows = []
        max_terms = int(self.settings.get("explain", {}).get("max_terms", 6))
        rec = docs.records
        use_dense = mode != "bm25"
        for qi in range(hits.index.shape[0]):
            for rank, di in enumerate(hits.index[qi], start=1):
                if di < 0:
                    continue
                ex = explain(q_tokens[qi], docs.tokens[di], q_fields[qi] if q_fields is not None else None,
                             rec["field"].iat[di], float(hits.dense[qi, rank - 1]) if use_dense else None,
                             float(hits.bm25[qi, rank - 1]), docs.bm25, max_terms,
                             "经纪人已确认" if confirmed[qi, rank - 1] else None)
                row = {"query": q_codes[qi], "rank": rank, "code": rec["code"].iat[di],
                       "title": rec["title"].iat[di], "score": round(float(hits.score[qi, rank - 1]), 4),
                       "field": rec["field"].iat[di], "field_name": field_name(rec["field"].iat[di]),
                       "region_code": rec["region_code"].iat[di]}
                for c in ("institution", "trl", "enterprise_name", "zone_code", "is_demo"):
                    if c in rec.columns:
                        row[c] = rec[c].iat[di]
                row.update(ex)
                rows.append(row)
        return pd.DataFrame(rows)

    # ---- public API -------------------------------------------------------------------------------
    def search(self, text: str, filters: Filters | dict | None = None, top: int = 10,
               mode: str = "hybrid") -> pd.DataFrame:
        """Results for a free-text need (the web page's search box), each with its explanation."""
        if not text or not str(text).strip():
            raise MatchError("请输入检索内容")
        if len(self.results) == 0:
            raise MatchError("成果库为空，请先导入成果或生成示例数据")
        f = Filters(**filters) if isinstance(filters, dict) else (filters or Filters())
        toks = [tokenize(text)]
        q_emb = self.embedder.encode_queries([text]) if mode != "bm25" else None
        hits, conf = self._rank(toks, q_emb, ["检索"], self.results, top, mode, f.mask(self.results.records),
                                use_feedback=False)
        return self._frame(hits, conf, toks, [None], ["检索"], self.results, mode).drop(columns=["query"])

    def match_demand(self, code: str, top: int = 10, filters: Filters | dict | None = None,
                     same_field: bool = False, mode: str = "hybrid") -> pd.DataFrame:
        """Results for one demand (by its code), re-ranked with broker feedback."""
        i = self.demands.position(code)
        if i is None:
            raise MatchError(f"需求编号“{code}”不存在")
        return self.match_all(top, filters, same_field, mode, demand_codes=[str(code)])

    def match_result(self, code: str, top: int = 10, mode: str = "hybrid") -> pd.DataFrame:
        """Demands for one result (by its code): which enterprises may take it up."""
        i = self.results.position(code)
        if i is None:
            raise MatchError(f"成果编号“{code}”不存在")
        toks = [self.results.tokens[i]]
        q_emb = self.results.emb[i:i + 1] if (self.results.emb is not None and mode != "bm25") else None
        fld = [self.results.records["field"].iat[i]]
        hits, conf = self._rank(toks, q_emb, [str(code)], self.demands, top, mode, None, use_feedback=False)
        return self._frame(hits, conf, toks, fld, [str(code)], self.demands, mode).drop(columns=["query"])

    def match_all(self, top: int = 10, filters: Filters | dict | None = None, same_field: bool = False,
                  mode: str = "hybrid", demand_codes: list[str] | None = None, progress=None) -> pd.DataFrame:
        """Top results for every demand (or the listed ones): columns demand_code, rank, result code …"""
        if len(self.results) == 0:
            raise MatchError("成果库为空，请先导入成果或生成示例数据")
        f = Filters(**filters) if isinstance(filters, dict) else (filters or Filters())
        if demand_codes is None:
            pos = list(range(len(self.demands)))
        else:  # codes not (yet) in the index are skipped; match_demand reports a single unknown code
            pos = [p for p in (self.demands.position(c) for c in demand_codes) if p is not None]
        toks = [self.demands.tokens[p] for p in pos]
        q_emb = self.demands.emb[pos] if (self.demands.emb is not None and mode != "bm25") else None
        codes = [str(self.demands.records["code"].iat[p]) for p in pos]
        flds = self.demands.records["field"].to_numpy()[pos]
        hits, conf = self._rank(toks, q_emb, codes, self.results, top, mode, f.mask(self.results.records),
                                q_fields=flds, same_field=same_field, progress=progress)
        out = self._frame(hits, conf, toks, flds, codes, self.results, mode)
        if len(out):
            d = self.demands.records.set_index("code")
            out.insert(1, "demand_title", d.loc[out["query"], "title"].to_numpy())
            out["demand_region_code"] = d.loc[out["query"], "region_code"].to_numpy()
            out["demand_field"] = d.loc[out["query"], "field"].to_numpy()
            out["demand_enterprise"] = d.loc[out["query"], "enterprise_name"].to_numpy()
        return out.rename(columns={"query": "demand_code"})

    def policies_for(self, rung: str | None, industry: str | None) -> pd.DataFrame:
        from .policy import match_policies
        return match_policies({"rung": rung, "industry": industry}, self.policies)

"""The matching facade (see the package docstring). Pure: it takes frames, tokens and vectors and
returns frames; reading the store, caching and the background build live in gaoxin.services.matching."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import yaml

from .embed import get_embedder
from .explain import field_name
from .feedback import boost_matrix, exclude_codes, latest_verdicts
from .hybrid import DATA_DIR, FusionSettings, filter_mask, model_fusion, model_settings, search_batch, settings_doc
from .index import EMBED_CHUNK, Collection
from .strength import NO_MATCH, Calibration, coverage, idf_of
from .tokenise import tokenize

RESULT_FIELDS = ["code", "title", "abstract", "keywords", "field", "institution", "team", "trl", "ip_type",
                 "ip_number", "terms", "region_code", "is_demo"]
DEMAND_FIELDS = ["code", "credit_code", "enterprise_name", "zone_code", "title", "description", "field",
                 "budget_wan", "deadline", "region_code", "is_demo"]
POLICY_FIELDS = ["code", "title", "issuer", "text", "eligible_rungs", "eligible_industries", "amount", "source",
                 "is_demo"]
FEEDBACK_FIELDS = ["demand_code", "result_code", "verdict", "username", "at"]


class MatchError(ValueError):
    """A user-caused problem (unknown code, empty library); the message is Chinese."""


@cache
def generic_terms() -> frozenset[str]:
    doc = yaml.safe_load((DATA_DIR / "generic_terms.yaml").read_text(encoding="utf-8"))
    return frozenset(str(t) for t in doc.get("terms", []))


@cache
def _maturity_rules() -> tuple:
    doc = yaml.safe_load((DATA_DIR / "maturity.yaml").read_text(encoding="utf-8"))
    return tuple((re.compile(r["pattern"]), int(r["min_trl"]), str(r["label"])) for r in doc.get("rules", []))


def wanted_maturity(text: str | None) -> tuple[int | None, str | None]:
    """(minimum TRL, label) a demand's wording asks for, or (None, None)."""
    for pat, trl, label in _maturity_rules():
        if text and pat.search(str(text)):
            return trl, label
    return None, None


@cache
def _city_names() -> dict[str, str]:
    from .roadshow import _areas
    return _areas()[1]


def _city(code) -> str | None:
    from .roadshow import city_of
    c = city_of(code)
    return None if c is None else _city_names().get(c, None)


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or str(v) in ("", "nan", "None")


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


class Matcher:
    """Results ↔ demands matching over two collections. Rows whose vectors are not computed yet are
    ranked by BM25 (see hybrid.search_batch `doc_have`), so a matcher is usable while its library is
    still being embedded; `mode="hybrid"` falls back to BM25 where nothing is embedded."""

    def __init__(self, results: Collection, demands: Collection, embedder=None,
                 feedback: pd.DataFrame | None = None, policies: pd.DataFrame | None = None,
                 fusion: FusionSettings | None = None, stats: dict | None = None):
        self.results, self.demands = results, demands
        self.embedder = embedder
        self.feedback = feedback if feedback is not None else pd.DataFrame(columns=FEEDBACK_FIELDS)
        self.verdicts = latest_verdicts(feedback)
        self.policies = policies if policies is not None else pd.DataFrame(columns=POLICY_FIELDS)
        name = getattr(embedder, "name", None) or results.embedder_name
        self.fusion = fusion or model_fusion(name)
        self.stats = stats or {}
        self.settings = settings_doc()
        ms = model_settings(name)
        # calibrated strength per model (None: this model was never calibrated, so its pairs are
        # judged on their words alone, as pairs without a vector are)
        self.calibration = Calibration.from_settings(ms["strength"]) if ms.get("strength") else None
        self.calibration_bm25 = Calibration.from_settings(model_settings("bm25").get("strength"))
        self._idf = None
        self._transfers = None

    # ---- construction -----------------------------------------------------------------------------
    @classmethod
    def from_frames(cls, results: pd.DataFrame, demands: pd.DataFrame, feedback: pd.DataFrame | None = None,
                    policies: pd.DataFrame | None = None, embedder=None, progress=None, embed: bool = True,
                    cut: int | None = None, lookup=None, collections: dict[str, Collection] | None = None
                    ) -> "Matcher":
        """Bring the collections (`collections`: the previously saved ones, by name; default empty)
        in line with the frames. embed=False: tokens, BM25 and reusable / looked-up vectors only
        (seconds); call `embed_pending` (or the services' background build) for the rest.
        `progress.total(n)` (if present) gets the number of texts to embed first. Nothing is read or
        written here: gaoxin.store.match_index_files loads and saves collections."""
        embedder = embedder or get_embedder()
        stats = {}
        colls = {}
        for name, frame in (("results", results), ("demands", demands)):
            coll = (collections or {}).get(name) or Collection.empty(name)
            stats[name] = coll.update(frame, embedder=embedder, embed=False, cut=cut, lookup=lookup)
            colls[name] = coll
        m = cls(colls["results"], colls["demands"], embedder, feedback, policies, stats=stats)
        if embed:
            m.embed_pending(progress=progress)
        return m

    def pending(self) -> int:
        return sum(len(c) - c.n_embedded for c in (self.results, self.demands))

    def embed_pending(self, progress=None, stop=None, chunk: int | None = None, checkpoint=None,
                      checkpoint_every: int = 20) -> int:
        """Embed the rows still without a vector (demands first: they are the queries). `checkpoint(coll)`
        (the caller's save) is called every `checkpoint_every` chunks and once a collection is done, so
        a restart resumes. Returns texts embedded."""
        if progress is not None and callable(getattr(progress, "total", None)):
            progress.total(self.pending())
        done = 0
        for coll in (self.demands, self.results):
            n_chunks = [0]

            def tick(n, coll=coll):
                n_chunks[0] += 1
                if progress is not None:
                    progress(n)
                if checkpoint is not None and n_chunks[0] % checkpoint_every == 0:
                    checkpoint(coll)
            n = coll.embed_pending(self.embedder, tick, chunk or EMBED_CHUNK, stop)
            if n:
                self.stats.setdefault(coll.name, {})["embedded"] = n
            done += n
            if checkpoint is not None and n:
                checkpoint(coll)
        return done

    # ---- helpers ----------------------------------------------------------------------------------
    @property
    def progress(self) -> dict:
        """Texts with a vector / all texts, per library and together."""
        out = {c.name: {"embedded": c.n_embedded, "total": len(c)} for c in (self.results, self.demands)}
        out["embedded"] = sum(v["embedded"] for v in out.values())
        out["total"] = len(self.results) + len(self.demands)
        return out

    def _mode(self, mode: str, docs: Collection) -> str:
        if mode not in ("bm25", "dense", "hybrid"):
            raise MatchError(f"未知的检索方式“{mode}”，可选：bm25 / dense / hybrid")
        if mode != "bm25" and (docs.emb is None or docs.n_embedded == 0):
            return "bm25"
        return mode

    def _demand_emb(self, code):
        i = self.demands.position(code)
        if i is None or self.demands.emb is None or not self.demands.have[i]:
            return None
        return self.demands.emb[i]

    def idf(self):
        if self._idf is None:
            self._idf = idf_of(self.results.bm25, self.demands.bm25)
        return self._idf

    def transfers(self) -> dict[str, int]:
        """Results per institution that brokers confirmed (accepted) for some demand."""
        if self._transfers is None:
            acc = self.verdicts[self.verdicts["verdict"] == "accept"]
            rec = self.results.records
            out: dict[str, int] = {}
            if len(acc) and len(rec):
                inst = rec.set_index("code")["institution"]
                for r in set(acc["result_code"].astype(str)):
                    if r in inst.index and not _missing(inst[r]):
                        out[str(inst[r])] = out.get(str(inst[r]), 0) + 1
            self._transfers = out
        return self._transfers

    def _rank(self, q_tokens, q_emb, q_codes, docs: Collection, top: int, mode: str, mask,
              q_fields=None, same_field=False, use_feedback=True, progress=None, q_trl=None):
        fb = use_feedback and docs is self.results and len(self.verdicts) > 0
        fbs = self.settings.get("feedback", {})
        # extra candidates: rows of the same result from several institutions collapse into one,
        # and maturity may reorder them
        n_cand = max(top * 3, int(fbs.get("candidates", 50)) if fb else 0, top + 10)
        excl = exclude_codes(self.verdicts, q_codes, _Pos(docs)) if fb else None
        have = docs.have if (mode != "bm25" and docs.emb is not None) else None
        hits = search_batch(q_tokens, q_emb if mode != "bm25" else None, docs.bm25,
                            docs.emb if mode != "bm25" else None, k=n_cand, mode=mode, doc_mask=mask,
                            query_groups=q_fields if same_field else None,
                            doc_groups=docs.records["field"].to_numpy() if same_field else None,
                            exclude_pairs=excl, fusion=self.fusion, progress=progress, doc_have=have)
        confirmed = np.zeros(hits.index.shape, bool)
        score = np.where(hits.index >= 0, hits.score, -np.inf)
        if fb:
            b, confirmed = boost_matrix(hits.index, q_emb if mode != "bm25" else None, q_codes, self.verdicts,
                                        self._demand_emb, _Pos(docs), float(fbs.get("boost", 0.15)),
                                        float(fbs.get("similarity_floor", 0.85)))
            score = np.where(hits.index >= 0, score + b, -np.inf)
        if q_trl is not None and docs is self.results and "trl" in docs.records:
            pen = float(self.settings.get("ranking", {}).get("maturity_penalty", 0.15))
            trl = pd.to_numeric(docs.records["trl"], errors="coerce").to_numpy(float)
            d_trl = trl[np.maximum(hits.index, 0)]
            want = np.array([np.nan if w is None else w for w in q_trl], float)[:, None]
            gap = np.where(np.isnan(want) | np.isnan(d_trl), 0.0, np.clip(want - d_trl, 0, None))
            score = np.where(hits.index >= 0, score - pen * gap / 8.0, -np.inf)
        order = np.argsort(-score, axis=1, kind="stable")
        for name in ("index", "bm25", "dense"):
            setattr(hits, name, np.take_along_axis(getattr(hits, name), order, axis=1))
        hits.score = np.take_along_axis(score, order, axis=1)
        confirmed = np.take_along_axis(confirmed, order, axis=1)
        return hits, confirmed

    def _rank_split(self, toks, docs, top, mode, mask, codes, flds=None, same_field=False, q_pos=None,
                    q_coll=None, progress=None, q_trl=None, use_feedback=True):
        """Rank queries taken from a collection: queries with a vector use `mode`, the others BM25."""
        mode = self._mode(mode, docs)
        q_emb = None
        if mode != "bm25":
            if q_coll is None or q_coll.emb is None:
                mode = "bm25"
            else:
                qh = q_coll.have[q_pos]
                if not qh.all():
                    a = np.flatnonzero(qh)
                    b = np.flatnonzero(~qh)
                    parts = []
                    for sel, md in ((a, mode), (b, "bm25")):
                        if len(sel):
                            sub = [q_pos[i] for i in sel]
                            h, c = self._rank_split(
                                [toks[i] for i in sel], docs, top, md, mask, [codes[i] for i in sel],
                                None if flds is None else flds[sel], same_field, sub, q_coll, None,
                                None if q_trl is None else [q_trl[i] for i in sel], use_feedback)
                            parts.append((sel, h, c))
                    return _merge(parts, len(toks))
                q_emb = q_coll.emb[q_pos]
        hits, conf = self._rank(toks, q_emb, codes, docs, top, mode, mask, q_fields=flds, same_field=same_field,
                                use_feedback=use_feedback, progress=progress, q_trl=q_trl)
        hits.mode = mode
        return hits, conf

    def _frame(self, hits, confirmed, q_tokens, q_fields, q_codes, docs: Collection, top: int,
               q_regions=None, q_trl=None, group: bool = True, min_strength: bool = True) -> pd.DataFrame:
        """One row per (query, result) — the same result text from several institutions is one row
        with its institutions grouped — with an absolute strength and reasons in words."""
        rows = []
        max_terms = int(self.settings.get("explain", {}).get("max_terms", 6))
        rec = docs.records
        generic = generic_terms()
        idf, unseen = self.idf()
        transfers = self.transfers() if docs is self.results else {}
        term_w = None
        for qi in range(hits.index.shape[0]):
            seen: dict[str, dict] = {}
            q_set = [t for t in q_tokens[qi] if t not in generic]
            for j, di in enumerate(hits.index[qi]):
                if di < 0:
                    continue
                # the same result registered by several institutions: same title in the same field
                key = (str(rec["title"].iat[di]).strip(), str(rec["field"].iat[di])) if group else rec["code"].iat[di]
                inst = rec["institution"].iat[di] if "institution" in rec else None
                if key in seen:
                    r = seen[key]
                    if not _missing(inst) and inst not in r["institutions"]:
                        r["institutions"].append(inst)
                        r["codes"].append(rec["code"].iat[di])
                    continue
                if len(seen) >= top:
                    continue
                d_toks = docs.tokens[di]
                cos = float(hits.dense[qi, j]) if getattr(hits, "mode", "hybrid") != "bm25" else float("nan")
                cover = coverage(q_set, [t for t in d_toks if t not in generic], idf, unseen)
                # calibrated probability that the pair is a right answer (strength.py): the model's
                # features where the pair has vectors, the words alone (model `bm25`) where not
                bmax = float(hits.bm25_max[qi]) if hits.bm25_max is not None else float("nan")
                bn = float(hits.bm25[qi, j]) / bmax if bmax > 0 else 0.0
                if not np.isnan(cos) and self.calibration is not None:
                    cal = self.calibration
                    med = None if hits.cos_median is None else hits.cos_median[qi]
                    iqr = None if hits.cos_iqr is None else hits.cos_iqr[qi]
                    ev = float(cal.probability(cos, cover, bn, med, iqr))
                else:
                    cal = self.calibration_bm25
                    ev = float(cal.probability(None, cover, bn))
                strength = cal.label(ev)
                if strength is None and min_strength:
                    continue
                shared = set(q_set) & set(d_toks)
                terms = sorted(shared, key=lambda t: (-idf.get(t, unseen), -len(t), t))
                kept: list[str] = []
                for t in terms:
                    if not any(t in longer for longer in kept):
                        kept.append(t)
                kept = kept[:max_terms]
                r = {"query": q_codes[qi], "code": rec["code"].iat[di], "codes": [rec["code"].iat[di]],
                     "title": rec["title"].iat[di], "score": round(float(hits.score[qi, j]), 4),
                     "strength": strength or NO_MATCH, "evidence": round(ev, 3), "coverage": round(cover, 3),
                     "similarity": None if np.isnan(cos) else round(cos, 4),
                     "bm25": round(float(hits.bm25[qi, j]), 3), "shared_terms": kept,
                     "field": rec["field"].iat[di], "field_name": field_name(rec["field"].iat[di]),
                     "region_code": rec["region_code"].iat[di] if "region_code" in rec else None,
                     "institutions": [inst] if not _missing(inst) else [],
                     "confirmed": bool(confirmed[qi, j])}
                for c in ("trl", "enterprise_name", "zone_code", "is_demo"):
                    if c in rec.columns:
                        r[c] = rec[c].iat[di]
                qf = q_fields[qi] if q_fields is not None else None
                r["same_field"] = not _missing(qf) and not _missing(r["field"]) and str(qf) == str(r["field"])
                r["_q_field"], r["_q_region"] = qf, (q_regions[qi] if q_regions is not None else None)
                r["_q_trl"] = q_trl[qi] if q_trl is not None else None
                seen[key] = r
            for rank, r in enumerate(seen.values(), start=1):
                r["rank"] = rank
                r["institution"] = "、".join(str(x) for x in r["institutions"])
                r["reason"] = self._reason(r, transfers)
                for k in ("_q_field", "_q_region", "_q_trl"):
                    r.pop(k, None)
                rows.append(r)
        cols = ["query", "rank", "code", "codes", "title", "strength", "score", "evidence", "coverage",
                "similarity", "bm25", "shared_terms", "same_field", "field", "field_name", "region_code",
                "institution", "institutions", "confirmed", "reason"]
        out = pd.DataFrame(rows)
        return out if len(out) else pd.DataFrame(columns=cols)

    @staticmethod
    def _reason(r: dict, transfers: dict[str, int]) -> str:
        parts = [f"匹配强度：{r['strength']}" if r["strength"] in ("高", "中", "低") else "未达到“低”档匹配标准"]
        parts.append(f"共同技术词：{'、'.join(r['shared_terms'])}" if r["shared_terms"]
                     else "无共同的专业技术词（按语义相近）")
        qf, df_ = r["_q_field"], r["field"]
        if r["same_field"]:
            parts.append(f"同属{field_name(df_)}领域")
        elif not _missing(qf) and not _missing(df_):
            parts.append(f"领域不同：需求属{field_name(qf)}，成果属{field_name(df_)}")
        qc, dc = _city(r["_q_region"]), _city(r.get("region_code"))
        if qc and dc:
            parts.append(f"同在{dc}" if qc == dc else f"成果来自{dc}，需求在{qc}")
        trl = float(pd.to_numeric(pd.Series([r.get("trl")]), errors="coerce").iat[0])
        want = r["_q_trl"]
        if want is not None and not np.isnan(trl):
            parts.append(f"技术成熟度：成果 {int(trl)} 级，需求要求 {want} 级及以上" +
                         ("，相符" if trl >= want else f"，低 {int(want - trl)} 级"))
        elif not np.isnan(trl):
            parts.append(f"技术成熟度 {int(trl)} 级")
        n = sum(transfers.get(str(i), 0) for i in r["institutions"])
        if n:
            parts.append(f"完成单位已有 {n} 项成果经技术经理人确认对接")
        if len(r["institutions"]) > 1:
            parts.append(f"{len(r['institutions'])} 家单位登记了同一成果")
        if r["confirmed"]:
            parts.append("技术经理人已确认")
        return "；".join(parts)

    # ---- public API -------------------------------------------------------------------------------
    def search(self, text: str, filters: Filters | dict | None = None, top: int = 10,
               mode: str = "hybrid", q_emb: np.ndarray | None = None, min_strength: bool = True) -> pd.DataFrame:
        """Results for a free-text need (the web page's search box), each with strength and reasons.
        `q_emb` (1 × dim) lets the caller pass a cached query vector; otherwise it is encoded here."""
        if not text or not str(text).strip():
            raise MatchError("请输入检索内容")
        if len(self.results) == 0:
            raise MatchError("成果库为空，请先导入成果或生成示例数据")
        f = Filters(**filters) if isinstance(filters, dict) else (filters or Filters())
        toks = [tokenize(text)]
        mode = self._mode(mode, self.results)
        if mode != "bm25" and q_emb is None:
            q_emb = self.embedder.encode_queries([text])
        want, _ = wanted_maturity(text)
        hits, conf = self._rank(toks, q_emb, ["检索"], self.results, top, mode, f.mask(self.results.records),
                                use_feedback=False, q_trl=[want] if want else None)
        hits.mode = mode
        return self._frame(hits, conf, toks, [None], ["检索"], self.results, top,
                           q_trl=[want], min_strength=min_strength).drop(columns=["query"])

    def match_demand(self, code: str, top: int = 10, filters: Filters | dict | None = None,
                     same_field: bool = False, mode: str = "hybrid", min_strength: bool = True) -> pd.DataFrame:
        """Results for one demand (by its code), re-ranked with broker feedback. With min_strength
        (default) only results that clear the calibrated 低 bar are returned (none = 无合适匹配)."""
        i = self.demands.position(code)
        if i is None:
            raise MatchError(f"需求编号“{code}”不存在")
        return self.match_all(top, filters, same_field, mode, demand_codes=[str(code)], min_strength=min_strength)

    def match_result(self, code: str, top: int = 10, mode: str = "hybrid", min_strength: bool = True) -> pd.DataFrame:
        """Demands for one result (by its code): which enterprises may take it up."""
        i = self.results.position(code)
        if i is None:
            raise MatchError(f"成果编号“{code}”不存在")
        toks = [self.results.tokens[i]]
        fld = np.array([self.results.records["field"].iat[i]], dtype=object)
        hits, conf = self._rank_split(toks, self.demands, top, mode, None, [str(code)], q_pos=[i],
                                      q_coll=self.results, use_feedback=False)
        reg = [self.results.records["region_code"].iat[i]] if "region_code" in self.results.records else None
        return self._frame(hits, conf, toks, fld, [str(code)], self.demands, top, q_regions=reg,
                           group=False, min_strength=min_strength).drop(columns=["query"])

    def match_all(self, top: int = 10, filters: Filters | dict | None = None, same_field: bool = False,
                  mode: str = "hybrid", demand_codes: list[str] | None = None, progress=None,
                  min_strength: bool = True) -> pd.DataFrame:
        """Top results for every demand (or the listed ones): columns demand_code, rank, result code …"""
        if len(self.results) == 0:
            raise MatchError("成果库为空，请先导入成果或生成示例数据")
        f = Filters(**filters) if isinstance(filters, dict) else (filters or Filters())
        if demand_codes is None:
            pos = list(range(len(self.demands)))
        else:  # codes not (yet) in the index are skipped; match_demand reports a single unknown code
            pos = [p for p in (self.demands.position(c) for c in demand_codes) if p is not None]
        drec = self.demands.records
        toks = [self.demands.tokens[p] for p in pos]
        codes = [str(drec["code"].iat[p]) for p in pos]
        flds = drec["field"].to_numpy()[pos]
        regs = drec["region_code"].to_numpy()[pos] if "region_code" in drec else None
        trl = [wanted_maturity(drec["text"].iat[p])[0] for p in pos]
        hits, conf = self._rank_split(toks, self.results, top, mode, f.mask(self.results.records), codes, flds,
                                      same_field, pos, self.demands, progress,
                                      q_trl=trl if any(t is not None for t in trl) else None)
        out = self._frame(hits, conf, toks, flds, codes, self.results, top, q_regions=regs, q_trl=trl,
                          min_strength=min_strength)
        if len(out):
            d = drec.set_index("code")
            out.insert(1, "demand_title", d.loc[out["query"], "title"].to_numpy())
            out["demand_region_code"] = d.loc[out["query"], "region_code"].to_numpy()
            out["demand_field"] = d.loc[out["query"], "field"].to_numpy()
            out["demand_enterprise"] = d.loc[out["query"], "enterprise_name"].to_numpy()
        else:
            for c in ("demand_title", "demand_region_code", "demand_field", "demand_enterprise"):
                out[c] = []
        return out.rename(columns={"query": "demand_code"})

    def policies_for(self, rung: str | None, industry: str | None) -> pd.DataFrame:
        from .policy import match_policies
        return match_policies({"rung": rung, "industry": industry}, self.policies)


def _merge(parts, nq: int):
    """Hits of several query subsets back into one set, in the original query order."""
    from .hybrid import Hits
    k = max(h.index.shape[1] for _, h, _ in parts)

    def pad(a, fill):
        if a.shape[1] == k:
            return a
        return np.hstack([a, np.full((a.shape[0], k - a.shape[1]), fill, a.dtype)])
    idx = np.full((nq, k), -1, np.int64)
    sc = np.full((nq, k), -np.inf, np.float32)
    b = np.zeros((nq, k), np.float32)
    d = np.full((nq, k), np.nan, np.float32)
    conf = np.zeros((nq, k), bool)
    for sel, h, c in parts:
        idx[sel], sc[sel], b[sel] = pad(h.index, -1), pad(h.score, -np.inf), pad(h.bm25, 0)
        dd = pad(h.dense, np.nan)
        if getattr(h, "mode", "hybrid") == "bm25":
            dd = np.full_like(dd, np.nan)
        d[sel] = dd
        conf[sel] = pad(c, False)
    extra = {name: np.full(nq, np.nan) for name in ("bm25_max", "cos_median", "cos_iqr")}
    for sel, h, _ in parts:
        for name, arr in extra.items():
            v = getattr(h, name)
            if v is not None:
                arr[sel] = v
    out = Hits(idx, sc, b, d, **extra)
    out.mode = "mixed"
    return out, conf

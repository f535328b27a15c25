"""Progress reporting of an index build: the total is known before embedding starts and equals the
texts actually embedded, so a progress bar reaches exactly 100 %."""
from __future__ import annotations

import pandas as pd

from gaoxin.matching import Matcher
from gaoxin.matching.embed import HashingEmbedder
from gaoxin.matching.index import EMBED_CHUNK, Collection
from tests.matching.test_index_incremental import CountingEmbedder, _results


def _demands(n):
    return pd.DataFrame({"code": [f"D{i}" for i in range(n)], "title": [f"需求{i}：电池回收" for i in range(n)],
                         "description": ["退役动力电池梯次利用"] * n, "field": ["SEI02"] * n,
                         "zone_code": ["HN-N-CHANGSHA"] * n, "region_code": ["430100"] * n})


class Recorder:
    def __init__(self):
        self.events = []

    def total(self, n):
        self.events.append(("total", n))

    def __call__(self, n):
        self.events.append(("done", n))


def test_pending_matches_embedded_counts(tmp_path):
    emb = CountingEmbedder()
    c = Collection.empty("results")
    f = _results(10)
    assert c.pending(f, emb) == 10 and c.pending(f, None) == 0
    assert c.update(f, embedder=emb)["embedded"] == 10
    g = _results(12)
    g.loc[3, "title"] = "固态电解质薄膜制备"   # changed
    g = g[g["code"] != "R5"]                  # removed: nothing to embed
    assert c.pending(g, emb) == 3 == c.update(g, embedder=emb)["embedded"]
    assert c.pending(g, emb) == 0             # up to date
    other = HashingEmbedder(dim=64)           # another model: every vector is recomputed
    assert c.pending(g, other) == len(g) == c.update(g, embedder=other)["embedded"]


def test_matcher_reports_total_before_chunks(tmp_path):
    n_r, n_d = EMBED_CHUNK * 2 + 5, 7
    rec = Recorder()
    m = Matcher.from_frames(_results(n_r), _demands(n_d), embedder=CountingEmbedder(), progress=rec)
    assert rec.events[0] == ("total", n_r + n_d)
    chunks = [n for kind, n in rec.events[1:]]
    assert all(kind == "done" for kind, _ in rec.events[1:])
    # demands (the queries) are embedded first: 7, then the results in chunks of 64, 64, 5
    assert chunks == [7, EMBED_CHUNK, EMBED_CHUNK, 5] and sum(chunks) == n_r + n_d
    # a reload with nothing new reports a total of 0 and no chunks
    rec2 = Recorder()
    Matcher.from_frames(_results(n_r), _demands(n_d), embedder=CountingEmbedder(), progress=rec2,
                        collections={"results": m.results, "demands": m.demands})
    assert rec2.events == [("total", 0)]


def test_plain_callable_progress_still_works(tmp_path):
    seen = []
    Matcher.from_frames(_results(3), _demands(2), embedder=CountingEmbedder(), progress=seen.append)
    assert sum(seen) == 5

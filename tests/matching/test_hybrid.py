import numpy as np
import pandas as pd
import pytest

from gaoxin.matching.bm25 import BM25Index
from gaoxin.matching.hybrid import FusionSettings, filter_mask, search_batch, topk_rows


def test_topk_rows_matches_full_sort():
    rng = np.random.default_rng(0)
    s = rng.random((7, 50)).astype(np.float32)
    idx, vals = topk_rows(s, 5)
    assert (idx == np.argsort(-s, axis=1)[:, :5]).all()
    assert np.allclose(vals, -np.sort(-s, axis=1)[:, :5])


def test_topk_rows_pads_with_minus_one():
    s = np.array([[1.0, -np.inf, 0.5]], np.float32)
    idx, _ = topk_rows(s, 5)
    assert idx.tolist() == [[0, 2, -1, -1, -1]]


DOCS = [["锂电池", "正极"], ["中药", "提取"], ["机器视觉", "缺陷"], ["锂电池", "回收"]]


def _emb():
    # hand-made unit vectors: doc 2 is closest to the query direction, then doc 0
    e = np.array([[0.6, 0.8, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]], np.float32)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def test_bm25_mode_only_returns_docs_sharing_terms():
    b = BM25Index.build(DOCS)
    hits = search_batch([["锂电池"]], None, b, None, k=4, mode="bm25")
    assert set(hits.index[0][:2]) == {0, 3} and hits.index[0][2] == -1


def test_rrf_hand_computed():
    b = BM25Index.build(DOCS)
    q = np.array([[1.0, 0, 0]], np.float32)
    f = FusionSettings(method="rrf", rrf_k=1, depth=10)
    hits = search_batch([["锂电池", "正极"]], q, b, _emb(), k=4, mode="hybrid", fusion=f)
    # BM25 ranks: doc0 (2 terms) 1st, doc3 2nd. Dense ranks (cos with [1,0,0]): doc2 1, doc0 2, then doc1/doc3 (0)
    # RRF(k=1): doc0 = 1/2 + 1/3; doc3 = 1/3 + 1/(1+r3), r3 ∈ {3, 4} (tie with doc1); doc2 = 1/2
    assert hits.index[0].tolist()[:3] == [0, 3, 2]
    assert hits.score[0][0] == pytest.approx(1 / 2 + 1 / 3)
    assert hits.score[0][1] in (pytest.approx(1 / 3 + 1 / 4), pytest.approx(1 / 3 + 1 / 5))
    assert hits.score[0][2] == pytest.approx(1 / 2)


def test_weighted_alpha_one_is_bm25_order_and_zero_is_dense_order():
    b = BM25Index.build(DOCS)
    q = np.array([[1.0, 0, 0]], np.float32)
    h1 = search_batch([["锂电池", "正极"]], q, b, _emb(), k=2, mode="hybrid", fusion=FusionSettings(alpha=1.0))
    assert h1.index[0][0] == 0
    h0 = search_batch([["锂电池", "正极"]], q, b, _emb(), k=2, mode="hybrid", fusion=FusionSettings(alpha=0.0))
    assert h0.index[0][0] == 2


def test_mask_groups_and_excluded_pairs():
    b = BM25Index.build(DOCS)
    q = np.array([[1.0, 0, 0], [1.0, 0, 0]], np.float32)
    toks = [["锂电池"], ["锂电池"]]
    mask = np.array([True, True, False, True])
    h = search_batch(toks, q, b, _emb(), k=4, mode="dense", doc_mask=mask)
    assert 2 not in h.index
    groups = np.array(["A", "B", "A", "B"], dtype=object)
    h = search_batch(toks, q, b, _emb(), k=4, mode="dense", query_groups=np.array(["A", None], dtype=object),
                     doc_groups=groups)
    assert set(h.index[0][h.index[0] >= 0]) == {0, 2}  # query 0 restricted to group A
    assert set(h.index[1][h.index[1] >= 0]) == {0, 1, 2, 3}  # query 1 has no group: unrestricted
    h = search_batch(toks, q, b, _emb(), k=4, mode="dense", exclude_pairs=np.array([0 * 4 + 2, 1 * 4 + 0]))
    assert 2 not in h.index[0] and 0 not in h.index[1] and 0 in h.index[0]


def test_blocks_give_same_answer_as_one_block():
    rng = np.random.default_rng(1)
    docs = [[f"t{j}" for j in rng.choice(30, 4, replace=False)] for _ in range(60)]
    qs = [[f"t{j}" for j in rng.choice(30, 3, replace=False)] for _ in range(25)]
    e = rng.normal(size=(60, 8)).astype(np.float32)
    qe = rng.normal(size=(25, 8)).astype(np.float32)
    b = BM25Index.build(docs)
    a = search_batch(qs, qe, b, e, k=5, mode="hybrid", fusion=FusionSettings(block=7))
    c = search_batch(qs, qe, b, e, k=5, mode="hybrid", fusion=FusionSettings(block=100))
    assert (a.index == c.index).all()


def test_filter_mask():
    docs = pd.DataFrame({"field": ["SEI01", "SEI02", "SEI01"], "region_code": ["430102", "430300", "430200"],
                         "trl": [3, 7, None], "institution": ["中南大学", "湘潭大学", "湖南大学"]})
    assert filter_mask(docs, fields=["SEI01"]).tolist() == [True, False, True]
    assert filter_mask(docs, regions=["430100"]).tolist() == [True, False, False]  # city admits its districts
    assert filter_mask(docs, trl_min=5).tolist() == [False, True, False]  # unknown TRL fails a TRL filter
    assert filter_mask(docs, fields="SEI01", regions="430200").tolist() == [False, False, True]


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="未知的检索方式"):
        search_batch([["a"]], None, BM25Index.build([["a"]]), None, mode="magic")


def test_chunked_topk_is_exact_on_wide_rows():
    rng = np.random.default_rng(3)
    s = rng.standard_normal((9, 5003)).astype(np.float32)  # not a multiple of the chunk size
    s[0, :] = -np.inf
    s[0, [5, 4000, 5002]] = [3.0, 2.0, 1.0]  # only 3 finite values
    s[1, 5000:] = 100.0  # the maxima sit in the short tail chunk
    idx, vals = topk_rows(s, 10)
    assert idx[0].tolist()[:4] == [5, 4000, 5002, -1]
    assert set(idx[1][:3]) == {5000, 5001, 5002}
    for r in range(2, 9):
        assert idx[r].tolist() == np.argsort(-s[r])[:10].tolist()


def test_bm25_split_scoring_equals_plain_sparse_product():
    rng = np.random.default_rng(5)
    vocab = [f"w{i}" for i in range(40)]
    # w0..w4 are in almost every document (scored through the dense path)
    docs = [[*vocab[:5], *rng.choice(vocab[5:], 3, replace=False)] for _ in range(300)]
    b = BM25Index.build(docs)
    qs = [list(rng.choice(vocab, 4, replace=False)) for _ in range(20)]
    heavy, *_ = b._prepare()
    assert len(heavy) >= 5
    plain = (b.query_matrix(qs) @ b.weights.T).toarray()
    assert np.allclose(b.scores(qs), plain, atol=1e-5)


def test_weighted_scores_are_min_max_form():
    b = BM25Index.build(DOCS)
    q = np.array([[1.0, 0, 0]], np.float32)
    h = search_batch([["锂电池", "正极"]], q, b, _emb(), k=4, mode="hybrid", fusion=FusionSettings(alpha=0.5))
    # doc0: bm25 is the row max → 0.5·1; dense 0.6 with min 0, max 1 → 0.5·0.6
    pos = h.index[0].tolist().index(0)
    assert h.score[0][pos] == pytest.approx(0.5 + 0.3, abs=1e-5)


@pytest.mark.parametrize("width", [600, 2561, 4097, 10000])
def test_topk_values_match_full_sort_with_ties(width):
    rng = np.random.default_rng(width)
    s = rng.integers(0, 50, size=(6, width)).astype(np.float32)  # many ties
    s[2, rng.choice(width, width // 2, replace=False)] = -np.inf
    _, vals = topk_rows(s, 10)
    assert np.array_equal(vals, -np.sort(-s, axis=1)[:, :10])

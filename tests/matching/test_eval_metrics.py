import pandas as pd
import pytest

from gaoxin.matching.eval import recall_mrr
from gaoxin.services.errors import Invalid, NotFound
from gaoxin.services.matching import load_labelled


def test_recall_mrr_hand_computed():
    ranked = [["a", "b", "c"], ["x", "y", "z"], ["p", "q"], ["m"]]
    relevant = [{"b"}, {"z", "w"}, {"none"}, set()]  # last query has no relevant doc: skipped
    out = recall_mrr(ranked, relevant, k=10)
    # recalls: 1, 1/2, 0 → 0.5; reciprocal ranks: 1/2, 1/3, 0 → 5/18
    assert out["queries"] == 3
    assert out["recall_at_10"] == pytest.approx(0.5)
    assert out["mrr_at_10"] == pytest.approx((1 / 2 + 1 / 3) / 3)


def test_cutoff_is_respected():
    ranked = [[str(i) for i in range(20)]]
    assert recall_mrr(ranked, [{"12"}], k=10)["recall_at_10"] == 0.0
    assert recall_mrr(ranked, [{"9"}], k=10)["mrr_at_10"] == pytest.approx(0.1)


def test_bad_files_give_chinese_messages(tmp_path):
    d = tmp_path / "d.csv"
    pd.DataFrame({"id": ["1"], "text": ["x"]}).to_csv(d, index=False)
    q = tmp_path / "q.csv"
    pd.DataFrame({"qid": ["q"], "text": ["x"]}).to_csv(q, index=False)
    r = tmp_path / "r.csv"
    pd.DataFrame({"qid": ["q"], "doc_id": ["1"], "relevance": ["高"]}).to_csv(r, index=False)
    with pytest.raises(Invalid, match="缺少列 title"):
        load_labelled(d, q, r)
    pd.DataFrame({"id": ["1"], "title": ["t"], "text": ["x"]}).to_csv(d, index=False)
    with pytest.raises(Invalid, match="第 2 行 relevance"):
        load_labelled(d, q, r)
    with pytest.raises(NotFound, match="文件不存在"):
        load_labelled(tmp_path / "none.csv", q, r)

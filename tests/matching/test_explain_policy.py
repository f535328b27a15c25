import pandas as pd

from gaoxin.matching.explain import explain, shared_terms
from gaoxin.matching.policy import eligibility_matrix, load_policy_templates, match_policies


def test_shared_terms_drop_contained_subwords():
    q = ["正极", "正极材料", "材料", "锂电池", "循环"]
    d = ["正极材料", "正极", "材料", "锂电池", "包覆"]
    assert sorted(shared_terms(q, d)) == ["正极材料", "锂电池"]


def test_explanation_sentence():
    ex = explain(["机器视觉", "缺陷"], ["机器视觉", "检测"], "SEI04", "SEI04", dense=0.9123, bm25_score=3.2)
    assert ex["shared_terms"] == ["机器视觉"] and ex["same_field"]
    assert "共同技术词：机器视觉" in ex["reason"] and "领域一致" in ex["reason"] and "0.912" in ex["reason"]
    ex = explain(["中药"], ["锂电池"], "SEI05", "SEI02", dense=0.8)
    assert ex["shared_terms"] == [] and not ex["same_field"]
    assert "无共同技术词" in ex["reason"] and "领域不同" in ex["reason"]


def test_policy_eligibility_by_rung_and_industry():
    pol = pd.DataFrame({"code": ["P1", "P2", "P3"], "eligible_rungs": [["hnte"], [], ["gazelle", "hnte"]],
                        "eligible_industries": [[], ["SEI02"], ["SEI01"]]})
    ent = pd.DataFrame({"rung": ["hnte", "tech_sme", None], "industry": ["SEI01", "SEI02", "SEI01"]})
    m = eligibility_matrix(ent, pol)
    assert m.tolist() == [[True, False, True], [False, True, False], [False, False, False]]
    got = match_policies({"rung": "hnte", "industry": "SEI02"}, pol)
    assert got["code"].tolist() == ["P1", "P2"]
    assert "不限产业" in got["理由"].iat[0]


def test_policy_templates_are_cited():
    tpl = load_policy_templates()
    assert tpl and all(t.get("source") for t in tpl)
    first = [t for t in tpl if t["title"] == "高新技术企业首次认定奖补"][0]
    assert first["amount"] == "10万元/家" and "004_" in first["source"]


def test_missing_fields_are_handled():
    import numpy as np
    import pandas as pd
    from gaoxin.matching.explain import field_name
    for v in (None, np.nan, pd.NA, ""):
        assert field_name(v) == "未填写"
        ex = explain(["a1"], ["a1"], v, "SEI01")
        assert not ex["same_field"] and "领域" not in ex["reason"]

import json

import pandas as pd

from gaoxin.services.matching import build_evalset as build


def test_build_eval_set_from_term_definitions(tmp_path):
    data = {str(i): {"no": str(i), "zh": f"术语{i}", "en": f"term {i}", "source": "计算机科学技术名词（第三版）",
                     "source_chapter": "08.人工智能",
                     "definition": f"又称“别名{i}”。第{i}种用于处理数据并给出结果的计算方法和过程。"}
            for i in range(40)}
    data["99"] = {"no": "99", "zh": "不选", "en": "", "source": "大气科学名词1996", "source_chapter": "",
                  "definition": "不在所选学科中的一条足够长的定义文字内容。"}
    src = tmp_path / "tskg.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "eval"
    assert build(src, out, n_queries=10, n_distractors=20) == {"docs": 30, "queries": 10}
    docs = pd.read_csv(out / "docs.csv", dtype=str)
    q = pd.concat([pd.read_csv(out / f"queries_{s}.csv", dtype=str) for s in ("dev", "test")])
    r = pd.concat([pd.read_csv(out / f"qrels_{s}.csv", dtype=str) for s in ("dev", "test")])
    assert "T99" not in set(docs["id"])                 # other subjects are left out
    assert not q["text"].str.contains("又称").any()     # alias sentences stripped
    assert set(r["doc_id"]) <= set(docs["id"]) and len(r) == 10
    assert docs["text"].str.contains("人工智能").all()

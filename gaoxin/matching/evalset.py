"""Build the shipped labelled evaluation set from public, real Chinese technical terminology.

Source: the PyPI package `tskgs-at` 0.1.0 (MIT licence, "航空术语语义知识图谱系统"), file
`tskgs_at/resource/tskg/tskg.json`: 30,806 standard terms with their official definitions as
published by 全国科学技术名词审定委员会 (机械工程名词, 计算机科学技术名词, 航空科学技术名词, 电力名词 …).

Task built from it (resembles demand → result matching): the query is a term's definition, a
plain description of what a thing does or is (like an enterprise describing its need), and the
relevant document is the technical term itself with its English name and subject chapter (like a
result's title, keywords and field). Distractor terms from the same chapters are added to the docs.
"又称/简称" alias sentences are stripped from the definitions so the query does not carry names.

Run once by a developer (needs the downloaded wheel) through
gaoxin.services.matching.build_evalset, which reads the JSON and writes the CSVs shipped in data/eval/;
this module only turns the parsed JSON into frames.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

SOURCES = ["机械工程名词（一）（第二版）", "机械工程名词（第二版）（二）", "计算机科学技术名词（第三版）",
           "航空科学技术名词", "电力名词（第三版）"]
_ALIAS = re.compile(r"(又称|简称|曾称|俗称|全称)[^。]*。")


def _chapter(s: str | None) -> str:
    return re.sub(r"^[\d.\s]+", "", (s or "")).replace(" ", "")


def build_frames(data: dict, n_queries: int = 400, n_distractors: int = 800,
                 seed: int = 6) -> dict[str, pd.DataFrame]:
    """The labelled set from the parsed tskg.json: docs (shuffled), and queries / qrels per split
    (dev = first half, test = second half)."""
    rows = []
    for v in data.values():
        if v.get("source") not in SOURCES or not v.get("definition") or not v.get("zh"):
            continue
        definition = _ALIAS.sub("", v["definition"]).strip()
        if len(definition) < 15:
            continue
        rows.append({"no": v["no"], "zh": v["zh"].strip(), "en": (v.get("en") or "").strip(),
                     "chapter": _chapter(v.get("source_chapter")), "definition": definition})
    frame = pd.DataFrame(rows).drop_duplicates("zh", keep=False).drop_duplicates("definition", keep=False)
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(frame))[: n_queries + n_distractors]
    sel = frame.iloc[pick].reset_index(drop=True)
    docs = pd.DataFrame({"id": "T" + sel["no"].astype(str), "title": sel["zh"],
                         "text": sel["zh"] + "（" + sel["en"] + "），" + sel["chapter"]})
    q = sel.iloc[:n_queries]
    queries = pd.DataFrame({"qid": "Q" + q["no"].astype(str), "text": q["definition"]})
    qrels = pd.DataFrame({"qid": queries["qid"], "doc_id": "T" + q["no"].astype(str), "relevance": 1})
    half = n_queries // 2
    out = {"docs": docs.sample(frac=1.0, random_state=seed)}
    for name, part in (("dev", slice(0, half)), ("test", slice(half, n_queries))):
        out[f"queries_{name}"] = queries.iloc[part]
        out[f"qrels_{name}"] = qrels.iloc[part]
    return out

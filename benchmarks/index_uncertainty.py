"""Benchmark: uncertainty analysis of the evaluation engine (prints figures; no assertions).

Case 1 (issue 3 / COINr sensitivity vignette on ASEM): 51 units × 49 indicators in 4 levels
(49 indicators → 8 pillars → 2 sub-indices → index), N = 1000 replications varying
winmax 1–5, normalisation (min-max [1, 100] vs z-score (10, 2)), weights (±25 % noise on
levels 2 and 3) and aggregation (arithmetic vs geometric).
Case 2: 200 units × 40 indicators (40 → 8 → 2 → 1), N = 10,000, same inputs.
Data are synthetic (lognormal, some skewed columns so that outlier treatment does work).
Case 3: the whole `gaoxin index uncertainty` command (new process: interpreter start, imports,
reading the CSV and YAML files, the analysis, writing the result) for cases 1 and 2, timed like
hyperfine (one warm-up run, then the median of repeated runs).
Run: .venv/bin/python benchmarks/index_uncertainty.py [--command-only]
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from gaoxin import index

VARY = {
    "treat.winmax": [1, 2, 3, 4, 5],
    "normalise": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}],
    "weights": {"noise": 0.25, "levels": [2, 3]},
    "aggregate.method": ["arithmetic", "geometric"],
}
SPEC = {"treat": {"method": "winsorise", "winmax": 5}, "normalise": {"method": "minmax", "range": [1, 100]}}


def make_case(n_units: int, n_ind: int, n_pillars: int = 8, seed: int = 1):
    rng = np.random.default_rng(seed)
    per = np.array_split(np.arange(n_ind), n_pillars)
    pillars = [{"code": f"P{p + 1}", "weight": 1,
                "children": [{"code": f"i{j + 1}", "direction": -1 if j % 7 == 3 else 1} for j in idx]}
               for p, idx in enumerate(per)]
    half = n_pillars // 2
    fw = {"nodes": [{"code": "INDEX", "children": [
        {"code": "S1", "children": pillars[:half]}, {"code": "S2", "children": pillars[half:]}]}]}
    x = rng.lognormal(mean=2.0, sigma=np.where(np.arange(n_ind) % 4 == 0, 1.2, 0.4), size=(n_units, n_ind))
    x[rng.random(x.shape) < 0.03] = np.nan
    df = pd.DataFrame(x, columns=[f"i{j + 1}" for j in range(n_ind)])
    df.insert(0, "unit", [f"U{u:03d}" for u in range(n_units)])
    return index.load_framework(fw), df


def bench(n_units: int, n_ind: int, runs: int, repeat: int = 3) -> None:
    fw, df = make_case(n_units, n_ind)
    spec = index.load_spec(SPEC)
    index.uncertainty(fw, df, spec, VARY, runs=50, seed=0)      # warm-up (imports, caches)
    times, cpu = [], []
    for r in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        ua = index.uncertainty(fw, df, spec, VARY, runs=runs, seed=r)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    st = ua.rank_stats()
    width = (st["q95"] - st["q05"]).mean()
    print(f"{n_units} units × {n_ind} indicators, 4 levels, N = {runs}: "
          f"wall best {min(times):.3f} s, median {np.median(times):.3f} s, CPU best {min(cpu):.3f} s "
          f"over {repeat} runs; "
          f"mean 90% rank interval width {width:.1f}")


def framework_dict(n_ind: int, n_pillars: int = 8) -> dict:
    """The same 4-level tree as make_case, as a framework file's content."""
    per = np.array_split(np.arange(n_ind), n_pillars)
    pillars = [{"code": f"P{p + 1}", "weight": 1,
                "children": [{"code": f"i{j + 1}", "direction": -1 if j % 7 == 3 else 1} for j in idx]}
               for p, idx in enumerate(per)]
    half = n_pillars // 2
    return {"nodes": [{"code": "INDEX", "children": [
        {"code": "S1", "children": pillars[:half]}, {"code": "S2", "children": pillars[half:]}]}]}


def bench_command(n_units: int, n_ind: int, runs: int, repeat: int = 5) -> None:
    """Wall time of the whole CLI command as a new process, median of `repeat` runs after a warm-up."""
    import statistics
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    import yaml

    _, df = make_case(n_units, n_ind)
    root = Path(__file__).resolve().parents[1]
    exe = root / ".venv" / "bin" / "gaoxin"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        df.to_csv(tmp / "data.csv", index=False)
        (tmp / "fw.yaml").write_text(yaml.safe_dump(framework_dict(n_ind)), encoding="utf-8")
        (tmp / "spec.yaml").write_text(yaml.safe_dump(SPEC), encoding="utf-8")
        (tmp / "vary.yaml").write_text(yaml.safe_dump({"vary": VARY}, allow_unicode=True), encoding="utf-8")
        prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "gaoxin.cli.main"]
        argv = prefix + ["index", "uncertainty", "-f", str(tmp / "fw.yaml"), "-d", str(tmp / "data.csv"),
                         "-m", str(tmp / "spec.yaml"), "-v", str(tmp / "vary.yaml"), "-n", str(runs),
                         "-o", str(tmp / "out.csv")]
        times = []
        for i in range(repeat + 1):
            t0 = time.perf_counter()
            proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.decode()[:800])
            if i:
                times.append(dt)
    print(f"whole command `gaoxin index uncertainty` {n_units} units × {n_ind} indicators, 4 levels, "
          f"4 varied assumptions, N = {runs}: median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s over {repeat} runs")


def bench_sa(n_units: int, n_ind: int, n: int) -> None:
    fw, df = make_case(n_units, n_ind)
    spec = index.load_spec(SPEC)
    t0 = time.perf_counter()
    sa = index.sensitivity(fw, df, spec, VARY, n=n, seed=0)
    dt = time.perf_counter() - t0
    print(f"sensitivity (Saltelli) {n_units} × {n_ind}, N = {n}, {sa.runs} runs: {dt:.3f} s")
    print(sa.table.round(3).to_string(index=False))


if __name__ == "__main__":
    import os
    import sys
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (machine shared with other jobs)")
    bench_command(51, 49, 1000)
    bench_command(200, 40, 10_000)
    if "--command-only" in sys.argv:
        raise SystemExit(0)
    bench(51, 49, 1000)
    bench(200, 40, 10_000, repeat=1)
    bench_sa(51, 49, 500)

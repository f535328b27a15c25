"""Throughput of the vectorised progress core: N target rows × 10 years with 30 % gaps.

Run: .venv/bin/python benchmarks/targets_progress.py [N]
Prints rows per second for `gaoxin.targets.progress.evaluate` (all kinds mixed)."""
from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from gaoxin.targets.progress import evaluate


def main(n: int = 200_000) -> None:
    rng = np.random.default_rng(0)
    kinds = np.array(["level", "count", "share", "growth", "cumulative", "doubling", "coverage"])
    rows = pd.DataFrame({
        "kind": kinds[rng.integers(0, len(kinds), n)],
        "comparator": np.where(rng.random(n) < 0.1, "<=", ">="),
        "baseline_year": 2018, "baseline_value": np.where(rng.random(n) < 0.5, 100.0, np.nan),
        "target_year": 2025, "target_value": rng.uniform(120, 300, n), "multiple": 2.0,
        "periodicity": np.where(rng.random(n) < 0.1, "annual", "once"),
        "period_start": 2019, "period_end": 2025,
    })
    rows.loc[rows["kind"] == "coverage", "target_value"] = 100.0
    rows.loc[rows["kind"] == "growth", "target_value"] = 10.0
    years = list(range(2016, 2026))
    values = rng.uniform(50, 250, (n, len(years)))
    values[rng.random(values.shape) < 0.3] = np.nan
    t0 = time.perf_counter()
    out = evaluate(rows, values, years, 2023)
    dt = time.perf_counter() - t0
    print(f"rows={n:,} years={len(years)} seconds={dt:.3f} rows_per_second={n / dt:,.0f}")
    print(out["status"].value_counts().to_string())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

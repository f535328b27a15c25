"""Benchmark: start-up time of whole `gaoxin` commands (prints figures; no assertions).

Hyperfine-like: each command is run as a fresh process (subprocess, output discarded) a few times
after one warm-up run; the median, minimum and maximum wall time are printed, with the machine's
load average so a figure taken on a busy machine can be read as such.

Run: .venv/bin/python benchmarks/cli_startup.py [--runs 10]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAOXIN = ROOT / ".venv" / "bin" / "gaoxin"

COMMANDS = [
    ["--help"],
    ["index", "--help"],
    ["evaluate", "--help"],
    ["targets", "--help"],
    ["enterprise", "--help"],
    ["match", "--help"],
    ["serve", "--help"],
]


def time_command(argv: list[str], runs: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `argv` run `runs` times as a new process (after `warmup` runs)."""
    times = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
        if i >= warmup:
            times.append(dt)
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:<40} median {statistics.median(times):.3f} s  "
          f"min {min(times):.3f} s  max {max(times):.3f} s  ({len(times)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    exe = str(GAOXIN) if GAOXIN.exists() else None
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f} "
          f"(1 / 5 min; the machine may be shared with other jobs)")
    report("python -c pass (interpreter floor)", time_command([sys.executable, "-c", "pass"], args.runs))
    for cmd in COMMANDS:
        argv = [exe, *cmd] if exe else [sys.executable, "-m", "gaoxin.cli.main", *cmd]
        report("gaoxin " + " ".join(cmd), time_command(argv, args.runs))


if __name__ == "__main__":
    main()

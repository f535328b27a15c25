"""Scale benchmark: N synthetic enterprises judged on every rung and scored for innovation points.

Usage: .venv/bin/python benchmarks/enterprise_scale.py [N]   (default 1,000,000)
Prints generation time, judging time, points time, pool time and peak RSS. Target (issue 5): judging
every rung + points for 1,000,000 enterprises in under 30 s and 4 GiB.
"""
from __future__ import annotations

import resource
import sys
import time



def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux


def main(n: int) -> None:
    from gaoxin.demo.enterprises import generate_wide
    from gaoxin.enterprise import PASS, innovation_points, judge, load_points_model, load_rules, pool

    rules, model = load_rules(), load_points_model()
    t0 = time.perf_counter()
    frame = generate_wide(n, seed=20261122, as_of_year=2025, years=3)
    t1 = time.perf_counter()
    print(f"企业数 {n:,}；生成示例数据 {t1 - t0:.1f} s；生成后峰值内存 {peak_rss_gib():.2f} GiB；列数 {frame.shape[1]}")

    # wall time on a shared machine includes waiting for a core: CPU time is printed alongside
    t2, c2 = time.perf_counter(), time.process_time()
    j = judge(frame, rules, as_of=2025)
    hr = j.highest_rung_index
    t3, c3 = time.perf_counter(), time.process_time()
    pts = innovation_points(frame, model, quantities=j.quantities)
    t4, c4 = time.perf_counter(), time.process_time()
    p = pool(j, "高新技术企业", top=100)
    t5, c5 = time.perf_counter(), time.process_time()
    print(f"判定全部 {len(j.rungs)} 个梯度：墙钟 {t3 - t2:.1f} s，CPU {c3 - c2:.1f} s")
    print(f"创新积分：墙钟 {t4 - t3:.1f} s，CPU {c4 - c3:.1f} s")
    print(f"判定 + 积分合计：墙钟 {t4 - t2:.1f} s，CPU {c4 - c2:.1f} s（目标 < 30 s）")
    print(f"高企培育库前100名：墙钟 {t5 - t4:.1f} s，CPU {c5 - c4:.1f} s")
    try:
        print(f"本机负载（1/5/15 分钟）：{open('/proc/loadavg').read().split()[:3]}，CPU 核数 {len(__import__('os').sched_getaffinity(0))}")
    except OSError:
        pass
    print(f"峰值内存（RSS）：{peak_rss_gib():.2f} GiB（目标 < 4 GiB）")
    for r in j.rungs:
        print(f"  {r.name}: 符合 {(r.status == PASS).sum():,}，无法判断 {(r.status == 1).sum():,}")
    print(f"  有最高梯度的企业 {(hr >= 0).sum():,}；积分均值 {pts['points'].mean():.1f}；培育库首位差距 {p['gaps'].iloc[0] if len(p) else '-'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

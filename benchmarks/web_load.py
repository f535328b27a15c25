"""Web load benchmark: 20 concurrent clients against uvicorn (127.0.0.1 only) on the demo database.

Prints p50 / p95 latency per page and API call, and overall. Usage:
    .venv/bin/python benchmarks/web_load.py [--clients 20] [--rounds 5] [--enterprises 20000]
        [--embedder hashing] [--db URL]
Without --db a fresh demo database is built in a temporary GAOXIN_HOME (seeded, 示例数据).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "bench-pass-123"


def paths(zone: str, ent: str, demand: str, year: int) -> list[tuple[str, str]]:
    return [
        ("页面 总览", "/"), ("页面 高新区评价", "/evaluation"), ("页面 目标监测", "/targets"),
        ("页面 企业培育", "/enterprises"), ("页面 成果对接", "/matching"), ("页面 数据管理", "/data"),
        ("API 总览", "/api/overview"), ("API 综合排名", f"/api/evaluation/ranking?year={year}"),
        ("API 园区画像", f"/api/evaluation/zones/{zone}?year={year}"), ("API 目标进展", "/api/targets"),
        ("API 预警清单", "/api/targets/warnings"), ("API 企业名单", f"/api/enterprises?zone={zone}&limit=300"),
        ("API 梯度漏斗", f"/api/zones/{zone}/ladder"), ("API 培育库", f"/api/zones/{zone}/pool"),
        ("API 企业画像", f"/api/enterprises/{ent}"), ("API 成果检索", "/api/matching/results?q=锂电池正极材料"),
        ("API 需求匹配", f"/api/matching/demands/{demand}/matches"), ("API 导入记录", "/api/imports"),
        ("API 审计日志", "/api/audit"),
    ]


def build_demo(home: Path, n_ent: int) -> str:
    url = f"sqlite:///{home / 'gaoxin.db'}"
    from gaoxin.auth.users import create_user
    from gaoxin.demo import build_demo as bd
    from gaoxin.store.db import session_scope
    from gaoxin.store.migrate import init_database
    t = time.perf_counter()
    init_database(url)
    with session_scope(url) as s:
        bd(s, n_enterprises=n_ent)
        create_user(s, "bench", PASSWORD, "province_admin", "压测")
    print(f"示例数据库已生成：{n_ent} 家企业，用时 {time.perf_counter() - t:.1f} 秒")
    return url


def pick(url: str) -> tuple[str, str, str, int]:
    from sqlalchemy import func, select
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Enterprise, Observation, TechDemand
    with session_scope(url) as s:
        zone = "HN-N-CHANGSHA"
        ent = s.scalar(select(Enterprise.credit_code).where(Enterprise.zone_code == zone).limit(1))
        demand = s.scalar(select(TechDemand.code).order_by(TechDemand.code).limit(1))
        year = s.scalar(select(func.max(Observation.period)).where(Observation.unit_type == "zone"))
    return zone, ent, demand, int(year)


async def client_run(base: str, urls, rounds: int, out: dict, think: float = 0.0) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        c.headers["X-CSRF-Token"] = (await c.get("/api/auth/csrf")).json()["csrf_token"]
        r = await c.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        for _ in range(rounds):
            for name, path in urls:
                t = time.perf_counter()
                r = await c.get(path)
                dt = (time.perf_counter() - t) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"{path} → {r.status_code}: {r.text[:200]}")
                out.setdefault(name, []).append(dt)
                if think:
                    await asyncio.sleep(think)  # a user reading the page before the next click


def wait_match_ready(base: str, timeout: float = 1800.0) -> float:
    """Log in and poll /api/match/status until the matching index is ready: while it builds, the
    matching endpoints answer 503 by design, which the warm-up would otherwise treat as fatal."""
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30) as c:
        c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
        c.post("/api/auth/login", json={"username": "bench", "password": PASSWORD}).raise_for_status()
        last = ""
        while True:
            st = c.get("/api/match/status").json()
            if st.get("state") == "ready":
                return time.perf_counter() - t0
            if st.get("state") == "error":
                raise RuntimeError(f"成果对接索引未能建立：{st.get('message')}")
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"等待成果对接索引超过 {timeout:.0f} 秒：{st.get('text')}")
            if st.get("text") != last:
                last = st.get("text", "")
                print(last, flush=True)
            time.sleep(1.0)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--enterprises", type=int, default=20000)
    ap.add_argument("--embedder", default="hashing", help="GAOXIN_EMBEDDER for the matching index (hashing: fast build)")
    ap.add_argument("--db", default=None)
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds each client waits between requests (0 = back-to-back, i.e. saturation)")
    a = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gaoxin_bench_"))
    os.environ.update(GAOXIN_HOME=str(home), GAOXIN_EMBEDDER=a.embedder)
    url = a.db or build_demo(home, a.enterprises)
    if a.db:
        from gaoxin.auth.users import create_user, get_user
        from gaoxin.store.db import session_scope
        with session_scope(url) as s:
            if get_user(s, "bench") is None:
                create_user(s, "bench", PASSWORD, "province_admin", "压测")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = ("import uvicorn,sys; from gaoxin.web.app import create_app; "
            f"uvicorn.run(create_app(sys.argv[1], secret_key='bench'), host='127.0.0.1', port={port}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code, url], env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        urls = paths(*pick(url))
        print(f"成果对接索引已就绪（等待 {wait_match_ready(base):.1f} 秒）")
        t = time.perf_counter()
        asyncio.run(client_run(base, urls, 1, {}))  # warm-up: first evaluation, targets, imports
        print(f"预热（首次计算）：{time.perf_counter() - t:.1f} 秒")
        lat: dict[str, list[float]] = {}

        async def all_clients():
            await asyncio.gather(*(client_run(base, urls, a.rounds, lat, a.think) for _ in range(a.clients)))
        t = time.perf_counter()
        asyncio.run(all_clients())
        wall = time.perf_counter() - t
        n = sum(len(v) for v in lat.values())
        print(f"\n思考时间 {a.think} 秒；{a.clients} 个并发客户端 × {a.rounds} 轮 × {len(urls)} 个地址 = {n} 次请求，用时 {wall:.1f} 秒，"
              f"吞吐 {n / wall:.1f} 次/秒（{os.cpu_count()} 核）")
        print(f"{'地址':<14}{'p50 (ms)':>10}{'p95 (ms)':>10}{'max (ms)':>10}")
        for name, _ in urls:
            xs = lat[name]
            print(f"{name:<14}{pct(xs, .5):>10.0f}{pct(xs, .95):>10.0f}{max(xs):>10.0f}")
        every = [x for v in lat.values() for x in v]
        print(f"{'全部':<14}{pct(every, .5):>10.0f}{pct(every, .95):>10.0f}{max(every):>10.0f}")
        print("目标：p95 < 200 ms")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()

"""Import benchmark: a 100,000-row wide .xlsx (enterprise × year, 8 indicator columns with mixed
Chinese numeric forms) into a fresh database. Prints the time of each stage and the row rates.

    .venv/bin/python benchmarks/import_bench.py            # SQLite in a temp dir
    .venv/bin/python benchmarks/import_bench.py --pg       # also PostgreSQL (GAOXIN_TEST_PG_URL)
    .venv/bin/python benchmarks/import_bench.py --rows 20000
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import xlsxwriter

from gaoxin.credit_code import make_credit_code

COLUMNS = ["营业收入（万元）", "研发费用", "rd_staff", "职工总数", "高新技术产品（服务）收入", "纳税总额",
           "技术合同成交额", "科技成果转化数"]
COUNT_COLUMNS = {"rd_staff", "职工总数", "科技成果转化数"}


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    years = [2022, 2023, 2024, 2025]
    n_ent = -(-rows // len(years))
    codes = [make_credit_code(f"91430100{i:09d}") for i in range(n_ent)]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("数据")
    for j, h in enumerate(["统一社会信用代码", "年份"] + COLUMNS):
        ws.write(0, j, h)
    # each enterprise has its own level per column and varies by ±10 % a year (independent draws per row
    # would put two years of one firm 1000× apart, which the import rightly warns about)
    level = rng.lognormal(6, 1.5, (n_ent, len(COLUMNS)))
    vals = level[np.arange(rows) // len(years)] * rng.uniform(0.9, 1.1, (rows, len(COLUMNS)))
    counts = [j for j, c in enumerate(COLUMNS) if c in COUNT_COLUMNS]
    vals[:, counts] = np.round(vals[:, counts])           # head counts and conversions are integers
    form = rng.random((rows, len(COLUMNS)))
    for i in range(rows):
        ws.write_string(i + 1, 0, codes[i // len(years)])
        ws.write_number(i + 1, 1, years[i % len(years)])
        for j in range(len(COLUMNS)):
            v, f = vals[i, j], form[i, j]
            if f < 0.05:
                continue                                   # blank → missing
            if f < 0.08:
                ws.write_string(i + 1, j + 2, "—")        # dash → missing
            elif f < 0.15:
                ws.write_string(i + 1, j + 2, f"{v / 1e4:.4f}亿" if j in (0, 4) else f"{v:,.0f}" if j in counts else f"{v:,.2f}")
            else:
                ws.write_number(i + 1, j + 2, round(v, 2))
    wb.close()


def bench(url: str, path: Path, label: str) -> None:
    from gaoxin.ingest.load import build_context, import_file
    from gaoxin.ingest.read import read_table
    from gaoxin.ingest.validate import validate_sheets
    from gaoxin.store.db import session_scope
    from gaoxin.store.migrate import init_database

    init_database(url)
    t = time.perf_counter()
    sheets = read_table(path)
    t_read = time.perf_counter() - t
    with session_scope(url) as s:
        ctx = build_context(s)
    t = time.perf_counter()
    parsed = validate_sheets(path.name, sheets, ctx)
    t_val = time.perf_counter() - t
    assert not parsed.problems, parsed.problems[:3]
    t = time.perf_counter()
    with session_scope(url) as s:
        rep = import_file(s, path, username="bench")
    t_total = time.perf_counter() - t
    assert rep.status == "loaded", rep.problems[:3]
    t = time.perf_counter()
    with session_scope(url) as s:
        again = import_file(s, path, username="bench")
    t_again = time.perf_counter() - t
    print(f"[{label}] 行 {rep.rows:,}，写入观测值 {rep.written:,}")
    print(f"[{label}] 读取 xlsx {t_read:.2f} s；清洗+校验 {t_val:.2f} s；完整导入（读+校验+写入+提交）{t_total:.2f} s"
          f"（{rep.rows / t_total:,.0f} 行/s，{rep.written / t_total:,.0f} 观测值/s）；重复导入（未变化）{t_again:.2f} s，状态 {again.status}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"企业年度数据_{args.rows}.xlsx"
        t = time.perf_counter()
        make_file(path, args.rows)
        print(f"生成测试文件 {path.name}：{path.stat().st_size / 1e6:.1f} MB，{time.perf_counter() - t:.1f} s（不计入）")
        bench(f"sqlite:///{Path(d) / 'bench.db'}", path, "SQLite")
        if args.pg:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url
            admin = os.environ.get("GAOXIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            name = f"gaoxin_bench_{uuid.uuid4().hex[:8]}"
            eng = create_engine(admin, isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                bench(make_url(admin).set(database=name).render_as_string(hide_password=False), path, "PostgreSQL")
            finally:
                from gaoxin.store.db import dispose_engines
                dispose_engines()
                with eng.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()

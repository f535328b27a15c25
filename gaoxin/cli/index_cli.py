"""CLI shell of the evaluation engine: `gaoxin index run|uncertainty|sensitivity`, `gaoxin evaluate`.

Thin: reads files or the store, calls gaoxin.index, writes/prints. No computation here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gaoxin import index
from gaoxin.index import io as iio

console = Console()
err = Console(stderr=True)

index_app = typer.Typer(help="综合评价指数：按框架、数据和方法设定计算得分、排名及不确定性分析。",
                        no_args_is_help=True, add_completion=False)

USER_ERRORS = (index.FrameworkError, index.SpecError, index.DataError, index.WeightError,
               index.AggregationError, KeyError)


def _fail(exc: Exception, code: int = 1) -> None:
    msg = exc.args[0] if exc.args else str(exc)
    err.print(f"[bold red]错误：[/]{escape(str(msg))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _years(year: Optional[int]) -> list[int] | None:
    return [year] if year is not None else None


def _vary(path: Path) -> dict:
    raw = iio.read_yaml(path, "不确定性设定")
    return raw.get("vary", raw) if isinstance(raw, dict) else raw


def _progress(total: int, label: str):
    prog = Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err, transient=True)
    task = prog.add_task(label, total=total)
    return prog, (lambda n: prog.advance(task, n))


@index_app.command("run", help="计算每个单位每个节点的得分与排名，按输出文件扩展名写 CSV 或 JSON（JSON 含方法设定）。")
def run_cmd(
    framework: str = typer.Option(..., "--framework", "-f", help="框架 YAML 文件路径或内置框架名"),
    data: Path = typer.Option(..., "--data", "-d", help="数据文件（CSV/xlsx，宽表或长表）"),
    method: Optional[Path] = typer.Option(None, "--method", "-m", help="方法设定 YAML 文件（缺省用默认设定）"),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="只输出该年份"),
    out: Path = typer.Option(..., "--out", "-o", help="输出文件（.csv 或 .json）"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="xlsx 工作表名"),
) -> None:
    try:
        fw = index.load_framework(framework)
        spec = index.load_spec(method)
        df = iio.read_data(data, sheet)
        try:
            res = index.evaluate(fw, df, spec, _years(year))
        except index.DataError as exc:   # name the file (and sheet) the row numbers refer to
            where = f"数据文件 {data}" + (f" 工作表 {sheet}" if sheet else "")
            raise index.DataError(f"{where}：{exc.args[0]}") from None
        table = res.table()
        meta = {"framework": fw.name or framework, "data": str(data), **res.to_dict()}
        meta.pop("results", None)
        iio.write_table(table, out, meta)
    except USER_ERRORS as exc:
        _fail(exc)
    console.print(f"已计算 {len(table)} 行（{len(fw.indicators)} 个指标，{len(fw.aggregates)} 个汇总节点），"
                  f"结果写入 {out}")


@index_app.command("uncertainty", help="不确定性分析：按 --vary 随机组合方法选择，输出每个单位的名义、中位、均值及 5%/95% 分位排名。")
def uncertainty_cmd(
    framework: str = typer.Option(..., "--framework", "-f", help="框架 YAML 文件路径或内置框架名"),
    data: Path = typer.Option(..., "--data", "-d", help="数据文件（CSV/xlsx）"),
    method: Optional[Path] = typer.Option(None, "--method", "-m", help="名义方法设定 YAML 文件"),
    vary: Path = typer.Option(..., "--vary", "-v", help="不确定性设定 YAML（顶层键 vary 或直接为地址映射）"),
    runs: int = typer.Option(1000, "--runs", "-n", help="重复次数 N"),
    seed: int = typer.Option(0, "--seed", "-s", help="随机种子"),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="分析的年份（缺省为最近一年）"),
    out: Path = typer.Option(..., "--out", "-o", help="输出文件（.csv 或 .json）"),
) -> None:
    try:
        fw = index.load_framework(framework)
        spec = index.load_spec(method)
        df = iio.read_data(data)
        v = _vary(vary)
        prog, tick = _progress(runs, "不确定性分析")
        with prog:
            ua = index.uncertainty(fw, df, spec, v, runs, seed, year, progress=tick)
        stats = ua.rank_stats()
        iio.write_table(stats, out, {"method": spec.to_dict(), "vary": v, "runs": runs, "seed": seed})
    except USER_ERRORS as exc:
        _fail(exc)
    console.print(f"已完成 {runs} 次重复计算（{len(stats)} 个单位），结果写入 {out}")


@index_app.command("sensitivity", help="敏感性分析（Saltelli 设计）：各方法选择对排名变化的一阶与总效应指数及自助置信区间。")
def sensitivity_cmd(
    framework: str = typer.Option(..., "--framework", "-f", help="框架 YAML 文件路径或内置框架名"),
    data: Path = typer.Option(..., "--data", "-d", help="数据文件（CSV/xlsx）"),
    method: Optional[Path] = typer.Option(None, "--method", "-m", help="名义方法设定 YAML 文件"),
    vary: Path = typer.Option(..., "--vary", "-v", help="不确定性设定 YAML"),
    n: int = typer.Option(200, "--n", help="基础样本量 N（总计算次数 N×(d+2)）"),
    seed: int = typer.Option(0, "--seed", "-s", help="随机种子"),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="分析的年份（缺省为最近一年）"),
    out: Path = typer.Option(..., "--out", "-o", help="输出文件（.csv 或 .json）"),
) -> None:
    try:
        fw = index.load_framework(framework)
        spec = index.load_spec(method)
        df = iio.read_data(data)
        v = _vary(vary)
        sa = index.sensitivity(fw, df, spec, v, n, seed, year)
        iio.write_table(sa.table, out, {"method": spec.to_dict(), "vary": v, "n": n, "runs": sa.runs})
    except USER_ERRORS as exc:
        _fail(exc)
    console.print(f"已完成 {sa.runs} 次计算，结果写入 {out}")


def ranking_table(res: "index.IndexResult", title: str, top: int | None = None) -> Table:
    """Rich table: 排名, 高新区, 所在市州, 综合得分, then the root's children (dimension scores)."""
    fw = res.framework
    dims = fw.children(fw.root)
    t = res.table()
    if "city" in res.rows.columns and "city" not in t.columns:
        keys = [c for c in ("unit", "year") if c in t.columns]
        t = t.merge(res.rows[keys + ["city"]].astype({"unit": str}), on=keys, how="left")
    table = Table(title=title, show_lines=False)
    for h in ["排名", "高新区", "所在市州", "综合得分"] + [fw.nodes[d].name for d in dims]:
        table.add_column(h, justify="right" if h not in ("高新区", "所在市州") else "left")
    for _, r in (t.head(top) if top else t).iterrows():
        rank = "" if pd.isna(r["rank"]) else str(int(r["rank"]))
        fmt = lambda v: "—" if pd.isna(v) else f"{v:.2f}"  # noqa: E731
        table.add_row(rank, str(r.get("name", r["unit"])), str(r.get("city", "") or ""),
                      fmt(r[fw.root]), *[fmt(r[d]) for d in dims])
    return table


def evaluate_cmd(
    framework: str = typer.Option("hunan-provincial-2017", "--framework", "-f", help="内置框架名或框架 YAML 路径"),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="评价年份（缺省为数据中最近一年）"),
    method: Optional[Path] = typer.Option(None, "--method", "-m", help="方法设定 YAML 文件（缺省用默认设定）"),
    level: Optional[str] = typer.Option(None, "--level", "-l", help="只评价该级别的高新区（国家级 或 省级；缺省为全部）"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="另存结果（.csv 或 .json）"),
) -> None:
    """Run a shipped framework on the zone data in the database and print the ranking table."""
    try:
        fw = index.load_framework(framework)
        spec = index.load_spec(method)
    except USER_ERRORS as exc:
        _fail(exc)
    try:
        from gaoxin.store import repo
        from gaoxin.store.db import session_scope
    except ImportError as exc:  # store not installed in this build
        _fail(RuntimeError(f"数据库模块不可用：{exc}"), 2)
    codes = list(fw.indicators) + [d for d in fw.denominators if d not in fw.indicators]
    try:
        with session_scope() as session:
            df = repo.zone_indicator_frame(session, codes)
            obs = repo.observations_frame(session, unit_type="zone", indicators=codes)
    except Exception as exc:  # noqa: BLE001 - database problems are reported, not traced
        _fail(RuntimeError(f"读取数据库失败（请先运行 gaoxin init 和 gaoxin demo）：{type(exc).__name__}: {exc}"), 2)
    if df.empty:
        _fail(RuntimeError("数据库中没有该框架指标的高新区数据；可先运行 gaoxin demo 生成示例数据"), 1)
    if level is not None:
        levels = sorted(df["level"].dropna().unique().tolist()) if "level" in df.columns else []
        if level not in levels:
            _fail(RuntimeError(f"没有级别为“{level}”的高新区数据；可选：{'、'.join(levels) or '（无）'}"), 1)
        df = df[df["level"] == level].reset_index(drop=True)
        obs = obs[obs["unit_code"].isin(df["unit"])]
    is_demo = bool(obs["is_demo"].any()) if "is_demo" in obs.columns else False
    if year is None:
        year = int(df["year"].max())
    try:
        res = index.evaluate(fw, df, spec, [year])
    except USER_ERRORS as exc:
        _fail(exc)
    title = (f"{fw.name or framework} · {year} 年{level or ''}高新区综合评价排名"
             + ("（示例数据）" if is_demo else ""))
    console.print(ranking_table(res, title))
    if fw.gaps:
        names = "、".join(f"{c} {n}" for c, n in fw.gaps)
        console.print(f"[yellow]说明：框架中 {names} 在原文中缺失，未参与计算，其余指标权重已按比例重新归一。[/]")
    if is_demo:
        console.print("[yellow]注意：以上为示例数据（合成数据），仅供演示，不代表任何高新区的真实情况。[/]")
    if out is not None:
        try:
            iio.write_table(res.table(), out, {**{k: v for k, v in res.to_dict().items() if k != "results"},
                                               "is_demo": is_demo, "year": year})
        except USER_ERRORS as exc:
            _fail(exc)
        console.print(f"结果已写入 {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index", help="综合评价指数计算、不确定性与敏感性分析")
    app.command("evaluate", help="用内置评价框架对数据库中的高新区数据计算综合评价并打印排名表（默认示例数据）。")(evaluate_cmd)

"""CLI shell of the evaluation engine: `gaoxin index run|uncertainty|sensitivity`, `gaoxin evaluate`.

Thin: reads files (gaoxin.ingest.index_files) or the store (gaoxin.services.evaluation), calls
gaoxin.index, writes/prints. No computation here. pandas, numpy and the engine are imported inside
the commands, so `gaoxin index --help` does not load them.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from rich.table import Table

    from gaoxin import index

console = Console()
err = Console(stderr=True)

index_app = typer.Typer(help="综合评价指数：按框架、数据和方法设定计算得分、排名及不确定性分析。",
                        no_args_is_help=True, add_completion=False)


def _user_errors() -> tuple:
    from gaoxin import index
    return (index.FrameworkError, index.SpecError, index.DataError, index.WeightError,
            index.AggregationError, KeyError)


def _fail(exc: Exception, code: int = 1) -> None:
    msg = exc.args[0] if exc.args else str(exc)
    err.print(f"[bold red]错误：[/]{escape(str(msg))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _years(year: Optional[int]) -> list[int] | None:
    return [year] if year is not None else None


def _vary(path: Path) -> dict:
    from gaoxin.ingest import index_files as iio
    raw = iio.read_yaml(path, "不确定性设定")
    return raw.get("vary", raw) if isinstance(raw, dict) else raw


def _progress(total: int, label: str):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
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
    stages: Optional[Path] = typer.Option(
        None, "--stages", help="把每个阶段（原始、分母化、插补、筛选、异常值处理、标准化、合成）和全部分析表写入该目录（CSV）"),
) -> None:
    from gaoxin import index
    from gaoxin.ingest import index_files as iio
    try:
        fw = iio.read_framework(framework)
        spec = iio.read_spec(method)
        df = iio.read_data(data, sheet)
        try:
            res = index.evaluate(fw, df, spec, _years(year))
        except index.DataError as exc:   # name the file (and sheet) the row numbers refer to
            where = f"数据文件 {data}" + (f" 工作表 {sheet}" if sheet else "")
            raise index.DataError(f"{where}：{exc.args[0]}") from None
        table = res.table()
        meta = {"framework": fw.name or framework, "data": str(data), **res.to_dict()}
        meta.pop("results", None)
        if out.suffix.lower() == ".json":   # the JSON result carries every stage and analysis too
            meta.update(stages_json(res, year))
        iio.write_table(table, out, meta)
        written = write_stages(res, stages, year) if stages is not None else []
    except _user_errors() as exc:
        _fail(exc)
    console.print(f"已计算 {len(table)} 行（{len(fw.indicators)} 个指标，{len(fw.aggregates)} 个汇总节点），"
                  f"结果写入 {out}")
    if stages is not None:
        console.print(f"各阶段数据与分析表 {len(written)} 个文件已写入 {stages}")


# file name → (what it holds, in Chinese) for `index run --stages DIR`; the order is the pipeline's
STAGE_FILES = {
    "01_raw": "原始数据（按输入）", "02_denominated": "分母化与对数/平方根变换后", "03_imputed": "缺失值插补后",
    "04_screened": "按数据可得率筛选后", "05_treated": "异常值处理后", "05_treatment_log": "异常值处理记录（每个指标）",
    "06_normalised": "标准化后", "07_aggregated": "各级合成得分与排名",
}


def _analysis_frames(res, year: Optional[int]) -> dict:
    frames = res.analyses(year)
    frames.pop("treatment", None)   # written as 05_treatment_log
    return frames


def write_stages(res, directory: Path, year: Optional[int]) -> list[Path]:
    """Every stage and analysis of `res` as CSV files in `directory`, plus 00_说明.txt listing them."""
    from gaoxin.ingest import index_files as iio
    tables = res.stage_tables()
    names = dict(zip(["01_raw", "02_denominated", "03_imputed", "04_screened", "05_treated", "06_normalised",
                      "07_aggregated"], ["raw", "denominated", "imputed", "screened", "treated", "normalised",
                                         "aggregated"]))
    written = []
    for fname, stage in names.items():
        written.append(iio.write_table(tables[stage], directory / f"{fname}.csv"))
    written.append(iio.write_table(res.treatment_table(), directory / "05_treatment_log.csv"))
    for key, frame in _analysis_frames(res, year).items():
        written.append(iio.write_table(frame, directory / f"08_{key}.csv"))
    lines = [f"{p.name}：{STAGE_FILES.get(p.stem, ANALYSIS_FILES.get(p.stem[3:], ''))}"
             for p in sorted(written, key=lambda q: q.name)]
    readme = directory / "00_说明.txt"
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [readme, *written]


ANALYSIS_FILES = {
    "stats_raw": "原始数据的指标统计（COINr get_stats 各列与标记）", "stats_denominated": "分母化后的指标统计",
    "stats_imputed": "插补后的指标统计", "stats_screened": "筛选后的指标统计", "stats_treated": "异常值处理后的指标统计",
    "stats_normalised": "标准化后的指标统计", "stats_aggregated": "合成得分的统计",
    "correlations": "各层级之间的相关系数（指标/维度与上级及总指数）", "correlations_indicators": "指标两两相关系数",
    "cronbach_alpha": "各组的 Cronbach α（标准化数据与合成得分）", "pca": "各组主成分分析：第一主成分解释的方差比例",
    "pca_loadings": "各组第一主成分载荷", "screening": "每个单位的数据可得率与筛选结果",
    "effective_weights": "各节点在总指数中的有效权重", "removal_impact": "逐个去掉节点后总指数排名的变化",
}


def stages_json(res, year: Optional[int]) -> dict:
    """{"stages": {stage: records}, "analyses": {name: records}} for the JSON result."""
    import json
    rec = lambda df: json.loads(df.to_json(orient="records", force_ascii=False))  # noqa: E731
    stages = {k: rec(v) for k, v in res.stage_tables().items()}
    stages["treatment_log"] = rec(res.treatment_table())
    return {"stages": stages, "analyses": {k: rec(v) for k, v in _analysis_frames(res, year).items()}}


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
    from gaoxin import index
    from gaoxin.ingest import index_files as iio
    try:
        fw = iio.read_framework(framework)
        spec = iio.read_spec(method)
        df = iio.read_data(data)
        v = _vary(vary)
        prog, tick = _progress(runs, "不确定性分析")
        with prog:
            ua = index.uncertainty(fw, df, spec, v, runs, seed, year, progress=tick)
        stats = ua.rank_stats()
        iio.write_table(stats, out, {"method": spec.to_dict(), "vary": v, "runs": runs, "seed": seed,
                                     "fixed_aggregation": ua.fixed_aggregation, "notes": ua.notes})
    except _user_errors() as exc:
        _fail(exc)
    console.print(f"已完成 {runs} 次重复计算（{len(stats)} 个单位），结果写入 {out}")
    for note in ua.notes:
        console.print(f"[yellow]说明：{escape(note)}[/]")


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
    from gaoxin import index
    from gaoxin.ingest import index_files as iio
    try:
        fw = iio.read_framework(framework)
        spec = iio.read_spec(method)
        df = iio.read_data(data)
        v = _vary(vary)
        sa = index.sensitivity(fw, df, spec, v, n, seed, year)
        iio.write_table(sa.table, out, {"method": spec.to_dict(), "vary": v, "n": n, "runs": sa.runs,
                                        "fixed_aggregation": sa.fixed_aggregation, "notes": sa.notes})
    except _user_errors() as exc:
        _fail(exc)
    console.print(f"已完成 {sa.runs} 次计算，结果写入 {out}")
    for note in sa.notes:
        console.print(f"[yellow]说明：{escape(note)}[/]")


def ranking_table(res: "index.IndexResult", title: str, top: int | None = None,
                  short_names: dict | None = None) -> "Table":
    """Rich table: 排名, 高新区 (简称 when given), 所在市州, 综合得分, then the root's children."""
    import pandas as pd
    from rich.table import Table

    fw = res.framework
    dims = fw.children(fw.root)
    t = res.table()
    if "city" in res.rows.columns and "city" not in t.columns:
        keys = [c for c in ("unit", "year") if c in t.columns]
        t = t.merge(res.rows[keys + ["city"]].astype({"unit": str}), on=keys, how="left")
    table = Table(title=title, show_lines=False)
    for h in ["排名", "高新区", "所在市州", "综合得分"] + [fw.nodes[d].name for d in dims]:
        # narrow terminals: headers wrap (fold) instead of being cut to "…"; the zone keeps one line
        table.add_column(h, justify="right" if h not in ("高新区", "所在市州") else "left", overflow="fold",
                         no_wrap=h in ("排名", "高新区", "所在市州", "综合得分"))
    for _, r in (t.head(top) if top else t).iterrows():
        rank = "" if pd.isna(r["rank"]) else str(int(r["rank"]))
        fmt = lambda v: "—" if pd.isna(v) else f"{v:.2f}"  # noqa: E731
        shown = (short_names or {}).get(str(r["unit"])) or r.get("name", r["unit"])
        table.add_row(rank, str(shown), str(r.get("city", "") or ""),
                      fmt(r[fw.root]), *[fmt(r[d]) for d in dims])
    return table


def evaluate_cmd(
    zone_class: Optional[str] = typer.Option(
        None, "--class", "-c", help="只评价该级别的高新区（国家级 或 省级），用该级别的评价指标体系，在同级别内排名；"
                                    "缺省时两个级别分别评价、分别排名"),
    framework: Optional[str] = typer.Option(
        None, "--framework", "-f", help="内置评价指标体系名（缺省按高新区级别选择：国家级用国家高新区综合评价指标体系，"
                                        "省级用湖南省省级高新区绩效评价指标体系）"),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="评价年份（缺省为数据中最近一年）"),
    method: Optional[Path] = typer.Option(None, "--method", "-m", help="方法设定 YAML 文件（缺省用默认设定）"),
    level: Optional[str] = typer.Option(None, "--level", "-l", help="同 --class（保留的旧写法）"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="另存结果（.csv 或 .json）"),
) -> None:
    """分类评价 on the zone data in the database: each class with its own framework, ranked within
    the class; or one framework on the zones of one class or of both (--framework)."""
    from gaoxin import index
    from gaoxin.services import evaluation as ev
    from gaoxin.services.errors import ServiceError
    from gaoxin.services.db import session_scope

    from gaoxin.ingest import index_files as iio

    zone_class = zone_class or level
    try:
        spec = iio.read_spec(method)
    except _user_errors() as exc:
        _fail(exc)
    try:
        with session_scope() as session:
            if zone_class is None and framework is None:
                results = ev.evaluate_by_class(session, year, spec)
            else:
                results = [ev.evaluate_class(session, zone_class, framework, year, spec)]
    except ServiceError as exc:
        _fail(exc, 1)
    for r in results:
        who = f"{r['zone_class']}高新区" if r["zone_class"] else "高新区"
        title = (f"{r['framework_name']} · {r['year']} 年{who}综合评价排名（{r['n_units']} 个，同级别内排名）"
                 if r["zone_class"] else f"{r['framework_name']} · {r['year']} 年{who}综合评价排名（{r['n_units']} 个）")
        console.print(ranking_table(r["result"], title + ("（示例数据）" if r["is_demo"] else ""),
                                    short_names=r.get("short_names")))
        if r["gaps"]:
            names = "、".join(n for _, n in r["gaps"])
            console.print(f"[yellow]说明：《{escape(r['framework_name'])}》中 {escape(names)} 的原文缺失或未能核实，"
                          f"未参与计算，其余指标权重已按比例重新归一。[/]", soft_wrap=True)
    if any(r["is_demo"] for r in results):
        console.print("[yellow]注意：以上为示例数据（合成数据），仅供演示，不代表任何高新区的真实情况。[/]")
    if out is not None:
        _write_evaluations(results, out)


def _write_evaluations(results: list[dict], out: Path) -> None:
    """One file per run: CSV with a zone-class column (both classes stacked), JSON with each run's
    method, framework and results."""
    import pandas as pd

    from gaoxin.ingest import index_files as iio
    try:
        if out.suffix.lower() == ".json":
            runs = []
            for r in results:
                d = r["result"].to_dict()
                d.update(zone_class=r["zone_class"], framework_file=r["framework"], year=r["year"],
                         is_demo=r["is_demo"], gaps=[{"code": c, "name": n} for c, n in r["gaps"]])
                runs.append(d)
            iio.write_json(runs[0] if len(runs) == 1 else {"classes": runs}, out)
        else:
            frames = [r["ranking"].assign(zone_class=r["zone_class"] or "", framework=r["framework_name"])
                      for r in results]
            iio.write_table(pd.concat(frames, ignore_index=True), out)
    except _user_errors() as exc:
        _fail(exc)
    console.print(f"结果已写入 {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index", help="综合评价指数计算、不确定性与敏感性分析")
    app.command("evaluate", help="用内置评价框架对数据库中的高新区数据计算综合评价并打印排名表（默认示例数据）。")(evaluate_cmd)

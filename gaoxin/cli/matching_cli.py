"""`gaoxin match …`: technology matching (双高对接). A thin shell over gaoxin.matching."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table

console = Console()
err = Console(stderr=True)
DEMO_NOTE = "注意：含“示例数据”（合成数据），仅用于演示。"

sub = typer.Typer(help="成果与需求对接（双高对接 / 三库三家）：建立索引、匹配、路演分组、检索评测。",
                  no_args_is_help=True, add_completion=False)


def _fail(message: str, code: int = 1):
    err.print(f"[bold red]错误：[/]{message}")
    raise typer.Exit(code)


class _BarProgress:
    """The `progress` object for `Matcher.load_or_build`: `total(n)` once with the number of texts to
    embed (so the bar shows N / total and a remaining time), then one call per embedded chunk."""

    def __init__(self, prog: Progress):
        self.prog = prog
        self.task = prog.add_task("更新对接索引（读取成果库和需求库）", total=None)

    def total(self, n: int) -> None:
        desc = "更新对接索引（计算新文本向量）" if n else "更新对接索引（没有需要计算的新文本）"
        self.prog.update(self.task, total=int(n), completed=0, description=desc)

    def __call__(self, n: int) -> None:
        self.prog.advance(self.task, int(n))


def _bar(console_: Console, quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(),
                    console=console_, transient=True, disable=quiet)


def _matcher(url: Optional[str], quiet: bool = False):
    """Open the matcher: read the store, update the index incrementally (progress bar while embedding)."""
    from sqlalchemy.exc import SQLAlchemyError
    from gaoxin.matching import MatchError, Matcher
    try:
        with _bar(err, quiet) as prog:
            m = Matcher.load_or_build(url, progress=_BarProgress(prog))
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _fail(f"无法读取数据库（{first}）。请检查 GAOXIN_DATABASE_URL，或先运行 gaoxin init。")
    except MatchError as exc:
        _fail(str(exc))
    return m


def _print_matches(df, title: str, fmt: str) -> None:
    if fmt == "json":
        cols = [c for c in ("rank", "code", "title", "score", "field_name", "institution", "enterprise_name",
                            "trl", "shared_terms", "same_field", "similarity", "bm25", "reason") if c in df.columns]
        print(json.dumps(df[cols].to_dict(orient="records"), ensure_ascii=False, default=str, indent=1))
        return
    if len(df) == 0:
        console.print("[yellow]没有匹配结果。[/]")
        return
    t = Table(title=title, show_lines=False)
    for c in ("排名", "编号", "名称", "领域", "单位", "得分", "匹配理由"):
        short = c in ("排名", "编号", "得分")
        t.add_column(c, overflow="fold", no_wrap=short, ratio=None if short else (3 if c == "匹配理由" else 1))
    for _, r in df.iterrows():
        unit = r.get("institution") if "institution" in df.columns else r.get("enterprise_name")
        t.add_row(str(r["rank"]), str(r["code"]), str(r["title"]), str(r["field_name"]), str(unit or ""),
                  f"{r['score']:.3f}", str(r["reason"]))
    console.print(t)
    if "is_demo" in df.columns and df["is_demo"].fillna(False).astype(bool).any():
        console.print(f"[bold yellow]{DEMO_NOTE}[/]")


def build_cmd(url: Optional[str] = typer.Option(None, "--url", help="数据库地址（默认同 gaoxin init）。")):
    """建立或增量更新对接索引（分词、BM25、文本向量），保存在 $GAOXIN_HOME/match-index/。"""
    m = _matcher(url)
    labels = {"results": "成果库", "demands": "需求库"}
    t = Table(title="对接索引已更新")
    for c in ("库", "总数", "新增", "变更", "删除", "新计算向量"):
        t.add_column(c, justify="right" if c != "库" else "left")
    for k, s in m.stats.items():
        t.add_row(labels[k], f"{s['total']:,}", f"{s['added']:,}", f"{s['changed']:,}", f"{s['removed']:,}",
                  f"{s['embedded']:,}")
    console.print(t)
    console.print(f"向量模型：{m.embedder.name}")


def demand_cmd(code: str = typer.Argument(..., help="需求编号，例如 XQ202600001。"),
               top: int = typer.Option(10, "--top", min=1, max=200, help="返回前 N 项成果。"),
               same_field: bool = typer.Option(False, "--same-field", help="只在需求所属领域内匹配。"),
               field: Optional[List[str]] = typer.Option(None, "--field", help="只看这些领域（产业代码，可多次给出）。"),
               region: Optional[List[str]] = typer.Option(None, "--region", help="只看这些地区的成果（行政区划代码）。"),
               trl_min: Optional[int] = typer.Option(None, "--trl-min", min=1, max=9, help="最低技术成熟度（TRL）。"),
               mode: str = typer.Option("hybrid", "--mode", help="检索方式：bm25 / dense / hybrid。"),
               fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """为一项企业需求推荐高校成果，并说明匹配理由。"""
    from gaoxin.matching import Filters, MatchError
    m = _matcher(url, quiet=fmt == "json")
    try:
        df = m.match_demand(code, top, Filters(fields=field, regions=region, trl_min=trl_min), same_field, mode)
    except (MatchError, ValueError) as exc:
        _fail(str(exc))
    _print_matches(df, f"需求 {code} 的成果推荐", fmt)


def result_cmd(code: str = typer.Argument(..., help="成果编号。"),
               top: int = typer.Option(10, "--top", min=1, max=200, help="返回前 N 项需求。"),
               mode: str = typer.Option("hybrid", "--mode", help="检索方式：bm25 / dense / hybrid。"),
               fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """为一项高校成果寻找可能承接的企业需求。"""
    from gaoxin.matching import MatchError
    m = _matcher(url, quiet=fmt == "json")
    try:
        df = m.match_result(code, top, mode)
    except (MatchError, ValueError) as exc:
        _fail(str(exc))
    _print_matches(df, f"成果 {code} 的需求推荐", fmt)


def search_cmd(text: str = typer.Argument(..., help="检索内容，例如“电路板缺陷人工目检效率低”。"),
               top: int = typer.Option(10, "--top", min=1, max=200, help="返回前 N 项成果。"),
               field: Optional[List[str]] = typer.Option(None, "--field", help="只看这些领域（产业代码）。"),
               region: Optional[List[str]] = typer.Option(None, "--region", help="只看这些地区（行政区划代码）。"),
               trl_min: Optional[int] = typer.Option(None, "--trl-min", min=1, max=9, help="最低技术成熟度。"),
               trl_max: Optional[int] = typer.Option(None, "--trl-max", min=1, max=9, help="最高技术成熟度。"),
               fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """按一段文字检索成果库。"""
    from gaoxin.matching import Filters, MatchError
    m = _matcher(url, quiet=fmt == "json")
    try:
        df = m.search(text, Filters(fields=field, regions=region, trl_min=trl_min, trl_max=trl_max), top)
    except (MatchError, ValueError) as exc:
        _fail(str(exc))
    _print_matches(df, f"“{text}”的检索结果", fmt)


def all_cmd(top: int = typer.Option(10, "--top", min=1, max=100, help="每项需求取前 N 项成果。"),
            out: Path = typer.Option(..., "--out", help="输出 Excel 文件（.xlsx）。"),
            same_field: bool = typer.Option(False, "--same-field", help="只在需求所属领域内匹配。"),
            url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """为全部需求批量推荐成果，导出 Excel。"""
    from gaoxin.matching import MatchError, export_xlsx
    if out.suffix.lower() != ".xlsx":
        _fail(f"输出文件应为 .xlsx：{out}", 2)
    m = _matcher(url)
    try:
        df = m.match_all(top, same_field=same_field)
    except MatchError as exc:
        _fail(str(exc))
    sheet = _chinese_matches(df)
    demo = "is_demo" in df and df["is_demo"].fillna(False).astype(bool).any()
    export_xlsx(out, {"需求成果匹配": sheet}, note=(DEMO_NOTE if demo else None))
    console.print(f"[green]已导出[/] {df['demand_code'].nunique() if len(df) else 0} 项需求的 {len(df):,} 条匹配：{out}")
    if demo:
        console.print(f"[bold yellow]{DEMO_NOTE}[/]")


def _chinese_matches(df):
    cols = {"demand_code": "需求编号", "demand_title": "需求名称", "demand_enterprise": "需求企业", "rank": "排名",
            "code": "成果编号", "title": "成果名称", "institution": "成果单位", "field_name": "成果领域",
            "trl": "技术成熟度", "score": "匹配得分", "similarity": "语义相似度", "bm25": "关键词得分",
            "reason": "匹配理由"}
    keep = [c for c in cols if c in df.columns]
    return df[keep].rename(columns=cols)


def roadshows_cmd(out: Path = typer.Option(..., "--out", help="输出 Excel 文件（.xlsx）。"),
                  by: str = typer.Option("city", "--by", help="分片区方式：city（按市州）/ area（长株潭、环洞庭湖、湘中南、大湘西）。"),
                  top: Optional[int] = typer.Option(None, "--top", min=1, max=20, help="每项需求取前 N 项成果参与分组（默认见 settings.yaml）。"),
                  min_demands: Optional[int] = typer.Option(None, "--min-demands", min=1, help="每场路演至少包含的需求数。"),
                  max_demands: Optional[int] = typer.Option(None, "--max-demands", min=1, help="每场路演最多包含的需求数，超过则分为多场。"),
                  url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """按领域、分片区生成“双高”对接路演场次（含成果、需求和建议邀请名单），导出 Excel。"""
    from gaoxin.matching import MatchError, export_xlsx, plan_roadshows
    if out.suffix.lower() != ".xlsx":
        _fail(f"输出文件应为 .xlsx：{out}", 2)
    if by not in ("city", "area"):
        _fail("--by 只能是 city 或 area", 2)
    m = _matcher(url)
    rs = m.settings.get("roadshow", {})
    top = top or int(rs.get("top_per_demand", 3))
    try:
        matches = m.match_all(top)
    except MatchError as exc:
        _fail(str(exc))
    ev = plan_roadshows(matches, by=by, top_per_demand=top,
                        min_demands=min_demands or int(rs.get("min_demands", 2)),
                        max_results=int(rs.get("max_results", 15)),
                        max_demands=max_demands or int(rs.get("max_demands", 20)), brokers=m.verdicts)
    demo = len(ev) and (ev["示例数据"] == "是").any()
    export_xlsx(out, {"路演场次": ev, "匹配明细": _chinese_matches(matches)}, note=(DEMO_NOTE if demo else None))
    console.print(f"[green]已生成[/] {len(ev)} 场路演：{out}")
    if demo:
        console.print(f"[bold yellow]{DEMO_NOTE}[/]")


def feedback_cmd(demand: str = typer.Argument(..., help="需求编号。"),
                 result: str = typer.Argument(..., help="成果编号。"),
                 verdict: str = typer.Argument(..., help="accept（采纳）或 reject（否决）。"),
                 user: Optional[str] = typer.Option(None, "--user", help="技术经理人用户名。"),
                 note: Optional[str] = typer.Option(None, "--note", help="备注。"),
                 url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """记录技术经理人对一条匹配的采纳 / 否决，之后的推荐据此重新排序。"""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import MatchFeedback, TechDemand, TechResult
    v = {"accept": "accept", "采纳": "accept", "reject": "reject", "否决": "reject"}.get(verdict.strip().lower())
    if v is None:
        _fail(f"结论“{verdict}”无效，应为 accept（采纳）或 reject（否决）", 2)
    try:
        with session_scope(url) as s:
            if s.execute(select(TechDemand.id).where(TechDemand.code == demand)).first() is None:
                _fail(f"需求编号“{demand}”不存在")
            if s.execute(select(TechResult.id).where(TechResult.code == result)).first() is None:
                _fail(f"成果编号“{result}”不存在")
            s.add(MatchFeedback(demand_code=demand, result_code=result, verdict=v, username=user, note=note))
    except SQLAlchemyError as exc:
        _fail(f"无法写入数据库（{str(getattr(exc, 'orig', None) or exc).splitlines()[0]}）")
    console.print(f"[green]已记录[/]：需求 {demand} × 成果 {result} → {'采纳' if v == 'accept' else '否决'}")


def policies_cmd(rung: Optional[str] = typer.Option(None, "--rung", help="企业梯度代码，如 hnte（高新技术企业）。"),
                 industry: Optional[str] = typer.Option(None, "--industry", help="产业代码，如 SEI02。"),
                 fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
                 url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """按企业梯度和产业列出可申报的政策（政府政策库）。"""
    from sqlalchemy.exc import SQLAlchemyError
    from gaoxin.matching.matcher import load_frames
    from gaoxin.matching.policy import match_policies
    from gaoxin.store.db import session_scope
    try:
        with session_scope(url) as s:
            pol = load_frames(s)["policies"]
    except SQLAlchemyError as exc:
        _fail(f"无法读取数据库（{str(getattr(exc, 'orig', None) or exc).splitlines()[0]}）")
    df = match_policies({"rung": rung, "industry": industry}, pol)
    if fmt == "json":
        cols = ["code", "title", "issuer", "amount", "source", "理由", "is_demo"]
        print(json.dumps(df[cols].rename(columns={"理由": "reason"}).to_dict(orient="records"),
                         ensure_ascii=False, default=str, indent=1))
        return
    t = Table(title="可申报政策")
    for c in ("编号", "政策", "发布单位", "支持额度", "依据", "理由"):
        t.add_column(c, overflow="fold")
    for _, r in df.iterrows():
        t.add_row(str(r["code"]), str(r["title"]), str(r["issuer"] or ""), str(r["amount"] or ""),
                  str(r["source"] or ""), r["理由"])
    console.print(t)
    if len(df) and df["is_demo"].fillna(False).astype(bool).any():
        console.print(f"[bold yellow]{DEMO_NOTE}[/]")


def eval_cmd(docs: Path = typer.Option(..., "--docs", help="文档 CSV：id,title,text。"),
             queries: Path = typer.Option(..., "--queries", help="查询 CSV：qid,text。"),
             qrels: Path = typer.Option(..., "--qrels", help="标注 CSV：qid,doc_id,relevance。"),
             mode: Optional[str] = typer.Option(None, "--mode", help="bm25 / dense / hybrid；不填则三种都测。"),
             fmt: str = typer.Option("table", "--format", help="输出格式：table / json。")):
    """在标注数据上评测检索效果：recall@10 与 MRR@10。"""
    from gaoxin.matching.eval import evaluate_files
    modes = (mode,) if mode else ("bm25", "dense", "hybrid")
    for md in modes:
        if md not in ("bm25", "dense", "hybrid"):
            _fail(f"未知的检索方式“{md}”，可选：bm25 / dense / hybrid", 2)
    try:
        res = evaluate_files(docs, queries, qrels, modes=modes)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    if fmt == "json":
        print(json.dumps(res[0] if len(res) == 1 else res, ensure_ascii=False))
        return
    names = {"bm25": "BM25 关键词", "dense": "文本向量", "hybrid": "混合"}
    t = Table(title="检索评测")
    for c in ("检索方式", "查询数", "recall@10", "MRR@10"):
        t.add_column(c)
    for r in res:
        t.add_row(names[r["mode"]], str(r["queries"]), f"{r['recall_at_10']:.3f}", f"{r['mrr_at_10']:.3f}")
    console.print(t)


def register(app: typer.Typer) -> None:
    sub.command("build", help="建立或增量更新对接索引。")(build_cmd)
    sub.command("demand", help="为一项需求推荐成果（含匹配理由）。")(demand_cmd)
    sub.command("result", help="为一项成果寻找企业需求。")(result_cmd)
    sub.command("search", help="按文字检索成果库（可按领域、地区、成熟度筛选）。")(search_cmd)
    sub.command("all", help="全部需求批量匹配并导出 Excel。")(all_cmd)
    sub.command("roadshows", help="按领域、分片区生成路演场次并导出 Excel。")(roadshows_cmd)
    sub.command("feedback", help="记录技术经理人对匹配的采纳或否决。")(feedback_cmd)
    sub.command("policies", help="按企业梯度和产业匹配政策。")(policies_cmd)
    sub.command("eval", help="在标注数据上评测检索：recall@10、MRR@10。")(eval_cmd)
    app.add_typer(sub, name="match", help="成果与需求对接（双高对接）：索引、匹配、路演、评测。")

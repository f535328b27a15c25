"""CLI shell of the registries: `gaoxin registry list|show|import|export|template|counts|rewards|sync|listing`.

Thin: each command opens one transaction and calls gaoxin.services.registries with the console's
principal (full rights, as `gaoxin users` has); errors become Chinese messages and exit codes."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

HELP = "登记库：创新平台、上市后备、重点项目、专家与年度评估"
registry_app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)


class Kind(str, Enum):
    platforms = "platforms"
    listing = "listing"
    projects = "projects"
    experts = "experts"


KIND_HELP = ("资源库：platforms（高水平创新平台数据库）、listing（上市后备企业资源库）、projects（重点项目库）、"
             "experts（三家名录）")


def _run(fn, *args, **kwargs):
    from gaoxin.services.db import session_scope
    from gaoxin.services.errors import NotFound, ServiceError
    from gaoxin.services.scope import CONSOLE
    try:
        with session_scope() as s:
            return fn(s, CONSOLE, *args, **kwargs)
    except ServiceError as exc:
        err.print(f"[bold red]错误：[/]{exc}")
        raise typer.Exit(2 if isinstance(exc, NotFound) else 1) from None


def _table(title: str, columns: list[str], labels: dict, rows: list[dict], limit: int | None = None) -> None:
    t = Table(title=title)
    for c in columns:
        t.add_column(labels.get(c, c))
    for r in rows[:limit] if limit else rows:
        t.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in columns])
    console.print(t)


@registry_app.command("list", help="列出资源库记录（可按高新区、名称筛选）。")
def list_cmd(kind: Kind = typer.Argument(..., help=KIND_HELP), zone: Optional[str] = typer.Option(None, help="高新区代码"),
             q: Optional[str] = typer.Option(None, "--q", help="名称包含"), limit: int = typer.Option(50, help="最多显示条数"),
             as_json: bool = typer.Option(False, "--json", help="输出 JSON")):
    from gaoxin.services import registries as R
    data = _run(R.list_entries, kind.value, zone, q)
    if as_json:
        console.print_json(json.dumps(data["rows"], ensure_ascii=False))
        return
    if data["is_demo"]:
        console.print("[bold red]示例数据[/]：以下为合成的演示数据。")
    _table(f"{data['label']}（共 {data['total']} 条）", data["columns"], data["labels"], data["rows"], limit)


@registry_app.command("show", help="显示一条记录。")
def show_cmd(kind: Kind = typer.Argument(..., help=KIND_HELP), key: str = typer.Argument(..., help="平台编号或统一社会信用代码")):
    from gaoxin.services import registries as R
    row = _run(R.get_entry, kind.value, key)
    spec = R.fields(kind.value)
    for f in spec["fields"]:
        v = (row.get("zone_name") if f["type"] == "zone" else row.get("county_name") or row.get(f["name"])
             if f["type"] == "region" else row.get(f["name"]))
        console.print(f"{f['header']}：{'' if v is None else v}")


@registry_app.command("import", help="导入资源库 Excel / CSV 文件（全部通过才写入）。")
def import_cmd(kind: Kind = typer.Argument(..., help=KIND_HELP), file: Path = typer.Argument(..., help="文件路径"),
               dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入")):
    from gaoxin.services import registries as R
    if not file.exists():
        err.print(f"[bold red]错误：[/]文件不存在：{file}")
        raise typer.Exit(2)
    rep = _run(R.import_file, kind.value, file.read_bytes(), file.name, dry_run)
    labels = {"loaded": "已导入", "unchanged": "未变化（此前已导入相同文件）", "checked": "检查通过（未写入）",
              "rejected": "已拒绝，未写入任何数据"}
    console.print(f"{rep['file']}：{labels[rep['status']]}；读取 {rep['rows']} 行，写入 {rep['written']} 条。")
    for p in rep["problems"][:100]:
        where = "".join(x for x in (f"工作表“{p['sheet']}”" if p["sheet"] else "", f"第{p['row']}行" if p["row"] else "",
                                    f"“{p['column']}”列" if p["column"] else ""))
        console.print(f"  [red]✗[/] {where}：{p['reason']}" + (f"（{p['suggestion']}）" if p.get("suggestion") else ""))
    if rep["status"] == "rejected":
        raise typer.Exit(1)


@registry_app.command("export", help="导出资源库为 Excel（列与导入模板一致）。")
def export_cmd(kind: Kind = typer.Argument(..., help=KIND_HELP), out: Path = typer.Option(..., "--out", "-o", help="输出文件"),
               zone: Optional[str] = typer.Option(None, help="高新区代码")):
    from gaoxin.services import registries as R
    data, _name = _run(R.export_xlsx, kind.value, zone)
    out.write_bytes(data)
    console.print(f"已写入 {out}")


@registry_app.command("template", help="生成资源库导入模板。")
def template_cmd(kind: Kind = typer.Argument(..., help=KIND_HELP), out: Path = typer.Option(..., "--out", "-o", help="输出文件")):
    from gaoxin.services import registries as R
    data, _name = R.template_bytes(kind.value)
    out.write_bytes(data)
    console.print(f"已写入 {out}")


@registry_app.command("counts", help="规划目标中的平台数（由高水平创新平台数据库统计）。")
def counts_cmd(as_of: Optional[int] = typer.Option(None, "--as-of", help="统计年份（默认今年）"),
               target: Optional[str] = typer.Option(None, help="只看某一目标（目标编号）")):
    from gaoxin.services import registries as R
    out = _run(R.platform_target_counts, as_of, target)
    console.print(out["note"])
    _table(f"{out['as_of']}年规划目标平台数", ["plan", "indicator_name", "scope_name", "target_value", "value", "basis"],
           {"plan": "规划", "indicator_name": "目标", "scope_name": "范围", "target_value": "目标值", "value": "数据库统计值",
            "basis": "统计口径"}, out["rows"])


@registry_app.command("rewards", help="新批国家级、省级科创平台奖补（逐个平台测算）。")
def rewards_cmd(zone: Optional[str] = typer.Option(None, help="高新区代码"),
                years: Optional[str] = typer.Option(None, help="批准年份，多个用逗号分隔")):
    from gaoxin.services import registries as R
    ys = [int(y) for y in years.split(",")] if years else None
    out = _run(R.platform_rewards, ys, zone)
    _table(f"新批科创平台奖补：{out['count']} 个平台，合计 {out['total_wan']:g} 万元", out["columns"], out["labels"], out["rows"])


@registry_app.command("sync", help="把资源库统计的平台数写入指标数据（目标监测和评价读取）。")
def sync_cmd(years: str = typer.Option(..., help="年份，多个用逗号分隔，如 2023,2024,2025")):
    from gaoxin.services import registries as R
    out = _run(R.sync_platform_observations, [int(y) for y in years.split(",")])
    console.print(f"已写入 {out['written']} 个数值（来源：{out['source']}；其中替换原有不同数值 {out['replaced']} 个，"
                  "均记入审计日志）")


@registry_app.command("listing", help="上市目标监测（由上市后备企业资源库统计）与各阶段企业数。")
def listing_cmd(as_of: Optional[int] = typer.Option(None, "--as-of", help="监测年份（默认今年）")):
    from gaoxin.services import registries as R
    out = _run(R.listing_monitor, as_of)
    for t in out["targets"]:
        console.print(f"[bold]{t['plan']}：{t['name']}[/] 目标 {t['target']:g}{t['unit']}，已上市 {t['value']}，"
                      f"按进度应达 {t['expected']:g}，{t['status']}")
        console.print(f"  {t['basis']}；依据：{t['source']}")
    console.print("上市进程：" + " → ".join(f"{p['stage']} {p['count']}家" for p in out["pipeline"]))


@registry_app.command("load-projects", help="把规划专栏2–12的重点项目登记入库（已有的不变）。")
def load_projects_cmd():
    from gaoxin.services import registries as R
    out = _run(R.load_plan_projects)
    console.print(f"新登记 {out['added']} 个项目（规划专栏共 {out['total']} 个）")


@registry_app.command("projects", help="重点项目进度与预警（像目标一样跟踪）。")
def projects_cmd(as_of: Optional[int] = typer.Option(None, "--as-of", help="年份（默认今年）"),
                 zone: Optional[str] = typer.Option(None, help="高新区代码"),
                 behind_only: bool = typer.Option(False, "--behind", help="只列出进度滞后或暂停的项目")):
    from gaoxin.services import registries as R
    out = _run(R.project_progress, as_of, zone)
    rows = [r for r in out["rows"] if not behind_only or r["status"] in ("进度滞后", "暂停", "数据有误")]
    console.print("，".join(f"{k} {v} 项" for k, v in out["counts"].items()))
    _table(f"{out['as_of']}年重点项目进度", ["code", "name", "status", "investment_rate", "warnings"], out["labels"], rows)


@registry_app.command("tiers", help="100/50/20/10亿级企业梯次（按营业收入）。")
def tiers_cmd(year: int = typer.Option(..., help="年份")):
    from gaoxin.services import registries as R
    out = _run(R.enterprise_tiers, year)
    console.print("，".join(f"{k} {v} 家" for k, v in out["counts"].items()) + f"（{out['scope']}；依据：{out['source']}）")
    _table(f"{year}年亿级企业梯次", out["columns"], out["labels"], out["rows"])


@registry_app.command("assign", help="选派三家人员出席或跟进一项成果对接（需求编号）或路演。")
def assign_cmd(expert: str = typer.Argument(..., help="三家名录编号"), role: str = typer.Option("跟进", help="出席 或 跟进"),
               demand: Optional[str] = typer.Option(None, help="需求编号"), result: Optional[str] = typer.Option(None, help="成果编号"),
               roadshow: Optional[str] = typer.Option(None, help="路演名称"), zone: Optional[str] = typer.Option(None, help="路演所在高新区代码")):
    from gaoxin.services import registries as R
    a = _run(R.assign_expert, expert, role, demand, result, roadshow, zone)
    console.print(f"已选派：第{a['id']}号，{a['expert_name']}（{a['role']}），{a['activity']}")


@registry_app.command("follow-up", help="记录选派的跟进结果。")
def follow_up_cmd(assignment_id: int = typer.Argument(..., help="选派序号"),
                  outcome: str = typer.Option(..., help="待跟进 / 跟进中 / 已签约 / 未成交"),
                  note: Optional[str] = typer.Option(None, help="跟进记录")):
    from gaoxin.services import registries as R
    a = _run(R.record_follow_up, assignment_id, outcome, note)
    console.print(f"已记录：第{a['id']}号 {a['outcome']}")


@registry_app.command("assignments", help="列出三家选派与跟进记录。")
def assignments_cmd(demand: Optional[str] = typer.Option(None, help="需求编号")):
    from gaoxin.services import registries as R
    out = _run(R.assignments, demand)
    _table("三家选派与跟进", out["columns"], out["labels"], out["rows"])


@registry_app.command("revise-plan", help="三年一更新：把规划当前目标冻结为新版本（旧版本保留）。")
def revise_cmd(plan: str = typer.Argument(..., help="规划编号"), note: Optional[str] = typer.Option(None, help="修订说明")):
    from gaoxin.services import registries as R
    v = _run(R.revise_plan, plan, note)
    console.print(f"规划 {plan} 当前为第{v.version}版（校验码 {v.sha256[:12]}）")


@registry_app.command("assess", help="一年一评估：冻结当年数据并发布年度评估（发布后不可修改）。")
def assess_cmd(plan: str = typer.Argument(..., help="规划编号"), year: int = typer.Option(..., help="评估年度"),
               conclusion: str = typer.Option(..., help="评估结论"), zone: Optional[str] = typer.Option(None, help="只评估某高新区的目标"),
               out: Optional[Path] = typer.Option(None, "--out", "-o", help="把评估原文写入文件")):
    from gaoxin.services import registries as R
    a = _run(R.publish_assessment, plan, year, conclusion, zone)
    console.print(f"已发布第{a['id']}号评估（规划第{a['plan_version']}版，校验码 {a['sha256'][:12]}）")
    if out:
        out.write_bytes(a["document"].encode("utf-8"))
        console.print(f"已写入 {out}")


@registry_app.command("assessment", help="显示或导出一份已发布的年度评估（与发布时逐字节相同）。")
def assessment_cmd(assessment_id: int = typer.Argument(..., help="评估序号"),
                   out: Optional[Path] = typer.Option(None, "--out", "-o", help="写入文件")):
    from gaoxin.services import registries as R
    a = _run(R.get_assessment, assessment_id)
    if out:
        out.write_bytes(a["document"].encode("utf-8"))
        console.print(f"已写入 {out}（{'与发布时一致' if a['reproduced'] else '与发布时不一致！'}）")
    else:
        console.print(a["document"])


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry", help=HELP)

"""一年一评估、三年一更新: the annual assessment document rendered from its frozen record.

`render(record)` is a pure function of the record (the year's figures, the targets' status, the
evaluation and the conclusion as frozen at publication, plus the plan version), so a published
assessment is reproduced byte for byte however the data or the plan change later."""
from __future__ import annotations

import hashlib
import json
import math


def clean(v):
    """JSON-safe value: NaN/inf → None, numpy scalars → Python, tuples → lists."""
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def canonical(obj) -> str:
    return json.dumps(clean(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _num(v, unit: str | None = None) -> str:
    if v is None:
        return "—"
    s = f"{v:,.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else f"{v:,}"
    return s + (unit or "")


def _pct(v) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def render(record: dict) -> str:
    """The assessment document (Markdown text, Simplified Chinese)."""
    plan, ver = record["plan"], record["plan_version"]
    lines = [f"# {plan['name']}{record['year']}年度实施评估", ""]
    lines.append(f"- 规划：{plan['name']}" + (f"（{plan['doc_no']}）" if plan.get("doc_no") else "")
                 + (f"，{plan['issuer']}" if plan.get("issuer") else ""))
    lines.append(f"- 评估范围：{record['scope']['name']}")
    lines.append(f"- 评估年度：{record['year']}年")
    lines.append(f"- 规划版本：第{ver['version']}版（版本校验码 {ver['sha256'][:12]}）")
    lines.append(f"- 发布：{record['published_by']}，{record['published_at']}")
    if record.get("is_demo"):
        lines.append("- 示例数据：本评估所用数据为合成的演示数据，不代表真实统计")
    lines += ["", "## 一、目标完成情况", "",
              "| 目标 | 范围 | 目标值 | 完成值 | 完成年份 | 进度 | 状态 |", "|---|---|---|---|---|---|---|"]
    for t in record["targets"]:
        lines.append(f"| {t['indicator_name']} | {t['scope_name']} | {_num(t['target_value'], t.get('unit'))}（{t['target_year']}年）"
                     f" | {_num(t['actual'], t.get('unit'))} | {t['actual_year'] or '—'} | {_pct(t['progress'])} | {t['status'] or '—'} |")
    counts: dict[str, int] = {}
    for t in record["targets"]:
        counts[t["status"] or "无数据"] = counts.get(t["status"] or "无数据", 0) + 1
    lines += ["", "状态汇总：" + "，".join(f"{k}{v}项" for k, v in sorted(counts.items())), "",
              "## 二、评价结果", ""]
    ev = record.get("evaluation")
    if ev:
        lines.append(f"采用{record['year']}年已发布的综合评价（{ev.get('framework_name') or ev.get('framework')}）。")
        for row in ev.get("rows", []):
            lines.append(f"- {row.get('name')}：得分 {_num(row.get('score'))}，排名第{row.get('rank')}位")
    else:
        lines.append("本年度无已发布的综合评价结果。")
    lines += ["", "## 三、所用数据（发布时冻结）", "", "| 单位 | 指标 | 年份 | 数值 | 来源 |", "|---|---|---|---|---|"]
    for f in record["figures"]:
        lines.append(f"| {f['unit_name']} | {f['indicator_name']} | {f['period']} | {_num(f['value'])} | {f.get('source') or '—'} |")
    lines += ["", "## 四、评估结论", "", record["conclusion"].strip(), ""]
    return "\n".join(lines)

"""重点项目: milestones, progress and warnings tracked like targets, and the 亿级 enterprise tiers.

Projects are plain dicts (the registry's fields); settings from gaoxin/reference/registries/projects.yaml
are passed in by the caller."""
from __future__ import annotations

import re

DONE_MARKS = ("（已完成）", "(已完成)", "√", "✓")
QUANTITIES = (("investment", "总投资", "亿元"), ("output", "年产值", "亿元"), ("localization", "国产化率", "%"))


class MilestoneError(ValueError):
    """A milestone text that cannot be read; the message is Chinese."""


def parse_milestones(text: str | None) -> list[dict]:
    """“2024：主体完工（已完成）；2025：投产” → [{year, text, done}], in year order."""
    out = []
    for part in re.split(r"[；;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d{4})\s*年?\s*[:：]\s*(.+)", part)
        if not m:
            raise MilestoneError(f"里程碑“{part}”应写成“年份：内容”，如“2025：建成投运”")
        body = m.group(2).strip()
        done = body.endswith(DONE_MARKS)
        for mark in DONE_MARKS:
            body = body.removesuffix(mark).strip()
        out.append({"year": int(m.group(1)), "text": body, "done": done})
    return sorted(out, key=lambda x: x["year"])


def progress(p: dict, as_of: int, behind_margin: float) -> dict:
    """Progress of one project as of `as_of`: each quantity's completion rate, the share of the
    project's period elapsed, overdue milestones, a status (已完成 / 进度正常 / 进度滞后 / 暂停) and the
    warnings in Chinese."""
    quantities = []
    for key, name, unit in QUANTITIES:
        target, done = p.get(f"{key}_target"), p.get(f"{key}_done")
        if target is None:
            continue
        rate = (done / target) if (done is not None and target) else None
        quantities.append({"name": name, "unit": unit, "target": target, "done": done,
                           "rate": None if rate is None else round(rate, 4)})
    start, end = p.get("start_year"), p.get("target_year")
    elapsed = None
    if start is not None and end is not None and end >= start:
        elapsed = min(max(as_of - start + 1, 0), end - start + 1) / (end - start + 1)
    ms = parse_milestones(p.get("milestones"))
    overdue = [m for m in ms if m["year"] <= as_of and not m["done"]]
    warnings = [f"{m['year']}年里程碑“{m['text']}”未完成" for m in overdue]
    inv = next((q for q in quantities if q["name"] == "总投资"), None)
    if inv is not None and inv["rate"] is not None and elapsed is not None and inv["rate"] < elapsed - behind_margin:
        warnings.append(f"完成投资{inv['rate'] * 100:.1f}%，低于时间进度{elapsed * 100:.1f}%")
    complete = (p.get("status") == "建成投运" or
                (ms and all(m["done"] for m in ms) and all((q["rate"] or 0) >= 1 for q in quantities)))
    if p.get("status") == "暂停":
        status = "暂停"
        warnings.insert(0, "项目暂停")
    elif complete:
        status = "已完成"
    elif warnings:
        status = "进度滞后"
    else:
        status = "进度正常"
    return {"code": p["code"], "name": p["name"], "as_of": as_of, "elapsed": None if elapsed is None else round(elapsed, 4),
            "quantities": quantities, "milestones": ms, "overdue": len(overdue), "status": status, "warnings": warnings}


def tier(revenue_yi: float | None, levels: list[float]) -> str | None:
    """100/50/20/10 亿级: the highest level the revenue reaches (None below the lowest)."""
    if revenue_yi is None or revenue_yi != revenue_yi:
        return None
    for lv in sorted(levels, reverse=True):
        if revenue_yi >= lv:
            return f"{lv:g}亿级"
    return None

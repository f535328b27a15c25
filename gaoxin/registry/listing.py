"""上市后备企业资源库: the pipeline by stage, the listing targets monitored from it, and which
enterprises the 上市领军 rung should see as listed.

Candidates are plain dicts: credit_code, name, zone_code, region_code, is_tech, stage, board,
expected_date, listed_date (datetime.date or None). Stages, boards and targets come from
gaoxin/reference/registries/listing.yaml (passed in by the caller)."""
from __future__ import annotations

from gaoxin.registry.platforms import Unit


def stage_names(spec: dict) -> list[str]:
    return [s["name"] for s in spec["stages"]]


def is_listed(c: dict, spec: dict) -> bool:
    return c.get("stage") == spec["listed_stage"]


def listed_codes(candidates: list[dict], spec: dict) -> set[str]:
    """Credit codes the enterprise ladder should treat as listed (is_listed = 1)."""
    return {c["credit_code"] for c in candidates if is_listed(c, spec)}


def pipeline(candidates: list[dict], spec: dict) -> list[dict]:
    """Candidates per stage, in the pipeline's order (every stage listed, zero included)."""
    names = stage_names(spec)
    counts = {n: 0 for n in names}
    for c in candidates:
        if c.get("stage") in counts:
            counts[c["stage"]] += 1
    return [{"stage": n, "count": counts[n]} for n in names]


def listing_year(c: dict) -> int | None:
    d = c.get("listed_date")
    return d.year if d is not None else None


def monitor(candidates: list[dict], target: dict, unit: Unit, as_of: int, spec: dict) -> dict:
    """Progress of one listing target as of `as_of`, counted from the pipeline.

    value = candidates in `unit` at the listed stage (科技企业 only when the target says so) whose
    listing year is inside the target's period and not after `as_of`. expected = the share of the
    period elapsed × target; status 已完成 / 进度正常 / 进度滞后."""
    start = (target.get("period") or {}).get("start")
    end = int((target.get("period") or {}).get("end"))
    scoped = [c for c in candidates if unit.contains(c) and (c.get("is_tech") or not target.get("tech_only"))]
    listed = []
    for c in scoped:
        if not is_listed(c, spec):
            continue
        y = listing_year(c)
        if y is None or y > as_of or (start is not None and y < start):
            continue
        listed.append(c)
    value = len(listed)
    goal = float(target["target"])
    if start is not None and end >= start:
        elapsed = min(max(as_of - start + 1, 0), end - start + 1) / (end - start + 1)
    else:
        elapsed = 1.0 if as_of >= end else 0.0
    expected = goal * elapsed
    if value >= goal:
        status = spec["status"]["done"]
    elif value >= expected:
        status = spec["status"]["on_track"]
    else:
        status = spec["status"]["behind"]
    in_pipeline = [c for c in scoped if not is_listed(c, spec)]
    due = [c for c in in_pipeline if c.get("expected_date") is not None and c["expected_date"].year <= end]
    return {"id": target["id"], "name": target["name"], "plan": target["plan"], "scope_name": target["scope_name"],
            "as_of": as_of, "period_start": start, "period_end": end, "target": goal, "unit": target["unit"],
            "value": value, "expected": round(expected, 2), "rate": round(value / goal, 4) if goal else None,
            "status": status, "listed": sorted(c["name"] for c in listed),
            "pipeline": pipeline(scoped, spec), "expected_by_end": len(due),
            "text": target["text"], "source": target["source"],
            "basis": f"由上市后备企业资源库统计：{target['scope_name']}{'科技企业' if target.get('tech_only') else '企业'}"
                     f"中上市进程为“{spec['listed_stage']}”且上市日期"
                     + (f"在{start}年至{min(as_of, end)}年内" if start else f"截至{min(as_of, end)}年") + "的企业"}

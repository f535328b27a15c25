"""Upsert Plan / Target / TargetPart rows from the plan YAML files (`gaoxin/reference/plans/`).

Idempotent: running it twice changes nothing. A target removed from a plan file is removed from
its plan in the database; parts are keyed by (unit_type, unit_code, year). Called by
`gaoxin.store.migrate.init_database`.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.store.models import Plan, Target, TargetPart
from gaoxin.targets.plans import Plan as PlanSpec
from gaoxin.targets.plans import Target as TargetSpec
from gaoxin.targets.plans import load_plans


def _set(row, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _plan_values(p: PlanSpec) -> dict:
    return {"name": p.name, "doc_no": p.doc_no, "issuer": p.issuer, "start_year": p.start_year,
            "end_year": p.end_year, "source": p.source}


def _target_values(t: TargetSpec) -> dict:
    return {
        "plan_id": t.plan_id, "indicator_code": t.indicator, "indicator_name": t.indicator_name[:128],
        "kind": t.kind, "comparator": t.comparator, "unit": t.unit,
        "scope_type": t.scope.type, "scope_code": t.scope.code, "scope_name": t.scope.name[:64],
        "baseline_year": t.baseline_year, "baseline_value": t.baseline_value,
        "target_year": t.target_year, "target_value": t.target_value,
        "lead_units": list(t.lead_units), "responsible_units": list(t.responsible_units),
        "source": t.source, "text": t.text, "spec": t.spec,
    }


def sync_plans(session: Session, directory: Path | None = None) -> dict[str, int]:
    """Bring the plan tables in line with the YAML. Returns counts of plans, targets, parts and
    how many rows were inserted / updated / deleted."""
    plans = load_plans(directory)
    stats = {"plans": 0, "targets": 0, "parts": 0, "inserted": 0, "updated": 0, "deleted": 0}
    existing_plans = {p.id: p for p in session.scalars(select(Plan))}
    existing_targets = {t.id: t for t in session.scalars(select(Target))}
    for p in plans:
        stats["plans"] += 1
        row = existing_plans.get(p.id)
        if row is None:
            session.add(Plan(id=p.id, **_plan_values(p)))
            stats["inserted"] += 1
        elif _set(row, _plan_values(p)):
            stats["updated"] += 1
        session.flush()
        wanted = {t.id for t in p.targets}
        for tid, trow in list(existing_targets.items()):
            if trow.plan_id == p.id and tid not in wanted:
                session.delete(trow)
                del existing_targets[tid]
                stats["deleted"] += 1
        for t in p.targets:
            stats["targets"] += 1
            trow = existing_targets.get(t.id)
            if trow is None:
                trow = Target(id=t.id, **_target_values(t))
                session.add(trow)
                existing_targets[t.id] = trow
                stats["inserted"] += 1
            elif _set(trow, _target_values(t)):
                stats["updated"] += 1
            stats["parts"] += _sync_parts(session, trow, t, stats)
    session.flush()
    return stats


def _sync_parts(session: Session, trow: Target, t: TargetSpec, stats: dict) -> int:
    parts = t.decomposition.parts() if t.decomposition is not None else []
    have = {(p.unit_type, p.unit_code, p.year): p for p in trow.parts}
    want = set()
    for part in parts:
        key = (part.unit_type, part.unit_code, part.year)
        want.add(key)
        values = {"unit_name": part.unit_name[:64], "value": part.value,
                  "responsible_units": list(part.responsible_units) or None}
        prow = have.get(key)
        if prow is None:
            trow.parts.append(TargetPart(unit_type=part.unit_type, unit_code=part.unit_code,
                                         year=part.year, **values))
            stats["inserted"] += 1
        elif _set(prow, values):
            stats["updated"] += 1
    for key, prow in have.items():
        if key not in want:
            trow.parts.remove(prow)
            stats["deleted"] += 1
    return len(parts)

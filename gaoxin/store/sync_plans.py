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


# --------------------------------------------------------------------------- reads for the shells

class NoTargetsError(LookupError):
    """The database holds no (matching) targets; the message is Chinese."""


def targets_from_db(session: Session, plan: str | None = None) -> list[TargetSpec]:
    """The targets stored in the database, rebuilt as `gaoxin.targets.plans.Target` objects, in the
    order of the plan files. Raises NoTargetsError (Chinese message) when there are none / no such plan."""
    from gaoxin.targets.plans import PlanDataError, load_targets, target_from_spec

    rows = list(session.scalars(select(Target).order_by(Target.plan_id, Target.id)))
    if not rows:
        raise NoTargetsError("数据库中没有规划目标。请先运行 gaoxin init（或 gaoxin demo）载入规划目标。")
    if plan:
        plans = sorted({r.plan_id for r in rows})
        rows = [r for r in rows if r.plan_id == plan]
        if not rows:
            raise NoTargetsError(f"没有找到规划“{plan}”。可用的规划：{'、'.join(plans)}")
    try:  # the order of the plan files (goals first, then tasks and annexes), not alphabetical
        order = {t.id: i for i, t in enumerate(load_targets())}
    except PlanDataError:  # ordering is cosmetic; a broken YAML must not block reading the DB
        order = {}
    rows.sort(key=lambda r: (r.plan_id, order.get(r.id, len(order)), r.id))
    out = []
    for r in rows:
        try:
            out.append(target_from_spec(r.spec or {}, r.plan_id))
        except PlanDataError as exc:
            raise NoTargetsError(f"目标 {r.id} 的数据有误：{exc}") from exc
    return out


def target_observations(session: Session, targets: list[TargetSpec]):
    """Long observation frame (unit_type, unit_code, indicator_code, period, value, is_demo) holding
    what the targets need: their indicators, for the unit types of their scopes and decompositions."""
    import pandas as pd

    from gaoxin.store.repo import observations_frame

    indicators = sorted({t.indicator for t in targets})
    # only the unit types targets refer to: enterprise-level rows of the same indicator can be many
    types = {t.scope.type for t in targets}
    types |= {r.unit_type for t in targets if t.decomposition is not None for r in t.decomposition.rows}
    frames = [observations_frame(session, unit_type=ut, indicators=indicators) for ut in sorted(types)]
    nonempty = [f for f in frames if len(f)]
    if not nonempty:
        return frames[0] if frames else observations_frame(session, unit_type="__none__", indicators=indicators)
    return pd.concat(nonempty, ignore_index=True)

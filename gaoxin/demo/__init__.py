"""Demo data (示例数据): a deterministic, seeded, synthetic data set for every part of the platform.

`build_demo(session, seed)` clears previous demo rows and writes: zone observations for every leaf
of every shipped framework (zones.py), plan-target actuals (targets.py), enterprises and their annual
figures (gaoxin.demo.enterprises), university results, enterprise demands and policies
(gaoxin.demo.texts). Every row has is_demo=True and belongs to one ImportBatch of kind "demo".
Demo rows never overwrite real rows: a key that already holds real data is skipped."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gaoxin.store import repo
from gaoxin.store.models import (Enterprise, ImportBatch, Observation, Policy, Target, TargetPart,
                                 TechDemand, TechResult, Zone)

DEMO_LABEL = "示例数据"
DEFAULT_SEED = 20261122
DEMO_MODELS = (Observation, Enterprise, TechResult, TechDemand, Policy)


@dataclass
class DemoSummary:
    seed: int
    batch_id: int | None = None
    zones: int = 0
    zone_observations: int = 0
    target_observations: int = 0
    enterprises: int = 0
    enterprise_observations: int = 0
    results: int = 0
    demands: int = 0
    policies: int = 0
    skipped: list[str] = field(default_factory=list)  # parts whose generator is not installed

    @property
    def observations(self) -> int:
        return self.zone_observations + self.target_observations + self.enterprise_observations


def has_demo(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(ImportBatch).where(
        ImportBatch.kind == "demo", ImportBatch.status == "loaded")) > 0


def clear_demo(session: Session) -> None:
    """Delete every demo row (real rows untouched)."""
    for model in DEMO_MODELS:
        session.execute(delete(model).where(model.is_demo.is_(True)))
    from gaoxin.demo.registries import clear as clear_registries  # registries (issue 16)
    clear_registries(session)
    session.execute(delete(ImportBatch).where(ImportBatch.is_demo.is_(True)))
    session.flush()


def _leaves() -> list[dict]:
    from gaoxin.store.migrate import _framework_docs, framework_leaves
    out = []
    for _, doc in _framework_docs():
        out.extend(framework_leaves(doc))
    return out


def _zones(session: Session) -> pd.DataFrame:
    rows = session.execute(select(Zone.code, Zone.level, Zone.city_code)).all()
    return pd.DataFrame(rows, columns=["code", "level", "city_code"])


def _targets(session: Session) -> tuple[list[dict], pd.DataFrame]:
    cols = ["id", "indicator_code", "kind", "comparator", "unit", "scope_type", "scope_code", "baseline_year",
            "baseline_value", "target_year", "target_value"]
    rows = session.execute(select(*[getattr(Target, c) for c in cols])).all()
    targets = [dict(zip(cols, r)) for r in rows]
    parts = pd.DataFrame(session.execute(select(TargetPart.target_id, TargetPart.unit_type, TargetPart.unit_code,
                                                TargetPart.year, TargetPart.value)).all(),
                         columns=["target_id", "unit_type", "unit_code", "year", "value"])
    return targets, parts


def _insert_new(session: Session, model, records: list[dict], key: list[str], tick) -> int:
    """Insert rows whose key is free; existing (real) rows are kept as they are."""
    if not records:
        return 0
    stmt = repo._dialect_insert(session, model.__table__).on_conflict_do_nothing(index_elements=key)
    for i in range(0, len(records), repo.CHUNK):
        chunk = records[i:i + repo.CHUNK]
        session.execute(stmt, chunk)
        tick(len(chunk))
    return len(records)


def _records(frame: pd.DataFrame, batch_id: int) -> list[dict]:
    df = frame.astype(object).where(pd.notna(frame), None)
    df["is_demo"] = True
    df["batch_id"] = batch_id
    return df.to_dict("records")


def build_demo(session: Session, seed: int = DEFAULT_SEED, progress: Callable[[str, int, int], None] | None = None,
               n_enterprises: int = 20000, n_results: int = 2000, n_demands: int = 500,
               years: tuple[int, ...] | None = None) -> DemoSummary:
    """Fill the database with 示例数据. Deterministic for `seed`; replaces earlier demo rows.

    `progress(stage, done, total)` reports rows written (stage is a Chinese label)."""
    from gaoxin.demo.targets import target_actuals
    from gaoxin.demo.zones import YEARS, zone_observations

    summary = DemoSummary(seed=seed)
    clear_demo(session)
    batch = ImportBatch(file_name=f"{DEMO_LABEL}（种子 {seed}）", sha256=f"demo-{seed}", kind="demo", rows=0,
                        status="loaded", username="demo", message=f"{DEMO_LABEL}：合成数据，非真实统计", is_demo=True)
    session.add(batch)
    session.flush()
    summary.batch_id = batch.id

    # generate everything first (pure), then write, so progress has a known total
    zones = _zones(session)
    summary.zones = len(zones)
    zobs = zone_observations(zones, _leaves(), seed, years or YEARS)
    targets, parts = _targets(session)
    tobs = target_actuals(targets, parts, seed)
    # a key the zone data already covers keeps the zone value
    if len(tobs) and len(zobs):
        key = ["unit_type", "unit_code", "indicator_code", "period"]
        tobs = tobs.merge(zobs[key], on=key, how="left", indicator=True)
        tobs = tobs[tobs["_merge"] == "left_only"].drop(columns="_merge")
    static = annual = None
    if n_enterprises:
        from gaoxin.demo.enterprises import generate_enterprises
        static, annual = generate_enterprises(n=n_enterprises, seed=seed)
    from gaoxin.demo.texts import generate_texts
    texts: dict[str, pd.DataFrame] = generate_texts(seed=seed, n_results=n_results, n_demands=n_demands)

    ent_records: list[dict] = []
    if static is not None:
        base_cols = [c for c in repo.ENTERPRISE_COLUMNS if c in static.columns and c != "is_demo"]
        attr_cols = [c for c in static.columns if c not in repo.ENTERPRISE_COLUMNS]
        base = static[base_cols].astype(object).where(pd.notna(static[base_cols]), None)
        attrs = static[attr_cols].astype(object).where(pd.notna(static[attr_cols]), None)
        attr_dicts = [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in d.items() if v is not None}
                      for d in attrs.to_dict("records")]
        ent_records = base.to_dict("records")
        for rec, a in zip(ent_records, attr_dicts):
            rec["attributes"] = a
            rec["is_demo"] = True
            rec["batch_id"] = batch.id
        annual = annual.rename(columns={"credit_code": "unit_code"}).assign(unit_type="enterprise")
    text_records = {k: _records(v.drop(columns=["is_demo"], errors="ignore"), batch.id) for k, v in texts.items()}

    total = (len(zobs) + len(tobs) + len(ent_records) + (0 if annual is None else len(annual))
             + sum(len(v) for v in text_records.values()))
    done = 0

    def stage(label):
        def tick(n):
            nonlocal done
            done += n
            if progress:
                progress(label, done, total)
        return tick

    okey = ["unit_type", "unit_code", "indicator_code", "period"]
    summary.zone_observations = repo.write_observations(session, zobs, batch.id, True, stage("高新区指标"), "skip")
    summary.target_observations = repo.write_observations(session, tobs, batch.id, True, stage("目标完成情况"), "skip")
    summary.enterprises = _insert_new(session, Enterprise, ent_records, ["credit_code"], stage("企业名录"))
    if annual is not None:
        summary.enterprise_observations = repo.write_observations(session, annual[okey + ["value"]], batch.id, True,
                                                                  stage("企业年度数据"), "skip")
    for kind, model, attr in (("results", TechResult, "results"), ("demands", TechDemand, "demands"),
                              ("policies", Policy, "policies")):
        if kind in text_records:
            setattr(summary, attr, _insert_new(session, model, text_records[kind], ["code"], stage({
                "results": "高校成果", "demands": "企业需求", "policies": "政策"}[kind])))
    from gaoxin.demo.registries import build as build_registries  # registries (issue 16)
    summary.registries = build_registries(session, seed, batch.id)
    batch.rows = total
    session.flush()
    return summary


def demo_counts(session: Session) -> dict[str, int]:
    """Rows flagged 示例数据 per table."""
    out = {}
    for model in DEMO_MODELS:
        out[model.__tablename__] = session.scalar(select(func.count()).select_from(model).where(model.is_demo.is_(True)))
    return out

"""Who may write what through an import: checked per row before anything is written, and the
per-row audit trail written in the same transaction.

Rules (issue 11, class 2), for every principal that is not a provincial administrator:
- a read-only user imports nothing;
- an enterprise or demand row may be created or changed only in the user's own zones, and a row
  that already exists may not change zone (no moving or renaming another zone's unit);
- observations only for the user's own zones or for enterprises already registered in them (or
  created by the same file in them); no province / city / county / department data;
- results and policies (province-wide catalogues) only by a provincial administrator.
Any refused row makes the whole file fail (the caller writes nothing)."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from gaoxin.auth.audit import record_change
from gaoxin.auth.roles import Principal, can_write_zone
from gaoxin.ingest import schema as S
from gaoxin.ingest.validate import Parsed, Problem
from gaoxin.store.models import Enterprise, Observation, Policy, TechDemand, TechResult

class AccessProblem(Problem):
    """A row refused for lack of rights (the web layer answers 403, not 422)."""


MODELS = {"enterprises": Enterprise, "results": TechResult, "demands": TechDemand, "policies": Policy}
ENTITY_LABELS = {"enterprises": "企业", "demands": "技术需求", "results": "成果", "policies": "政策"}
MAX_LISTED = 20
CHUNK = 500


def _existing(session: Session, kind: str, keys: list) -> dict:
    """key → {column: value} of the rows of `kind` that already exist."""
    model = MODELS[kind]
    key = S.KEY_FIELD[kind]
    cols = [c for c in model.__table__.columns.keys() if c not in ("id", "batch_id")]
    out = {}
    for i in range(0, len(keys), CHUNK):
        part = keys[i:i + CHUNK]
        for row in session.execute(select(*[model.__table__.c[c] for c in cols])
                                   .where(model.__table__.c[key].in_(part))).mappings():
            out[row[key]] = dict(row)
    return out


def _enterprise_zones(session: Session, codes: list[str]) -> dict[str, str | None]:
    out = {}
    for i in range(0, len(codes), CHUNK):
        part = codes[i:i + CHUNK]
        for code, zone in session.execute(select(Enterprise.credit_code, Enterprise.zone_code)
                                          .where(Enterprise.credit_code.in_(part))):
            out[code] = zone
    return out


def _rows(rows: list[int]) -> str:
    rows = sorted(set(int(r) for r in rows))
    shown = "、".join(f"第{r}行" for r in rows[:MAX_LISTED])
    return shown + (f"等共{len(rows)}行" if len(rows) > MAX_LISTED else "")


def authorise(session: Session, principal: Principal | None, parsed: Parsed, file: str) -> list[Problem]:
    """Problems (Chinese, naming the rows) for every row `principal` may not write; [] when allowed."""
    if principal is None or principal.is_admin:
        return []
    if not principal.can_write:
        return [AccessProblem(file, None, None, None, None, "只读用户不能导入数据", "请联系省级管理员")]
    kind = parsed.kind
    problems: list[Problem] = []
    own = "、".join(sorted(principal.zones)) or "无"
    if kind in ("results", "policies"):
        return [AccessProblem(file, None, None, None, None,
                        f"{S.KIND_LABELS.get(kind, kind)}是全省共用的数据，只能由省级管理员导入")]
    new_zone: dict[str, str | None] = {}
    if kind in ("enterprises", "demands"):
        key = S.KEY_FIELD[kind]
        existing = _existing(session, kind, [r[key] for r in parsed.records])
        other, moved, blank = [], [], []
        for r in parsed.records:
            old = existing.get(r[key])
            zone = r.get("zone_code", old["zone_code"] if old else None)
            if old is not None and not can_write_zone(principal, old["zone_code"]):
                other.append(r["_row"])
            elif old is not None and "zone_code" in r and r["zone_code"] != old["zone_code"]:
                moved.append(r["_row"])
            elif zone is None:
                blank.append(r["_row"])
            elif not can_write_zone(principal, zone):
                other.append(r["_row"])
            if kind == "enterprises":
                new_zone[r[key]] = zone
        label = ENTITY_LABELS[kind]
        if other:
            problems.append(AccessProblem(file, None, None, "所在高新区", None,
                                    f"{_rows(other)}的{label}属于其他高新区，您只能导入本园区（{own}）的数据",
                                    "请删除这些行，或请省级管理员导入"))
        if moved:
            problems.append(AccessProblem(file, None, None, "所在高新区", None,
                                    f"{_rows(moved)}会改变已登记{label}的所属高新区；只有省级管理员可以在高新区之间迁移",
                                    "请删除这些行，或请省级管理员办理迁移"))
        if blank:
            problems.append(AccessProblem(file, None, None, "所在高新区", None,
                                    f"{_rows(blank)}没有填写“所在高新区”：高新区用户只能导入本园区的{label}",
                                    f"请填写本园区名称（{own}）"))
        if kind == "demands":
            codes = [r["credit_code"] for r in parsed.records if r.get("credit_code")]
            zones = _enterprise_zones(session, codes)
            bad = [r["_row"] for r in parsed.records if r.get("credit_code")
                   and not can_write_zone(principal, zones.get(r["credit_code"]))]
            if bad:
                problems.append(AccessProblem(file, None, None, "统一社会信用代码", None,
                                        f"{_rows(bad)}的企业不是本园区（{own}）已登记的企业",
                                        "请先导入本园区的企业名录"))
    obs = parsed.observations
    if obs is not None and len(obs):
        ent = obs[obs["unit_type"] == "enterprise"]
        codes = [c for c in pd.unique(ent["unit_code"]) if c not in new_zone]
        zones = _enterprise_zones(session, codes)
        zones.update(new_zone)
        bad: dict[tuple, list] = defaultdict(list)
        for ut, uc, row, sheet in zip(obs["unit_type"], obs["unit_code"], obs["_row"], obs["_sheet"]):
            if ut == "zone":
                ok = can_write_zone(principal, uc)
                why = "属于其他高新区"
            elif ut == "enterprise":
                ok = can_write_zone(principal, zones.get(uc))
                why = "的企业不是本园区已登记的企业" if uc not in zones else "的企业属于其他高新区"
            else:
                ok = False
                why = f"是{S.UNIT_TYPE_NAMES.get(ut, ut)}数据，只能由省级管理员导入"
            if not ok:
                bad[(sheet if isinstance(sheet, str) else None, why)].append(row)
        for (sheet, why), rows in bad.items():
            problems.append(AccessProblem(file, sheet, None, None, None,
                                    f"{_rows(rows)}{why}；您只能导入本园区（{own}）的数据",
                                    "请删除这些行，或请省级管理员导入"))
    return problems


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_") and k not in ("batch_id", "is_demo", "id")}


def audit_rows(session: Session, username: str | None, parsed: Parsed, batch_id: int) -> int:
    """One audit row per created or changed record (before/after of the changed columns, with the
    row's zone) and one per unit whose observations changed (changed keys). Call before writing."""
    n = 0
    kind = parsed.kind
    ent_zone: dict[str, str | None] = {}
    if kind in MODELS and parsed.records:
        key = S.KEY_FIELD[kind]
        existing = _existing(session, kind, [r[key] for r in parsed.records])
        for r in parsed.records:
            new = _clean(r)
            old = existing.get(r[key])
            zone = new.get("zone_code", old.get("zone_code") if old else None)
            if kind == "enterprises":
                ent_zone[r[key]] = zone
            if old is None:
                record_change(session, username, "import_create", kind, r[key], zone, None,
                              {**new, "batch_id": batch_id})
                n += 1
                continue
            changed = {k for k, v in new.items() if _norm(old.get(k)) != _norm(v)}
            if not changed:
                continue
            action = "import_move" if "zone_code" in changed else "import_update"
            record_change(session, username, action, kind, r[key], zone,
                          {k: old.get(k) for k in sorted(changed)},
                          {**{k: new[k] for k in sorted(changed)}, "batch_id": batch_id})
            n += 1
            if action == "import_move" and old.get("zone_code"):  # the zone it left sees the move too
                record_change(session, username, "import_move", kind, r[key], old["zone_code"],
                              {"zone_code": old["zone_code"]}, {"zone_code": new["zone_code"], "batch_id": batch_id})
                n += 1
    obs = parsed.observations
    if obs is not None and len(obs):
        before = _old_observations(session, obs)
        ent_codes = [c for c in pd.unique(obs.loc[obs["unit_type"] == "enterprise", "unit_code"]) if c not in ent_zone]
        ent_zone.update(_enterprise_zones(session, ent_codes))
        changes: dict[tuple, tuple[dict, dict]] = {}
        for ut, uc, ic, pe, v in zip(obs["unit_type"], obs["unit_code"], obs["indicator_code"], obs["period"], obs["value"]):
            old = before.get((ut, uc, ic, int(pe)))
            if old is not None and _norm(old) == _norm(float(v)):
                continue
            b, a = changes.setdefault((ut, uc), ({}, {}))
            b[f"{ic}@{int(pe)}"] = old
            a[f"{ic}@{int(pe)}"] = float(v)
        for (ut, uc), (b, a) in changes.items():
            zone = uc if ut == "zone" else ent_zone.get(uc) if ut == "enterprise" else None
            record_change(session, username, "import_observations", f"observation:{ut}", uc, zone,
                          b, {**a, "batch_id": batch_id})
            n += 1
    return n


def _norm(v):
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(float(v), 9)
    return v


def _old_observations(session: Session, obs: pd.DataFrame) -> dict:
    keys = list({(ut, uc) for ut, uc in zip(obs["unit_type"], obs["unit_code"])})
    inds = list(pd.unique(obs["indicator_code"]))
    out = {}
    for i in range(0, len(keys), CHUNK):
        part = keys[i:i + CHUNK]
        stmt = (select(Observation.unit_type, Observation.unit_code, Observation.indicator_code,
                       Observation.period, Observation.value)
                .where(tuple_(Observation.unit_type, Observation.unit_code).in_(part),
                       Observation.indicator_code.in_(inds)))
        for ut, uc, ic, pe, v in session.execute(stmt):
            out[(ut, uc, ic, int(pe))] = v
    return out

"""Use cases of the registries (issue 16): 高水平创新平台数据库 and 上市后备企业资源库.

Every function takes the acting principal first (after the session) and returns plain data. A zone
user sees and edits only the entries of its own zones (entries tied to no zone are province-wide and
belong to the administrator); aggregate counts for plan targets cover every zone of the target's
scope, as the targets themselves are public."""
from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.registry import listing as L
from gaoxin.registry import platforms as P
from gaoxin.registry.kinds import KINDS, Kind
from gaoxin.services.errors import Forbidden, Invalid, NotFound, ServiceError
from gaoxin.services.scope import require_admin, require_writer

SOURCE_PLATFORMS = "由高水平创新平台数据库统计"


def _cite(text):
    """A source as users read it: seed file names become 《title》（文号）."""
    from gaoxin.display import cite
    return cite(text)
LISTED_SOURCE = "上市后备企业资源库"


def _kind(code: str) -> Kind:
    if code not in KINDS:
        raise NotFound(f"未知的资源库“{code}”，可选：" + "、".join(k.label for k in KINDS.values()))
    return KINDS[code]


def _model(code: str):
    from gaoxin.store.models import Expert, ListingCandidate, Platform, Project
    return {"platforms": Platform, "listing": ListingCandidate, "projects": Project, "experts": Expert}[code]


def _ref(name: str) -> dict:
    from gaoxin.ingest.registry_templates import reference
    return reference(name)


def _zone_names(db: Session) -> dict[str, str]:
    from gaoxin.store.models import Zone
    return dict(db.execute(select(Zone.code, Zone.name)).all())


def _zone_cities(db: Session) -> dict[str, str]:
    from gaoxin.store.models import Zone
    return dict(db.execute(select(Zone.code, Zone.city_code)).all())


def _region_names(db: Session) -> dict[str, str]:
    from gaoxin.store.models import Region
    return dict(db.execute(select(Region.code, Region.name)).all())


def can_see(user: Principal, zone_code: str | None) -> bool:
    """A registry entry: administrators and read-only users see all; a zone user its zones' only."""
    if user.role == roles.ZONE_USER:
        return zone_code is not None and zone_code in user.zones
    return user.role in (roles.PROVINCE_ADMIN, roles.READONLY)


def _require_see(user: Principal, zone_code: str | None) -> None:
    if not can_see(user, zone_code):
        raise Forbidden("无权查看该记录：高新区用户只能查看本园区的资源库记录")


def _require_edit(user: Principal, zone_code: str | None) -> None:
    require_writer(user)
    if not roles.can_write_zone(user, zone_code):
        raise Forbidden(f"无权修改该记录：高新区用户只能修改本园区（{'、'.join(sorted(user.zones))}）的资源库记录"
                        if user.role == roles.ZONE_USER else "无权修改该记录")


# --- browsing -------------------------------------------------------------------------------------

def kinds() -> list[dict]:
    return [{"code": k.code, "label": k.label, "seed": k.seed} for k in KINDS.values()]


def fields(kind_code: str) -> dict:
    """Field list and choice lists of a registry (for forms and the API)."""
    from gaoxin.ingest.registry_templates import choices
    k = _kind(kind_code)
    lists = choices(kind_code)
    return {"code": k.code, "label": k.label, "key": k.key, "seed": k.seed,
            "fields": [{"name": f.name, "header": f.header, "type": f.type, "required": f.required,
                        "choices": lists.get(f.choices) if f.choices else None, "note": f.note} for f in k.fields]}


def _row(kind: Kind, obj, zones: dict, regions: dict) -> dict:
    out = {f.name: getattr(obj, f.name, None) for f in kind.fields if hasattr(obj, f.name)}
    if kind.code == "platforms":
        res = obj.results or {}
        last = max(res, key=int) if res else None
        out["results_year"] = int(last) if last else None
        out["results_text"] = res.get(last) if last else None
        out["results"] = dict(sorted(res.items()))
    out["zone_name"] = zones.get(obj.zone_code) if obj.zone_code else None
    county = getattr(obj, "county_code", None)
    out["county_name"] = regions.get(county) if county else None
    out["is_demo"] = bool(obj.is_demo)
    for k, v in list(out.items()):
        if isinstance(v, date):
            out[k] = v.isoformat()
    return out


def list_entries(db: Session, user: Principal, kind_code: str, zone: str | None = None, q: str | None = None,
                 filters: dict | None = None, limit: int | None = None) -> dict:
    """Entries of a registry the user may see, filtered; {rows, total, columns, labels, is_demo}."""
    kind = _kind(kind_code)
    model = _model(kind_code)
    stmt = select(model)
    if zone:
        _require_see(user, zone)
        stmt = stmt.where(model.zone_code == zone)
    elif user.role == roles.ZONE_USER:
        stmt = stmt.where(model.zone_code.in_(sorted(user.zones)))
    for fld, val in (filters or {}).items():
        if val not in (None, "") and fld in kind.labels and hasattr(model, fld):
            stmt = stmt.where(getattr(model, fld) == val)
    if q:
        stmt = stmt.where(model.name.contains(q.strip()))
    objs = list(db.scalars(stmt.order_by(getattr(model, kind.key))))
    zones, regions = _zone_names(db), _region_names(db)
    rows = [_row(kind, o, zones, regions) for o in objs]
    total = len(rows)
    if limit is not None:
        rows = rows[:limit]
    columns = [f.name for f in kind.fields if f.name not in ("zone_code", "county_code", "results_text")]
    columns.insert(columns.index(kind.key) + 2, "zone_name")
    labels = {**kind.labels, "zone_name": "所在高新区", "county_name": "所在县市区", "results_year": "最近成果年度"}
    return {"kind": kind.code, "label": kind.label, "rows": rows, "total": total, "columns": columns,
            "labels": labels, "is_demo": any(r["is_demo"] for r in rows)}


def get_entry(db: Session, user: Principal, kind_code: str, key: str) -> dict:
    kind = _kind(kind_code)
    model = _model(kind_code)
    obj = db.scalar(select(model).where(getattr(model, kind.key) == key))
    if obj is None:
        raise NotFound(f"{kind.label}中没有“{key}”")
    _require_see(user, obj.zone_code)
    return _row(kind, obj, _zone_names(db), _region_names(db))


# --- editing --------------------------------------------------------------------------------------

def save_entry(db: Session, user: Principal, kind_code: str, raw: dict, key: str | None = None) -> dict:
    """Create (key None) or update one entry from form / JSON values (field name → text). Checked
    as an imported row is; a zone user only inside its zones and never moves an entry out."""
    from gaoxin.auth.audit import record_change
    from gaoxin.ingest.load import build_context
    from gaoxin.ingest.registry_templates import convert_record, to_model_values
    kind = _kind(kind_code)
    model = _model(kind_code)
    require_writer(user)
    old = None
    if key is not None:
        old = db.scalar(select(model).where(getattr(model, kind.key) == key))
        if old is None:
            raise NotFound(f"{kind.label}中没有“{key}”")
        _require_edit(user, old.zone_code)
        raw = {**{f.name: getattr(old, f.name, None) for f in kind.fields if hasattr(old, f.name)}, **raw}
        raw[kind.key] = key
    rec, errs = convert_record(kind, raw, build_context(db))
    if errs:
        raise Invalid("；".join(f"{kind.field(f).header}：{why}" + (f"（{s}）" if s else "") for f, why, s in errs))
    _require_edit(user, rec.get("zone_code"))
    if old is None:
        if db.scalar(select(model.id).where(getattr(model, kind.key) == rec[kind.key])) is not None:
            raise Invalid(f"{kind.field(kind.key).header}“{rec[kind.key]}”已存在，请修改已有记录")
    vals = to_model_values(kind, rec, old)
    if old is None:
        obj = model(**vals, is_demo=False)
        db.add(obj)
        record_change(db, user.username, "create", kind_code, rec[kind.key], vals.get("zone_code"), None, vals)
    else:
        before = {k: getattr(old, k) for k in vals}
        for k, v in vals.items():
            setattr(old, k, v)
        record_change(db, user.username, "update", kind_code, rec[kind.key], vals.get("zone_code"), before, vals)
    db.flush()
    if kind_code == "listing":
        sync_listed_flags(db, user)
    return get_entry(db, user, kind_code, rec[kind.key])


def delete_entry(db: Session, user: Principal, kind_code: str, key: str) -> None:
    from gaoxin.auth.audit import record_change
    kind = _kind(kind_code)
    model = _model(kind_code)
    obj = db.scalar(select(model).where(getattr(model, kind.key) == key))
    if obj is None:
        raise NotFound(f"{kind.label}中没有“{key}”")
    _require_edit(user, obj.zone_code)
    before = {f.name: getattr(obj, f.name, None) for f in kind.fields if hasattr(obj, f.name)}
    db.delete(obj)
    record_change(db, user.username, "delete", kind_code, key, obj.zone_code, before, None)
    db.flush()
    if kind_code == "listing":
        sync_listed_flags(db, user, extra_codes=[key])


# --- import / export ------------------------------------------------------------------------------

def import_file(db: Session, user: Principal, kind_code: str, content: bytes, file_name: str,
                dry_run: bool = False) -> dict:
    """All-or-nothing import of one registry file (bytes). Report dict; status 'rejected' with
    `access_denied` True when the user lacks the rights for some row."""
    from gaoxin.ingest.registry_templates import import_registry
    _kind(kind_code)
    require_writer(user)
    suffix = Path(file_name).suffix.lower() or ".xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        report = import_registry(db, path, kind_code, user, file_name=file_name, dry_run=dry_run)
    if report["status"] == "loaded" and kind_code == "listing":
        sync_listed_flags(db, user)
    return report


def template_bytes(kind_code: str) -> tuple[bytes, str]:
    from gaoxin.ingest.registry_templates import FILE_NAMES, write_template
    _kind(kind_code)
    with tempfile.TemporaryDirectory() as tmp:
        p = write_template(kind_code, Path(tmp) / "t.xlsx")
        return p.read_bytes(), FILE_NAMES[kind_code]


def export_xlsx(db: Session, user: Principal, kind_code: str, zone: str | None = None, q: str | None = None,
                filters: dict | None = None) -> tuple[bytes, str]:
    """The entries the user may see as an Excel file whose columns are the import template's (so an
    export can be edited and imported back)."""
    from gaoxin.ingest.registry_templates import export_bytes
    kind = _kind(kind_code)
    data = list_entries(db, user, kind_code, zone, q, filters)
    rows = []
    for r in data["rows"]:
        out = {}
        for f in kind.fields:
            v = r.get(f.name)
            if f.type == "zone":
                v = r.get("zone_name")
            elif f.type == "region":
                v = r.get("county_name")
            elif f.type == "bool":
                v = None if v is None else ("是" if v else "否")
            out[f.header] = v
        rows.append(out)
    title = f"{kind.label}（导出，{date.today().isoformat()}）"
    return export_bytes(kind_code, rows, data["is_demo"], title), f"{kind.label}.xlsx"


# --- platforms: counts for targets and zone indicators, rewards -----------------------------------

def _platform_dicts(db: Session) -> list[dict]:
    from gaoxin.store.models import Platform
    cities = _zone_cities(db)
    out = []
    for p in db.scalars(select(Platform).order_by(Platform.code)):
        out.append({"code": p.code, "name": p.name, "type": p.type, "level": p.level, "status": p.status,
                    "approval_year": p.approval_year, "approval_doc": p.approval_doc, "zone_code": p.zone_code,
                    "region_code": p.county_code or cities.get(p.zone_code), "is_demo": p.is_demo})
    return out


def _unit(scope_type: str, scope_code: str | None) -> P.Unit:
    cats = _ref("platforms")["category_zones"]
    if scope_type == "category":
        if scope_code not in cats:
            raise Invalid(f"目标范围“{scope_code}”没有登记包含哪些高新区，无法由资源库统计")
        return P.Unit("category", scope_code, frozenset(cats[scope_code]["zones"]))
    return P.Unit(scope_type, scope_code)


def countable_targets() -> list:
    """Plan targets whose indicator the platform registry can count."""
    from gaoxin.targets.plans import load_targets
    rules = _ref("platforms")["counts"]
    out = []
    for t in load_targets():
        if t.indicator not in rules:
            continue
        if t.scope.type == "category" and str(t.scope.code) not in _ref("platforms")["category_zones"]:
            continue
        if t.scope.type not in ("category", "city", "county", "zone", "province"):
            continue
        out.append(t)
    return out


def platform_target_counts(db: Session, user: Principal, as_of: int | None = None,
                           target_id: str | None = None) -> dict:
    """For every plan target the registry can count (or one): the count per year from the
    registry, next to the target value. Rows say where the number comes from."""
    spec = _ref("platforms")
    active = P.active_statuses(spec["statuses"])
    plats = _platform_dicts(db)
    as_of = as_of or date.today().year
    rows = []
    targets = countable_targets()
    if target_id is not None:
        targets = [t for t in targets if t.id == target_id]
        if not targets:
            raise NotFound(f"目标“{target_id}”不存在，或其指标不能由高水平创新平台数据库统计")
    from gaoxin.targets.plans import load_plans
    plan_names = {p.id: p.name for p in load_plans()}
    for t in targets:
        rule = spec["counts"][t.indicator]
        unit = _unit(t.scope.type, None if t.scope.code is None else str(t.scope.code))
        start = t.period_start if rule.get("mode") == "new" else None
        if rule.get("mode") == "new" and start is None:
            start = (t.baseline_year + 1) if t.baseline_year else None
        first = start or (t.baseline_year or as_of - 3)
        years = list(range(min(first, as_of), as_of + 1))
        ser = P.series(plats, rule, unit, years, active, start)
        value = ser[as_of]
        rows.append({"target_id": t.id, "plan_id": t.plan_id, "plan": plan_names.get(t.plan_id, t.plan_id), "indicator": t.indicator, "indicator_name": t.indicator_name,
                     "scope_name": t.scope.name, "target_year": t.target_year, "target_value": t.target_value,
                     "unit": t.unit, "as_of": as_of, "value": value,
                     "rate": round(value / t.target_value, 4) if t.target_value else None,
                     "series": [{"year": y, "value": v} for y, v in ser.items()],
                     "basis": f"{SOURCE_PLATFORMS}：{'、'.join(rule.get('levels') or ['各级'])}"
                              f"{'、'.join(rule.get('types') or ['各类平台'])}，运行状态为"
                              f"{'、'.join(sorted(active))}，"
                              + (f"{start}年以来新批" if rule.get("mode") == "new" else "截至当年累计批准"),
                     "source": _cite(rule["source"]), "computed_from": SOURCE_PLATFORMS})
    return {"as_of": as_of, "rows": rows, "platforms": len(plats), "is_demo": any(p["is_demo"] for p in plats),
            "note": f"以下数值{SOURCE_PLATFORMS}（共{len(plats)}个平台），不是手工填报的总数"}


def platform_results(db: Session, user: Principal, year: int, zone: str | None = None) -> dict:
    """定期发布成果清单: the platforms (the user may see) with their results of `year`."""
    data = list_entries(db, user, "platforms", zone)
    rows = [{"code": r["code"], "name": r["name"], "type": r["type"], "level": r["level"], "zone_name": r["zone_name"],
             "host_name": r["host_name"], "results": r["results"].get(str(year))}
            for r in data["rows"] if r.get("results") and r["results"].get(str(year))]
    return {"year": year, "rows": rows, "is_demo": data["is_demo"],
            "columns": ["code", "name", "type", "level", "zone_name", "host_name", "results"],
            "labels": {"code": "平台编号", "name": "平台名称", "type": "平台类型", "level": "级别", "zone_name": "所在高新区",
                       "host_name": "依托单位", "results": f"{year}年度成果"}}


def zone_platform_indicators(db: Session, user: Principal, year: int) -> list[dict]:
    """Zone indicators 1.3 and 1.4 of seed 001 (D1_3 国家级和省级研发机构数, D1_4 国家级和省级众创
    空间孵化器数) per zone the user may see, counted from the registry."""
    spec = _ref("platforms")
    active = P.active_statuses(spec["statuses"])
    plats = _platform_dicts(db)
    zones = _zone_names(db)
    out = []
    for code in sorted(zones):
        if not can_see(user, code):
            continue
        row = {"zone_code": code, "zone_name": zones[code], "year": year}
        for ind in ("D1_3", "D1_4"):
            row[ind] = P.count(plats, spec["counts"][ind], P.Unit("zone", code), year, active)
        out.append(row)
    return out


def sync_platform_observations(db: Session, user: Principal, years: list[int]) -> dict:
    """Write the registry's counts as observations (targets' scopes and zones' D1_3/D1_4) so the
    target monitor and the zone evaluation read them; the source column says they come from the
    registry. Administrator only (it writes province-wide figures)."""
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import Observation
    require_admin(user)
    spec = _ref("platforms")
    active = P.active_statuses(spec["statuses"])
    plats = _platform_dicts(db)
    demo = bool(plats) and all(p["is_demo"] for p in plats)
    values: dict[tuple, float] = {}
    # only units where the registry holds data (at least one platform): elsewhere the figures stay as imported
    for t in countable_targets():
        rule = spec["counts"][t.indicator]
        start = t.period_start if rule.get("mode") == "new" else None
        unit = _unit(t.scope.type, None if t.scope.code is None else str(t.scope.code))
        if not any(unit.contains(p) for p in plats):
            continue
        code = "430000" if t.scope.type == "province" and t.scope.code is None else str(t.scope.code)
        for y in years:
            if start is not None and y < start:
                continue
            values[(t.scope.type, code, t.indicator, y)] = float(P.count(plats, rule, unit, y, active, start))
    held = {p["zone_code"] for p in plats if p["zone_code"]}
    for z in sorted(held):
        for ind in ("D1_3", "D1_4"):
            for y in years:
                values[("zone", z, ind, y)] = float(P.count(plats, spec["counts"][ind], P.Unit("zone", z), y, active))
    n = replaced = 0
    for (ut, uc, ind, y), v in values.items():
        obs = db.scalar(select(Observation).where(Observation.unit_type == ut, Observation.unit_code == uc,
                                                  Observation.indicator_code == ind, Observation.period == y))
        if obs is None:
            db.add(Observation(unit_type=ut, unit_code=uc, indicator_code=ind, period=y, value=v,
                               unit_of_measure="个" if ind.startswith("D1_") else "家", source=SOURCE_PLATFORMS,
                               is_demo=demo))
        else:
            if obs.source != SOURCE_PLATFORMS and obs.value != v:
                record_change(db, user.username, "update", "observation", f"{ut}:{uc}:{ind}:{y}", uc if ut == "zone" else None,
                              {"value": obs.value, "source": obs.source}, {"value": v, "source": SOURCE_PLATFORMS})
                replaced += 1
            obs.value, obs.source, obs.is_demo = v, SOURCE_PLATFORMS, demo
        n += 1
    record_change(db, user.username, "sync", "platform_counts", None, None, None,
                  {"years": years, "values": n, "replaced": replaced})
    db.flush()
    return {"written": n, "replaced": replaced, "years": years, "source": SOURCE_PLATFORMS}


def platform_rewards(db: Session, user: Principal, years: list[int] | None = None, zone: str | None = None) -> dict:
    """The seed 004 新批国家级 / 省级科创平台 100万 / 10万 rewards, one row per named platform (each
    platform once per rule), for the platforms the user may see."""
    from gaoxin.enterprise.subsidies import load_subsidy_rules
    if zone:
        _require_see(user, zone)
    rules = load_subsidy_rules()["rules"]
    plats = [p for p in _platform_dicts(db) if can_see(user, p["zone_code"]) and (zone is None or p["zone_code"] == zone)]
    rows = P.rewards(plats, rules, _ref("platforms")["reward_levels"], years)
    zones = _zone_names(db)
    for r in rows:
        r["zone_name"] = zones.get(r["zone_code"]) if r["zone_code"] else None
        r["source"] = _cite(r["source"])
    return {"rows": rows, "total_wan": round(sum(r["amount_wan"] for r in rows), 2), "count": len(rows),
            "is_demo": any(p["is_demo"] for p in plats),
            "columns": ["code", "name", "type", "level", "zone_name", "approval_year", "rule", "amount_wan", "basis", "source"],
            "labels": {"code": "平台编号", "name": "平台名称", "type": "平台类型", "level": "级别", "zone_name": "所在高新区",
                       "approval_year": "批准年份", "rule": "奖补事项", "amount_wan": "金额（万元）", "basis": "测算依据",
                       "source": "政策来源"}}


# --- listing pipeline -----------------------------------------------------------------------------

def _candidate_dicts(db: Session) -> list[dict]:
    from gaoxin.store.models import ListingCandidate as C
    cities = _zone_cities(db)
    return [{"credit_code": c.credit_code, "name": c.name, "zone_code": c.zone_code,
             "region_code": c.county_code or cities.get(c.zone_code), "is_tech": c.is_tech, "stage": c.stage,
             "board": c.board, "expected_date": c.expected_date, "listed_date": c.listed_date, "is_demo": c.is_demo}
            for c in db.scalars(select(C).order_by(C.credit_code))]


def _listing_unit(scope: str) -> P.Unit:
    if scope in _ref("platforms")["category_zones"]:
        return _unit("category", scope)
    return P.Unit("city", scope)


def listing_monitor(db: Session, user: Principal, as_of: int | None = None) -> dict:
    """The listing targets (seed 003 ≥10 科技企业上市 in 2023–2026; seed 004 上市企业12家) monitored
    from the pipeline; plus the pipeline by stage for the zones the user may see."""
    spec = _ref("listing")
    cands = _candidate_dicts(db)
    as_of = as_of or date.today().year
    targets = [L.monitor(cands, t, _listing_unit(str(t["scope"])), as_of, spec) for t in spec["targets"]]
    for t in targets:
        t["source"] = _cite(t["source"])
    mine = [c for c in cands if can_see(user, c["zone_code"])]
    return {"as_of": as_of, "targets": targets, "pipeline": L.pipeline(mine, spec),
            "is_demo": any(c["is_demo"] for c in cands), "stages": L.stage_names(spec)}


def sync_listed_flags(db: Session, user: Principal | None = None, extra_codes=None) -> int:
    """Enterprises the pipeline shows as listed get `is_listed = 1` in their attributes (the 上市领军
    rung reads it); an enterprise whose flag came from the pipeline and that is no longer at the
    listed stage gets 0. Returns the number of enterprises changed."""
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import Enterprise
    spec = _ref("listing")
    listed = L.listed_codes(_candidate_dicts(db), spec)
    changed = 0
    flagged = set()
    for e in db.scalars(select(Enterprise).where(Enterprise.credit_code.in_(sorted(listed)))) if listed else []:
        attrs = dict(e.attributes or {})
        flagged.add(e.credit_code)
        if attrs.get("is_listed") != 1:
            before = attrs.get("is_listed")
            attrs.update(is_listed=1, is_listed_source=LISTED_SOURCE)
            e.attributes = attrs
            record_change(db, user.username if user else None, "update", "enterprise", e.credit_code, e.zone_code,
                          {"is_listed": before}, {"is_listed": 1, "source": LISTED_SOURCE})
            changed += 1
    # flags the pipeline set earlier for enterprises no longer at the listed stage (still or formerly candidates)
    others = sorted(({c["credit_code"] for c in _candidate_dicts(db)} | set(extra_codes or ())) - flagged)
    for i in range(0, len(others), 500):
        for e in db.scalars(select(Enterprise).where(Enterprise.credit_code.in_(others[i:i + 500]))):
            attrs = e.attributes or {}
            if attrs.get("is_listed_source") == LISTED_SOURCE and attrs.get("is_listed") == 1:
                e.attributes = {**attrs, "is_listed": 0}
                record_change(db, user.username if user else None, "update", "enterprise", e.credit_code, e.zone_code,
                              {"is_listed": 1}, {"is_listed": 0, "source": LISTED_SOURCE})
                changed += 1
    db.flush()
    return changed


# --- key projects -----------------------------------------------------------------------------------

def load_plan_projects(db: Session, user: Principal) -> dict:
    """Put the plan's 专栏2–12 projects (gaoxin/reference/registries/projects.yaml) into the registry:
    those not registered yet are added with the seed's quantities as targets; existing ones are left
    alone. Administrator only."""
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import Project
    require_admin(user)
    have = set(db.scalars(select(Project.code)))
    added = 0
    for item in _ref("projects")["projects"]:
        if item["code"] in have:
            continue
        q = {x["name"]: x["target"] for x in item.get("quantities") or []}
        vals = {"code": item["code"], "name": item["name"], "column": item["column"], "layout": item["layout"],
                "status": "谋划中", "target_year": item.get("target_year"), "investment_target": q.get("总投资"),
                "output_target": q.get("年产值"), "localization_target": q.get("国产化率"),
                "note": item.get("description"), "source": item["source"]}
        db.add(Project(**vals, is_demo=False))
        record_change(db, user.username, "create", "projects", item["code"], None, None, vals)
        added += 1
    db.flush()
    return {"added": added, "total": len(_ref("projects")["projects"])}


def project_progress(db: Session, user: Principal, as_of: int | None = None, zone: str | None = None,
                     column: int | None = None) -> dict:
    """Every project the user may see with its progress, status and warnings (like targets)."""
    from gaoxin.registry import projects as PR
    as_of = as_of or date.today().year
    margin = float(_ref("projects")["progress"]["behind_margin"])
    data = list_entries(db, user, "projects", zone, None, {"column": column} if column else None)
    rows = []
    for r in data["rows"]:
        try:
            pr = PR.progress(r, as_of, margin)
        except PR.MilestoneError as exc:
            pr = {"status": "数据有误", "warnings": [str(exc)], "quantities": [], "milestones": [], "elapsed": None}
        inv = next((q for q in pr["quantities"] if q["name"] == "总投资"), None)
        rows.append({"code": r["code"], "name": r["name"], "column": r.get("column"), "layout": r.get("layout"),
                     "zone_name": r.get("zone_name"), "status_declared": r.get("status"), "status": pr["status"],
                     "investment_rate": inv["rate"] if inv else None, "elapsed": pr["elapsed"],
                     "warnings": "；".join(pr["warnings"]), "quantities": pr["quantities"], "milestones": pr["milestones"],
                     "is_demo": r["is_demo"]})
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"as_of": as_of, "rows": rows, "counts": counts, "is_demo": data["is_demo"],
            "columns": ["code", "name", "column", "layout", "zone_name", "status_declared", "status", "investment_rate",
                        "elapsed", "warnings"],
            "labels": {"code": "项目编号", "name": "项目名称", "column": "专栏", "layout": "布局", "zone_name": "所在高新区",
                       "status_declared": "项目状态", "status": "进度判断", "investment_rate": "投资完成率",
                       "elapsed": "时间进度", "warnings": "预警"}}


def enterprise_tiers(db: Session, user: Principal, year: int) -> dict:
    """Seed 004's 100/50/20/10 亿级 enterprises of 湘潭市 from the enterprises' 营业收入 of `year`,
    with the named 产业领军企业 flagged; only enterprises the user may see."""
    from gaoxin.registry import projects as PR
    from gaoxin.store.models import Enterprise, Observation
    spec = _ref("projects")["tiers"]
    prefix = str(spec["scope"]["county_prefix"])
    cities = _zone_cities(db)
    q = (select(Enterprise.credit_code, Enterprise.name, Enterprise.zone_code, Enterprise.county_code, Observation.value,
                Enterprise.is_demo)
         .join(Observation, (Observation.unit_code == Enterprise.credit_code) & (Observation.unit_type == "enterprise"))
         .where(Observation.indicator_code == spec["indicator"], Observation.period == year))
    zones = _zone_names(db)
    rows = []
    for code, name, zone, county, value, demo in db.execute(q):
        region = str(county or cities.get(zone) or "")
        if not region.startswith(prefix) or not can_see(user, zone):
            continue
        yi = None if value is None else float(value) / float(spec["unit_factor"])
        t = PR.tier(yi, spec["levels"])
        if t is None:
            continue
        rows.append({"credit_code": code, "name": name, "zone_name": zones.get(zone), "revenue_yi": round(yi, 2),
                     "tier": t, "named": any(n in name for n in spec["named"]), "is_demo": bool(demo)})
    order = {f"{lv:g}亿级": i for i, lv in enumerate(sorted(spec["levels"], reverse=True))}
    rows.sort(key=lambda r: (order[r["tier"]], -r["revenue_yi"]))
    counts = {t: sum(1 for r in rows if r["tier"] == t) for t in order}
    return {"year": year, "rows": rows, "counts": counts, "scope": spec["scope"]["name"], "source": _cite(spec["source"]),
            "named_source": _cite(spec["named_source"]), "is_demo": any(r["is_demo"] for r in rows),
            "columns": ["tier", "name", "credit_code", "zone_name", "revenue_yi", "named"],
            "labels": {"tier": "梯次", "name": "企业名称", "credit_code": "统一社会信用代码", "zone_name": "所在高新区",
                       "revenue_yi": f"{year}年营业收入（亿元）", "named": "重点扶持的产业领军企业"}}


# --- 三家: assignments to matches and roadshows, with follow-up ------------------------------------

ASSIGNMENT_LABELS = {"id": "序号", "expert_name": "专家", "expert_kind": "类别", "activity": "活动", "demand_code": "需求编号",
                     "result_code": "成果编号", "roadshow": "路演", "zone_name": "高新区", "role": "角色", "outcome": "跟进结果",
                     "follow_up": "跟进记录", "follow_up_date": "跟进日期"}


def _assignment_row(a, experts: dict, zones: dict) -> dict:
    e = experts.get(a.expert_code)
    return {"id": a.id, "expert_code": a.expert_code, "expert_name": e.name if e else a.expert_code,
            "expert_kind": e.kind if e else None, "activity": a.activity, "demand_code": a.demand_code,
            "result_code": a.result_code, "roadshow": a.roadshow, "zone_code": a.zone_code,
            "zone_name": zones.get(a.zone_code), "role": a.role, "outcome": a.outcome, "follow_up": a.follow_up,
            "follow_up_date": a.follow_up_date.isoformat() if a.follow_up_date else None, "is_demo": a.is_demo}


def assign_expert(db: Session, user: Principal, expert_code: str, role: str, demand_code: str | None = None,
                  result_code: str | None = None, roadshow: str | None = None, zone: str | None = None) -> dict:
    """Assign an expert to a result↔demand match (its zone is the demand's) or to a roadshow (in `zone`)."""
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import Expert, ExpertAssignment, TechDemand, TechResult
    spec = _ref("experts")
    if role not in spec["roles"]:
        raise Invalid(f"角色应为：{'、'.join(spec['roles'])}")
    expert = db.scalar(select(Expert).where(Expert.code == expert_code))
    if expert is None:
        raise NotFound(f"三家名录中没有编号“{expert_code}”")
    if demand_code:
        d = db.scalar(select(TechDemand).where(TechDemand.code == demand_code))
        if d is None:
            raise NotFound(f"需求编号“{demand_code}”不存在")
        if result_code and db.scalar(select(TechResult.id).where(TechResult.code == result_code)) is None:
            raise NotFound(f"成果编号“{result_code}”不存在")
        activity, zone = "成果对接", d.zone_code
    elif roadshow:
        activity = "路演"
    else:
        raise Invalid("请指定对接的需求编号，或路演名称")
    _require_edit(user, zone)
    if not can_see(user, expert.zone_code) and expert.zone_code is not None:
        raise Forbidden("不能选派其他高新区名录中的人员：请选择本园区或全省共用名录中的人员")
    a = ExpertAssignment(expert_code=expert_code, activity=activity, demand_code=demand_code, result_code=result_code,
                         roadshow=roadshow, zone_code=zone, role=role, outcome=spec["outcomes"][0], username=user.username)
    db.add(a)
    db.flush()
    record_change(db, user.username, "create", "expert_assignment", str(a.id), zone, None,
                  {"expert": expert_code, "activity": activity, "demand": demand_code, "result": result_code,
                   "roadshow": roadshow, "role": role})
    return _assignment_row(a, {expert.code: expert}, _zone_names(db))


def record_follow_up(db: Session, user: Principal, assignment_id: int, outcome: str, follow_up: str | None,
                     when: date | None = None) -> dict:
    """Record the follow-up of an assignment on its match or roadshow."""
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import Expert, ExpertAssignment
    spec = _ref("experts")
    a = db.get(ExpertAssignment, assignment_id)
    if a is None:
        raise NotFound(f"没有第{assignment_id}号选派记录")
    _require_edit(user, a.zone_code)
    if outcome not in spec["outcomes"]:
        raise Invalid(f"跟进结果应为：{'、'.join(spec['outcomes'])}")
    before = {"outcome": a.outcome, "follow_up": a.follow_up}
    a.outcome, a.follow_up, a.follow_up_date = outcome, (follow_up or "").strip() or None, when or date.today()
    record_change(db, user.username, "update", "expert_assignment", str(a.id), a.zone_code, before,
                  {"outcome": outcome, "follow_up": a.follow_up})
    db.flush()
    e = db.scalar(select(Expert).where(Expert.code == a.expert_code))
    return _assignment_row(a, {a.expert_code: e} if e else {}, _zone_names(db))


def assignments(db: Session, user: Principal, demand_code: str | None = None, expert_code: str | None = None) -> dict:
    """Assignments the user may see (a zone user: its zones' matches and roadshows)."""
    from gaoxin.store.models import Expert, ExpertAssignment, TechDemand
    stmt = select(ExpertAssignment).order_by(ExpertAssignment.id)
    if demand_code:
        row = db.execute(select(TechDemand.zone_code).where(TechDemand.code == demand_code)).first()
        if row is None:
            raise NotFound(f"需求编号“{demand_code}”不存在")
        if not can_see(user, row[0]):
            raise Forbidden("无权查看该需求的选派记录：高新区用户只能查看本园区的需求")
        stmt = stmt.where(ExpertAssignment.demand_code == demand_code)
    if expert_code:
        stmt = stmt.where(ExpertAssignment.expert_code == expert_code)
    if user.role == roles.ZONE_USER:
        stmt = stmt.where(ExpertAssignment.zone_code.in_(sorted(user.zones)))
    rows = list(db.scalars(stmt))
    experts = {e.code: e for e in db.scalars(select(Expert).where(Expert.code.in_({a.expert_code for a in rows})))} if rows else {}
    zones = _zone_names(db)
    out = [_assignment_row(a, experts, zones) for a in rows]
    return {"rows": out, "columns": [c for c in ASSIGNMENT_LABELS], "labels": ASSIGNMENT_LABELS,
            "is_demo": any(r["is_demo"] for r in out), "spec": {k: _ref("experts")[k] for k in ("roles", "outcomes")}}


# --- 一年一评估、三年一更新 ---------------------------------------------------------------------------

def _plan_meta(plan_id: str) -> dict:
    from gaoxin.targets.plans import load_plans
    plan = next((p for p in load_plans() if p.id == plan_id), None)
    if plan is None:
        raise NotFound(f"规划“{plan_id}”不存在")
    return {"id": plan.id, "name": plan.name, "doc_no": getattr(plan, "doc_no", None),
            "issuer": getattr(plan, "issuer", None)}


def _current_plan_spec(plan_id: str) -> dict:
    from gaoxin.registry.assessment import clean
    from gaoxin.targets.plans import load_targets
    targets = load_targets(plan=plan_id)
    return clean({"plan": _plan_meta(plan_id), "targets": [t.spec for t in targets]})


def revise_plan(db: Session, user: Principal, plan_id: str, note: str | None = None):
    """三年一更新: freeze the plan's current targets as a new version when they differ from the
    latest version (every older version is kept). Returns the version row."""
    from gaoxin.auth.audit import record_change
    from gaoxin.registry.assessment import canonical, digest
    from gaoxin.store.models import PlanVersion
    require_admin(user)
    spec = _current_plan_spec(plan_id)
    sha = digest(canonical(spec))
    latest = db.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version.desc()).limit(1))
    if latest is not None and latest.sha256 == sha:
        return latest
    v = PlanVersion(plan_id=plan_id, version=(latest.version + 1) if latest else 1, spec=spec, sha256=sha,
                    note=note, created_by=user.username)
    db.add(v)
    db.flush()
    record_change(db, user.username, "create", "plan_version", f"{plan_id}#{v.version}", None, None,
                  {"sha256": sha, "note": note})
    return v


def plan_versions(db: Session, user: Principal, plan_id: str) -> list[dict]:
    from gaoxin.store.models import PlanVersion
    return [{"plan_id": v.plan_id, "version": v.version, "sha256": v.sha256, "note": v.note, "targets": len(v.spec["targets"]),
             "created_by": v.created_by, "created_at": v.created_at.isoformat() if v.created_at else None}
            for v in db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version))]


def _scope_of_assessment(db: Session, scope: str | None) -> tuple[str, str, set[str] | None]:
    """(scope code, name, zone codes or None for the whole plan)."""
    if not scope or scope == "*":
        return "*", "规划全部目标", None
    names = _zone_names(db)
    if scope not in names:
        raise NotFound(f"高新区“{scope}”不存在")
    return scope, names[scope], {scope}


def publish_assessment(db: Session, user: Principal, plan_id: str, year: int, conclusion: str,
                       scope: str | None = None, now: str | None = None) -> dict:
    """一年一评估: freeze the year's figures, the targets' status and the evaluation for a plan (all
    its targets, or one zone's), render the document with the written conclusion, and keep it with its
    sha256. Published once per plan, scope and year."""
    from datetime import datetime, timezone

    from gaoxin.auth.audit import record_change
    from gaoxin.registry.assessment import clean, digest, render
    from gaoxin.store.models import Assessment, EvaluationRun, Indicator
    from gaoxin.store.repo import observations_frame
    from gaoxin.targets.monitor import progress_table
    from gaoxin.targets.plans import target_from_spec
    import pandas as pd
    require_admin(user)
    if not (conclusion or "").strip():
        raise Invalid("请填写评估结论")
    code, scope_name, zones = _scope_of_assessment(db, scope)
    if db.scalar(select(Assessment.id).where(Assessment.plan_id == plan_id, Assessment.scope_code == code,
                                            Assessment.year == year)) is not None:
        raise Invalid(f"{year}年度的该项评估已发布；已发布的评估不能修改，可查看或下载原文")
    version = revise_plan(db, user, plan_id, note=f"{year}年度评估时的版本")
    targets = [target_from_spec(s, plan_id) for s in version.spec["targets"]]
    if zones is not None:
        targets = [t for t in targets if t.scope.type == "zone" and str(t.scope.code) in zones]
        if not targets:
            raise Invalid(f"该规划没有分解到{scope_name}的目标")
    keys = {(t.scope.type, str(t.scope.code), t.indicator) for t in targets}
    obs = observations_frame(db, indicators=sorted({k[2] for k in keys}), years=range(year - 10, year + 1))
    mask = [(r.unit_type, str(r.unit_code), r.indicator_code) in keys for r in obs.itertuples()]
    obs = obs.loc[pd.Series(mask, index=obs.index, dtype=bool)] if len(obs) else obs
    table = progress_table(targets, obs, as_of=year) if targets else None
    trows = []
    for t, (_i, r) in zip(targets, table.iterrows() if table is not None else []):
        actual, ay = r.get("actual"), r.get("actual_year")
        if t.kind == "growth":   # a growth target is compared with the achieved average growth rate (%)
            cagr = r.get("actual_cagr")
            actual = None if cagr is None or cagr != cagr else round(float(cagr) * 100, 2)
        trows.append({"id": t.id, "indicator_name": t.indicator_name, "scope_name": t.scope.name, "unit": t.unit,
                      "kind": t.kind, "target_value": t.target_value, "target_year": t.target_year,
                      "actual": actual, "actual_year": None if ay is None or ay != ay else int(ay),
                      "progress": r.get("progress"), "status": r.get("status") or None})
    from gaoxin.store.models import Observation
    srcs = {}
    if len(obs):
        for u, c, i, p, src in db.execute(select(Observation.unit_type, Observation.unit_code, Observation.indicator_code,
                                                 Observation.period, Observation.source)
                                          .where(Observation.indicator_code.in_(sorted({k[2] for k in keys})))):
            srcs[(u, str(c), i, int(p))] = src
    ind_names = {t.indicator: t.indicator_name for t in targets}
    scope_names = {(t.scope.type, str(t.scope.code)): t.scope.name for t in targets}
    figures = [{"unit_type": r.unit_type, "unit_code": str(r.unit_code),
                "unit_name": scope_names.get((r.unit_type, str(r.unit_code)), str(r.unit_code)),
                "indicator": r.indicator_code, "indicator_name": ind_names.get(r.indicator_code, r.indicator_code),
                "period": int(r.period), "value": r.value,
                "source": srcs.get((r.unit_type, str(r.unit_code), r.indicator_code, int(r.period)))}
               for r in obs.sort_values(["unit_type", "unit_code", "indicator_code", "period"]).itertuples()]
    evaluation = None
    run = db.scalar(select(EvaluationRun).where(EvaluationRun.year == year, EvaluationRun.published.is_(True))
                    .order_by(EvaluationRun.id.desc()).limit(1))
    if run is not None:
        rows = [r for r in (run.results or {}).get("ranking", []) if zones is None or r.get("zone_code") in zones]
        evaluation = {"run_id": run.id, "framework": run.framework, "framework_name": (run.results or {}).get("framework_name"),
                      "rows": [{"name": r.get("name") or r.get("zone_name") or r.get("zone_code"), "score": r.get("score"),
                                "rank": r.get("rank")} for r in rows[:60]]}
    published_at = now or datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    record = clean({"plan": version.spec["plan"], "plan_version": {"version": version.version, "sha256": version.sha256},
                    "scope": {"code": code, "name": scope_name}, "year": year, "targets": trows, "figures": figures,
                    "evaluation": evaluation, "conclusion": conclusion.strip(), "published_by": user.display_name or user.username,
                    "published_at": published_at, "is_demo": bool(len(obs) and obs["is_demo"].any())})
    document = render(record)
    a = Assessment(plan_id=plan_id, scope_code=code, year=year, plan_version_id=version.id, record=record,
                   document=document, sha256=digest(document), published_by=user.username, is_demo=record["is_demo"])
    db.add(a)
    db.flush()
    record_change(db, user.username, "publish", "assessment", str(a.id), None if code == "*" else code, None,
                  {"plan": plan_id, "year": year, "sha256": a.sha256, "plan_version": version.version})
    return get_assessment(db, user, a.id)


def get_assessment(db: Session, user: Principal, assessment_id: int) -> dict:
    """A published assessment: its record, the document as published, and whether rendering the
    frozen record again gives the same bytes (it must)."""
    from gaoxin.registry.assessment import digest, render
    from gaoxin.store.models import Assessment, PlanVersion
    a = db.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"没有第{assessment_id}号评估")
    if a.scope_code != "*":
        _require_see(user, a.scope_code)
    again = render(a.record)
    v = db.get(PlanVersion, a.plan_version_id)
    return {"id": a.id, "plan_id": a.plan_id, "plan_name": a.record["plan"]["name"], "scope_code": a.scope_code,
            "scope_name": a.record["scope"]["name"], "year": a.year, "plan_version": v.version if v else None,
            "sha256": a.sha256, "document": a.document, "reproduced": again == a.document and digest(again) == a.sha256,
            "record": a.record, "published_by": a.published_by, "is_demo": a.is_demo}


def list_assessments(db: Session, user: Principal) -> list[dict]:
    from gaoxin.store.models import Assessment
    out = []
    for a in db.scalars(select(Assessment).order_by(Assessment.year.desc(), Assessment.plan_id, Assessment.scope_code)):
        if a.scope_code != "*" and not can_see(user, a.scope_code):
            continue
        out.append({"id": a.id, "plan_id": a.plan_id, "plan_name": a.record["plan"]["name"], "scope_name": a.record["scope"]["name"],
                    "year": a.year, "plan_version": a.record["plan_version"]["version"], "sha256": a.sha256[:12],
                    "published_by": a.published_by, "published_at": a.record["published_at"], "is_demo": a.is_demo})
    return out

"""Pages of the registries: an overview (targets counted from the registries, the listing pipeline),
a list per registry with filters, upload, template and export, an entry form, and the platform
rewards. Server-rendered forms (no inline script); data from gaoxin.services.registries."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.services import registries as R
from gaoxin.services.errors import Invalid, ServiceError
from gaoxin.web.deps import DB, current_user, verify_csrf
from gaoxin.web.pages import render

router = APIRouter(prefix="/registries", dependencies=[Depends(verify_csrf)], include_in_schema=False)

FILTERS = {"platforms": ("type", "level", "status"), "listing": ("stage", "board"), "projects": ("status",),
           "experts": ("kind",)}


def call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None


def _zones(db: Session, user: Principal) -> list[tuple[str, str]]:
    names = R._zone_names(db)
    return [(c, names[c]) for c in sorted(names) if R.can_see(user, c)]


@router.get("")
def registries_home(request: Request, as_of: int | None = None, user: Principal = Depends(current_user),
                    db: Session = DB):
    as_of = as_of or date.today().year
    counts = call(R.platform_target_counts, db, user, as_of)
    monitor = call(R.listing_monitor, db, user, as_of)
    sizes = {k["code"]: call(R.list_entries, db, user, k["code"], limit=0)["total"] for k in R.kinds()}
    return render(request, "registries/home.html", {
        "user": user, "title": "资源库", "active": "/registries", "kinds": R.kinds(), "sizes": sizes,
        "counts": counts, "monitor": monitor, "as_of": as_of})


@router.get("/platforms/rewards")
def rewards_page(request: Request, zone: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    out = call(R.platform_rewards, db, user, None, zone or None)
    return render(request, "registries/rewards.html", {
        "user": user, "title": "新批科创平台奖补", "active": "/registries", "out": out, "zone": zone,
        "zones": _zones(db, user)})


@router.get("/projects/progress")
def projects_page(request: Request, zone: str | None = None, as_of: int | None = None,
                  user: Principal = Depends(current_user), db: Session = DB):
    out = call(R.project_progress, db, user, as_of, zone or None)
    return render(request, "registries/projects.html", {
        "user": user, "title": "重点项目进度", "active": "/registries", "out": out, "zone": zone or "",
        "zones": _zones(db, user)})


@router.post("/projects/load-plan")
def projects_load_plan(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    call(R.load_plan_projects, db, user)
    return RedirectResponse("/registries/projects/progress", status_code=303)


@router.get("/tiers")
def tiers_page(request: Request, year: int | None = None, user: Principal = Depends(current_user), db: Session = DB):
    year = year or date.today().year - 1
    out = call(R.enterprise_tiers, db, user, year)
    return render(request, "registries/tiers.html", {"user": user, "title": "亿级企业梯次", "active": "/registries",
                                                     "out": out})


def _assign_ctx(db, user, error=None):
    from gaoxin.ingest.registry_templates import reference
    return {"user": user, "title": "三家选派与跟进", "active": "/registries", "out": call(R.assignments, db, user),
            "experts": call(R.list_entries, db, user, "experts", limit=2000)["rows"] if user.role != "zone_user"
            else call(R.list_entries, db, user, "experts")["rows"], "spec": reference("experts"), "error": error}


@router.get("/experts/assignments")
def assignments_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    return render(request, "registries/assignments.html", _assign_ctx(db, user))


@router.post("/experts/assignments")
async def assign(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    f = await request.form()
    try:
        R.assign_expert(db, user, f.get("expert_code") or "", f.get("role") or "", f.get("demand_code") or None,
                        f.get("result_code") or None, f.get("roadshow") or None, f.get("zone") or None)
    except (Invalid, R.NotFound) as exc:
        return render(request, "registries/assignments.html", _assign_ctx(db, user, str(exc)), status_code=422)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse("/registries/experts/assignments", status_code=303)


@router.post("/experts/assignments/{assignment_id}/follow-up")
async def follow_up(request: Request, assignment_id: int, user: Principal = Depends(current_user), db: Session = DB):
    f = await request.form()
    try:
        R.record_follow_up(db, user, assignment_id, f.get("outcome") or "", f.get("follow_up"))
    except Invalid as exc:
        return render(request, "registries/assignments.html", _assign_ctx(db, user, str(exc)), status_code=422)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse("/registries/experts/assignments", status_code=303)


def _assess_ctx(db, user, error=None):
    from gaoxin.targets.plans import load_plans
    return {"user": user, "title": "年度评估", "active": "/registries", "rows": call(R.list_assessments, db, user),
            "plans": [(p.id, p.name) for p in load_plans()], "error": error, "year": date.today().year - 1}


@router.get("/assessments")
def assessments_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    return render(request, "registries/assessments.html", _assess_ctx(db, user))


@router.post("/assessments")
async def publish(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    f = await request.form()
    try:
        year = int(f.get("year") or 0)
        a = R.publish_assessment(db, user, f.get("plan_id") or "", year, f.get("conclusion") or "", f.get("scope") or None)
    except ValueError:
        return render(request, "registries/assessments.html", _assess_ctx(db, user, "年份应为四位数字"), status_code=422)
    except Invalid as exc:
        return render(request, "registries/assessments.html", _assess_ctx(db, user, str(exc)), status_code=422)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse(f"/registries/assessments/{a['id']}", status_code=303)


@router.get("/assessments/{assessment_id}")
def assessment_page(request: Request, assessment_id: int, user: Principal = Depends(current_user), db: Session = DB):
    a = call(R.get_assessment, db, user, assessment_id)
    return render(request, "registries/assessment.html", {"user": user, "title": f"{a['plan_name']}{a['year']}年度实施评估",
                                                          "active": "/registries", "a": a})


def _list_ctx(request, db, user, kind, zone, q, filters, message=None, report=None):
    data = call(R.list_entries, db, user, kind, zone or None, q or None, filters, 500)
    spec = call(R.fields, kind)
    return {"user": user, "title": spec["label"], "active": "/registries", "data": data, "spec": spec, "kind": kind,
            "zone": zone or "", "q": q or "", "filters": filters, "zones": _zones(db, user),
            "filter_fields": [f for f in spec["fields"] if f["name"] in FILTERS.get(kind, ())],
            "message": message, "report": report, "results_year": date.today().year - 1,
            "export_url": f"/api/registries/{kind}?format=xlsx" + (f"&zone={quote(zone)}" if zone else "")}


@router.get("/{kind}")
def list_page(request: Request, kind: str, zone: str | None = None, q: str | None = None,
              user: Principal = Depends(current_user), db: Session = DB):
    filters = {f: request.query_params.get(f) for f in FILTERS.get(kind, ())}
    return render(request, "registries/list.html", _list_ctx(request, db, user, kind, zone, q, filters))


@router.post("/{kind}/upload")
async def upload(request: Request, kind: str, file: UploadFile = File(...), user: Principal = Depends(current_user),
                 db: Session = DB):
    content = await file.read()
    rep = call(R.import_file, db, user, kind, content, file.filename or "upload.xlsx")
    status = 200 if rep["status"] in ("loaded", "unchanged") else (403 if rep.get("access_denied") else 422)
    ctx = _list_ctx(request, db, user, kind, None, None, {}, report=rep)
    return render(request, "registries/list.html", ctx, status_code=status)


def _form_ctx(db, user, kind, entry, error=None, is_new=False):
    spec = call(R.fields, kind)
    return {"user": user, "title": spec["label"] + ("：新增" if is_new else "：" + str(entry.get(spec["key"]) or "")),
            "active": "/registries", "spec": spec, "kind": kind, "entry": entry, "error": error, "is_new": is_new,
            "zones": _zones(db, user)}


def _form_values(form, spec) -> dict:
    return {f["name"]: (form.get(f["name"]) or None) for f in spec["fields"] if f["name"] in form}


@router.get("/{kind}/new")
def new_form(request: Request, kind: str, user: Principal = Depends(current_user), db: Session = DB):
    if not user.can_write:
        raise HTTPException(403, "只读用户不能修改数据")
    return render(request, "registries/form.html", _form_ctx(db, user, kind, {}, is_new=True))


@router.post("/{kind}/new")
async def create(request: Request, kind: str, user: Principal = Depends(current_user), db: Session = DB):
    spec = call(R.fields, kind)
    raw = _form_values(await request.form(), spec)
    try:
        saved = R.save_entry(db, user, kind, raw)
    except Invalid as exc:
        return render(request, "registries/form.html", _form_ctx(db, user, kind, raw, str(exc), True), status_code=422)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse(f"/registries/{kind}/entries/{quote(str(saved[spec['key']]))}?saved=1", status_code=303)


@router.get("/{kind}/entries/{key}")
def entry_page(request: Request, kind: str, key: str, saved: int = 0, user: Principal = Depends(current_user),
               db: Session = DB):
    entry = call(R.get_entry, db, user, kind, key)
    ctx = _form_ctx(db, user, kind, entry)
    ctx["saved"] = bool(saved)
    return render(request, "registries/form.html", ctx)


@router.post("/{kind}/entries/{key}")
async def update(request: Request, kind: str, key: str, user: Principal = Depends(current_user), db: Session = DB):
    spec = call(R.fields, kind)
    raw = _form_values(await request.form(), spec)
    raw.pop(spec["key"], None)
    try:
        R.save_entry(db, user, kind, raw, key)
    except Invalid as exc:
        entry = {**call(R.get_entry, db, user, kind, key), **raw}
        return render(request, "registries/form.html", _form_ctx(db, user, kind, entry, str(exc)), status_code=422)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse(f"/registries/{kind}/entries/{quote(key)}?saved=1", status_code=303)


@router.post("/{kind}/entries/{key}/delete")
def delete(request: Request, kind: str, key: str, user: Principal = Depends(current_user), db: Session = DB):
    call(R.delete_entry, db, user, kind, key)
    return RedirectResponse(f"/registries/{kind}", status_code=303)

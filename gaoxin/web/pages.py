"""Server-rendered pages (Jinja2 + htmx). Data come from the same services/engines as the API."""
from __future__ import annotations

import math
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from gaoxin.auth.roles import ROLE_LABELS, Principal
from gaoxin.auth.users import UserError, create_user, list_users, set_password, update_user
from gaoxin.web import services
from gaoxin.web.deps import (DB, admin_user, check_zone_read, csrf_token, current_user, get_db, optional_user,
                             verify_csrf, writer_user)
from gaoxin.web.tables import records

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

NAV = [("/", "总览"), ("/evaluation", "高新区评价"), ("/targets", "目标监测"), ("/enterprises", "企业培育"),
       ("/matching", "成果对接"), ("/data", "数据管理")]
ADMIN_NAV = [("/admin/users", "用户管理"), ("/admin/audit", "审计日志")]


def fmt(v):
    """Cell formatting: thousands separators, 2 decimals, 是/否 for booleans, blank for missing."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:,.2f}" if abs(v) < 1e15 else str(v)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d %H:%M")
    return str(v)


TEMPLATES.env.globals["fmt"] = fmt


def render(request: Request, name: str, ctx: dict, status_code: int = 200) -> HTMLResponse:
    from gaoxin.web.app import is_demo
    user = ctx.get("user")
    nav = NAV + (ADMIN_NAV if user is not None and user.is_admin else
                 [("/admin/audit", "审计日志")] if user is not None else [])
    demo = ctx.pop("demo", None)
    if demo is None:
        maker = request.app.state.sessionmaker
        with maker() as s:
            demo = is_demo(request.app, s)
    base = {"csrf": csrf_token(request), "nav": nav, "demo": demo, "active": ctx.get("active", ""),
            "title": ctx.get("title", "")}
    return TEMPLATES.TemplateResponse(request, name, {**base, **ctx}, status_code=status_code)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "无权访问", 404: "页面不存在", 422: "参数错误", 503: "功能暂不可用"}
    user = None
    try:
        maker = request.app.state.sessionmaker
        from gaoxin.auth.users import get_principal
        with maker() as s:
            if request.session.get("user"):
                user = get_principal(s, request.session["user"])
    except Exception:  # noqa: BLE001 - an error page must render whatever happened
        user = None
    return render(request, "error.html", {"user": user, "title": titles.get(status, "出错了"),
                                          "message": message}, status_code=status)


def table_ctx(df, labels: dict, table_id: str | None = None) -> dict:
    return {"columns": list(df.columns), "labels": labels, "rows": records(df), "table_id": table_id}


# --- login ----------------------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", {"user": None, "title": "登录", "next": next, "error": None})


@router.post("/login")
def login_submit(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/"),
                 db: Session = DB):
    try:
        services.login(db, request, username, password)
    except HTTPException as exc:
        return render(request, "login.html", {"user": None, "title": "登录", "next": next, "username": username,
                                              "error": exc.detail}, status_code=exc.status_code)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, db: Session = DB):
    services.logout(db, request)
    return RedirectResponse("/login", status_code=303)


# --- data management ----------------------------------------------------------------------------

@router.get("/data")
def data_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    hist = services.import_history(db, user, limit=100)
    return render(request, "data.html", {"user": user, "title": "数据管理", "active": "/data",
                                         "templates": services.template_kinds(),
                                         "history": table_ctx(hist, services.IMPORT_LABELS, "import-history")})


@router.post("/data/upload")
async def data_upload(request: Request, file: UploadFile = File(...), user: Principal = Depends(writer_user),
                      db: Session = DB):
    content = await file.read()
    result = services.run_import(db, user, file.filename or "upload.xlsx", content)
    status = 200 if result["ok"] else 403 if result.get("forbidden") else 422
    return TEMPLATES.TemplateResponse(request, "_import_report.html", {"result": result}, status_code=status)


# --- admin ----------------------------------------------------------------------------------------

@router.get("/admin/users")
def users_page(request: Request, admin: Principal = Depends(admin_user), db: Session = DB,
               msg: str | None = None, err: str | None = None):
    rows = list_users(db)
    for r in rows:
        r["role_label"] = ROLE_LABELS.get(r["role"], r["role"])
    return render(request, "users.html", {"user": admin, "title": "用户管理", "active": "/admin/users",
                                          "users": rows, "roles": ROLE_LABELS, "zones": records(services.zones(db)),
                                          "msg": msg, "err": err})


@router.post("/admin/users")
def users_add(request: Request, username: str = Form(...), password: str = Form(...), role: str = Form(...),
              display_name: str = Form(""), zone: str = Form(""), admin: Principal = Depends(admin_user),
              db: Session = DB):
    try:
        create_user(db, username, password, role, display_name, [zone] if zone else [], by=admin.username)
    except UserError as exc:
        return RedirectResponse(f"/admin/users?err={exc}", status_code=303)
    return RedirectResponse(f"/admin/users?msg=已创建用户 {username}", status_code=303)


@router.post("/admin/users/{username}")
def users_update(username: str, request: Request, role: str = Form(...), zone: str = Form(""),
                 active: str = Form("1"), password: str = Form(""), admin: Principal = Depends(admin_user),
                 db: Session = DB):
    try:
        update_user(db, username, role=role, zones=[zone] if zone else [], active=active == "1", by=admin.username)
        if password:
            set_password(db, username, password, by=admin.username)
    except UserError as exc:
        db.rollback()
        return RedirectResponse(f"/admin/users?err={exc}", status_code=303)
    return RedirectResponse(f"/admin/users?msg=已更新用户 {username}", status_code=303)


@router.get("/admin/audit")
def audit_page(request: Request, zone: str | None = None, user: Principal = Depends(current_user),
               db: Session = DB):
    if zone:
        check_zone_read(user, zone)
    df = services.audit_frame(db, user, zone, 300)
    return render(request, "audit.html", {"user": user, "title": "审计日志", "active": "/admin/audit",
                                          "table": table_ctx(df, services.AUDIT_LABELS, "audit")})


# --- engine pages -------------------------------------------------------------------------------

def _years(db: Session) -> list[int]:
    from sqlalchemy import func, select
    from gaoxin.store.models import Observation
    lo, hi = db.execute(select(func.min(Observation.period), func.max(Observation.period))
                        .where(Observation.unit_type == "zone")).one()
    if lo is None:
        import datetime
        y = datetime.date.today().year - 1
        return [y]
    return list(range(int(hi), int(lo) - 1, -1))


def _visible_zones(db: Session, user: Principal) -> list[dict]:
    z = services.zones(db)
    rows = records(z)
    if user.role == "zone_user":
        rows = [r for r in rows if r["code"] in user.zones]
    return rows


@router.get("/")
def overview_page(request: Request, user: Principal = Depends(current_user)):
    return render(request, "overview.html", {"user": user, "title": "总览", "active": "/"})


@router.get("/evaluation")
def evaluation_page(request: Request, year: int | None = None, user: Principal = Depends(current_user),
                    db: Session = DB):
    years = _years(db)
    return render(request, "evaluation.html", {"user": user, "title": "高新区评价", "active": "/evaluation",
                                               "years": years, "year": year or years[0]})


@router.get("/evaluation/zones/{zone_code}")
def zone_page(zone_code: str, request: Request, year: int | None = None, user: Principal = Depends(current_user),
              db: Session = DB):
    check_zone_read(user, zone_code)
    z = services.zones(db)
    hit = z[z["code"] == zone_code]
    if hit.empty:
        raise HTTPException(404, f"高新区代码“{zone_code}”不存在")
    years = _years(db)
    return render(request, "zone_profile.html", {"user": user, "title": hit.iloc[0]["name"], "active": "/evaluation",
                                                 "zone": records(hit)[0], "years": years, "year": year or years[0]})


@router.get("/targets")
def targets_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    years = _years(db)
    return render(request, "targets.html", {"user": user, "title": "目标监测", "active": "/targets",
                                            "years": years, "year": years[0]})


@router.get("/enterprises")
def enterprises_page(request: Request, zone: str | None = None, user: Principal = Depends(current_user),
                     db: Session = DB):
    if zone:
        check_zone_read(user, zone)
    zones = _visible_zones(db, user)
    years = _years(db)
    return render(request, "enterprises.html", {"user": user, "title": "企业培育", "active": "/enterprises",
                                                "zones": zones, "zone": zone or (zones[0]["code"] if zones else ""),
                                                "years": years, "year": years[0]})


@router.get("/enterprises/{credit_code}")
def enterprise_page(credit_code: str, request: Request, as_of: int | None = None,
                    user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.web import engines
    check_zone_read(user, engines.enterprise_zone(db, credit_code))
    return render(request, "enterprise.html", {"user": user, "title": "企业画像", "active": "/enterprises",
                                               "credit_code": credit_code, "year": as_of or _years(db)[0]})


@router.get("/matching")
def matching_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.web import engines
    # never blocks for an index build: waits only briefly (build_wait_seconds), then shows progress
    status = engines.match_status(db)
    return render(request, "matching.html", {"user": user, "title": "成果对接", "active": "/matching",
                                             "zones": _visible_zones(db, user), "status": status})


@router.get("/matching/status")
def matching_status(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    """htmx poll of the progress panel: the panel again while building, the page body when ready."""
    from gaoxin.web import engines
    status = engines.match_status(db, wait=0)
    name = "_matching_body.html" if status["state"] == "ready" else "_match_status.html"
    return TEMPLATES.TemplateResponse(request, name, {"user": user, "status": status,
                                                      "zones": _visible_zones(db, user)})


@router.get("/matching/search")
def matching_search(request: Request, q: str = "", user: Principal = Depends(current_user),
                    db: Session = DB):
    from gaoxin.web import engines
    if not q.strip():
        return TEMPLATES.TemplateResponse(request, "_results.html", {"error": "请输入检索词"})
    try:
        df = engines.search_results(db, q.strip(), 20)
    except HTTPException as exc:
        return TEMPLATES.TemplateResponse(request, "_results.html", {"error": exc.detail})
    return TEMPLATES.TemplateResponse(request, "_results.html", {"table": table_ctx(df, engines.MATCH_LABELS)})

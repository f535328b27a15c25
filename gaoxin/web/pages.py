"""Server-rendered pages (Jinja2 + htmx): each route calls gaoxin.services, as the API does."""
from __future__ import annotations

import math
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from gaoxin import display
from gaoxin.auth.roles import ROLE_LABELS, Principal
from gaoxin.services import audit as au
from gaoxin.services import enterprises as ent
from gaoxin.services import evaluation as ev
from gaoxin.services import imports as im
from gaoxin.services import users as us
from gaoxin.services import zones as zn
from gaoxin.services.errors import ServiceError
from gaoxin.services.scope import require_read
from gaoxin.web.deps import DB, admin_user, csrf_token, current_user, login, logout, verify_csrf, writer_user
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
display.register_jinja(TEMPLATES.env)  # qty / pct / score / bjtime / cite / zone_name / cell (issue 14)


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
    from sqlalchemy.exc import SQLAlchemyError

    from gaoxin.auth.users import get_principal
    user, live = None, getattr(request.state, "active_session", None)
    if live is not None:  # the navigation bar of a logged-in user
        try:
            with request.app.state.sessionmaker() as s:
                user = get_principal(s, live.username)
        except SQLAlchemyError as exc:  # the error page must still render: without the user's menu
            import logging
            logging.getLogger("gaoxin.web").warning("出错页面未能读取当前用户（导航栏按未登录显示）：%s", exc)
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
        login(db, request, username, password)
    except ServiceError as exc:
        return render(request, "login.html", {"user": None, "title": "登录", "next": next, "username": username,
                                              "error": str(exc)}, status_code=exc.status)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, db: Session = DB):
    logout(db, request)
    return RedirectResponse("/login", status_code=303)


# --- data management ----------------------------------------------------------------------------

@router.get("/data")
def data_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    hist = im.import_history(db, user, limit=100)
    return render(request, "data.html", {"user": user, "title": "数据管理", "active": "/data",
                                         "templates": im.template_kinds(),
                                         "history": table_ctx(hist, im.IMPORT_LABELS, "import-history")})


@router.post("/data/upload")
async def data_upload(request: Request, file: UploadFile = File(...), user: Principal = Depends(writer_user),
                      db: Session = DB, accept_warnings: bool = Form(False)):
    result = im.run_upload(db, user, file.filename or "upload.xlsx", await file.read(), accept_warnings=accept_warnings)
    status = 200 if result["ok"] or result.get("needs_confirmation") else 403 if result.get("forbidden") else 422
    return TEMPLATES.TemplateResponse(request, "_import_report.html", {"result": result}, status_code=status)


# --- admin ----------------------------------------------------------------------------------------

@router.get("/admin/users")
def users_page(request: Request, admin: Principal = Depends(admin_user), db: Session = DB,
               msg: str | None = None, err: str | None = None):
    rows = us.users(db, admin)
    return render(request, "users.html", {"user": admin, "title": "用户管理", "active": "/admin/users",
                                          "users": rows, "roles": ROLE_LABELS, "zones": records(zn.zones(db)),
                                          "msg": msg, "err": err})


@router.post("/admin/users")
def users_add(request: Request, username: str = Form(...), password: str = Form(...), role: str = Form(...),
              display_name: str = Form(""), zone: str = Form(""), admin: Principal = Depends(admin_user),
              db: Session = DB):
    try:
        us.add_user(db, admin, username, password, role, display_name, [zone] if zone else [])
    except ServiceError as exc:
        return RedirectResponse(f"/admin/users?err={exc}", status_code=303)
    return RedirectResponse(f"/admin/users?msg=已创建用户 {username}", status_code=303)


@router.post("/admin/users/{username}")
def users_update(username: str, request: Request, role: str = Form(...), zone: str = Form(""),
                 active: str = Form("1"), password: str = Form(""), admin: Principal = Depends(admin_user),
                 db: Session = DB):
    try:
        us.change_user(db, admin, username, role=role, zones=[zone] if zone else [], active=active == "1",
                       password=password or None)
    except ServiceError as exc:
        db.rollback()
        return RedirectResponse(f"/admin/users?err={exc}", status_code=303)
    return RedirectResponse(f"/admin/users?msg=已更新用户 {username}", status_code=303)


@router.get("/admin/audit")
def audit_page(request: Request, zone: str | None = None, user: Principal = Depends(current_user),
               db: Session = DB):
    df = au.audit_log(db, user, zone, 300)
    return render(request, "audit.html", {"user": user, "title": "审计日志", "active": "/admin/audit",
                                          "table": table_ctx(df, au.AUDIT_LABELS, "audit")})


# --- engine pages -------------------------------------------------------------------------------

def _visible_zones(db: Session, user: Principal) -> list[dict]:
    return records(zn.visible_zones(db, user))


@router.get("/")
def overview_page(request: Request, user: Principal = Depends(current_user)):
    return render(request, "overview.html", {"user": user, "title": "总览", "active": "/"})


@router.get("/evaluation")
def evaluation_page(request: Request, year: int | None = None, zone_class: str | None = None,
                    user: Principal = Depends(current_user), db: Session = DB):
    # 分类评价: one class at a time (国家级 / 省级), each on its own system unless another is chosen
    zc = ev.check_class(zone_class) if zone_class else ev.default_class(db, user)
    classes = ev.visible_classes(db, user) or [zc]
    if zc not in classes:  # a zone user asking for another class: its own class (the API refuses the other)
        zc = classes[0]
    years = ev.evaluation_years(db, None, zc)
    own = ev.class_frameworks()
    page = {"zone_class": zc, "class_framework": {c: ev.framework_info(n)["framework_name"] for c, n in own.items()}}
    if user.role == "zone_user":  # which years' rankings of its class are published (the others are not fetched)
        published = ev.runs(db, user)
        page["published_years"] = sorted({int(y) for y in published.loc[published["zone_class"] == zc, "year"]})
    return render(request, "evaluation.html", {"user": user, "title": "高新区评价", "active": "/evaluation",
                                               "years": years, "year": year or years[0], "zone_class": zc,
                                               "classes": classes, "frameworks": ev.framework_choices(),
                                               "page_data": page})


@router.get("/evaluation/zones/{zone_code}")
def zone_page(zone_code: str, request: Request, year: int | None = None, user: Principal = Depends(current_user),
              db: Session = DB):
    require_read(user, zone_code)
    zone = zn.zone(db, zone_code)
    zc = zone.get("level") if zone.get("level") in ev.ZONE_CLASSES else None
    years = ev.evaluation_years(db, None, zc)
    return render(request, "zone_profile.html", {"user": user, "title": zone["name"], "active": "/evaluation",
                                                 "zone": zone, "years": years, "year": year or years[0]})


@router.get("/targets")
def targets_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    years = ev.data_years(db)
    return render(request, "targets.html", {"user": user, "title": "目标监测", "active": "/targets",
                                            "years": years, "year": years[0]})


@router.get("/enterprises")
def enterprises_page(request: Request, zone: str | None = None, user: Principal = Depends(current_user),
                     db: Session = DB):
    if zone:
        require_read(user, zone)
    zones = _visible_zones(db, user)
    years = ent.data_years(db)
    return render(request, "enterprises.html", {"user": user, "title": "企业培育", "active": "/enterprises",
                                                "zones": zones, "zone": zone or (zones[0]["code"] if zones else ""),
                                                "years": years, "year": years[0]})


@router.get("/enterprises/{credit_code}")
def enterprise_page(credit_code: str, request: Request, as_of: int | None = None,
                    user: Principal = Depends(current_user), db: Session = DB):
    require_read(user, ent.enterprise_zone(db, credit_code))
    return render(request, "enterprise.html", {"user": user, "title": "企业画像", "active": "/enterprises",
                                               "credit_code": credit_code, "year": as_of or ent.data_years(db)[0]})


@router.get("/matching")
def matching_page(request: Request, user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.services import matching as mt
    # never blocks for the vectors: BM25 answers as soon as the libraries are tokenised (seconds)
    status = mt.status(db, wait=float(mt.wait_settings()["build_wait_seconds"]))
    return render(request, "matching.html", {"user": user, "title": "成果对接", "active": "/matching",
                                             "zones": _visible_zones(db, user), "status": status})


@router.get("/matching/status")
def matching_status(request: Request, part: str = "", user: Principal = Depends(current_user), db: Session = DB):
    """htmx polls: the progress panel until a matcher answers, then the page body; `part=strip`
    is the build strip above the body (vectors still being computed)."""
    from gaoxin.services import matching as mt
    status = mt.status(db, wait=0)
    if part == "strip":
        name = "_match_strip.html"
    else:
        name = "_matching_body.html" if status["serving"] and status["state"] != "error" else "_match_status.html"
    return TEMPLATES.TemplateResponse(request, name, {"user": user, "status": status,
                                                      "zones": _visible_zones(db, user)})


@router.get("/matching/search")
def matching_search(request: Request, q: str = "", user: Principal = Depends(current_user),
                    db: Session = DB):
    from gaoxin.services import matching as mt
    if not q.strip():
        return TEMPLATES.TemplateResponse(request, "_results.html", {"error": "请输入检索词"})
    try:
        df, meta = mt.search_results(user, db, q.strip(), 20)
    except ServiceError as exc:
        return TEMPLATES.TemplateResponse(request, "_results.html", {"error": str(exc)})
    return TEMPLATES.TemplateResponse(request, "_results.html", {"table": table_ctx(df, mt.MATCH_LABELS),
                                                                 "meta": meta})

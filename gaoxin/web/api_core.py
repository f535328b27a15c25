"""Core API: auth, zones, observations, imports, templates, users, audit log.

Each handler calls one gaoxin.services function; service errors become HTTP answers in gaoxin.web.app."""
from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.services import audit as au
from gaoxin.services import imports as im
from gaoxin.services import users as us
from gaoxin.services import zones as zn
from gaoxin.services.scope import require_read
from gaoxin.web.deps import DB, admin_user, csrf_token, current_user, login, logout, verify_csrf, writer_user
from gaoxin.web.tables import XLSX, attachment, table_response

router = APIRouter(prefix="/api", dependencies=[Depends(verify_csrf)])

# --- auth -------------------------------------------------------------------------------------

class LoginBody(BaseModel):
    username: str
    password: str


@router.get("/health", tags=["系统"], summary="健康检查（无需登录）")
def health():
    return {"status": "ok"}


@router.get("/auth/csrf", tags=["登录"], summary="获取 CSRF 令牌")
def get_csrf(request: Request):
    return {"csrf_token": csrf_token(request)}


@router.post("/auth/login", tags=["登录"], summary="登录")
def api_login(body: LoginBody, request: Request, db: Session = DB):
    p = login(db, request, body.username, body.password)
    return {"username": p.username, "role": p.role, "role_label": p.role_label, "zones": sorted(p.zones),
            "csrf_token": csrf_token(request)}


@router.post("/auth/logout", tags=["登录"], summary="退出登录")
def api_logout(request: Request, db: Session = DB):
    logout(db, request)
    return {"detail": "已退出登录"}


@router.get("/auth/me", tags=["登录"], summary="当前用户")
def me(user: Principal = Depends(current_user)):
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "role_label": user.role_label, "zones": sorted(user.zones)}


# --- zones and observations ----------------------------------------------------------------------

@router.get("/zones", tags=["高新区"], summary="高新区名录（公开信息）")
def zones(format: str | None = None, db: Session = DB, user: Principal = Depends(current_user)):
    return table_response(zn.zones(db), format, "高新区名录", labels=zn.ZONE_LABELS)


@router.get("/zones/{zone_code}/observations", tags=["高新区"], summary="某高新区的指标数据")
def zone_observations(zone_code: str, indicator: str | None = None, year: int | None = None,
                      format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    df = zn.zone_observations(db, user, zone_code, indicator, year)
    return table_response(df, format, f"{zone_code}指标数据", demo=bool(df["is_demo"].any()) if len(df) else False,
                          labels=zn.OBS_LABELS)


class ObservationIn(BaseModel):
    indicator_code: str
    period: int
    value: float | None


@router.put("/zones/{zone_code}/observations", tags=["高新区"], summary="修改某高新区的一个指标值（记入审计日志）")
def put_zone_observation(body: ObservationIn, zone_code: str, user: Principal = Depends(current_user),
                         db: Session = DB):
    return zn.set_zone_observation(db, user, zone_code, body.indicator_code, body.period, body.value)


@router.get("/observations", tags=["高新区"], summary="指标数据查询（按权限过滤）")
def observations(unit_type: str | None = None, zone: str | None = None, indicator: str | None = None,
                 year: int | None = None, format: str | None = None, user: Principal = Depends(current_user),
                 db: Session = DB):
    df = zn.observations(db, user, unit_type, zone, indicator, year)
    return table_response(df, format, "指标数据", demo=bool(df["is_demo"].any()) if len(df) else False,
                          labels=zn.OBS_LABELS)


# --- imports and templates -----------------------------------------------------------------------

@router.get("/imports", tags=["数据管理"], summary="导入记录")
def imports(zone: str | None = None, format: str | None = None, user: Principal = Depends(current_user),
            db: Session = DB):
    if zone:
        require_read(user, zone)
    return table_response(im.import_history(db, user), format, "导入记录", labels=im.IMPORT_LABELS)


@router.post("/imports", tags=["数据管理"], summary="上传 Excel/CSV 导入（逐行校验，全部通过才写入）")
async def upload(file: UploadFile = File(...), user: Principal = Depends(writer_user), db: Session = DB,
                 accept_warnings: bool = Form(False, description="已核对提示的数值，确认导入（第一次上传返回 needs_confirmation 时再次提交）")):
    result = im.run_upload(db, user, file.filename or "upload.xlsx", await file.read(), accept_warnings=accept_warnings)
    return JSONResponse(result, status_code=200 if result["ok"] or result.get("needs_confirmation")
                        else 403 if result.get("forbidden") else 422)


@router.get("/templates", tags=["数据管理"], summary="可下载的导入模板")
def templates(user: Principal = Depends(current_user)):
    return {"templates": [{"kind": k, "label": v} for k, v in im.template_kinds().items()]}


@router.get("/templates/{kind}", tags=["数据管理"], summary="下载导入模板（xlsx）")
def template(kind: str, user: Principal = Depends(current_user)):
    content, name = im.template_bytes(kind)
    return attachment(content, name, XLSX)


# --- users (admin) --------------------------------------------------------------------------------

class UserIn(BaseModel):
    username: str
    password: str
    role: str
    display_name: str = ""
    zones: list[str] = []


class UserPatch(BaseModel):
    role: str | None = None
    zones: list[str] | None = None
    active: bool | None = None
    display_name: str | None = None


class PasswordIn(BaseModel):
    password: str


@router.get("/users", tags=["用户管理"], summary="用户列表（省级管理员）")
def users(format: str | None = None, admin: Principal = Depends(admin_user), db: Session = DB):
    df = pd.DataFrame(us.users(db, admin), columns=list(us.USER_LABELS) + ["role_label"])
    return table_response(df.assign(zones=df["zones"].map("、".join)).drop(columns=["role_label"]), format,
                          "用户列表", labels=us.USER_LABELS, xlsx_frame=lambda d: us.users_export(db, df))


@router.post("/users", tags=["用户管理"], summary="新增用户（省级管理员）")
def add_user(body: UserIn, admin: Principal = Depends(admin_user), db: Session = DB):
    u = us.add_user(db, admin, body.username, body.password, body.role, body.display_name, body.zones)
    return {"username": u.username, "role": u.role}


@router.patch("/users/{username}", tags=["用户管理"], summary="修改用户角色、园区或状态（省级管理员）")
def patch_user(username: str, body: UserPatch, admin: Principal = Depends(admin_user), db: Session = DB):
    u = us.change_user(db, admin, username, role=body.role, zones=body.zones, active=body.active,
                       display_name=body.display_name)
    return {"username": u.username, "role": u.role, "active": u.active}


@router.post("/users/{username}/password", tags=["用户管理"], summary="重置密码（省级管理员）")
def reset_password(username: str, body: PasswordIn, admin: Principal = Depends(admin_user), db: Session = DB):
    us.change_user(db, admin, username, password=body.password)
    return {"detail": "密码已重置"}


# --- audit log ------------------------------------------------------------------------------------

@router.get("/audit", tags=["审计日志"], summary="审计日志（谁、何时、改了什么、修改前后）")
def audit(zone: str | None = None, limit: int = Query(200, le=5000), format: str | None = None,
          user: Principal = Depends(current_user), db: Session = DB):
    return table_response(au.audit_log(db, user, zone, limit), format, "审计日志", labels=au.AUDIT_LABELS)

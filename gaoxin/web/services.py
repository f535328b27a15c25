"""Shell helpers shared by API and pages: queries returning frames, import runs, user login.

No policy is computed here; evaluation, targets, enterprises and matching are called through their
engine facades (gaoxin.web.engines)."""
from __future__ import annotations

import importlib
import tempfile
from pathlib import Path

import pandas as pd
from fastapi import HTTPException, Request
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.audit import record_change
from gaoxin.auth.roles import Principal
from gaoxin.auth.users import authenticate
from gaoxin.store.models import (AuditLog, Enterprise, ImportBatch, Indicator, Observation, Policy,
                                 TechDemand, TechResult, Zone)

ZONE_LABELS = {"code": "园区代码", "name": "园区名称", "short_name": "简称", "level": "级别",
               "city_code": "市州代码", "city_name": "所在市州", "approved_year": "批准年份"}
OBS_LABELS = {"unit_type": "单位类型", "unit_code": "单位代码", "indicator_code": "指标代码",
              "indicator_name": "指标名称", "period": "年份", "value": "数值", "is_demo": "示例数据"}
IMPORT_LABELS = {"id": "批次", "file_name": "文件名", "kind": "类型", "rows": "行数", "status": "状态",
                 "message": "说明", "username": "导入人", "created_at": "时间", "is_demo": "示例数据"}
USER_LABELS = {"username": "用户名", "display_name": "姓名", "role": "角色", "active": "启用",
               "zones": "所属高新区", "created_at": "创建时间"}
AUDIT_LABELS = {"at": "时间", "username": "操作人", "action": "操作", "entity": "对象", "entity_id": "对象标识",
                "zone_code": "园区", "before": "修改前", "after": "修改后"}
PROBLEM_LABELS = {"file": "文件", "sheet": "工作表", "row": "行", "column": "列", "value": "值",
                  "reason": "问题", "suggestion": "修改建议"}
ACTION_LABELS = {"create": "新增", "update": "修改", "delete": "删除", "import": "导入", "login": "登录",
                 "login_failed": "登录失败", "publish": "发布"}
ENTITY_LABELS = {"user": "用户", "user_password": "用户密码", "observation": "指标数据", "import_batch": "导入批次",
                 "session": "会话", "match_feedback": "匹配确认", "evaluation_run": "评价排名", "demo": "示例数据"}
STATUS_LABELS = {"loaded": "已导入", "rejected": "已拒绝", "unchanged": "未变化（重复文件）"}


# --- login ----------------------------------------------------------------------------------------

def login(db: Session, request: Request, username: str, password: str) -> Principal:
    """Web side of the login use case: a new server-side session id in the cookie and a new CSRF
    token. A failure is committed (throttle counter, audit row) before the error is raised."""
    from gaoxin.auth.sessions import ActiveSession
    from gaoxin.services import users as user_service
    from gaoxin.services.errors import Throttled, Unauthenticated
    client = request.client.host if request.client else None
    try:
        res = user_service.login(db, username, password, client, previous_token=request.session.get("sid"))
    except Throttled as exc:
        db.commit()
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)})
    except Unauthenticated as exc:
        db.commit()
        raise HTTPException(401, str(exc))
    request.session.clear()  # nothing of the anonymous session survives login
    request.session["sid"] = res.session_token
    request.state.active_session = ActiveSession(res.principal.username, res.csrf)
    return res.principal


def logout(db: Session, request: Request) -> None:
    from gaoxin.services import users as user_service
    user_service.logout(db, request.session.get("sid"))
    request.session.clear()
    request.state.active_session = None


# --- zones / observations ------------------------------------------------------------------------

def zones(db: Session) -> pd.DataFrame:
    from gaoxin.store.repo import zones_frame
    return zones_frame(db)


def require_zone_exists(db: Session, code: str) -> None:
    if db.scalar(select(Zone.code).where(Zone.code == code)) is None:
        raise HTTPException(404, f"高新区代码“{code}”不存在")


def observations(db: Session, unit_type: str | None, units: list[str] | None, indicator: str | None,
                 year: int | None) -> pd.DataFrame:
    from gaoxin.store.repo import observations_frame
    df = observations_frame(db, unit_type=unit_type, indicators=[indicator] if indicator else None,
                            years=[year] if year else None, units=units)
    return _with_indicator_names(db, df)


def _with_indicator_names(db: Session, df: pd.DataFrame) -> pd.DataFrame:
    names = dict(db.execute(select(Indicator.code, Indicator.name)).all())
    df = df.copy()
    df.insert(3, "indicator_name", df["indicator_code"].map(names))
    return df


def scoped_observations(db: Session, user: Principal, unit_type: str | None, zone: str | None,
                        indicator: str | None, year: int | None) -> pd.DataFrame:
    """Observations a user may read. A zone's private data = its zone rows and its enterprises' rows."""
    o = Observation
    stmt = select(o.unit_type, o.unit_code, o.indicator_code, o.period, o.value, o.is_demo)
    if unit_type:
        stmt = stmt.where(o.unit_type == unit_type)
    if indicator:
        stmt = stmt.where(o.indicator_code == indicator)
    if year:
        stmt = stmt.where(o.period == year)
    scope = [zone] if zone else (sorted(user.zones) if user.role == roles.ZONE_USER else None)
    if scope is not None:
        ent_in_scope = select(Enterprise.credit_code).where(Enterprise.zone_code.in_(scope))
        conds = [and_(o.unit_type == "zone", o.unit_code.in_(scope)),
                 and_(o.unit_type == "enterprise", o.unit_code.in_(ent_in_scope))]
        if not zone:  # not zone-private: province / city / county / department figures
            conds.append(o.unit_type.notin_(("zone", "enterprise")))
        stmt = stmt.where(or_(*conds))
    stmt = stmt.order_by(o.unit_type, o.unit_code, o.indicator_code, o.period).limit(50000)
    df = pd.DataFrame(db.execute(stmt).all(), columns=["unit_type", "unit_code", "indicator_code", "period",
                                                       "value", "is_demo"])
    return _with_indicator_names(db, df)


def set_observation(db: Session, user: Principal, unit_type: str, unit_code: str, indicator: str,
                    period: int, value: float | None, zone_code: str | None) -> dict:
    if db.get(Indicator, indicator) is None:
        raise HTTPException(400, f"指标代码“{indicator}”不存在")
    row = db.scalar(select(Observation).where(Observation.unit_type == unit_type, Observation.unit_code == unit_code,
                                              Observation.indicator_code == indicator, Observation.period == period))
    before = None if row is None else {"value": row.value, "is_demo": row.is_demo}
    if row is None:
        row = Observation(unit_type=unit_type, unit_code=unit_code, indicator_code=indicator, period=period)
        db.add(row)
    row.value = value
    row.is_demo = False  # a hand-entered value is real data
    row.source = f"网页录入：{user.username}"
    db.flush()
    record_change(db, user.username, "update" if before else "create", "observation",
                  f"{unit_type}:{unit_code}:{indicator}:{period}", zone_code, before,
                  {"value": value, "is_demo": False})
    return {"unit_type": unit_type, "unit_code": unit_code, "indicator_code": indicator, "period": period,
            "value": value, "before": before}


# --- imports ----------------------------------------------------------------------------------------

def import_history(db: Session, user: Principal, limit: int = 500) -> pd.DataFrame:
    b = ImportBatch
    stmt = select(b.id, b.file_name, b.kind, b.rows, b.status, b.message, b.username, b.created_at, b.is_demo)
    if user.role == roles.ZONE_USER:  # batches are not tied to one zone: a zone user sees its own uploads
        stmt = stmt.where(b.username == user.username)
    df = pd.DataFrame(db.execute(stmt.order_by(b.id.desc()).limit(limit)).all(), columns=list(IMPORT_LABELS))
    df["status"] = df["status"].map(lambda s: STATUS_LABELS.get(s, s))
    df["kind"] = df["kind"].map(lambda k: _kind_labels().get(k, k))
    df["created_at"] = beijing_time(df["created_at"])
    return df


def _ingest():
    try:
        return importlib.import_module("gaoxin.ingest.load")
    except ModuleNotFoundError:
        raise HTTPException(503, "数据导入模块尚未安装")


def _problems(report) -> list[dict]:
    out = []
    for p in getattr(report, "problems", []) or []:
        d = p if isinstance(p, dict) else {k: getattr(p, k, None) for k in PROBLEM_LABELS}
        out.append({k: (None if d.get(k) is None else str(d.get(k))) for k in PROBLEM_LABELS})
    return out


def run_import(db: Session, user: Principal, filename: str, content: bytes) -> dict:
    """Import one uploaded file through gaoxin.ingest (all-or-nothing) and return the row-level report.
    A zone user's file may only touch its own zones: a row of another zone makes the whole file fail,
    with the rows named, and nothing is written (gaoxin.ingest.authorise)."""
    load = _ingest()
    name = Path(filename).name or "upload.xlsx"
    if Path(name).suffix.lower() not in (".xlsx", ".xls", ".csv"):
        return {"ok": False, "file": name, "status": "rejected", "status_label": STATUS_LABELS["rejected"],
                "rows": 0, "batch_id": None,
                "problems": [{"file": name, "sheet": None, "row": None, "column": None,
                              "value": Path(name).suffix, "reason": "文件类型不支持，只能上传 .xlsx / .xls / .csv",
                              "suggestion": "请用平台提供的模板填写后上传"}]}
    with tempfile.TemporaryDirectory(prefix="gaoxin_up_") as tmp:
        path = Path(tmp) / ("upload" + Path(name).suffix.lower())
        path.write_bytes(content)
        # authorisation per row happens inside the import, before anything is written
        report = load.import_file(db, path, username=user.username, file_name=name, principal=user)
    d = report.to_dict()
    d["ok"] = bool(report.ok)
    from gaoxin.ingest.authorise import AccessProblem
    d["forbidden"] = any(isinstance(p, AccessProblem) for p in report.problems)
    d["problems"] = [{k: (None if p.get(k) is None else str(p.get(k))) for k in PROBLEM_LABELS}
                     for p in d["problems"]]
    return d


def template_kinds() -> dict[str, str]:
    try:
        t = importlib.import_module("gaoxin.ingest.templates")
    except ModuleNotFoundError:
        return {}
    from gaoxin.ingest.schema import KIND_LABELS, KINDS
    return {k: KIND_LABELS.get(k, k) for k in KINDS}


def template_bytes(kind: str) -> tuple[bytes, str]:
    kinds = template_kinds()
    if kind not in kinds:
        raise HTTPException(404, f"没有“{kind}”类型的模板，可选：{'、'.join(kinds) or '（导入模块尚未安装）'}")
    t = importlib.import_module("gaoxin.ingest.templates")
    with tempfile.TemporaryDirectory(prefix="gaoxin_tpl_") as tmp:
        path = Path(tmp) / f"{kind}.xlsx"
        t.write_template(kind, path)
        return path.read_bytes(), f"导入模板_{kinds[kind]}.xlsx"


# --- audit ------------------------------------------------------------------------------------------

def audit_frame(db: Session, user: Principal, zone: str | None, limit: int) -> pd.DataFrame:
    a = AuditLog
    stmt = select(a.at, a.username, a.action, a.entity, a.entity_id, a.zone_code, a.before, a.after)
    if zone:
        stmt = stmt.where(a.zone_code == zone)
    elif user.role == roles.ZONE_USER:  # own zones' changes and the user's own actions
        stmt = stmt.where(or_(a.zone_code.in_(sorted(user.zones)), a.username == user.username))
    df = pd.DataFrame(db.execute(stmt.order_by(a.id.desc()).limit(limit)).all(), columns=list(AUDIT_LABELS))
    import json
    df["at"] = beijing_time(df["at"])
    df["action"] = df["action"].map(lambda a: ACTION_LABELS.get(a, a))
    df["entity"] = df["entity"].map(lambda e: ENTITY_LABELS.get(e, e))
    for c in ("before", "after"):
        df[c] = df[c].map(lambda v: "" if v is None else json.dumps(v, ensure_ascii=False))
    return df


def _kind_labels() -> dict:
    try:
        from gaoxin.ingest.schema import KIND_LABELS
        return KIND_LABELS
    except ImportError:
        return {}


def beijing_time(col: pd.Series) -> pd.Series:
    """Stored UTC (SQLite returns naive UTC) → Beijing time text for tables and exports."""
    if col.empty:
        return col.astype(object)
    t = pd.to_datetime(col, utc=True)
    return t.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S")

"""Use cases of the audit log: who changed what, when, before and after."""
from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.display import is_missing  # None, or the NaN pandas puts in its place
from gaoxin.services.frames import beijing_time
from gaoxin.services.scope import require_read

AUDIT_LABELS = {"at": "时间", "username": "操作人", "action": "操作", "entity": "对象", "entity_id": "对象标识",
                "zone_code": "园区", "before": "修改前", "after": "修改后"}
ACTION_LABELS = {"create": "新增", "update": "修改", "delete": "删除", "import": "导入", "login": "登录",
                 "login_failed": "登录失败", "publish": "发布"}
ENTITY_LABELS = {"user": "用户", "user_password": "用户密码", "observation": "指标数据", "import_batch": "导入批次",
                 "session": "会话", "match_feedback": "匹配确认", "evaluation_run": "评价排名", "demo": "示例数据"}


def audit_log(db: Session, user: Principal, zone: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The newest changes this user may see: a zone's, or (zone user) its zones' and its own."""
    from gaoxin.store.models import AuditLog as a
    stmt = select(a.at, a.username, a.action, a.entity, a.entity_id, a.zone_code, a.before, a.after)
    if zone:
        require_read(user, zone)
        stmt = stmt.where(a.zone_code == zone)
    elif user.role == roles.ZONE_USER:  # own zones' changes and the user's own actions
        stmt = stmt.where(or_(a.zone_code.in_(sorted(user.zones)), a.username == user.username))
    df = pd.DataFrame(db.execute(stmt.order_by(a.id.desc()).limit(limit)).all(), columns=list(AUDIT_LABELS))
    from gaoxin.services.zones import zone_names
    names = zone_names(db, short=True)
    df["at"] = beijing_time(df["at"])
    df["action"] = df["action"].map(lambda x: ACTION_LABELS.get(x, x))
    df["entity"] = df["entity"].map(lambda e: ENTITY_LABELS.get(e, e))
    df["zone_code"] = df["zone_code"].map(lambda z: "" if is_missing(z) else names.get(z, z))
    df["entity_id"] = df["entity_id"].map(lambda v: _named(v, names))
    for c in ("before", "after"):
        df[c] = df[c].map(lambda v: _readable(v, names))
    return df


FIELD_LABELS = {"value": "数值", "is_demo": "示例数据", "username": "用户名", "role": "角色", "zones": "所属高新区",
                "active": "启用", "display_name": "姓名", "framework": "指标体系", "year": "年度", "units": "园区数",
                "demand_code": "需求编号", "result_code": "成果编号", "verdict": "结论", "note": "备注",
                "client": "客户端地址", "file_name": "文件名", "rows": "行数", "kind": "类型", "status": "状态"}
VALUE_LABELS = {True: "是", False: "否", None: "（空）", "accept": "确认匹配", "reject": "否决匹配"}


def _named(text, names: dict) -> str:
    """Zone codes inside a text (an entity id such as zone:HN-N-CHANGSHA:…) replaced by zone names."""
    if is_missing(text):
        return ""
    return ":".join(names.get(part, part) for part in str(text).split(":"))


def _readable(v, names: dict) -> str:
    """A before / after record as 字段：值；… in Chinese (zone codes as names, roles by name)."""
    from gaoxin.auth.roles import ROLE_LABELS
    if is_missing(v):
        return ""
    if not isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v

    def one(key, x):
        if isinstance(x, list):
            return "、".join(one(key, i) for i in x) or "（无）"
        if key == "role":
            return ROLE_LABELS.get(x, x)
        if isinstance(x, (bool, type(None))) or x in ("accept", "reject"):
            return VALUE_LABELS[x]
        return names.get(x, str(x)) if isinstance(x, str) else str(x)
    return "；".join(f"{FIELD_LABELS.get(k, k)}：{one(k, x)}" for k, x in v.items())

"""gaoxin.services.users, .audit and .db on values a reader can check: the demo users `gaoxin demo
--demo-users` creates (names, roles, the zone named in the label, the one-time password that logs in),
the user list as the Excel export shows it, the audit log in Chinese (actions, objects, before / after,
a zone user's view), and the Chinese message of a database failure."""
from __future__ import annotations

import logging

import pandas as pd
import pytest
from sqlalchemy import text, update

from gaoxin.auth.roles import Principal
from gaoxin.services import audit as au
from gaoxin.services import users as us
from gaoxin.services.db import init_database, session_scope
from gaoxin.services.errors import Forbidden, Unavailable
from gaoxin.services.scope import CONSOLE


def _login(s, name, password):
    from gaoxin.auth.users import authenticate
    return authenticate(s, name, password)


def test_demo_users_one_zone_user_of_changsha_and_one_reader(db_url):
    with session_scope(db_url) as s:
        made = us.create_demo_users(s)
    assert [(n, label) for n, _, label in made] == [("demo_zone", "高新区用户（长沙高新技术产业开发区）"),
                                                   ("demo_viewer", "只读")]
    pw = {n: p for n, p, _ in made}
    assert all(len(p) == 16 for p in pw.values())  # token_urlsafe(12): 12 random bytes, 16 characters
    assert pw["demo_zone"] != pw["demo_viewer"]
    with session_scope(db_url) as s:
        zone = _login(s, "demo_zone", pw["demo_zone"])
        viewer = _login(s, "demo_viewer", pw["demo_viewer"])
        assert (zone.role, zone.zones, zone.display_name) == ("zone_user", frozenset({"HN-N-CHANGSHA"}), "示例高新区用户")
        assert (viewer.role, viewer.zones, viewer.display_name) == ("readonly", frozenset(), "示例只读用户")
        again = us.create_demo_users(s)  # existing users are left alone, passwords unchanged
    assert again == []
    with session_scope(db_url) as s:
        assert _login(s, "demo_zone", pw["demo_zone"]) is not None
        # the audit log names the system as the creator
        assert [(who, entity, eid) for who, entity, eid, _ in _audit(s, "create")] == \
            [("system", "user", "demo_zone"), ("system", "user", "demo_viewer")]


def test_demo_zone_user_falls_back_to_the_first_national_zone(sqlite_db_url):
    from gaoxin.store.models import Zone
    with session_scope(sqlite_db_url) as s:
        s.execute(update(Zone).where(Zone.code == "HN-N-CHANGSHA").values(name="星沙某园区"))
    with session_scope(sqlite_db_url) as s:
        made = us.create_demo_users(s)
        # 国家级 zones by code: HN-N-CHANGDE (常德) comes first
        assert made[0][0] == "demo_zone" and made[0][2] == "高新区用户（常德高新技术产业开发区）"
        assert _login(s, "demo_zone", made[0][1]).zones == frozenset({"HN-N-CHANGDE"})


def test_no_demo_zone_user_without_a_zone_to_give(sqlite_db_url):
    from gaoxin.store.models import Zone
    with session_scope(sqlite_db_url) as s:
        s.execute(update(Zone).values(level="省级"))
        s.execute(update(Zone).where(Zone.code == "HN-N-CHANGSHA").values(name="星沙某园区"))
    with session_scope(sqlite_db_url) as s:
        made = us.create_demo_users(s)
    assert [(n, label) for n, _, label in made] == [("demo_viewer", "只读")]


def test_user_export_shows_role_and_zones_by_name(sqlite_db_url):
    df = pd.DataFrame({"username": ["zhang", "li"], "role": ["zone_user", "readonly"],
                       "role_label": ["高新区用户", "只读"],
                       "zones": [["HN-N-CHANGSHA", "HN-N-CHANGDE", "X-GONE"], []]})
    with session_scope(sqlite_db_url) as s:
        out = us.users_export(s, df)
    assert out.to_dict("records") == [
        {"username": "zhang", "role": "高新区用户", "zones": "长沙高新区、常德高新区、X-GONE"},
        {"username": "li", "role": "只读", "zones": ""}]


def _changes(url):
    """Hand-made history: the console creates 张三 (长沙高新区) and then makes him a disabled reader."""
    with session_scope(url) as s:
        us.add_user(s, CONSOLE, "zhang", "password123", "zone_user", "张三", ["HN-N-CHANGSHA"])
        us.change_user(s, CONSOLE, "zhang", role="readonly", zones=[], active=False)


CREATE = {"username": "cli", "action": "新增", "entity": "用户", "entity_id": "zhang", "zone_code": "长沙高新区",
          "before": "", "after": "用户名：zhang；姓名：张三；角色：高新区用户；启用：是；所属高新区：长沙高新区"}
UPDATE = {"username": "cli", "action": "修改", "entity": "用户", "entity_id": "zhang",
          "before": "用户名：zhang；姓名：张三；角色：高新区用户；启用：是；所属高新区：长沙高新区",
          "after": "用户名：zhang；姓名：张三；角色：只读；启用：否；所属高新区：（无）"}


def test_audit_log_in_chinese_newest_first(db_url):
    _changes(db_url)
    with session_scope(db_url) as s:
        df = au.audit_log(s, CONSOLE)
        rows = us.users(s, CONSOLE)
        with pytest.raises(Forbidden) as e:
            us.users(s, Principal("v", "readonly"))
    assert [(r["username"], r["role"], r["role_label"], r["zones"], r["active"]) for r in rows] == \
        [("zhang", "readonly", "只读", [], False)]
    assert str(e.value) == "此操作仅限省级管理员"
    assert list(df.columns) == list(au.AUDIT_LABELS)
    rows = df.drop(columns=["at", "zone_code"]).to_dict("records")
    assert rows == [{k: v for k, v in UPDATE.items()},
                    {k: v for k, v in CREATE.items() if k != "zone_code"}]
    assert df["zone_code"].iloc[1] == "长沙高新区"
    assert all(len(a) == 19 and a[4] == "-" and a[13] == ":" for a in df["at"])  # 2026-12-03 17:50:12


def test_audit_log_of_one_zone_and_of_a_zone_user(sqlite_db_url):
    """A zone's changes; a zone user sees its zones' changes and its own actions (here a failed login
    under its name, with the client address), never another zone's."""
    _changes(sqlite_db_url)
    with session_scope(sqlite_db_url) as s:
        us.add_user(s, CONSOLE, "wang", "password123", "zone_user", "王五", ["HN-N-CHANGDE"])
    with session_scope(sqlite_db_url) as s:
        with pytest.raises(Exception):
            us.login(s, "wang", "wrong-password", client="10.0.0.7")
    cs_user = Principal("zhou", "zone_user", zones=frozenset({"HN-N-CHANGSHA"}))
    wang = Principal("wang", "zone_user", zones=frozenset({"HN-N-CHANGDE"}))
    with session_scope(sqlite_db_url) as s:
        of_zone = au.audit_log(s, CONSOLE, zone="HN-N-CHANGSHA").drop(columns=["at"]).to_dict("records")
        mine = au.audit_log(s, cs_user).drop(columns=["at"]).to_dict("records")
        wangs = au.audit_log(s, wang)[["username", "action", "entity", "entity_id", "after"]].to_dict("records")
        limited = au.audit_log(s, CONSOLE, limit=1)
        with pytest.raises(Forbidden):
            au.audit_log(s, wang, zone="HN-N-CHANGSHA")
    assert of_zone == [CREATE] and mine == [CREATE]
    assert [r for r in wangs if r["action"] != "登录失败"] == [
        {"username": "cli", "action": "新增", "entity": "用户", "entity_id": "wang",
         "after": "用户名：wang；姓名：王五；角色：高新区用户；启用：是；所属高新区：常德高新区"}]
    assert [(r["username"], r["entity"], r["after"]) for r in wangs if r["action"] == "登录失败"] == \
        [("wang", "会话", "客户端地址：10.0.0.7")]
    assert limited["action"].tolist() == ["登录失败"]


def test_audit_row_without_entity_id_or_zone_shows_blank(sqlite_db_url):
    _changes(sqlite_db_url)  # rows with an entity id and a zone beside the one without
    with session_scope(sqlite_db_url) as s:
        with pytest.raises(Exception):
            us.login(s, "nobody", "x", client="1.2.3.4")
    with session_scope(sqlite_db_url) as s:
        df = au.audit_log(s, CONSOLE)
    failed = df.iloc[0].to_dict()
    assert (failed["action"], failed["entity_id"], failed["zone_code"]) == ("登录失败", "", "")


def test_readable_before_after_values():
    names = {"HN-N-CHANGSHA": "长沙高新区"}
    assert au._readable(None, names) == ""
    assert au._readable("原文", names) == "原文"
    assert au._readable(3, names) == "3"
    assert au._readable([1, "甲"], names) == '[1, "甲"]'  # JSON that keeps the Chinese readable
    assert au._readable({"verdict": "accept", "note": None, "rows": 12, "zones": [], "role": "province_admin",
                         "value": "HN-N-CHANGSHA", "other": True}, names) == \
        "结论：确认匹配；备注：（空）；行数：12；所属高新区：（无）；角色：省级管理员；数值：长沙高新区；other：是"
    assert au._readable({"verdict": "reject", "role": "mystery", "file_name": "a.csv",
                         "zones": ["HN-N-CHANGSHA", "X-GONE"], "active": False}, names) == \
        "结论：否决匹配；角色：mystery；文件名：a.csv；所属高新区：长沙高新区、X-GONE；启用：否"
    assert au._named("zone:HN-N-CHANGSHA:2024", names) == "zone:长沙高新区:2024"
    assert au._named(None, names) == ""


def test_database_failure_message(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'missing' / 'gaoxin.db'}"  # the folder does not exist
    want = "无法连接或写入数据库（unable to open database file）。请检查 GAOXIN_DATABASE_URL，或先运行 gaoxin init。"
    with caplog.at_level(logging.ERROR, logger="gaoxin.services"):
        with pytest.raises(Unavailable) as e:
            with session_scope(url) as s:
                s.execute(text("select 1"))
        assert str(e.value) == want
        with pytest.raises(Unavailable) as e:
            init_database(url)
        assert str(e.value) == want
    assert [r.getMessage() for r in caplog.records if r.name == "gaoxin.services"] == \
        ["数据库访问失败：unable to open database file"] * 2
    from gaoxin.store.db import dispose_engines
    dispose_engines()


def test_database_error_without_driver_error_gives_its_first_line(tmp_path):
    from sqlalchemy.exc import SQLAlchemyError

    from gaoxin.store.db import dispose_engines
    with pytest.raises(Unavailable) as e:
        with session_scope(f"sqlite:///{tmp_path / 'gaoxin.db'}"):
            raise SQLAlchemyError("第一行\n第二行")
    dispose_engines()
    assert str(e.value) == "无法连接或写入数据库（第一行）。请检查 GAOXIN_DATABASE_URL，或先运行 gaoxin init。"


def _audit(s, action):
    from sqlalchemy import select

    from gaoxin.store.models import AuditLog as a
    return [tuple(r) for r in s.execute(select(a.username, a.entity, a.entity_id, a.after)
                                         .where(a.action == action).order_by(a.id))]


def _sessions(s, name):
    from sqlalchemy import func, select

    from gaoxin.store.models import UserSession
    return s.scalar(select(func.count()).select_from(UserSession).where(UserSession.username == name))


def test_login_logout_and_the_audit_of_failures(sqlite_db_url):
    from gaoxin.services.errors import Unauthenticated
    with session_scope(sqlite_db_url) as s:
        us.add_user(s, CONSOLE, "zhang", "password123", "readonly", "张三")
    with session_scope(sqlite_db_url) as s:
        first = us.login(s, " zhang ", "password123", client="10.0.0.1")
        second = us.login(s, "zhang", "password123")              # a second browser: two sessions
        assert _sessions(s, "zhang") == 2
        third = us.login(s, "zhang", "password123", previous_token=second.session_token)  # replaces its own
        assert _sessions(s, "zhang") == 2
        us.logout(s, first.session_token)
        us.logout(s, None)
        assert _sessions(s, "zhang") == 1
    assert (first.principal.username, first.principal.role, first.principal.display_name) == ("zhang", "readonly", "张三")
    assert len({first.session_token, second.session_token, third.session_token}) == 3 and first.csrf
    for name, password, client in (("x" * 70, "bad", "10.0.0.9"), ("zhang", "wrong-password", None), ("   ", "x", None)):
        with session_scope(sqlite_db_url) as s:
            with pytest.raises(Unauthenticated) as e:
                us.login(s, name, password, client)
        assert str(e.value) == "用户名或密码错误"
    with session_scope(sqlite_db_url) as s:
        assert _audit(s, "login") == [("zhang", "session", "zhang", None)] * 3
        assert _audit(s, "login_failed") == [("x" * 64, "session", None, {"client": "10.0.0.9"}),
                                             ("zhang", "session", None, None), (None, "session", None, None)]
        # the failure is counted for the account and for the address; success clears the account only
        from gaoxin.store.models import LoginThrottle
        assert {r.key: r.failures for r in s.query(LoginThrottle)} == \
            {"user:" + "x" * 64: 1, "addr:10.0.0.9": 1, "user:zhang": 1, "user:": 1}
        us.login(s, "zhang", "password123")
        assert "user:zhang" not in {r.key for r in s.query(LoginThrottle)}
        assert us.unlock(s, None, "10.0.0.9", "cli") == 1 and us.unlock(s, "nobody", None, "cli") == 0


def test_a_locked_account_is_refused_with_the_wait(sqlite_db_url):
    from datetime import datetime, timedelta, timezone

    from gaoxin.services.errors import Throttled
    from gaoxin.store.models import LoginThrottle
    with session_scope(sqlite_db_url) as s:
        us.add_user(s, CONSOLE, "zhang", "password123", "readonly", "张三")
        now = datetime.now(timezone.utc)
        s.add(LoginThrottle(key="user:zhang", failures=20, last_failure=now, locked_until=now + timedelta(minutes=10)))
    with session_scope(sqlite_db_url) as s:
        with pytest.raises(Throttled) as e:
            us.login(s, "zhang", "password123")  # even the right password waits
    assert str(e.value) == "该账号登录失败次数过多，已被锁定，请 10 分钟 后再试或联系省级管理员解锁"
    assert 540 < e.value.retry_after <= 601
    with session_scope(sqlite_db_url) as s:
        assert us.unlock(s, "zhang", None, "cli") == 1
        assert us.login(s, "zhang", "password123").principal.username == "zhang"


def test_add_and_change_user_refusals_and_changes(sqlite_db_url):
    from gaoxin.services.errors import ServiceError
    with session_scope(sqlite_db_url) as s:
        u = us.add_user(s, CONSOLE, "zhang", "password123", "zone_user", "张三", ["HN-N-CHANGSHA"])
        assert (u.username, u.display_name, u.role) == ("zhang", "张三", "zone_user")
        for args, msg in ((("zhang", "password123", "readonly"), "用户“zhang”已存在"),
                          (("li", "short", "readonly"), "密码至少 8 位")):
            with pytest.raises(ServiceError) as e:
                us.add_user(s, CONSOLE, *args)
            assert str(e.value) == msg
        with pytest.raises(Forbidden):
            us.add_user(s, Principal("v", "readonly"), "li", "password123", "readonly")
        with pytest.raises(Forbidden):
            us.change_user(s, Principal("v", "readonly"), "zhang", active=False)
        with pytest.raises(ServiceError) as e:
            us.change_user(s, CONSOLE, "nobody", active=False)
        assert str(e.value) == "用户“nobody”不存在"
        with pytest.raises(ServiceError) as e:
            us.change_user(s, CONSOLE, "zhang", password="short")
        assert str(e.value) == "密码至少 8 位"
        assert us.change_user(s, CONSOLE, "zhang", password="newpassword1") is None  # only the password
        changed = us.change_user(s, CONSOLE, "zhang", display_name="张三丰")
        assert changed.display_name == "张三丰" and changed.role == "zone_user"
        assert us.change_user(s, CONSOLE, "zhang", active=False, password="another-pass1").active is False
    with session_scope(sqlite_db_url) as s:
        snap = {"username": "zhang", "display_name": "张三丰", "role": "zone_user", "zones": ["HN-N-CHANGSHA"]}
        assert _audit(s, "update") == [
            ("cli", "user_password", "zhang", {"password": "（已修改）"}),
            ("cli", "user", "zhang", {**snap, "active": True}),
            ("cli", "user", "zhang", {**snap, "active": False}),
            ("cli", "user_password", "zhang", {"password": "（已修改）"})]

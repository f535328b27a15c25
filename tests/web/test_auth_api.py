"""Auth, CSRF, sessions, audit and the core API on both backends."""
from __future__ import annotations

import io
import time

import pandas as pd
import pytest
from sqlalchemy import select

from gaoxin.auth.passwords import hash_password, verify_password
from gaoxin.auth.roles import Principal, can_read_zone, can_write_zone
from tests.web.conftest import PASSWORD, build_world, obs_xlsx


def test_password_hash_roundtrip_and_salt():
    h1, h2 = hash_password("秘密-123abc"), hash_password("秘密-123abc")
    assert h1 != h2 and h1.startswith("scrypt$")  # salted
    assert verify_password("秘密-123abc", h1) and verify_password("秘密-123abc", h2)
    assert not verify_password("秘密-123abd", h1)
    assert not verify_password("x", "garbage") and not verify_password("x", "md5$1$2$3$4$5")


def test_role_rules_table():
    admin = Principal("a", "province_admin")
    zone = Principal("z", "zone_user", zones=frozenset({"Z1"}))
    ro = Principal("r", "readonly")
    assert can_read_zone(admin, "Z2") and can_write_zone(admin, "Z2") and can_write_zone(admin, None)
    assert can_read_zone(zone, "Z1") and can_write_zone(zone, "Z1")
    assert not can_read_zone(zone, "Z2") and not can_write_zone(zone, "Z2")
    assert can_read_zone(zone, None) and not can_write_zone(zone, None)  # province data: read, not write
    assert can_read_zone(ro, "Z2") and not can_write_zone(ro, "Z2") and not can_write_zone(ro, None)


def test_login_wrong_password_and_audit(world):
    c = world.client(None)
    r = c.post("/api/auth/login", json={"username": "admin", "password": "wrong-pass"})
    assert r.status_code == 401 and r.json()["detail"] == "用户名或密码错误"
    assert c.get("/api/auth/me").status_code == 401
    c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    me = c.get("/api/auth/me").json()
    assert me["role"] == "province_admin" and me["role_label"] == "省级管理员"
    actions = [(r["action"], r["username"]) for r in c.get("/api/audit").json()["rows"]]
    assert ("登录", "admin") in actions and ("登录失败", "admin") in actions


def test_csrf_required_for_changes(world):
    c = world.client("admin")
    del c.headers["X-CSRF-Token"]
    r = c.put(f"/api/zones/{world.zone_a}/observations", json={"indicator_code": world.indicator, "period": 2023, "value": 5})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = c.put(f"/api/zones/{world.zone_a}/observations", headers={"X-CSRF-Token": "forged"},
              json={"indicator_code": world.indicator, "period": 2023, "value": 5})
    assert r.status_code == 403
    # pages: a form post without the token is refused too
    assert c.post("/logout", data={}).status_code == 403


def test_change_is_audited_with_before_and_after(world):
    c = world.client("zone_a")
    r = c.put(f"/api/zones/{world.zone_a}/observations", json={"indicator_code": world.indicator, "period": 2023, "value": 7.5})
    assert r.status_code == 200, r.text
    assert r.json()["before"]["value"] == 1.0
    rows = world.client("admin").get(f"/api/audit?zone={world.zone_a}").json()["rows"]
    upd = [x for x in rows if x["entity"] == "指标数据"][0]
    assert upd["username"] == "zone_a" and upd["action"] == "修改"
    # before and after in Chinese: build_world stored 1.0 for zone A; the hand-entered value is real data
    assert (upd["before"], upd["after"]) == ("数值：1.0；示例数据：否", "数值：7.5；示例数据：否")
    assert "HN-" not in upd["zone_code"] and upd["zone_code"]  # the zone by name, not by code
    got = c.get(f"/api/zones/{world.zone_a}/observations?year=2023").json()["rows"]
    assert [x["value"] for x in got if x["indicator_code"] == world.indicator] == [7.5]


def test_user_management_by_admin(world):
    c = world.client("admin")
    r = c.post("/api/users", json={"username": "u2", "password": "short", "role": "readonly"})
    assert r.status_code == 400 and "8" in r.json()["detail"]
    r = c.post("/api/users", json={"username": "u2", "password": "long-enough-1", "role": "zone_user"})
    assert r.status_code == 400 and "高新区" in r.json()["detail"]
    r = c.post("/api/users", json={"username": "u2", "password": "long-enough-1", "role": "zone_user", "zones": ["NOPE"]})
    assert r.status_code == 400 and "NOPE" in r.json()["detail"]
    r = c.post("/api/users", json={"username": "u2", "password": "long-enough-1", "role": "zone_user",
                                   "zones": [world.zone_b]})
    assert (r.status_code, r.json()) == (200, {"username": "u2", "role": "zone_user"})
    u2 = world.client(None)
    u2.post("/api/auth/login", json={"username": "u2", "password": "long-enough-1"})
    obs = u2.get(f"/api/zones/{world.zone_b}/observations").json()["rows"]
    # build_world stored one value for zone B: 2.0 in 2023
    assert [(o["unit_code"], o["period"], o["value"]) for o in obs] == [(world.zone_b, 2023, 2.0)]
    r = u2.get(f"/api/zones/{world.zone_a}/observations")
    assert r.status_code == 403 and "本园区" in r.json()["detail"]
    # deactivate: the open session stops working at once
    r = c.patch("/api/users/u2", json={"active": False})
    assert r.json() == {"username": "u2", "role": "zone_user", "active": False}
    assert u2.get("/api/auth/me").status_code == 401
    names = [r["username"] for r in c.get("/api/users").json()["rows"]]
    assert names == ["admin", "zone_a", "zone_b", "viewer", "u2"]
    assert c.get("/api/users?format=xlsx").headers["content-type"].startswith("application/vnd.openxml")


def test_session_expires(sqlite_db_url, monkeypatch):
    w = build_world(sqlite_db_url)
    c = w.client("admin")
    assert c.get("/api/auth/me").json()["role_label"] == "省级管理员"
    monkeypatch.setenv("GAOXIN_SESSION_MAX_AGE", "1")  # the server-side session's absolute lifetime
    time.sleep(2.1)
    assert c.get("/api/auth/me").status_code == 401


def test_upload_good_and_bad_files(world):
    c = world.client("zone_a")
    good = c.post("/api/imports", files={"file": ("本园区.xlsx", obs_xlsx(world.zone_a, world.indicator, 2024, 3.25), "application/octet-stream")})
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["ok"] and body["status"] == "loaded" and body["problems"] == []
    got = c.get(f"/api/zones/{world.zone_a}/observations?year=2024").json()["rows"]
    assert [x["value"] for x in got] == [3.25]
    bad_df = pd.DataFrame({"单位类型": ["高新区", "高新区"], "单位代码": [world.zone_a, world.zone_a],
                           "指标代码": [world.indicator, "NO_SUCH_IND"], "年份": [2022, 2022], "数值": ["abc", 1]})
    buf = io.BytesIO()
    bad_df.to_excel(buf, index=False, sheet_name="指标数据")
    bad = c.post("/api/imports", files={"file": ("有错.xlsx", buf.getvalue(), "application/octet-stream")})
    assert bad.status_code == 422
    probs = bad.json()["problems"]
    assert len(probs) >= 2 and all(p["file"] == "有错.xlsx" and p["sheet"] == "指标数据" for p in probs)
    assert {p["row"] for p in probs} >= {"2", "3"} or {p["row"] for p in probs} >= {2, 3}
    # nothing of the bad file was written (all-or-nothing)
    assert c.get(f"/api/zones/{world.zone_a}/observations?year=2022").json()["rows"] == []
    hist = c.get("/api/imports").json()["rows"]
    assert [h["status"] for h in hist][:2] == ["已拒绝", "已导入"]
    # unsupported type
    r = c.post("/api/imports", files={"file": ("a.txt", b"x", "text/plain")})
    assert r.status_code == 422 and "不支持" in r.json()["problems"][0]["reason"]


def test_zone_list_and_excel_export(world):
    c = world.client("viewer")
    z = c.get("/api/zones").json()
    assert z["labels"]["name"] == "园区名称" and len(z["rows"]) >= 2
    x = c.get("/api/zones?format=xlsx")
    assert x.status_code == 200 and "filename*=UTF-8''" in x.headers["content-disposition"]
    df = pd.read_excel(io.BytesIO(x.content), header=1)
    assert "园区名称" in df.columns and len(df) == len(z["rows"])
    assert c.get("/api/zones?format=pdf").status_code == 400


def test_unexpected_error_gives_chinese_message(sqlite_world, monkeypatch):
    from fastapi.testclient import TestClient
    from gaoxin.services import overview
    monkeypatch.setattr(overview, "overview", lambda *a, **k: 1 / 0)
    c = TestClient(sqlite_world.app, raise_server_exceptions=False)
    c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
    c.post("/api/auth/login", json={"username": "admin", "password": "test-pass-123"})
    r = c.get("/api/overview")
    assert r.status_code == 500 and "服务器内部错误" in r.json()["detail"] and "Traceback" not in r.text
    assert c.get("/api/zones/NOPE/observations").status_code == 404
    page = c.get("/evaluation/zones/NOPE")
    assert page.status_code == 404 and "不存在" in page.text and "<html" in page.text

"""Role isolation through every route: a zone user reading or writing another zone's private data
gets 403. Every route of the app must appear in REGISTRY, so a new route cannot slip through."""
from __future__ import annotations

import pytest
from fastapi import routing

from tests.web.conftest import World, obs_xlsx

# (method, path) -> how a request aimed at zone B (not the zone user's) looks, or why the route is
# not zone-private. Builders take the World and return (method, url, kwargs).
OTHER_ZONE = "other_zone"   # must answer 403 to zone user A
ADMIN_ONLY = "admin_only"   # must answer 403 to any non-admin
REPORT = "report"           # province-wide documents: 403 to zone users
SHARED = "shared"           # not zone-private (reason given); checked to answer < 500 and not leak B

REGISTRY = {
    ("GET", "/api/health"): (SHARED, "系统健康检查", lambda w: ("GET", "/api/health", {})),
    ("GET", "/api/auth/csrf"): (SHARED, "CSRF 令牌", lambda w: ("GET", "/api/auth/csrf", {})),
    ("POST", "/api/auth/login"): (SHARED, "登录", lambda w: ("POST", "/api/auth/login", {"json": {"username": "x", "password": "y"}})),
    ("POST", "/api/auth/logout"): (SHARED, "退出", None),
    ("GET", "/api/auth/me"): (SHARED, "本人信息", lambda w: ("GET", "/api/auth/me", {})),
    ("GET", "/api/zones"): (SHARED, "园区名录是公开信息", lambda w: ("GET", "/api/zones", {})),
    ("GET", "/api/zones/{zone_code}/observations"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/zones/{w.zone_b}/observations", {})),
    ("PUT", "/api/zones/{zone_code}/observations"): (OTHER_ZONE, "", lambda w: ("PUT", f"/api/zones/{w.zone_b}/observations", {"json": {"indicator_code": w.indicator, "period": 2023, "value": 99.0}})),
    ("GET", "/api/observations"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/observations?zone={w.zone_b}", {})),
    ("GET", "/api/imports"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/imports?zone={w.zone_b}", {})),
    ("POST", "/api/imports"): (OTHER_ZONE, "", lambda w: ("POST", "/api/imports", {"files": {"file": ("b.xlsx", obs_xlsx(w.zone_b, w.indicator), "application/octet-stream")}})),
    ("GET", "/api/templates"): (SHARED, "模板目录", lambda w: ("GET", "/api/templates", {})),
    ("GET", "/api/templates/{kind}"): (SHARED, "空白模板", None),
    ("GET", "/api/users"): (ADMIN_ONLY, "", lambda w: ("GET", "/api/users", {})),
    ("POST", "/api/users"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/users", {"json": {"username": "evil", "password": "12345678x", "role": "zone_user", "zones": [w.zone_b]}})),
    ("PATCH", "/api/users/{username}"): (ADMIN_ONLY, "", lambda w: ("PATCH", "/api/users/zone_a", {"json": {"zones": [w.zone_b]}})),
    ("POST", "/api/users/{username}/password"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/users/admin/password", {"json": {"password": "hijacked-123"}})),
    ("GET", "/api/audit"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/audit?zone={w.zone_b}", {})),
    ("GET", "/api/map/hunan.geojson"): (SHARED, "地图边界", lambda w: ("GET", "/api/map/hunan.geojson", {})),
    ("GET", "/api/overview"): (SHARED, "总览只含公开名录和已发布得分", lambda w: ("GET", "/api/overview", {})),
    ("GET", "/api/evaluation/ranking"): (OTHER_ZONE, "未发布的排名", lambda w: ("GET", "/api/evaluation/ranking?year=2023", {})),
    ("GET", "/api/evaluation/zones/{zone_code}"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/evaluation/zones/{w.zone_b}", {})),
    ("POST", "/api/evaluation/publish"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/evaluation/publish?year=2023", {})),
    ("GET", "/api/evaluation/runs"): (SHARED, "高新区用户只列出已发布的", lambda w: ("GET", "/api/evaluation/runs", {})),
    ("GET", "/api/targets"): (SHARED, "规划目标来自公开文件；园区级目标按权限过滤", lambda w: ("GET", "/api/targets", {})),
    ("GET", "/api/targets/warnings"): (SHARED, "同上", lambda w: ("GET", "/api/targets/warnings", {})),
    ("GET", "/api/targets/{target_id}"): (SHARED, "同上（园区级目标按权限过滤）", None),
    ("GET", "/api/enterprises"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/enterprises?zone={w.zone_b}", {})),
    ("GET", "/api/enterprises/{credit_code}"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/enterprises/{w.ent_b}", {})),
    ("GET", "/api/zones/{zone_code}/ladder"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/zones/{w.zone_b}/ladder", {})),
    ("GET", "/api/zones/{zone_code}/pool"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/zones/{w.zone_b}/pool", {})),
    ("GET", "/api/zones/{zone_code}/subsidies"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/zones/{w.zone_b}/subsidies", {})),
    ("GET", "/api/match/status"): (SHARED, "对接索引进度（只有条数和时间，不含园区数据）", lambda w: ("GET", "/api/match/status", {})),
    ("GET", "/api/matching/results"): (SHARED, "高校成果库是公开信息", None),
    ("GET", "/api/matching/demands"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/matching/demands?zone={w.zone_b}", {})),
    ("GET", "/api/matching/demands/{code}/matches"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/matching/demands/{w.demand_b}/matches", {})),
    ("POST", "/api/matching/feedback"): (OTHER_ZONE, "", lambda w: ("POST", "/api/matching/feedback", {"json": {"demand_code": w.demand_b, "result_code": "R1", "verdict": "accept"}})),
    ("GET", "/api/matching/roadshows"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/matching/roadshows?zone={w.zone_b}", {})),
    ("GET", "/api/reports/zone-evaluation"): (REPORT, "", lambda w: ("GET", "/api/reports/zone-evaluation?year=2023", {})),
    ("GET", "/api/reports/circular"): (REPORT, "", lambda w: ("GET", "/api/reports/circular?as_of=2023", {})),
    # pages
    ("GET", "/login"): (SHARED, "登录页", lambda w: ("GET", "/login", {})),
    ("POST", "/login"): (SHARED, "登录", None),
    ("POST", "/logout"): (SHARED, "退出", None),
    ("GET", "/"): (SHARED, "总览页（数据走 /api/overview）", lambda w: ("GET", "/", {})),
    ("GET", "/data"): (SHARED, "本人导入记录", lambda w: ("GET", "/data", {})),
    ("POST", "/data/upload"): (OTHER_ZONE, "", lambda w: ("POST", "/data/upload", {"files": {"file": ("b.xlsx", obs_xlsx(w.zone_b, w.indicator), "application/octet-stream")}})),
    ("GET", "/admin/users"): (ADMIN_ONLY, "", lambda w: ("GET", "/admin/users", {})),
    ("POST", "/admin/users"): (ADMIN_ONLY, "", lambda w: ("POST", "/admin/users", {"data": {"username": "evil2", "password": "12345678x", "role": "province_admin"}})),
    ("POST", "/admin/users/{username}"): (ADMIN_ONLY, "", lambda w: ("POST", "/admin/users/zone_a", {"data": {"role": "province_admin"}})),
    ("GET", "/admin/audit"): (OTHER_ZONE, "", lambda w: ("GET", f"/admin/audit?zone={w.zone_b}", {})),
    ("GET", "/evaluation"): (SHARED, "页面外壳（数据走 API）", lambda w: ("GET", "/evaluation", {})),
    ("GET", "/evaluation/zones/{zone_code}"): (OTHER_ZONE, "", lambda w: ("GET", f"/evaluation/zones/{w.zone_b}", {})),
    ("GET", "/targets"): (SHARED, "页面外壳（数据走 API）", lambda w: ("GET", "/targets", {})),
    ("GET", "/enterprises"): (OTHER_ZONE, "", lambda w: ("GET", f"/enterprises?zone={w.zone_b}", {})),
    ("GET", "/enterprises/{credit_code}"): (OTHER_ZONE, "", lambda w: ("GET", f"/enterprises/{w.ent_b}", {})),
    ("GET", "/matching"): (SHARED, "页面外壳（数据走 API）", lambda w: ("GET", "/matching", {})),
    ("GET", "/matching/search"): (SHARED, "高校成果库是公开信息", None),
    ("GET", "/matching/status"): (SHARED, "对接索引进度（建立完成后为页面主体，需求按权限在前端经 API 加载）", lambda w: ("GET", "/matching/status", {})),
    ("GET", "/favicon.ico"): (SHARED, "图标", lambda w: ("GET", "/favicon.ico", {})),
    # registries (issue 16): zone B's platform PT-B-1 and listing candidate exist (see _registry_b)
    ("GET", "/api/registries"): (SHARED, "资源库目录", lambda w: ("GET", "/api/registries", {})),
    ("GET", "/api/registries/platforms/target-counts"): (SHARED, "公开规划目标的平台总数（只有汇总数）", lambda w: ("GET", "/api/registries/platforms/target-counts?as_of=2025", {})),
    ("GET", "/api/registries/platforms/rewards"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/registries/platforms/rewards?zone={w.zone_b}", {})),
    ("GET", "/api/registries/platforms/results"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/registries/platforms/results?year=2024&zone={w.zone_b}", {})),
    ("POST", "/api/registries/platforms/sync"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/registries/platforms/sync?years=2025", {})),
    ("GET", "/api/registries/listing/monitor"): (SHARED, "公开上市目标的汇总数；各阶段企业数按权限过滤", lambda w: ("GET", "/api/registries/listing/monitor", {})),
    ("GET", "/api/registries/{kind}/fields"): (SHARED, "字段与可选值", lambda w: ("GET", "/api/registries/platforms/fields", {})),
    ("GET", "/api/registries/{kind}/template"): (SHARED, "空白模板", lambda w: ("GET", "/api/registries/platforms/template", {})),
    ("GET", "/api/registries/{kind}"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/registries/platforms?zone={w.zone_b}", {})),
    ("POST", "/api/registries/{kind}"): (OTHER_ZONE, "", lambda w: ("POST", "/api/registries/platforms", {"json": _platform_json(w, "PT-B-NEW-API")})),
    ("POST", "/api/registries/{kind}/import"): (OTHER_ZONE, "", lambda w: ("POST", "/api/registries/platforms/import", {"files": {"file": ("b.xlsx", _platform_xlsx(w), "application/octet-stream")}})),
    ("GET", "/api/registries/{kind}/entries/{key}"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/registries/platforms/entries/{_registry_b(w)}", {})),
    ("PUT", "/api/registries/{kind}/entries/{key}"): (OTHER_ZONE, "", lambda w: ("PUT", f"/api/registries/platforms/entries/{_registry_b(w)}", {"json": {"status": "建设中"}})),
    ("DELETE", "/api/registries/{kind}/entries/{key}"): (OTHER_ZONE, "", lambda w: ("DELETE", f"/api/registries/listing/entries/{_registry_b(w, 'listing')}", {})),
    ("GET", "/registries"): (SHARED, "资源库总览（记录数按权限，目标为公开汇总）", lambda w: ("GET", "/registries", {})),
    ("GET", "/registries/platforms/rewards"): (OTHER_ZONE, "", lambda w: ("GET", f"/registries/platforms/rewards?zone={w.zone_b}", {})),
    ("GET", "/registries/{kind}"): (OTHER_ZONE, "", lambda w: ("GET", f"/registries/platforms?zone={w.zone_b}", {})),
    ("POST", "/registries/{kind}/upload"): (OTHER_ZONE, "", lambda w: ("POST", "/registries/platforms/upload", {"files": {"file": ("b.xlsx", _platform_xlsx(w), "application/octet-stream")}})),
    ("GET", "/registries/{kind}/new"): (SHARED, "空白表单", lambda w: ("GET", "/registries/platforms/new", {})),
    ("POST", "/registries/{kind}/new"): (OTHER_ZONE, "", lambda w: ("POST", "/registries/platforms/new", {"data": _platform_json(w, "PT-B-NEW-PAGE")})),
    ("GET", "/registries/{kind}/entries/{key}"): (OTHER_ZONE, "", lambda w: ("GET", f"/registries/platforms/entries/{_registry_b(w)}", {})),
    ("POST", "/registries/{kind}/entries/{key}"): (OTHER_ZONE, "", lambda w: ("POST", f"/registries/platforms/entries/{_registry_b(w)}", {"data": {"status": "建设中"}})),
    ("POST", "/registries/{kind}/entries/{key}/delete"): (OTHER_ZONE, "", lambda w: ("POST", f"/registries/listing/entries/{_registry_b(w, 'listing')}/delete", {})),
    ("GET", "/api/registries/projects/progress"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/registries/projects/progress?zone={w.zone_b}", {})),
    ("POST", "/api/registries/projects/load-plan"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/registries/projects/load-plan", {})),
    ("GET", "/api/registries/tiers"): (SHARED, "只列出本人可见园区的企业", lambda w: ("GET", "/api/registries/tiers?year=2024", {})),
    ("GET", "/api/registries/experts/assignments"): (OTHER_ZONE, "", lambda w: ("GET", f"/api/registries/experts/assignments?demand={w.demand_b}", {})),
    ("POST", "/api/registries/experts/assignments"): (OTHER_ZONE, "", lambda w: ("POST", "/api/registries/experts/assignments", {"json": {"expert_code": _expert_b(w), "role": "跟进", "demand_code": w.demand_b}})),
    ("POST", "/api/registries/experts/assignments/{assignment_id}/follow-up"): (OTHER_ZONE, "", lambda w: ("POST", f"/api/registries/experts/assignments/{_assignment_b(w)}/follow-up", {"json": {"outcome": "跟进中", "follow_up": "已联系"}})),
    ("GET", "/api/registries/assessments"): (SHARED, "规划级评估公开；园区级评估按权限过滤", lambda w: ("GET", "/api/registries/assessments", {})),
    ("POST", "/api/registries/assessments"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/registries/assessments", {"json": {"plan_id": "xiangjiang-st-system-2023-2026", "year": 2024, "conclusion": "越权发布"}})),
    ("GET", "/api/registries/assessments/{assessment_id}"): (SHARED, "规划级评估公开；园区级评估在服务层按权限检查", None),
    ("GET", "/api/registries/assessments/{assessment_id}/document"): (SHARED, "同上", None),
    ("GET", "/api/registries/plans/{plan_id}/versions"): (SHARED, "规划版本来自公开文件", lambda w: ("GET", "/api/registries/plans/xiangjiang-st-system-2023-2026/versions", {})),
    ("POST", "/api/registries/plans/{plan_id}/versions"): (ADMIN_ONLY, "", lambda w: ("POST", "/api/registries/plans/xiangjiang-st-system-2023-2026/versions", {})),
    ("GET", "/registries/projects/progress"): (OTHER_ZONE, "", lambda w: ("GET", f"/registries/projects/progress?zone={w.zone_b}", {})),
    ("POST", "/registries/projects/load-plan"): (ADMIN_ONLY, "", lambda w: ("POST", "/registries/projects/load-plan", {})),
    ("GET", "/registries/tiers"): (SHARED, "只列出本人可见园区的企业", lambda w: ("GET", "/registries/tiers?year=2024", {})),
    ("GET", "/registries/experts/assignments"): (SHARED, "只列出本人可见园区的选派记录", lambda w: ("GET", "/registries/experts/assignments", {})),
    ("POST", "/registries/experts/assignments"): (OTHER_ZONE, "", lambda w: ("POST", "/registries/experts/assignments", {"data": {"expert_code": _expert_b(w), "role": "出席", "demand_code": w.demand_b}})),
    ("POST", "/registries/experts/assignments/{assignment_id}/follow-up"): (OTHER_ZONE, "", lambda w: ("POST", f"/registries/experts/assignments/{_assignment_b(w)}/follow-up", {"data": {"outcome": "已签约"}})),
    ("GET", "/registries/assessments"): (SHARED, "规划级评估公开；园区级评估按权限过滤", lambda w: ("GET", "/registries/assessments", {})),
    ("POST", "/registries/assessments"): (ADMIN_ONLY, "", lambda w: ("POST", "/registries/assessments", {"data": {"plan_id": "xiangjiang-st-system-2023-2026", "year": "2023", "conclusion": "越权发布"}})),
    ("GET", "/registries/assessments/{assessment_id}"): (SHARED, "规划级评估公开；园区级评估在服务层按权限检查", None),
}


def _expert_b(w: World) -> str:
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Expert
    from sqlalchemy import select
    with session_scope(w.url) as s:
        if s.scalar(select(Expert.id).where(Expert.code == "EX-B-1")) is None:
            s.add(Expert(code="EX-B-1", name="乙园区技术专家", kind="技术专家", zone_code=w.zone_b))
    return "EX-B-1"


def _assignment_b(w: World) -> int:
    """An assignment on zone B's demand (created once)."""
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import ExpertAssignment
    from sqlalchemy import select
    code = _expert_b(w)
    with session_scope(w.url) as s:
        a = s.scalar(select(ExpertAssignment).where(ExpertAssignment.demand_code == w.demand_b).limit(1))
        if a is None:
            a = ExpertAssignment(expert_code=code, activity="成果对接", demand_code=w.demand_b, zone_code=w.zone_b,
                                 role="跟进", outcome="待跟进")
            s.add(a)
            s.flush()
        return a.id


def _registry_b(w: World, kind: str = "platforms") -> str:
    """Zone B's registry entry (created again if a permitted request deleted it); returns its key."""
    from gaoxin.credit_code import make_credit_code
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import ListingCandidate, Platform
    from sqlalchemy import select
    with session_scope(w.url) as s:
        if kind == "platforms":
            if s.scalar(select(Platform.id).where(Platform.code == "PT-B-1")) is None:
                s.add(Platform(code="PT-B-1", name="乙园区平台", type="企业技术中心", level="省级", host_name="乙园区测试企业",
                               zone_code=w.zone_b, approval_year=2023, status="运行中"))
            return "PT-B-1"
        code = make_credit_code("91430100MA4L09999")
        if s.scalar(select(ListingCandidate.id).where(ListingCandidate.credit_code == code)) is None:
            s.add(ListingCandidate(credit_code=code, name="乙园区上市后备企业", zone_code=w.zone_b, stage="辅导备案"))
        return code


def _platform_json(w: World, code: str) -> dict:
    return {"code": code, "name": "越权新增的平台", "type": "孵化器", "level": "省级", "host_name": "某单位",
            "zone_code": w.zone_b, "approval_year": "2024", "status": "运行中"}


def _platform_xlsx(w: World) -> bytes:
    import io
    import pandas as pd
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Zone
    from sqlalchemy import select
    with session_scope(w.url) as s:
        name_b = s.scalar(select(Zone.name).where(Zone.code == w.zone_b))
    buf = io.BytesIO()
    pd.DataFrame([{"平台编号": "PT-B-1", "平台名称": "被改名的平台", "平台类型": "孵化器", "平台级别": "省级", "依托单位": "某单位",
                   "所在高新区": name_b, "批准年份": 2024, "运行状态": "运行中"}]).to_excel(buf, index=False, sheet_name="平台名录")
    return buf.getvalue()
# framework routes that are not the app's own data
IGNORED_PATHS = {"/api/openapi.json", "/api/docs", "/static"}


def app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for ctx in routing.iter_route_contexts(app.routes):
        if ctx.path in IGNORED_PATHS:
            continue
        for m in ctx.methods or ():
            if m != "HEAD":
                out.add((m, ctx.path))
    return out


def _send(client, w, builder):
    method, url, kw = builder(w)
    return client.request(method, url, **kw)


def test_every_route_is_registered(sqlite_world: World):
    routes = app_routes(sqlite_world.app)
    missing = sorted(routes - set(REGISTRY))
    assert not missing, f"routes without an isolation entry (add them to REGISTRY): {missing}"
    stale = sorted(set(REGISTRY) - routes)
    assert not stale, f"REGISTRY lists routes the app no longer has: {stale}"


def test_zone_user_gets_403_for_other_zone_everywhere(world: World):
    c = world.client("zone_a")
    failures = []
    for key, (kind, _why, builder) in sorted(REGISTRY.items()):
        if builder is None or kind == SHARED:
            continue
        r = _send(c, world, builder)
        if r.status_code != 403:
            failures.append((key, r.status_code, r.text[:200]))
    assert not failures, failures


def test_other_zone_data_unchanged_after_forbidden_writes(world: World):
    from sqlalchemy import select
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Observation, User
    c = world.client("zone_a")
    for key in [("PUT", "/api/zones/{zone_code}/observations"), ("POST", "/api/imports"), ("POST", "/data/upload")]:
        assert _send(c, world, REGISTRY[key][2]).status_code == 403
    with session_scope(world.url) as s:
        vals = list(s.scalars(select(Observation.value).where(Observation.unit_code == world.zone_b)))
        assert vals == [2.0]
        zu = s.scalar(select(User).where(User.username == "zone_a"))
        assert [z.zone_code for z in zu.zones] == [world.zone_a] and zu.role == "zone_user"


def test_owner_zone_and_admin_are_not_refused(world: World):
    """The same requests that zone A is refused are allowed to zone B's own user and to the admin
    (a 403 there would mean the check refuses everything, which the zone-A test cannot tell)."""
    for who in ("zone_b", "admin"):
        c = world.client(who)
        for key, (kind, _why, builder) in REGISTRY.items():
            if builder is None or kind != OTHER_ZONE:
                continue
            if who == "zone_b" and key == ("GET", "/api/evaluation/ranking"):
                continue  # unpublished ranking: refused to every zone user, tested above
            r = _send(c, world, builder)
            if r.status_code == 503 and "索引" in r.json().get("detail", ""):
                continue  # the matching index is still being built: not a refusal
            assert r.status_code != 403 and r.status_code < 500, (who, key, r.status_code, r.text[:200])


def test_readonly_cannot_write_and_admin_only_routes(world: World):
    c = world.client("viewer")
    for key, (kind, _why, builder) in REGISTRY.items():
        if builder is None:
            continue
        method = key[0]
        if kind == ADMIN_ONLY or (method != "GET" and kind == OTHER_ZONE):
            r = _send(c, world, builder)
            assert r.status_code == 403, (key, r.status_code, r.text[:200])


def test_anonymous_is_refused_everywhere_but_login(world: World):
    c = world.client(None)
    open_routes = {("GET", "/api/health"), ("GET", "/api/auth/csrf"), ("POST", "/api/auth/login"), ("GET", "/login"),
                   ("GET", "/favicon.ico")}
    for key, (_kind, _why, builder) in REGISTRY.items():
        if builder is None or key in open_routes:
            continue
        r = c.request(*builder(world)[:2], follow_redirects=False, **builder(world)[2])
        assert r.status_code in (401, 303), (key, r.status_code)


def test_shared_lists_do_not_leak_other_zone(world: World):
    c = world.client("zone_a")
    rows = c.get("/api/observations").json()["rows"]
    units = {r["unit_code"] for r in rows if r["unit_type"] == "zone"}
    assert units == {world.zone_a}
    assert world.zone_b not in {r["zone_code"] for r in c.get("/api/matching/demands").json()["rows"]}
    # own zone is readable
    assert c.get(f"/api/zones/{world.zone_a}/observations").status_code == 200
    # admin and read-only see zone B
    for who in ("admin", "viewer"):
        assert world.client(who).get(f"/api/zones/{world.zone_b}/observations").status_code == 200


def _ent_xlsx(credit: str, name: str, zone_name: str) -> bytes:
    import io
    import pandas as pd
    buf = io.BytesIO()
    pd.DataFrame({"统一社会信用代码": [credit], "企业名称": [name], "所在高新区": [zone_name]}).to_excel(
        buf, index=False, sheet_name="企业名单")
    return buf.getvalue()


def test_zone_user_cannot_move_or_rename_another_zones_enterprise_by_import(world: World):
    """Class 2 of the security review: an import by zone A that names zone B's enterprise (to move it
    into zone A and rename it) is refused whole, with the row named, and nothing changes."""
    from sqlalchemy import select
    from gaoxin.store.db import session_scope
    from gaoxin.credit_code import make_credit_code
    from gaoxin.store.models import AuditLog, Enterprise, Zone
    credit = make_credit_code("91430100MA4L00002")  # a valid code (the fixture's has no check digit)
    with session_scope(world.url) as s:
        zone_a_name = s.scalar(select(Zone.name).where(Zone.code == world.zone_a))
        s.add(Enterprise(credit_code=credit, name="乙园区测试企业", zone_code=world.zone_b))
    c = world.client("zone_a")
    r = c.post("/api/imports", files={"file": ("move.xlsx", _ent_xlsx(credit, "被改名的企业", zone_a_name),
                                               "application/octet-stream")})
    assert r.status_code == 403, r.text[:300]
    body = r.json()
    assert body["status"] == "rejected" and body["ok"] is False
    reasons = " ".join(p["reason"] for p in body["problems"])
    assert "第2行的企业属于其他高新区" in reasons, body["problems"]
    with session_scope(world.url) as s:
        e = s.scalar(select(Enterprise).where(Enterprise.credit_code == credit))
        assert (e.zone_code, e.name) == (world.zone_b, "乙园区测试企业")
        # only the import's own audit rows (rejected batch, no data change) may have been added
        changed = s.scalars(select(AuditLog).where(AuditLog.entity == "enterprise")).all()
        assert changed == []
    # the administrator may move it, and the move is audited for both zones
    a = world.client("admin")
    r = a.post("/api/imports", files={"file": ("move.xlsx", _ent_xlsx(credit, "乙园区测试企业", zone_a_name),
                                               "application/octet-stream")})
    assert r.status_code == 200, r.text[:300]
    with session_scope(world.url) as s:
        assert s.scalar(select(Enterprise.zone_code).where(Enterprise.credit_code == credit)) == world.zone_a
        moves = s.scalars(select(AuditLog).where(AuditLog.action == "import_move")).all()
        assert sorted(m.zone_code for m in moves) == sorted([world.zone_a, world.zone_b])

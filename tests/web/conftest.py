"""Web fixtures: an app on the migrated test database with three users and a little private data in
two zones (A = the zone user's, B = another zone)."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

PASSWORD = "test-pass-123"


@dataclass
class World:
    url: str
    zone_a: str
    zone_b: str
    indicator: str
    ent_b: str
    demand_b: str
    app: object

    def client(self, username: str | None = None) -> TestClient:
        c = TestClient(self.app)
        tok = c.get("/api/auth/csrf").json()["csrf_token"]
        c.headers["X-CSRF-Token"] = tok
        if username:
            r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # a new token at every login
        return c


def obs_xlsx(zone: str, indicator: str, year: int = 2024, value: float = 12.5) -> bytes:
    df = pd.DataFrame({"单位类型": ["高新区"], "单位代码": [zone], "指标代码": [indicator], "年份": [year],
                       "数值": [value]})
    buf = io.BytesIO()
    df.to_excel(buf, index=False, sheet_name="指标数据")
    return buf.getvalue()


def build_world(url: str, **app_kwargs) -> World:
    from gaoxin.auth.users import create_user
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Enterprise, Indicator, Observation, TechDemand, Zone
    from gaoxin.web.app import create_app
    with session_scope(url) as s:
        zones = list(s.scalars(select(Zone.code).order_by(Zone.code)))
        assert len(zones) >= 2, "reference zones not loaded"
        za, zb = zones[0], zones[1]
        inds = s.execute(select(Indicator.code, Indicator.unit_types)).all()
        ind = next(c for c, ut in inds if ut and "zone" in ut)
        create_user(s, "admin", PASSWORD, "province_admin", "管理员")
        create_user(s, "zone_a", PASSWORD, "zone_user", "园区A", [za])
        create_user(s, "zone_b", PASSWORD, "zone_user", "园区B", [zb])
        create_user(s, "viewer", PASSWORD, "readonly", "只读")
        for z, v in ((za, 1.0), (zb, 2.0)):
            s.add(Observation(unit_type="zone", unit_code=z, indicator_code=ind, period=2023, value=v))
        ent_b = "91430100MA4L000001"
        s.add(Enterprise(credit_code=ent_b, name="乙园区测试企业", zone_code=zb))
        s.add(TechDemand(code="D-B-1", title="乙园区需求：锂电池正极材料", zone_code=zb, enterprise_name="乙园区测试企业"))
    return World(url, za, zb, ind, ent_b, "D-B-1", create_app(url, secret_key="test-secret", **app_kwargs))


@pytest.fixture
def world(db_url) -> World:
    return build_world(db_url)


@pytest.fixture
def sqlite_world(sqlite_db_url) -> World:
    return build_world(sqlite_db_url)


def wait_for_match_index(client, timeout: float = 600.0) -> dict:
    """Poll GET /api/match/status (which starts the background build) until the index is ready.
    The deadline only guards against a hang; no test asserts how long a build takes."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        st = client.get("/api/match/status").json()
        if st["state"] in ("ready", "error") or time.monotonic() > deadline:
            assert st["state"] == "ready", st
            return st
        time.sleep(0.2)


SMALL_DEMO = dict(n_enterprises=400, n_results=80, n_demands=40)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """A small demo database (SQLite) built once per test session, with users; GAOXIN_HOME for the
    matching index; the hashing embedder keeps the index build fast in tests."""
    import os
    home = tmp_path_factory.mktemp("gaoxin_demo")
    url = f"sqlite:///{home / 'gaoxin.db'}"
    old = {k: os.environ.get(k) for k in ("GAOXIN_HOME", "GAOXIN_EMBEDDER", "GAOXIN_DATABASE_URL")}
    os.environ.update(GAOXIN_HOME=str(home), GAOXIN_EMBEDDER="hashing", GAOXIN_DATABASE_URL=url)
    from gaoxin.auth.users import create_user
    from gaoxin.demo import build_demo
    from gaoxin.store.db import session_scope
    from gaoxin.store.migrate import init_database
    from gaoxin.store.models import Zone
    init_database(url)
    with session_scope(url) as s:
        build_demo(s, **SMALL_DEMO)
        zone = s.scalar(select(Zone.code).where(Zone.code == "HN-N-CHANGSHA")) or s.scalar(select(Zone.code))
        create_user(s, "admin", PASSWORD, "province_admin", "省厅管理员")
        create_user(s, "zone_a", PASSWORD, "zone_user", "长沙高新区用户", [zone])
        create_user(s, "viewer", PASSWORD, "readonly", "只读用户")
    yield {"url": url, "home": home, "zone": zone}
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def demo_client(demo_home):
    from gaoxin.web.app import create_app
    app = create_app(demo_home["url"], secret_key="test-secret")

    def make(username: str | None = "admin") -> TestClient:
        c = TestClient(app)
        c.headers["X-CSRF-Token"] = c.get("/api/auth/csrf").json()["csrf_token"]
        if username:
            r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # a new token at every login
        return c
    return make

"""Registry pages and API: a zone user sees only its zone's entries; upload and export work."""
from __future__ import annotations

import io

import pandas as pd

from tests.security.test_route_matrix import _registry_b


def _xlsx(rows) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False, sheet_name="平台名录")
    return buf.getvalue()


def _zone_name(w, code):
    from sqlalchemy import select
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Zone
    with session_scope(w.url) as s:
        return s.scalar(select(Zone.name).where(Zone.code == code))


def test_zone_user_pages_show_only_own_zone(world):
    _registry_b(world)                      # 乙园区平台 in zone B
    a = world.client("zone_a")
    r = a.post("/api/registries/platforms", json={"code": "PT-A-1", "name": "甲园区孵化器", "type": "孵化器", "level": "国家级",
                                                  "host_name": "甲单位", "zone_code": world.zone_a, "approval_year": "2024",
                                                  "status": "运行中"})
    assert r.status_code == 201 and r.json()["zone_code"] == world.zone_a
    rows = a.get("/api/registries/platforms").json()["rows"]
    assert [x["code"] for x in rows] == ["PT-A-1"]
    page = a.get("/registries/platforms").text
    assert "甲园区孵化器" in page and "乙园区平台" not in page and "资源库" in page
    admin = world.client("admin")
    assert {x["code"] for x in admin.get("/api/registries/platforms").json()["rows"]} == {"PT-A-1", "PT-B-1"}
    # the export holds the same rows as the list, with the template's headers
    df = pd.read_excel(io.BytesIO(a.get("/api/registries/platforms?format=xlsx").content), sheet_name="平台名录", engine="calamine")
    assert list(df["平台编号"]) == ["PT-A-1"] and df.loc[0, "所在高新区"] == _zone_name(world, world.zone_a)


def test_upload_page_reports_problems_in_chinese_and_writes_nothing(world):
    a = world.client("zone_a")
    name_a = _zone_name(world, world.zone_a)
    bad = _xlsx([{"平台编号": "PT-A-9", "平台名称": "年份写错", "平台类型": "孵化器", "平台级别": "省级", "依托单位": "x",
                  "所在高新区": name_a, "批准年份": "二〇二四", "运行状态": "运行中"}])
    r = a.post("/registries/platforms/upload", files={"file": ("坏.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422
    assert "第2行“批准年份”列" in r.text and "整个文件未导入" in r.text
    assert a.get("/api/registries/platforms").json()["total"] == 0
    good = _xlsx([{"平台编号": "PT-A-9", "平台名称": "年份正确", "平台类型": "孵化器", "平台级别": "省级", "依托单位": "x",
                   "所在高新区": name_a, "批准年份": 2024, "运行状态": "运行中"}])
    r = a.post("/registries/platforms/upload", files={"file": ("好.xlsx", good, "application/octet-stream")})
    assert r.status_code == 200 and "已导入 1 条记录" in r.text


def test_form_edit_and_rewards_page(world):
    admin = world.client("admin")
    code = _registry_b(world)
    r = admin.post(f"/registries/platforms/entries/{code}", data={"level": "国家级", "approval_year": "2024"},
                   follow_redirects=True)
    assert r.status_code == 200 and "已保存" in r.text
    assert admin.get(f"/api/registries/platforms/entries/{code}").json()["level"] == "国家级"
    r = admin.post(f"/registries/platforms/entries/{code}", data={"level": "区级"})
    assert r.status_code == 422 and "不是有效的平台级别" in r.text
    home = admin.get("/registries").text
    assert "由高水平创新平台数据库统计" in home and "科技企业境内外上市数量" in home

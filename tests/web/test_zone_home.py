"""Issue 14 item 8: a zone user's home is its own zone. 目标监测 lists only the plans that concern the
zone (province-wide goals, its city's plans, the categories it belongs to); the pages the overview's
“本园区” entry links to all open for it. The demo's zone user is 长沙高新区's (HN-N-CHANGSHA, city 430100)."""
from __future__ import annotations

XIANGTAN_PLAN = "xiangtan-133-2023-2025"          # 004: scope 湘潭市 (city 430300) — not 长沙's city
XIANGJIANG_PLAN = "xiangjiang-st-system-2023-2026"  # 003: 湖南湘江新区, whose zones include 长沙高新区


def _plans(client) -> set:
    return {r["plan_id"] for r in client.get("/api/targets").json()["rows"]}


def test_zone_user_sees_only_plans_concerning_its_zone(demo_client, demo_home):
    admin, zone = _plans(demo_client("admin")), _plans(demo_client("zone_a"))
    assert {XIANGTAN_PLAN, XIANGJIANG_PLAN} <= admin  # the administrator sees every plan
    assert XIANGTAN_PLAN not in zone  # 长沙高新区 is not in 湘潭市
    assert XIANGJIANG_PLAN in zone  # platforms.yaml category_zones: 湖南湘江新区 includes HN-N-CHANGSHA
    assert "hunan-zones-2026-2028" in zone  # a province-wide plan concerns every zone


def test_home_links_open_for_the_zone_user(demo_client, demo_home):
    c = demo_client("zone_a")
    z = demo_home["zone"]
    html = c.get("/").text
    assert 'id="my-zone"' in html and "本园区" in html
    for url in (f"/evaluation/zones/{z}", "/targets", f"/enterprises?zone={z}", "/matching"):
        r = c.get(url)
        assert r.status_code == 200 and "无权访问" not in r.text, url


def test_evaluation_page_tells_a_zone_user_which_rankings_are_published(demo_client, demo_home):
    """Before publication the page does not ask for a ranking it would be refused (no 403 in the
    browser): it carries the published years of the user's class; an administrator's page does not."""
    import json
    import re

    def page_data(html: str) -> dict:
        return json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S).group(1))

    zone = page_data(demo_client("zone_a").get("/evaluation").text)
    runs = demo_client("zone_a").get("/api/evaluation/runs").json()["rows"]
    expected = sorted({int(r["year"]) for r in runs if r["zone_class"] == zone["zone_class"]})
    assert zone["zone_class"] == "国家级" and zone["published_years"] == expected
    assert "published_years" not in page_data(demo_client("admin").get("/evaluation").text)

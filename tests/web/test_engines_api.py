"""Engine pages' API and reports on a small demo database (SQLite)."""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from tests.web.conftest import wait_for_match_index


def test_overview_city_score_is_the_mean_of_its_zones(demo_client):
    c = demo_client("admin")
    ranking = c.get("/api/evaluation/ranking").json()["rows"]
    score = {r["unit"]: r["score"] for r in ranking}
    ov = c.get("/api/overview").json()
    # the map's city mean is over ONE class (provincial by default, the ranking above) and says so
    assert ov["map_class"] == "省级" and "不混合平均" in ov["map_note"]
    several = [city for city in ov["cities"] if sum(z["code"] in score for z in city["zones"]) >= 2]
    assert several  # the demo has cities with two or more scored zones
    for city in ov["cities"]:
        vals = [score[z["code"]] for z in city["zones"] if z["code"] in score]
        expected = round(sum(vals) / len(vals), 2) if vals else None  # plain mean, by hand
        assert city["score"] == (pytest.approx(expected, abs=0.01) if vals else None), city["name"]


def test_ranking_is_consistent_with_profiles(demo_client, demo_home):
    c = demo_client("admin")
    d = c.get("/api/evaluation/ranking").json()
    rows = d["rows"]
    assert d["is_demo"] is True and len(rows) >= 20
    ranks = [r["rank"] for r in rows]
    scores = [r["score"] for r in rows]
    assert sorted(ranks) == ranks and ranks[0] == 1
    assert all(a >= b for a, b in zip(scores, scores[1:]))  # rank order = score order
    assert all(d["labels"][x] != x for x in d["columns"])  # dimension names from the framework
    top = rows[0]["unit"]
    p = c.get(f"/api/evaluation/zones/{top}").json()
    assert p["rank"] == 1 and abs(p["score"] - rows[0]["score"]) < 0.01
    assert [x["score"] for x in p["dimensions"]] == [rows[0][x["code"]] for x in p["dimensions"]]
    lo, hi = p["rank_interval"]
    assert 1 <= lo <= hi <= p["n_units"]
    assert abs(sum(x["contribution"] for x in p["contributions"]) - p["score"]) < 1 or len(p["contributions"]) == 15
    assert len(p["strengths"]) == 3 and len(p["weaknesses"]) == 3


def test_zone_user_sees_ranking_only_after_publish(demo_client, demo_home):
    z = demo_client("zone_a")
    year = demo_client("admin").get("/api/evaluation/ranking").json()["meta"]["year"]
    assert z.get(f"/api/evaluation/ranking?year={year}").status_code == 403
    r = demo_client("admin").post(f"/api/evaluation/publish?year={year}")
    assert r.status_code == 200 and r.json()["published"]
    # 分类评价: publishing without a class publishes each class; zone_a (长沙, national) sees the
    # national ranking of its own class only: the nine national zones of zones.csv
    assert "国家级高新区排名（9 个园区）" in r.json()["detail"] and "省级高新区排名（43 个园区）" in r.json()["detail"]
    got = z.get(f"/api/evaluation/ranking?year={year}")
    assert got.status_code == 200 and len(got.json()["rows"]) == 9
    assert got.json()["meta"]["zone_class"] == "国家级" and sorted(x["rank"] for x in got.json()["rows"]) == list(range(1, 10))
    other = z.get(f"/api/evaluation/ranking?year={year}&zone_class=省级")
    assert other.status_code == 403 and "本园区所属级别" in other.json()["detail"]
    runs = z.get("/api/evaluation/runs").json()["rows"]
    assert [(x["year"], x["zone_class"]) for x in runs] == [(year, "国家级")]
    assert runs[0]["framework"] == "国家高新技术产业开发区综合评价指标体系（2021）"


def test_ranking_by_class_api(demo_client):
    """GET /api/evaluation/ranking?zone_class=…: ranked within the class, with the system's name, 文号 and
    gaps; expected sets from zones.csv (9 national, 43 provincial zones)."""
    import csv

    from gaoxin.reference import REFERENCE_DIR
    with open(REFERENCE_DIR / "zones.csv", encoding="utf-8") as fh:
        zones = list(csv.DictReader(fh))
    national = {z["code"] for z in zones if z["level"] == "国家级"}
    c = demo_client("viewer")
    d = c.get("/api/evaluation/ranking?zone_class=国家级").json()
    m = d["meta"]
    assert {r["unit"] for r in d["rows"]} == national and sorted(r["rank"] for r in d["rows"]) == list(range(1, 10))
    assert (m["zone_class"], m["framework_name"], m["document"]) == (
        "国家级", "国家高新技术产业开发区综合评价指标体系（2021）", "国科发火〔2021〕106号")
    assert m["is_demo"] is True and m["n_units"] == 9 and m["gaps"] and isinstance(m["year"], int)
    # the five first-level dimensions by their Chinese names (国科发火〔2021〕106号, 一级指标 1)
    assert d["labels"]["N1"] == "创新能力和创业活跃度" and len(m["dimensions"]) == 5
    p = c.get("/api/evaluation/ranking?zone_class=省级").json()
    assert len(p["rows"]) == 43 and p["meta"]["framework_name"] == "湖南省省级高新技术产业开发区绩效评价指标体系（试行）"
    assert not {r["unit"] for r in p["rows"]} & national
    # any system on any class: the provincial system on the nine national zones
    x = c.get("/api/evaluation/ranking?zone_class=国家级&framework=hunan-provincial-2017").json()
    assert {r["unit"] for r in x["rows"]} == national and x["meta"]["framework_name"].startswith("湖南省省级")
    bad = c.get("/api/evaluation/ranking?zone_class=市级")
    assert bad.status_code in (400, 422) and "高新区级别应为 国家级、省级" in bad.json()["detail"]
    # a national zone's profile: the national system, ranked among the nine
    top = d["rows"][0]["unit"]
    prof = c.get(f"/api/evaluation/zones/{top}").json()
    assert (prof["zone_class"], prof["rank"], prof["n_units"]) == ("国家级", 1, 9)
    assert prof["score"] == d["rows"][0]["score"]


# the traffic light each status must show (pages, API, Excel): done / on track green, behind yellow,
# seriously behind / overdue red, no data grey
LIGHT_OF = {"已完成": "green", "进度正常": "green", "进度滞后": "yellow", "严重滞后": "red", "逾期未完成": "red",
            "数据缺失": "grey", "目标未列": "grey"}


def test_targets_and_warnings(demo_client):
    c = demo_client("viewer")
    t = c.get("/api/targets").json()
    assert len(t["rows"]) > 10 and all(r["light"] == LIGHT_OF[r["status"]] for r in t["rows"])
    assert {"yellow", "red"} & {r["light"] for r in t["rows"]}  # the demo has targets behind schedule
    w = c.get("/api/targets/warnings").json()["rows"]
    from gaoxin.targets.status import ACHIEVED, ON_TRACK
    assert w and all(r["status"] not in (ACHIEVED, ON_TRACK) and r["light"] in ("yellow", "red") for r in w)
    dec = [r["target_id"] for r in t["rows"] if r["target_id"].startswith("xt133")][0]
    d = c.get(f"/api/targets/{dec}").json()
    assert d["tree"]["children"] and d["parts"]["rows"]
    assert c.get("/api/targets/no-such-target").status_code == 404


def test_enterprise_pages_api(demo_client, demo_home):
    c = demo_client("zone_a")
    z = demo_home["zone"]
    lad = c.get(f"/api/zones/{z}/ladder").json()
    assert lad["total"] > 0 and lad["rungs"][0]["name"]
    ents = c.get(f"/api/enterprises?zone={z}&limit=5").json()
    assert ents["meta"]["total"] >= len(ents["rows"]) > 0 and all(r["zone_code"] == z for r in ents["rows"])
    prof = c.get(f"/api/enterprises/{ents['rows'][0]['credit_code']}").json()
    assert prof["zone_code"] == z and prof["judgements"]["rows"]
    pool = c.get(f"/api/zones/{z}/pool").json()
    in_zone = {r["credit_code"] for r in c.get(f"/api/enterprises?zone={z}&limit=100000").json()["rows"]}
    # the pool lists every enterprise close to a rung (up to 100): in the demo zone more than one,
    # each of the zone, each with the conditions it misses or cannot be judged on
    assert 1 < len(pool["rows"]) <= 100 and {r["credit_code"] for r in pool["rows"]} <= in_zone
    assert all(r["gaps"] or r["unknown"] for r in pool["rows"])
    sub = c.get(f"/api/zones/{z}/subsidies").json()
    amounts = [r["amount"] for r in sub["rows"]]
    assert amounts and all(a > 0 for a in amounts)  # only positive amounts are listed (万元)
    assert sub["meta"]["total_wan"] == round(sum(amounts), 2)
    x = c.get(f"/api/zones/{z}/subsidies?format=xlsx")
    sheet = pd.read_excel(io.BytesIO(x.content), header=None)
    assert "金额（万元）" in sheet.astype(str).values
    # unfiltered list for a zone user = own zone only
    assert {r["zone_code"] for r in c.get("/api/enterprises?limit=50").json()["rows"]} == {z}


def test_matching_search_and_feedback(demo_client, demo_home):
    c = demo_client("admin")
    wait_for_match_index(c)
    r = c.get("/api/matching/results", params={"q": "电池材料"}).json()
    assert r["rows"] and all(x["explanation"] for x in r["rows"])
    # only results that clear the calibrated 低 bar are listed (issue 17): take the first demand with any
    for dem in c.get("/api/matching/demands").json()["rows"]:
        m = c.get(f"/api/matching/demands/{dem['code']}/matches?k=3").json()["rows"]
        if m:
            break
    assert 1 <= len(m) <= 3 and {x["strength"] for x in m} <= {"高", "中", "低"}
    fb = c.post("/api/matching/feedback", json={"demand_code": dem["code"], "result_code": m[0]["code"], "verdict": "accept"})
    assert fb.status_code == 200
    audit = c.get("/api/audit").json()["rows"]
    assert any(a["entity"] == "匹配确认" for a in audit)
    assert c.get("/api/matching/roadshows").status_code == 200


def _docx_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("word/document.xml").decode("utf-8") + z.read("word/styles.xml").decode("utf-8")


def test_zone_evaluation_word_report(demo_client):
    c = demo_client("viewer")
    r = c.get("/api/reports/zone-evaluation?format=docx")
    assert r.status_code == 200
    xml = _docx_xml(r.content)
    assert "示例数据" in xml and "综合排名" in xml
    # 分类评价: a section per class, each naming its system (national: 国科发火〔2021〕106号)
    assert "国家级高新区评价" in xml and "省级高新区评价" in xml and "国科发火〔2021〕106号" in xml
    assert "全省 52 家高新区（国家级 9 家、省级 43 家）" in xml
    assert 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="黑体"' in xml
    assert "w:eastAsiaTheme" not in xml.split("<w:style ")[1] if "<w:style " in xml else True
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == 3  # map + a bar chart per class


def test_circular_word_and_xlsx(demo_client):
    c = demo_client("admin")
    r = c.get("/api/reports/circular?target=xt133-high-tech-enterprises&format=docx")
    assert r.status_code == 200
    xml = _docx_xml(r.content)
    assert "完成情况通报" in xml and "湘潭高新区" in xml  # 附件3's units are listed
    x = c.get("/api/reports/circular?target=xt133-high-tech-enterprises&format=xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    sheet = pd.read_excel(io.BytesIO(x.content), header=None).astype(str)
    assert "湘潭高新区" in sheet.values and "完成率" in sheet.values


@pytest.mark.slow
def test_pdf_report(demo_client):
    from gaoxin.reports.pdf import libreoffice
    if libreoffice() is None:
        pytest.skip("LibreOffice 未安装")
    r = demo_client("admin").get("/api/reports/circular?target=xt133-high-tech-enterprises&format=pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"


def test_profile_and_parts_excel(demo_client, demo_home):
    c = demo_client("admin")
    top = c.get("/api/evaluation/ranking").json()["rows"][0]["unit"]
    x = c.get(f"/api/evaluation/zones/{top}?format=xlsx")
    assert x.status_code == 200
    book = pd.read_excel(io.BytesIO(x.content), sheet_name=None, header=2)
    assert {"维度得分", "优势指标", "短板指标", "指标贡献", "历年得分与排名"} <= set(book)
    assert "示例数据" in pd.read_excel(io.BytesIO(x.content), sheet_name="维度得分", header=None).iloc[1, 0]
    p = c.get("/api/targets/xt133-high-tech-enterprises?format=xlsx")
    assert p.status_code == 200 and "单位" in pd.read_excel(io.BytesIO(p.content), header=2).columns
    # named by the target in Chinese, not by its code
    from urllib.parse import unquote
    disposition = unquote(p.headers["content-disposition"])
    assert "湘潭市高新技术企业数量分解情况" in disposition and "xt133" not in disposition


def test_targets_growth_rate_active_plans_and_warning_groups(demo_client):
    from gaoxin.targets.plans import load_plans
    c = demo_client("viewer")
    t = c.get("/api/targets").json()
    rows, y = t["rows"], t["meta"]["as_of"]
    # plan_active: the plan's period contains the as-of year (checked against the plan files), in-force first
    periods = {p.id: (p.start_year, p.end_year) for p in load_plans()}
    for r in rows:
        start, end = periods[r["plan_id"]]
        if start is not None and end is not None:
            assert r["plan_active"] == (start <= y <= end), r["target_id"]
    flags = [r["plan_active"] for r in rows]
    assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)
    act = c.get("/api/targets?active=true").json()
    assert act["rows"] and all(r["plan_active"] for r in act["rows"])
    assert len(act["rows"]) == act["meta"]["n_active"] == sum(flags) and act["meta"]["n_all"] == len(rows)
    # a growth target's 最新值 is the engine's actual CAGR in %, not the level it is computed from
    from gaoxin.targets.monitor import progress_table
    from gaoxin.targets.plans import load_targets
    from gaoxin.store.db import session_scope
    from gaoxin.store.repo import observations_frame
    import os
    targets = load_targets()
    with session_scope(os.environ["GAOXIN_DATABASE_URL"]) as s:
        obs = observations_frame(s, indicators=sorted({x.indicator for x in targets}))
    eng = progress_table(targets, obs, y).set_index("id")
    growth = [r for r in rows if r["kind"] == "growth" and r["actual"] is not None]
    assert growth
    for r in growth:
        assert r["actual"] == pytest.approx(eng.loc[r["target_id"], "actual_cagr"] * 100, abs=1e-3)
        assert r["actual_level"] == pytest.approx(eng.loc[r["target_id"], "actual"], abs=1e-3)
        assert r["unit"] == "%" and r["level_unit"] != "%"
    for r in rows:
        if r["kind"] != "growth" and r["actual"] is not None:
            assert r["actual"] == r["actual_level"]
    # 预警清单: 逾期未完成 (deadline passed) is its own block, listed before the behind-schedule block
    w = c.get(f"/api/targets/warnings?as_of={y}").json()["rows"]
    groups = [r["warning_group"] for r in w]
    assert set(groups) == {"逾期未完成", "进度滞后"}
    assert groups == sorted(groups, key=lambda g: g != "逾期未完成")
    assert all((r["status"] == "逾期未完成") == (r["warning_group"] == "逾期未完成") for r in w)
    wa = c.get(f"/api/targets/warnings?as_of={y}&active=true").json()["rows"]
    assert wa and all(r["plan_active"] for r in wa) and len(wa) < len(w)


def test_overview_goals_from_plans_in_force_and_short_names(demo_client):
    c = demo_client("admin")
    d = c.get("/api/overview").json()
    assert d["goals"] and all(g["plan_active"] for g in d["goals"])
    assert d["goals_meta"]["as_of"] and d["goals_meta"]["plans"]
    rk = c.get("/api/evaluation/ranking?zone_class=国家级").json()
    cs = [r for r in rk["rows"] if r["unit"] == "HN-N-CHANGSHA"][0]
    assert cs["short_name"] == "长沙高新区" and cs["name"] != cs["short_name"]

import pandas as pd
import pytest

from gaoxin.demo.texts import generate_texts
from gaoxin.cli.matching_cli import export_xlsx
from gaoxin.matching import Matcher, plan_roadshows
from gaoxin.matching.embed import HashingEmbedder


@pytest.fixture(scope="module")
def data():
    return generate_texts(7, n_results=200, n_demands=40, n_policies=12)


def _matcher(data, tmp_path, feedback=None):
    return Matcher.from_frames(data["results"], data["demands"], feedback=feedback, policies=data["policies"],
                               embedder=HashingEmbedder())


def test_rejected_pair_disappears_and_accepted_pair_rises(data, tmp_path):
    m = _matcher(data, tmp_path)
    d0 = data["demands"]["code"].iloc[0]
    base = m.match_demand(d0, top=10, min_strength=False)
    top1, fifth = base["code"].iloc[0], base["code"].iloc[4]
    fb = pd.DataFrame({"demand_code": [d0, d0], "result_code": [top1, fifth], "verdict": ["reject", "accept"],
                       "username": ["broker1", "broker1"], "at": pd.to_datetime(["2026-01-01", "2026-01-02"])})
    m2 = _matcher(data, tmp_path, fb)
    again = m2.match_demand(d0, top=10, min_strength=False)
    assert top1 not in again["code"].tolist()
    assert again["code"].iloc[0] == fifth
    assert "技术经理人已确认" in again["reason"].iloc[0]


def test_latest_verdict_wins(data, tmp_path):
    m = _matcher(data, tmp_path)
    d0 = data["demands"]["code"].iloc[0]
    top1 = m.match_demand(d0, top=3, min_strength=False)["code"].iloc[0]
    fb = pd.DataFrame({"demand_code": [d0, d0], "result_code": [top1, top1], "verdict": ["reject", "accept"],
                       "at": pd.to_datetime(["2026-01-01", "2026-02-01"])})
    assert _matcher(data, tmp_path, fb).match_demand(d0, top=3, min_strength=False)["code"].iloc[0] == top1


def test_accept_boosts_result_for_similar_demand(data, tmp_path):
    m = _matcher(data, tmp_path)
    # two demands with identical text → similarity 1 → full boost carries over
    dem = data["demands"].copy()
    dem = pd.concat([dem, dem.iloc[[0]].assign(code="XQ-TWIN")], ignore_index=True)
    m = Matcher.from_frames(data["results"], dem, embedder=HashingEmbedder())
    base = m.match_demand("XQ-TWIN", top=10, min_strength=False)
    target = base["code"].iloc[6]
    fb = pd.DataFrame({"demand_code": [dem["code"].iloc[0]], "result_code": [target], "verdict": ["accept"]})
    m2 = Matcher.from_frames(data["results"], dem, feedback=fb, embedder=HashingEmbedder())
    boosted = m2.match_demand("XQ-TWIN", top=10, min_strength=False)
    assert boosted["code"].tolist().index(target) < 6


def test_roadshows_group_by_field_and_city(data, tmp_path):
    m = _matcher(data, tmp_path)
    matches = m.match_all(top=3, min_strength=False)
    ev = plan_roadshows(matches, by="city", top_per_demand=3, min_demands=1)
    # every demand appears in exactly one event (its field × city)
    n_dem = ev["需求数"].sum()
    assert n_dem == matches["demand_code"].nunique()
    assert ev["示例数据"].eq("是").all()
    assert ev["建议邀请企业"].str.len().gt(0).all() and ev["建议邀请高校院所"].str.len().gt(0).all()
    pairs = set(zip(ev["领域"], ev["片区"]))
    assert len(pairs) == len(ev)
    area = plan_roadshows(matches, by="area", min_demands=1)
    assert set(area["片区"]) <= {"长株潭", "环洞庭湖", "湘中南", "大湘西", "其他", "未填写地区"}
    assert len(area) <= len(ev)
    big = plan_roadshows(matches, by="city", min_demands=3)
    assert (big["需求数"] >= 3).all()
    path = export_xlsx(tmp_path / "r.xlsx", {"路演场次": ev}, note="示例数据")
    back = pd.read_excel(path, sheet_name="路演场次", engine="calamine")
    assert len(back) == len(ev) and "建议技术经理人" in back.columns


def test_search_filters_and_result_to_demands(data, tmp_path):
    m = _matcher(data, tmp_path)
    got = m.search("动力电池正极材料循环寿命", {"fields": ["SEI02"], "trl_min": 5}, top=5, min_strength=False)
    assert len(got) and (got["field"] == "SEI02").all() and (got["trl"] >= 5).all()
    r0 = data["results"]["code"].iloc[0]
    dem = m.match_result(r0, top=5, min_strength=False)
    assert len(dem) and dem["code"].str.startswith("XQ").all()
    with pytest.raises(ValueError, match="不存在"):
        m.match_demand("NOPE")


def test_large_groups_split_into_even_sessions():
    rows = [{"demand_code": f"D{i:02d}", "demand_title": "t", "demand_enterprise": f"E{i}", "rank": 1,
             "code": f"R{i % 5}", "title": "r", "institution": "中南大学", "score": 0.9, "field": "SEI02",
             "demand_field": "SEI02", "demand_region_code": "430300"} for i in range(42)]
    ev = plan_roadshows(pd.DataFrame(rows), by="city", max_demands=20, min_demands=1)
    assert ev["需求数"].tolist() == [14, 14, 14]
    assert ev["片区"].tolist() == ["湘潭市（一）", "湘潭市（二）", "湘潭市（三）"]
    assert ev["领域"].eq("新材料").all()


def test_match_all_subset_skips_unknown_codes(data, tmp_path):
    m = _matcher(data, tmp_path)
    codes = list(data["demands"]["code"].iloc[:2]) + ["NOT-INDEXED"]
    got = m.match_all(top=2, demand_codes=codes, min_strength=False)
    assert set(got["demand_code"]) == set(codes[:2]) and len(got) == 4
    assert len(m.match_all(top=2, demand_codes=[])) == 0
    assert len(plan_roadshows(m.match_all(top=2, demand_codes=[]))) == 0


def test_plan_events_one_table_per_event_with_date_and_grouped_institutions():
    import datetime as dt
    from gaoxin.matching import plan_events
    rows = [  # two demands in 长沙市 (430100), field 新材料; R1 registered by two institutions
        dict(demand_code="D1", demand_title="需求一", demand_enterprise="甲公司", demand_region_code="430100",
             demand_field="SEI02", rank=1, code="R1", title="成果一", institution="中南大学、湖南大学", field="SEI02",
             strength="高", score=0.9, trl=6, is_demo=False),
        dict(demand_code="D1", demand_title="需求一", demand_enterprise="甲公司", demand_region_code="430100",
             demand_field="SEI02", rank=2, code="R2", title="成果二", institution="湖南大学", field="SEI02",
             strength="低", score=0.5, trl=None, is_demo=False),
        dict(demand_code="D2", demand_title="需求二", demand_enterprise="乙公司", demand_region_code="430100",
             demand_field="SEI02", rank=1, code="R1", title="成果一", institution="中南大学、湖南大学", field="SEI02",
             strength="中", score=0.8, trl=6, is_demo=False)]
    ev = plan_events(pd.DataFrame(rows), first_date=dt.date(2026, 12, 5), min_demands=2)  # 5 Dec 2026 is a Saturday
    assert len(ev) == 1
    e = ev[0]
    assert (e["领域"], e["片区"], e["需求数"], e["成果数"]) == ("新材料", "长沙市", 2, 2)
    assert e["日期"] == "2026-12-07"  # moved to the Monday
    assert e["建议邀请高校院所"] == "中南大学、湖南大学"  # each name once, best-scoring result first
    r1 = e["成果表"].set_index("成果编号").loc["R1"]
    assert (r1["对应需求"], r1["最高匹配强度"], r1["技术成熟度"], r1["完成单位"]) == ("D1、D2", "高", "6 级", "中南大学、湖南大学")
    assert e["成果表"].set_index("成果编号").loc["R2", "技术成熟度"] == ""
    assert e["需求表"]["需求编号"].tolist() == ["D1", "D2"] and e["需求表"]["企业"].tolist() == ["甲公司", "乙公司"]

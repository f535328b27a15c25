"""gaoxin.services.evaluation on values: a ranking's numbers from a two-indicator framework, computed
by hand (min–max to 0–100 per indicator, equal weights, arithmetic mean), and the zone-user rule."""
from __future__ import annotations

import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import evaluation as ev
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Forbidden
from gaoxin.services.scope import CONSOLE

TINY = {"nodes": [{"code": "INDEX", "name": "测试综合指数", "children": [
    {"code": "A", "name": "维度甲", "weight": 1, "children": [{"code": "D1_1", "name": "指标一", "weight": 1, "direction": 1}]},
    {"code": "B", "name": "维度乙", "weight": 1, "children": [{"code": "D1_2", "name": "指标二", "weight": 1, "direction": 1}]},
]}]}


@pytest.fixture
def three_zones(sqlite_db_url, monkeypatch):
    import gaoxin.index as index
    from gaoxin.services.cache import clear
    from gaoxin.store.models import Observation, Zone
    clear()
    tiny = index.parse_framework(TINY, "tiny")
    monkeypatch.setattr(index, "load_framework", lambda name: tiny)
    with session_scope(sqlite_db_url) as s:
        z1, z2, z3 = [c for (c,) in s.query(Zone.code).order_by(Zone.code).limit(3)]
        for z, v1, v2 in ((z1, 10, 3), (z2, 20, 1), (z3, 30, 2)):
            s.add(Observation(unit_type="zone", unit_code=z, indicator_code="D1_1", period=2024, value=v1))
            s.add(Observation(unit_type="zone", unit_code=z, indicator_code="D1_2", period=2024, value=v2))
    return sqlite_db_url, (z1, z2, z3)


def test_ranking_numbers(three_zones):
    url, (z1, z2, z3) = three_zones
    with session_scope(url) as s:
        # the first three zones by code are national (HN-N-…): ranked within 国家级
        df, meta = ev.ranking(s, CONSOLE, 2024, zone_class="国家级")
    got = {r["unit"]: (r["rank"], r["score"], r["A"], r["B"]) for r in df.to_dict("records") if r["unit"] in (z1, z2, z3)}
    # min–max to 0–100: 指标一 10/20/30 → 0/50/100, 指标二 3/1/2 → 100/0/50; index = mean of the two
    # dimensions: z1 (0+100)/2 = 50, z2 (50+0)/2 = 25, z3 (100+50)/2 = 75 → ranks z3 1, z1 2, z2 3
    assert got == {z1: (2, 50.0, 0.0, 100.0), z2: (3, 25.0, 50.0, 0.0), z3: (1, 75.0, 100.0, 50.0)}
    assert meta["year"] == 2024 and meta["dimension_labels"]["A"] == "维度甲" and meta["zone_class"] == "国家级"
    assert meta["document"] == "国科发火〔2021〕106号" and meta["n_units"] == 3
    assert ev.city_scores(df[df["unit"].isin([z1, z2, z3])]) == {
        c: round(df[(df["city"] == c) & df["unit"].isin([z1, z2, z3])]["score"].mean(), 2)
        for c in set(df[df["unit"].isin([z1, z2, z3])]["city"])}


def test_zone_user_sees_only_a_published_ranking(three_zones):
    url, (z1, z2, z3) = three_zones
    user = Principal("z", "zone_user", zones=frozenset({z1}))
    with session_scope(url) as s:
        with pytest.raises(Forbidden, match="尚未发布"):
            ev.ranking(s, user, 2024)
        ev.publish(s, CONSOLE, 2024)
    with session_scope(url) as s:
        df, meta = ev.ranking(s, user, 2024)
        assert meta["published"] is True
        assert dict(zip(df["unit"], df["score"]))[z3] == 75.0  # the published figures, as computed above
        p = ev.zone_profile_for(s, user, z1, 2024)
        assert (p["score"], p["rank"]) == (50.0, 2)
        with pytest.raises(Forbidden):
            ev.zone_profile_for(s, user, z2, 2024)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """A demo database (zones and indicators only) shared by the class tests below."""
    import os

    from gaoxin.demo import build_demo
    from gaoxin.services.cache import clear
    from gaoxin.store.migrate import init_database
    url = f"sqlite:///{tmp_path_factory.mktemp('evclass') / 'gaoxin.db'}"
    old = os.environ.get("GAOXIN_DATABASE_URL")
    os.environ["GAOXIN_DATABASE_URL"] = url
    init_database(url)
    with session_scope(url) as s:
        build_demo(s, n_enterprises=0, n_results=0, n_demands=0)
    clear()
    yield url
    from gaoxin.store.db import dispose_engines
    dispose_engines()
    if old is None:
        os.environ.pop("GAOXIN_DATABASE_URL", None)
    else:
        os.environ["GAOXIN_DATABASE_URL"] = old


def _zones_csv():
    import csv

    from gaoxin.reference import REFERENCE_DIR
    with open(REFERENCE_DIR / "zones.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_rankings_are_within_class(demo_url):
    zones = _zones_csv()
    national = {z["code"] for z in zones if z["level"] == "国家级"}
    provincial = {z["code"] for z in zones if z["level"] == "省级"}
    assert (len(national), len(provincial)) == (9, 43)   # zones.csv: 9 national, 43 provincial zones
    with session_scope(demo_url) as s:
        nat, nmeta = ev.ranking(s, CONSOLE, None, zone_class="国家级")
        prov, pmeta = ev.ranking(s, CONSOLE, None, zone_class="省级")
    assert set(nat["unit"]) == national and sorted(nat["rank"]) == list(range(1, 10))
    assert set(prov["unit"]) == provincial and sorted(prov["rank"]) == list(range(1, 44))
    # the national system (国科发火〔2021〕106号) has five first-level dimensions; the 2017 provincial
    # system four, of which the fourth (可持续发展能力) has no indicators in the source and is left out
    assert nmeta["framework_name"] == "国家高新技术产业开发区综合评价指标体系（2021）"
    assert nmeta["document"] == "国科发火〔2021〕106号" and len(nmeta["dimensions"]) == 5
    assert pmeta["framework_name"] == "湖南省省级高新技术产业开发区绩效评价指标体系（试行）"
    assert len(pmeta["dimensions"]) == 3 and pmeta["n_units"] == 43 and nmeta["n_units"] == 9
    # gap notes in words: no node codes, no YAML keys
    assert nmeta["gaps"] and pmeta["gaps"]
    assert "“高新区可持续发展能力”" in pmeta["gaps"][0] and "missing" not in pmeta["gaps"][0]
    assert nmeta["gaps"][0].startswith("第二至第五个一级指标")


def test_any_framework_on_any_class(demo_url):
    """The provincial system run on the national zones: still only the nine national zones, 1..9."""
    national = {z["code"] for z in _zones_csv() if z["level"] == "国家级"}
    with session_scope(demo_url) as s:
        df, meta = ev.ranking(s, CONSOLE, None, framework="hunan-provincial-2017", zone_class="国家级")
    assert set(df["unit"]) == national and sorted(df["rank"]) == list(range(1, 10))
    assert meta["framework_name"] == "湖南省省级高新技术产业开发区绩效评价指标体系（试行）"
    labels = {c["label"] for c in ev.framework_choices()}
    assert "国家高新技术产业开发区综合评价指标体系（2021）（国科发火〔2021〕106号）" in labels


def test_national_profile_and_publishing_per_class(demo_url):
    national = sorted(z["code"] for z in _zones_csv() if z["level"] == "国家级")
    provincial = sorted(z["code"] for z in _zones_csv() if z["level"] == "省级")
    nz, pz = national[0], provincial[0]
    with session_scope(demo_url) as s:
        nat, meta = ev.ranking(s, CONSOLE, None, zone_class="国家级")
        p = ev.zone_profile_for(s, CONSOLE, nz, None)
        assert p["zone_class"] == "国家级" and p["n_units"] == 9 and 1 <= p["rank"] <= 9
        # the profile's rank and score are those of the national ranking table
        row = nat[nat["unit"] == nz].iloc[0]
        assert (p["rank"], p["score"]) == (int(row["rank"]), float(row["score"]))
        assert [d["name"] for d in p["dimensions"]][0] == "创新能力和创业活跃度"
        # each listed indicator carries the unit national-2021.yaml declares for it (个, %, 件/万人 …)
        import yaml
        from gaoxin.reference import REFERENCE_DIR
        declared = {}
        def walk(nodes):
            for n in nodes:
                if n.get("unit"):
                    declared[n["code"]] = n["unit"]
                walk(n.get("children") or [])
        walk(yaml.safe_load((REFERENCE_DIR / "frameworks" / "national-2021.yaml").read_text(encoding="utf-8"))["nodes"])
        listed = p["strengths"] + p["weaknesses"]
        assert listed and all(r["unit"] == declared.get(r["code"]) for r in listed)
        assert any(r["unit"] for r in listed)
        y = meta["year"]
        ev.publish(s, CONSOLE, y, zone_class="国家级")
    nat_user = Principal("n", "zone_user", zones=frozenset({nz}))
    prov_user = Principal("p", "zone_user", zones=frozenset({pz}))
    with session_scope(demo_url) as s:
        df, m = ev.ranking(s, nat_user, y)          # own class by default: the published national one
        assert m["published"] is True and m["zone_class"] == "国家级" and len(df) == 9
        with pytest.raises(Forbidden, match="本园区所属级别"):
            ev.ranking(s, nat_user, y, zone_class="省级")
        with pytest.raises(Forbidden, match="省级高新区排名尚未发布"):
            ev.ranking(s, prov_user, y)
        # unpublished: the provincial zone user sees its own scores, no rank
        pp = ev.zone_profile_for(s, prov_user, pz, y)
        assert pp["rank"] is None and pp["score"] is not None and pp["zone_class"] == "省级"
        runs = ev.runs(s, nat_user)
        assert list(runs["zone_class"]) == ["国家级"]
        assert list(runs["framework"]) == ["国家高新技术产业开发区综合评价指标体系（2021）"]
        assert ev.runs(s, prov_user).empty

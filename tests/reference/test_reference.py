"""Reference data: sources present, numbers as printed in the seeds, loaders and overrides."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

import gaoxin.reference as ref

from tests.seeds import SEEDS
YAML_FILES = ["departments.yaml", "industries.yaml", "new_tracks.yaml", "ladder.yaml",
              "frameworks/hunan-provincial-2017.yaml"]
SEED_FILE_RE = re.compile(r"00[0-4]_[0-9a-f]{16}\.txt")


def _framework_dims():
    doc = yaml.safe_load((ref.FRAMEWORKS_DIR / "hunan-provincial-2017.yaml").read_text(encoding="utf-8"))
    (root,) = doc["nodes"]
    return doc, root, root["children"]


# ----------------------------------------------------------------- every value cites a source

@pytest.mark.parametrize("name", YAML_FILES)
def test_every_yaml_has_top_level_source(name):
    doc = yaml.safe_load((ref.REFERENCE_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and doc.get("source"), name


def _items_with_code(obj):
    if isinstance(obj, dict):
        if "code" in obj:
            yield obj
        for v in obj.values():
            yield from _items_with_code(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _items_with_code(v)


@pytest.mark.parametrize("name", YAML_FILES)
def test_every_coded_item_has_a_source(name):
    doc = yaml.safe_load((ref.REFERENCE_DIR / name).read_text(encoding="utf-8"))
    items = list(_items_with_code(doc))
    assert items
    # Tracks inherit their group's source (one sentence of the seed lists them all).
    missing = [i["code"] for i in items if not i.get("source") and name != "new_tracks.yaml"]
    assert missing == []
    if name == "new_tracks.yaml":
        assert all(g.get("source") for g in doc["groups"])


@pytest.mark.parametrize("name", ["regions.csv", "zones.csv"])
def test_every_csv_row_has_a_source(name):
    df = ref.load_regions() if name == "regions.csv" else ref.load_zones()
    assert (df["source"].str.len() > 0).all()


def test_seed_citations_name_real_seed_files():
    seen = set()
    for name in YAML_FILES:
        seen |= set(SEED_FILE_RE.findall((ref.REFERENCE_DIR / name).read_text(encoding="utf-8")))
    assert seen, "no seed cited"
    if SEEDS.is_dir():  # the shared folder is beside the work tree on dev and CI machines
        for f in seen:
            assert (SEEDS / f).is_file(), f


# ----------------------------------------------------------------- framework (seed 001 附件)

def test_framework_dimension_weights_are_30_30_20_20():
    doc, root, dims = _framework_dims()
    assert root["code"] == "INDEX"
    assert root["name"] == "省级高新区绩效评价综合指数"
    assert [d["weight"] for d in dims] == [30, 30, 20, 20]
    assert [d["name"] for d in dims] == ["知识创造和技术创新能力", "产业升级和结构优化能力",
                                         "开放性和参与竞争能力", "高新区可持续发展能力"]


def test_framework_secondary_weights_as_printed():
    _, _, dims = _framework_dims()
    weights = {d["code"]: [c["weight"] for c in d["children"]] for d in dims}
    # Hand-copied from seed 001's 附件 赋权 column.
    assert weights["D1"] == [1.0, 1.2, 0.9, 0.8, 1.0, 1.1, 1.1, 0.9, 1.0, 1.0, 1.0]
    assert weights["D2"] == [1.1, 1.2, 1.2, 0.8, 0.8, 0.9, 1.0]
    assert weights["D3"] == [1.0, 1.0, 0.9, 1.1, 0.8, 1.1, 1.1]
    # The sums the seed implies: every group averages 1.0 per indicator.
    assert math.isclose(sum(weights["D1"]), 11.0)
    assert math.isclose(sum(weights["D2"]), 7.0)
    assert math.isclose(sum(weights["D3"]), 7.0)


def test_framework_source_types_and_directions():
    _, _, dims = _framework_dims()
    leaves = [c for d in dims for c in d["children"]]
    assert len(leaves) == 25
    assert {c["source_type"] for c in leaves} == {"统计", "调查", "定性"}
    by_type = {t: [c["code"] for c in leaves if c["source_type"] == t] for t in ("调查", "定性")}
    assert by_type == {"调查": ["D1_10", "D2_6", "D3_6"], "定性": ["D1_11", "D2_7", "D3_7"]}
    assert all(c["direction"] == 1 for c in leaves)
    codes = [n["code"] for n, _, _ in ref.iter_framework_nodes(_framework_dims()[0]["nodes"])]
    assert len(codes) == len(set(codes))


def test_framework_names_are_verbatim_from_seed():
    seed = SEEDS / "001_282604393c848d88.txt"
    if not seed.is_file():
        pytest.skip("shared seeds not present")
    text = seed.read_text(encoding="utf-8")
    _, _, dims = _framework_dims()
    for d in dims:
        assert d["name"] in text
        for c in d["children"]:
            assert c["name"] in text, c["name"]


def test_fourth_dimension_gap_is_marked():
    doc, _, dims = _framework_dims()
    d4 = dims[3]
    assert d4["missing"] is True and d4["children"] == []
    assert "截断" in d4["note"] and "GAOXIN_HOME" in d4["note"]
    assert doc["status"] == "incomplete"
    assert not any(d.get("missing") for d in dims[:3])


# ----------------------------------------------------------------- framework override

def test_shipped_framework_is_listed(tmp_path, monkeypatch):
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path))
    assert "hunan-provincial-2017" in ref.list_frameworks()
    assert ref.framework_path("hunan-provincial-2017") == ref.FRAMEWORKS_DIR / "hunan-provincial-2017.yaml"


def test_user_framework_overrides_shipped_one(tmp_path, monkeypatch):
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path))
    shipped = yaml.safe_load(ref.framework_path("hunan-provincial-2017").read_text(encoding="utf-8"))
    d4 = shipped["nodes"][0]["children"][3]
    d4.pop("missing")
    d4["children"] = [{"code": "D4_1", "name": "万元产值能耗下降率", "weight": 1.0, "direction": 1,
                       "source_type": "统计", "source": "用户补充"}]
    user_dir = tmp_path / "frameworks"
    user_dir.mkdir()
    (user_dir / "hunan-provincial-2017.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True),
                                                        encoding="utf-8")
    (user_dir / "my-city.yaml").write_text(yaml.safe_dump({"source": "x", "nodes": []}), encoding="utf-8")

    assert ref.framework_path("hunan-provincial-2017") == user_dir / "hunan-provincial-2017.yaml"
    # the shipped frameworks plus the user's new one (other shipped frameworks may be added beside them)
    shipped_names = sorted(p.stem for p in ref.FRAMEWORKS_DIR.glob("*.yaml"))
    assert ref.list_frameworks() == sorted({*shipped_names, "my-city"})
    assert "hunan-provincial-2017" in shipped_names
    loaded = ref.load_framework("hunan-provincial-2017")
    assert loaded["nodes"][0]["children"][3]["children"][0]["code"] == "D4_1"

    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path / "elsewhere"))  # no user dir: shipped again
    assert ref.framework_path("hunan-provincial-2017").parent == ref.FRAMEWORKS_DIR


def test_unknown_framework_message_is_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="找不到评价指标体系.*hunan-provincial-2017"):
        ref.framework_path("no-such-framework")


def test_malformed_user_framework_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path))
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "broken.yaml").write_text("nodes: [\n", encoding="utf-8")
    (tmp_path / "frameworks" / "flat.yaml").write_text("source: x\n", encoding="utf-8")
    with pytest.raises(ref.ReferenceDataError, match="不是有效的 YAML"):
        ref.load_framework("broken")
    with pytest.raises(ref.ReferenceDataError, match="缺少顶层 nodes"):
        ref.load_framework("flat")


# ----------------------------------------------------------------- regions

CITIES = {"430100": "长沙市", "430200": "株洲市", "430300": "湘潭市", "430400": "衡阳市",
          "430500": "邵阳市", "430600": "岳阳市", "430700": "常德市", "430800": "张家界市",
          "430900": "益阳市", "431000": "郴州市", "431100": "永州市", "431200": "怀化市",
          "431300": "娄底市", "433100": "湘西土家族苗族自治州"}


def test_province_and_fourteen_cities():
    regions = ref.load_regions()
    assert regions["code"].is_unique
    assert regions["name"].is_unique
    prov = regions[regions["level"] == "province"]
    assert prov[["code", "name"]].values.tolist() == [["430000", "湖南省"]]
    cities = regions[regions["level"] == "city"]
    assert dict(zip(cities["code"], cities["name"])) == CITIES
    assert (cities["parent_code"] == "430000").all()


def test_counties_hang_under_their_city():
    regions = ref.load_regions()
    counties = regions[regions["level"] == "county"]
    assert len(counties) == 122  # Hunan's county-level divisions (GB/T 2260)
    assert counties["code"].str.fullmatch(r"43\d{4}").all()
    # adcode prefix = city prefix
    assert (counties["code"].str[:4] + "00" == counties["parent_code"]).all()
    assert set(counties["parent_code"]) == set(CITIES)
    assert set(regions["level"]) <= set(ref.REGION_LEVELS)


def test_xiangtan_units_of_seed_004():
    # Every 县市区 / 园区 row of seed 004 附件2–5 resolves to a unit.
    expected = {"湘潭县": ("county", "430321"), "湘乡市": ("county", "430381"),
                "韶山市": ("county", "430382"), "雨湖区": ("county", "430302"),
                "岳塘区": ("county", "430304"), "湘潭高新区": ("zone", "HN-N-XIANGTAN"),
                "湘潭经开区": ("county", "430300-ETDZ"), "岳塘经开区": ("county", "430300-YTDZ"),
                "湘潭综保区": ("county", "430300-FTZ")}
    for name, unit in expected.items():
        assert ref.find_unit(name) == unit, name
    parks = ref.load_regions().query("level == 'park'")
    assert (parks["parent_code"] == "430300").all()


def test_find_region():
    assert ref.find_region("430321")["name"] == "湘潭县"
    assert ref.find_region(" 湘潭市 ")["code"] == "430300"
    assert ref.find_region("湘潭") is None  # ambiguous stem: no guess
    assert ref.find_region(None) is None


# ----------------------------------------------------------------- zones

def test_zone_codes_names_unique_and_levels_valid():
    zones = ref.load_zones()
    assert zones["code"].is_unique and zones["name"].is_unique and zones["short_name"].is_unique
    assert set(zones["level"]) <= set(ref.ZONE_LEVELS)
    assert zones["code"].str.fullmatch(r"HN-[NP]-[A-Z]+").all()
    assert ((zones["level"] == "国家级") == zones["code"].str.startswith("HN-N-")).all()
    # Zones recognised in 2024 keep their park names (耒阳经济技术开发区) until renamed.
    assert zones["name"].str.endswith(("高新技术产业开发区", "开发区")).all()
    assert zones["short_name"].str.len().between(3, 10).all()
    national = zones[zones["level"] == "国家级"]
    assert national["name"].str.endswith("高新技术产业开发区").all()
    # No alias may collide with another zone's name.
    names = set(zones["name"]) | set(zones["short_name"])
    for _, row in zones.iterrows():
        for alias in ref.zone_aliases(row):
            assert alias not in names, alias


def test_each_zone_city_is_a_known_city():
    zones = ref.load_zones()
    regions = ref.load_regions()
    city_codes = set(regions.loc[regions["level"] == "city", "code"])
    assert set(zones["city_code"]) <= city_codes
    county = regions.set_index("code")
    for row in zones.dropna(subset=["county_code"]).itertuples():
        assert county.loc[row.county_code, "parent_code"] == row.city_code, row.code


def test_national_zone_count():
    zones = ref.load_zones()
    national = zones[zones["level"] == "国家级"]
    # 8 national zones by 2018 (seed 001 names 7, plus 怀化), 宁乡 upgraded in 2022: 9. Seed 000
    # (2025) aims to "突破10家" by 2028, consistent with fewer than 10 now.
    assert len(national) == 9
    assert set(national["short_name"]) == {"长沙高新区", "株洲高新区", "湘潭高新区", "益阳高新区", "衡阳高新区",
                                           "郴州高新区", "常德高新区", "怀化高新区", "宁乡高新区"}
    provincial = zones[zones["level"] == "省级"]
    # Hunan had 50 provincial zones at the end of 2024 (59 in all); the list ships the 43 a public page
    # names. Codes are never withdrawn, so the list can only grow towards 50, never past it.
    assert 43 <= len(provincial) <= 50
    assert len(zones) <= 59


def test_seed_001_national_zones_are_national():
    seed = SEEDS / "001_282604393c848d88.txt"
    if not seed.is_file():
        pytest.skip("shared seeds not present")
    text = seed.read_text(encoding="utf-8")
    for city in ("长沙", "株洲", "湘潭", "益阳", "衡阳", "郴州", "常德"):
        assert city in text
        assert ref.find_zone(f"{city}高新区")["level"] == "国家级"


def test_approved_years_plausible():
    years = ref.load_zones()["approved_year"].dropna()
    assert years.between(1988, 2026).all()


@pytest.mark.parametrize("text", ["长沙高新技术产业开发区", "长沙高新区", "HN-N-CHANGSHA", "hn-n-changsha",
                                  "湖南长沙高新技术产业开发区", "长沙国家高新技术产业开发区", "长沙国家高新区",
                                  " 长沙高新区　", "长沙高新技术产业园区"])
def test_find_zone_variants(text):
    assert ref.find_zone(text)["code"] == "HN-N-CHANGSHA"


def test_find_zone_by_alias_and_former_name():
    assert ref.find_zone("南县经开区")["code"] == "HN-P-NANXIAN"
    assert ref.find_zone("宁乡高新技术产业园区")["code"] == "HN-N-NINGXIANG"
    assert ref.find_zone("耒阳经开区")["code"] == "HN-P-LEIYANG"
    assert ref.find_zone("岳阳临港高新区")["level"] == "省级"


def test_find_zone_misses_return_none():
    assert ref.find_zone("长沙经开区") is None
    assert ref.find_zone("") is None
    assert ref.find_zone(None) is None


def test_zone_name_suggestions():
    assert ref.zone_name_suggestions("长沙高薪区")[0] == "长沙高新技术产业开发区"
    assert ref.zone_name_suggestions("株州高新技术产业开发区")[0] == "株洲高新技术产业开发区"
    out = ref.zone_name_suggestions("湘潭高新区", n=2)
    assert len(out) <= 2 and out[0] == "湘潭高新技术产业开发区"
    assert ref.zone_name_suggestions("完全无关的文字xyz") == []


# ----------------------------------------------------------------- taxonomies

def test_nine_strategic_emerging_industries():
    inds = ref.load_industries()
    assert [i["code"] for i in inds] == [f"SEI{k:02d}" for k in range(1, 10)]
    assert [i["name"] for i in inds] == ["高端装备", "新材料", "航空航天", "新一代信息技术", "生物", "节能环保",
                                         "新能源及智能网联汽车", "新兴服务业", "未来产业"]
    for i in inds:
        assert len(i["keywords"]) >= 10 and len(set(i["keywords"])) == len(i["keywords"]), i["code"]


def test_industry_keywords_occur_in_seed_002():
    seed = SEEDS / "002_2ccea6797a98b795.txt"
    if not seed.is_file():
        pytest.skip("shared seeds not present")
    text = seed.read_text(encoding="utf-8")
    missing = [k for i in ref.load_industries() for k in i["keywords"] + i["fields"] if k not in text]
    assert missing == []


def test_new_tracks_groups_as_printed():
    groups = ref.load_new_tracks()
    assert [g["code"] for g in groups] == ["traditional_upgrade", "emerging", "future"]
    names = {g["code"]: [t["name"] for t in g["tracks"]] for g in groups}
    assert names == {
        "traditional_upgrade": ["石化化工", "有色金属", "钢铁", "轻工", "工程机械", "轨道交通装备"],
        "emerging": ["北斗产业", "低空经济", "先进计算", "合成生物", "人工智能", "磁浮技术"],
        "future": ["人形机器人", "脑机接口", "下一代互联网", "量子科技", "生命工程", "前沿材料"],
    }
    for g in groups:
        for t in g["tracks"]:
            assert t["keywords"][0] == t["name"]
    index = ref.new_track_index()
    assert len(index) == 18 and index["low_altitude"]["group"] == "emerging"


def test_new_track_names_occur_in_seed_000():
    seed = SEEDS / "000_833f39822cf367ab.txt"
    if not seed.is_file():
        pytest.skip("shared seeds not present")
    text = seed.read_text(encoding="utf-8")
    assert [t["name"] for g in ref.load_new_tracks() for t in g["tracks"] if t["name"] not in text] == []


def test_ladder_order_and_stages():
    rungs = ref.load_ladder()
    seed_rungs = [r for r in rungs if r["in_seed_ladder"]]
    assert [r["code"] for r in seed_rungs] == ["tech_sme", "eaglet", "hnte", "gazelle", "little_giant",
                                               "listed_leader", "unicorn"]
    assert [r["name"] for r in seed_rungs] == ["科技型中小企业", "雏鹰企业", "高新技术企业", "瞪羚企业",
                                               "专精特新“小巨人”企业", "上市领军型企业", "独角兽企业"]
    orders = [r["order"] for r in rungs]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    miit = [r for r in rungs if r["origin"] == "miit"]
    assert [r["name"] for r in miit] == ["创新型中小企业", "专精特新中小企业"]
    assert all("工信部" in r["source"] and not r["in_seed_ladder"] for r in miit)
    # MIIT order: 创新型 < 专精特新 < 小巨人
    order = {r["code"]: r["order"] for r in rungs}
    assert order["innovative_sme"] < order["specialized_sme"] < order["little_giant"]
    stages = ref.load_ladder_stages()
    assert [s["name"] for s in stages] == ["种子期", "苗木期", "成长期", "壮大期", "成熟期"]


def test_departments_and_rd_categories():
    depts = ref.load_departments()
    codes = [d["code"] for d in depts]
    assert len(codes) == len(set(codes))
    names = {d["name"] for d in depts}
    assert {"省科技厅", "省发展改革委", "省工业和信息化厅", "市科技局", "市工信局", "市发改委", "市教育局"} <= names
    cats = ref.load_rd_categories()
    assert [c["name"] for c in cats] == ["科学研究和技术服务业非企业单位", "在潭高校", "规模以上工业企业",
                                         "特、一级建筑业", "规模以上服务业", "医疗卫生机构"]
    for c in cats:
        assert set(c["responsible"]) <= set(codes), c["code"]
    # Lead unit (first) as in 附件1: 规模以上工业企业 → 市工信局.
    assert ref.find_unit("规模以上工业企业") == ("category", "rd-industry-above-scale")
    assert cats[2]["responsible"][0] == "xt-gxj"
    assert ref.find_unit("市科技局") == ("department", "xt-kjj")
    assert ref.find_unit("湖南省科学技术厅") == ("department", "hn-kjt")
    assert ref.find_unit("省科学技术厅") == ("department", "hn-kjt")
    assert ref.find_unit("各园区管委会") == ("department", "xt-yq-gwh")


def test_department_names_occur_in_seeds():
    if not SEEDS.is_dir():
        pytest.skip("shared seeds not present")
    text = (SEEDS / "000_833f39822cf367ab.txt").read_text(encoding="utf-8") + \
        (SEEDS / "004_5ad5552d415be116.txt").read_text(encoding="utf-8")
    missing = [d["name"] for d in ref.load_departments() if d["name"] not in text]
    assert missing == []


def test_gap_nodes_are_not_indicators():
    doc = ref.load_framework("hunan-provincial-2017")
    leaves = ref.framework_indicators(doc)
    assert len(leaves) == 25 and "D4" not in {n["code"] for n in leaves}
    assert [g["code"] for g in ref.framework_gaps(doc)] == ["D4"]
    pruned = ref.prune_missing(doc)
    dims = pruned["nodes"][0]["children"]
    assert [d["code"] for d in dims] == ["D1", "D2", "D3"]
    assert [d["weight"] for d in dims] == [30, 30, 20]
    # the original is untouched
    assert len(doc["nodes"][0]["children"]) == 4


def test_pruned_framework_parses_in_the_engine():
    index = pytest.importorskip("gaoxin.index.framework")
    fw = index.load_framework(ref.prune_missing(ref.load_framework("hunan-provincial-2017")))
    assert len(fw.indicators) == 25 and "D4" not in fw.indicators


def test_every_zone_resolves_by_each_of_its_names():
    zones = ref.load_zones()
    for _, z in zones.iterrows():
        for text in (z["code"], z["code"].lower(), z["name"], z["short_name"], f" {z['name']}　",
                     "湖南" + z["name"], *ref.zone_aliases(z)):
            hit = ref.find_zone(text)
            assert hit is not None and hit["code"] == z["code"], (text, z["code"])
        assert ref.find_unit(z["short_name"]) == ("zone", z["code"])
        assert ref.zone_name_suggestions(z["name"])[0] == z["name"]


def test_every_region_resolves_by_code_and_name():
    for _, r in ref.load_regions().iterrows():
        assert ref.find_region(r["code"])["name"] == r["name"]
        assert ref.find_region(r["name"])["code"] == r["code"]


def test_loaders_hand_out_copies():
    zones = ref.load_zones()
    zones.loc[:, "name"] = "x"  # a caller scribbling on its frame must not change the reference data
    assert ref.load_zones()["name"].iloc[0] == "长沙高新技术产业开发区"
    regions = ref.load_regions()
    regions.loc[:, "code"] = "0"
    assert ref.load_regions()["code"].iloc[0] == "430000"
    ref.load_industries()[0]["keywords"].clear()
    assert ref.load_industries()[0]["keywords"]
    ref.clear_caches()
    assert ref.find_zone("长沙高新区")["code"] == "HN-N-CHANGSHA"


# ----------------------------------------------------------------- zone list completeness (Nov 2026)

def test_each_zone_county_is_a_county_of_its_city():
    zones = ref.load_zones()
    regions = ref.load_regions().set_index("code")
    for row in zones.dropna(subset=["county_code"]).itertuples():
        assert regions.loc[row.county_code, "level"] == "county", row.code
        # A zone named after a county carries that county's name (攸县高新区 → 攸县).
        county = regions.loc[row.county_code, "name"]
        stem = re.sub(r"(瑶族自治县|县|市|区)$", "", county)
        assert row.name.startswith(stem) or row.short_name.startswith(stem), (row.code, county)


def test_every_provincial_zone_cites_a_page_or_seed():
    zones = ref.load_zones()
    for row in zones.itertuples():
        assert "http" in row.source or SEED_FILE_RE.search(row.source), row.code


def test_zone_counts_per_city_match_the_city_reports():
    zones = ref.load_zones()
    prov = zones[zones["level"] == "省级"]
    per_city = prov.groupby("city_code").size()
    # 华声在线 2023-03-20: 常德 has 7 provincial zones (汉寿、桃源、津市、澧县、临澧、石门、安乡); none was
    # added in the 2024 batch.
    assert per_city.get("430700", 0) == 7
    # 衡阳市科技局 2023-03-07: 1 national + 5 provincial zones; 耒阳 was added in December 2024.
    assert per_city.get("430400", 0) <= 6
    # Each of the 14 cities has at least one provincial zone listed (湘潭 only 韶山, 张家界 only its own).
    assert set(per_city.index) == set(ref.load_regions().query("level == 'city'")["code"])


@pytest.mark.parametrize(("text", "code", "city"), [
    ("汨罗高新区", "HN-P-MILUO", "430600"),
    ("岳阳绿色化工高新区", "HN-P-YUEYANGLVSEHUAGONG", "430600"),
    ("双峰高新技术产业开发区", "HN-P-SHUANGFENG", "431300"),
    ("新化高新区", "HN-P-XINHUA", "431300"),
    ("零陵高新区", "HN-P-LINGLING", "431100"),
    ("衡山高新区", "HN-P-HENGSHAN", "430400"),
    ("衡山经济开发区", "HN-P-HENGSHAN", "430400"),  # former park name
])
def test_zones_added_from_city_pages(text, code, city):
    hit = ref.find_zone(text)
    assert hit is not None and hit["code"] == code and hit["city_code"] == city
    assert hit["level"] == "省级"


def test_2024_batch_keeps_park_names_until_a_rename_is_confirmed():
    # 湘政 2024-12-09 recognised these four parks as provincial zones under their park names; only
    # 南县 has a confirmed new name (省发改委 2025-09-05 公示: 南县高新技术产业开发区).
    for code, name in [("HN-P-LEIYANG", "耒阳经济技术开发区"), ("HN-P-LUKOU", "渌口经济技术开发区"),
                       ("HN-P-SUXIAN", "苏仙产业开发区"), ("HN-P-NANXIAN", "南县高新技术产业开发区")]:
        z = ref.find_zone(code)
        assert z["name"] == name and z["approved_year"] == 2024 and z["level"] == "省级"

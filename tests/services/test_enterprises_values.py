"""gaoxin.services.enterprises over a store, on values: the enterprise list (order, filters, meta), the
ladder, the cultivation pool, the subsidies, the enterprise profile, the cohort of the CLI, and the
Chinese messages of the refusals. Runs on SQLite and PostgreSQL.

The store holds five firms of 湘潭高新区 (code HN-N-XIANGTAN), founded 2015-06-01, with 2023–2025 data
flat over the years (the annual values of tests/services/test_enterprises_service.py; every firm meets
the 高企 conditions other than the ones worked out below). Hand-worked against the 高企 rules
(国科发火〔2016〕32号 第十一条: R&D ≥ 5 % of revenue for ≤ 5000万, ≥ 4 % for 5000万–2亿, ≥ 3 % above;
科技人员 ≥ 10 %; 高新收入 ≥ 60 % of 总收入) and the 科小 rules (国科发政〔2017〕115号 第六条: ≤ 500 staff,
revenue ≤ 2亿):

  甲 SEI01 高端装备  revenue 3000,  R&D 120 = 4 %  < 5 %     → 科小, 高企 pool (1 gap: R&D, 1 % of 3×3000 = 90万)
  戊 SEI01 高端装备  the same figures as 甲 (a tie on points; a smaller credit code)
  乙 新材料          revenue 10000, R&D 600 = 6 % ≥ 4 %, 总收入 10000, 高新收入 7000 = 70 % → 高企;
                     one new national and one new provincial platform in 2025 → 100 + 10 万元 (潭政办发〔2023〕33号)
  丙 SEI01 高端装备  revenue 4000,  R&D 160 = 4 %  < 5 %     → 科小, 高企 pool (R&D gap 1 % of 12000 = 120万)
  丁 (no industry)   revenue 30000 > 2亿, 1000 staff > 500 → no rung; 高企 gaps: 科技人员 20/1000 = 2 % < 10 %
                     (80 more people) and R&D 300/30000 = 1 % < 3 % (2 % of 90000 = 1800万)

and one firm of 株洲高新区 (HN-N-ZHUZHOU), 己 新材料, with 甲's figures, marked a demo record: what one
zone's answers must not include, and what a demo zone's meta must say. 长沙高新区 has no enterprises.
"""
from __future__ import annotations

import datetime
import uuid

import pandas as pd
import pytest
import xlsxwriter

from gaoxin.auth.roles import Principal
from gaoxin.credit_code import make_credit_code
from gaoxin.enterprise import fields as F
from gaoxin.services import enterprises as ent
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Forbidden, Invalid, NotFound, ServiceError
from gaoxin.services.frames import num
from gaoxin.services.scope import CONSOLE
from tests.services.test_enterprises_service import STATIC, annual

ZONE = "HN-N-XIANGTAN"
OTHER = "HN-N-CHANGSHA"
A, B, C, D, E = (make_credit_code(f"914303020000000{n}") for n in ("10", "20", "30", "40", "05"))
Z = make_credit_code("91430211000000060")   # 己企业 of 株洲高新区, a demo record
ZHUZHOU = "HN-N-ZHUZHOU"
LAST_YEAR = datetime.date.today().year - 1


def _annual(revenue, rd, employees=100, total_income=None, **kw):
    v = annual(revenue, rd, **kw)
    v["employees"] = employees
    if total_income is not None:
        v["total_income"] = total_income
    return v


FIRMS = [(A, "甲企业", "SEI01", _annual(3000, 120)),
         (B, "乙企业", "新材料", _annual(10000, 600, total_income=10000, national=1, provincial=1)),
         (C, "丙企业", "SEI01", _annual(4000, 160)),
         (D, "丁企业", None, _annual(30000, 300, employees=1000)),
         (E, "戊企业", "SEI01", _annual(3000, 120))]
ZONE_OF = {Z: ("株洲高新区", "430211")}


def _template(path):
    header = ["统一社会信用代码", "企业名称", "所在高新区", "所在县市区", "产业领域", "成立日期", "年份"]
    header += [F.BY_CODE[c].name for c in STATIC]
    header += [f"{f.name}（{f.unit}）" for f in F.ANNUAL]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("企业")
    for j, h in enumerate(header):
        ws.write(0, j, h)
    r = 1
    for code, name, industry, vals in FIRMS + [(Z, "己企业", "新材料", _annual(3000, 120))]:
        for year in (2025, 2024, 2023):
            v = dict(vals)
            if year != 2025:  # the platforms are new in 2025 only
                v.update(new_national_platforms=0, new_provincial_platforms=0)
            zone_name, county = ZONE_OF.get(code, ("湘潭高新区", "430302"))
            row = [code, name, zone_name, county, industry, "2015-06-01", year] + list(STATIC.values())
            row += [v.get(f.code) for f in F.ANNUAL]
            for j, x in enumerate(row):
                if x is not None:
                    ws.write(r, j, x)
            r += 1
    wb.close()
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    """The five firms imported once per backend (a fresh database each; the import takes seconds), and
    the service cache emptied around each module run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from gaoxin.services.cache import clear
    from gaoxin.services.imports import import_path
    from gaoxin.store.db import dispose_engines
    from gaoxin.store.migrate import init_database
    tmp = tmp_path_factory.mktemp("ent_values")
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'gaoxin.db'}"
    else:
        admin = request.getfixturevalue("pg_server")
        name = f"gaoxin_t_{uuid.uuid4().hex[:12]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
        engine.dispose()
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    mp = pytest.MonkeyPatch()
    try:
        init_database(url)
        mp.setenv("GAOXIN_DATABASE_URL", url)
        clear()
        path = _template(tmp / "企业.xlsx")
        with session_scope(url) as s:
            report = import_path(s, CONSOLE, path, accept_warnings=True)
            assert report.ok, [p.reason for p in report.problems]
        from sqlalchemy import update

        from gaoxin.store.models import Enterprise
        with session_scope(url) as s:   # 己企业 is a demo record
            s.execute(update(Enterprise).where(Enterprise.credit_code == Z).values(is_demo=True))
        yield {"url": url, "file": path}
    finally:
        clear()
        mp.undo()
        dispose_engines()
        if name is not None:
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from gaoxin.services.cache import clear
    clear()
    yield
    clear()


def _core_points(s) -> dict:
    """Innovation points straight from the core (gaoxin.enterprise), the oracle of the list's order."""
    from gaoxin.enterprise import innovation_points
    from gaoxin.store.repo import enterprise_frame
    pts = innovation_points(enterprise_frame(s, 2025, zone_code=ZONE), as_of=2025)
    return dict(zip(pts["credit_code"], pts["points"]))


def _core_point_rows(s) -> dict:
    from gaoxin.enterprise import innovation_points
    from gaoxin.store.repo import enterprise_frame
    pts = innovation_points(enterprise_frame(s, 2025, zone_code=ZONE), as_of=2025)
    return {r["credit_code"]: r for r in pts.to_dict("records")}


XT_SOURCE = "《湘潭市推动科技创新“133”行动计划（2023—2025年）》（潭政办发〔2023〕33号） 四、（二）"


def test_list_order_filters_and_meta(store):
    one_zone = Principal("xt", "zone_user", zones=frozenset({ZONE}))
    with session_scope(store["url"]) as s:
        core = _core_points(s)
        full, meta = ent.enterprise_list(s, CONSOLE, "湘潭高新区", None, None)   # a zone by name
        mine, mine_meta = ent.enterprise_list(s, one_zone, None, 2025, None)  # a zone user's own zone
        every, every_meta = ent.enterprise_list(s, CONSOLE, None, None, None)  # every zone
        zz, zz_meta = ent.enterprise_list(s, CONSOLE, "株洲高新区", None, None)
        cut, cut_meta = ent.enterprise_list(s, CONSOLE, ZONE, None, None, limit=2)
        hte, hte_meta = ent.enterprise_list(s, CONSOLE, ZONE, None, "高企")     # an alias of the rung
        none, _ = ent.enterprise_list(s, CONSOLE, ZONE, None, ent.NO_RUNG)
        sei01, _ = ent.enterprise_list(s, CONSOLE, ZONE, None, None, industry="SEI01")
        by_name, _ = ent.enterprise_list(s, CONSOLE, ZONE, None, None, industry="新材料")
        both, both_meta = ent.enterprise_list(s, CONSOLE, ZONE, None, "科技型中小企业", industry="高端装备", q="丙")
        page, page_meta = ent.enterprise_list_page(s, CONSOLE, ZONE, page=2, page_size=2, industry="SEI01")
        page2, page2_meta = ent.enterprise_list_page(s, CONSOLE, ZONE, page=2, page_size=2)
        hte_page, hte_page_meta = ent.enterprise_list_page(s, CONSOLE, ZONE, 2025, "高企", q="乙")
        nobody, nobody_meta = ent.enterprise_list_page(s, CONSOLE, ZONE, q="丙", rung="高企")
        y24, y24_meta = ent.enterprise_list_page(s, one_zone, as_of=2024)
    assert list(full.columns) == ["credit_code", "name", "zone_code", "industry", "rung", "points"]
    assert list(full.columns) == list(ent.ENT_LABELS)
    # highest points first; 甲 and 戊 tie (the same figures), the smaller credit code (戊) first
    assert core[A] == core[E]
    expected = sorted(core, key=lambda c: (-core[c], c))
    assert list(full["credit_code"]) == expected
    assert list(full["points"]) == [core[c] for c in expected]
    assert expected.index(E) == expected.index(A) - 1
    rows = {r["credit_code"]: r for r in full.to_dict("records")}
    assert {c: (r["name"], r["zone_code"], r["rung"]) for c, r in rows.items()} == {
        A: ("甲企业", ZONE, "科技型中小企业"), E: ("戊企业", ZONE, "科技型中小企业"),
        C: ("丙企业", ZONE, "科技型中小企业"), B: ("乙企业", ZONE, "高新技术企业"),
        D: ("丁企业", ZONE, "（未达任一层级）")}
    assert [rows[c]["industry"] for c in (A, E, C, B)] == ["高端装备", "高端装备", "高端装备", "新材料"]
    assert not isinstance(rows[D]["industry"], str)   # no industry: empty, not a text
    # the rungs present in ladder order, the “none” choice last; industries by name, sorted
    assert meta == {"as_of": 2025, "is_demo": False, "total": 5,
                    "rungs": ["科技型中小企业", "高新技术企业", "（未达任一层级）"], "industries": ["新材料", "高端装备"]}
    assert list(mine["credit_code"]) == expected and mine_meta["as_of"] == 2025
    assert set(every["credit_code"]) == {A, B, C, D, E, Z} and every_meta["is_demo"] is True
    assert list(zz["name"]) == ["己企业"] and zz_meta["is_demo"] is True and zz_meta["industries"] == ["新材料"]
    assert zz_meta["rungs"] == ["科技型中小企业"]     # everyone reached a rung: no “none” choice
    assert mine_meta["is_demo"] is False
    assert list(cut["credit_code"]) == expected[:2] and cut_meta["total"] == 5
    assert list(hte["name"]) == ["乙企业"] and hte_meta["total"] == 1
    assert list(none["name"]) == ["丁企业"]
    assert sorted(sei01["name"]) == ["丙企业", "戊企业", "甲企业"]
    assert list(by_name["name"]) == ["乙企业"]
    assert list(both["name"]) == ["丙企业"] and both_meta["total"] == 1
    assert list(page["credit_code"]) == [c for c in expected if c in (A, C, E)][2:]
    assert page_meta == {"as_of": 2025, "is_demo": False, "total": 3, "rungs": meta["rungs"],
                         "industries": meta["industries"], "page": 2, "page_size": 2, "pages": 2,
                         "first": 3, "last": 3}
    assert list(page2["credit_code"]) == expected[2:4] and page2_meta["total"] == 5
    assert list(hte_page["name"]) == ["乙企业"] and hte_page_meta["total"] == 1
    assert len(nobody) == 0 and nobody_meta["total"] == 0 and nobody_meta["first"] == 0
    assert y24_meta["as_of"] == 2024 and set(y24["credit_code"]) == {A, B, C, D, E}


def test_list_refusals_and_an_empty_zone(store):
    two = Principal("two", "zone_user", zones=frozenset({ZONE, OTHER}))
    stranger = Principal("cs", "zone_user", zones=frozenset({OTHER}))
    with session_scope(store["url"]) as s:
        with pytest.raises(ServiceError) as e:
            ent.enterprise_list(s, two, None, None, None)
        assert str(e.value) == "请用 zone 参数指定高新区"
        with pytest.raises(Forbidden):
            ent.enterprise_list(s, stranger, ZONE, None, None)
        with pytest.raises(NotFound) as e:
            ent.enterprise_list(s, CONSOLE, ZONE, None, "不存在的层级")
        empty, meta = ent.enterprise_list(s, CONSOLE, OTHER, None, None)
        _, old_meta = ent.enterprise_list(s, CONSOLE, ZONE, 2020, None)
    assert list(empty.columns) == list(ent.ENT_LABELS) and len(empty) == 0
    assert meta == {"as_of": 2025, "is_demo": False, "total": 0, "rungs": [], "industries": []}
    assert old_meta["as_of"] == 2020


def test_ladder_pool_and_subsidies(store):
    with session_scope(store["url"]) as s:
        ladder = ent.ladder(s, CONSOLE, ZONE, None)
        empty_ladder = ent.ladder(s, CONSOLE, OTHER, 2025)
        ladder24 = ent.ladder(s, CONSOLE, ZONE, 2024)
        zz_ladder = ent.ladder(s, CONSOLE, ZHUZHOU, None)
        zz_pool, zz_pool_meta = ent.pool(s, CONSOLE, ZHUZHOU, None)
        zz_sub, zz_sub_meta = ent.subsidies(s, CONSOLE, ZHUZHOU, None)
        pool24, pool24_meta = ent.pool(s, CONSOLE, ZONE, 2024)
        small_page, small_page_meta = ent.pool_page(s, CONSOLE, ZONE, 2024, "科小", "SEI01", "甲", 1, 10)
        q_page, q_page_meta = ent.pool_page(s, CONSOLE, ZONE, None, None, "SEI01", "丙")
        ind_page, ind_page_meta = ent.pool_page(s, CONSOLE, ZONE, None, None, "SEI01")
        stranger = Principal("cs", "zone_user", zones=frozenset({OTHER}))
        with pytest.raises(Forbidden):
            ent.pool(s, stranger, ZONE, None)
        with pytest.raises(Forbidden):
            ent.subsidies(s, stranger, ZONE, None)
        sub24, sub24_meta = ent.subsidies(s, CONSOLE, ZONE, 2024)
        pool, pool_meta = ent.pool(s, CONSOLE, ZONE, None)
        sei01, sei01_meta = ent.pool(s, CONSOLE, ZONE, None, industry="SEI01")
        small, small_meta = ent.pool(s, CONSOLE, ZONE, None, rung="科小")
        page, page_meta = ent.pool_page(s, CONSOLE, ZONE, rung="高新技术企业", page=2, page_size=3)
        empty_pool, empty_meta = ent.pool(s, CONSOLE, OTHER, None)
        sub, sub_meta = ent.subsidies(s, CONSOLE, ZONE, None)
        no_sub, no_sub_meta = ent.subsidies(s, CONSOLE, OTHER, None)
        with pytest.raises(Forbidden):
            ent.ladder(s, Principal("cs", "zone_user", zones=frozenset({OTHER})), ZONE, None)
    # 科小: 甲乙丙戊 (≤ 500 staff, ≤ 2亿); 创新型 the same four; 高企: 乙 only; the others no one
    assert ladder == {"zone": ZONE, "as_of": 2025, "total": 5, "is_demo": False, "rungs": [
        {"name": "科技型中小企业", "count": 4}, {"name": "雏鹰企业", "count": 0}, {"name": "创新型中小企业", "count": 4},
        {"name": "高新技术企业", "count": 1}, {"name": "瞪羚企业", "count": 0}, {"name": "专精特新中小企业", "count": 0},
        {"name": "专精特新“小巨人”企业", "count": 0}, {"name": "上市领军型企业", "count": 0},
        {"name": "独角兽企业", "count": 0}]}
    assert empty_ladder == {"zone": OTHER, "as_of": 2025, "rungs": [], "total": 0}
    assert (ladder24["as_of"], ladder24["total"]) == (2024, 5)
    zz_counts = {r["name"]: r["count"] for r in zz_ladder["rungs"]}
    assert (zz_ladder["total"], zz_ladder["is_demo"], zz_counts["科技型中小企业"], zz_counts["高新技术企业"]) == (
        1, True, 1, 0)
    # 己: 甲's figures, so 甲's one gap; its industry is named by name, not code
    assert zz_pool.to_dict("records") == [
        {"credit_code": Z, "name": "己企业", "industry": "新材料", "current": "科技型中小企业", "rung": "高新技术企业",
         "gaps": "近三个会计年度研发费用总额占同期销售收入总额的比例（按最近一年销售收入分档）：4.00%，需 ≥ 5.00%，"
                 "差 1.00 个百分点 ≈ 90.00万元",
         "unknown": "近一年高新技术产品（服务）收入占企业同期总收入的比例不低于60%（分母为总收入，不是营业收入）"}]
    assert (zz_pool_meta["is_demo"], zz_pool_meta["industries"], zz_pool_meta["total"]) == (True, ["新材料"], 1)
    assert len(zz_sub) == 0 and zz_sub_meta == {"as_of": 2025, "is_demo": True, "total_wan": 0.0}
    assert pool24_meta["as_of"] == 2024 and set(pool24["credit_code"]) <= {A, C, D, E}
    assert len(small_page) == 0 and (small_page_meta["as_of"], small_page_meta["target"], small_page_meta["total"],
                                     small_page_meta["page_size"]) == (2024, "科技型中小企业", 0, 10)
    assert list(q_page["name"]) == ["丙企业"] and q_page_meta["total"] == 1
    assert sorted(ind_page["name"]) == ["丙企业", "戊企业", "甲企业"] and ind_page_meta["total"] == 3
    # no platform is new in 2024: nothing to pay that year
    assert len(sub24) == 0 and sub24_meta == {"as_of": 2024, "is_demo": False, "total_wan": 0.0}

    unknown = "近一年高新技术产品（服务）收入占企业同期总收入的比例不低于60%（分母为总收入，不是营业收入）"
    rd = "近三个会计年度研发费用总额占同期销售收入总额的比例（按最近一年销售收入分档）"
    hte_pool = {r["credit_code"]: r for r in pool.to_dict("records")}
    assert list(pool.columns) == list(ent.POOL_LABELS)
    assert set(hte_pool) == {A, C, D, E}            # 乙 is a 高企 already
    assert hte_pool[A] == {"credit_code": A, "name": "甲企业", "industry": "高端装备", "current": "科技型中小企业",
                           "rung": "高新技术企业",
                           "gaps": f"{rd}：4.00%，需 ≥ 5.00%，差 1.00 个百分点 ≈ 90.00万元", "unknown": unknown}
    assert hte_pool[C]["gaps"] == f"{rd}：4.00%，需 ≥ 5.00%，差 1.00 个百分点 ≈ 120.00万元"
    assert (hte_pool[D]["current"], hte_pool[D]["gaps"]) == (
        "（未达任一层级）",
        "科技人员占当年职工总数的比例不低于10%：2.00%，需 ≥ 10.00%，差 8.00 个百分点 ≈ 80人；"
        f"{rd}：1.00%，需 ≥ 3.00%，差 2.00 个百分点 ≈ 1,800.00万元")
    assert not isinstance(hte_pool[D]["industry"], str)
    assert list(pool["credit_code"])[-1] == D      # two gaps: the farthest, last
    targets = ["科技型中小企业", "创新型中小企业", "高新技术企业", "专精特新中小企业", "专精特新“小巨人”企业",
               "上市领军型企业", "独角兽企业"]   # 雏鹰 and 瞪羚 are 长沙's own rules
    assert pool_meta == {"as_of": 2025, "is_demo": False, "target": "高新技术企业", "targets": targets,
                         "industries": ["高端装备"], "total": 4}
    assert sorted(sei01["name"]) == ["丙企业", "戊企业", "甲企业"] and sei01_meta["total"] == 3   # not 丁
    assert len(small) == 0 and (small_meta["target"], small_meta["total"]) == ("科技型中小企业", 0)
    assert len(page) == 1 and (page_meta["page"], page_meta["pages"], page_meta["first"], page_meta["last"],
                               page_meta["total"], page_meta["target"]) == (2, 2, 4, 4, 4, "高新技术企业")
    assert list(empty_pool.columns) == list(ent.POOL_LABELS) and len(empty_pool) == 0
    assert empty_meta == {"as_of": 2025, "target": "高新技术企业", "targets": [], "industries": [], "total": 0}

    assert sub.to_dict("records") == [
        {"credit_code": B, "name": "乙企业", "item": "湘潭市新批国家级科创平台支持", "payer": "市财政", "amount": 100.0,
         "basis": "2025年新批 1 家",
         "source": XT_SOURCE + "：“对新批建设的国、省级科创平台分别给予100万元/家、10万元/家支持”"},
        {"credit_code": B, "name": "乙企业", "item": "湘潭市新批省级科创平台支持", "payer": "市财政", "amount": 10.0,
         "basis": "2025年新批 1 家", "source": XT_SOURCE}]
    assert list(sub.columns) == list(ent.SUBSIDY_LABELS)
    assert sub_meta == {"as_of": 2025, "is_demo": False, "total_wan": 110.0}
    assert list(no_sub.columns) == list(ent.SUBSIDY_LABELS) and len(no_sub) == 0
    assert no_sub_meta == {"as_of": 2025}


HTE_DOC = "《高新技术企业认定管理办法》（国科发火〔2016〕32号）"
TSME_DOC = "《科技型中小企业评价办法》（国科发政〔2017〕115号）"
SME_DOC = "《优质中小企业梯度培育管理暂行办法》 工信部企业〔2022〕63号"
NOT_HERE = "的规则，只适用于该区企业（如需对其他园区企业参照判定，可选择“各园区规则适用于全部企业”）"


def test_profile(store):
    reader = Principal("xt", "zone_user", zones=frozenset({ZONE}))
    with session_scope(store["url"]) as s:
        b = ent.enterprise_profile(s, CONSOLE, B, None)
        d = ent.enterprise_profile(s, reader, D, 2025)
        a = ent.enterprise_profile(s, reader, A, None)
        a24 = ent.enterprise_profile(s, CONSOLE, A, 2024)
        with pytest.raises(NotFound) as e:
            ent.enterprise_zone(s, "91430302000000099X")
        assert str(e.value) == "统一社会信用代码为“91430302000000099X”的企业不存在"
        assert ent.enterprise_zone(s, B) == ZONE
        with pytest.raises(Forbidden):
            ent.enterprise_profile(s, Principal("cs", "zone_user", zones=frozenset({OTHER})), B, None)
        core = _core_points(s)
        core_rows = _core_point_rows(s)

    head = {k: b[k] for k in ("credit_code", "name", "zone_code", "zone_name", "rung", "reached", "passed_other",
                              "as_of", "as_of_text", "is_demo", "show_flags")}
    # 创新型中小企业 is no rung of the main ladder: it is passed “besides”
    assert head == {"credit_code": B, "name": "乙企业", "zone_code": ZONE, "zone_name": "湘潭高新技术产业开发区",
                    "rung": "高新技术企业", "reached": True, "passed_other": ["创新型中小企业"], "as_of": 2025,
                    "as_of_text": "判定日期：2025-12-31（评价年度年末）", "is_demo": False, "show_flags": True}
    assert (d["rung"], d["reached"], d["passed_other"], d["show_flags"]) == ("（未达任一层级）", False, [], False)
    assert (a24["as_of"], a24["as_of_text"]) == (2024, "判定日期：2024-12-31（评价年度年末）")

    assert b["judgements"]["columns"] == ["rung", "verdict", "detail", "source"]
    assert b["judgements"]["labels"] == {"rung": "层级", "verdict": "结论", "detail": "说明", "source": "依据"}
    rows = {r["rung"]: r for r in b["judgements"]["rows"]}
    assert rows["高新技术企业"] == {"rung": "高新技术企业", "verdict": "符合", "detail": "符合该层级的认定条件",
                                "source": HTE_DOC}
    assert rows["雏鹰企业"]["verdict"] == "不适用"
    assert rows["雏鹰企业"]["detail"] == "本规则为湖南湘江新区（长沙高新区）" + NOT_HERE
    assert rows["科技型中小企业"]["source"] == TSME_DOC
    # the flag “⚠ 文号待核” is shown to an administrator only; without it the 文号 reads after the title
    assert rows["创新型中小企业"]["source"] == SME_DOC + "（⚠ 文号待核）"
    d_rows = {r["rung"]: r for r in d["judgements"]["rows"]}
    assert d_rows["创新型中小企业"]["source"] == "《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号）"
    assert d_rows["高新技术企业"] == {"rung": "高新技术企业", "verdict": "不符合", "detail": "有 2 项条件不符合，1 项数据缺失",
                                  "source": HTE_DOC}

    # 甲's 高企 card, row by row (founded 2015-06-01, judged 2025-12-31: 3653 + 213 = 3866 days)
    hte = next(c for c in a["checklist"] if c["rung"] == "高新技术企业")
    assert (hte["verdict"], hte["held"], hte["document"], hte["note"]) == (
        "不符合", False, HTE_DOC, "有 1 项条件不符合，1 项数据缺失")
    got = [(r["requirement"], r["actual"], r["verdict"], r["gap"]) for r in hte["rows"]]
    assert got == [
        ("≥ 365天", "3,866天", "符合", "—"),
        ("应为“是”", "是", "符合", "—"),
        ("应为“是”", "是", "符合", "—"),
        ("≥ 10.00%", "20.00%", "符合", "—"),                                   # 20 of 100 staff
        ("≥ 5.00%", "4.00%", "不符合", "还差 1.00个百分点"),                     # 120 / 3000
        ("≥ 60.00%", "100.00%", "符合", "—"),                                  # all R&D at home
        ("≥ 60.00%", "0.00%–70.00%（部分数据缺失，按可能的范围计）", "数据缺失",     # no 总收入: ≥ revenue, so 0 to 2100/3000
         "现有数据不足以判定，补充数据后可判定"),
        ("＞ 70分", "74分–80分（评分区间：缺失项按0至满分计）", "符合", "—"),
        ("应为“是”", "是", "符合", "—"),
    ]
    assert hte["rows"][0]["basis"].startswith(HTE_DOC + "第十一条（一）")
    assert all(not r["group"] and r["depth"] == 0 for r in hte["rows"])

    assert b["points"]["columns"] == ["item", "value"] and b["points"]["labels"] == {"item": "项目", "value": "结果"}
    items = [r["item"] for r in b["points"]["rows"]]
    assert items == ["创新积分", "等级", "成长阶段", "同组排名", "技术创新指标得分", "成长经营指标得分", "辅助指标得分"]
    assert b["points"]["rows"][0]["value"] == f"{core[B]:.1f}分"
    for prof, code in ((b, B), (d, D)):
        r = core_rows[code]
        assert prof["points"]["rows"] == [
            {"item": "创新积分", "value": f"{num(r['points'])}分"},
            {"item": "等级", "value": f"{r['grade']}（{r['grade_name']}）"},
            {"item": "成长阶段", "value": r["stage_name"]},
            {"item": "同组排名", "value": f"第 {int(r['rank_in_peer'])} 名（超过同组 {r['percentile_in_peer'] * 100:.0f}% 企业）"},
            {"item": "技术创新指标得分", "value": f"{num(r['group_tech'])}分"},
            {"item": "成长经营指标得分", "value": f"{num(r['group_business'])}分"},
            {"item": "辅助指标得分", "value": f"{num(r['group_aux'])}分"}]
    # 乙 has the most points of its peers: first, ahead of 100 % of them
    assert b["points"]["rows"][3]["value"] == "第 1 名（超过同组 100% 企业）"

    assert b["subsidies"] == {
        "columns": ["item", "amount", "basis", "source"],
        "labels": {"item": "奖补事项", "amount": "金额（万元）", "basis": "测算依据", "source": "政策来源"},
        "rows": [{"item": "湘潭市新批国家级科创平台支持", "amount": 100.0, "basis": "2025年新批 1 家",
                  "source": XT_SOURCE + "：“对新批建设的国、省级科创平台分别给予100万元/家、10万元/家支持”"},
                 {"item": "湘潭市新批省级科创平台支持", "amount": 10.0, "basis": "2025年新批 1 家", "source": XT_SOURCE}],
        "note": None}
    assert d["subsidies"]["rows"] == [] and d["subsidies"]["note"] is None


def test_years_zones_and_rungs(store, monkeypatch):
    with session_scope(store["url"]) as s:
        assert ent.data_years(s) == [2025, 2024, 2023]
        assert ent.default_year(s) == 2025
    assert ent.default_year(None) == LAST_YEAR
    assert ent.zone_code("湘潭高新区") == ZONE
    assert ent.zone_code(ZONE) == ZONE
    with pytest.raises(NotFound) as e:
        ent.zone_code("湘潭")
    assert str(e.value) == "未找到高新区“湘潭”，是否要找：湘潭高新技术产业开发区？"
    with pytest.raises(NotFound) as e:
        ent.zone_code("湘谭高新区")   # a typo: the nearest names, joined by 、
    assert str(e.value) == ("未找到高新区“湘谭高新区”，是否要找：湘阴高新技术产业开发区、湘西高新技术产业开发区、"
                            "湘潭高新技术产业开发区？")
    import gaoxin.reference as reference
    monkeypatch.setattr(reference, "zone_name_suggestions", lambda text: [])
    with pytest.raises(NotFound) as e:
        ent.zone_code("火星")
    assert str(e.value) == "未找到高新区“火星”。可用 gaoxin zones 查看全部高新区。"
    names = ent.zone_names()
    assert names[ZONE] == "湘潭高新区" and names[OTHER] == "长沙高新区"
    assert ent.rung_name("科小") == "科技型中小企业"
    assert ent.rung_name("高企") == "高新技术企业"
    with pytest.raises(NotFound) as e:
        ent.rung_name("不存在的层级")
    assert str(e.value) == ("未知的培育梯度“不存在的层级”，可选：科技型中小企业、雏鹰企业、创新型中小企业、高新技术企业、"
                            "瞪羚企业、专精特新中小企业、专精特新“小巨人”企业、上市领军型企业、独角兽企业")


def test_empty_store(sqlite_db_url):
    with session_scope(sqlite_db_url) as s:
        assert ent.data_years(s) == [LAST_YEAR]       # no enterprise data yet: last year
        assert ent.default_year(s) == LAST_YEAR


def test_no_enterprise_data_in_a_zone(store):
    changsha = Principal("cs", "zone_user", zones=frozenset({OTHER}))
    with session_scope(store["url"]) as s:
        with pytest.raises(NotFound) as e:
            ent.cohort(s, changsha)
        assert str(e.value) == "数据库中没有企业数据。请先导入企业数据或运行 gaoxin demo。"
        with pytest.raises(NotFound) as e:
            ent.cohort(s, CONSOLE, zone="长沙高新区")
        assert str(e.value) == "数据库中没有企业数据（高新区 长沙高新区）。请先导入企业数据或运行 gaoxin demo。"


def test_cohort_and_the_cli_use_cases(store):
    two = Principal("two", "zone_user", zones=frozenset({ZONE, OTHER}))
    one = Principal("xt", "zone_user", zones=frozenset({ZONE}))
    with session_scope(store["url"]) as s:
        c = ent.cohort(s, CONSOLE)
        mine = ent.cohort(s, one, 2025)
        old = ent.cohort(s, CONSOLE, 2024, zone=ZONE, years_back=1)
        zz = ent.cohort(s, CONSOLE, zone="株洲高新区")
        with pytest.raises(ServiceError) as e:
            ent.cohort(s, two)
        assert str(e.value) == "请指定高新区"
        with pytest.raises(Forbidden):
            ent.cohort(s, Principal("cs", "zone_user", zones=frozenset({OTHER})), zone=ZONE)
        with pytest.raises(ServiceError) as e:
            ent.cohort(s, CONSOLE, zone=ZONE, file=store["file"])
        assert str(e.value) == "--file 与 --zone 只能选一个"
    # every zone: 己 of 株洲 is a demo record, so the cohort is marked demo; a zone user's own zone is not
    assert (c.year, c.is_demo, c.frame.attrs["as_of_year"]) == (2025, True, 2025)
    assert sorted(c.frame["credit_code"]) == sorted([A, B, C, D, E, Z])
    assert sorted(mine.frame["credit_code"]) == sorted([A, B, C, D, E]) and (mine.year, mine.is_demo) == (2025, False)
    assert list(zz.frame["credit_code"]) == [Z] and zz.is_demo is True
    assert (old.year, old.frame.attrs["as_of_year"]) == (2024, 2024)

    # three years of data by default (y0..y2), one when asked
    assert sorted(x for x in c.frame.columns if x.startswith("revenue_")) == ["revenue_y0", "revenue_y1", "revenue_y2"]
    assert sorted(x for x in old.frame.columns if x.startswith("revenue_")) == ["revenue_y0"]

    f = ent.cohort(None, CONSOLE, 2025, file=store["file"])
    assert (f.year, f.is_demo, f.frame.attrs["as_of_year"]) == (2025, False, 2025)
    f24 = ent.cohort(None, CONSOLE, 2024, file=store["file"])
    assert (f24.year, f24.frame.attrs["as_of_year"]) == (2024, 2024)
    assert ent.cohort(None, CONSOLE, file=store["file"]).year == LAST_YEAR   # a file without a year: last year
    bad = store["file"].parent / "缺列.xlsx"
    wb = xlsxwriter.Workbook(str(bad))
    ws = wb.add_worksheet("企业")
    ws.write(0, 0, "企业名称")
    ws.write(1, 0, "甲企业")
    wb.close()
    with pytest.raises(Invalid) as e:
        ent.cohort(None, CONSOLE, 2025, file=bad)
    assert str(e.value) == "文件 缺列.xlsx 工作表“企业”：缺少“统一社会信用代码”列"
    assert sorted(f.frame["credit_code"]) == sorted([A, B, C, D, E, Z])

    near = ent.pool_members(c, "高新技术企业", top=2)
    assert len(near) == 2 and set(near["credit_code"]) <= {A, C, E, Z} and list(near["n_failed"]) == [1, 1]
    far = ent.pool_members(c, "高新技术企业", top=None, max_failed=1)
    assert sorted(far["credit_code"]) == sorted([A, C, E, Z])            # 丁 fails two
    all_ = ent.pool_members(c, top=None, j=ent.judgement(c))
    assert sorted(all_["credit_code"]) == sorted([A, C, D, E, Z])
    # 专精特新中小企业: 丁 fails R&D ≥ 3 % (1 %); the others meet what can be judged, but their 评价得分 range
    # straddles 60 (unknown): in the pool only when the unknown are asked for
    sme = ent.pool_members(c, "专精特新中小企业", top=None)
    assert list(sme["credit_code"]) == [D]
    sme_all = ent.pool_members(c, "专精特新中小企业", top=None, include_unknown=True)
    assert sorted(sme_all["credit_code"]) == sorted([A, B, C, D, E, Z])
    # judged on 2016-05-01, 335 days after founding (< 365): no one is a 高企, 乙 drops to 科小
    early = ent.judgement(c, as_of_date="2016-05-01")
    assert list(pd.Series(early.highest_rung).fillna("—")) == [
        {A: "科技型中小企业", B: "科技型中小企业", C: "科技型中小企业", D: "—", E: "科技型中小企业",
         Z: "科技型中小企业"}[code] for code in c.frame["credit_code"]]

    j = ent.judgement(c)
    assert list(pd.Series(j.highest_rung).fillna("—")) == [
        {A: "科技型中小企业", B: "高新技术企业", C: "科技型中小企业", D: "—", E: "科技型中小企业",
         Z: "科技型中小企业"}[code]
        for code in c.frame["credit_code"]]

    pts, model = ent.points(c)
    assert sorted(pts["credit_code"]) == sorted([A, B, C, D, E, Z]) and model is not None

    rows, totals = ent.subsidy_rows(c)
    assert [(r["name"], r["rule"], r["amount"]) for r in rows.to_dict("records")] == [
        ("乙企业", "湘潭市新批国家级科创平台支持", 100.0), ("乙企业", "湘潭市新批省级科创平台支持", 10.0)]
    assert totals.to_dict("records") == [
        {"zone_code": ZONE, "rule": "湘潭市新批国家级科创平台支持", "enterprises": 1, "amount": 100.0},
        {"zone_code": ZONE, "rule": "湘潭市新批省级科创平台支持", "enterprises": 1, "amount": 10.0}]
    _, by_county = ent.subsidy_rows(c, "county_code")
    assert list(by_county["county_code"]) == ["430302", "430302"]
    with pytest.raises(ServiceError) as e:
        ent.subsidy_rows(c, "industry")
    assert str(e.value) == "汇总口径应为 zone_code（园区）或 county_code（县市区）"


def test_is_demo():
    assert ent._is_demo(pd.DataFrame({"is_demo": [None, True]})) is True
    assert ent._is_demo(pd.DataFrame({"is_demo": [None, False]})) is False
    assert ent._is_demo(pd.DataFrame({"x": [1]})) is False


def test_core_errors_become_chinese_messages(store, monkeypatch):
    """A rule or data error of the core reaches the user as 企业数据无法判定/创新积分无法计算/奖补无法测算."""
    import gaoxin.enterprise as core
    from gaoxin.enterprise import EnterpriseDataError

    def broken(*a, **k):
        raise EnterpriseDataError("缺少列 revenue")
    with session_scope(store["url"]) as s:
        c = ent.cohort(s, CONSOLE)
    judge, innovation_points = core.judge, core.innovation_points
    monkeypatch.setattr(core, "judge", broken)
    monkeypatch.setattr(core, "innovation_points", broken)
    monkeypatch.setattr(core, "subsidies", broken)
    with pytest.raises(Invalid) as e:
        ent.judgement(c)
    assert str(e.value) == "企业数据无法判定：缺少列 revenue"
    with pytest.raises(Invalid) as e:
        ent.points(c)
    assert str(e.value) == "创新积分无法计算：缺少列 revenue"
    with pytest.raises(Invalid) as e:
        ent.subsidy_rows(c)
    assert str(e.value) == "奖补无法测算：缺少列 revenue"
    with pytest.raises(Invalid) as e:
        ent.pool_members(c)
    assert str(e.value) == "企业数据无法判定：缺少列 revenue"
    from gaoxin.services.cache import clear
    clear()
    with session_scope(store["url"]) as s:
        with pytest.raises(Invalid) as e:
            ent.ladder(s, CONSOLE, ZONE, None)
        assert str(e.value) == "企业数据无法判定：缺少列 revenue"
    # judging works again, the subsidies still fail: the zone's subsidy table says so
    monkeypatch.setattr(core, "judge", judge)
    monkeypatch.setattr(core, "innovation_points", innovation_points)
    clear()
    with session_scope(store["url"]) as s:
        with pytest.raises(Invalid) as e:
            ent.subsidies(s, CONSOLE, ZONE, None)
        assert str(e.value) == "奖补无法测算：缺少列 revenue"


def test_a_broken_rule_file_is_a_chinese_message(monkeypatch):
    import gaoxin.enterprise as core
    from gaoxin.enterprise import RuleError

    def broken():
        raise RuleError("rungs.yaml 第 3 行：缺少 name")
    monkeypatch.setattr(core, "load_rules", broken)
    with pytest.raises(Invalid) as e:
        ent.rules()
    assert str(e.value) == "rungs.yaml 第 3 行：缺少 name"


def test_profile_when_the_subsidies_cannot_be_worked_out(store, monkeypatch, caplog):
    """The profile still opens; its subsidy table is empty with the reason, and the log says which firm."""
    import logging

    import gaoxin.enterprise as core
    from gaoxin.enterprise import RuleError

    def broken(*a, **k):
        raise RuleError("奖补规则文件缺少 amount")
    monkeypatch.setattr(core, "subsidies", broken)
    with caplog.at_level(logging.WARNING, logger="gaoxin.services"):
        with session_scope(store["url"]) as s:
            prof = ent.enterprise_profile(s, CONSOLE, B, None)
    assert prof["subsidies"]["rows"] == []
    assert prof["subsidies"]["note"] == "奖补未能测算：奖补规则文件缺少 amount"
    assert prof["rung"] == "高新技术企业"
    assert caplog.messages == [f"企业 {B} 的奖补未能测算（画像中奖补为空）：奖补规则文件缺少 amount"]

"""gaoxin.services.enterprises on values: the default year, a pool's members and gaps, a subsidy's
amount, and the zone scope. The enterprises come from one import-template file (the layout of
tests/ingest/test_one_reader.py), imported through gaoxin.services.imports."""
from __future__ import annotations

import pytest
import xlsxwriter

from gaoxin.auth.roles import Principal
from gaoxin.credit_code import make_credit_code
from gaoxin.enterprise import fields as F
from gaoxin.services import enterprises as ent
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Forbidden, NotFound
from gaoxin.services.scope import CONSOLE

AS_OF = 2025
MONEY = {f.code for f in F.ANNUAL if f.unit == "万元"}

STATIC = {  # meets every 高企 condition except the R&D ratio where the firm's figures say so
    "ip_class1": 2, "ip_class1_self": 1, "ip_class1_high_value": 0, "ip_class2": 5,
    "has_core_ip": "是", "in_hitech_domain": "是", "has_major_violation": "否", "is_blacklisted": "否",
    "hte_ip_expert_score": 22, "hte_rd_mgmt_score": 20, "hte_cert_count": 0,
    "national_award_top3": "否", "provincial_award": "否", "provincial_rd_institution": "否",
    "led_standard": "否", "has_rd_institution": "是", "rd_institution_level": 1, "niche_years": 5,
    "market_share": 3, "has_own_brand": "是", "has_mgmt_cert": "是", "has_info_system": "是",
    "digital_level": 2, "quality_items": 2, "chain_key_link": "否", "priority_field": "是",
    "is_listed": "否", "has_pe_investment": "否", "controlling_share": 60,
}


def annual(revenue_wan: float, rd_wan: float, national: int = 0, provincial: int = 0) -> dict:
    return {"revenue": revenue_wan, "main_revenue": revenue_wan * 0.9, "rd_expense": rd_wan, "rd_domestic": rd_wan,
            "rd_deductible": rd_wan, "hitech_revenue": revenue_wan * 0.7, "employees": 100, "tech_staff": 20,
            "rd_staff": 15, "total_assets": 8000, "total_liabilities": 4000, "net_profit": 800,
            "cost_total": 9000, "equity_financing": 0, "tech_contract": 100, "conversions": 5, "tax_paid": 400,
            "new_national_platforms": national, "new_provincial_platforms": provincial}


# 甲: revenue 3000万, R&D 120万 = 4 % < the 5 % the ≤5000万 band requires → not 高企, one gap (R&D)
# 乙: revenue 10000万, R&D 600万 = 6 % ≥ 4 % of the 5000万–2亿 band → 高企; in 2025 one new national and
#     one new provincial platform
# 丙: revenue 4000万, R&D 160万 = 4 % < 5 % → not 高企, one gap (R&D)
A, B, C = (make_credit_code("91430302000000010"), make_credit_code("91430302000000020"),
           make_credit_code("91430302000000030"))
FIRMS = [(A, "甲企业", annual(3000, 120)), (B, "乙企业", annual(10000, 600, national=1, provincial=1)),
         (C, "丙企业", annual(4000, 160))]


def template_file(path):
    header = ["统一社会信用代码", "企业名称", "所在高新区", "所在县市区", "成立日期", "年份"]
    header += [F.BY_CODE[c].name for c in STATIC]
    header += [f"{f.name}（{f.unit}）" for f in F.ANNUAL]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("企业")
    for j, h in enumerate(header):
        ws.write(0, j, h)
    r = 1
    for code, name, vals in FIRMS:
        for year in (AS_OF, AS_OF - 1, AS_OF - 2):
            v = dict(vals)
            if year != AS_OF:  # platforms are new in 2025 only
                v.update(new_national_platforms=0, new_provincial_platforms=0)
            row = [code, name, "湘潭高新区", "430302", "2015-06-01", year] + list(STATIC.values())
            row += [v.get(f.code) for f in F.ANNUAL]  # a field not listed here is left blank
            for j, x in enumerate(row):
                ws.write(r, j, x)
            r += 1
    wb.close()
    return path


@pytest.fixture
def firms(sqlite_db_url, tmp_path):
    from gaoxin.services.cache import clear
    from gaoxin.services.imports import import_path
    clear()
    path = template_file(tmp_path / "企业.xlsx")
    with session_scope(sqlite_db_url) as s:
        report = import_path(s, CONSOLE, path, accept_warnings=True)
        assert report.ok, [p.reason for p in report.problems]
    return {"url": sqlite_db_url, "zone": ent.zone_code("湘潭高新区"), "file": path}


def test_default_year_is_the_latest_enterprise_year(firms):
    with session_scope(firms["url"]) as s:
        assert ent.default_year(s) == 2025  # the file holds 2023, 2024 and 2025
    import datetime
    assert ent.default_year(None) == datetime.date.today().year - 1  # a file without a store: last year


def test_pool_members_and_gaps(firms):
    with session_scope(firms["url"]) as s:
        df, meta = ent.pool(s, CONSOLE, firms["zone"], None)
    # 甲 and 丙 miss 高企 by the R&D ratio only (4 % < 5 %); 乙 is a 高企 already, not in the pool
    hte = df[df["rung"] == "高新技术企业"]
    assert sorted(hte["name"]) == ["丙企业", "甲企业"]
    assert all("研发" in g for g in hte["gaps"])
    assert meta["as_of"] == 2025


def test_pool_through_a_file_is_the_same(firms):
    c = ent.cohort(None, CONSOLE, AS_OF, file=firms["file"])
    p = ent.pool_members(c, "高新技术企业")
    assert sorted(p["name"]) == ["丙企业", "甲企业"] and p["n_failed"].tolist() == [1, 1]


def test_subsidy_amounts(firms):
    with session_scope(firms["url"]) as s:
        df, meta = ent.subsidies(s, CONSOLE, firms["zone"], None)
    # 004 湘潭 133 四、（二）: new national platform 100 万元/家, new provincial platform 10 万元/家;
    # R&D is flat over the years (no increment), no 高企 certificate this year: nothing else
    got = {(r["name"], r["amount"]) for r in df.to_dict("records")}
    assert got == {("乙企业", 100.0), ("乙企业", 10.0)}
    assert meta["total_wan"] == 110.0


def test_scope_of_a_zone_user(firms):
    other = Principal("u", "zone_user", zones=frozenset({"HN-N-CHANGSHA"}))
    with session_scope(firms["url"]) as s:
        with pytest.raises(Forbidden, match="本园区"):
            ent.pool(s, other, firms["zone"], None)
        with pytest.raises(Forbidden):
            ent.enterprise_profile(s, other, A, None)
        with pytest.raises(NotFound, match="不存在"):
            ent.enterprise_zone(s, "91430302000000099X")


def test_unknown_zone_name_suggests():
    with pytest.raises(NotFound, match="未找到高新区"):
        ent.zone_code("不存在的高新区")


# --- paging, search and filters (issue 14 item 5) --------------------------------------------------
# The fixture holds 3 firms of 湘潭高新区 (甲/乙/丙 above). Hand-worked: with page_size 2 the list has
# 2 pages; page 2 holds the one row page 1 did not.

def test_list_pages_cover_every_firm_once(firms):
    with session_scope(firms["url"]) as s:
        p1, m1 = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, page=1, page_size=2)
        p2, m2 = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, page=2, page_size=2)
    assert (m1["total"], m1["pages"], m1["first"], m1["last"]) == (3, 2, 1, 2)
    assert (m2["page"], m2["first"], m2["last"], len(p2)) == (2, 3, 3, 1)
    assert sorted(list(p1["credit_code"]) + list(p2["credit_code"])) == sorted([A, B, C])


def test_list_search_by_credit_code_and_name(firms):
    with session_scope(firms["url"]) as s:
        by_code, m = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, q=C.lower())
        by_name, _ = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, q="甲")
        none, m0 = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, q="不存在的企业")
    assert list(by_code["name"]) == ["丙企业"] and m["total"] == 1
    assert list(by_name["credit_code"]) == [A]
    assert len(none) == 0 and m0["total"] == 0 and m0["first"] == 0


def test_list_filter_by_rung(firms):
    with session_scope(firms["url"]) as s:
        hte, m = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, rung="高新技术企业")
        full, mf = ent.enterprise_list(s, CONSOLE, firms["zone"], None, None)
        small, ms = ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, rung="科小")  # an alias
        with pytest.raises(NotFound):
            ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, rung="不存在的层级")
    # 甲 and 丙 miss 高企 on the R&D ratio, 乙 cannot be judged 高企 (see the pool test): the three sit on
    # the rung below (100 staff, revenue 3000–10000万), so the 高企 filter is empty and 科小 holds all
    assert len(hte) == 0 and m["total"] == 0
    assert sorted(small["name"]) == ["丙企业", "乙企业", "甲企业"] and set(small["rung"]) == {"科技型中小企业"}
    assert mf["rungs"] == ["科技型中小企业"] and mf["total"] == 3


def test_pool_is_paged_and_searchable(firms):
    with session_scope(firms["url"]) as s:
        p1, m = ent.pool_page(s, CONSOLE, firms["zone"], None, page=1, page_size=1)
        p2, _ = ent.pool_page(s, CONSOLE, firms["zone"], None, page=2, page_size=1)
        q, mq = ent.pool_page(s, CONSOLE, firms["zone"], None, q="丙")
    # 甲 and 丙 are the pool for 高企 (see test_pool_members_and_gaps)
    assert m["total"] == 2 and m["target"] == "高新技术企业" and len(p1) == len(p2) == 1
    assert {p1["name"][0], p2["name"][0]} == {"甲企业", "丙企业"}
    assert list(q["name"]) == ["丙企业"] and mq["total"] == 1


def test_bad_page_is_a_chinese_message(firms):
    from gaoxin.services.errors import Invalid
    with session_scope(firms["url"]) as s:
        with pytest.raises(Invalid, match="页码"):
            ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, page=0)
        with pytest.raises(Invalid, match="每页条数"):
            ent.enterprise_list_page(s, CONSOLE, firms["zone"], None, page_size=100000)

"""One enterprise reader: `gaoxin import` + judge from the store and `judge --file` give the same
judgement for the same file, whether money is written in 元 or in 万元 (issue 10, one reader)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from gaoxin.credit_code import make_credit_code
from gaoxin.enterprise import FAIL, PASS, EnterpriseDataError, judge
from gaoxin.enterprise import fields as F
from gaoxin.ingest.enterprise_file import read_enterprise_file
from gaoxin.ingest.load import import_file
from gaoxin.store import repo
from gaoxin.store.db import session_scope

AS_OF = 2025
MONEY = {f.code for f in F.ANNUAL if f.unit == "万元"}

STATIC = {  # meets every 高企 condition except (for firm A) the R&D ratio
    "ip_class1": 2, "ip_class1_self": 1, "ip_class1_high_value": 0, "ip_class2": 5,
    "has_core_ip": "是", "in_hitech_domain": "是", "has_major_violation": "否", "is_blacklisted": "否",
    "hte_ip_expert_score": 22, "hte_rd_mgmt_score": 20, "hte_cert_count": 0,
    "national_award_top3": "否", "provincial_award": "否", "provincial_rd_institution": "否",
    "led_standard": "否", "has_rd_institution": "是", "rd_institution_level": 1, "niche_years": 5,
    "market_share": 3, "has_own_brand": "是", "has_mgmt_cert": "是", "has_info_system": "是",
    "digital_level": 2, "quality_items": 2, "chain_key_link": "否", "priority_field": "是",
    "is_listed": "否", "has_pe_investment": "否", "controlling_share": 60,
}


def annual(revenue_wan: float, rd_wan: float) -> dict:
    return {"revenue": revenue_wan, "main_revenue": revenue_wan * 0.9, "rd_expense": rd_wan, "rd_domestic": rd_wan,
            "rd_deductible": rd_wan, "hitech_revenue": revenue_wan * 0.7,
            "total_income": revenue_wan,  # 总收入 = 营业收入 here: 高新收入 share 70 % ≥ 60 %
            "employees": 100, "tech_staff": 20,
            "rd_staff": 15, "total_assets": 8000, "total_liabilities": 4000, "net_profit": 800,
            "cost_total": 9000, "equity_financing": 0, "tech_contract": 100, "conversions": 5, "tax_paid": 400,
            "new_national_platforms": 0, "new_provincial_platforms": 0}


# Firm A: revenue 3000万 with R&D 120万 = 4 % — below the 5 % the ≤5000万 band requires → 高企 fails.
# (Read as 3000万 "万元" from a file in 元 it would be 3×10^7 万元, in the 3 % band, and pass.)
# Firm B: revenue 10000万, R&D 600万 = 6 % ≥ 4 % of the 5000万–2亿 band → passes.
FIRMS = [(make_credit_code("91430302000000010"), "甲企业", annual(3000, 120)),
         (make_credit_code("91430302000000020"), "乙企业", annual(10000, 600))]


def template_file(path, money_unit: str):
    """The import template layout: base columns, 年份, Chinese field names with units in brackets."""
    scale = 10_000 if money_unit == "元" else 1
    header = ["统一社会信用代码", "企业名称", "所在高新区", "所在县市区", "成立日期", "年份"]
    header += [F.BY_CODE[c].name for c in STATIC]
    header += [f"{f.name}（{money_unit if f.code in MONEY else f.unit}）" for f in F.ANNUAL]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("企业")
    for j, h in enumerate(header):
        ws.write(0, j, h)
    r = 1
    for code, name, vals in FIRMS:
        for year in (AS_OF, AS_OF - 1, AS_OF - 2):
            row = [code, name, "湘潭高新区", "430302", "2015-06-01", year] + list(STATIC.values())
            row += [vals[f.code] * (scale if f.code in MONEY else 1) for f in F.ANNUAL]
            for j, v in enumerate(row):
                ws.write(r, j, v)
            r += 1
    wb.close()
    return path


def statuses(frame) -> dict:
    j = judge(frame, as_of=AS_OF).rung("高企")
    return dict(zip(frame["credit_code"], j.status.tolist()))


EXPECTED = {FIRMS[0][0]: FAIL, FIRMS[1][0]: PASS}


@pytest.mark.parametrize("money_unit", ["元", "万元"])
def test_same_judgement_through_import_and_judge_file(db_url, tmp_path, money_unit):
    path = template_file(tmp_path / f"企业-{money_unit}.xlsx", money_unit)
    direct = read_enterprise_file(path, as_of_year=AS_OF)
    assert sorted(direct["revenue_y0"]) == [3000.0, 10000.0]          # 元 converted to 万元
    assert statuses(direct) == EXPECTED
    with session_scope(db_url) as s:
        rep = import_file(s, path)
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    with session_scope(db_url) as s:
        stored = repo.enterprise_frame(s, AS_OF)
    assert sorted(stored["revenue_y0"]) == [3000.0, 10000.0]
    assert statuses(stored) == EXPECTED


def test_unknown_column_is_an_error_with_suggestion_in_both_readers(db_url, tmp_path):
    p = tmp_path / "e.csv"
    code = FIRMS[0][0]
    p.write_text(f"统一社会信用代码,企业名称,年份,研发费（万元）\n{code},甲企业,2025,120\n", encoding="utf-8")
    with pytest.raises(EnterpriseDataError, match="无法识别的列“研发费（万元）”.*是否为“研发费用（万元）”"):
        read_enterprise_file(p, as_of_year=AS_OF)
    with session_scope(db_url) as s:
        rep = import_file(s, p)
    assert rep.status == "rejected"
    assert any(pr.column == "研发费（万元）" and "无法识别的列" in pr.reason and "研发费用（万元）" in (pr.suggestion or "")
               for pr in rep.problems), [str(x) for x in rep.problems]


def test_same_yes_no_words_and_percent_points(db_url, tmp_path):
    p = tmp_path / "e.csv"
    code = FIRMS[0][0]
    p.write_text("统一社会信用代码,企业名称,拥有自主品牌,已在境内外上市（不含新三板）,主导产品全国细分市场占有率（%）\n"
                 f"{code},甲企业,对,不是,38.3%\n", encoding="utf-8")
    direct = read_enterprise_file(p, as_of_year=AS_OF)
    assert direct["has_own_brand"].tolist() == [True] and direct["is_listed"].tolist() == [False]
    assert direct["market_share"].tolist() == [38.3]
    with session_scope(db_url) as s:
        rep = import_file(s, p)
    assert rep.status == "loaded", [str(x) for x in rep.problems]
    with session_scope(db_url) as s:
        stored = repo.enterprise_frame(s, AS_OF)
    assert stored["has_own_brand"].tolist() == [True] and stored["is_listed"].tolist() == [False]
    assert stored["market_share"].tolist() == [38.3]


def test_year_suffix_column_is_a_yearly_value_not_an_attribute(db_url, tmp_path):
    p = tmp_path / "e.csv"
    code = FIRMS[0][0]
    p.write_text(f"统一社会信用代码,企业名称,营业收入_2024\n{code},甲企业,1.5亿\n", encoding="utf-8")
    with session_scope(db_url) as s:
        rep = import_file(s, p)
    assert rep.status == "loaded", [str(x) for x in rep.problems]
    with session_scope(db_url) as s:
        stored = repo.enterprise_frame(s, AS_OF)
    assert stored["revenue_y1"].tolist() == [15000.0]               # 1.5亿元 = 15000 万元, year 2024 = y1
    assert "营业收入_2024" not in stored.columns
    assert read_enterprise_file(p, as_of_year=AS_OF)["revenue_y1"].tolist() == [15000.0]

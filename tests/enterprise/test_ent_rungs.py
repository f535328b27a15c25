"""科技型中小企业, MIIT tiers, 瞪羚, 雏鹰, 独角兽, 上市领军: bounds and routes; missing data → unknown."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaoxin.enterprise import FAIL, PASS, UNKNOWN, judge, load_rules
from gaoxin.enterprise.rules import band_points

from .conftest import AS_OF


def st(j, rung, cid):
    return next(lf for lf in j.rung(rung).leaves if lf.id == cid).status.tolist()


def part_bands(rung, score, part):
    r = load_rules().rung(rung)
    spec = next(s for s in r["scores"] if s["id"] == score)
    return next(p for p in spec["parts"] if p["id"] == part)


# ------------------------------------------------------------------ 科技型中小企业
def test_tsme_staff_bands_lower_bound_inclusive():
    bands = part_bands("科技型中小企业", "tsme", "staff")["bands"]
    v = np.array([0.30, 0.2999, 0.25, 0.20, 0.15, 0.10, 0.0999, 0.0])
    lo, hi = band_points(v, bands)
    assert lo.tolist() == [20, 16, 16, 12, 8, 4, 0, 0] and (lo == hi).all()


def test_tsme_rd_best_of_two_tables():
    from gaoxin.enterprise.derive import Quantities
    from gaoxin.enterprise.rules import evaluate_score
    from .conftest import frame, vary
    # R&D / revenue 2 % (10 points) but R&D / cost 30 % (50 points): the better table counts
    row = vary(rd_expense_y0=200.0, revenue_y0=10000.0, cost_total_y0=666.0)
    spec = next(s for s in load_rules().rung("科小")["scores"] if s["id"] == "tsme")
    res = evaluate_score(spec, Quantities(frame([row]), AS_OF))
    assert res.parts["rd"][0][0] == 50


def test_tsme_size_limits_inclusive(make):
    rows = [{"employees_y0": 500.0, "tech_staff_y0": 100.0}, {"employees_y0": 501.0, "tech_staff_y0": 100.0},
            {"revenue_y0": 20000.0}, {"revenue_y0": 20000.01}, {"total_assets_y0": 20000.0}, {"total_assets_y0": 20000.5}]
    j = judge(make(*rows), as_of=AS_OF)
    assert st(j, "科小", "employees")[:2] == [PASS, FAIL]
    assert st(j, "科小", "revenue")[2:4] == [PASS, FAIL]
    assert st(j, "科小", "assets")[4:6] == [PASS, FAIL]


def test_tsme_score_60_and_staff_score_not_zero(make):
    # R&D 6 % → 50, Ⅰ类 IP → 30: 80 points; staff 9 % → 0 points → not eligible by score
    base = {"rd_expense_y0": 600.0, "revenue_y0": 10000.0, "total_assets_y0": 8000.0}
    rows = [dict(base, tech_staff_y0=9.0), dict(base, tech_staff_y0=10.0),
            dict(base, tech_staff_y0=9.0, hte_cert_year=float(AS_OF - 1))]
    j = judge(make(*rows), as_of=AS_OF)
    assert j.rung("科小").scores["tsme"].lo.tolist() == [80, 84, 80]
    assert st(j, "科小", "staff_nonzero") == [FAIL, PASS, FAIL]
    # a valid 高企 certificate is a direct route (第八条（一）)
    assert j.rung("科小").status.tolist() == [FAIL, PASS, PASS]


def test_tsme_score_bound_60(make):
    # staff 10 % → 4; R&D/revenue 3 % → 20 (cost ratio 3.3 % → 0); IP: 3 Ⅱ类 → 18 … vary IP for 54/60/66
    base = {"rd_expense_y0": 300.0, "ip_class1": 0.0}
    rows = [dict(base, tech_staff_y0=20.0, ip_class2=4.0),   # 12 + 20 + 24 = 56
            dict(base, tech_staff_y0=20.0, ip_class1=1.0),   # 12 + 20 + 30 = 62
            dict(base, tech_staff_y0=10.0, ip_class1=1.0, rd_expense_y0=400.0)]  # 4 + 30 + 30 = 64
    j = judge(make(*rows), as_of=AS_OF)
    assert j.rung("科小").scores["tsme"].lo.tolist() == [56, 62, 64]
    assert st(j, "科小", "score") == [FAIL, PASS, PASS]


# ------------------------------------------------------------------ MIIT tiers
def test_little_giant_rd_band_by_revenue(make):
    rows = [
        {"revenue_y0": 10000.0, "revenue_y1": 10000.0, "rd_expense_y0": 300.0, "rd_expense_y1": 300.0},  # ≥1亿, 3 % each year
        {"revenue_y0": 10000.0, "revenue_y1": 10000.0, "rd_expense_y0": 300.0, "rd_expense_y1": 299.0},  # one year below
        {"revenue_y0": 9999.0, "revenue_y1": 9999.0, "rd_expense_y0": 599.94, "rd_expense_y1": 599.94},  # 5000万–1亿: 6 %
        {"revenue_y0": 9999.0, "revenue_y1": 9999.0, "rd_expense_y0": 500.0, "rd_expense_y1": 500.0},   # 5 % < 6 %
    ]
    j = judge(make(*rows), as_of=AS_OF)
    assert st(j, "小巨人", "band1_rd")[:2] == [PASS, FAIL]
    assert st(j, "小巨人", "band2_rd")[2:] == [PASS, FAIL]


def test_little_giant_market_share_and_debt(make):
    rows = [{"market_share": 10.0}, {"market_share": 9.9},
            {"total_liabilities_y0": 5600.0}, {"total_liabilities_y0": 5601.0}]
    j = judge(make(*rows), as_of=AS_OF)
    assert st(j, "小巨人", "market_share")[:2] == [PASS, FAIL]
    assert st(j, "小巨人", "debt")[2:] == [PASS, FAIL]   # 70 % of 8000 = 5600


def test_specialized_sme_thresholds(make):
    rows = [{"rd_expense_y0": 100.0, "revenue_y0": 3000.0}, {"rd_expense_y0": 99.0, "revenue_y0": 3000.0},
            {"niche_years": 2.0}, {"niche_years": 1.0},
            {"rd_expense_y0": 120.0, "revenue_y0": 4000.0}, {"rd_expense_y0": 120.0, "revenue_y0": 4000.5}]
    j = judge(make(*rows), as_of=AS_OF)
    assert st(j, "专精特新中小企业", "rd_amount")[:2] == [PASS, FAIL]
    assert st(j, "专精特新中小企业", "niche")[2:4] == [PASS, FAIL]
    assert st(j, "专精特新中小企业", "rd_ratio")[4:] == [PASS, FAIL]   # 3.0 % exactly, then just below


def test_unpublished_bands_leave_the_score_open(make):
    j = judge(make({}), as_of=AS_OF)
    s = j.rung("专精特新中小企业").scores["ssme"]
    # 特色化 15 + 研发人员占比 5 + 研发机构级别 10 are unpublished: the range is at least 30 points wide
    assert s.hi[0] - s.lo[0] >= 30


# ------------------------------------------------------------------ local / market rungs
def test_gazelle_bands_and_routes(make):
    def rev(y0, y1):
        return {"founded": pd.Timestamp("2019-03-01"), "revenue_y0": y0, "revenue_y1": y1, "net_profit_y0": 100.0, "net_profit_y1": 100.0,
                "equity_financing_y0": 0.0}
    rows = [rev(1200.0, 1000.0), rev(1199.0, 1000.0), rev(3450.0, 3000.0), rev(3449.0, 3000.0),
            dict(rev(1100.0, 1000.0), net_profit_y0=110.0)]
    # the test enterprises are in 湘潭: 长沙高新区's own rule is applied to them by choice
    j = judge(make(*rows), as_of=AS_OF, zone_rules="all")
    assert j.rung("瞪羚企业").status.tolist() == [PASS, FAIL, PASS, FAIL, PASS]


def test_gazelle_age_limit(make):
    # 成立不超过10个完整年度: founded during 2015 → 2016…2025 are ten complete years
    rows = [{"founded": pd.Timestamp(f"{AS_OF - 10}-12-31")}, {"founded": pd.Timestamp(f"{AS_OF - 11}-06-30")},
            {"founded": pd.Timestamp(f"{AS_OF - 10}-01-01")}]
    j = judge(make(*rows), as_of=AS_OF)
    assert st(j, "瞪羚企业", "age") == [PASS, FAIL, PASS]


def test_eaglet_revenue_and_age(make):
    young = pd.Timestamp(f"{AS_OF - 3}-06-30")
    rows = [{"founded": young, "revenue_y0": 50.0}, {"founded": young, "revenue_y0": 49.9},
            {"founded": young, "revenue_y0": 2000.0}, {"founded": young, "revenue_y0": 2000.1}]
    j = judge(make(*rows), as_of=AS_OF, zone_rules="all")  # 湘江新区's rule applied to 湘潭 firms by choice
    assert j.rung("雏鹰企业").status.tolist() == [PASS, FAIL, PASS, FAIL]


def test_unicorn(make):
    u = {"founded": pd.Timestamp(f"{AS_OF - 5}-01-01"), "has_pe_investment": True, "valuation_usd": 10.0,
         "financing_total_usd": 5000.0}
    rows = [u, dict(u, valuation_usd=9.99), dict(u, financing_total_usd=4999.0), dict(u, is_listed=True)]
    j = judge(make(*rows), as_of=AS_OF)
    assert j.rung("独角兽企业").status.tolist() == [PASS, FAIL, FAIL, FAIL]
    assert j.highest_rung[0] == "独角兽企业"
    # the explanation states the GEI thresholds in their own units (估值 亿美元, 融资额 万美元)
    texts = {c["id"]: c["text"] for c in j.explain(1)["judgements"]["独角兽企业"]["conditions"]}
    assert texts["valuation"] == "9.99亿美元 ≥ 10亿美元"
    assert texts["financing"] == "5,000万美元 ≥ 5,000万美元"


def test_listed_leader_unset_thresholds_are_not_applied(make):
    j = judge(make({"is_listed": True}), as_of=AS_OF)
    ids = [lf.id for lf in j.rung("上市领军型企业").leaves]
    assert ids == ["listed"]
    assert j.rung("上市领军型企业").status.tolist() == [PASS]


# ------------------------------------------------------------------ missing → unknown
def test_missing_fields_give_unknown_not_fail(make):
    rows = [{"rd_expense_y1": np.nan}, {"tech_staff_y0": np.nan}, {"has_core_ip": None}, {"founded": pd.NaT}]
    j = judge(make(*rows), as_of=AS_OF)
    assert st(j, "高企", "rd_ratio")[0] == UNKNOWN
    assert st(j, "高企", "tech_staff")[1] == UNKNOWN
    assert st(j, "高企", "core_ip")[2] == UNKNOWN
    assert st(j, "高企", "age")[3] == UNKNOWN
    assert j.rung("高企").status.tolist() == [UNKNOWN] * 4


def test_missing_does_not_hide_a_definite_fail(make):
    j = judge(make({"rd_expense_y1": np.nan, "has_core_ip": False}), as_of=AS_OF)
    assert j.rung("高企").status.tolist() == [FAIL]


def test_any_group_passes_when_one_branch_passes_despite_unknowns(make):
    # 科小: the score cannot be computed, but a valid 高企 certificate is a direct route
    j = judge(make({"tech_staff_y0": np.nan, "hte_cert_year": float(AS_OF)}), as_of=AS_OF)
    assert j.rung("科小").status.tolist() == [PASS]


def test_explain_is_json_ready(make):
    import json
    j = judge(make({}, {"rd_expense_y1": np.nan}), as_of=AS_OF)
    e = j.explain(1)
    assert e["credit_code"] == j.frame["credit_code"].iloc[1]
    hte = e["judgements"]["高新技术企业"]
    assert hte["status"] == "unknown"
    rd = next(c for c in hte["conditions"] if c.get("id") == "rd_ratio")
    assert rd["status"] == "unknown" and rd["value"] is None and rd["source"].startswith("国科发火〔2016〕32号")
    ok = next(c for c in j.explain(0)["judgements"]["高新技术企业"]["conditions"] if c.get("id") == "tech_staff")
    assert ok["value"] == pytest.approx(0.2) and ok["threshold"] == 0.1 and ok["margin"] == pytest.approx(0.1)
    json.dumps(e, ensure_ascii=False)


def test_hte_validity_and_reapply(make):
    rows = [{"hte_cert_year": float(AS_OF - 2)}, {"hte_cert_year": float(AS_OF - 3)}, {"hte_cert_year": float(AS_OF)}]
    j = judge(make(*rows), as_of=AS_OF)
    v = j.hte_validity()
    assert v["hte_valid"].tolist() == [True, False, True]
    assert v["hte_valid_until"].tolist() == [AS_OF, AS_OF - 1, AS_OF + 2]
    assert v["reapply_next_year"].tolist() == [True, False, False]
    assert v["reapply_year"].tolist() == [AS_OF + 1, AS_OF, AS_OF + 3]


def test_every_rule_leaf_is_cited():
    rules = load_rules()
    for r in rules.rungs:
        assert r["document"] and r["source"] and "effective" in r

        def walk(n):
            if "all" in n or "any" in n:
                for c in n.get("all", n.get("any")):
                    walk(c)
            else:
                assert n["source"].strip(), n["id"]
        walk(r["conditions"])


def test_object_columns_from_json_attributes(make):
    # the store's attributes arrive as object columns mixing bools, numbers and None
    from gaoxin.enterprise.derive import Quantities
    df = make({}, {}, {})
    df["hte_cert_year"] = pd.Series([2024, None, 2023.0], dtype=object)
    df["has_core_ip"] = pd.Series([True, None, False], dtype=object)
    q = Quantities(df, AS_OF)
    assert q.col("hte_cert_year")[[0, 2]].tolist() == [2024.0, 2023.0] and np.isnan(q.col("hte_cert_year")[1])
    assert q.col("has_core_ip")[[0, 2]].tolist() == [1.0, 0.0] and np.isnan(q.col("has_core_ip")[1])


def test_rungs_match_the_reference_ladder():
    from gaoxin.reference import load_ladder
    ladder = sorted(load_ladder(), key=lambda r: r["order"])
    rules = load_rules()
    assert [(r["code"], r["name"]) for r in rules.rungs] == [(r["code"], r["name"]) for r in ladder]
    assert [r["name"] for r in rules.rungs if r["on_ladder"]] == [r["name"] for r in ladder if r["in_seed_ladder"]]


def test_highest_rung_counts_a_held_certificate(make):
    # fails the data test (staff 5 %) but holds a valid certificate → holds 高新技术企业
    j = judge(make({"tech_staff_y0": 5.0, "hte_cert_year": float(AS_OF - 1), "founded": pd.Timestamp("2012-01-01")},
                   {"tech_staff_y0": 5.0, "founded": pd.Timestamp("2012-01-01")}), as_of=AS_OF)
    assert j.rung("高企").status.tolist() == [FAIL, FAIL]
    assert j.highest_rung[0] == "高新技术企业"
    assert j.highest_rung[1] != "高新技术企业"
    assert j.to_records()[0]["judgements"]["高新技术企业"]["held"] is True


def test_funnel_counts_pass_or_held_by_zone(make):
    rows = [{"zone_code": "A"}, {"zone_code": "A", "tech_staff_y0": 5.0, "hte_cert_year": float(AS_OF)},
            {"zone_code": "B", "tech_staff_y0": 5.0}]
    j = judge(make(*rows), as_of=AS_OF)
    f = j.funnel("zone_code").set_index("zone_code")
    assert f.loc["A", "高新技术企业"] == 2 and f.loc["B", "高新技术企业"] == 0


def test_broken_rule_file_gives_chinese_error(tmp_path):
    import shutil
    from gaoxin.enterprise.rules import RULES_DIR, RuleError
    d = tmp_path / "rules"
    shutil.copytree(RULES_DIR, d)
    p = d / "unicorn.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace('op: ">=", threshold: 10,', 'op: "≥", threshold: 10,'), encoding="utf-8")
    with pytest.raises(RuleError, match=r"unicorn\.yaml：条件 valuation 的比较符“≥”无效"):
        load_rules(str(d))
    p.write_text(p.read_text(encoding="utf-8").replace('op: "≥", threshold: 10,', 'op: ">=", threshold: 10,')
                 .replace("value: valuation_usd", "value: valuation_cny"), encoding="utf-8")
    with pytest.raises(RuleError, match="未知指标“valuation_cny”"):
        load_rules(str(d))

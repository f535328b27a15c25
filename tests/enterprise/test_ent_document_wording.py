"""Recognition rules say exactly what their documents say (issue 15, and the dated-policy part of issue 10).

Each test quotes the wording it checks; expected values are worked out by hand in the comments."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from gaoxin.enterprise import FAIL, PASS, UNKNOWN, RuleError, judge, load_rules, pool
from gaoxin.enterprise.judge import default_as_of_date
from gaoxin.enterprise.rules import RuleSet
from gaoxin.enterprise.subsidies import amount_text, load_subsidy_rules, subsidies

from .conftest import AS_OF, frame, vary


def leaf(j, rung, cid):
    return next(lf for lf in j.rung(rung).leaves if lf.id == cid)


def conds(node_list):
    """Flatten explain() condition trees into {id: dict}."""
    out = {}
    for c in node_list:
        if "conditions" in c:
            out.update(conds(c["conditions"]))
        else:
            out[c["id"]] = c
    return out


# ----------------------------------------------------------------- 高企: the application date

def test_hte_age_is_counted_to_the_application_date():
    """工作指引: "企业注册成立时间须满一年以上", i.e. "截至申报日前365个日历天以上". A firm founded on
    2025-03-01 has 305 days on 2025-12-31 (not yet) but 395 on 2026-03-31 (2025-03-01 → 2026-03-01 is
    365 days, + 30): judged on the application date it qualifies."""
    f = frame([vary(founded=pd.Timestamp("2025-03-01"))])
    year_end = judge(f, as_of=AS_OF)
    assert year_end.as_of_date == date(2025, 12, 31) and "评价年度年末" in year_end.as_of_text
    assert leaf(year_end, "高企", "age").value_lo[0] == 305 and leaf(year_end, "高企", "age").status[0] == FAIL
    applied = judge(f, as_of=AS_OF, as_of_date="2026-03-31")
    assert leaf(applied, "高企", "age").value_lo[0] == 395 and leaf(applied, "高企", "age").status[0] == PASS
    assert applied.explain(0)["as_of_text"] == "判定日期：2026-03-31（指定日期）"
    with pytest.raises(RuleError, match="判定日期"):
        judge(f, as_of=AS_OF, as_of_date="2026-13-01")


def test_default_judging_date_live_or_retrospective():
    """Issue 10: "--as-of-date, default today for a live judgement, the end of the data year for a
    retrospective one, stated in the output"."""
    assert default_as_of_date(2025, today=date(2026, 12, 3)) == (date(2026, 12, 3), "当前日期，按最新数据年度判定")
    assert default_as_of_date(2022, today=date(2026, 12, 3)) == (date(2022, 12, 31), "评价年度年末，回顾以往年度")
    j = judge(frame([vary()]), as_of=AS_OF, as_of_date=default_as_of_date(2025, today=date(2026, 5, 1)))
    assert j.as_of_text == "判定日期：2026-05-01（当前日期，按最新数据年度判定）"


def test_rules_are_chosen_by_the_judging_date():
    """Rules carry `effective` dates and are chosen by the judging date: with two versions of 高企
    (a made-up 2030 version asking 2 years), a 2029 date uses the 2016 rule and a 2031 date the new one."""
    rules = load_rules()
    hte = next(r for r in rules.rungs if r["code"] == "hnte")
    newer = {**hte, "effective": {"from": "2030-01-01", "to": None},
             "conditions": {"all": [dict(hte["conditions"]["all"][0], threshold=730)]}}
    two = RuleSet(tuple(rules.rungs) + (newer,), rules.settings)
    assert two.at(date(2029, 6, 1)).rung("高企")["effective"]["from"] == "2016-01-01"
    assert two.at(date(2031, 6, 1)).rung("高企")["conditions"]["all"][0]["threshold"] == 730
    f = frame([vary(founded=pd.Timestamp("2028-01-01"))])  # 1,247 days on 2031-06-01, 882 on 2030-06-01 …
    j = judge(f, rules=two, as_of=2030, as_of_date="2031-06-01")
    assert leaf(j, "高企", "age").threshold == 730
    # a rule whose window does not contain the date is flagged (雏鹰 applies from 2023-01-01)
    old = judge(frame([vary()]), as_of=2021, zone_rules="all")
    assert "施行期" in old.explain(0)["judgements"]["雏鹰企业"]["effective_note"]


# ----------------------------------------------------------------- 高企: what is divided, what counts

def test_hitech_share_divides_by_total_income():
    """第十一条（六）: "近一年高新技术产品（服务）收入占企业同期总收入的比例不低于60%". 6000 / 11000 (总收入)
    = 54.5 % fails although 6000 / 9000 (营业收入) = 66.7 %. Without 总收入 the share is at most
    6000 / 9000 (总收入 ≥ 营业收入): cannot tell; 5000 / 9000 = 55.6 % at most: fails."""
    rows = [vary(hitech_revenue_y0=6000.0, revenue_y0=9000.0, total_income_y0=11000.0),
            vary(hitech_revenue_y0=6000.0, revenue_y0=9000.0, total_income_y0=np.nan),
            vary(hitech_revenue_y0=5000.0, revenue_y0=9000.0, total_income_y0=np.nan),
            vary(hitech_revenue_y0=6600.0, revenue_y0=9000.0, total_income_y0=11000.0)]
    j = judge(frame(rows), as_of=AS_OF)
    lf = leaf(j, "高企", "hitech_revenue")
    assert lf.status.tolist() == [FAIL, UNKNOWN, FAIL, PASS]
    assert lf.value_lo[0] == pytest.approx(6000 / 11000)
    assert lf.value_hi[1] == pytest.approx(6000 / 9000) and lf.value_lo[1] == 0
    text = conds(j.explain(1)["judgements"]["高新技术企业"]["conditions"])["hitech_revenue"]["text"]
    assert "缺少总收入" in text


def test_standards_bonus_counts_participation():
    """工作指引 十: "企业参与编制国家标准、行业标准、检测方法、技术规范的情况" earns 1–2 points — taking
    part counts, not only leading (主导制定)."""
    rows = [vary(joined_standard=True, led_standard=False), vary(joined_standard=False, led_standard=True),
            vary(joined_standard=False, led_standard=False)]
    s = judge(frame(rows), as_of=AS_OF).rung("高企").scores["innovation"].parts["standard_bonus"]
    assert s[0].tolist() == [1, 1, 0] and s[1].tolist() == [2, 2, 0]


def test_class2_ip_counts_once():
    """工作指引: "按Ⅱ类评价的知识产权在申请高新技术企业时，仅限使用一次". No Ⅰ类, 5 Ⅱ类 of which 3 were
    used in the first recognition: 2 usable → band "1–2项" = 1–2 points; never recognised: 5 → 5–6;
    recognised before and use unknown → the whole 0–8 range."""
    rows = [vary(ip_class1=0.0, ip_class2=5.0, ip_class2_used=3.0, hte_cert_count=1.0, hte_cert_year=2022.0),
            vary(ip_class1=0.0, ip_class2=5.0, ip_class2_used=np.nan),
            vary(ip_class1=0.0, ip_class2=5.0, ip_class2_used=np.nan, hte_cert_count=1.0, hte_cert_year=2022.0)]
    lo, hi = judge(frame(rows), as_of=AS_OF).rung("高企").scores["innovation"].parts["ip_count"]
    assert lo.tolist() == [1, 5, 0] and hi.tolist() == [2, 6, 8]


# ----------------------------------------------------------------- 瞪羚 and 雏鹰: the zone's own rules

def _changsha(**changes):
    return vary(zone_code="HN-N-CHANGSHA", county_code="430104", **changes)


def test_gazelle_route_b_prize_and_sector():
    """长沙高新区瞪羚办法 路线B (新经济领域: 互联网+、物联网、北斗、信息安全、VR、大数据、云计算…):
    "上年度总收入1000万元以上…同比增长，且近3年累计获得创业投资超过1000万元或获得全国性创新创业大赛
    金奖/一等奖". Route A fails for all four (growth 1500/1490 − 1 = 0.7 % < 20 %, profit flat)."""
    base = dict(revenue_y0=1500.0, revenue_y1=1490.0, net_profit_y0=100.0, net_profit_y1=100.0,
                equity_financing_y0=0.0, equity_financing_y1=0.0, equity_financing_y2=0.0,
                founded=pd.Timestamp("2019-03-01"))
    rows = [_changsha(**base, new_economy=True, contest_top_award=True),     # prize instead of VC
            _changsha(**base, new_economy=False, contest_top_award=True),    # not a new-economy sector
            _changsha(**base, new_economy=True, contest_top_award=False),    # neither VC nor prize
            _changsha(**{**base, "equity_financing_y0": 1200.0}, new_economy=True, contest_top_award=None)]
    j = judge(frame(rows), as_of=AS_OF)
    assert j.rung("瞪羚企业").status.tolist() == [PASS, FAIL, FAIL, PASS]


def test_zone_rule_applies_only_to_its_zone_unless_chosen():
    """长沙高新区瞪羚办法 applies to enterprises whose "工商、税务、统计关系在长沙高新区" (and 湘新综发〔2023〕49号
    雏鹰 to those registered "在直管区（岳麓区全境）或托管区"): a 常德 enterprise gets 不适用 with the
    reason, unless the user chooses "all"; the pool of 瞪羚 leaves the 常德 firm out."""
    rows = [_changsha(founded=pd.Timestamp("2019-03-01")),
            vary(zone_code="HN-N-CHANGDE", county_code="430702", founded=pd.Timestamp("2019-03-01"))]
    f = frame(rows)
    j = judge(f, as_of=AS_OF)
    assert j.status_frame()["瞪羚企业"].tolist()[1] == "not_applicable"
    d = j.explain(1)["judgements"]["瞪羚企业"]
    assert d["status_zh"] == "不适用" and "长沙高新区的规则" in d["reason"]
    assert j.explain(0)["judgements"]["瞪羚企业"]["status_zh"] != "不适用"
    assert j.to_records()[1]["judgements"]["雏鹰企业"]["status"] == "not_applicable"
    assert "HN-N-CHANGDE" not in set(pool(j, "瞪羚企业", max_failed=20)["zone_code"])
    everyone = judge(f, as_of=AS_OF, zone_rules="all")
    assert everyone.status_frame()["瞪羚企业"].tolist()[1] in ("pass", "fail", "unknown")
    with pytest.raises(RuleError, match="适用范围"):
        judge(f, as_of=AS_OF, zone_rules="长沙")


def test_unchecked_conditions_are_listed_with_reasons():
    """瞪羚: "行业、在区注册、信用麓谷信用等级" are neither checked nor were they listed; 雏鹰: the
    "2000万（含）" bound rests on a truncated source and "近三年无偷税漏税" is not modelled — the rule
    files and every judgement say so."""
    ex = judge(frame([_changsha()]), as_of=AS_OF).explain(0)["judgements"]
    gaz = " ".join(x["condition"] + x["reason"] for x in ex["瞪羚企业"]["not_checked"])
    for words in ("先进装备制造", "信用麓谷", "统计关系在长沙高新区"):
        assert words in gaz
    eag = " ".join(x["condition"] + x["reason"] for x in ex["雏鹰企业"]["not_checked"])
    assert "偷税漏税" in eag and "截断" in eag
    assert any("截断" in n for n in ex["雏鹰企业"]["notes"])
    assert all(x["reason"] for r in ex.values() for x in r["not_checked"])


# ----------------------------------------------------------------- 创新型中小企业 and blanks

def test_strategic_industry_is_one_of_the_nine():
    """Seed 002 三、产业发展重点方向: 高端装备 … 未来产业 (nine industries). "属于《战略性新兴产业分类》"
    earns 10 points, other 5; a blank industry cannot be placed (0–10)."""
    rows = [vary(industry="SEI02"), vary(industry="新材料产业"), vary(industry="纺织服装"), vary(industry=None)]
    j = judge(frame(rows), as_of=AS_OF)
    assert j.quantities["strategic_industry"][:3].tolist() == [1.0, 1.0, 0.0]
    assert np.isnan(j.quantities["strategic_industry"][3])
    lo, hi = j.rung("创新型中小企业").scores["isme"].parts["field"]
    assert lo.tolist() == [10, 10, 5, 0] and hi.tolist() == [10, 10, 5, 10]


def test_blank_yes_no_on_direct_routes_reads_as_no_everywhere():
    """科技型中小企业评价办法 第八条 and 优质中小企业梯度培育办法 直通条件: a blank yes/no on a direct route
    counts as 否 on every route (like a blank certificate year = no certificate), and says so; a blank
    on a condition of the rule itself stays 无法判断."""
    blank = dict(national_award_top3=None, provincial_award=None, provincial_rd_institution=None,
                 led_standard=None, hte_cert_year=np.nan, tech_staff_y0=1.0)  # score route fails
    j = judge(frame([vary(**blank), vary(has_core_ip=None)]), as_of=AS_OF)
    for rung, ids in (("科技型中小企业", ("direct_award", "direct_institution", "direct_standard")),
                      ("创新型中小企业", ("direct_award", "direct_institution"))):
        for cid in ids:
            assert leaf(j, rung, cid).status[0] == FAIL, (rung, cid)
        c = conds(j.explain(0)["judgements"][rung]["conditions"])
        assert "未填报，按“否”计" in c[ids[0]]["text"]
        assert leaf(j, rung, "direct_hte").status[0] == FAIL  # blank certificate year: no certificate
    assert leaf(j, "高企", "core_ip").status[1] == UNKNOWN


# ----------------------------------------------------------------- policy only in data

def test_pool_cut_off_has_no_code_default():
    """Issue 10: "every threshold, fallback and colour band comes from the cited YAML" — without
    settings.pool.max_failed_conditions the pool says so instead of assuming 2."""
    rules = load_rules()
    bare = RuleSet(rules.rungs, {k: v for k, v in rules.settings.items() if k != "pool"})
    j = judge(frame([vary(tech_staff_y0=9.0)]), rules=bare, as_of=AS_OF)
    with pytest.raises(RuleError, match="max_failed_conditions"):
        pool(j, "高新技术企业")


def test_university_rd_subsidy_and_one_place_for_amounts():
    """Seed 004 四、（二）: "根据在潭高校、科研院所R&D经费总量、增速和R&D课题数量分层次择优奖补，最高奖补不超过
    10万元" — listed (its beneficiaries are not enterprises, so it is never paid to one); every amount of
    the policy library comes from subsidies.yaml."""
    rule = next(r for r in load_subsidy_rules()["rules"] if r["id"] == "xt_institution_rd")
    assert rule["cap"] == 10 and rule["beneficiary"] == "在潭高校、科研院所"
    assert amount_text("xt_institution_rd") == "最高不超过10万元"
    rows = subsidies(frame([vary(rd_deductible_y1=900.0, rd_deductible_y2=600.0)]), year=AS_OF)
    assert "xt_institution_rd" not in set(rows["rule_id"])
    from gaoxin.matching.policy import load_policy_templates
    by_title = {p["title"]: p["amount"] for p in load_policy_templates()}
    assert by_title["高新技术企业首次认定奖补"] == "10万元/家" == amount_text("xt_hte_first")
    assert by_title["新批国家级科创平台建设支持"] == "100万元/家"

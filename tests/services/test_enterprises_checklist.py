"""The enterprise profile's checklist as a reader sees it (gaoxin.services.enterprises, issue 14 item 3):
how a condition's value, requirement, gap and verdict read, how a rung's card is summed up, and how a
table page and a search cut the lists. Every expected text is written by hand from the inputs and the
rules in the module's docstrings (“%” is a fraction shown as a percentage, “%（数值）” a percentage
number, an “=” condition without a unit reads 是/否, infinite reads 无, missing reads —)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from gaoxin.services import enterprises as ent
from gaoxin.services.errors import Invalid

INF, NAN = float("inf"), float("nan")


# --- a value in its unit ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, unit, yes_no, text", [
    (INF, "万元", False, "无"),
    (-INF, None, False, "无"),
    (None, "万元", False, "—"),
    (NAN, "%", False, "—"),
    (0.1234, "%", False, "12.34%"),
    (0.05, "%", False, "5.00%"),
    (1234.5, "%（数值）", False, "1,234.50%"),
    (3000, "万元", False, "3,000万元"),
    (3000.0, "万元", False, "3,000万元"),
    (1234.5, "万元", False, "1,234.50万元"),
    (2.5, "人", False, "2.50人"),
    (2.0000000001, "人", False, "2人"),   # within 1e-9 of a whole number: shown whole
    (5, None, False, "5"),
    (1, None, True, "是"),
    (0, None, True, "否"),
    (2.5, None, True, "2.5"),
    (1, "分", False, "1分"),
])
def test_value_in_its_unit(value, unit, yes_no, text):
    assert ent._val(value, unit, yes_no) == text


def test_value_yes_no_defaults_to_a_number():
    assert ent._val(1, None) == "1"
    assert ent._val(0, None) == "0"


@pytest.mark.parametrize("v, bad", [(None, True), (NAN, True), (INF, True), (-INF, True), (0.0, False),
                                    (0, False), ("x", False)])
def test_bad_value(v, bad):
    assert ent._bad(v) is bad


# --- how far a failed condition is -------------------------------------------------------------------

@pytest.mark.parametrize("cond, text", [
    ({"margin": -0.015, "unit": "%", "op": ">="}, "还差 1.50个百分点"),
    ({"margin": -1.5, "unit": "%（数值）", "op": ">"}, "还差 1.50个百分点"),
    ({"margin": -2500.0, "unit": "万元", "op": ">="}, "还差 2,500万元"),
    ({"margin": -0.58, "unit": "年", "op": "<="}, "超出 0.58年"),
    ({"margin": -3, "unit": "人", "op": "<"}, "超出 3人"),
    ({"margin": -0.2, "unit": "%", "op": "<"}, "超出 20.00个百分点"),
    ({"margin": 0, "unit": "万元", "op": ">="}, ""),          # on the line: nothing missing
    ({"margin": 0.5, "unit": "万元", "op": ">="}, ""),
    ({"margin": None, "unit": "万元", "op": ">="}, ""),
    ({"margin": NAN, "unit": "万元", "op": ">="}, ""),
    ({"unit": "万元", "op": ">="}, ""),
    ({"op": "==", "threshold": 1, "unit": None, "margin": -1}, "应为“是”"),
    ({"op": "==", "threshold": 0, "unit": None}, "应为“否”"),
    ({"op": "==", "threshold": 2, "unit": "级", "margin": -1}, "应为“2级”"),
])
def test_gap_in_words(cond, text):
    assert ent._gap_text(cond) == text


# --- one condition's row -----------------------------------------------------------------------------

def test_leaf_rows_pass_fail_missing():
    rows = [
        ent._leaf_row({"name": "研发费用占比", "unit": "%", "op": ">=", "threshold": 0.05, "value": 0.04,
                       "margin": -0.01, "status": "fail", "source": "第十一条（五）"}, 2, True, "《办法》"),
        ent._leaf_row({"name": "职工总数", "unit": "人", "op": "<=", "threshold": 500, "value": 100,
                       "margin": 400, "status": "pass"}, 0, True, "《办法》"),
        ent._leaf_row({"name": "名次", "unit": "名", "op": "<=", "threshold": 500, "value": None,
                       "status": "fail"}, 1, False, "《办法》"),
        ent._leaf_row({"name": "估值", "unit": "亿美元", "op": ">=", "threshold": 10, "value": None,
                       "status": "unknown"}, 0, False, ""),
        ent._leaf_row({"name": "已上市", "unit": None, "op": "==", "threshold": 1, "value": 0,
                       "status": "fail"}, 0, False, "规划"),
    ]
    assert rows == [
        {"condition": "研发费用占比", "depth": 2, "group": False, "requirement": "≥ 5.00%", "actual": "4.00%",
         "verdict": "不符合", "gap": "还差 1.00个百分点", "basis": "第十一条（五）"},
        {"condition": "职工总数", "depth": 0, "group": False, "requirement": "≤ 500人", "actual": "100人",
         "verdict": "符合", "gap": "—", "basis": "《办法》"},
        {"condition": "名次", "depth": 1, "group": False, "requirement": "≤ 500名", "actual": "—",
         "verdict": "不符合", "gap": "未填报，按不符合计", "basis": "《办法》"},
        {"condition": "估值", "depth": 0, "group": False, "requirement": "≥ 10亿美元", "actual": "—",
         "verdict": "数据缺失", "gap": "补充数据后可判定", "basis": ""},
        {"condition": "已上市", "depth": 0, "group": False, "requirement": "应为“是”", "actual": "否",
         "verdict": "不符合", "gap": "应为“是”", "basis": "规划"},
    ]


@pytest.mark.parametrize("op, shown", [(">=", "≥"), (">", "＞"), ("<=", "≤"), ("<", "＜"), ("in", "in")])
def test_requirement_operator_in_chinese(op, shown):
    row = ent._leaf_row({"name": "x", "unit": "万元", "op": op, "threshold": 100, "value": 100,
                         "status": "pass"}, 0, True, "")
    assert row["requirement"] == f"{shown} 100万元"


def test_equal_with_a_unit_is_not_yes_no():
    # an “=” condition with a unit shows its number: 等级 = 2级
    row = ent._leaf_row({"name": "等级", "unit": "级", "op": "==", "threshold": 2, "value": 1, "status": "fail"},
                        0, True, "")
    assert (row["requirement"], row["actual"], row["gap"]) == ("= 2级", "1级", "应为“2级”")


def test_a_value_range_reads_as_a_range():
    score = ent._leaf_row({"name": "评价得分", "unit": "分", "op": ">=", "threshold": 60,
                           "value_range": [42, 75], "value": None, "status": "unknown"}, 1, True, "")
    share = ent._leaf_row({"name": "高新收入占比", "unit": "%", "op": ">=", "threshold": 0.6,
                           "value_range": [0.0, 0.7], "value": None, "status": "unknown"}, 0, True, "")
    half = ent._leaf_row({"name": "高新收入占比", "unit": "%", "op": ">=", "threshold": 0.6,
                          "value_range": [None, 0.7], "value": 0.5, "status": "fail", "margin": -0.1}, 0, True, "")
    assert (score["actual"], score["verdict"], score["gap"]) == (
        "42分–75分（评分区间：缺失项按0至满分计）", "数据缺失", "现有数据不足以判定，补充数据后可判定")
    assert share["actual"] == "0.00%–70.00%（部分数据缺失，按可能的范围计）"
    # a range with a missing end is no range: the value itself is shown
    assert (half["actual"], half["gap"]) == ("50.00%", "还差 10.00个百分点")


# --- a group of conditions ---------------------------------------------------------------------------

def test_checklist_rows_nest_groups():
    conds = [
        {"name": "职工总数", "unit": "人", "op": "<=", "threshold": 500, "value": 100, "status": "pass",
         "source": "第六条"},
        {"group": "满足其一", "status": "fail", "conditions": [
            {"group": "全部满足", "name": "一般条件", "status": "unknown", "conditions": [
                {"name": "得分", "unit": "分", "op": ">=", "threshold": 60, "value": None, "status": "unknown"}]},
            {"name": "有资格证书", "unit": None, "op": "==", "threshold": 1, "value": 0, "status": "fail"},
        ]},
        {"group": "全部满足", "status": "pass", "conditions": []},
    ]
    out: list = []
    ent._checklist_rows(conds, True, "《办法》", out)
    assert out == [
        {"condition": "职工总数", "depth": 0, "group": False, "requirement": "≤ 500人", "actual": "100人",
         "verdict": "符合", "gap": "—", "basis": "第六条"},
        {"condition": "以下条件满足其一", "depth": 0, "group": True, "requirement": "以下条件满足其一",
         "actual": "—", "verdict": "不符合", "gap": "—", "basis": ""},
        {"condition": "一般条件", "depth": 1, "group": True, "requirement": "以下条件全部满足",
         "actual": "—", "verdict": "数据缺失", "gap": "—", "basis": ""},
        {"condition": "得分", "depth": 2, "group": False, "requirement": "≥ 60分", "actual": "—",
         "verdict": "数据缺失", "gap": "补充数据后可判定", "basis": "《办法》"},
        {"condition": "有资格证书", "depth": 1, "group": False, "requirement": "应为“是”", "actual": "否",
         "verdict": "不符合", "gap": "应为“是”", "basis": "《办法》"},
        {"condition": "以下条件全部满足", "depth": 0, "group": True, "requirement": "以下条件全部满足",
         "actual": "—", "verdict": "符合", "gap": "—", "basis": ""},
    ]


# --- a source as a reader sees it -------------------------------------------------------------------

def test_clean_drops_repository_paths_and_flags_for_readers():
    text = "《办法》 第三条（⚠ 文号待核）；reference/enterprise/hte.md §2.1"
    assert ent._clean(text, admin=False) == "《办法》 第三条"
    assert ent._clean(text, admin=True) == "《办法》 第三条（⚠ 文号待核）"
    assert ent._clean("附件3，⚠️ 单一来源", admin=True) == "附件3，⚠ 单一来源"
    assert ent._clean("附件3，⚠️ 单一来源", admin=False) == "附件3"
    assert ent._clean("附件3 (⚠ single source)", admin=False) == "附件3"
    assert ent._clean(None, admin=False) == ""
    assert ent._clean("第一条  第二条；", admin=True) == "第一条 第二条"


def test_basis_gets_its_document_title():
    # 国科发火〔2016〕32号 is paired with 《高新技术企业认定管理办法》 in the 高企 rule file's source
    assert ent._with_title("国科发火〔2016〕32号 第十一条（一）", "《其他》") == \
        "《高新技术企业认定管理办法》（国科发火〔2016〕32号）第十一条（一）"
    assert ent._with_title("附件2（二）", "《优质中小企业梯度培育管理暂行办法》") == \
        "《优质中小企业梯度培育管理暂行办法》 附件2（二）"
    assert ent._with_title("附件2（二）", "") == "附件2（二）"
    assert ent._with_title("《已有标题》第一条", "《其他》") == "《已有标题》第一条"
    assert ent._with_title("", "《其他》") == ""


# --- a rung's card ----------------------------------------------------------------------------------

PASS = {"name": "职工总数", "unit": "人", "op": "<=", "threshold": 500, "value": 100, "status": "pass"}
FAIL = {"name": "上市", "unit": None, "op": "==", "threshold": 1, "value": 0, "status": "fail"}
MISS = {"name": "估值", "unit": "亿美元", "op": ">=", "threshold": 10, "value": None, "status": "unknown"}


def card(status, conds, **jd):
    return ent._rung_card("某层级", {"status": status, "conditions": conds, "source": "规划 专栏5", **jd}, False)


def test_card_notes_count_failed_and_missing_conditions():
    assert card("pass", [PASS])["note"] == "符合该层级的认定条件"
    assert card("pass", [PASS, {"group": "满足其一", "status": "pass", "conditions": [PASS, FAIL]}])["note"] == \
        "符合该层级的认定条件（另有 1 项备选条件不符合，不影响结论：“满足其一”的条件组只需满足一项）"
    assert card("fail", [FAIL, FAIL, PASS])["note"] == "有 2 项条件不符合"
    assert card("fail", [FAIL, MISS, MISS])["note"] == "有 1 项条件不符合，2 项数据缺失"
    assert card("unknown", [MISS, PASS])["note"] == "1 项条件数据缺失，暂无法判定"
    assert card("unknown", [MISS, FAIL, FAIL])["note"] == "1 项条件数据缺失，暂无法判定；另有 2 项不符合"
    assert card("pass", [PASS], held=True)["note"] == "符合该层级的认定条件；企业已持有该资格"


def test_card_whole():
    c = ent._rung_card("独角兽企业", {
        "status": "fail", "held": 0, "source": "长城战略咨询 独角兽企业标准（2025）",
        "conditions": [FAIL, MISS],
        "not_checked": [{"condition": "估值口径（⚠ 文号待核）", "reason": "由申报材料核验"}],
        "effective_note": "2025 年起施行"}, False)
    assert c == {
        "rung": "独角兽企业", "verdict": "不符合", "held": False, "document": "长城战略咨询 独角兽企业标准（2025）",
        "rows": [
            {"condition": "上市", "depth": 0, "group": False, "requirement": "应为“是”", "actual": "否",
             "verdict": "不符合", "gap": "应为“是”", "basis": "长城战略咨询 独角兽企业标准（2025）"},
            {"condition": "估值", "depth": 0, "group": False, "requirement": "≥ 10亿美元", "actual": "—",
             "verdict": "数据缺失", "gap": "补充数据后可判定", "basis": "长城战略咨询 独角兽企业标准（2025）"}],
        "note": "有 1 项条件不符合，1 项数据缺失",
        "not_checked": [{"condition": "估值口径", "reason": "由申报材料核验"}],
        "effective_note": "2025 年起施行"}


@pytest.mark.parametrize("status, verdict", [("pass", "符合"), ("fail", "不符合"), ("unknown", "数据缺失"),
                                             (None, "数据缺失")])
def test_card_verdict(status, verdict):
    c = card(status, [PASS])
    assert (c["verdict"], c["held"], c["effective_note"], c["not_checked"]) == (verdict, False, "", [])


def test_card_not_applicable():
    mine = ent._rung_card("雏鹰企业", {"status": "not_applicable", "reason": "本规则只适用于长沙高新区企业",
                                    "conditions": [PASS], "source": "《办法》"}, False)
    default = ent._rung_card("雏鹰企业", {"status": "not_applicable", "conditions": [PASS], "held": True}, False)
    assert (mine["verdict"], mine["note"], mine["rows"], mine["document"]) == (
        "不适用", "本规则只适用于长沙高新区企业", [], "《办法》")
    assert (default["note"], default["rows"], default["held"], default["document"]) == (
        "该层级为其他高新区自定的认定办法，不适用于本企业。", [], True, "")


def test_card_document_reads_with_its_title():
    # the 文号 after the title: 《title》（文号）; a document text already holding “（” gets the title in front;
    # `document` wins over `source`; the rows' basis read with the rung's title
    a = ent._rung_card("x", {"status": "pass", "source": "《某办法》", "document": "某发〔2020〕1号",
                             "conditions": [dict(PASS, source="第二条")]}, False)
    b = ent._rung_card("x", {"status": "pass", "source": "《某办法》", "document": "某发〔2020〕1号（⚠ 待核）",
                             "conditions": []}, True)
    c = ent._rung_card("x", {"status": "pass", "source": "规划 专栏5", "conditions": []}, False)
    assert a["document"] == "《某办法》（某发〔2020〕1号）"
    assert a["rows"][0]["basis"] == "《某办法》 第二条"
    assert b["document"] == "《某办法》 某发〔2020〕1号（⚠ 待核）"
    assert c["document"] == "规划 专栏5"


# --- pages and search --------------------------------------------------------------------------------

DF = pd.DataFrame({"credit_code": ["91AAA1", "91BBB2", "91CCC3", None, "91EEE5"],
                   "name": ["长沙甲科技", "湘潭乙电气", "ABC Tech", "丁企业", None],
                   "industry": ["电子信息", "先进制造", "电子信息", None, "先进制造"]})


def test_paged_meta():
    part, meta = ent.paged(DF, 2, 2)
    assert list(part["name"]) == ["ABC Tech", "丁企业"] and list(part.index) == [0, 1]
    assert meta == {"total": 5, "page": 2, "page_size": 2, "pages": 3, "first": 3, "last": 4}
    part, meta = ent.paged(DF, 3, 2)
    assert meta == {"total": 5, "page": 3, "page_size": 2, "pages": 3, "first": 5, "last": 5} and len(part) == 1
    part, meta = ent.paged(DF, 9, 2)   # past the end: the last page
    assert meta["page"] == 3 and list(part["credit_code"]) == ["91EEE5"]
    part, meta = ent.paged(DF, 1, 5)
    assert meta == {"total": 5, "page": 1, "page_size": 5, "pages": 1, "first": 1, "last": 5}
    part, meta = ent.paged(DF.iloc[0:0])
    assert meta == {"total": 0, "page": 1, "page_size": 50, "pages": 1, "first": 0, "last": 0}
    part, meta = ent.paged(DF, "", "")
    assert (meta["page"], meta["page_size"]) == (1, 50)
    part, meta = ent.paged(DF, "2", "500")
    assert (meta["page"], meta["page_size"], meta["pages"]) == (1, 500, 1)
    part, meta = ent.paged(DF, 1, 1)
    assert (meta["pages"], meta["last"]) == (5, 1)


@pytest.mark.parametrize("page, size, message", [
    (0, 10, "页码应从 1 开始"), (-1, 10, "页码应从 1 开始"),
    (1, 0, "每页条数应在 1 到 500 之间"), (1, 501, "每页条数应在 1 到 500 之间"),
    ("a", 10, "页码和每页条数应为整数"), (1, "十", "页码和每页条数应为整数"), ([1], 10, "页码和每页条数应为整数"),
])
def test_bad_page_messages(page, size, message):
    with pytest.raises(Invalid) as e:
        ent.paged(DF, page, size)
    assert str(e.value) == message


def test_search_by_name_or_code():
    assert list(ent._search(DF, "tech")["name"]) == ["ABC Tech"]          # name, any case
    assert list(ent._search(DF, " 91bbb ")["name"]) == ["湘潭乙电气"]       # code, any case, trimmed
    assert list(ent._search(DF, "企业")["name"]) == ["丁企业"]
    assert list(ent._search(DF, "91EEE")["credit_code"]) == ["91EEE5"]     # a missing name is no match
    assert ent._search(DF, "  ") is DF and ent._search(DF, None) is DF
    assert list(ent._search(DF, "A.")["name"]) == []                       # not a regular expression


def test_industry_filter_by_name():
    assert list(ent._industry_filter(DF, "电子信息")["name"]) == ["长沙甲科技", "ABC Tech"]
    assert ent._industry_filter(DF, None) is DF and ent._industry_filter(DF, "") is DF


def test_joined_gaps():
    assert ent._joined(["研发", "收入", 3]) == "研发；收入；3"
    assert ent._joined(("a",)) == "a"
    assert ent._joined("已是文本") == "已是文本"
    assert ent._joined(None) is None


def test_list_export_frame():
    df = pd.DataFrame({"credit_code": ["91A", "91B"], "zone_code": ["HN-N-XIANGTAN", "X-OTHER"],
                       "industry": [None, "  "], "points": [80.5, math.nan]})
    out = ent.list_export_frame(df, {"HN-N-XIANGTAN": "湘潭高新区"})
    assert out.to_dict("records") == [
        {"credit_code": "91A", "zone_code": "湘潭高新区", "industry": "—", "points": 80.5},
        {"credit_code": "91B", "zone_code": "X-OTHER", "industry": "—", "points": "—"}]
    pool = ent.list_export_frame(pd.DataFrame({"name": ["甲", ""]}), {})
    assert list(pool["name"]) == ["甲", "—"]


def test_flags_stay_for_an_administrator_in_rows_and_groups():
    conds = [{"group": "满足其一", "name": "直通条件（⚠ 单一来源）", "status": "fail", "conditions": [
        {"name": "细分市场年限（⚠ 表述未经原文核实）", "unit": None, "op": ">=", "threshold": 2, "value": 5,
         "status": "pass", "source": "附件3（⚠ 文号待核）"}]}]
    admin: list = []
    ent._checklist_rows(conds, True, "《办法》", admin)
    reader: list = []
    ent._checklist_rows(conds, False, "《办法》", reader)
    assert [(r["condition"], r["requirement"], r["actual"], r["basis"]) for r in admin] == [
        ("直通条件（⚠ 单一来源）", "以下条件满足其一", "—", ""),
        ("细分市场年限（⚠ 表述未经原文核实）", "≥ 2", "5", "附件3（⚠ 文号待核）")]   # no unit: a plain number
    assert [(r["condition"], r["basis"]) for r in reader] == [("直通条件", ""), ("细分市场年限", "附件3")]


def test_a_failed_condition_without_a_margin_has_no_gap():
    row = ent._leaf_row({"name": "研发费用", "unit": "万元", "op": ">=", "threshold": 100, "value": 80,
                         "status": "fail"}, 0, False, "")
    assert (row["actual"], row["verdict"], row["gap"]) == ("80万元", "不符合", "—")


def test_not_checked_flags_for_an_administrator():
    jd = {"status": "pass", "source": "《办法》", "conditions": [],
          "not_checked": [{"condition": "估值口径（⚠ 文号待核）", "reason": "按填报（⚠ 单一来源）"}]}
    assert ent._rung_card("x", jd, True)["not_checked"] == [
        {"condition": "估值口径（⚠ 文号待核）", "reason": "按填报（⚠ 单一来源）"}]
    assert ent._rung_card("x", jd, False)["not_checked"] == [{"condition": "估值口径", "reason": "按填报"}]


def test_basis_title_goes_in_once():
    # only the first 文号 gets the title, and only the space right after it goes
    assert ent._with_title("国科发火〔2016〕32号 第十一条（一） 注", "") == \
        "《高新技术企业认定管理办法》（国科发火〔2016〕32号）第十一条（一） 注"
    assert ent._with_title("国科发火〔2016〕32号 第十条；国科发火〔2016〕32号 第十一条", "") == \
        "《高新技术企业认定管理办法》（国科发火〔2016〕32号）第十条；国科发火〔2016〕32号 第十一条"


def test_page_defaults_to_the_first():
    part, meta = ent.paged(DF, None, 2)
    assert (meta["page"], meta["first"], meta["last"], list(part["name"])) == (1, 1, 2, ["长沙甲科技", "湘潭乙电气"])
    part, meta = ent.paged(DF, 2, None)
    assert (meta["page"], meta["page_size"], meta["pages"]) == (1, 50, 1)


def test_search_does_not_match_the_fill_of_a_missing_value():
    # a missing name or credit code is empty, not “None”, “nan” or any placeholder
    assert list(ent._search(DF, "none")["name"]) == []
    assert list(ent._search(DF, "nan")["name"]) == []
    assert list(ent._search(DF, "xx")["name"]) == []


def test_industry_filter_by_code():
    df = pd.DataFrame({"name": ["甲", "乙", "丙"], "industry": ["高端装备", "新材料", "高端装备"]})
    assert list(ent._industry_filter(df, "SEI01")["name"]) == ["甲", "丙"]   # SEI01 = 高端装备
    assert list(ent._industry_filter(df, "新材料")["name"]) == ["乙"]


def test_a_page_keeps_the_table_columns():
    part, _ = ent.paged(DF, 2, 2)
    assert list(part.columns) == ["credit_code", "name", "industry"]


def test_clean_drops_parentheses_left_empty_by_a_path():
    assert ent._clean("第三条（reference/enterprise/hte.md）", admin=True) == "第三条"
    assert ent._clean("第三条（；reference/enterprise/hte.md §2）", admin=True) == "第三条"
    assert ent._clean("附件X", admin=True) == "附件X"


def test_an_administrator_card_keeps_the_flags_of_its_rows():
    jd = {"status": "pass", "source": "《办法》", "conditions": [dict(PASS, name="职工总数（⚠ 单一来源）")]}
    assert ent._rung_card("x", jd, True)["rows"][0]["condition"] == "职工总数（⚠ 单一来源）"
    assert ent._rung_card("x", jd, False)["rows"][0]["condition"] == "职工总数"

"""gaoxin.services.targets on values a reader can check: the decomposition-table checks of one plan (with the
附件 label of each message), the roll-up of the decomposed units' actuals (`gaoxin targets rollup`), the
Excel export of progress rows (plan by title, no target code), a target's detail tree and parts table,
and the meta of the warning list.

The expected values are written by hand from seed 004 (湘潭市推动科技创新“133”行动计划（2023—2025年）),
附件3 高新技术企业 2024 column: 湘潭县 153, 湘乡市 122, 韶山市 57, 雨湖区 99, 岳塘区 30, 湘潭高新区 247,
湘潭经开区 190, 岳塘经开区 22; printed totals 2023 830, 2024 920, 2025 1000; 8 units."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from gaoxin.services import targets as tg
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Invalid, NotFound, ServiceError
from gaoxin.services.scope import CONSOLE

XT133 = "xiangtan-133-2023-2025"
XT133_TITLE = "湘潭市推动科技创新“133”行动计划（2023—2025年）"
HTE = "xt133-high-tech-enterprises"


pytestmark = pytest.mark.usefixtures("fresh_cache")  # fixtures in tests/services/conftest.py


def test_decomposition_checks_of_one_plan_name_the_attachment(seed_db):
    """Only the plan asked for; each issue message starts with its table's 附件 number (附件1 of 004 leaves
    规模以上服务业 blank in every year and in the growth column)."""
    with session_scope(seed_db) as s:
        got = tg.decomposition_checks(s, XT133)
    assert [tid for tid, _ in got] == [
        "xt133-high-tech-enterprises", "xt133-tech-smes", "xt133-rd-expenditure-by-sector",
        "xt133-rd-expenditure-by-county", "xt133-platforms-new-by-department", "xt133-platforms-new-by-county"]
    messages = {tid: [i.message for i in issues] for tid, issues in got}
    assert messages == {
        "xt133-high-tech-enterprises": [], "xt133-tech-smes": [],
        "xt133-rd-expenditure-by-sector": ["附件1：规模以上服务业 2023年目标值在原表中为空白",
                                           "附件1：规模以上服务业 2024年目标值在原表中为空白",
                                           "附件1：规模以上服务业 2025年目标值在原表中为空白",
                                           "附件1：规模以上服务业 年均目标增速在原表中为空白"],
        "xt133-rd-expenditure-by-county": [], "xt133-platforms-new-by-department": [],
        "xt133-platforms-new-by-county": []}


def test_decomposition_checks_of_an_unknown_plan_is_not_found(seed_db):
    with session_scope(seed_db) as s:
        with pytest.raises(NotFound):
            tg.decomposition_checks(s, "no-such-plan")


def _add(s, t, unit_name, year, value, is_demo=False):
    from gaoxin.store.models import Observation
    if unit_name == t.scope.name:
        ut, uc = t.scope.type, str(t.scope.code)
    else:
        r = next(r for r in t.decomposition.rows if r.unit_name == unit_name)
        ut, uc = r.unit_type, str(r.unit_code)
    s.add(Observation(unit_type=ut, unit_code=uc, indicator_code=t.indicator, period=year, value=value,
                      is_demo=is_demo))


def test_rollup_sums_the_units_beside_the_printed_total_and_the_city(db_url):
    with session_scope(db_url) as s:
        t = next(t for t in tg.targets(s) if t.id == HTE)
        # 2024: three of eight units report 153 + 61 + 247 = 461; 湘潭市 itself reports 500 → diff −39
        _add(s, t, "湘潭县", 2024, 153)
        _add(s, t, "湘乡市", 2024, 61)
        _add(s, t, "湘潭高新区", 2024, 247, is_demo=True)
        _add(s, t, "湘潭市", 2024, 500)
    with session_scope(db_url) as s:
        target, r, demo = tg.rollup(s, HTE)
    assert target.id == HTE and demo is True
    assert r["year"].tolist() == [2023, 2024, 2025]
    assert r["units_reported"].tolist() == [0, 3, 0]
    assert r["units_expected"].tolist() == [8, 8, 8]
    assert r["printed_total"].tolist() == [830.0, 920.0, 1000.0]
    row = r.set_index("year").loc[2024]
    assert (row["units_sum"], row["scope_actual"], row["diff_scope"]) == (461.0, 500.0, -39.0)
    assert all(math.isnan(v) for v in r.set_index("year").loc[[2023, 2025], "units_sum"])


def test_rollup_of_a_target_without_decomposition_or_unknown_is_refused(seed_db):
    with session_scope(seed_db) as s:
        plain = next(t.id for t in tg.targets(s) if t.decomposition is None)
        for tid in ("no-such-target", plain):
            with pytest.raises(NotFound) as e:
                tg.rollup(s, tid)
            assert str(e.value) == f"没有找到分解目标“{tid}”"
        _, r, demo = tg.rollup(s, HTE)  # no observation at all: nothing reported, not demo data
    assert demo is False
    assert r["units_reported"].tolist() == [0, 0, 0] and r["printed_total"].tolist() == [830.0, 920.0, 1000.0]


def test_progress_export_names_the_plan_and_drops_the_target_code(seed_db):
    df = pd.DataFrame({"target_id": ["a", "b"], "plan_id": [XT133, "unknown-plan"],
                       "status": ["已完成", "数据缺失"]})
    with session_scope(seed_db) as s:
        out = tg.progress_export(s, df)
        bare = tg.progress_export(s, pd.DataFrame({"status": ["已完成"]}))
    assert out.to_dict("records") == [{"plan_id": XT133_TITLE, "status": "已完成"},
                                      {"plan_id": "unknown-plan", "status": "数据缺失"}]
    assert bare.to_dict("records") == [{"status": "已完成"}]
    assert list(df.columns) == ["target_id", "plan_id", "status"]  # the caller's frame is left alone


# 附件3 2024 column (the detail's as-of year) and the unit 家
HTE_2024 = [("湘潭县", 153.0), ("湘乡市", 122.0), ("韶山市", 57.0), ("雨湖区", 99.0), ("岳塘区", 30.0),
            ("湘潭高新区", 247.0), ("湘潭经开区", 190.0), ("岳塘经开区", 22.0)]


def test_target_detail_tree_and_parts_without_data(seed_db):
    with session_scope(seed_db) as s:
        d = tg.target_detail(s, CONSOLE, HTE, 2024)
    assert d["as_of"] == 2024
    # no observation: every unit and the target itself read 数据缺失 (grey); 1000 is the 2025 target
    assert d["tree"] == {"name": "湘潭市 高新技术企业数量：1,000家（数据缺失）",
                         "children": [{"name": f"{n}：{v:.0f}家（数据缺失）"} for n, v in HTE_2024]}
    assert d["parts"]["columns"] == ["unit_name", "responsible", "target_value", "actual", "progress", "status",
                                     "light"]
    assert d["parts"]["labels"] == {"unit_name": "单位", "responsible": "责任单位", "target_value": "年度目标",
                                    "actual": "完成值", "progress": "完成率", "status": "状态", "light": "信号灯"}
    assert d["parts"]["rows"] == [{"unit_name": n, "responsible": "", "target_value": v, "actual": None,
                                   "progress": None, "status": "数据缺失", "light": "grey"} for n, v in HTE_2024]
    assert d["target"]["target_id"] == HTE and d["target"]["status"] == "数据缺失"
    # the source as a reader sees it: the plan by title and 文号, never the seed file's name
    assert d["title"] == "湘潭市高新技术企业数量"
    assert d["source"] == "《湘潭市推动科技创新“133”行动计划（2023—2025年）》（潭政办发〔2023〕33号） 二、工作目标；三、（二）1；附件3"


def test_target_detail_of_a_target_without_decomposition_has_no_parts(seed_db):
    with session_scope(seed_db) as s:
        plain = next(t for t in tg.targets(s) if t.decomposition is None)
        d = tg.target_detail(s, CONSOLE, plain.id, 2024)
    assert d["parts"]["rows"] == [] and d["tree"]["children"] == []
    assert d["parts"]["columns"] == list(tg.PART_LABELS)


def test_target_detail_of_an_unknown_target(seed_db):
    with session_scope(seed_db) as s:
        with pytest.raises(NotFound) as e:
            tg.target_detail(s, CONSOLE, "nope", 2024)
    assert str(e.value) == "目标编号“nope”不存在"


def test_target_warnings_meta_states_the_filter(seed_db):
    with session_scope(seed_db) as s:
        _, meta = tg.target_warnings(s, CONSOLE, 2024)
        _, meta_active = tg.target_warnings(s, CONSOLE, 2024, active=True)
        n_all = len(tg.targets(s))
    assert meta["as_of"] == 2024 and meta["active_only"] is False and meta["is_demo"] is False
    assert meta["n_all"] == n_all
    assert meta_active["active_only"] is True


def test_check_year_bounds_and_message():
    for ok in (None, 1990, 2100, "2024"):
        tg.check_year(ok)
    for bad in (1989, 2101):
        with pytest.raises(ServiceError) as e:
            tg.check_year(bad)
        assert str(e.value) == f"年份 {bad} 不合理，请输入如 2024 的四位年份"


def test_as_of_year_given_latest_data_or_last_calendar_year():
    import datetime
    obs = pd.DataFrame({"period": [2019, 2023, 2021]})
    assert tg.as_of_year(obs, None) == 2023
    assert tg.as_of_year(obs, "2020") == 2020 and isinstance(tg.as_of_year(obs, "2020"), int)
    assert tg.as_of_year(obs.iloc[0:0], None) == datetime.date.today().year - 1
    with pytest.raises(ServiceError):
        tg.as_of_year(obs, 3000)


def test_shape_progress_growth_and_level_rows_with_warning_texts():
    # a growth target (年均增长率, %) reads the engine's CAGR ×100; a level target reads its level
    p = pd.DataFrame({
        "id": ["g", "l"], "plan": ["p1", "p2"], "indicator_name": ["营收增速", "企业数"], "scope_name": ["全省", "湘潭市"],
        "unit": ["%", "家"], "baseline_year": [2020, 2022], "baseline_value": [1.23456, 800.0],
        "target_year": [2025, 2025], "target_value": [10.0, 1000.0], "actual_year": [2024, 2024],
        "actual": [120.0, 15.123456], "actual_cagr": [0.123456, float("nan")], "progress": [0.123456789, 0.5],
        "time_elapsed": [0.8, 2 / 3], "status": ["进度滞后", "某未知状态"], "status_reason": ["原因甲", None],
        "is_demo": [True, False], "kind": ["growth", "level"], "level_unit": ["亿元", "家"],
        "plan_active": [True, False], "note": [None, "表述与数字不一致"], "warning_group": ["滞后", "其他"],
        "gap_text": ["差 2 个百分点", None], "effort_text": [None, "年均需增 100 家"]}, index=[5, 7])
    out = tg.shape_progress(p)
    assert list(out.columns) == ["warning_group", "target_id", "plan_id", "indicator_name", "scope_name", "unit",
                                 "baseline_year", "baseline_value", "target_year", "target_value", "actual_year",
                                 "actual", "progress", "time_elapsed", "status", "light", "message", "kind",
                                 "actual_level", "level_unit", "plan_active", "is_demo", "note"]
    assert out.index.tolist() == [0, 1]
    assert out.to_dict("records") == [
        {"warning_group": "滞后", "target_id": "g", "plan_id": "p1", "indicator_name": "营收增速", "scope_name": "全省",
         "unit": "%", "baseline_year": 2020, "baseline_value": 1.2346, "target_year": 2025, "target_value": 10.0,
         "actual_year": 2024, "actual": 12.3456, "progress": 0.1235, "time_elapsed": 0.8, "status": "进度滞后",
         "light": "yellow", "message": "差 2 个百分点", "kind": "growth", "actual_level": 120.0, "level_unit": "亿元",
         "plan_active": True, "is_demo": True, "note": ""},
        {"warning_group": "其他", "target_id": "l", "plan_id": "p2", "indicator_name": "企业数", "scope_name": "湘潭市",
         "unit": "家", "baseline_year": 2022, "baseline_value": 800.0, "target_year": 2025, "target_value": 1000.0,
         "actual_year": 2024, "actual": 15.1235, "progress": 0.5, "time_elapsed": 0.6667, "status": "某未知状态",
         "light": "grey", "message": "年均需增 100 家", "kind": "level", "actual_level": 15.1235, "level_unit": "家",
         "plan_active": False, "is_demo": False, "note": "表述与数字不一致"}]


def test_shape_progress_without_the_optional_columns():
    p = pd.DataFrame({
        "id": ["a"], "plan": ["p"], "indicator_name": ["指标"], "scope_name": ["全省"], "unit": ["个"],
        "baseline_year": [2020], "baseline_value": [1.0], "target_year": [2025], "target_value": [3.0],
        "actual_year": [2024], "actual": ["2.5"], "progress": [0.75], "time_elapsed": [0.8], "status": ["进度正常"],
        "status_reason": ["按进度推进"], "is_demo": [False]})
    out = tg.shape_progress(p)
    assert "warning_group" not in out
    assert out.to_dict("records") == [
        {"target_id": "a", "plan_id": "p", "indicator_name": "指标", "scope_name": "全省", "unit": "个",
         "baseline_year": 2020, "baseline_value": 1.0, "target_year": 2025, "target_value": 3.0,
         "actual_year": 2024, "actual": 2.5, "progress": 0.75, "time_elapsed": 0.8, "status": "进度正常",
         "light": "green", "message": "按进度推进", "kind": None, "actual_level": 2.5, "level_unit": "个",
         "plan_active": True, "is_demo": False, "note": ""}]


# plan periods (seed files): 2017–2019 (no province-wide goal), 十四五 2021–2025 (7 province-wide goals),
# 2026–2028 (2 province-wide goals), 湘江新区 2023–2026 (12), 湘潭 133 2023–2025 (40); 90 targets in all
SEI, Z26 = "hunan-sei-2021-2025", "hunan-zones-2026-2028"


@pytest.mark.parametrize("year, plans, n", [(2024, {SEI}, 7), (2027, {Z26}, 2), (2020, {SEI, Z26}, 9)])
def test_headline_goals_are_the_province_goals_of_plans_in_force(seed_db, year, plans, n):
    with session_scope(seed_db) as s:
        df, meta = tg.targets_progress(s, CONSOLE, year, headline=True)
    assert set(df["plan_id"]) == plans and len(df) == n
    assert (meta["as_of"], meta["n_all"], meta["active_only"]) == (year, 90, False)


def test_only_plans_in_force(seed_db):
    with session_scope(seed_db) as s:
        df, meta = tg.targets_progress(s, CONSOLE, 2024, active=True)
        one_plan, meta_plan = tg.targets_progress(s, CONSOLE, 2024, plan=XT133)
        only = tg.progress(s, CONSOLE, 2024, only_active=True)
        with pytest.raises(NotFound) as e:
            tg.progress(s, CONSOLE, 2030, only_active=True)
    assert set(df["plan_id"]) == {SEI, "xiangjiang-st-system-2023-2026", XT133} and len(df) == 59
    assert meta == {"as_of": 2024, "is_demo": False, "active_only": True, "n_active": 59, "n_all": 90}
    assert set(one_plan["plan_id"]) == {XT133} and meta_plan["n_all"] == 40
    assert len(only.table) == 59 and only.as_of == 2024
    assert str(e.value) == "没有规划期包含 2030 年的规划；去掉“只看在期规划”可查看全部规划"


def test_circular_refusals_name_the_choices(seed_db):
    decomposed = ["hz19-national-innovative-clusters", "hz19-tech-contract-growth", "hz19-national-incubators",
                  "hz19-national-makerspaces", "hz19-provincial-incubators", "hz19-provincial-makerspaces",
                  "hz19-provincial-service-platforms", "hz19-provincial-venture-funds",
                  "hz19-provincial-st-service-institutions", "hz19-provincial-st-finance-institutions",
                  "hz19-cct-kilo-billion-clusters", "hz19-cct-500-billion-clusters",
                  "hz19-other-national-500-billion-clusters", "hz19-provincial-100-billion-clusters",
                  "xt133-high-tech-enterprises", "xt133-tech-smes", "xt133-rd-expenditure-by-sector",
                  "xt133-rd-expenditure-by-county", "xt133-platforms-new-by-department", "xt133-platforms-new-by-county"]
    with session_scope(seed_db) as s:
        with pytest.raises(NotFound) as e:
            tg.circular(s, CONSOLE, "nope", 2024)
        assert str(e.value) == "没有找到目标“nope”。可生成通报的分解目标：" + "、".join(decomposed)
        with pytest.raises(Invalid) as e:
            tg.circular(s, CONSOLE, "xt133-tech-smes", 2022)  # 附件3 sets 2023–2025 only
        assert str(e.value) == "目标 xt133-tech-smes 的分解表没有 2022 年的年度目标（分解表年份：2023、2024、2025）"
        with pytest.raises(ServiceError):
            tg.circular(s, CONSOLE, "xt133-tech-smes", 1800)
        with pytest.raises(NotFound) as e:
            tg.circulars(s, CONSOLE, "nope", 2024)
        assert str(e.value) == "目标或规划编号“nope”不存在"


def test_circulars_of_one_plan_and_the_years_without_a_table(seed_db):
    with session_scope(seed_db) as s:
        chosen, out, y, skipped, _ = tg.circulars(s, CONSOLE, XT133, 2024)
        assert (len(chosen), len(out), y, skipped) == (40, 6, 2024, [])
        assert {c.title for c in out} >= {"湘潭市高新技术企业数量目标任务完成情况通报（截至2024年）"}
        chosen, out, y, skipped, _ = tg.circulars(s, CONSOLE, HTE, 2022)
    assert ([t.id for t in chosen], out, y) == ([HTE], [], 2022)
    assert skipped == ["目标 xt133-high-tech-enterprises 的分解表没有 2022 年的年度目标（分解表年份：2023、2024、2025）"]


def test_warning_lists_units_behind_schedule(sqlite_db_url):
    """2024 actuals against 附件3's 2024 column: 湘潭县 153/153 done, 韶山市 40/57 = 70 % behind,
    湘乡市 61/122 = 50 % seriously behind (below 60 % of the required progress); the rest report nothing."""
    with session_scope(sqlite_db_url) as s:
        t = next(t for t in tg.targets(s) if t.id == HTE)
        for name, v in (("湘潭县", 153), ("湘乡市", 61), ("韶山市", 40)):
            _add(s, t, name, 2024, v)
    with session_scope(sqlite_db_url) as s:
        w = tg.warning_lists(s, CONSOLE, 2024)
        all_w = tg.warning_lists(s, CONSOLE, 2024, include_missing=True)
        one = tg.warning_lists(s, CONSOLE, 2024, plan=XT133, include_missing=True)
    assert (w.as_of, w.is_demo, len(w.targets)) == (2024, False, 0)
    assert w.units[["id", "scope_name", "status"]].to_dict("records") == [
        {"id": HTE, "scope_name": "湘乡市", "status": "严重滞后"},
        {"id": HTE, "scope_name": "韶山市", "status": "进度滞后"}]
    assert w.units["progress"].round(4).tolist() == [0.5, 0.7018]
    assert w.units["level_unit"].tolist() == ["家", "家"] and set(w.units["plan"]) == {XT133}
    # with the missing data: every target and unit without data; the 2017–2019 member lists count too
    assert "hz19-national-incubators" in set(all_w.units["id"])
    assert len(one.targets) == 40 and set(one.units["id"]) <= {t for t in one.targets["id"]}
    assert one.units["status"].value_counts().to_dict() == {"数据缺失": 37, "严重滞后": 1, "进度滞后": 1}
    # the same actuals in the roll-up (none is demo data) and in the target's detail
    with session_scope(sqlite_db_url) as s:
        _, r, demo = tg.rollup(s, HTE)
        d = tg.target_detail(s, CONSOLE, HTE, 2024)
    assert demo is False
    assert (r["units_sum"].iloc[1], r["units_reported"].iloc[1]) == (254.0, 3)  # 153 + 61 + 40
    first = d["parts"]["rows"][0]
    assert (first["unit_name"], first["actual"], first["progress"], first["status"], first["light"]) == \
        ("湘潭县", 153.0, 1.0, "已完成", "green")
    assert d["tree"]["children"][:3] == [{"name": "湘潭县：153家（已完成）"}, {"name": "湘乡市：122家（严重滞后）"},
                                         {"name": "韶山市：57家（进度滞后）"}]

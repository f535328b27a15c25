"""gaoxin.services.targets and .reports on values: a circular's rows and colours, a target's status
and light, the one source of targets (the database), the overview's city averages."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import targets as tg
from gaoxin.services.db import session_scope
from gaoxin.services.scope import CONSOLE

TARGET = "xt133-high-tech-enterprises"  # 004 湘潭 133 附件3: 高新技术企业 by county / park
# 2024 annual targets of 附件3: 湘潭县 153, 湘乡市 122, 韶山市 57 (others not reported here)
ACTUAL_2024 = {"湘潭县": 153, "湘乡市": 61, "韶山市": 40}


@pytest.fixture
def circular_db(sqlite_db_url):
    from gaoxin.services.cache import clear
    from gaoxin.store.models import Observation
    clear()
    with session_scope(sqlite_db_url) as s:
        t = next(t for t in tg.targets(s) if t.id == TARGET)
        for r in t.decomposition.rows:
            if r.unit_name in ACTUAL_2024:
                s.add(Observation(unit_type=r.unit_type, unit_code=r.unit_code, indicator_code=t.indicator,
                                  period=2024, value=ACTUAL_2024[r.unit_name]))
    return sqlite_db_url


def test_circular_rows_rank_by_completion_rate(circular_db):
    with session_scope(circular_db) as s:
        c = tg.circular(s, CONSOLE, TARGET, 2024)
    t = c.table
    unit = t.columns[1]
    reported = t[t[unit].isin(ACTUAL_2024)]
    # completion rate = actual / the year's target: 153/153 = 1.0, 40/57 = 0.7018, 61/122 = 0.5
    assert reported[unit].tolist() == ["湘潭县", "韶山市", "湘乡市"]
    assert reported["完成率"].round(4).tolist() == [1.0, 0.7018, 0.5]
    assert reported["排名"].tolist() == [1, 2, 3]


def test_circular_workbook_marks_below_sixty_percent_red(circular_db):
    from gaoxin.services.reports import circular_xlsx
    with session_scope(circular_db) as s:
        content, circ = circular_xlsx(s, CONSOLE, TARGET, 2024)
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    header_row = next(r for r in ws.iter_rows() if any(c.value == "完成率" for c in r))
    col = next(c.column_letter for c in header_row if c.value == "完成率")
    name_col = next(c.column for c in header_row if c.value == circ.unit_header)
    rules = [(str(rng), rule) for rng, rs in ws.conditional_formatting._cf_rules.items() for rule in rs]
    lows = [float(rule.formula[0]) for rng, rule in rules if col in rng and rule.operator == "lessThan"]
    assert lows, "no red mark on the completion rate"
    red = set()
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        rate = row[openpyxl.utils.column_index_from_string(col) - 1].value
        if isinstance(rate, (int, float)) and any(rate < x for x in lows):
            red.add(row[name_col - 1].value)
    # the red band: below 60 % of the required progress (Open SDG "limited progress", status_thresholds)
    assert red & set(ACTUAL_2024) == {"湘乡市"}


LIGHT_OF = {"已完成": "green", "进度正常": "green", "进度滞后": "yellow", "严重滞后": "red", "逾期未完成": "red",
            "数据缺失": "grey"}  # the traffic light the pages and circulars promise for each status


def test_status_light_of_each_status():
    p = pd.DataFrame({"id": list("abcdef"), "plan": "p", "indicator_name": "指标", "scope_name": "全省", "unit": "%",
                      "baseline_year": 2020, "baseline_value": 1.0, "target_year": 2025, "target_value": 2.0,
                      "actual_year": 2024, "actual": 1.5, "progress": 0.5, "time_elapsed": 0.8,
                      "status": list(LIGHT_OF), "status_reason": None, "is_demo": False})
    out = tg.shape_progress(p)
    assert dict(zip(out["status"], out["light"])) == LIGHT_OF


def test_target_status_from_the_database(sqlite_db_url):
    """The province's 高新技术企业 target of a plan read from the database, with hand-set actuals."""
    from gaoxin.services.cache import clear
    from gaoxin.store.models import Observation
    clear()
    with session_scope(sqlite_db_url) as s:
        t = next(t for t in tg.targets(s) if t.id == TARGET)
        # 湘潭市 (the target's scope): 1000 by 2025 (>); 2025 actual 1001 → the comparator holds → 已完成
        s.add(Observation(unit_type=t.scope.type, unit_code=str(t.scope.code), indicator_code=t.indicator,
                          period=2025, value=1001))
    with session_scope(sqlite_db_url) as s:
        df, meta = tg.targets_progress(s, CONSOLE, 2025, t.plan_id)
    row = df[df["target_id"] == TARGET].iloc[0]
    assert (row["status"], row["light"], row["actual"]) == ("已完成", "green", 1001.0)
    assert meta["as_of"] == 2025


def test_a_zone_users_targets_hide_other_zones(sqlite_db_url):
    from gaoxin.services.cache import clear
    clear()
    with session_scope(sqlite_db_url) as s:
        all_ids = set(tg.targets_progress(s, CONSOLE, 2024, None)[0]["target_id"])
        zone_targets = [t for t in tg.targets(s) if t.scope.type == "zone"]
        province = {t.id for t in tg.targets(s) if t.scope.type == "province"}
        user = Principal("z", "zone_user", zones=frozenset({"NOPE"}))
        seen = set(tg.targets_progress(s, user, 2024, None)[0]["target_id"])
        cs = set(tg.targets_progress(s, Principal("c", "zone_user", zones=frozenset({"HN-N-CHANGSHA"})),
                                     2024, None)[0]["target_id"])
        xt = set(tg.targets_progress(s, Principal("x", "zone_user", zones=frozenset({"HN-N-XIANGTAN"})),
                                     2024, None)[0]["target_id"])
    # no zone target of another zone, ever; province-wide goals for every zone user
    assert not seen & {t.id for t in zone_targets} and province & all_ids <= seen
    # issue 14 item 8: 湘潭市's “133” plan (scope 湘潭市, city 430300) concerns 湘潭高新区, not 长沙高新区
    xt133 = {i for i in all_ids if i.startswith("xt133-")}
    assert xt133 and xt133 <= xt and not xt133 & cs


def test_overview_city_score_is_the_mean_of_its_zones(sqlite_db_url, monkeypatch):
    from gaoxin.services import evaluation, overview
    from gaoxin.services.cache import clear
    from gaoxin.services.zones import zones
    clear()
    with session_scope(sqlite_db_url) as s:
        z = zones(s)
        city = z.groupby("city_code")["code"].apply(list)
        city_code, (z1, z2, *rest) = next((c, v) for c, v in city.items() if len(v) >= 2)
        # hand-set scores: 60 and 81 → mean 70.5; the city's other zones have no score
        ranking = pd.DataFrame({"unit": [z1, z2], "score": [60.0, 81.0], "city": ["某市", "某市"]})
        monkeypatch.setattr(evaluation, "ranking", lambda *a, **k: (ranking, {"year": 2024}))
        ov = overview.overview(s, CONSOLE, 2024)
        got = next(c for c in ov["cities"] if c["code"] == city_code)
        assert got["score"] == 70.5
        assert evaluation.city_scores(ranking) == {"某市": 70.5}

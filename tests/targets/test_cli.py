"""`gaoxin targets …` on a migrated database (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from gaoxin.cli.main import app
from gaoxin.store.db import session_scope
from gaoxin.store.models import Observation
from gaoxin.targets.plans import find_target, load_targets

runner = CliRunner()
HTE = "xt133-high-tech-enterprises"
FACTORS = {"湘潭县": 1.10, "湘乡市": 0.50, "韶山市": 1.00, "雨湖区": 0.80, "岳塘区": 0.90,
           "湘潭高新区": 1.20, "湘潭经开区": 0.97, "岳塘经开区": 1.05}


def _seed_observations(url: str) -> None:
    t = find_target(HTE)
    with session_scope(url) as s:
        for r in t.decomposition.rows:
            s.add(Observation(unit_type=r.unit_type, unit_code=r.unit_code, indicator_code=t.indicator,
                              period=2024, value=r.values[2024] * FACTORS[r.unit_name], is_demo=True))
        for y, v in ((2022, 700.0), (2023, 760.0), (2024, 820.0)):
            s.add(Observation(unit_type="city", unit_code="430300", indicator_code=t.indicator, period=y,
                              value=v, is_demo=True))


def test_list_json_has_every_target(db_url):
    res = runner.invoke(app, ["targets", "list", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data) == len(load_targets())
    for key in ("id", "plan", "indicator", "scope", "target_value", "target_year", "kind", "source"):
        assert key in data[0]
    by_id = {d["id"]: d for d in data}
    assert by_id[HTE]["target_value"] == 1000 and by_id[HTE]["scope"]["code"] == "430300"
    plans = {d["plan"] for d in data}
    assert len(plans) == 5
    one = runner.invoke(app, ["targets", "list", "--plan", "hunan-sei-2021-2025", "--format", "json"])
    assert len(json.loads(one.stdout)) == len(load_targets(plan="hunan-sei-2021-2025"))


def test_progress_json_and_warn(db_url):
    _seed_observations(db_url)
    res = runner.invoke(app, ["targets", "progress", "--plan", "xiangtan-133-2023-2025", "--as-of", "2024",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    data = {d["id"]: d for d in json.loads(res.stdout)}
    for key in ("id", "as_of", "actual", "progress", "time_elapsed", "required_cagr", "projected", "status"):
        assert key in data[HTE]
    h = data[HTE]
    assert h["actual"] == 820 and h["as_of"] == 2024
    assert h["progress"] == pytest.approx(120 / 300) and h["time_elapsed"] == pytest.approx(2 / 3)
    assert h["required_cagr"] == pytest.approx(1000 / 820 - 1)
    assert h["projected"] == pytest.approx(880)        # 60 a year from 700, 760, 820
    assert h["status"] == "进度滞后" and h["is_demo"] is True
    assert data["xt133-rd-intensity"]["status"] == "数据缺失"
    warn = runner.invoke(app, ["targets", "warn", "--as-of", "2024", "--format", "json"])
    assert warn.exit_code == 0, warn.output
    items = json.loads(warn.stdout)
    units = [i for i in items if i["level"] == "unit" and i["id"] == HTE]
    assert units[0]["unit"] == "湘乡市" and units[0]["status"] == "严重滞后"
    assert units[0]["gap_text"] == "还差 61 家"        # 122 planned, 61 reported
    table = runner.invoke(app, ["targets", "warn", "--as-of", "2024"])
    assert table.exit_code == 0 and "示例数据" in table.stdout


def test_circular_xlsx(db_url, tmp_path):
    _seed_observations(db_url)
    out = tmp_path / "附件3通报.xlsx"
    res = runner.invoke(app, ["targets", "circular", "--target", HTE, "--as-of", "2024", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["通报"]
    assert ws["A1"].value.startswith("湘潭市") and "截至2024年" in ws["A1"].value
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    h = next(i for i, r in enumerate(rows) if r[0] == "序号")
    ranked = [r[1] for r in rows[h + 1:h + 9]]
    expected = sorted(FACTORS, key=lambda k: -FACTORS[k])
    assert ranked == expected
    assert [r[5] for r in rows[h + 1:h + 9]] == list(range(1, 9))


def test_progress_xlsx(db_url, tmp_path):
    _seed_observations(db_url)
    out = tmp_path / "进度.xlsx"
    res = runner.invoke(app, ["targets", "progress", "--as-of", "2024", "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    values = [c.value for r in wb.active.iter_rows() for c in r]
    assert "进度评价" in values and HTE in values


def test_user_errors_in_chinese(db_url, tmp_path):
    res = runner.invoke(app, ["targets", "circular", "--target", "no-such", "--as-of", "2024",
                              "--out", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 1 and "没有找到目标" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["targets", "circular", "--target", "xt133-rd-intensity", "--as-of", "2024",
                              "--out", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 1 and "没有分解" in res.output
    res = runner.invoke(app, ["targets", "progress", "--as-of", "2024", "--format", "xlsx"])
    assert res.exit_code == 1 and "--out" in res.output
    res = runner.invoke(app, ["targets", "list", "--plan", "nope"])
    assert res.exit_code == 1 and "没有找到规划" in res.output


def test_check_reports_the_blank_cell(db_url):
    res = runner.invoke(app, ["targets", "check"])
    assert res.exit_code == 0
    assert "规模以上服务业" in res.stdout and "空白" in res.stdout


def test_demo_actuals_circular(db_url, tmp_path):
    """With the foundation's demo generator: a 附件3 circular from demo actuals, ranked by 完成率."""
    demo = pytest.importorskip("gaoxin.demo.targets")
    from sqlalchemy import select

    from gaoxin.store.models import Target, TargetPart
    with session_scope(db_url) as s:
        cols = ["id", "indicator_code", "kind", "comparator", "unit", "scope_type", "scope_code",
                "baseline_year", "baseline_value", "target_year", "target_value"]
        targets = [{c: getattr(t, c) for c in cols} for t in s.scalars(select(Target))]
        parts = pd.DataFrame([(p.target_id, p.unit_type, p.unit_code, p.year, p.value)
                              for p in s.scalars(select(TargetPart))],
                             columns=["target_id", "unit_type", "unit_code", "year", "value"])
        frame = demo.target_actuals(targets, parts, seed=7)
        for r in frame.to_dict("records"):
            s.add(Observation(unit_type=r["unit_type"], unit_code=str(r["unit_code"]),
                              indicator_code=r["indicator_code"], period=int(r["period"]), value=r["value"],
                              is_demo=True))
    out = tmp_path / "demo.xlsx"
    res = runner.invoke(app, ["targets", "circular", "--target", HTE, "--as-of", "2024", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["通报"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert any(r[0] and "示例数据" in str(r[0]) for r in rows[:4])
    h = next(i for i, r in enumerate(rows) if r[0] == "序号")
    body = [r for r in rows[h + 1:] if isinstance(r[0], int)]
    rates = [r[4] for r in body if r[4] is not None]
    assert rates == sorted(rates, reverse=True) and len(body) == 8


def test_overdue_2019_goal_and_active_plans_first(db_url):
    """A seed-001 goal (2019) checked as of 2024: 逾期未完成 when not met by 2019, listed apart in warn;
    the progress table puts the plans whose period contains 2024 first, and --active keeps only them."""
    t = find_target("hz19-hte-doubling")
    assert t.target_year == 2019 and t.kind == "doubling"
    with session_scope(db_url) as s:
        for y, v in ((2016, 425.0), (2018, 600.0), (2019, 700.0)):   # doubling of 425 not reached
            s.add(Observation(unit_type=t.scope.type, unit_code=str(t.scope.code), indicator_code=t.indicator,
                              period=y, value=v, is_demo=False))
    res = runner.invoke(app, ["targets", "progress", "--as-of", "2024", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    by_id = {d["id"]: d for d in data}
    r = by_id["hz19-hte-doubling"]
    assert r["status"] == "逾期未完成" and r["overdue"] is True and r["actual"] == 700 and r["actual_year"] == 2019
    for key in ("id", "as_of", "actual", "progress", "time_elapsed", "required_cagr", "projected", "status"):
        assert key in r
    active = [d["plan_active"] for d in data]
    assert active == sorted(active, reverse=True) and any(active) and not all(active)
    assert {d["plan"] for d in data if d["plan_active"]} == {"hunan-sei-2021-2025", "xiangjiang-st-system-2023-2026",
                                                             "xiangtan-133-2023-2025"}
    only = json.loads(runner.invoke(app, ["targets", "progress", "--as-of", "2024", "--active", "--format",
                                          "json"]).stdout)
    assert {d["plan"] for d in only} == {d["plan"] for d in data if d["plan_active"]}
    table = runner.invoke(app, ["targets", "progress", "--as-of", "2024"])
    flat = re.sub(r"[\s│┃]", "", table.stdout)   # rich folds the marker row in its narrow column
    assert table.exit_code == 0 and "以下规划的规划期不含2024年" in flat
    warn = runner.invoke(app, ["targets", "warn", "--as-of", "2024", "--format", "json"])
    items = [i for i in json.loads(warn.stdout) if i["id"] == "hz19-hte-doubling"]
    assert items and items[0]["group"] == "逾期未完成" and items[0]["overdue"] is True
    text = runner.invoke(app, ["targets", "warn", "--as-of", "2024"]).stdout
    assert "逾期未完成的目标" in text
    none = runner.invoke(app, ["targets", "progress", "--as-of", "2030", "--active"])
    assert none.exit_code == 1 and "没有规划期包含 2030 年的规划" in none.output

"""CLI: `gaoxin index run|uncertainty|sensitivity` on files written here, and `gaoxin evaluate` on the store."""
import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from gaoxin.cli import index_cli

from .conftest import DATA, random_frame

runner = CliRunner()


@pytest.fixture
def app():
    a = typer.Typer()
    index_cli.register(a)
    return a


FRAMEWORK = """
nodes:
  - code: INDEX
    name: 总指数
    children:
      - code: P1
        name: 投入
        weight: 1
        aggregation: geometric
        children:
          - {code: x1, name: 研发强度, weight: 1, direction: 1, denominator: pop, transform: log}
          - {code: x2, name: 人才, weight: 2}
      - code: P2
        name: 产出
        weight: 1
        children:
          - {code: x3, name: 专利, source_type: 统计}
          - {code: x4, name: 评价得分, direction: -1, source_type: 定性, note: 专家打分}
"""
METHOD = """
denominate: true
impute: {method: group_mean, by: region}
treat: {method: winsorise, winmax: 5, skew: 2, kurtosis: 3.5}
normalise: {method: minmax, range: [1, 100]}
weights: framework
aggregate: {method: arithmetic}
rank: {ties: min, round: null}
"""
VARY = """
vary:
  treat.winmax: [1, 2, 3, 4, 5]
  normalise: [{method: minmax, range: [1, 100]}, {method: zscore, mean: 10, sd: 2}]
  weights: {noise: 0.25, levels: [2, 3]}
  aggregate.method: [arithmetic, geometric]
"""


@pytest.fixture
def files(tmp_path):
    df = random_frame(15, ["x1", "x2", "x3", "x4", "pop"], seed=2, years=[2023, 2024])
    df["region"] = ["长株潭", "湘南", "湘西"] * 10
    df.loc[4, "x3"] = None
    (tmp_path / "fw.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(METHOD, encoding="utf-8")
    (tmp_path / "v.yaml").write_text(VARY, encoding="utf-8")
    df.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path


def test_run_writes_csv(app, files):
    out = files / "out" / "scores.csv"
    r = runner.invoke(app, ["index", "run", "--framework", str(files / "fw.yaml"), "--data", str(files / "d.csv"),
                            "--method", str(files / "m.yaml"), "--year", "2024", "--out", str(out)])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert list(t.columns[:3]) == ["unit", "year", "INDEX"] and "rank" in t.columns
    assert {"P1", "P2", "x1", "x2", "x3", "x4"} <= set(t.columns)
    assert len(t) == 15 and sorted(t["rank"].tolist()) == list(range(1, 16))
    assert (t["year"] == 2024).all()


def test_run_writes_json_with_method(app, files):
    out = files / "scores.json"
    r = runner.invoke(app, ["index", "run", "-f", str(files / "fw.yaml"), "-d", str(files / "d.csv"),
                            "-m", str(files / "m.yaml"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    body = json.loads(out.read_text(encoding="utf-8"))
    assert body["method"]["impute"] == {"method": "group_mean", "by": "region"}
    assert body["method"]["normalise"]["range"] == [1.0, 100.0]
    assert len(body["results"]) == 30 and {"unit", "year", "INDEX", "rank"} <= set(body["results"][0])


def test_run_long_format_and_xlsx(app, files, tmp_path):
    df = pd.read_csv(files / "d.csv")
    long = df.melt(id_vars=["unit", "year", "region"], var_name="indicator", value_name="value")
    long.to_excel(tmp_path / "long.xlsx", index=False)
    out = tmp_path / "o.csv"
    r = runner.invoke(app, ["index", "run", "-f", str(files / "fw.yaml"), "-d", str(tmp_path / "long.xlsx"),
                            "-m", str(files / "m.yaml"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    wide = runner.invoke(app, ["index", "run", "-f", str(files / "fw.yaml"), "-d", str(files / "d.csv"),
                               "-m", str(files / "m.yaml"), "-o", str(tmp_path / "w.csv")])
    assert wide.exit_code == 0
    a = pd.read_csv(out, encoding="utf-8-sig").sort_values(["year", "unit"]).reset_index(drop=True)
    b = pd.read_csv(tmp_path / "w.csv", encoding="utf-8-sig").sort_values(["year", "unit"]).reset_index(drop=True)
    pd.testing.assert_series_equal(a["INDEX"], b["INDEX"])


def test_uncertainty_cli(app, files):
    out = files / "ua.csv"
    r = runner.invoke(app, ["index", "uncertainty", "-f", str(files / "fw.yaml"), "-d", str(files / "d.csv"),
                            "-m", str(files / "m.yaml"), "--vary", str(files / "v.yaml"), "--runs", "200",
                            "--seed", "5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert {"unit", "nominal", "median", "mean", "q05", "q95"} <= set(t.columns) and len(t) == 15
    out_j = files / "ua.json"
    r = runner.invoke(app, ["index", "uncertainty", "-f", str(files / "fw.yaml"), "-d", str(files / "d.csv"),
                            "-m", str(files / "m.yaml"), "--vary", str(files / "v.yaml"), "--runs", "200",
                            "--seed", "5", "-o", str(out_j)])
    body = json.loads(out_j.read_text(encoding="utf-8"))
    assert body["runs"] == 200 and body["vary"]["treat.winmax"] == [1, 2, 3, 4, 5]
    assert [row["q95"] for row in body["results"]] == pytest.approx(t["q95"].tolist())


def test_sensitivity_cli(app, files):
    out = files / "sa.csv"
    r = runner.invoke(app, ["index", "sensitivity", "-f", str(files / "fw.yaml"), "-d", str(files / "d.csv"),
                            "-m", str(files / "m.yaml"), "--vary", str(files / "v.yaml"), "--n", "32",
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert t["input"].tolist() == ["treat.winmax", "normalise", "weights", "aggregate.method"]


@pytest.mark.parametrize("mutate, words", [
    (lambda f: (f / "d.csv").write_text("unit,x1\nA,1\n", encoding="utf-8"), "缺少框架中的指标列"),
    (lambda f: (f / "m.yaml").write_text("normalise: {method: cubic}\n", encoding="utf-8"), "normalise"),
    (lambda f: (f / "fw.yaml").write_text("nodes: [{code: R, children: [{code: a, wieght: 1}]}]\n",
                                          encoding="utf-8"), "不认识的键"),
])
def test_errors_are_chinese_without_traceback(app, files, mutate, words):
    mutate(files)
    r = runner.invoke(app, ["index", "run", "-f", str(files / "fw.yaml"), "-d", str(files / "d.csv"),
                            "-m", str(files / "m.yaml"), "-o", str(files / "x.csv")])
    assert r.exit_code == 1
    assert words in r.output and "Traceback" not in r.output


def test_hdi_through_cli(app, tmp_path):
    out = tmp_path / "hdi.csv"
    r = runner.invoke(app, ["index", "run", "-f", str(DATA / "hdi2014-framework.yaml"), "-d", str(DATA / "hdi2014.csv"),
                            "-m", str(DATA / "hdi2014-method.yaml"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert t.iloc[0]["unit"] == "NOR" and abs(t.iloc[0]["HDI"] - 0.944) <= 0.001


def _store_ready() -> str | None:
    try:
        from gaoxin.demo import build_demo  # noqa: F401
        from gaoxin.reference import framework_path
        from gaoxin.store import repo  # noqa: F401
        from gaoxin.store.migrate import init_database  # noqa: F401
        framework_path("hunan-provincial-2017")
    except Exception as exc:  # noqa: BLE001
        return f"数据库或内置框架尚未就绪：{type(exc).__name__}: {exc}"
    return None


@pytest.mark.skipif(_store_ready() is not None, reason=str(_store_ready()))
def test_evaluate_on_demo_database(app, db_url):
    from gaoxin.demo import build_demo
    from gaoxin.store.db import session_scope
    with session_scope(db_url) as s:
        build_demo(s, n_enterprises=0, n_results=0, n_demands=0)
    r = runner.invoke(app, ["evaluate", "--framework", "hunan-provincial-2017", "--year", "2024"])
    assert r.exit_code == 0, r.output
    for h in ("排名", "高新区", "所在市州", "综合得分", "示例数据"):
        assert h in r.output
    assert "知识创造和技术创新能力" in r.output or "知识创造" in r.output
    r = runner.invoke(app, ["evaluate", "--year", "2024", "--level", "省级"])
    assert r.exit_code == 0 and "省级高新区综合评价排名" in r.output
    r = runner.invoke(app, ["evaluate", "--level", "市级"])
    assert r.exit_code == 1 and "没有级别" in r.output


def test_read_long_with_period_and_duplicate_message(tmp_path):
    from gaoxin.index import io as iio
    p = tmp_path / "long.csv"
    p.write_text("unit,indicator,period,value\nA,x,2024,1\nA,y,2024,2\nB,x,2024,3\n", encoding="utf-8")
    wide = iio.read_data(p)
    assert list(wide.columns) == ["unit", "year", "x", "y"] and wide["y"].isna().sum() == 1
    p.write_text("unit,indicator,year,value\nA,x,2024,1\nA,x,2024,2\n", encoding="utf-8")
    with pytest.raises(iio.DataError, match="第 3 行：单位 A 的指标 x 重复"):
        iio.read_data(p)

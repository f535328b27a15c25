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
def test_evaluate_on_demo_database(app, db_url, monkeypatch):
    from rich.console import Console
    monkeypatch.setattr(index_cli, "console", Console(width=200))   # a wide terminal: headers on one line
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
    assert r.exit_code == 1 and "高新区级别应为 国家级、省级 之一" in r.output


@pytest.mark.skipif(_store_ready() is not None, reason=str(_store_ready()))
def test_evaluate_by_class_on_demo_database(app, db_url, tmp_path):
    """分类评价: --class 国家级 ranks exactly the nine national zones of zones.csv with the national
    framework; without options both classes are ranked separately, each 1..n within its class."""
    import csv

    from gaoxin.demo import build_demo
    from gaoxin.reference import REFERENCE_DIR
    from gaoxin.store.db import session_scope
    with session_scope(db_url) as s:
        build_demo(s, n_enterprises=0, n_results=0, n_demands=0)
    with open(REFERENCE_DIR / "zones.csv", encoding="utf-8") as fh:
        zones = list(csv.DictReader(fh))
    national = {z["code"] for z in zones if z["level"] == "国家级"}
    provincial = {z["code"] for z in zones if z["level"] == "省级"}
    assert len(national) == 9                      # zones.csv: the nine national zones of Hunan
    out = tmp_path / "national.csv"
    r = runner.invoke(app, ["evaluate", "--class", "国家级", "--year", "2024", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "国家级高新区综合评价排名（9 个，同级别内排名）" in r.output.replace("\n", "")
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert set(t["unit"]) == national and sorted(t["rank"]) == list(range(1, 10))
    # the national framework's five dimensions (国科发火〔2021〕106号), not the provincial four
    assert {"N1", "N2", "N3", "N4", "N5", "NINDEX"} <= set(t.columns) and "D1" not in t.columns
    assert set(t["framework"]) == {"国家高新技术产业开发区综合评价指标体系（2021）"}
    both = tmp_path / "both.csv"
    r = runner.invoke(app, ["evaluate", "--year", "2024", "-o", str(both)])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(both, encoding="utf-8-sig")
    nat, prov = t[t["zone_class"] == "国家级"], t[t["zone_class"] == "省级"]
    assert set(nat["unit"]) == national and set(prov["unit"]) == provincial
    assert sorted(prov["rank"]) == list(range(1, len(provincial) + 1))   # ranked within the class
    # any framework on any set of zones: the provincial system on the national zones
    r = runner.invoke(app, ["evaluate", "--class", "国家级", "--framework", "hunan-provincial-2017", "--year", "2024"])
    assert r.exit_code == 0 and "湖南省省级高新技术产业开发区绩效评价指标体系" in r.output.replace("\n", "")


def test_read_long_with_period_and_duplicate_message(tmp_path):
    from gaoxin.ingest import index_files as iio
    p = tmp_path / "long.csv"
    p.write_text("unit,indicator,period,value\nA,x,2024,1\nA,y,2024,2\nB,x,2024,3\n", encoding="utf-8")
    wide = iio.read_data(p)
    assert list(wide.columns) == ["unit", "year", "x", "y"] and wide["y"].isna().sum() == 1
    p.write_text("unit,indicator,year,value\nA,x,2024,1\nA,x,2024,2\n", encoding="utf-8")
    with pytest.raises(iio.DataError, match="第 3 行：单位 A 的指标 x 重复"):
        iio.read_data(p)


def test_run_writes_every_stage_and_analysis(app, tmp_path):
    """`index run --stages DIR`: one CSV per stage and analysis plus a Chinese list of the files;
    the JSON result carries the same stages."""
    fw = tmp_path / "fw.yaml"
    fw.write_text("""
nodes:
  - code: IDX
    name: 总指数
    children:
      - {code: P1, name: 投入, children: [{code: a, name: 甲}, {code: b, name: 乙}]}
      - {code: P2, name: 产出, children: [{code: c, name: 丙}, {code: d, name: 丁}]}
""", encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("unit,a,b,c,d\nU1,1,2,3,4\nU2,2,,1,3\nU3,3,1,2,\nU4,,,,9\n", encoding="utf-8")
    spec = tmp_path / "m.yaml"
    spec.write_text("screen: {method: byNA, dat_thresh: 0.66}\nimpute: mean\n", encoding="utf-8")
    out, stages = tmp_path / "r.json", tmp_path / "stages"
    r = runner.invoke(app, ["index", "run", "-f", str(fw), "-d", str(data), "-m", str(spec), "-o", str(out),
                            "--stages", str(stages)])
    assert r.exit_code == 0, r.output
    names = {p.name for p in stages.iterdir()}
    for f in ("00_说明.txt", "01_raw.csv", "02_denominated.csv", "03_imputed.csv", "04_screened.csv",
              "05_treated.csv", "05_treatment_log.csv", "06_normalised.csv", "07_aggregated.csv",
              "08_stats_raw.csv", "08_correlations.csv", "08_cronbach_alpha.csv", "08_pca.csv",
              "08_screening.csv", "08_effective_weights.csv", "08_removal_impact.csv"):
        assert f in names, f
    # U4 has 1 of 4 values: in the raw stage, not in the screened one; U2's b imputed = mean(2, 1, NA→) = 1.5
    raw = pd.read_csv(stages / "01_raw.csv", encoding="utf-8-sig")
    scr = pd.read_csv(stages / "04_screened.csv", encoding="utf-8-sig")
    assert raw["unit"].tolist() == ["U1", "U2", "U3", "U4"] and scr["unit"].tolist() == ["U1", "U2", "U3"]
    assert scr.set_index("unit").loc["U2", "b"] == 1.5
    sc = pd.read_csv(stages / "08_screening.csv", encoding="utf-8-sig").set_index("unit")
    assert sc.loc["U4", "availability"] == 0.25 and sc.loc["U4", "kept"] == False  # noqa: E712
    assert "01_raw.csv：原始数据（按输入）" in (stages / "00_说明.txt").read_text(encoding="utf-8")
    body = json.loads(out.read_text(encoding="utf-8"))
    assert [row["unit"] for row in body["stages"]["raw"]] == ["U1", "U2", "U3", "U4"]
    assert {"stats_raw", "cronbach_alpha", "pca_loadings"} <= set(body["analyses"])


def test_malformed_files_are_explained_in_chinese_without_parser_text(tmp_path):
    """A broken YAML spec or a non-Excel .xlsx is named with the line, never the parser's English text."""
    from gaoxin.index.spec import SpecError
    from gaoxin.index.steps import DataError
    from gaoxin.ingest.index_files import read_data, read_spec

    spec = tmp_path / "spec.yaml"
    spec.write_text("normalise:\n  method: minmax\n bad: [1, 2\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_spec(spec)
    message = str(caught.value)
    assert "第 3 行" in message and "不是有效的 YAML" in message
    assert "mapping" not in message and "expected" not in message

    broken = tmp_path / "data.xlsx"
    broken.write_bytes(b"this is not a zip archive")
    with pytest.raises(DataError) as caught:
        read_data(broken)
    message = str(caught.value)
    assert message.endswith("文件已损坏或不是有效的 CSV/Excel 文件"), message
    assert "zip" not in message.lower()

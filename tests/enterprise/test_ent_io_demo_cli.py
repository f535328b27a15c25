"""--file input (Chinese headers, forged codes refused), the demo generator, the CLI."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gaoxin.credit_code import check_many
from gaoxin.demo.enterprises import generate_enterprises, generate_wide
from gaoxin.enterprise import EnterpriseDataError, frame_from_generated, judge, pool
from gaoxin.enterprise import fields as F
from gaoxin.ingest.enterprise_file import read_enterprise_file  # the one enterprise reader

from .conftest import AS_OF, baseline, frame


def _chinese_csv(tmp_path, rows: list[dict], year_style: str = "y") -> str:
    df = frame(rows)
    names = {**F.BASE_NAMES, **{f.code: f.name for f in F.ALL}}
    cols = {}
    for c in df.columns:
        base, _, k = c.rpartition("_y")
        if base in F.ANNUAL_CODES:
            cols[c] = f"{names[base]}_{AS_OF - int(k)}" if year_style == "year" else f"{names[base]}_y{k}"
        else:
            cols[c] = names.get(c, c)
    df = df.rename(columns=cols)
    df["成立日期"] = pd.to_datetime(df["成立日期"]).dt.strftime("%Y-%m-%d")
    for c in df.columns:
        if df[c].dtype == object and df[c].isin([True, False]).all():
            df[c] = df[c].map({True: "是", False: "否"})
    p = tmp_path / "企业.csv"
    df.to_csv(p, index=False, encoding="utf-8-sig")
    return str(p)


def test_file_with_chinese_headers_and_year_suffix(tmp_path):
    path = _chinese_csv(tmp_path, [baseline(1), baseline(2)], "year")
    df = read_enterprise_file(path, as_of_year=AS_OF)
    assert df["revenue_y0"].tolist() == [10000.0, 10000.0]
    assert df["has_core_ip"].tolist() == [True, True]
    assert judge(df, as_of=AS_OF).rung("高企").status.tolist() == [2, 2]


def test_forged_credit_code_is_refused_with_row_and_column(tmp_path):
    rows = [baseline(1), baseline(2)]
    good = rows[1]["credit_code"]
    rows[1]["credit_code"] = good[:17] + ("0" if good[17] != "0" else "1")
    path = _chinese_csv(tmp_path, rows)
    with pytest.raises(EnterpriseDataError) as e:
        read_enterprise_file(path, as_of_year=AS_OF)
    msg = str(e.value)
    assert "企业.csv" in msg and "第3行" in msg and "统一社会信用代码" in msg and "校验位错误" in msg


def test_bad_number_and_unknown_header(tmp_path):
    df = frame([baseline(1)])
    df["revenue_y0"] = df["revenue_y0"].astype(object)
    df.loc[0, "revenue_y0"] = "一万"
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    with pytest.raises(EnterpriseDataError, match="第2行 列“revenue_y0”：“一万”不是数值"):
        read_enterprise_file(p, as_of_year=AS_OF)
    df = frame([baseline(1)]).rename(columns={"revenue_y0": "营收额"})
    df.to_csv(p, index=False)
    with pytest.raises(EnterpriseDataError, match="无法识别的列“营收额”"):
        read_enterprise_file(p, as_of_year=AS_OF)


def test_xlsx_roundtrip(tmp_path):
    p = tmp_path / "e.xlsx"
    frame([baseline(1)]).to_excel(p, index=False, sheet_name="企业")
    df = read_enterprise_file(p, as_of_year=AS_OF)
    assert df["credit_code"].iloc[0] == baseline(1)["credit_code"]


# ------------------------------------------------------------------ demo generator
def test_generator_deterministic_valid_and_long_layout():
    s1, a1 = generate_enterprises(500, seed=3)
    s2, a2 = generate_enterprises(500, seed=3)
    pd.testing.assert_frame_equal(s1, s2)
    pd.testing.assert_frame_equal(a1, a2)
    assert check_many(s1["credit_code"].to_numpy()).all() and s1["credit_code"].is_unique
    assert s1["is_demo"].all()
    assert list(a1.columns) == ["credit_code", "indicator_code", "period", "value"]
    assert set(a1["indicator_code"]) <= set(F.ANNUAL_CODES)
    assert set(s1.columns) >= set(F.BASE_COLUMNS) | set(F.STATIC_CODES)
    assert s1["name"].str.endswith("公司").all()
    assert s1["has_core_ip"].isna().any()  # some facts are missing on purpose
    w = frame_from_generated(s1, a1, 2025)
    assert w["revenue_y0"].notna().mean() > 0.95


def test_generator_spread_across_rungs_and_near_misses():
    w = generate_wide(6000, seed=11, as_of_year=AS_OF, years=3)
    j = judge(w, as_of=AS_OF)
    for r in j.ladder:
        assert (r.status == 2).sum() >= 1, r.name
    assert (j.rung("高企").status == 1).sum() > 0
    assert len(pool(j, "高新技术企业", top=None)) > 100


# ------------------------------------------------------------------ CLI
@pytest.fixture
def runner():
    return CliRunner()


def _app():
    from gaoxin.cli.main import app
    return app


def test_cli_judge_json(tmp_path, runner):
    path = _chinese_csv(tmp_path, [baseline(1), dict(baseline(2), tech_staff_y0=np.nan)])
    r = runner.invoke(_app(), ["enterprise", "judge", "--file", path, "--year", str(AS_OF), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    e0, e1 = data["enterprises"]
    assert e0["credit_code"] == baseline(1)["credit_code"]
    assert e0["judgements"]["高新技术企业"]["status"] == "pass"
    assert e1["judgements"]["高新技术企业"]["status"] == "unknown"
    assert e0["rung"] in ("高新技术企业", "瞪羚企业")
    cond = e0["judgements"]["高新技术企业"]["conditions"][0]
    assert {"value", "threshold", "source", "status"} <= set(cond)


def test_cli_refuses_forged_code(tmp_path, runner):
    rows = [baseline(1)]
    rows[0]["credit_code"] = rows[0]["credit_code"][:-1] + ("A" if rows[0]["credit_code"][-1] != "A" else "B")
    path = _chinese_csv(tmp_path, rows)
    r = runner.invoke(_app(), ["enterprise", "judge", "--file", path, "--year", str(AS_OF)])
    assert r.exit_code == 1
    assert "校验位错误" in r.output and "Traceback" not in r.output


def test_cli_pool_points_subsidy_xlsx(tmp_path, runner):
    w = generate_wide(400, seed=5, as_of_year=AS_OF, years=3)
    path = tmp_path / "demo.csv"
    w.to_csv(path, index=False)
    r = runner.invoke(_app(), ["enterprise", "pool", "--file", str(path), "--year", str(AS_OF), "--rung", "高新技术企业", "--top", "5"])
    assert r.exit_code == 0, r.output
    assert "示例数据" in r.output
    out = tmp_path / "points.xlsx"
    r = runner.invoke(_app(), ["enterprise", "points", "--file", str(path), "--year", str(AS_OF), "--out", str(out)])
    assert r.exit_code == 0, r.output
    x = pd.read_excel(out, sheet_name="创新积分", engine="calamine")
    assert len(x) == 400 and x["创新积分"].between(0, 1000).all() and (x["数据性质"] == "示例数据").all()
    r = runner.invoke(_app(), ["enterprise", "subsidy", "--file", str(path), "--year", str(AS_OF)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(_app(), ["enterprise", "judge", "--file", str(path), "--year", str(AS_OF), "--format", "xlsx",
                               "--out", str(tmp_path / "j.xlsx")])
    assert r.exit_code == 0, r.output
    assert len(pd.read_excel(tmp_path / "j.xlsx", sheet_name="判定结果", engine="calamine")) == 400
    r = runner.invoke(_app(), ["enterprise", "pool", "--file", str(path), "--year", str(AS_OF), "--rung", "不存在"])
    assert r.exit_code == 2 and "未知的培育梯度" in r.output


def test_later_years_ignored_and_duplicate_fields_refused(tmp_path):
    df = frame([baseline(1)])
    df["营业收入_2026"] = 1.0          # after the as-of year: ignored
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    out = read_enterprise_file(p, as_of_year=AS_OF)
    assert "营业收入_2026" not in out.columns and out["revenue_y0"].iloc[0] == 10000.0
    df = frame([baseline(1)])
    df["营业收入_2025"] = 1.0          # the same as revenue_y0
    df.to_csv(p, index=False)
    with pytest.raises(EnterpriseDataError, match="是同一字段"):
        read_enterprise_file(p, as_of_year=AS_OF)


def test_blank_rows_skipped_and_row_numbers_kept(tmp_path):
    rows = [baseline(1), baseline(2)]
    rows[1]["tech_staff_y0"] = "很多"
    df = frame(rows)
    df = pd.concat([df.iloc[:1], pd.DataFrame([{c: None for c in df.columns}]), df.iloc[1:]], ignore_index=True)
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    with pytest.raises(EnterpriseDataError, match="第4行 列“tech_staff_y0”：“很多”不是数值"):
        read_enterprise_file(p, as_of_year=AS_OF)

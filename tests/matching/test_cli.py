"""The `gaoxin match` commands on a small database (SQLite and PostgreSQL via db_url)."""
import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from gaoxin.cli.matching_cli import register
from gaoxin.demo.texts import generate_texts

EVAL = Path(__file__).resolve().parents[2] / "gaoxin" / "matching" / "data" / "eval"


def _app():
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root():  # keep `match` a sub-command even with one registered group
        pass
    return app


def _fill(url, n_results=80, n_demands=20):
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Policy, TechDemand, TechResult
    t = generate_texts(11, n_results=n_results, n_demands=n_demands, n_policies=12)
    with session_scope(url) as s:
        for model, key in ((TechResult, "results"), (TechDemand, "demands"), (Policy, "policies")):
            recs = t[key].astype(object).where(t[key].notna(), None).to_dict(orient="records")
            s.add_all([model(**r) for r in recs])
    return t


@pytest.fixture
def runner():
    return CliRunner()


def test_build_demand_result_feedback_all_roadshows(db_url, runner, tmp_path):
    t = _fill(db_url)
    app = _app()
    r = runner.invoke(app, ["match", "build"])
    assert r.exit_code == 0, r.output
    assert "对接索引已更新" in r.output and "80" in r.output
    assert (tmp_path / "home" / "match-index" / "results" / "meta.json").exists()

    d0 = t["demands"]["code"].iloc[0]
    r = runner.invoke(app, ["match", "demand", d0, "--top", "5", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert len(rows) == 5 and all(row["reason"] for row in rows)
    top1 = rows[0]["code"]

    r = runner.invoke(app, ["match", "feedback", d0, top1, "reject", "--user", "broker1"])
    assert r.exit_code == 0 and "否决" in r.output
    r = runner.invoke(app, ["match", "demand", d0, "--top", "5", "--format", "json"])
    assert top1 not in [row["code"] for row in json.loads(r.output)]

    r = runner.invoke(app, ["match", "result", t["results"]["code"].iloc[0], "--top", "3"])
    assert r.exit_code == 0 and "示例数据" in r.output

    out = tmp_path / "all.xlsx"
    r = runner.invoke(app, ["match", "all", "--top", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    sheet = pd.read_excel(out, sheet_name="需求成果匹配", engine="calamine")
    assert len(sheet) == 20 * 3 and {"需求编号", "成果编号", "匹配理由"} <= set(sheet.columns)

    out = tmp_path / "rs.xlsx"
    r = runner.invoke(app, ["match", "roadshows", "--out", str(out), "--min-demands", "1"])
    assert r.exit_code == 0, r.output
    ev = pd.read_excel(out, sheet_name="路演场次", engine="calamine")
    assert ev["需求数"].sum() == 20


def test_user_errors_are_chinese_without_traceback(sqlite_db_url, runner, tmp_path):
    _fill(sqlite_db_url, 20, 5)
    app = _app()
    r = runner.invoke(app, ["match", "demand", "NO-SUCH"])
    assert r.exit_code == 1 and "不存在" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["match", "all", "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and ".xlsx" in r.output
    r = runner.invoke(app, ["match", "feedback", "XQ202600001", "NOPE", "accept"])
    assert r.exit_code == 1 and "成果编号" in r.output
    r = runner.invoke(app, ["match", "eval", "--docs", "none.csv", "--queries", "q.csv", "--qrels", "r.csv"])
    assert r.exit_code == 1 and "文件不存在" in r.output


def test_policies_command(sqlite_db_url, runner):
    _fill(sqlite_db_url, 10, 3)
    r = runner.invoke(_app(), ["match", "policies", "--rung", "hnte", "--industry", "SEI02"])
    assert r.exit_code == 0 and "可申报政策" in r.output
    r = runner.invoke(_app(), ["match", "policies", "--rung", "hnte", "--industry", "SEI02", "--format", "json"])
    rows = {x["title"]: x for x in json.loads(r.output)}
    assert rows["高新技术企业首次认定奖补"]["amount"] == "10万元/家"
    assert "高新技术企业" in rows["高新技术企业首次认定奖补"]["reason"]  # rung shown by its Chinese name
    r = runner.invoke(_app(), ["match", "policies", "--rung", "tech_sme", "--format", "json"])
    assert "高新技术企业首次认定奖补" not in {x["title"] for x in json.loads(r.output)}


def test_eval_command_json(runner, tmp_path):
    # a small slice of the shipped set, BM25 only (fast); every query's relevant doc is kept
    docs = pd.read_csv(EVAL / "docs.csv", dtype=str)
    q = pd.read_csv(EVAL / "queries_dev.csv", dtype=str).head(20)
    qr = pd.read_csv(EVAL / "qrels_dev.csv", dtype=str).head(20)
    docs = pd.concat([docs[docs["id"].isin(qr["doc_id"])], docs[~docs["id"].isin(qr["doc_id"])].head(80)])
    for name, df in (("d.csv", docs), ("q.csv", q), ("r.csv", qr)):
        df.to_csv(tmp_path / name, index=False)
    r = runner.invoke(_app(), ["match", "eval", "--docs", str(tmp_path / "d.csv"), "--queries",
                               str(tmp_path / "q.csv"), "--qrels", str(tmp_path / "r.csv"), "--mode", "bm25",
                               "--format", "json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert set(res) >= {"recall_at_10", "mrr_at_10"} and 0 < res["mrr_at_10"] <= res["recall_at_10"] <= 1


def test_shared_matcher_is_cached_and_invalidated(sqlite_db_url):
    from gaoxin.matching import Matcher
    _fill(sqlite_db_url, 12, 3)
    Matcher.invalidate()
    a = Matcher.shared()
    assert Matcher.shared() is a
    Matcher.invalidate()
    b = Matcher.shared()
    assert b is not a and len(b.results) == 12
    Matcher.invalidate()

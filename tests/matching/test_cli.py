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
    r = runner.invoke(app, ["match", "demand", d0, "--top", "5", "--include-weak", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert len(rows) == 5 and all(row["reason"] and row["strength"] for row in rows)
    top1 = rows[0]["code"]

    r = runner.invoke(app, ["match", "feedback", d0, top1, "reject", "--user", "broker1"])
    assert r.exit_code == 0 and "否决" in r.output
    r = runner.invoke(app, ["match", "demand", d0, "--top", "5", "--include-weak", "--format", "json"])
    assert top1 not in [row["code"] for row in json.loads(r.output)]

    r = runner.invoke(app, ["match", "result", t["results"]["code"].iloc[0], "--top", "3", "--include-weak"])
    assert r.exit_code == 0 and "示例数据" in r.output

    out = tmp_path / "all.xlsx"
    r = runner.invoke(app, ["match", "all", "--top", "3", "--include-weak", "--out", str(out)])
    assert r.exit_code == 0, r.output
    sheet = pd.read_excel(out, sheet_name="需求成果匹配", engine="calamine")
    # 20 demands x top 3, one row per result (institutions grouped), weak ones included
    assert len(sheet) == 20 * 3 and {"需求编号", "成果编号", "匹配强度", "匹配理由"} <= set(sheet.columns)

    out = tmp_path / "rs.xlsx"
    r = runner.invoke(app, ["match", "roadshows", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ev = pd.read_excel(out, sheet_name="路演计划", engine="calamine")
    assert list(ev.columns) == ["场次", "日期", "领域", "片区", "需求数", "成果数", "建议邀请高校院所", "建议邀请企业",
                                "建议技术经理人"]
    for _, e in ev.iterrows():  # one sheet per event, with its results and demands tables
        one = pd.read_excel(out, sheet_name=e["场次"], engine="calamine")
        assert "【成果】" in one["项目"].tolist() and "【需求】" in one["项目"].tolist()


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


def test_export_encode_import_commands(sqlite_db_url, runner, tmp_path):
    _fill(sqlite_db_url, 6, 2)
    app = _app()
    out = tmp_path / "t.jsonl"
    r = runner.invoke(app, ["match", "export-texts", "--out", str(out)])

    def flat(res):  # the test console wraps long lines
        return res.output.replace("\n", "")
    # 6 results + 2 demands with distinct texts, none embedded yet: 8 lines
    n = len(out.read_text(encoding="utf-8").splitlines())
    assert r.exit_code == 0 and n == 8 and "已导出 8 段待计算文本" in flat(r)
    r = runner.invoke(app, ["match", "encode-texts", str(out), str(tmp_path / "v.npz")])
    assert r.exit_code == 0 and "已计算 8 条向量" in flat(r)
    r = runner.invoke(app, ["match", "import-vectors", str(tmp_path / "v.npz")])
    assert r.exit_code == 0 and "已导入 8 条向量" in flat(r)
    r = runner.invoke(app, ["match", "import-vectors", str(tmp_path / "none.npz")])
    assert r.exit_code == 1 and "找不到文件" in flat(r) and "Traceback" not in r.output


def test_calibrate_reproduces_the_shipped_keyword_bars(runner):
    """`gaoxin match calibrate` refits on the dev split and checks on the test split; for pairs
    without vectors (keywords only, no model needed) the refit equals the bars in settings.yaml."""
    from gaoxin.matching.hybrid import settings_doc
    r = runner.invoke(_app(), ["match", "calibrate", "--model", "bm25", "--format", "json"])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output)
    shipped = settings_doc()["models"]["bm25"]["strength"]
    assert row["model"] == "bm25" and row["shipped"] == shipped
    assert [row["fitted"][k] for k in ("low", "mid", "high")] == pytest.approx(
        [shipped[k] for k in ("low", "mid", "high")], abs=1e-3)
    assert row["test_shipped"]["queries"] == 200 and 0 <= row["test_shipped"]["no_match_in_library"] <= 1
    r = runner.invoke(_app(), ["match", "calibrate", "--model", "bm25"])
    assert r.exit_code == 0 and "匹配强度校准" in r.output and "仅关键词" in r.output

"""`gaoxin registry …` against a small database: numbers and messages, not only exit codes."""
from __future__ import annotations

import io

import pandas as pd
import typer
from typer.testing import CliRunner


def _app():
    from gaoxin.cli import registry_cli
    app = typer.Typer()

    @app.callback()
    def _root():
        pass
    registry_cli.register(app)
    return app


def test_import_list_rewards_and_assessment_by_cli(db_url, tmp_path):
    app, run = _app(), CliRunner()
    f = tmp_path / "平台.xlsx"
    pd.DataFrame([{"平台编号": "XT-N1", "平台名称": "湘潭新批国家技术创新中心", "平台类型": "技术创新中心", "平台级别": "国家级",
                   "依托单位": "某公司", "所在高新区": "湘潭高新区", "批准年份": 2024, "运行状态": "运行中"}]).to_excel(f, index=False)
    r = run.invoke(app, ["registry", "import", "platforms", str(f)], terminal_width=200)
    assert r.exit_code == 0 and "已导入；读取 1 行，写入 1 条" in r.output, r.output
    r = run.invoke(app, ["registry", "rewards"], terminal_width=200)
    assert "1 个平台，合计 100 万元" in r.output, r.output
    bad = tmp_path / "坏.xlsx"
    pd.DataFrame([{"平台编号": "X", "平台名称": "x", "平台类型": "不存在的类型", "平台级别": "省级", "依托单位": "x",
                   "批准年份": 2024, "运行状态": "运行中"}]).to_excel(bad, index=False)
    r = run.invoke(app, ["registry", "import", "platforms", str(bad)], terminal_width=200)
    assert r.exit_code == 1 and "第2行“平台类型”列" in r.output
    out = tmp_path / "评估.md"
    r = run.invoke(app, ["registry", "assess", "xiangtan-133-2023-2025", "--year", "2024", "--conclusion", "平台建设按计划推进。",
                         "-o", str(out)], terminal_width=200)
    assert r.exit_code == 0 and "规划第1版" in r.output, r.output
    text = out.read_text(encoding="utf-8")
    assert "## 四、评估结论" in text and "平台建设按计划推进。" in text
    r = run.invoke(app, ["registry", "show", "platforms", "NOPE"])
    assert r.exit_code == 2 and "没有“NOPE”" in r.output

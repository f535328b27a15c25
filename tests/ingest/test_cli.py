"""`gaoxin init / zones / template / import / demo` through typer's runner (SQLite)."""
import typer
from typer.testing import CliRunner

from gaoxin.cli.core_cli import register
from gaoxin.ingest.read import read_table
from gaoxin.ingest.validate import detect_kind

runner = CliRunner()


def _app():
    app = typer.Typer()
    register(app)
    return app


def test_init_zones_template_import(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GAOXIN_DATABASE_URL", url)
    app = _app()
    r = runner.invoke(app, ["init"])
    assert r.exit_code == 0 and "数据库已就绪" in r.output
    r = runner.invoke(app, ["zones"])
    assert r.exit_code == 0 and "长沙高新区" in r.output
    r = runner.invoke(app, ["template", "--out", str(tmp_path / "tpl")])
    assert r.exit_code == 0
    files = sorted(p.name for p in (tmp_path / "tpl").glob("*.xlsx"))
    assert len(files) == 6
    sheets = read_table(tmp_path / "tpl" / "企业名录模板.xlsx")  # every sheet is read; content decides
    assert [s.name for s in sheets] == ["数据", "代码表", "指标代码表", "说明"]
    assert [detect_kind(s.header)[0] for s in sheets] == ["enterprises", None, None, None]
    assert sheets[0].header[:2] == ["统一社会信用代码", "企业名称"]
    r = runner.invoke(app, ["template", "--kind", "nope"])
    assert r.exit_code == 2 and "未知的模板类型" in r.output

    bad = tmp_path / "bad.csv"
    bad.write_text("单位,年份,D1_1\n长沙高兴区,2023,1\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("单位,年份,D1_1\n长沙高新区,2023,1\n", encoding="utf-8")
    r = runner.invoke(app, ["import", str(bad), "--user", "李四"])
    assert r.exit_code == 1 and "长沙高兴区" in r.output and "您是否指" in r.output
    r = runner.invoke(app, ["import", str(good), "--dry-run"])
    assert r.exit_code == 0 and "检查通过" in r.output
    r = runner.invoke(app, ["import", str(good)])
    assert r.exit_code == 0 and "写入 1 条" in r.output
    r = runner.invoke(app, ["import", str(good)])
    assert r.exit_code == 0 and "未重复写入" in r.output


def test_demo_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GAOXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    app = _app()
    r = runner.invoke(app, ["demo", "--enterprises", "50"])
    assert r.exit_code == 0, r.output
    assert "示例数据" in r.output and "企业" in r.output and "50" in r.output
    r = runner.invoke(app, ["demo", "--enterprises", "50"])
    assert r.exit_code == 0 and "已存在" in r.output
    r = runner.invoke(app, ["demo", "--enterprises", "40", "--reset"])
    assert r.exit_code == 0 and "40" in r.output


def test_import_warnings_need_accept_and_hidden_sheets_need_include(tmp_path, monkeypatch):
    import xlsxwriter
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GAOXIN_DATABASE_URL", url)
    app = _app()
    assert runner.invoke(app, ["init"]).exit_code == 0
    # D2_1 is kept in percent points (unit “%”): a column of 0.383-style fractions → a warning per cell
    warn = tmp_path / "warn.csv"
    warn.write_text("单位,年份,D2_1\n长沙高新区,2023,0.383\n株洲高新区,2023,0.41\n", encoding="utf-8")
    r = runner.invoke(app, ["import", str(warn)])
    assert r.exit_code == 1 and "有 2 处数值需要核对" in r.output and "--accept-warnings" in r.output
    r = runner.invoke(app, ["import", str(warn), "--accept-warnings"])
    assert r.exit_code == 0 and "写入 2 条" in r.output
    path = tmp_path / "hidden.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for name, unit in (("数据", "长沙高新区"), ("旧表", "株洲高新区")):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["单位", "年份", "D1_1"])
        ws.write_row(1, 0, [unit, 2022, 5])
        if name == "旧表":
            ws.hide()
    wb.close()
    r = runner.invoke(app, ["import", str(path)])
    assert r.exit_code == 0 and "隐藏的工作表“旧表”" in r.output and "写入 1 条" in r.output
    r = runner.invoke(app, ["import", str(path), "--include-hidden"])
    assert r.exit_code == 0 and "写入 2 条" in r.output

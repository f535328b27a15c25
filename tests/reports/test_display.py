"""The one formatter (gaoxin.display): every expected string below is written by hand from the rule it
checks (display.yaml: counts integer, 万元 → 亿元 at 10,000 万元, % with one decimal, scores with two)."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from gaoxin import display


@pytest.mark.parametrize("value, unit, expected", [
    (263006.28, "万元", "26.30亿元"),      # 263,006.28 万元 ÷ 10,000 = 26.3006 亿元
    (9767.88, "万元", "9,767.88万元"),     # below 1 亿元: stays in 万元
    (10.0, "家", "10家"),                  # a count is an integer, never "10.00"
    (1234.4, "件", "1,234件"),
    (22.67, "%", "22.7%"),                 # percent points, one decimal
    (2025, "年", "2025年"),                # years without a thousands separator
    (3.2, "亿元", "3.20亿元"),
    (1.5e9, "元", "15.00亿元"),            # 1,500,000,000 元 = 15 亿元
    (4.0, "万元/亩", "4.00万元/亩"),
    (9767.88, None, "9,767.88"),           # no unit declared: two decimals, no unit
])
def test_qty_by_unit(value, unit, expected):
    assert display.qty(value, unit) == expected


def test_shares_kept_as_fractions_read_as_percent():
    assert display.qty(0.14, "比例") == "14.0%"
    assert display.qty(0.14, "%", fraction=True) == "14.0%"
    assert display.pct(0.9675) == "96.8%"   # 0.9675 × 100 = 96.75 → one decimal


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_missing_is_a_dash_never_nan(missing):
    for out in (display.qty(missing, "家"), display.pct(missing), display.score(missing), display.count(missing)):
        assert out == "—"


def test_scores_have_one_fixed_number_of_decimals():
    assert [display.score(v) for v in (70, 70.5, 70.456)] == ["70.00", "70.50", "70.46"]


def test_method_codes_in_chinese():
    assert display.method_name("normalise", "minmax") == "最小—最大标准化"
    assert display.method_name("aggregate", "arithmetic") == "加权算术平均"
    assert display.zh_methods("标准化方法：minmax；聚合方法：geometric。") == "标准化方法：最小—最大标准化；聚合方法：加权几何平均。"


def test_every_engine_method_has_a_chinese_name():
    from typing import get_args
    from gaoxin.index import spec
    for step, cls in (("normalise", spec.NormaliseSpec), ("aggregate", spec.AggregateSpec),
                      ("weights", spec.WeightsSpec), ("impute", spec.ImputeSpec)):
        codes = get_args(cls.model_fields["method"].annotation)
        for code in codes:
            name = display.method_name(step, code)
            assert name != code and not any("a" <= ch <= "z" for ch in name.replace("CRITIC", "")), (step, code)


def test_cite_names_documents_by_title_and_number():
    # 000 carries 湘科发〔2025〕96号 on its first page; 001's stored text has no 文号: issuer and date instead
    assert display.cite("000_833f39822cf367ab.txt 一、主要目标") == \
        "《湖南省高新技术产业开发区提质增效三年行动计划（2026—2028年）》（湘科发〔2025〕96号） 一、主要目标"
    assert display.cite("001_282604393c848d88.txt 附件") == \
        "《湖南省高新技术产业开发区创新驱动发展提质升级三年行动方案（2017—2019年）》（湖南省科学技术厅，2017年6月6日） 附件"
    out = display.cite("种子未给基期值；取 gaoxin/reference/zones.csv 的国家级高新区 9 家；"
                       "见 open-sdg/open-sdg docs/progress-methodology.md")
    for leak in (".csv", ".md", "种子", "gaoxin/", "open-sdg/"):
        assert leak not in out
    assert "平台高新区名录" in out and "原文件未给基期值" in out


def test_every_seed_document_is_in_the_citation_table():
    from pathlib import Path
    seeds = Path("/work/shared/seeds")
    if not seeds.exists():
        pytest.skip("seed folder not on this machine")
    files = {p.name for p in seeds.glob("*.txt")}
    cited = {d["file"] for d in display._documents()["documents"]}
    assert files <= cited
    for name in files:
        assert name not in display.cite(name)


def test_times_in_beijing_time():
    # 2026-01-01 00:00 UTC is 08:00 in Asia/Shanghai (UTC+8, no daylight saving)
    assert display.bjtime(datetime(2026, 1, 1, tzinfo=timezone.utc)) == "2026-01-01 08:00"
    assert display.bjtime(datetime(2026, 1, 1)) == "2026-01-01 08:00"   # naive = the store's UTC
    assert display.bjtime("2026-01-01T16:30:00Z") == "2026-01-02 00:30"
    assert display.bjtime(None) == "—"


def test_jinja_filters_registered():
    from jinja2 import Environment
    env = Environment()
    display.register_jinja(env)
    t = env.from_string("{{ a|qty('万元') }} {{ b|pct }} {{ c|score }} {{ d|bjtime }}")
    assert t.render(a=263006.28, b=0.5, c=1, d=datetime(2026, 1, 1, tzinfo=timezone.utc)) == \
        "26.30亿元 50.0% 1.00 2026-01-01 08:00"
    assert env.globals["display_rules"]["units"]["家"]["kind"] == "count"


def test_excel_export_formats_numbers_by_unit():
    """0.9675 in a 完成进度 column reads 96.8% in Excel (number format 0.0%); a count column declared
    in 家 has no decimals; the stored values stay numbers."""
    import io
    from openpyxl import load_workbook
    from gaoxin.reports.excel import excel_number_format, frame_to_xlsx
    df = pd.DataFrame({"指标": ["甲"], "完成进度": [0.9675], "企业数": [10.0], "综合得分": [70.5]})
    wb = load_workbook(io.BytesIO(frame_to_xlsx(df, title="测试", column_units={"企业数": "家"})))
    ws = wb.active
    header = {c.value: c.column for c in ws[2]}
    row = 3
    assert ws.cell(row, header["完成进度"]).value == 0.9675
    assert ws.cell(row, header["完成进度"]).number_format == "0.0%"
    assert ws.cell(row, header["企业数"]).number_format == "#,##0"
    assert ws.cell(row, header["综合得分"]).number_format == "#,##0.00"
    assert excel_number_format("万元") == "#,##0.00" and excel_number_format("%") == '#,##0.0"%"'


def test_zone_codes_in_titles_read_as_names():
    import io
    from openpyxl import load_workbook
    from gaoxin.reports.excel import frame_to_xlsx
    # HN-N-CHANGSHA is 长沙高新区 in gaoxin/reference/zones.csv (short_name column)
    assert display.zone_codes_to_names("HN-N-CHANGSHA培育库") == "长沙高新区培育库"
    wb = load_workbook(io.BytesIO(frame_to_xlsx({"HN-N-CHANGSHA培育库": pd.DataFrame({"企业": ["甲"]})},
                                                title="HN-N-CHANGSHA培育库")))
    assert wb.sheetnames == ["长沙高新区培育库"] and wb.active["A1"].value == "长沙高新区培育库"

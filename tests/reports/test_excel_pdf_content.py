"""Table exports and PDF conversion as a user gets them: the xlsx of any table (gaoxin.reports.excel —
formula-injection guard, number formats by unit, title / demo rows, sheet names, widths, Beijing time)
and the Word → PDF step (gaoxin.reports.pdf — the LibreOffice command, the font aliases, the Chinese
messages when it fails). LibreOffice is replaced by a small script, so these run everywhere and fast.
Expected values are written by hand from the inputs and gaoxin/reference/display.yaml."""
from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from gaoxin import display
from gaoxin.reports import excel, pdf
from gaoxin.reports.excel import escape_formulas, excel_number_format, frame_to_xlsx, safe_cell


# --------------------------------------------------------------------------- formula injection

@pytest.mark.parametrize("text", ["=1+1", "+86 731", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_start_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["长沙高新区", "a=1", "", " =1", 5, -5.0, None])
def test_other_values_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_escape_formulas_covers_texts_and_headers_not_numbers():
    df = pd.DataFrame({"=名称": ["=HYPERLINK(\"x\")", "长沙"], "值": [-1.0, 2.0],
                       "文本": pd.array(["-3", "+4"], dtype="string"), 5: ["@a", "b"]})
    out = escape_formulas(df)
    assert list(out.columns) == ["'=名称", "值", "文本", 5]
    assert out["'=名称"].tolist() == ["'=HYPERLINK(\"x\")", "长沙"]
    assert out["值"].tolist() == [-1.0, 2.0]
    assert out["文本"].tolist() == ["'-3", "'+4"]
    assert out[5].tolist() == ["'@a", "b"]
    assert list(df.columns) == ["=名称", "值", "文本", 5] and df["=名称"][0] == "=HYPERLINK(\"x\")"  # input untouched


# --------------------------------------------------------------------------- number formats

@pytest.mark.parametrize("unit, fmt", [
    ("家", "#,##0"), ("件", "#,##0"), ("年", "0"), ("比例", "0.0%"), ("%", '#,##0.0"%"'),
    ("万元", "#,##0.00"), ("亿元", "#,##0.00"), ("‰", "#,##0.0"), ("分", "#,##0.00"), ("公里", "#,##0.00"),
    (None, "#,##0.00")])
def test_excel_number_format_by_unit(unit, fmt):
    assert excel_number_format(unit) == fmt


@pytest.mark.parametrize("rule, fmt", [
    ({"kind": "fraction", "decimals": 0}, "0%"), ({"kind": "percent", "decimals": 0}, '#,##0"%"'),
    ({"kind": "money", "decimals": 0}, "#,##0"), ({"kind": "fraction", "decimals": 2}, "0.00%"),
    ({"kind": "score"}, "#,##0.000"),          # a score without decimals takes score_decimals (3 here)
    ({"kind": "number"}, "#,##0.00"),          # anything else without decimals: 2
    ({"kind": "count", "decimals": 3}, "#,##0"), ({"kind": "year", "decimals": 3}, "0")])
def test_excel_number_format_decimals(monkeypatch, rule, fmt):
    monkeypatch.setattr(display, "unit_rule", lambda unit: dict(rule))
    monkeypatch.setattr(display, "rules", lambda: {"score_decimals": 3})
    assert excel_number_format("x") == fmt


# --------------------------------------------------------------------------- workbook

def _sheet(data: bytes, name: str | None = None):
    wb = load_workbook(io.BytesIO(data))
    return wb, (wb[name] if name else wb.active)


def _values(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_single_frame_with_title_demo_row_and_formats():
    df = pd.DataFrame({"园区": ["=长沙", "株洲高新区"], "完成进度": [0.9675, 0.5], "企业数": [10.0, 1234.0],
                       "说明": ["http://example.com", "一段很长的说明文字超过五十个字符" * 4]},
                      index=[7, 9])                    # the index is not exported
    wb, ws = _sheet(frame_to_xlsx(df, demo=True, title="=目标进度", column_units={"企业数": "家", "说明": "家"}))
    assert wb.sheetnames == ["数据"]
    long = "一段很长的说明文字超过五十个字符" * 4
    assert _values(ws) == [
        ["'=目标进度", None, None, None],
        ["示例数据（合成数据，仅供演示，不代表真实统计）", None, None, None],
        ["园区", "完成进度", "企业数", "说明"],
        ["'=长沙", 0.9675, 10, "http://example.com"],
        ["株洲高新区", 0.5, 1234, long]]
    assert (ws["A1"].font.b, ws["A1"].font.sz) == (True, 13)
    assert (ws["A2"].font.b, ws["A2"].font.color.rgb) == (True, "FFC00000")
    for c in ws[3]:
        assert (c.font.b, c.fill.fgColor.rgb, c.border.left.style, c.alignment.wrap_text) == \
            (True, "FFDCE6F2", "thin", True)
    # 完成进度 (display.yaml columns: 比例) and 企业数 (家) get number formats; 说明 is text: none
    assert [ws.cell(4, j).number_format for j in range(1, 5)] == ["General", "0.0%", "#,##0", "General"]
    assert ws["D4"].hyperlink is None                 # URLs stay text
    # widths: formatted columns 14; others 1.6 × the longest text, at least 8, at most 50
    # (xlsxwriter stores a width w as w + 0.7109375)
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths == {"A": 5 * 1.6 + 0.7109375, "B": 14.7109375, "C": 14.7109375, "D": 50.7109375}
    assert ws.freeze_panes == "A4"


def test_several_sheets_named_from_zone_codes_and_without_demo():
    frames = {"HN-N-CHANGSHA培育库": pd.DataFrame({"企业": ["甲"]}),
              "a/b:c*d?e[f]g\\h": pd.DataFrame({"值": [1]}),
              "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三": pd.DataFrame({"得分": [88.5]}),
              "[]": pd.DataFrame({"x": []})}
    wb = load_workbook(io.BytesIO(frame_to_xlsx(frames)))
    assert wb.sheetnames == ["长沙高新区培育库", "abcdefgh", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一", "数据"]
    first = wb["长沙高新区培育库"]
    # no demo row: title (the sheet's own name) in row 1, header in row 2, data from row 3
    assert _values(first) == [["长沙高新区培育库"], ["企业"], ["甲"]]
    assert first.freeze_panes == "A3"
    assert first.column_dimensions["A"].width == 8.7109375          # short texts: at least 8
    assert wb["abcdefgh"]["A1"].value == "a/b:c*d?e[f]g\\h"
    score = wb["一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"]
    assert score["A3"].number_format == "#,##0.00"                  # 得分: 分
    empty = wb["数据"]
    assert _values(empty) == [["[]"], ["x"]]
    assert empty.column_dimensions["A"].width == 8.7109375


def test_width_looks_at_the_first_200_rows_only():
    df = pd.DataFrame({"名称": ["甲"] * 200 + ["第二百零一行的名称特别特别长"]})
    ws = load_workbook(io.BytesIO(frame_to_xlsx(df)))["数据"]
    assert ws.column_dimensions["A"].width == 8.7109375
    assert ws["A203"].value == "第二百零一行的名称特别特别长"


def test_header_width_counts_and_only_numeric_columns_get_formats():
    df = pd.DataFrame({"一个很长的列标题名称": ["甲"], "完成进度": ["—"]})   # 10-character header; text 完成进度
    ws = load_workbook(io.BytesIO(frame_to_xlsx(df, title="表")))["数据"]
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths == {"A": 16.7109375, "B": 8.7109375}
    assert ws["B3"].number_format == "General"


def test_times_are_written_in_beijing_time():
    utc = pd.to_datetime(["2026-01-01T00:00:00Z", "2026-06-30T18:30:00Z"])
    # an object column mixing zones: 00:00 UTC and 02:30 Beijing time (+08:00)
    from datetime import datetime, timedelta, timezone
    objs = pd.Series([utc[0].to_pydatetime(), datetime(2026, 7, 1, 2, 30, tzinfo=timezone(timedelta(hours=8)))],
                     dtype=object)
    naive = pd.to_datetime(["2026-01-01 00:00", "2026-01-02 00:00"])
    df = pd.DataFrame({"提交时间": utc, "审核时间": objs, "本地时间": naive, "文本": ["a", "b"]})
    out = excel._naive(df)
    assert out["提交时间"].tolist() == [pd.Timestamp("2026-01-01 08:00"), pd.Timestamp("2026-07-01 02:30")]
    assert out["审核时间"].tolist() == [pd.Timestamp("2026-01-01 08:00"), pd.Timestamp("2026-07-01 02:30")]
    assert out["本地时间"].tolist() == [pd.Timestamp("2026-01-01 00:00"), pd.Timestamp("2026-01-02 00:00")]
    assert out["文本"].tolist() == ["a", "b"]
    assert str(df["提交时间"].dt.tz) == "UTC"                       # the input is left as it was
    ws = load_workbook(io.BytesIO(frame_to_xlsx(df)))["数据"]
    assert [ws.cell(3, j).value for j in range(1, 4)] == [pd.Timestamp("2026-01-01 08:00").to_pydatetime()] * 2 + \
        [pd.Timestamp("2026-01-01 00:00").to_pydatetime()]


# --------------------------------------------------------------------------- PDF

def test_libreoffice_is_found_by_setting_then_path(monkeypatch):
    found = {"libreoffice": "/usr/bin/libreoffice", "soffice": "/opt/lo/soffice"}
    monkeypatch.setattr(pdf.shutil, "which", lambda name: found.get(name))
    monkeypatch.setenv("GAOXIN_LIBREOFFICE", "/srv/lo/program/soffice")
    assert pdf.libreoffice() == "/srv/lo/program/soffice"
    monkeypatch.delenv("GAOXIN_LIBREOFFICE")
    assert pdf.libreoffice() == "/usr/bin/libreoffice"
    del found["libreoffice"]
    assert pdf.libreoffice() == "/opt/lo/soffice"
    found.clear()
    assert pdf.libreoffice() is None


def test_fontconfig_maps_official_fonts_to_noto():
    serif = ["宋体", "SimSun", "仿宋", "仿宋_GB2312", "FangSong", "楷体", "楷体_GB2312", "KaiTi", "方正小标宋简体",
             "方正小标宋_GBK", "华文中宋"]
    sans = ["黑体", "SimHei", "微软雅黑", "Microsoft YaHei", "等线"]
    aliases = "".join(f'<alias binding="same"><family>{n}</family><prefer><family>Noto Serif CJK SC</family>'
                      f"</prefer></alias>" for n in serif) + \
        "".join(f'<alias binding="same"><family>{n}</family><prefer><family>Noto Sans CJK SC</family>'
                f"</prefer></alias>" for n in sans)
    assert pdf.fontconfig_xml() == ('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>' + aliases +
                                    "</fontconfig>")


FAKE_LO = r'''#!{python}
import json, os, sys, time
args = sys.argv[1:]
out = args[args.index("--outdir") + 1]
src = args[-1]
log = {{"args": args, "home": os.environ.get("HOME"), "fc": os.environ.get("FONTCONFIG_FILE"),
       "fc_text": open(os.environ["FONTCONFIG_FILE"], encoding="utf-8").read(), "cwd_src": os.path.exists(src)}}
open({log!r}, "w", encoding="utf-8").write(json.dumps(log))
mode = {mode!r}
if mode == "ok":
    open(os.path.join(out, "report.pdf"), "wb").write(b"%PDF-" + open(src, "rb").read())
elif mode == "fail":
    sys.stdout.write("stdout line\n")
    sys.stderr.write("javaldx: warning\nLoading failed\nError: source file could not be loaded\n")
    sys.exit(1)
elif mode == "failwithpdf":
    open(os.path.join(out, "report.pdf"), "wb").write(b"%PDF-partial")
    sys.stderr.write("Error: export filter failed\n")
    sys.exit(81)
elif mode == "badbytes":
    sys.stderr.buffer.write(b"Error \xff\n")
    sys.exit(1)
elif mode == "silent":
    sys.stdout.write("convert done\nno output written\n")
elif mode == "quiet":
    pass
elif mode == "slow":
    time.sleep(10)
'''


def _fake_lo(tmp_path, monkeypatch, mode):
    exe = tmp_path / f"soffice_{mode}"
    log = tmp_path / f"{mode}.json"
    exe.write_text(FAKE_LO.format(python=sys.executable, log=str(log), mode=mode), encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setenv("GAOXIN_LIBREOFFICE", str(exe))
    return log


def test_docx_to_pdf_runs_libreoffice_in_a_private_profile(tmp_path, monkeypatch):
    log = _fake_lo(tmp_path, monkeypatch, "ok")
    assert pdf.docx_to_pdf(b"DOCX-BYTES") == b"%PDF-DOCX-BYTES"
    got = json.loads(log.read_text(encoding="utf-8"))
    args, home = got["args"], Path(got["home"])
    assert home.name.startswith("gaoxin_pdf_") and not home.exists()      # the work folder is removed
    profile = args[0]
    assert profile.startswith(f"-env:UserInstallation=file://{home}/lo_") and len(profile.rsplit("lo_", 1)[1]) == 32
    assert args[1:] == ["--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(home),
                        str(home / "report.docx")]
    assert got["fc"] == str(home / "fonts.conf") and got["fc_text"] == pdf.fontconfig_xml()
    # two conversions never share a profile
    pdf.docx_to_pdf(b"x")
    assert json.loads(log.read_text(encoding="utf-8"))["args"][0] != profile


def test_docx_to_pdf_failures_read_in_chinese(tmp_path, monkeypatch):
    _fake_lo(tmp_path, monkeypatch, "fail")
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x")
    assert str(e.value) == "LibreOffice 转换 PDF 失败：Error: source file could not be loaded"
    _fake_lo(tmp_path, monkeypatch, "failwithpdf")     # a non-zero exit is a failure even with a file
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x")
    assert str(e.value) == "LibreOffice 转换 PDF 失败：Error: export filter failed"
    _fake_lo(tmp_path, monkeypatch, "badbytes")        # undecodable bytes are replaced, not fatal
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x")
    assert str(e.value) == "LibreOffice 转换 PDF 失败：Error \ufffd"
    _fake_lo(tmp_path, monkeypatch, "silent")          # exit 0, no PDF, nothing on stderr: stdout's last line
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x")
    assert str(e.value) == "LibreOffice 转换 PDF 失败：no output written"
    _fake_lo(tmp_path, monkeypatch, "quiet")
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x")
    assert str(e.value) == "LibreOffice 转换 PDF 失败："
    _fake_lo(tmp_path, monkeypatch, "slow")
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x", timeout=1)
    assert str(e.value) == "LibreOffice 转换超时（1 秒）"


def test_docx_to_pdf_without_libreoffice(monkeypatch):
    monkeypatch.setattr(pdf, "libreoffice", lambda: None)
    with pytest.raises(pdf.PdfUnavailable) as e:
        pdf.docx_to_pdf(b"x")
    assert str(e.value) == "本机未安装 LibreOffice，无法生成 PDF；请下载 Word 版本，或安装 libreoffice-writer"
    assert issubclass(pdf.PdfUnavailable, RuntimeError)


def test_default_timeout_is_two_minutes(monkeypatch, tmp_path):
    _fake_lo(tmp_path, monkeypatch, "ok")
    seen = {}
    real = pdf.subprocess.run

    def run(cmd, **kw):
        seen.update(kw)
        return real(cmd, **kw)
    monkeypatch.setattr(pdf.subprocess, "run", run)
    pdf.docx_to_pdf(b"x")
    assert seen["timeout"] == 120 and seen["capture_output"] is True
    assert seen["env"]["PATH"] == os.environ["PATH"]     # the rest of the environment is kept

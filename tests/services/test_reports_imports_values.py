"""gaoxin.services.reports and .imports on values a reader can check: the circular document's title line
and file name, the log line of a target left out of a circular, the refusal of an Excel circular of many
targets (its exact Chinese wording), the progress workbook's title row, and the fill-in template download
(its file name, a real workbook, the refusal of an unknown kind with the kinds listed)."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import imports as im
from gaoxin.services import reports as rp
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Forbidden, NotFound, ServiceError
from gaoxin.services.scope import CONSOLE


pytestmark = pytest.mark.usefixtures("fresh_cache")  # fixtures in tests/services/conftest.py


def _paragraphs(content: bytes) -> list[str]:
    import docx
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_circular_of_one_target_is_titled_by_the_target_and_year(seed_db):
    with session_scope(seed_db) as s:
        doc = rp.circular_report(s, CONSOLE, "xt133-high-tech-enterprises", 2024, "docx")
    assert doc.filename == "湘潭市高新技术企业数量目标任务完成情况通报（截至2024年）.docx"
    assert doc.media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "（截至2024年）" in _paragraphs(doc.content)


def test_a_target_without_that_years_table_is_logged_and_left_out(seed_db, caplog):
    # 附件3 科技型中小企业 has annual targets for 2023–2025 only: a 2022 circular leaves it out
    with session_scope(seed_db) as s, caplog.at_level(logging.INFO, logger="gaoxin.services"):
        doc = rp.circular_report(s, CONSOLE, "xt133-tech-smes", 2022, "docx")
    assert doc.filename == "目标任务完成情况通报（截至2022年）.docx"
    assert "通报未含：目标 xt133-tech-smes 的分解表没有 2022 年的年度目标（分解表年份：2023、2024、2025）" in \
        [r.getMessage() for r in caplog.records]
    assert "（截至2022年）" in _paragraphs(doc.content)


def test_excel_circular_needs_one_decomposed_target(seed_db):
    with session_scope(seed_db) as s:
        with pytest.raises(ServiceError) as e:
            rp.circular_report(s, CONSOLE, None, 2024, "xlsx")
    assert str(e.value) == "Excel 通报须指定一个有分解表的目标（--target）"


def test_excel_circular_of_one_target(seed_db):
    with session_scope(seed_db) as s:
        doc = rp.circular_report(s, CONSOLE, "xt133-high-tech-enterprises", 2024, "xlsx")
    assert doc.filename == "湘潭市高新技术企业数量目标任务完成情况通报（截至2024年）.xlsx"
    assert doc.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_circular_format_refused_with_the_choices(seed_db):
    with session_scope(seed_db) as s:
        with pytest.raises(ServiceError) as e:
            rp.circular_report(s, CONSOLE, None, 2024, "csv")
    assert str(e.value) == "不支持的格式“csv”，可选 docx、pdf、xlsx"


FRAME = pd.DataFrame({"指标": ["高新技术企业数量"], "完成进度": [0.5]})


@pytest.mark.parametrize("demo, title", [(True, "规划目标完成进度（截至2024年）（示例数据）"),
                                         (False, "规划目标完成进度（截至2024年）")])
def test_progress_workbook_title_row(demo, title):
    wb = openpyxl.load_workbook(io.BytesIO(rp.progress_xlsx(FRAME, 2024, demo)))
    assert wb.sheetnames[0] == "目标进度"
    assert wb["目标进度"]["A1"].value == title


def test_template_download_is_a_workbook_named_by_the_kind():
    content, name = im.template_bytes("observations")
    assert name == "导入模板_指标数据.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames  # a real workbook, not an empty file


def test_template_of_an_unknown_kind_lists_the_kinds():
    with pytest.raises(NotFound) as e:
        im.template_bytes("nope")
    assert str(e.value) == "没有“nope”类型的模板，可选：指标数据、企业名录、高校待转成果、企业技术需求、政策库"


def test_write_templates_one_kind_and_an_unknown_kind(tmp_path):
    got = im.write_templates("enterprises", tmp_path)
    assert [(label, Path(path).name) for label, path in got] == [("企业名录", "企业名录模板.xlsx")]
    assert (tmp_path / "企业名录模板.xlsx").stat().st_size > 0
    with pytest.raises(NotFound) as e:
        im.write_templates("nope", tmp_path)
    assert str(e.value) == ("未知的模板类型“nope”，可选：observations、observations_long、enterprises、results、"
                            "demands、policies")


CS_USER = Principal("cs_user", "zone_user", zones=frozenset({"HN-N-CHANGSHA"}))


def test_upload_of_an_unsupported_file_type_is_refused_by_name():
    d = im.run_upload(None, Principal("admin", "province_admin"), "某目录/说明.TXT", b"x")
    assert d == {"ok": False, "file": "说明.TXT", "status": "rejected", "status_label": "已拒绝", "rows": 0,
                 "batch_id": None, "forbidden": False,
                 "problems": [{"file": "说明.TXT", "sheet": None, "row": None, "column": None, "value": ".TXT",
                               "reason": "文件类型不支持，只能上传 .xlsx / .xls / .csv",
                               "suggestion": "请用平台提供的模板填写后上传"}]}


def test_upload_report_and_history(sqlite_db_url):
    """A zone user's good file is loaded; a row of another zone makes its file forbidden; an unknown
    indicator is named in the problem; the history in Chinese, a zone user seeing only its own uploads."""
    admin = Principal("admin", "province_admin")
    head = "单位类型,单位,指标,年份,数值\n"
    with session_scope(sqlite_db_url) as s:
        empty = im.import_history(s, admin)
    assert empty.empty and list(empty.columns) == list(im.IMPORT_LABELS)  # the headers even without a batch
    with session_scope(sqlite_db_url) as s:
        good = im.run_upload(s, CS_USER, "本园区.csv", (head + "高新区,长沙高新区,D1_1,2024,3.25\n").encode())
        other = im.run_upload(s, CS_USER, "外园区.csv", (head + "高新区,株洲高新区,D1_1,2024,1\n").encode())
        bad = im.run_upload(s, admin, "有错.csv", (head + "高新区,长沙高新区,NO_SUCH,2024,1\n").encode())
        with pytest.raises(Forbidden) as e:
            im.run_upload(s, Principal("v", "readonly"), "a.csv", b"x")
    assert str(e.value) == "只读用户不能修改数据"
    assert (good["ok"], good["status"], good["status_label"], good["rows"], good["forbidden"], good["problems"]) == \
        (True, "loaded", "已导入", 1, False, [])
    assert (other["ok"], other["status"], other["forbidden"]) == (False, "rejected", True)
    assert (bad["ok"], bad["forbidden"], bad["problems"]) == (False, False, [
        {"file": "有错.csv", "sheet": None, "row": "2", "column": "指标", "value": "NO_SUCH",
         "reason": "未知的指标“NO_SUCH”", "suggestion": None}])
    with session_scope(sqlite_db_url) as s:
        everyone = im.import_history(s, admin)
        own = im.import_history(s, CS_USER)
        last = im.import_history(s, admin, limit=1)
    assert list(everyone.columns) == list(im.IMPORT_LABELS)
    assert everyone[["file_name", "kind", "status", "username"]].to_dict("records") == [
        {"file_name": "有错.csv", "kind": "指标数据", "status": "已拒绝", "username": "admin"},
        {"file_name": "外园区.csv", "kind": "指标数据", "status": "已拒绝", "username": "cs_user"},
        {"file_name": "本园区.csv", "kind": "指标数据", "status": "已导入", "username": "cs_user"}]
    assert own["file_name"].tolist() == ["外园区.csv", "本园区.csv"]
    assert last["file_name"].tolist() == ["有错.csv"]
    assert everyone["created_at"].str.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").all()


def test_pdf_circular_and_its_absence(seed_db, monkeypatch):
    import gaoxin.reports.pdf as pdf
    from gaoxin.services.errors import Unavailable
    monkeypatch.setattr(pdf, "docx_to_pdf", lambda docx: b"%PDF-" + docx[:2])  # the Word file's "PK" header
    with session_scope(seed_db) as s:
        doc = rp.circular_report(s, CONSOLE, "xt133-high-tech-enterprises", 2024, "pdf")
    assert (doc.content, doc.filename, doc.media_type) == \
        (b"%PDF-PK", "湘潭市高新技术企业数量目标任务完成情况通报（截至2024年）.pdf", "application/pdf")

    def missing(docx):
        raise pdf.PdfUnavailable("未找到 LibreOffice，无法生成 PDF")
    monkeypatch.setattr(pdf, "docx_to_pdf", missing)
    with session_scope(seed_db) as s:
        with pytest.raises(Unavailable) as e:
            rp.circular_report(s, CONSOLE, "xt133-high-tech-enterprises", 2024, "pdf")
    assert str(e.value) == "未找到 LibreOffice，无法生成 PDF"


def test_zone_user_gets_no_province_circular(seed_db):
    with session_scope(seed_db) as s:
        with pytest.raises(Forbidden) as e:
            rp.circular_report(s, CS_USER, None, 2024, "docx")
    assert str(e.value) == "高新区用户不能下载包含其他园区数据的全省报告"


def test_table_workbook_sheets_and_title():
    wb = openpyxl.load_workbook(io.BytesIO(rp.table_xlsx({"甲表": FRAME, "乙表": FRAME}, title="某标题")))
    assert wb.sheetnames == ["甲表", "乙表"] and wb["甲表"]["A1"].value == "某标题"


def test_import_path_console_records_the_named_user_and_dry_run_writes_nothing(sqlite_db_url, tmp_path):
    from sqlalchemy import func, select

    from gaoxin.store.models import Observation
    f = tmp_path / "数据.csv"
    f.write_text("单位类型,单位,指标,年份,数值\n高新区,株洲高新区,D1_1,2024,7\n", encoding="utf-8")
    with session_scope(sqlite_db_url) as s:
        checked = im.import_path(s, CONSOLE, f, dry_run=True)
        # a check needs no write right, but a reader's file touches no zone it may write
        viewer = im.import_path(s, Principal("v", "readonly"), f, dry_run=True)
        assert s.scalar(select(func.count()).select_from(Observation)) == 0
        with pytest.raises(Forbidden):
            im.import_path(s, Principal("v", "readonly"), f)
        loaded = im.import_path(s, CONSOLE, f, kind="observations", username="王五", file_name="株洲.csv")
        assert s.scalar(select(func.count()).select_from(Observation)) == 1
        hist = im.import_history(s, CONSOLE)
    assert (checked.status, loaded.status, loaded.ok) == ("checked", "loaded", True)
    assert viewer.status == "rejected" and [str(p) for p in viewer.problems]
    assert hist[["file_name", "status", "username"]].to_dict("records")[0] == \
        {"file_name": "株洲.csv", "status": "已导入", "username": "王五"}


@pytest.mark.parametrize("is_demo", [True, False])
def test_word_circular_says_demo_data_only_when_a_figure_is_demo(tmp_path, is_demo):
    # one 2024 figure of 湘潭市's high-tech enterprise target (seed 004, 附件3): the circular carries the
    # red 示例数据 line exactly when that figure is synthetic
    from gaoxin.services import targets as tg
    from gaoxin.store.db import dispose_engines
    from gaoxin.store.migrate import init_database
    from gaoxin.store.models import Observation
    url = f"sqlite:///{tmp_path / 'gaoxin.db'}"
    init_database(url)
    with session_scope(url) as s:
        t = next(t for t in tg.targets(s) if t.id == "xt133-high-tech-enterprises")
        s.add(Observation(unit_type=t.scope.type, unit_code=str(t.scope.code), indicator_code=t.indicator,
                          period=2024, value=900.0, is_demo=is_demo))
    with session_scope(url) as s:
        doc = rp.circular_report(s, CONSOLE, "xt133-high-tech-enterprises", 2024, "docx")
    dispose_engines()
    notice = "示例数据：本报告中的数据为系统生成的演示数据，不代表真实统计。"
    assert (notice in _paragraphs(doc.content)) is is_demo

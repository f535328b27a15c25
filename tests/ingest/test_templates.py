"""Templates: Chinese headers, 说明 sheet, zone drop-down; a filled template imports back."""
import openpyxl
import pytest

from gaoxin.ingest.load import import_file
from gaoxin.ingest.templates import TEMPLATE_KINDS, write_template
from gaoxin.store.db import session_scope


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_template_structure(kind, tmp_path):
    path = write_template(kind, tmp_path / f"{kind}.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "数据" and "说明" in wb.sheetnames and "代码表" in wb.sheetnames
    header = [c.value for c in wb["数据"][1]]
    assert all(h and any("\u4e00" <= ch <= "\u9fff" for ch in h) or h.isascii() for h in header)
    assert "长沙高新技术产业开发区" in [c.value for c in wb["代码表"]["A"]]
    notes = " ".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    assert "全部导入" in notes and "缺失" in notes
    if kind in ("observations", "enterprises", "demands"):
        lists = [dv for dv in wb["数据"].data_validations.dataValidation if dv.type == "list"]
        assert lists, "zone drop-down missing"


def test_filled_wide_template_imports(sqlite_db_url, tmp_path):
    path = write_template("observations", tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["数据"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("万人拥有本科（含）学历以上人数（人/万人）") + 1, value="1,250")
    ws.append(["株洲高新区", 2025] + [None] * (len(header) - 2))
    ws.cell(row=3, column=3, value="８８")
    wb.save(path)
    with session_scope(sqlite_db_url) as s:
        rep = import_file(s, path)
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    assert rep.written == 2


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_templates_show_names_and_titles_not_internal_codes(kind, tmp_path):
    """A template is handed to zone staff: zones by name (长沙高新技术产业开发区 / 长沙高新区), sources by
    document title, never an internal zone code (HN-…) or a seed file name (…_<hash>.txt)."""
    import re

    wb = openpyxl.load_workbook(write_template(kind, tmp_path / f"{kind}.xlsx"))
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert not re.search(r"HN-[A-Z]", text)
    assert not re.search(r"\w+_[0-9a-f]{16}\.txt|\.ya?ml|\.csv|github", text, re.IGNORECASE)
    assert "长沙高新技术产业开发区" in text

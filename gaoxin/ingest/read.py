"""Reading .xlsx / .xls / .csv into raw frames (all cells as read, header = row 1). File I/O only.

Workbooks: every visible sheet with a header is returned; the caller chooses sheets by content (a
header that matches an import template), not by name. Hidden sheets are skipped with a notice naming
them unless `include_hidden`. Excel error cells (#DIV/0!, #N/A, …), which the fast reader turns into
blanks, are found in the sheet XML and kept as their error text, so validation refuses them by cell.
Damaged, truncated, encrypted and non-Excel files are refused with a Chinese reason; the library's
own text goes to the log for administrators only."""
from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

# helper sheets of the shipped templates: skipped silently when their header matches no template
SKIP_SHEETS = ("说明", "填报说明", "代码表", "指标代码表", "_lists")
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads plain UTF-8; GB18030 is a superset of GBK
# Excel's error values and what each means, for the message that refuses such a cell
EXCEL_ERRORS = {"#DIV/0!": "除数为零", "#N/A": "数值不可用", "#REF!": "引用的单元格已被删除",
                "#VALUE!": "参与计算的值类型错误", "#NAME?": "公式中有无法识别的名称", "#NUM!": "数值无效或超出范围",
                "#NULL!": "区域交集为空", "#GETTING_DATA": "数据尚未取回", "#SPILL!": "溢出区域被占用",
                "#CALC!": "计算出错"}
UNREADABLE = "无法读取该文件（已记入系统日志，请联系管理员）"


class ReadError(Exception):
    """The file cannot be read at all; args[0] is the Chinese reason."""


class Sheets(list):
    """The sheets read from one file (a list of Sheet) plus `notices`: what was skipped and why."""

    def __init__(self, items=(), notices=None):
        super().__init__(items)
        self.notices: list[str] = list(notices or [])


HEADER_SCAN_ROWS = 10  # a title row or two above the header is common in official spreadsheets


@dataclass
class Sheet:
    name: str | None          # None for CSV
    header: list[str]
    frame: pd.DataFrame       # object columns, one per header cell, index = Excel row number
    encoding: str | None = None
    header_row: int = 1       # the row (as Excel numbers it) holding the header
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # header (NFKC-folded) → as written, for messages


def _header_index(rows) -> int:
    """0-based index of the header: the first of the top rows whose cells name a known layout."""
    from gaoxin.ingest.validate import detect_kind
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if detect_kind(_header_cells(row))[0] is not None:
            return i
    return 0


def _header_cells(row) -> list[str]:
    from gaoxin.ingest.clean import clean_text
    return [clean_text(c) or "" for c in row]


def _labels(row, header: list[str]) -> dict[str, str]:
    """Folded header → the header as the user wrote it (full-width brackets kept), where they differ."""
    out = {}
    for raw, h in zip(row, header):
        if h and isinstance(raw, str) and raw.strip() != h:
            out[h] = raw.strip()
    return out


def _frame(header: list[str], rows: list[list], first_row: int = 2) -> tuple[list[str], pd.DataFrame]:
    width = len(header)
    # drop trailing all-blank columns without a header and all-blank rows
    while width and not header[width - 1]:
        width -= 1
    header = header[:width]
    data = [list(r[:width]) + [None] * (width - len(r)) for r in rows]
    df = pd.DataFrame(data, columns=range(width), dtype=object)
    df.index = pd.RangeIndex(first_row, first_row + len(df))  # row numbers as Excel shows them
    if len(df) and width:
        blank = (df.isna() | (df == "")).all(axis=1)
        df = df[~blank]
    df.columns = header
    return header, df


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _error_cells(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    """{sheet name: [(row 1-based, column 0-based, error text)]} of cells Excel stored as errors
    (t="e"). Sheets without the marker are not parsed: the common case costs one decompression."""
    from xml.etree import ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    out: dict[str, list[tuple[int, int, str]]] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        if "xl/workbook.xml" not in names:
            return out
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", ns):
                target = rel.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                rels[rel.get("Id")] = target
        for sh in wb.findall("m:sheets/m:sheet", ns):
            target = rels.get(sh.get(f"{{{ns['r']}}}id"))
            if target not in names:
                continue
            data = z.read(target)
            if b't="e"' not in data:
                continue
            cells = []
            for _ev, el in ET.iterparse(io.BytesIO(data)):
                if el.tag == f"{{{ns['m']}}}c" and el.get("t") == "e":
                    m = _CELL_REF.fullmatch(el.get("r") or "")
                    v = el.find("m:v", ns)
                    if m:
                        cells.append((int(m.group(2)), _col_index(m.group(1)), (v.text if v is not None else None) or "#N/A"))
                if el.tag == f"{{{ns['m']}}}row":
                    el.clear()
            out[sh.get("name")] = cells
    return out


def _workbook_error(path: Path, exc: BaseException) -> ReadError:
    """A Chinese reason for a workbook the libraries cannot open; the library text is logged."""
    log.warning("读取工作簿 %s 失败：%s: %s", path.name, type(exc).__name__, exc)
    import python_calamine as pc
    if isinstance(exc, pc.PasswordError):
        return ReadError("工作簿已加密（设有打开密码）：请在 Excel 中取消密码后另存为 .xlsx 再导入")
    if isinstance(exc, (pc.ZipError, zipfile.BadZipFile, zlib.error, EOFError)):
        return ReadError("Excel 文件已损坏或不完整（可能上传或复制时被截断）：请在 Excel 中打开确认后重新保存，再导入")
    if isinstance(exc, pc.XmlError):
        return ReadError("Excel 文件内容已损坏（工作表格式错误）：请在 Excel 中打开后另存为新的 .xlsx 文件再导入")
    return ReadError("无法读取该文件：不是有效的 Excel 工作簿（已记入系统日志，请联系管理员）")


def _sniff_workbook(path: Path) -> None:
    """Refuse what is not an Excel workbook before the parser sees it."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    suffix = path.suffix.lower()
    if not magic:
        raise ReadError("文件为空（0 字节）：请确认上传的是填好的 Excel 文件")
    if suffix in (".xlsx", ".xlsm"):
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            raise ReadError("文件是旧版 .xls 格式或已加密：请在 Excel 中另存为 .xlsx（不设密码）后再导入")
        if not magic.startswith(b"PK"):
            raise ReadError("文件不是有效的 Excel .xlsx 文件（可能是改了扩展名的其他文件）：请在 Excel 中另存为 .xlsx 后再导入")
        if not zipfile.is_zipfile(path):
            raise ReadError("Excel 文件已损坏或不完整（可能上传或复制时被截断）：请在 Excel 中打开确认后重新保存，再导入")


def read_xlsx(path: Path, include_hidden: bool = False) -> Sheets:
    import python_calamine as pc
    _sniff_workbook(path)
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        visible = {m.name: m.visible == pc.SheetVisibleEnum.Visible for m in wb.sheets_metadata}
        errors = _error_cells(path) if path.suffix.lower() in (".xlsx", ".xlsm") else {}
    except (pc.CalamineError, zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise _workbook_error(path, exc) from exc
    except Exception as exc:  # noqa: BLE001 - an unknown parser failure: logged, refused in Chinese
        log.exception("读取工作簿 %s 时出现未预期的错误", path.name)
        raise ReadError(UNREADABLE) from exc
    sheets = Sheets()
    hidden = []
    for name in wb.sheet_names:
        if not visible.get(name, True) and not include_hidden:
            hidden.append(name)
            continue
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except pc.CalamineError as exc:
            raise _workbook_error(path, exc) from exc
        for r, c, text in errors.get(name, ()):
            if 0 < r <= len(rows) and 0 <= c < len(rows[r - 1]):
                rows[r - 1][c] = text
        if not rows:
            continue
        h = _header_index(rows)
        if not any(str(c).strip() for c in rows[h]):
            continue
        header, frame = _frame(_header_cells(rows[h]), rows[h + 1:], h + 2)
        sheets.append(Sheet(name=name, header=header, frame=frame, header_row=h + 1, labels=_labels(rows[h], header)))
    if hidden:
        sheets.notices.append(f"已跳过隐藏的工作表“{'”“'.join(hidden)}”（未导入；如确需导入，请取消隐藏，"
                              "或在命令行加 --include-hidden）")
    if not sheets:
        raise ReadError("文件中没有含表头的工作表（表头应在第1行）"
                        + (f"；隐藏的工作表“{'”“'.join(hidden)}”未读取" if hidden else ""))
    return sheets


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Text and the encoding that decoded it: UTF-8 (with or without BOM), else GB18030/GBK."""
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")


def read_csv(path: Path) -> Sheets:
    text, enc = decode_bytes(Path(path).read_bytes())
    try:
        sep = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        sep = ","
    # the csv module copes with ragged rows (a one-cell title line above the header), pandas' C parser does not
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        log.warning("读取 CSV %s 失败：%s", Path(path).name, exc)
        raise ReadError("CSV 格式错误（引号不配对或单个字段过长）：请在 Excel 中打开后另存为“CSV（逗号分隔）”再导入") from exc
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ReadError("文件为空")
    h = _header_index(rows)
    header, frame = _frame(_header_cells(rows[h]), rows[h + 1:], h + 2)
    return Sheets([Sheet(name=None, header=header, frame=frame, encoding=enc, header_row=h + 1,
                         labels=_labels(rows[h], header))])


def read_table(path: str | Path, include_hidden: bool = False) -> Sheets:
    path = Path(path)
    if not path.exists():
        raise ReadError("文件不存在")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_xlsx(path, include_hidden=include_hidden)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    raise ReadError(f"不支持的文件类型“{suffix}”：请使用 .xlsx 或 .csv")

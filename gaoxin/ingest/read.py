"""Reading .xlsx / .xls / .csv into raw frames (all cells as read, header = row 1). File I/O only."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SKIP_SHEETS = ("说明", "填报说明", "代码表", "指标代码表", "_lists")
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads plain UTF-8; GB18030 is a superset of GBK


class ReadError(Exception):
    """The file cannot be read at all; args[0] is the Chinese reason."""


HEADER_SCAN_ROWS = 10  # a title row or two above the header is common in official spreadsheets


@dataclass
class Sheet:
    name: str | None          # None for CSV
    header: list[str]
    frame: pd.DataFrame       # object columns, one per header cell, index = Excel row number
    encoding: str | None = None
    header_row: int = 1       # the row (as Excel numbers it) holding the header
    notes: list[str] = field(default_factory=list)


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


def read_xlsx(path: Path) -> list[Sheet]:
    from python_calamine import CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - any parser failure is a user-facing read error
        raise ReadError(f"无法打开 Excel 文件：{exc}") from exc
    sheets = []
    for name in wb.sheet_names:
        if name in SKIP_SHEETS:
            continue
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not rows:
            continue
        h = _header_index(rows)
        if not any(str(c).strip() for c in rows[h]):
            continue
        header, frame = _frame(_header_cells(rows[h]), rows[h + 1:], h + 2)
        sheets.append(Sheet(name=name, header=header, frame=frame, header_row=h + 1))
    if not sheets:
        raise ReadError("文件中没有含表头的工作表（表头应在第1行）")
    return sheets


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Text and the encoding that decoded it: UTF-8 (with or without BOM), else GB18030/GBK."""
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")


def read_csv(path: Path) -> list[Sheet]:
    text, enc = decode_bytes(Path(path).read_bytes())
    try:
        sep = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        sep = ","
    # the csv module copes with ragged rows (a one-cell title line above the header), pandas' C parser does not
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        raise ReadError(f"CSV 格式错误：{exc}") from exc
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ReadError("文件为空")
    h = _header_index(rows)
    header, frame = _frame(_header_cells(rows[h]), rows[h + 1:], h + 2)
    return [Sheet(name=None, header=header, frame=frame, encoding=enc, header_row=h + 1)]


def read_table(path: str | Path) -> list[Sheet]:
    path = Path(path)
    if not path.exists():
        raise ReadError("文件不存在")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    raise ReadError(f"不支持的文件类型“{suffix}”：请使用 .xlsx 或 .csv")

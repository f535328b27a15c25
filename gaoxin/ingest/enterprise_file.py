"""The one reader of enterprise files: `gaoxin enterprise judge --file` and (through the same header
and cell rules) `gaoxin import` of an enterprise list.

Reading goes through `gaoxin.ingest.read` (encodings, title rows, workbooks), cells through
`gaoxin.ingest.clean` (Chinese number forms, 万/亿 suffixes, percent), headers through
`enterprise_header` below: a field's code or Chinese name, optionally a year suffix (``_y0``,
``_2024``, ``（2024年）``) and a unit in brackets (``营业收入（元）``), converted to the unit the rules
use (`gaoxin.enterprise.fields`, money in 万元). The result is the wide frame the enterprise core
takes (`gaoxin.enterprise.frame.complete_frame`)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gaoxin.credit_code import check_many, credit_code_problem
from gaoxin.enterprise import fields as F
from gaoxin.enterprise.frame import EnterpriseDataError, complete_frame
from gaoxin.ingest.clean import FALSE_WORDS, TRUE_WORDS, CleanError, clean_number, clean_text, normalize_text, parse_bool
from gaoxin.ingest.read import ReadError, read_table

# headers of the import template that name base columns (besides the fields' own names)
BASE_ALIASES = {"所在县市区": "county_code", "产业领域": "industry", "产业": "industry"}
YEAR_HEADERS = ("年份", "年度")
IGNORED = ("序号", "备注", "说明", "填报人", "联系电话")

_YEAR_SUFFIX = re.compile(r"^(?P<base>.+?)\s*(?:[_\-]?y(?P<k>\d)|[_\-]?(?P<year>(?:19|20)\d\d)年?|\((?P<year2>(?:19|20)\d\d)年?\))$")
_UNIT_SUFFIX = re.compile(r"^(?P<base>.+?)\s*\((?P<unit>[^()]*)\)$")


@dataclass(frozen=True)
class Header:
    """What one header names: a base column / static field (`code`, k None) or an annual field
    (`code`, k = years before the as-of year, or `year`), with the unit written in the header."""
    code: str
    k: int | None = None
    year: int | None = None
    unit: str | None = None


def _hmap() -> dict[str, str]:
    m = {normalize_text(k): v for k, v in F.header_map().items()}
    m.update({normalize_text(k): v for k, v in BASE_ALIASES.items()})
    return m


def enterprise_header(header: str) -> Header | None:
    """Parse one header (NFKC-folded); None when it names no enterprise field."""
    hmap = _hmap()
    c = normalize_text(str(header))
    if c in hmap:
        return Header(hmap[c])
    unit = None
    m = _UNIT_SUFFIX.match(c)
    if m and not re.fullmatch(r"(?:19|20)\d\d年?", m.group("unit")):
        c, unit = m.group("base").strip(), m.group("unit").strip() or None
        if c in hmap:
            return Header(hmap[c], unit=unit)
    m = _YEAR_SUFFIX.match(c)
    if m and m.group("base").strip() in hmap and hmap[m.group("base").strip()] in F.ANNUAL_CODES:
        code = hmap[m.group("base").strip()]
        if m.group("k") is not None:
            return Header(code, k=int(m.group("k")), unit=unit)
        return Header(code, year=int(m.group("year") or m.group("year2")), unit=unit)
    return None


def suggest_header(header: str) -> str | None:
    """'您是否指：研发费用（万元）' for a near miss such as 研发费（万元）."""
    c = normalize_text(str(header))
    m = _UNIT_SUFFIX.match(c)
    base, unit = (m.group("base").strip(), m.group("unit")) if m else (c, None)
    names = {f.name: f for f in F.ALL}
    names.update({v: None for v in F.BASE_NAMES.values()})
    hit = difflib.get_close_matches(base, list(names), n=1, cutoff=0.6)
    if not hit:
        return None
    f = names[hit[0]]
    label = hit[0] + (f"（{unit or f.unit}）" if f is not None and (unit or f.unit) else "")
    return f"是否为“{label}”"


def unit_factor(declared: str | None, field_unit: str | None) -> float | None:
    """Factor from the header's unit to the field's unit (元 → 万元: 0.0001); None when incompatible."""
    from gaoxin.ingest.validate import _unit_factor
    return _unit_factor(declared, field_unit)


def _where(file: str, sheet: str | None) -> str:
    return f"文件 {file}" + (f" 工作表“{sheet}”" if sheet else "")


def read_enterprise_file(path: str | Path, as_of_year: int | None = None, sheet: str | int | None = None,
                         file_name: str | None = None) -> pd.DataFrame:
    """Read an xlsx/csv enterprise file (the import template, or a wide file with _y0/_y1 or year
    suffixes, Chinese or English headers) into the wide frame; EnterpriseDataError (Chinese, naming
    file, sheet, row, column and reason) on anything the import would refuse."""
    p = Path(path)
    name = file_name or p.name
    try:
        sheets = read_table(p)
    except ReadError as exc:
        raise EnterpriseDataError(f"文件 {name}：{exc.args[0]}") from exc
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise EnterpriseDataError(f"文件 {name}：没有第{sheet + 1}个数据工作表")
        chosen = sheets[sheet]
    elif isinstance(sheet, str):
        hit = [s for s in sheets if s.name == sheet]
        if not hit:
            raise EnterpriseDataError(f"文件 {name}：没有名为“{sheet}”的工作表")
        chosen = hit[0]
    else:  # by content: the first sheet whose header holds a credit-code column
        hit = [s for s in sheets if any((enterprise_header(h) or Header("")).code == "credit_code" for h in s.header if h)]
        chosen = hit[0] if hit else sheets[0]
    from gaoxin.ingest.validate import _excel_errors
    errors = _excel_errors(name, chosen)  # #DIV/0!, #N/A … are refused by cell, as the import does
    if errors:
        e = errors[0]
        raise EnterpriseDataError(f"{_where(name, chosen.name)} 第{e.row}行 列“{e.column}”：{e.reason}"
                                  + (f"（共 {len(errors)} 个错误值单元格）" if len(errors) > 1 else ""))
    return frame_from_sheet(name, chosen.name, chosen.header, chosen.frame, as_of_year, labels=chosen.labels)


def frame_from_sheet(file: str, sheet: str | None, header: list[str], raw: pd.DataFrame,
                     as_of_year: int | None, labels: dict[str, str] | None = None) -> pd.DataFrame:
    where = _where(file, sheet)
    year_col = next((h for h in header if h in YEAR_HEADERS), None)
    parsed: dict[str, Header] = {}
    unknown = []
    for h in header:
        if not h or h in IGNORED or h == year_col:
            continue
        hd = enterprise_header(h)
        if hd is None:
            unknown.append(h)
        else:
            parsed[h] = hd
    if unknown:
        sugg = [s for s in (suggest_header(u) for u in unknown[:5]) if s]
        shown = [(labels or {}).get(u, u) for u in unknown[:5]]  # as the user wrote them
        raise EnterpriseDataError(f"{where}：无法识别的列“{'”、“'.join(shown)}”。"
                                  + (f"{'；'.join(sugg)}？" if sugg else "")
                                  + "列名应为字段代码或中文名称，年度字段加 _y0/_y1/_y2 或年份后缀（如“营业收入_2025”），"
                                  "计量单位可写在括号中（如“营业收入（元）”）")
    if not any(hd.code == "credit_code" for hd in parsed.values()):
        raise EnterpriseDataError(f"{where}：缺少“统一社会信用代码”列")
    rows = raw.index.to_numpy()
    years = None
    if year_col is not None:
        years = np.zeros(len(raw), dtype="int64")
        for i, v in enumerate(raw[year_col].to_numpy(dtype=object)):
            from gaoxin.ingest.clean import clean_year
            try:
                years[i] = clean_year(v)
            except CleanError as exc:
                raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{year_col}”：{exc.args[0]}") from exc
    need_year = any(hd.year is not None for hd in parsed.values()) or year_col is not None
    if need_year and as_of_year is None:
        if years is not None and len(years):
            as_of_year = int(years.max())
        else:
            raise EnterpriseDataError(f"{where}：列按年份命名，请用 --year 指定评价年度")
    out: dict[str, np.ndarray] = {}
    origin: dict[str, str] = {}
    codes = np.array([(clean_text(v) or "").upper() or None for v in raw[[h for h, hd in parsed.items()
                                                                          if hd.code == "credit_code"][0]].to_numpy(dtype=object)],
                     dtype=object)
    for h, hd in parsed.items():
        f = F.BY_CODE.get(hd.code)
        col = raw[h].to_numpy(dtype=object)
        if f is not None and f.kind == "annual":
            if hd.k is not None:
                ks = np.full(len(raw), hd.k)
            elif hd.year is not None:
                ks = np.full(len(raw), as_of_year - hd.year)
            elif years is not None:
                ks = as_of_year - years
            else:
                ks = np.zeros(len(raw), dtype="int64")
            vals = _numbers(col, f, hd.unit, h, where, rows)
            for k in np.unique(ks):
                if k < 0:
                    continue  # a later year than the as-of year is not used
                target = f"{hd.code}_y{int(k)}"
                if target in origin and origin[target] != h and years is None:
                    raise EnterpriseDataError(f"{where}：列“{origin[target]}”与列“{h}”是同一字段，请只保留一列")
                arr = out.get(target, np.full(len(raw), np.nan))
                sel = ks == k
                arr[sel] = np.where(np.isnan(vals[sel]), arr[sel], vals[sel])
                out[target], origin[target] = arr, h
            continue
        target = hd.code
        if target in origin:
            raise EnterpriseDataError(f"{where}：列“{origin[target]}”与列“{h}”是同一字段，请只保留一列")
        origin[target] = h
        if target == "credit_code":
            out[target] = codes
        elif target == "founded":
            out[target] = _dates(col, h, where, rows)
        elif target == "is_demo" or (f is not None and f.dtype == "bool"):
            out[target] = _bools(col, h, where, rows)
        elif f is not None:
            out[target] = _numbers(col, f, hd.unit, h, where, rows)
        elif target == "zone_code":
            out[target] = np.array([_zone(v) for v in col], dtype=object)
        elif target == "county_code":
            out[target] = np.array([_region(v) for v in col], dtype=object)
        else:
            out[target] = np.array([clean_text(v) for v in col], dtype=object)
    ok = check_many(codes)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{origin['credit_code']}”：{credit_code_problem(codes[i])}"
                                  f"（共 {int((~ok).sum())} 行代码有误，整个文件未导入）")
    frame = pd.DataFrame(out)
    key = pd.Series(codes) if years is None else pd.Series(codes).astype(str) + "|" + pd.Series(years).astype(str)
    dup = key.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{origin['credit_code']}”：统一社会信用代码 {codes[i]} 重复"
                                  + ("（同一年份）" if years is not None else ""))
    if years is not None and len(frame):  # one row per enterprise and year → one row per enterprise
        frame = frame.groupby("credit_code", sort=False, as_index=False).first()
    return complete_frame(frame, as_of_year)


def _numbers(col, f, unit, h, where, rows) -> np.ndarray:
    factor = unit_factor(unit, f.unit)
    if factor is None:
        raise EnterpriseDataError(f"{where}：列“{h}”中的计量单位“{unit}”与字段“{f.name}”的单位“{f.unit}”不一致")
    out = np.full(len(col), np.nan)
    for i, v in enumerate(col):
        try:
            out[i] = clean_number(v, unit or f.unit) * factor
        except CleanError as exc:
            raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{h}”：“{v}”不是数值（{exc.args[0]}）") from exc
        if out[i] != out[i]:
            continue
        reason = plausibility_problem(f.code, out[i])
        if reason:
            raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{h}”：“{v}”{reason}")
    return out


def plausibility_problem(code: str, value: float) -> str | None:
    """A hard plausibility rule of gaoxin/reference/fields.yaml broken by `value` (in the field's unit)."""
    from gaoxin.reference import field_rules
    rule = field_rules().get(code)
    if rule is None:
        return None
    lo, hi = rule.get("min"), rule.get("max")
    from gaoxin.ingest.soft import fmt
    if lo is not None and value < lo:
        return f"低于允许的最小值 {fmt(float(lo))}（{rule['label']}）"
    if hi is not None and value > hi:
        return f"超过允许的最大值 {fmt(float(hi))}（{rule['label']}）"
    if rule.get("integer") and not float(value).is_integer():
        return f"应为整数（{rule['label']}）"
    return None


def _bools(col, h, where, rows) -> np.ndarray:
    out = np.empty(len(col), dtype=object)
    for i, v in enumerate(col):
        try:
            out[i] = parse_bool(v)
        except CleanError as exc:
            raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{h}”：“{v}”应为 是/否") from exc
    return out


def _dates(col, h, where, rows) -> np.ndarray:
    from gaoxin.ingest.validate import founding_date
    out = np.empty(len(col), dtype=object)
    for i, v in enumerate(col):
        if clean_text(v) is None:
            out[i] = None
            continue
        try:
            out[i] = pd.Timestamp(founding_date(v))
        except ValueError as exc:
            raise EnterpriseDataError(f"{where} 第{rows[i]}行 列“{h}”：{exc.args[0]}") from exc
    return out


def _code_of(v, finder):
    """The reference code of a zone or region written by name (the text itself when unknown)."""
    t = clean_text(v)
    if t is None:
        return None
    hit = finder(t)
    return t if hit is None else str(hit["code"])


def _zone(v):
    from gaoxin.reference import find_zone
    return _code_of(v, find_zone)


def _region(v):
    from gaoxin.reference import find_region
    return _code_of(v, find_region)


__all__ = ["EnterpriseDataError", "Header", "enterprise_header", "read_enterprise_file", "suggest_header",
           "TRUE_WORDS", "FALSE_WORDS"]

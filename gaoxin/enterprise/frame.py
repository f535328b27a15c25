"""Building the wide enterprise frame: from generated / stored long data, or from a user's file.

Wide layout (the same as `gaoxin.store.repo.enterprise_frame`): static columns (credit_code, name,
zone_code, county_code, industry, new_track, founded, is_demo, static facts) and `<field>_y<k>` for
the annual fields, y0 = the as-of year. `frame.attrs["as_of_year"]` records the year.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from gaoxin.credit_code import check_many, credit_code_problem
from gaoxin.enterprise import fields as F


# the same words the import (gaoxin.ingest) accepts for 是/否 fields
TRUE_WORDS = {"是", "有", "true", "yes", "y", "1", "1.0", "√", "✓"}
FALSE_WORDS = {"否", "无", "没有", "false", "no", "n", "0", "0.0", "×"}


class EnterpriseDataError(ValueError):
    """Bad enterprise input; the message (Chinese) names file, sheet, row, column and reason."""


def frame_from_generated(static: pd.DataFrame, annual: pd.DataFrame, as_of_year: int,
                         years_back: int = 3) -> pd.DataFrame:
    """Wide frame from (static_frame, annual_long_frame) as `generate_enterprises` returns them."""
    wide = static.reset_index(drop=True).copy()
    a = annual[(annual["period"] <= as_of_year) & (annual["period"] > as_of_year - years_back)]
    k = (as_of_year - a["period"].to_numpy()).astype(int)
    pos = pd.Index(wide["credit_code"]).get_indexer(a["credit_code"])
    codes = a["indicator_code"].to_numpy()
    vals = a["value"].to_numpy(dtype=float)
    keep = pos >= 0
    for code in pd.unique(codes):  # one vectorised scatter per field, not per enterprise
        m = keep & (codes == code)
        for kk in range(years_back):
            mk = m & (k == kk)
            col = np.full(len(wide), np.nan)
            col[pos[mk]] = vals[mk]
            wide[f"{code}_y{kk}"] = col
    for code in F.ANNUAL_CODES:  # absent fields exist as all-missing columns
        for kk in range(years_back):
            if f"{code}_y{kk}" not in wide:
                wide[f"{code}_y{kk}"] = np.nan
    wide.attrs["as_of_year"] = int(as_of_year)
    return wide


_YEAR_SUFFIX = re.compile(r"^(?P<base>.+?)\s*(?:[_\-]?y(?P<k>\d)|[_\-]?(?P<year>(?:19|20)\d\d)年?|[（(](?P<year2>(?:19|20)\d\d)年?[)）])$")


def _map_headers(columns, as_of_year: int | None, where: str) -> dict[str, str | None]:
    """Original header → wide column name (None: a column to ignore, e.g. a year after the as-of year)."""
    hmap = F.header_map()
    out: dict[str, str] = {}
    unknown = []
    for col in columns:
        c = str(col).strip()
        if c in hmap and (hmap[c] not in F.BY_CODE or F.BY_CODE[hmap[c]].kind == "static"):
            out[col] = hmap[c]  # a base column or a static fact
            continue
        m = _YEAR_SUFFIX.match(c)
        if m and m.group("base").strip() in hmap and hmap[m.group("base").strip()] in F.ANNUAL_CODES:
            code = hmap[m.group("base").strip()]
            if m.group("k") is not None:
                k = int(m.group("k"))
            else:
                year = int(m.group("year") or m.group("year2"))
                if as_of_year is None:
                    raise EnterpriseDataError(f"{where}：列“{c}”按年份命名，请用 --year 指定评价年度")
                k = as_of_year - year
                if k < 0:
                    out[col] = None  # a later year than the as-of year is not used
                    continue
            out[col] = f"{code}_y{k}"
            continue
        if c in hmap:  # an annual field without a year: the as-of year
            out[col] = f"{hmap[c]}_y0"
            continue
        unknown.append(c)
    if unknown:
        raise EnterpriseDataError(f"{where}：无法识别的列“{'”、“'.join(unknown[:5])}”。"
                                  "列名应为字段代码或中文名称，年度字段加 _y0/_y1/_y2 或年份后缀（如“营业收入_2025”）")
    return out


def read_enterprise_file(path: str | Path, as_of_year: int | None = None, sheet: str | int | None = 0) -> pd.DataFrame:
    """Read an xlsx/csv enterprise file (Chinese or English headers) into the wide frame.

    Refuses the whole file with a Chinese message when a credit code is forged or malformed, or a
    value is not a number.
    """
    p = Path(path)
    if not p.exists():
        raise EnterpriseDataError(f"文件 {p} 不存在")
    sheet_name = None
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            with pd.ExcelFile(p, engine="calamine") as xl:
                sheet_name = xl.sheet_names[sheet] if isinstance(sheet, int) else sheet
            raw = pd.read_excel(p, sheet_name=sheet_name, dtype=object, engine="calamine")
        except Exception as exc:  # noqa: BLE001 - any read failure is reported in Chinese
            raise EnterpriseDataError(f"文件 {p.name} 无法读取：{exc}") from exc
    elif p.suffix.lower() == ".csv":
        try:
            raw = pd.read_csv(p, dtype=object, encoding="utf-8-sig")
        except UnicodeDecodeError:  # Excel on Chinese Windows saves CSV as GBK
            raw = pd.read_csv(p, dtype=object, encoding="gb18030")
        except Exception as exc:  # noqa: BLE001
            raise EnterpriseDataError(f"文件 {p.name} 无法读取：{exc}") from exc
    else:
        raise EnterpriseDataError(f"文件 {p.name}：不支持的格式“{p.suffix}”，请使用 .xlsx 或 .csv")
    where = f"文件 {p.name}" + (f" 工作表“{sheet_name}”" if sheet_name is not None else "")
    keep = raw.notna().to_numpy().any(axis=1)            # blank rows are skipped
    row_no = np.flatnonzero(keep) + 2                     # spreadsheet row numbers (header is row 1)
    raw = raw[keep].reset_index(drop=True)
    mapping = _map_headers(raw.columns, as_of_year, where)
    raw = raw.drop(columns=[c for c, v in mapping.items() if v is None])
    mapping = {c: v for c, v in mapping.items() if v is not None}
    if len(set(mapping.values())) < len(mapping):
        seen: dict[str, str] = {}
        for c, v in mapping.items():
            if v in seen:
                raise EnterpriseDataError(f"{where}：列“{seen[v]}”与列“{c}”是同一字段，请只保留一列")
            seen[v] = c
    raw = raw.rename(columns=mapping)
    if "credit_code" not in raw:
        raise EnterpriseDataError(f"{where}：缺少“统一社会信用代码”列")
    header_of = {v: k for k, v in mapping.items()}
    codes = raw["credit_code"].astype(object).where(raw["credit_code"].notna(), None)
    codes = codes.map(lambda c: c.strip().upper() if isinstance(c, str) else c)
    ok = check_many(codes.to_numpy())
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        reason = credit_code_problem(codes.iloc[i])
        raise EnterpriseDataError(f"{where} 第{row_no[i]}行 列“{header_of['credit_code']}”：{reason}"
                                  f"（共 {int((~ok).sum())} 行代码有误，整个文件未导入）")
    dup = codes.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise EnterpriseDataError(f"{where} 第{row_no[i]}行 列“{header_of['credit_code']}”：统一社会信用代码 {codes.iloc[i]} 重复")
    raw["credit_code"] = codes
    for col in raw.columns:
        if col in F.BASE_COLUMNS and col not in ("founded", "is_demo"):
            continue
        if col == "founded":
            d = pd.to_datetime(raw[col], errors="coerce")
            bad = d.isna() & raw[col].notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise EnterpriseDataError(f"{where} 第{row_no[i]}行 列“{header_of[col]}”：“{raw[col].iloc[i]}”不是日期")
            raw[col] = d
            continue
        code = col.rsplit("_y", 1)[0] if col not in F.BY_CODE else col
        f = F.BY_CODE.get(code)
        if col == "is_demo" or (f is not None and f.dtype == "bool"):
            s = raw[col].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" else
                             (True if str(v).strip().lower() in TRUE_WORDS else
                              False if str(v).strip().lower() in FALSE_WORDS else "bad"))
            if (s == "bad").any():
                i = int(np.flatnonzero((s == "bad").to_numpy())[0])
                raise EnterpriseDataError(f"{where} 第{row_no[i]}行 列“{header_of[col]}”：“{raw[col].iloc[i]}”应为 是/否")
            raw[col] = s.astype(object)
            continue
        v = pd.to_numeric(raw[col].map(lambda x: str(x).replace(",", "").strip() if isinstance(x, str) else x), errors="coerce")
        bad = v.isna() & raw[col].notna() & (raw[col].astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise EnterpriseDataError(f"{where} 第{row_no[i]}行 列“{header_of[col]}”：“{raw[col].iloc[i]}”不是数值")
        raw[col] = v.astype(float)
    for c in F.BASE_COLUMNS:
        if c not in raw:
            raw[c] = False if c == "is_demo" else None
    for code in F.ANNUAL_CODES:
        for kk in range(3):
            if f"{code}_y{kk}" not in raw:
                raw[f"{code}_y{kk}"] = np.nan
    raw["is_demo"] = raw["is_demo"].fillna(False).astype(bool)
    if as_of_year is not None:
        raw.attrs["as_of_year"] = int(as_of_year)
    return raw

"""Loaders and writers for the engine's three public file formats (the only I/O in gaoxin.index)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from .steps import DataError


def read_data(path: str | Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Wide (unit, [name, year, groups…], <codes…>) or long (unit, indicator, year, value) data."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"找不到数据文件：{path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(path, dtype={"unit": str}, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xls", ".xlsm"):
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype={"unit": str}, engine="calamine")
        else:
            raise DataError(f"数据文件 {path} 的格式不支持（应为 .csv 或 .xlsx）")
    except (ValueError, OSError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"无法读取数据文件 {path}：{exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    if "unit" not in df.columns:
        raise DataError(f"数据文件 {path}" + (f" 工作表 {sheet}" if sheet else "") + " 缺少 unit 列（单位代码）")
    if {"indicator", "value"} <= set(df.columns):
        if "period" in df.columns and "year" not in df.columns:   # the store's name for the year
            df = df.rename(columns={"period": "year"})
        return long_to_wide(df, str(path))
    return df


def long_to_wide(df: pd.DataFrame, where: str = "") -> pd.DataFrame:
    keys = ["unit"] + (["year"] if "year" in df.columns else [])
    dup = df.duplicated(keys + ["indicator"])
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{where} 第 {i + 2} 行：单位 {df['unit'].iloc[i]} 的指标 {df['indicator'].iloc[i]} 重复")
    wide = df.pivot(index=keys, columns="indicator", values="value").reset_index()
    wide.columns.name = None
    extra = [c for c in df.columns if c not in keys + ["indicator", "value"]]
    if extra:  # name / group columns: one value per unit-year
        wide = wide.merge(df[keys + extra].drop_duplicates(keys), on=keys, how="left")
    return wide


def read_yaml(path: str | Path, what: str) -> dict:
    path = Path(path)
    if not path.exists():
        raise DataError(f"找不到{what}文件：{path}")
    try:
        out = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{what}文件 {path} 不是有效的 YAML：{exc}") from None
    return out or {}


def write_table(frame: pd.DataFrame, path: str | Path, meta: dict | None = None) -> Path:
    """CSV (utf-8 with BOM so Excel shows Chinese) or JSON (records plus the method spec)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        body = dict(meta or {})
        body["results"] = json.loads(frame.to_json(orient="records", force_ascii=False))
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    elif path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        raise DataError(f"输出文件 {path} 的扩展名应为 .csv 或 .json")
    return path

"""File reading and writing for the evaluation engine's command line (`gaoxin index …`).

The engine (gaoxin.index) is pure and reads no files; this shell module reads its three public file
formats — data (CSV / xlsx, wide or long), YAML settings (method spec, uncertainty inputs) — and
writes result tables (CSV with BOM for Excel, or JSON with the method spec). Errors a user can cause
are the engine's DataError with a Chinese message naming the file.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from gaoxin.index.steps import DataError

__all__ = ["DataError", "read_data", "long_to_wide", "read_yaml", "write_table", "write_json", "read_framework",
           "read_spec"]

log = logging.getLogger(__name__)


def _yaml_problem(exc) -> str:
    """Where a YAML file is malformed, in Chinese; the parser's English text goes to the log only."""
    log.info("YAML 解析错误：%s", exc)
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近格式有误（请检查缩进、冒号和引号）"
    return "格式有误（请检查缩进、冒号和引号）"


def _read_problem(exc: Exception) -> str:
    log.info("读取文件失败：%r", exc)
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    if isinstance(exc, UnicodeDecodeError):
        return "文件编码不是 UTF-8（请在 Excel 中另存为“CSV UTF-8”）"
    if isinstance(exc, OSError):
        return "文件无法打开"
    return "文件已损坏或不是有效的 CSV/Excel 文件"


def read_data(path: str | Path, sheet: str | int | None = None):
    """Wide (unit, [name, year, groups…], <codes…>) or long (unit, indicator, year, value) data."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DataError(f"找不到数据文件：{path}")
    suffix = path.suffix.lower()
    import zipfile

    from python_calamine import CalamineError

    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(path, dtype={"unit": str}, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xls", ".xlsm"):
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype={"unit": str}, engine="calamine")
        else:
            raise DataError(f"数据文件 {path} 的格式不支持（应为 .csv 或 .xlsx）")
    except (ValueError, OSError, CalamineError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"无法读取数据文件 {path}：{_read_problem(exc)}") from None
    df.columns = [str(c).strip() for c in df.columns]
    if "unit" not in df.columns:
        raise DataError(f"数据文件 {path}" + (f" 工作表 {sheet}" if sheet else "") + " 缺少 unit 列（单位代码）")
    if {"indicator", "value"} <= set(df.columns):
        if "period" in df.columns and "year" not in df.columns:   # the store's name for the year
            df = df.rename(columns={"period": "year"})
        return long_to_wide(df, str(path))
    return df


def long_to_wide(df, where: str = ""):
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
    import yaml

    path = Path(path)
    if not path.exists():
        raise DataError(f"找不到{what}文件：{path}")
    try:
        out = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{what}文件 {path} 不是有效的 YAML：{_yaml_problem(exc)}") from None
    return out or {}


def write_table(frame, path: str | Path, meta: dict | None = None) -> Path:
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


def write_json(body: dict, path: str | Path) -> Path:
    """A JSON document (already JSON-ready: plain dicts, lists, numbers, strings, None)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_framework(source: str | Path):
    """A framework (gaoxin.index.Framework) from a YAML file path, or a shipped framework by name."""
    import yaml

    from gaoxin.index.framework import FrameworkError, load_framework, parse_framework

    path = Path(source)
    if not path.exists() and not str(source).endswith((".yaml", ".yml")) and "/" not in str(source):
        return load_framework(str(source))          # a shipped (or $GAOXIN_HOME) framework name
    if not path.exists():
        raise FrameworkError(f"找不到框架文件：{path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FrameworkError(f"框架文件 {path} 不是有效的 YAML：{_yaml_problem(exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"无法读取框架文件 {path}：{_read_problem(exc)}") from None
    try:
        return parse_framework(raw, name=path.stem)
    except FrameworkError as exc:
        raise FrameworkError(f"框架文件 {path}：{exc}") from None


def read_spec(path: str | Path | None):
    """A method spec (gaoxin.index.MethodSpec) from a YAML file, or the defaults for None."""
    import yaml

    from gaoxin.index.spec import SpecError, load_spec

    if path is None:
        return load_spec(None)
    path = Path(path)
    if not path.exists():
        raise SpecError(f"找不到方法设定文件：{path}")
    where = f"方法设定文件 {path}："
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}不是有效的 YAML：{_yaml_problem(exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{where}无法读取：{_read_problem(exc)}") from None
    return load_spec(raw, where)

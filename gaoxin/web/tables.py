"""One response helper for every table: JSON by default, Excel with ?format=xlsx."""
from __future__ import annotations

import math
from urllib.parse import quote

import pandas as pd
from fastapi import HTTPException
from fastapi.responses import JSONResponse, Response

from gaoxin.reports.excel import frame_to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _clean(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def records(df: pd.DataFrame) -> list[dict]:
    cols = list(df.columns)
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    # RFC 5987 so Chinese file names survive
    disp = f"attachment; filename=\"export\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disp})


def table_response(df: pd.DataFrame, fmt: str | None, filename: str, *, demo: bool = False,
                   labels: dict[str, str] | None = None, extra: dict | None = None):
    if fmt in (None, "", "json"):
        body = {"columns": list(df.columns), "labels": labels or {}, "rows": records(df),
                "is_demo": demo, **(extra or {})}
        return JSONResponse(body)
    if fmt == "xlsx":
        out = df.rename(columns=labels or {})
        return attachment(frame_to_xlsx({filename[:31]: out}, demo=demo, title=filename), f"{filename}.xlsx", XLSX)
    raise HTTPException(400, f"不支持的格式“{fmt}”，可选 json 或 xlsx")

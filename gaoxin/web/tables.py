"""One response helper for every table: JSON by default, Excel with ?format=xlsx."""
from __future__ import annotations

from urllib.parse import quote

import pandas as pd
from fastapi.responses import JSONResponse, Response

from gaoxin.reports.excel import frame_to_xlsx
from gaoxin.services.errors import ServiceError
from gaoxin.services.frames import records
from gaoxin.services.reports import DOCX, XLSX  # noqa: F401 - the media types, for the routes


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    # RFC 5987 so Chinese file names survive
    disp = f"attachment; filename=\"export\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disp})


def table_response(df: pd.DataFrame, fmt: str | None, filename: str, *, demo: bool = False,
                   labels: dict[str, str] | None = None, extra: dict | None = None, xlsx_frame=None):
    """`xlsx_frame`: a function giving the frame as an Excel export shows it (codes the page needs for
    its links replaced by names or left out); the JSON keeps them."""
    if fmt in (None, "", "json"):
        body = {"columns": list(df.columns), "labels": labels or {}, "rows": records(df),
                "is_demo": demo, **(extra or {})}
        return JSONResponse(body)
    if fmt == "xlsx":
        out = (xlsx_frame(df) if xlsx_frame else df).rename(columns=labels or {})
        return attachment(frame_to_xlsx({filename[:31]: out}, demo=demo, title=filename), f"{filename}.xlsx", XLSX)
    raise ServiceError(f"不支持的格式“{fmt}”，可选 json 或 xlsx")

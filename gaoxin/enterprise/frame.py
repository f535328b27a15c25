"""Building the wide enterprise frame: from generated / stored long data, or from a user's file.

Wide layout (the same as `gaoxin.store.repo.enterprise_frame`): static columns (credit_code, name,
zone_code, county_code, industry, new_track, founded, is_demo, static facts) and `<field>_y<k>` for
the annual fields, y0 = the as-of year. `frame.attrs["as_of_year"]` records the year.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from gaoxin.enterprise import fields as F


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


def complete_frame(raw: pd.DataFrame, as_of_year: int | None = None, years_back: int = 3) -> pd.DataFrame:
    """Complete a wide frame read by `gaoxin.ingest.enterprise_file` (or built by hand): every base
    column and every annual field column exists, `is_demo` is boolean, `attrs["as_of_year"]` is set."""
    raw = raw.copy()
    for c in F.BASE_COLUMNS:
        if c not in raw:
            raw[c] = False if c == "is_demo" else None
    for code in F.ANNUAL_CODES:
        for kk in range(years_back):
            if f"{code}_y{kk}" not in raw:
                raw[f"{code}_y{kk}"] = np.nan
    raw["is_demo"] = raw["is_demo"].map(lambda v: bool(v) if v is not None and v == v else False).astype(bool)
    if as_of_year is not None:
        raw.attrs["as_of_year"] = int(as_of_year)
    return raw

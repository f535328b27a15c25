"""Synthetic zone observations (示例数据) for every leaf indicator of every shipped framework.

Pure: zones and framework leaves in, a long frame out. Magnitudes are plausible, not real: a
national zone is larger than a provincial one, Changsha's larger than others, values trend upwards
over the years, and a few cells are missing so that the engine's missing-data handling shows."""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

YEARS = tuple(range(2019, 2026))
MISSING_RATE = 0.03
CITY_FACTOR = {"430100": 1.6, "430200": 1.25, "430300": 1.2}  # 长沙、株洲、湘潭 (长株潭) are larger
LEVEL_FACTOR = {"国家级": 2.2, "省级": 1.0}


def indicator_profile(leaf: dict) -> tuple[str, float, float]:
    """(shape, typical provincial-zone value, annual drift) guessed from the indicator's name.

    shape: score (questionnaire / expert rating 0–100), ratio (%), growth (% change), count, amount."""
    name = str(leaf.get("name", ""))
    st = str(leaf.get("source_type", ""))
    unit = str(leaf.get("unit") or "")
    if st in ("调查", "定性") or "评价" in name or "状况" in name:
        return "score", 72.0, 0.01
    if "增速" in name or "增长" in name:
        return "growth", 12.0, 0.0
    if unit == "%" or "占比" in name or "比例" in name or "比重" in name or "覆盖" in name:
        return "ratio", 35.0, 0.02
    if "额" in name or "收入" in name or "支出" in name or "投入" in name or "元" in unit:
        return "amount", 50000.0, 0.09
    if "万人" in name or "人均" in name or "万元" in name:
        return "rate", 25.0, 0.06
    return "count", 60.0, 0.08


def zone_observations(zones: pd.DataFrame, leaves: list[dict], seed: int,
                      years: tuple[int, ...] = YEARS) -> pd.DataFrame:
    """Long frame [unit_type, unit_code, indicator_code, period, value, unit_of_measure] for
    zones × years × leaves. Deterministic for `seed`; vectorised over zones and years."""
    zones = zones.sort_values("code").reset_index(drop=True)
    nz, ny = len(zones), len(years)
    rng = np.random.default_rng(seed)
    size = (zones["level"].map(LEVEL_FACTOR).fillna(1.0).to_numpy()
            * zones["city_code"].map(CITY_FACTOR).fillna(1.0).to_numpy()
            * rng.lognormal(0.0, 0.25, nz))
    quality = rng.normal(0.0, 1.0, nz)  # a zone's general standing, shared by all its indicators
    t = np.arange(ny)
    parts = []
    seen = set()
    for leaf in leaves:
        code = str(leaf["code"])
        if code in seen:
            continue
        seen.add(code)
        # each indicator gets its own stream so adding an indicator does not shift the others
        r = np.random.default_rng([seed, zlib.crc32(code.encode())])
        shape, typical, drift = indicator_profile(leaf)
        noise = r.normal(0.0, 1.0, (nz, ny))
        if shape == "score":
            v = np.clip(typical + 8 * quality[:, None] + 4 * noise + 1.2 * t, 30, 100)
        elif shape == "growth":
            v = typical + 4 * quality[:, None] + 6 * noise
        elif shape == "ratio":
            base = typical * np.exp(0.25 * quality + r.normal(0, 0.2, nz))
            v = np.clip(base[:, None] * (1 + drift) ** t * np.exp(0.05 * noise), 0.5, 99.0)
        else:
            growth = drift + 0.03 * quality + r.normal(0, 0.02, nz)
            base = typical * size * np.exp(0.3 * quality)
            v = base[:, None] * (1 + growth[:, None]) ** t * np.exp(0.06 * noise)
            if shape == "count":
                v = np.round(v)
        v = np.round(v, 2)
        keep = r.random((nz, ny)) >= MISSING_RATE
        zi, yi = np.nonzero(keep)
        parts.append(pd.DataFrame({"unit_type": "zone", "unit_code": zones["code"].to_numpy()[zi],
                                   "indicator_code": code, "period": np.asarray(years)[yi],
                                   "value": v[zi, yi], "unit_of_measure": leaf.get("unit")}))
    if not parts:
        return pd.DataFrame(columns=["unit_type", "unit_code", "indicator_code", "period", "value",
                                     "unit_of_measure"])
    return pd.concat(parts, ignore_index=True)

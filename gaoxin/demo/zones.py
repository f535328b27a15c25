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


# (keyword in the indicator name, shape, typical value for a provincial zone, yearly drift); first match
# wins. Synthetic magnitudes for demo data only: they come from no document and drive no policy.
NAME_PROFILES = (
    ("万元销售收入中", "rate", 250.0, 0.03),     # 元 of R&D per 万元 of sales (≈2.5 %)
    ("万人拥有", "rate", 2500.0, 0.03),           # graduates per 10,000 employees
    ("万人", "rate", 25.0, 0.06),                 # new patents / IP per 10,000 employees
    ("人均", "rate", 1.5, 0.08),                  # 万元 per employee
    ("增速", "growth", 12.0, 0.0),
    ("增长", "growth", 12.0, 0.0),
    ("占比", "ratio", 35.0, 0.02),
    ("比例", "ratio", 15.0, 0.02),
    ("比重", "ratio", 30.0, 0.02),
    ("覆盖", "ratio", 60.0, 0.03),
    ("投入额", "amount", 8000.0, 0.09),          # 万元
    ("金额", "amount", 150000.0, 0.09),          # 万元
    ("额", "amount", 50000.0, 0.09),
    ("收入", "amount", 500000.0, 0.09),
    ("支出", "amount", 8000.0, 0.09),
)


def indicator_profile(leaf: dict) -> tuple[str, float, float]:
    """(shape, typical provincial-zone value, annual drift) guessed from the indicator's name.

    shape: score (questionnaire / expert rating 0–100; also a dimension the source leaves without
    sub-indicators), ratio (%), growth (% change), rate (per 10,000 / per head), count, amount."""
    name = str(leaf.get("name", ""))
    st = str(leaf.get("source_type", ""))
    if st in ("调查", "定性") or "评价" in name or "状况" in name or leaf.get("missing"):
        return "score", 72.0, 0.01
    if str(leaf.get("unit") or "") == "%":
        return "ratio", 35.0, 0.02
    for word, shape, typical, drift in NAME_PROFILES:
        if word in name:
            return shape, typical, drift
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
        elif shape == "rate":  # intensities scale with quality, not with the zone's size
            base = typical * np.exp(0.3 * quality + r.normal(0, 0.15, nz))
            v = base[:, None] * (1 + drift) ** t * np.exp(0.05 * noise)
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

"""Synthetic actuals (示例数据) for plan targets: for each target's scope unit and each unit of its
decomposition, a yearly series from the baseline towards the target — some units ahead of plan,
some on track, some behind, a few years missing. Pure: target records in, a long frame out."""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

LAST_YEAR = 2025          # the latest year demo data covers
PACE = (("ahead", 1.12, 0.04), ("on_track", 1.0, 0.03), ("behind", 0.8, 0.06))
PACE_P = (0.3, 0.4, 0.3)
MISSING_RATE = 0.08


def _pace(r: np.random.Generator) -> float:
    i = r.choice(len(PACE), p=PACE_P)
    return float(r.normal(PACE[i][1], PACE[i][2]))


def _path(r, kind: str, base: float, target: float | None, y0: int, ty: int, years: np.ndarray,
          pace: float, decreasing: bool) -> np.ndarray:
    """Values for `years` going from `base` at y0 towards `target` at ty at `pace` (1 = on plan)."""
    frac = np.clip((years - y0) / max(ty - y0, 1), 0, None)
    if kind in ("growth", "doubling") or target is None:
        rate = (target / 100.0 if (kind == "growth" and target is not None) else 0.26) * pace
        v = base * (1 + rate) ** (years - y0)
    else:
        v = base + (target - base) * frac * pace
    v = v * np.exp(r.normal(0, 0.02, len(years)))
    if kind in ("share", "coverage"):
        v = np.clip(v, 0, 100)
    return v


def _baseline(r, t: dict) -> float:
    b, tv, kind = t.get("baseline_value"), t.get("target_value"), t["kind"]
    if b is not None and b == b:
        return float(b)
    if tv is None or tv != tv:
        return float(np.round(r.uniform(50, 500)))
    if kind == "growth":
        return float(np.round(r.uniform(50, 500)))
    if t.get("comparator") in ("<=", "<"):
        return float(tv) * r.uniform(1.1, 1.4)
    return float(tv) * r.uniform(0.55, 0.85)


def target_actuals(targets: list[dict], parts: pd.DataFrame, seed: int,
                   last_year: int = LAST_YEAR) -> pd.DataFrame:
    """targets: dicts with id, indicator_code, kind, comparator, unit, scope_type, scope_code,
    baseline_year, baseline_value, target_year, target_value. parts: [target_id, unit_type,
    unit_code, year, value]. Returns long [unit_type, unit_code, indicator_code, period, value,
    unit_of_measure], one row per key (the first target naming a key wins)."""
    rows = []
    for t in sorted(targets, key=lambda x: x["id"]):
        r = np.random.default_rng([seed, zlib.crc32(t["id"].encode())])
        ty = int(t["target_year"])
        y0 = int(t["baseline_year"]) if t.get("baseline_year") else ty - 3
        years = np.arange(max(y0, 2016), min(last_year, ty + 3) + 1)
        decreasing = t.get("comparator") in ("<=", "<")
        if t.get("scope_code") and len(years):
            base = _baseline(r, t)
            tv = t.get("target_value")
            tv = None if tv is None or tv != tv else float(tv)
            v = _path(r, t["kind"], base, tv, y0, ty, years, _pace(r), decreasing)
            v[years == y0] = base
            keep = r.random(len(years)) >= MISSING_RATE
            keep[years == y0] = True
            rows.append(pd.DataFrame({"unit_type": t["scope_type"], "unit_code": t["scope_code"],
                                      "indicator_code": t["indicator_code"], "period": years[keep],
                                      "value": np.round(v[keep], 2), "unit_of_measure": t.get("unit")}))
        tp = parts[parts["target_id"] == t["id"]] if len(parts) else parts
        for (ut, uc), g in tp.groupby(["unit_type", "unit_code"], sort=True):
            g = g.dropna(subset=["value"]).sort_values("year")
            if g.empty:
                continue
            pace = _pace(r)
            py = g["year"].to_numpy().astype(int)
            pv = g["value"].to_numpy(dtype=float)
            first = int(py[0]) - 1
            # the year before the decomposition starts, then each planned year at this unit's pace
            ys = np.concatenate([[first], py])
            vs = np.concatenate([[pv[0] * r.uniform(0.8, 0.95)], pv * pace * np.exp(r.normal(0, 0.03, len(pv)))])
            keep = (ys <= last_year) & (r.random(len(ys)) >= MISSING_RATE)
            if t["kind"] == "count":
                vs = np.round(vs)
            rows.append(pd.DataFrame({"unit_type": ut, "unit_code": uc, "indicator_code": t["indicator_code"],
                                      "period": ys[keep], "value": np.round(vs[keep], 2),
                                      "unit_of_measure": t.get("unit")}))
    if not rows:
        return pd.DataFrame(columns=["unit_type", "unit_code", "indicator_code", "period", "value",
                                     "unit_of_measure"])
    out = pd.concat(rows, ignore_index=True)
    out["period"] = out["period"].astype("int64")
    return out.drop_duplicates(["unit_type", "unit_code", "indicator_code", "period"]).reset_index(drop=True)

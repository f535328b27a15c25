"""Synthetic actuals (示例数据) for plan targets, shaped the way `gaoxin.targets.progress` reads them.

For each target's scope unit and each unit of its decomposition a yearly series is drawn with a pace
profile — ahead of plan, on track, behind, seriously behind — plus a few missing years. What is
written per kind (see `gaoxin.targets.progress`):
- level / share / count / coverage: the level each year, from the baseline towards the target;
- growth (年均增长 g %): the underlying level (e.g. R&D spending in 亿元), growing at about g × pace;
- doubling: the level, growing at the rate that doubles it by the target year × pace;
- cumulative (期内累计): the amount added each year (flows), about target / years × pace, since the
  core sums the flows of the period;
- annual (每年不低于): each year's value, about the yearly target × pace;
- "each zone at least n" (members): each member zone's level; the category's own series is the
  weakest member (每个…都要达到 holds only if the minimum does).
Pure: target records in, a long frame out; deterministic for the seed (one stream per target id)."""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

LAST_YEAR = 2025          # the latest year demo data covers
FIRST_YEAR = 2016         # no series starts earlier (seed 001's base year)
# (name, mean pace, sd, probability): pace 1 = exactly on plan
PROFILES = (("ahead", 1.12, 0.05, 0.25), ("on_track", 0.98, 0.025, 0.35), ("behind", 0.78, 0.05, 0.25),
            ("severe", 0.45, 0.10, 0.15))
MISSING_RATE = 0.08
COUNT_UNITS = {"家", "个", "件", "项", "支", "人", "名", "所"}
COLUMNS = ["unit_type", "unit_code", "indicator_code", "period", "value", "unit_of_measure"]
# fields the reference plans hold but the Target table has no column for
SPEC_FIELDS = ("periodicity", "period_start", "period_end", "multiple", "level_unit", "applies_to")


def _pace(r: np.random.Generator) -> float:
    i = r.choice(len(PROFILES), p=[p[3] for p in PROFILES])
    return float(max(r.normal(PROFILES[i][1], PROFILES[i][2]), 0.05))


def _num(v) -> float | None:
    return None if v is None or v != v else float(v)


def _enrich(targets: list[dict]) -> list[dict]:
    """Add the plan fields the Target table lacks (periodicity, period, multiple, level unit, applies_to)
    from the shipped plans, where the caller did not pass them."""
    if all(all(k in t for k in SPEC_FIELDS) for t in targets):
        return targets
    try:
        from gaoxin.targets.plans import load_targets
        ref = {t.id: t for t in load_targets()}
    except Exception:  # noqa: BLE001 — a broken plan file must not stop the demo; defaults apply
        ref = {}
    out = []
    for t in targets:
        t = dict(t)
        spec = ref.get(t["id"])
        if spec is not None:
            t.setdefault("periodicity", spec.periodicity)
            t.setdefault("period_start", spec.period_start)
            t.setdefault("period_end", spec.period_end)
            t.setdefault("multiple", spec.multiple)
            t.setdefault("level_unit", spec.spec.get("level_unit"))
            t.setdefault("applies_to", spec.applies_to)
        out.append(t)
    return out


def _baseline(r, t: dict) -> float:
    b, tv, kind = _num(t.get("baseline_value")), _num(t.get("target_value")), t["kind"]
    if b is not None:
        return b
    if tv is None or kind in ("growth", "doubling"):
        return float(np.round(r.uniform(50, 500)))
    if t.get("comparator") in ("<=", "<"):
        return tv * r.uniform(1.1, 1.4)
    if kind in ("count",) and tv <= 10:  # a handful to reach: start from none or a few
        return float(np.floor(tv * r.uniform(0.0, 0.6)))
    return tv * r.uniform(0.55, 0.85)


def _is_count(t: dict) -> bool:
    return t["kind"] == "count" or (t.get("unit") in COUNT_UNITS and t["kind"] != "growth")


def _finish(t: dict, v: np.ndarray) -> np.ndarray:
    if t["kind"] in ("share", "coverage") or t.get("unit") == "%" and t["kind"] != "growth":
        v = np.clip(v, 0, 100)
    v = np.clip(v, 0, None)
    return np.round(v) if _is_count(t) else np.round(v, 2)


POST_DEADLINE = 0.4  # after its target year an indicator keeps moving, at this share of the plan's speed


def _time(years: np.ndarray, y0: int, ty: int) -> np.ndarray:
    """Years since the base year, counting those after the target year at POST_DEADLINE speed."""
    dt = (np.minimum(years, ty) - y0).astype(float)
    return dt + POST_DEADLINE * np.clip(years - ty, 0, None)


def _rate(t: dict, pace: float) -> float:
    if t["kind"] == "growth":
        return ((_num(t.get("target_value")) or 8.0) / 100.0) * pace
    span = max(int(t["target_year"]) - int(t.get("baseline_year") or t["target_year"] - 3), 1)
    return ((_num(t.get("multiple")) or 2.0) ** (1 / span) - 1) * pace


def _scope_series(r, t: dict, years: np.ndarray, y0: int, ty: int, pace: float,
                  anchor: tuple[int, float] | None = None) -> np.ndarray:
    """The scope unit's yearly values for `years` (see the module docstring for what each kind holds).
    `anchor` (year, level): another target's figure for the same series, which a growth / doubling
    target without a printed baseline scales its made-up base to."""
    kind = t["kind"]
    tv = _num(t.get("target_value"))
    base = _baseline(r, t)
    span = max(ty - y0, 1)
    dt = _time(years, y0, ty)
    if kind == "cumulative":
        start = int(_num(t.get("period_start")) or y0 + 1)
        end = int(_num(t.get("period_end")) or ty)
        n = max(end - start + 1, 1)
        mean = (tv if tv is not None else 100.0) / n * pace
        # flows rise through the period (0.85 → 1.15 of the mean) with noise
        trend = 0.85 + 0.3 * np.clip((years - start) / max(n - 1, 1), 0, 1)
        return mean * trend * np.exp(r.normal(0, 0.08, len(years)))
    if t.get("periodicity") == "annual":
        level = (tv if tv is not None else base) * (pace if t.get("comparator") not in ("<=", "<") else 1 / pace)
        v = level * np.exp(r.normal(0, 0.04, len(years)))
        v[years <= y0] = level * r.uniform(0.8, 0.95)
        return v
    if kind in ("growth", "doubling"):
        rate = _rate(t, pace)
        if anchor is not None and _num(t.get("baseline_value")) is None:
            base = anchor[1] / (1 + rate) ** float(_time(np.array([anchor[0]]), y0, ty)[0]) * r.uniform(0.9, 1.1)
        return base * (1 + rate) ** dt * np.exp(r.normal(0, 0.01, len(years)) * (dt > 0))
    target = tv if tv is not None else base * 1.3
    # noise relative to the distance to go, so that a small step (4.85 % → 5 %) is not drowned
    frac = dt / span
    return base + (target - base) * (frac * pace + r.normal(0, 0.03, len(years)) * (dt > 0))


def _frame(ut, uc, t: dict, years, values, keep) -> pd.DataFrame:
    unit = t.get("level_unit") if t["kind"] == "growth" and t.get("level_unit") else t.get("unit")
    return pd.DataFrame({"unit_type": ut, "unit_code": str(uc), "indicator_code": t["indicator_code"],
                         "period": np.asarray(years)[keep], "value": np.asarray(values)[keep],
                         "unit_of_measure": unit})


def _order(t: dict) -> tuple:
    # where two targets share a series (每年新增10亿元 and 累计50亿元 of the same flow) the cumulative
    # one draws it, so that both read flows of a sensible size
    return (0 if t["kind"] == "cumulative" else 1, t["id"])


def target_actuals(targets: list[dict], parts: pd.DataFrame, seed: int,
                   last_year: int = LAST_YEAR) -> pd.DataFrame:
    """targets: dicts with id, indicator_code, kind, comparator, unit, scope_type, scope_code,
    baseline_year, baseline_value, target_year, target_value (and optionally periodicity, period_start,
    period_end, multiple, level_unit, applies_to — else read from the shipped plans). parts: [target_id,
    unit_type, unit_code, year, value]. Returns long [unit_type, unit_code, indicator_code, period, value,
    unit_of_measure], one row per key (the first target naming a key wins)."""
    targets = _enrich(targets)
    # a level figure printed for a series (baseline, else 80 % of a target) anchors growth / doubling
    # targets on the same series that print no baseline (seed 001's 翻番 vs seed 000's 7800 家)
    anchors: dict[tuple, tuple[int, float]] = {}
    for t in sorted(targets, key=lambda x: x["id"]):
        if t["kind"] in ("growth", "doubling", "cumulative") or t.get("periodicity") == "annual":
            continue
        key = (t.get("scope_type"), str(t.get("scope_code")), t["indicator_code"])
        if _num(t.get("baseline_value")) is not None and t.get("baseline_year"):
            anchors[key] = (int(t["baseline_year"]), float(t["baseline_value"]))
        elif _num(t.get("target_value")) is not None and key not in anchors:
            anchors[key] = (int(t["target_year"]), 0.8 * float(t["target_value"]))
    rows = []
    for t in sorted(targets, key=_order):
        r = np.random.default_rng([seed, zlib.crc32(t["id"].encode())])
        ty = int(t["target_year"])
        y0 = int(t["baseline_year"]) if t.get("baseline_year") else ty - 3
        years = np.arange(max(y0, FIRST_YEAR), last_year + 1)
        tp = parts[parts["target_id"] == t["id"]].dropna(subset=["value"]) if len(parts) else parts
        members = (t.get("applies_to") == "each" and len(tp) > 0
                   and tp.groupby(["unit_type", "unit_code"])["year"].nunique().max() == 1)
        member_values = []
        for (ut, uc), g in tp.groupby(["unit_type", "unit_code"], sort=True):
            pace = _pace(r)
            if members and t["kind"] == "growth":
                # 每个高新区年均增长 g %: each member zone's own level (level_unit, e.g. 亿元) growing at g × pace
                v = r.uniform(2.0, 30.0) * (1 + _rate(t, pace)) ** np.clip(_time(years, y0, ty), 0, None)
                v = _finish(t, v * np.exp(r.normal(0, 0.01, len(years))))
                keep = r.random(len(years)) >= MISSING_RATE
                keep[years == y0] = True
                rows.append(_frame(ut, uc, t, years, v, keep))
                continue
            if members:
                # each member zone's level from a low start towards the required value at its pace
                need = float(g["value"].iloc[0])
                start = np.floor(need * r.uniform(0.0, 0.6)) if _is_count(t) else need * r.uniform(0.3, 0.7)
                v = start + (need - start) * np.clip(_time(years, y0, ty) / max(ty - y0, 1), 0, None) * pace
                v = _finish(t, v * np.exp(r.normal(0, 0.02, len(years))))
                member_values.append(v)
                keep = r.random(len(years)) >= MISSING_RATE
                rows.append(_frame(ut, uc, t, years, v, keep))
                continue
            g = g.sort_values("year")
            py = g["year"].to_numpy().astype(int)
            pv = g["value"].to_numpy(dtype=float)
            # the year before the decomposition starts, then each planned year at this unit's pace
            ys = np.concatenate([[py[0] - 1], py])
            vs = np.concatenate([[pv[0] * r.uniform(0.8, 0.95)], pv * pace * np.exp(r.normal(0, 0.03, len(pv)))])
            keep = (ys <= last_year) & (r.random(len(ys)) >= MISSING_RATE)
            rows.append(_frame(ut, uc, t, ys, _finish(t, vs), keep))
        if t.get("scope_code") and len(years):
            if members and member_values:
                v = np.min(np.vstack(member_values), axis=0)   # every member must reach it: the weakest decides
            else:
                anchor = anchors.get((t.get("scope_type"), str(t.get("scope_code")), t["indicator_code"]))
                v = _finish(t, _scope_series(r, t, years, y0, ty, _pace(r), anchor))
                b = _num(t.get("baseline_value"))
                if b is not None and t["kind"] != "cumulative":
                    v[years == y0] = b
            keep = r.random(len(years)) >= MISSING_RATE
            keep[years == y0] = True
            rows.append(_frame(t["scope_type"], t["scope_code"], t, years, v, keep))
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out["period"] = out["period"].astype("int64")
    return out.drop_duplicates(["unit_type", "unit_code", "indicator_code", "period"]).reset_index(drop=True)

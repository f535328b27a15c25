"""Soft plausibility checks: values that are possible but suspicious. Pure functions (frames in,
Chinese reasons out); the rules are data in gaoxin/reference/fields.yaml.

A warning does not refuse a file: the import stops before writing and asks for a confirmation
(`gaoxin import --accept-warnings`, or 确认导入 on the upload page). Three kinds:
- a value outside the soft range [soft_min, soft_max] of its field or unit;
- a value more than `magnitude_ratio` (1,000) times away from the usual magnitude of the same unit's
  other values of that indicator (stored earlier or elsewhere in the file), or — for zones, counties,
  cities — from the indicator's usual magnitude across units: the 元/万元 (and 万元/亿元) mistake;
- a percentage-looking number (38.3) in an indicator kept as a fraction (0.383), or a column of
  fractions (0.383) in an indicator kept in percent points (38.3).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gaoxin.ingest.clean import normalize_text


def settings() -> dict:
    """magnitude_ratio, min_peers and fraction_kept (a set of indicator codes) of fields.yaml."""
    from gaoxin.reference import _field_rules_raw
    raw = _field_rules_raw()
    soft = raw.get("soft") or {}
    return {"magnitude_ratio": float(soft.get("magnitude_ratio", 1000)),
            "min_peers": int(soft.get("min_peers", 5)),
            "fraction_kept": set((raw.get("fraction_kept") or {}).get("codes") or [])}


def _rule(code: str | None, unit: str | None) -> dict | None:
    from gaoxin.reference import field_rules, unit_rules
    return field_rules().get(code or "") or unit_rules().get(normalize_text(unit) if unit else "")


def fmt(v: float) -> str:
    """A number as officials write it: 1,000,000,000 / 5,200 / 0.383 (no exponent below 10^16)."""
    if v != v:
        return ""
    if abs(v) >= 1e16 or (0 < abs(v) < 1e-4):
        return f"{v:.3g}"
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def soft_range(code: str | None, unit: str | None, vals: np.ndarray) -> np.ndarray:
    """Per value: None, or the Chinese reason it lies outside the soft range of its rule."""
    vals = np.asarray(vals, dtype="float64")
    out = np.full(len(vals), None, dtype=object)
    rule = _rule(code, unit)
    if rule is None:
        return out
    lo, hi = rule.get("soft_min"), rule.get("soft_max")
    label = rule.get("soft_label") or rule.get("label", "")
    if lo is not None:
        out[vals < float(lo)] = f"低于通常范围的下限 {fmt(float(lo))}（{label}）"
    if hi is not None:
        out[(out == None) & (vals > float(hi))] = f"超过通常范围的上限 {fmt(float(hi))}（{label}）"  # noqa: E711
    return out


def percent_mismatch(raw: pd.Series, vals: np.ndarray, code: str, unit: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: (None, None), or why the number looks like the wrong one of percent points / fraction
    and what to write instead. `raw` are the cells as read, `vals` the numbers in the indicator's unit."""
    from gaoxin.ingest.clean import is_percent_unit
    vals = np.asarray(vals, dtype="float64")
    out = np.full(len(vals), None, dtype=object)
    hint = np.full(len(vals), None, dtype=object)
    fraction = code in settings()["fraction_kept"]
    if not fraction and not is_percent_unit(unit):
        return out, hint
    written_pct = np.fromiter((isinstance(v, str) and normalize_text(v).rstrip().endswith("%") for v in raw.to_numpy(dtype=object)),
                              dtype=bool, count=len(raw))
    finite = ~np.isnan(vals)
    if fraction:
        m = finite & ~written_pct & (np.abs(vals) > 1) & (np.abs(vals) <= 100)
        for i in np.flatnonzero(m):
            out[i] = f"该指标按小数记录（38.3% 记为 0.383），{fmt(vals[i])} 像是百分数"
            hint[i] = f"如是百分数，请写成“{fmt(vals[i])}%”或 {fmt(vals[i] / 100)}"
    elif is_percent_unit(unit):
        plain = finite & ~written_pct
        nonzero = plain & (vals != 0)
        # every plain value of the column within ±1 and not all whole numbers: a column of fractions
        if nonzero.sum() >= 2 and (np.abs(vals[plain]) <= 1).all() and not np.all(np.mod(vals[nonzero], 1) == 0):
            for i in np.flatnonzero(nonzero):
                out[i] = f"该指标以百分数记录（单位为“%”，38.3% 记为 38.3），{fmt(vals[i])} 像是小数形式的比例"
                hint[i] = f"如指 {fmt(vals[i] * 100)}%，请填 {fmt(vals[i] * 100)} 或“{fmt(vals[i] * 100)}%”"
    return out, hint


UNIT_HINT = "可能把“元”填成了“万元”（或相反），请核对计量单位和小数点"


def magnitude(long: pd.DataFrame, history: pd.DataFrame | None, names: dict[str, str],
              ratio: float | None = None, min_peers: int | None = None) -> list[tuple[int, str]]:
    """[(position in `long`, Chinese reason)] (the suggestion is UNIT_HINT) for values more than `ratio` times away from their usual
    magnitude. `long` has unit_type, unit_code, indicator_code, period, value; `history` the same
    columns for values already stored (its rows with the keys of `long` are ignored: they are being
    replaced). `names` maps indicator codes to Chinese names."""
    cfg = settings()
    ratio = ratio or cfg["magnitude_ratio"]
    min_peers = min_peers or cfg["min_peers"]
    limit = math.log10(ratio)
    keys = ["unit_type", "unit_code", "indicator_code"]
    if not len(long):
        return []
    v = long["value"].to_numpy(dtype="float64")
    usable = np.isfinite(v) & (v != 0)
    if not usable.any():
        return []
    cur = pd.DataFrame({k: long[k].to_numpy() for k in keys + ["period"]})
    cur["lv"] = np.where(usable, np.log10(np.abs(np.where(usable, v, 1.0))), np.nan)
    cur["pos"] = np.arange(len(long))
    cur = cur[usable]
    frames = [cur]
    if history is not None and len(history):
        h = history[keys + ["period", "value"]].copy()
        hv = h["value"].to_numpy(dtype="float64")
        ok = np.isfinite(hv) & (hv != 0)
        h = h[ok]
        h["lv"] = np.log10(np.abs(hv[ok]))
        h["pos"] = -1
        replaced = pd.MultiIndex.from_frame(cur[keys + ["period"]])
        h = h[~pd.MultiIndex.from_frame(h[keys + ["period"]]).isin(replaced)]
        frames.append(h.drop(columns=["value"]))
    allv = pd.concat(frames, ignore_index=True) if len(frames) > 1 else cur.reset_index(drop=True)
    g = allv.groupby(keys, sort=False)["lv"]
    med = g.transform("median").to_numpy()
    n = g.transform("size").to_numpy()
    dev = np.abs(allv["lv"].to_numpy() - med)
    pos = allv["pos"].to_numpy()
    mine = pos >= 0
    # two values: each is half the gap from their mean, so the gap itself is compared
    own_hit = mine & (((n >= 3) & (dev > limit)) | ((n == 2) & (2 * dev > limit)))
    out: list[tuple[int, str]] = []
    for i in np.flatnonzero(own_hit):
        usual = 10 ** (med[i] if n[i] >= 3 else 2 * med[i] - allv["lv"].iat[i])
        code = allv["indicator_code"].iat[i]
        out.append((int(pos[i]), f"与该单位“{names.get(code, code)}”的其他年份数值（约 {fmt(usual)}）相差超过"
                                 f"{ratio:,.0f}倍"))
    # units without a history of their own (not enterprises): the indicator's magnitude across units
    alone = mine & (n == 1) & (allv["unit_type"].to_numpy() != "enterprise")
    if alone.any():
        per_unit = allv.groupby(keys, sort=False)["lv"].median().reset_index()
        pg = per_unit.groupby(["unit_type", "indicator_code"], sort=False)["lv"]
        peers = pd.DataFrame({"med": pg.median(), "cnt": pg.size()})
        idx = pd.MultiIndex.from_arrays([allv["unit_type"].to_numpy()[alone], allv["indicator_code"].to_numpy()[alone]])
        got = peers.reindex(idx)
        pm, pc = got["med"].to_numpy(), got["cnt"].to_numpy()
        lv = allv["lv"].to_numpy()[alone]
        hit = (pc >= min_peers) & (np.abs(lv - pm) > limit)
        for j, i in enumerate(np.flatnonzero(alone)):
            if hit[j]:
                code = allv["indicator_code"].iat[i]
                out.append((int(pos[i]), f"与其他单位“{names.get(code, code)}”的一般数值（约 {fmt(10 ** pm[j])}）相差超过"
                                         f"{ratio:,.0f}倍"))
    return sorted(out)

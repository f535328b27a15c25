"""Innovation points (企业创新积分): a transparent percentile-in-peer-group model, 0–1000 points.

Model in data (gaoxin/reference/rules/innovation_points.yaml): indicators (quantities of
gaoxin.enterprise.derive) in the Torch Center's three groups 技术创新 / 成长经营 / 辅助, group weights
per stage (初创期 / 成长期 / 稳定期), a peer group (industry × stage). Each indicator is scored as the
enterprise's percentile among its peers (share of peers with a strictly lower value, 0–1); points =
scale × Σ_group w_group(stage) × Σ_ind w_ind × percentile / Σ_ind w_ind. Vectorised with groupby ranks.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gaoxin.enterprise.derive import Quantities
from gaoxin.enterprise.rules import RULES_DIR, RuleError


@lru_cache(maxsize=4)
def load_points_model(path: str | None = None) -> dict:
    p = Path(path) if path else RULES_DIR / "innovation_points.yaml"
    with open(p, encoding="utf-8") as fh:
        model = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    stages = [s["code"] for s in model["stages"]]
    total = {s: sum(g["weight"][s] for g in model["groups"]) for s in stages}
    for s, t in total.items():
        if abs(t - 1.0) > 1e-9:
            raise RuleError(f"积分模型 {p.name}：阶段 {s} 的一级指标权重之和为 {t}，应为 1")
    groups = {g["code"] for g in model["groups"]}
    for ind in model["indicators"]:
        if ind["group"] not in groups:
            raise RuleError(f"积分模型 {p.name}：指标 {ind['code']} 的分组“{ind['group']}”未定义")
        if "weight" not in ind:
            raise RuleError(f"积分模型 {p.name}：指标 {ind['code']} 缺少权重 weight")
    # every setting of the model is in the file: the code assumes no default
    for key in ("min_peer_group_size", "missing_as_percentile", "scale"):
        if key not in model:
            raise RuleError(f"积分模型 {p.name} 缺少设置“{key}”")
    return model


def stage_of(q: Quantities, model: dict) -> np.ndarray:
    """Stage code per enterprise by the model's ordered rules (first match)."""
    age, rev = q["age_years"], q["revenue_y0"]
    out = np.full(q.n, model["stages"][-1]["code"], dtype=object)
    done = np.zeros(q.n, dtype=bool)
    for s in model["stages"]:
        m = ~done
        w = s.get("when") or {}
        if "age_years_below" in w:
            m &= age < w["age_years_below"]
        if "revenue_below" in w:
            m &= rev < w["revenue_below"]
        out[m] = s["code"]
        done |= m
    return out


def _percentile(values: np.ndarray, gcodes: np.ndarray, ngroups: int, missing_as: float) -> np.ndarray:
    """Share of the peer group with a strictly lower value (0 = lowest, 1 = highest); one sort, no loop.

    `gcodes` are integer peer-group codes (0..ngroups-1). Missing values get `missing_as`; an
    enterprise alone in its group (no peers with data) gets 0.5.
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, float(missing_as))
    idx = np.flatnonzero(~np.isnan(v))
    if not len(idx):
        return out
    vi = v[idx]
    if vi.min() >= 0 and vi.max() <= 255 and np.all(vi == np.floor(vi)):
        # small whole numbers (counts, flags, levels): count per (group, value), no sort
        lv = vi.astype(np.int64)
        L = int(lv.max()) + 1
        key = gcodes[idx].astype(np.int64) * L + lv
        counts = np.bincount(key, minlength=ngroups * L).reshape(ngroups, L)
        below_tab = np.cumsum(counts, axis=1) - counts          # peers in the group with a lower value
        n_g = counts.sum(axis=1)
        g = gcodes[idx]
        below = below_tab[g, lv]
        cnt = n_g[g]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[idx] = np.where(cnt > 1, below / np.maximum(cnt - 1, 1), 0.5)
        return out
    order = idx[np.lexsort((vi, gcodes[idx]))]
    gs, vs = gcodes[order], v[order]
    cnt = np.bincount(gs, minlength=ngroups)[gs]
    start = np.searchsorted(gs, gs, side="left")          # first position of the group (gs is sorted)
    pos = np.arange(len(order))
    new = np.ones(len(order), dtype=bool)
    new[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
    first_of_tie = np.maximum.accumulate(np.where(new, pos, 0))
    below = first_of_tie - start                           # peers with a strictly lower value
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(cnt > 1, below / np.maximum(cnt - 1, 1), 0.5)
    out[order] = pct
    return out


def innovation_points(frame: pd.DataFrame, model: dict | None = None, as_of: int | None = None,
                      quantities: Quantities | None = None) -> pd.DataFrame:
    """Points 0–scale per enterprise with stage, peer group, grade and per-indicator/group breakdown.

    Columns: credit_code, name, zone_code, industry, stage, stage_name, peer_group, points, grade,
    grade_name, rank_in_peer (1 = best), percentile_in_peer, group_<code> (points from each group),
    pct_<indicator> (percentile 0–1) for every indicator.
    """
    model = model or load_points_model()
    if quantities is None:
        if as_of is None:
            as_of = int(frame.attrs.get("as_of_year", pd.Timestamp.now().year - 1))
        quantities = Quantities(frame, as_of)
    q = quantities
    stage = stage_of(q, model)
    stage_names = {s["code"]: s["name"] for s in model["stages"]}
    keys = [frame[c].astype(str).to_numpy() if c in frame else np.full(q.n, "") for c in model["peer_group"] if c != "stage"]
    peer = pd.Series(stage, dtype=object)
    for k in keys:
        peer = peer + "|" + pd.Series(k, dtype=object)
    # small peer groups fall back to the stage, then to all enterprises: a percentile needs peers
    min_size = model["min_peer_group_size"]
    peer = peer.where(peer.map(peer.value_counts()) >= min_size, pd.Series(stage, dtype=object))
    peer = peer.where(peer.map(peer.value_counts()) >= min_size, "全部")
    missing_as = float(model["missing_as_percentile"])
    gcodes, guniq = pd.factorize(peer)
    ng = len(guniq)

    out = pd.DataFrame({"credit_code": frame["credit_code"].to_numpy()})
    for c in ("name", "zone_code", "county_code", "industry"):
        if c in frame:
            out[c] = frame[c].to_numpy()
    out["stage"] = stage
    out["stage_name"] = pd.Series(stage).map(stage_names).to_numpy()
    out["peer_group"] = peer.to_numpy()
    scale = float(model["scale"])
    total = np.zeros(q.n)
    for g in model["groups"]:
        inds = [i for i in model["indicators"] if i["group"] == g["code"]]
        wsum = sum(float(i["weight"]) for i in inds)
        gscore = np.zeros(q.n)
        for ind in inds:
            pct = _percentile(q[ind["code"]], gcodes, ng, missing_as)
            out[f"pct_{ind['code']}"] = pct
            gscore += float(ind["weight"]) / wsum * pct
        gw = pd.Series(stage).map(g["weight"]).to_numpy(dtype=float)
        pts = scale * gw * gscore
        out[f"group_{g['code']}"] = pts
        total += pts
    out["points"] = np.round(total, 1)
    grade = np.full(q.n, model["grades"][-1]["grade"], dtype=object)
    gname = np.full(q.n, model["grades"][-1]["name"], dtype=object)
    for gr in reversed(model["grades"]):  # ascending thresholds: later (higher) overwrite
        m = out["points"].to_numpy() >= gr["min"]
        grade[m] = gr["grade"]
        gname[m] = gr["name"]
    out["grade"] = grade
    out["grade_name"] = gname
    pr = _percentile(-out["points"].to_numpy(), gcodes, ng, 0.0)   # share of peers with more points
    cnt = np.bincount(gcodes, minlength=ng)[gcodes]
    out["rank_in_peer"] = np.rint(pr * np.maximum(cnt - 1, 0)).astype(int) + 1
    out["percentile_in_peer"] = _percentile(out["points"].to_numpy(), gcodes, ng, 0.0)
    return out

"""Cultivation pool (培育库): enterprises close to a rung, ranked by how little they lack.

Seed 003 四、（一）2（1） “发现一批、认定一批、发布一批、服务一批”; seed 004 三、（二）1 高新技术企业培育库.
For each enterprise not (yet) passing a rung, the engine finds the cheapest way through the rule
tree (for an `any` group, the branch with the fewest failed conditions, then the smallest gap) and
reports each failed condition's exact gap. A failed veto condition (e.g. a major violation) keeps the
enterprise out of the pool.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gaoxin.enterprise.derive import REGISTRY
from gaoxin.enterprise.judge import Judgement, _fmt
from gaoxin.enterprise.rules import FAIL, OP_ZH, PASS, STATUS_NAMES, UNKNOWN, Leaf, Node, RuleError

_BIG = 1e6


def _leaf_gap(leaf: Leaf) -> np.ndarray:
    """Relative gap of a failed leaf (0 when not failed; inf for a failed veto)."""
    fail = leaf.status == FAIL
    t = leaf.threshold
    if leaf.op in (">=", ">"):
        diff = t - leaf.value_hi
    elif leaf.op in ("<=", "<"):
        diff = leaf.value_lo - t
    else:
        diff = np.ones(leaf.status.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(diff) / np.maximum(np.abs(t), 1e-9) if leaf.op != "==" else diff
    rel = np.where(np.isfinite(rel), np.minimum(rel, 100.0), 100.0)
    if leaf.veto:
        rel = np.where(fail, np.inf, 0.0)
    return np.where(fail, rel, 0.0)


def _walk(node: Node, memo: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_failed, gap, n_unknown) of the cheapest path through `node`."""
    if node.kind == "leaf":
        lf = node.leaf
        out = ((lf.status == FAIL).astype(np.int16), _leaf_gap(lf), (lf.status == UNKNOWN).astype(np.int16))
    else:
        kids = [_walk(c, memo) for c in node.children]
        if node.kind == "all":
            out = (sum(k[0] for k in kids), sum(k[1] for k in kids), sum(k[2] for k in kids))
        else:
            key = np.stack([k[0] * _BIG + np.minimum(k[1], _BIG - 1) for k in kids])
            # a passing branch costs nothing; prefer it
            key = np.where(np.stack([c.status == PASS for c in node.children]), -1.0, key)
            best = key.argmin(axis=0)
            memo[id(node)] = best
            pick = lambda arrs: np.choose(best, arrs)  # noqa: E731
            out = (pick([k[0] for k in kids]), pick([k[1] for k in kids]), pick([k[2] for k in kids]))
    return out


def gap_text(leaf: Leaf, i: int) -> str:
    """“研发费用占比 3.20%，需 ≥ 4.00%，差 0.80 个百分点 ≈ 96.00万元”."""
    t = leaf.threshold[i] if isinstance(leaf.threshold, np.ndarray) else leaf.threshold
    lo, hi = float(leaf.value_lo[i]), float(leaf.value_hi[i])
    if leaf.op == "==":
        return f"{leaf.name}：不满足"
    v = hi if leaf.op in (">=", ">") else lo
    diff = abs(t - v)
    if leaf.unit == "分" and leaf.op in (">", "<"):
        diff += 1  # scores are whole points (工作指引): "> 70" needs 71
    shown = _fmt(v, leaf.unit) if lo == hi else f"{lo:g}–{hi:g}分"
    head = f"{leaf.name}：{shown}，需 {OP_ZH[leaf.op]} {_fmt(t, leaf.unit)}"
    if leaf.unit == "%":
        s = f"{head}，差 {diff * 100:.2f} 个百分点"
        if leaf.amount_base is not None and not math.isnan(leaf.amount_base[i]):
            base_q = REGISTRY.get(REGISTRY[leaf.quantity].amount_base) if leaf.quantity in REGISTRY else None
            unit = base_q.unit if base_q else "万元"
            amount = diff * leaf.amount_base[i]
            if unit == "人":  # whole people: round up
                s += f" ≈ {math.ceil(amount - 1e-9):,}人"
            else:
                s += f" ≈ {amount:,.2f}{unit}"
        return s
    if leaf.unit is None:
        return f"{head}，差 {diff:g}"
    return f"{head}，差 {_fmt(diff, leaf.unit)}"


def _gaps_for(node: Node, i: int, memo: dict, out: list, unknown: list) -> None:
    if node.kind == "leaf":
        st = int(node.status[i])
        if st == FAIL:
            out.append(gap_text(node.leaf, i))
        elif st == UNKNOWN:
            unknown.append(node.leaf.name)
        return
    if node.kind == "all":
        for c in node.children:
            _gaps_for(c, i, memo, out, unknown)
    else:
        _gaps_for(node.children[int(memo[id(node)][i])], i, memo, out, unknown)


def _max_failed(j: Judgement) -> int:
    """The pool's cut-off from index.yaml settings.pool.max_failed_conditions (no code default)."""
    pool_settings = j.rules.settings.get("pool") or {}
    if "max_failed_conditions" not in pool_settings:
        raise RuleError("规则索引文件 index.yaml 的 settings.pool 缺少“max_failed_conditions”（培育库最多差几项条件）")
    return int(pool_settings["max_failed_conditions"])


def pool(j: Judgement, rung: str = "高新技术企业", top: int | None = 100, max_failed: int | None = None,
         include_unknown: bool = False) -> pd.DataFrame:
    """Enterprises not passing `rung` but within `max_failed` failed conditions, closest first.

    With `include_unknown`, enterprises that fail nothing but cannot be judged (missing data) are
    listed too (n_failed = 0, “待补充数据”).

    Columns: credit_code, name, zone_code, rung, status, n_failed, n_unknown, gap_score, gaps (list of
    Chinese gap texts), unknown (conditions that cannot be judged for missing data).
    """
    r = j.rung(rung)
    if max_failed is None:
        max_failed = _max_failed(j)
    memo: dict = {}
    nf, gap, nu = _walk(r.tree, memo)
    # a zone's own rule: enterprises of other zones are not candidates for it
    cand = (r.status != PASS) & np.isfinite(gap) & (nf <= max_failed) & r.applies(j.n)
    if not include_unknown:
        cand &= nf >= 1
    idx = np.flatnonzero(cand)
    order = np.lexsort((gap[idx], nf[idx]))
    idx = idx[order]
    if top is not None:
        idx = idx[:top]
    rows = []
    for i in idx:  # only the selected few enterprises get texts
        gaps: list[str] = []
        unk: list[str] = []
        _gaps_for(r.tree, int(i), memo, gaps, unk)
        rows.append({
            "credit_code": j.frame["credit_code"].iloc[i], "name": j.frame["name"].iloc[i] if "name" in j.frame else None,
            "zone_code": j.frame["zone_code"].iloc[i] if "zone_code" in j.frame else None,
            "rung": r.name, "status": STATUS_NAMES[int(r.status[i])], "n_failed": int(nf[i]),
            "n_unknown": int(nu[i]), "gap_score": float(gap[i]), "gaps": gaps, "unknown": unk,
        })
    return pd.DataFrame(rows, columns=["credit_code", "name", "zone_code", "rung", "status", "n_failed",
                                       "n_unknown", "gap_score", "gaps", "unknown"])


def pool_sizes(j: Judgement, max_failed: int | None = None) -> pd.DataFrame:
    """Per rung: passing, in the pool (1..max_failed failed conditions), cannot tell."""
    if max_failed is None:
        max_failed = _max_failed(j)
    rows = []
    for r in j.rungs:
        nf, gap, _ = _walk(r.tree, {})
        ok = r.applies(j.n)
        rows.append({"rung": r.name, "pass": int((r.status == PASS).sum()),
                     "pool": int(((r.status != PASS) & np.isfinite(gap) & (nf >= 1) & (nf <= max_failed) & ok).sum()),
                     "unknown": int(((r.status == UNKNOWN) & ok).sum())})
    return pd.DataFrame(rows)

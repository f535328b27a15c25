"""Recognition rules as cited data, and their vectorised three-valued evaluation.

A rung file (gaoxin/reference/rules/<rung>.yaml) has `conditions`: a tree of `all:` / `any:` groups
whose leaves compare a quantity (gaoxin.enterprise.derive) or a score with a threshold. Every leaf
carries `source:`. Thresholds may depend on another quantity (`threshold_bands`, e.g. the 高企
R&D ratio by latest-year revenue). Scores (`scores:`) are banded tables giving a [lo, hi] range per
part, so an expert-scored part or a missing value widens the range instead of guessing.

Three-valued logic: FAIL = 0, UNKNOWN = 1, PASS = 2; `all` is the minimum, `any` the maximum
(Kleene). A missing value (NaN) gives UNKNOWN, never FAIL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gaoxin.enterprise.derive import RANGES, REGISTRY, Quantities

FAIL, UNKNOWN, PASS = 0, 1, 2
STATUS_NAMES = {FAIL: "fail", UNKNOWN: "unknown", PASS: "pass"}
STATUS_ZH = {FAIL: "不符合", UNKNOWN: "无法判断", PASS: "符合"}
OPS = (">=", ">", "<=", "<", "==")
OP_ZH = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}

RULES_DIR = Path(__file__).resolve().parent.parent / "reference" / "rules"


class RuleError(ValueError):
    """A rule file that cannot be used (message in Chinese, names the file and the entry)."""


# ------------------------------------------------------------------------------------- bands
def band_points(values: np.ndarray, bands: list[dict], default=(0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """Banded table → (lo, hi) points. First matching band wins; keys: min (≥), above (>), max (≤), below (<).

    NaN values are not matched by any band; callers turn them into the full [0, max] range.
    """
    lo = np.full(values.shape, float(default[0]))
    hi = np.full(values.shape, float(default[-1]))
    done = np.zeros(values.shape, dtype=bool)
    for b in bands:  # loop over a handful of bands, vectorised over enterprises
        m = np.ones(values.shape, dtype=bool)
        with np.errstate(invalid="ignore"):  # same 1e-9 relative tolerance as the comparisons
            if "min" in b:
                m &= values >= b["min"] - 1e-9 * max(abs(b["min"]), 1e-9)
            if "above" in b:
                m &= values > b["above"] + 1e-9 * max(abs(b["above"]), 1e-9)
            if "max" in b:
                m &= values <= b["max"] + 1e-9 * max(abs(b["max"]), 1e-9)
            if "below" in b:
                m &= values < b["below"] - 1e-9 * max(abs(b["below"]), 1e-9)
        m &= ~done
        pts = b["points"] if isinstance(b["points"], list) else [b["points"], b["points"]]
        lo[m] = pts[0]
        hi[m] = pts[-1]
        done |= m
    return lo, hi


@dataclass
class ScoreResult:
    lo: np.ndarray
    hi: np.ndarray
    parts: dict[str, tuple[np.ndarray, np.ndarray]]
    groups: dict[str, tuple[np.ndarray, np.ndarray]]


def evaluate_score(spec: dict, q: Quantities) -> ScoreResult:
    """A scoring table: parts with bands (or expert/unknown parts) → total [lo, hi] and group subtotals."""
    n = q.n
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for part in spec["parts"]:
        mx = float(part["max"])
        if "best_of" in part:  # the enterprise chooses the better of several tables (科小 研发投入)
            los, his = [], []
            for sub in part["best_of"]:
                v = q[sub["value"]]
                lo, hi = band_points(v, sub["bands"], sub.get("default", (0, 0)))
                nan = np.isnan(v)
                lo[nan], hi[nan] = 0.0, mx
                los.append(lo)
                his.append(hi)
            lo, hi = np.maximum.reduce(los), np.maximum.reduce(his)
        elif part.get("expert"):  # chosen by experts: a self-assessment if given, else the whole range
            v = q[part["value"]] if part.get("value") else np.full(n, np.nan)
            lo = np.where(np.isnan(v), 0.0, np.clip(v, 0, mx))
            hi = np.where(np.isnan(v), mx, np.clip(v, 0, mx))
        elif part.get("bands") is None:  # bands not published: a setting; the range stays open
            lo, hi = np.zeros(n), np.full(n, mx)
        else:
            v = q[part["value"]]
            lo, hi = band_points(v, part["bands"], part.get("default", (0, 0)))
            if "per_unit" in part:  # points per unit of value (e.g. 1 point per full 2 years), capped
                pts = np.clip(np.floor(np.nan_to_num(v) / part["per_unit"]), 0, mx)
                lo, hi = pts.copy(), pts.copy()
            nan = np.isnan(v)
            lo[nan], hi[nan] = 0.0, mx
        parts[part["id"]] = (np.minimum(lo, mx), np.minimum(hi, mx))
    groups: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for part in spec["parts"]:
        g = part.get("group")
        if g:
            lo, hi = parts[part["id"]]
            if g in groups:
                groups[g] = (groups[g][0] + lo, groups[g][1] + hi)
            else:
                groups[g] = (lo.copy(), hi.copy())
    for g, cap in (spec.get("group_caps") or {}).items():
        groups[g] = (np.minimum(groups[g][0], cap), np.minimum(groups[g][1], cap))
    if groups and spec.get("total_from_groups", True) and all(p.get("group") for p in spec["parts"]):
        lo = sum(v[0] for v in groups.values())
        hi = sum(v[1] for v in groups.values())
    else:
        lo = sum(v[0] for v in parts.values())
        hi = sum(v[1] for v in parts.values())
    return ScoreResult(np.asarray(lo, float), np.asarray(hi, float), parts, groups)


# ------------------------------------------------------------------------------- conditions
@dataclass
class Leaf:
    """One evaluated comparison."""
    id: str
    name: str
    op: str
    unit: str | None
    source: str
    value_lo: np.ndarray
    value_hi: np.ndarray
    threshold: np.ndarray | float
    status: np.ndarray          # int8 FAIL / UNKNOWN / PASS
    veto: bool = False          # a failure here keeps an enterprise out of the cultivation pool
    amount_base: np.ndarray | None = None
    quantity: str | None = None
    range_note: str | None = None           # what a [lo, hi] value range means (e.g. 总收入缺失)
    blank_filled: np.ndarray | None = None  # True where a blank yes/no was read as the rule's `blank_as`
    blank_note: str | None = None


@dataclass
class Node:
    kind: str                    # "all" | "any" | "leaf"
    name: str | None
    status: np.ndarray
    children: list["Node"] = field(default_factory=list)
    leaf: Leaf | None = None


def _range_status(lo: np.ndarray, hi: np.ndarray, op: str, t) -> np.ndarray:
    # a ratio computed from money (600.0003 / 20000.01) may land 1e-17 off its bound: treat values
    # within a relative 1e-9 of the threshold as equal to it
    tol = 1e-9 * np.maximum(np.abs(t), 1e-9)
    with np.errstate(invalid="ignore"):
        if op == ">=":
            p, f = lo >= t - tol, hi < t - tol
        elif op == ">":
            p, f = lo > t + tol, hi <= t + tol
        elif op == "<=":
            p, f = hi <= t + tol, lo > t + tol
        elif op == "<":
            p, f = hi < t - tol, lo >= t - tol
        else:  # "==" on booleans / codes
            p, f = (lo == t) & (hi == t), ((lo != t) | (hi != t)) & ~np.isnan(lo)
    st = np.full(lo.shape, UNKNOWN, dtype=np.int8)
    st[p] = PASS
    st[f & ~p] = FAIL
    miss = np.isnan(lo) if lo is hi else (np.isnan(lo) | np.isnan(hi))
    if isinstance(t, np.ndarray):
        miss |= np.isnan(t)
    st[miss] = UNKNOWN
    return st


class Evaluator:
    def __init__(self, q: Quantities, rung: dict):
        self.q = q
        self.rung = rung
        self.scores: dict[str, ScoreResult] = {}
        self.leaves: list[Leaf] = []
        for spec in rung.get("scores", []) or []:
            self.scores[spec["id"]] = evaluate_score(spec, q)

    def value(self, ref: str) -> tuple[np.ndarray, np.ndarray, str | None, np.ndarray | None, str | None]:
        """(lo, hi, unit, amount_base, quantity code) of a quantity or `score:<id>[.<group>]`."""
        if ref.startswith("score:"):
            sid, _, grp = ref[6:].partition(".")
            s = self.scores[sid]
            lo, hi = s.groups[grp] if grp else (s.lo, s.hi)
            return lo, hi, "分", None, None
        v = self.q[ref]
        qd = REGISTRY.get(ref)
        base = self.q[qd.amount_base] if qd and qd.amount_base else None
        if ref in RANGES:
            lo, hi = RANGES[ref][0](self.q)
            return lo, hi, (qd.unit if qd else None), base, ref
        return v, v, (qd.unit if qd else None), base, ref

    def threshold(self, spec: dict):
        if "threshold_bands" in spec:
            tb = spec["threshold_bands"]
            by = self.q[tb["by"]]
            t = np.full(self.q.n, np.nan)
            done = np.zeros(self.q.n, dtype=bool)
            for b in tb["bands"]:
                m = ~done & ~np.isnan(by)
                with np.errstate(invalid="ignore"):
                    if "min" in b:
                        m &= by >= b["min"]
                    if "above" in b:
                        m &= by > b["above"]
                    if "max" in b:
                        m &= by <= b["max"]
                    if "below" in b:
                        m &= by < b["below"]
                t[m] = b["threshold"]
                done |= m
            return t
        return float(spec["threshold"])

    def node(self, spec: dict) -> Node | None:
        for kind in ("all", "any"):
            if kind in spec:
                kids = [c for c in (self.node(s) for s in spec[kind]) if c is not None]
                if not kids:
                    return None
                st = np.stack([k.status for k in kids])
                status = st.min(axis=0) if kind == "all" else st.max(axis=0)
                return Node(kind, spec.get("name"), status.astype(np.int8), kids)
        if spec.get("threshold") is None and "threshold_bands" not in spec:
            return None  # an unpublished threshold is a setting left empty: the condition is not applied
        lo, hi, unit, base, qcode = self.value(spec["value"])
        filled = None
        if spec.get("blank_as") is not None:
            # a blank yes/no read the same way on every route that says so (index.yaml settings.blank_yes_no)
            filled = np.isnan(lo) | np.isnan(hi)
            lo = np.where(filled, float(spec["blank_as"]), lo)
            hi = np.where(filled, float(spec["blank_as"]), hi)
        t = self.threshold(spec)
        st = _range_status(lo, hi, spec["op"], t)
        leaf = Leaf(spec["id"], spec["name"], spec["op"], spec.get("unit", unit), spec["source"], lo, hi, t, st,
                    bool(spec.get("veto", False)), base, qcode,
                    range_note=RANGES[qcode][1] if qcode in RANGES else None, blank_filled=filled,
                    blank_note=(f"未填报，按“{'是' if spec['blank_as'] else '否'}”计" if filled is not None else None))
        self.leaves.append(leaf)
        return Node("leaf", spec["name"], st, leaf=leaf)


# ----------------------------------------------------------------------------------- loading
def _check_tree(spec: Any, path: str, fname: str, scores: set[str]) -> None:
    if not isinstance(spec, dict):
        raise RuleError(f"规则文件 {fname}：{path} 应为映射（all/any 或条件）")
    for kind in ("all", "any"):
        if kind in spec:
            for i, s in enumerate(spec[kind]):
                _check_tree(s, f"{path}.{kind}[{i}]", fname, scores)
            return
    for key in ("id", "name", "value", "op", "source"):
        if key not in spec:
            raise RuleError(f"规则文件 {fname}：条件 {path}（{spec.get('id', '?')}）缺少字段“{key}”")
    if spec["op"] not in OPS:
        raise RuleError(f"规则文件 {fname}：条件 {spec['id']} 的比较符“{spec['op']}”无效，应为 {' '.join(OPS)} 之一")
    v = spec["value"]
    if v.startswith("score:"):
        if v[6:].partition(".")[0] not in scores:
            raise RuleError(f"规则文件 {fname}：条件 {spec['id']} 引用了未定义的评分“{v}”")
    elif v not in REGISTRY:
        from gaoxin.enterprise import fields as F
        if v not in F.BY_CODE:
            raise RuleError(f"规则文件 {fname}：条件 {spec['id']} 引用了未知指标“{v}”")


def load_rung(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    fname = path.name
    for key in ("code", "name", "source", "document", "effective", "conditions"):
        if key not in data:
            raise RuleError(f"规则文件 {fname} 缺少顶层字段“{key}”")
    scores = {s["id"] for s in data.get("scores", []) or []}
    _check_tree(data["conditions"], "conditions", fname, scores)
    eff = data["effective"] or {}
    try:
        _date(eff.get("from")), _date(eff.get("to"))
    except (TypeError, ValueError) as exc:
        raise RuleError(f"规则文件 {fname}：effective 的日期应写成 YYYY-MM-DD") from exc
    scope = data.get("zone_scope")
    if scope is not None and not (scope.get("zones") or scope.get("counties")):
        raise RuleError(f"规则文件 {fname}：zone_scope 应列出 zones（高新区代码）或 counties（县市区代码）")
    for item in data.get("not_checked") or []:
        if not isinstance(item, dict) or not item.get("condition") or not item.get("reason"):
            raise RuleError(f"规则文件 {fname}：not_checked 的每一项应有 condition（未核验的条件）和 reason（原因）")
    return data


def _date(v) -> date | None:
    if v in (None, ""):
        return None
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def in_effect(rung: dict, on: date) -> bool:
    """Whether the rung's `effective: {from, to}` window contains the date (open ends count as open)."""
    eff = rung.get("effective") or {}
    lo, hi = _date(eff.get("from")), _date(eff.get("to"))
    return (lo is None or lo <= on) and (hi is None or on <= hi)


@dataclass(frozen=True)
class RuleSet:
    """All rungs in ladder order, plus the shared settings."""
    rungs: tuple[dict, ...]
    settings: dict

    def at(self, on: date) -> "RuleSet":
        """The rules to judge with on a date: of several files with the same `code`, the one whose
        `effective` window contains the date (the latest that started before it if none does); a code
        with one file keeps it (the judgement says when the date lies outside its window)."""
        by_code: dict[str, list[dict]] = {}
        for r in self.rungs:
            by_code.setdefault(r["code"], []).append(r)
        chosen = []
        for r in self.rungs:
            versions = by_code[r["code"]]
            if len(versions) == 1:
                chosen.append(r)
                continue
            live = [v for v in versions if in_effect(v, on)]
            started = [v for v in versions if (_date((v.get("effective") or {}).get("from")) or date.min) <= on]
            pick = (live or sorted(started, key=lambda v: _date((v.get("effective") or {}).get("from")) or date.min)
                    or versions)[-1]
            if r is pick:
                chosen.append(r)
        return RuleSet(tuple(chosen), self.settings)

    def rung(self, name_or_code: str) -> dict:
        def norm(x):  # “小巨人” is typed without its quotation marks on a command line
            return None if x is None else str(x).translate({ord(c): None for c in "“”\"'‘’ "})
        key = norm(name_or_code)
        for r in self.rungs:
            if key in (norm(r["code"]), norm(r["name"]), norm(r.get("short_name"))):
                return r
        names = "、".join(r["name"] for r in self.rungs)
        raise RuleError(f"未知的培育梯度“{name_or_code}”，可选：{names}")


@lru_cache(maxsize=8)
def load_rules(directory: str | None = None) -> RuleSet:
    """Read `index.yaml` (ladder order, settings) and every rung file it names."""
    d = Path(directory) if directory else RULES_DIR
    with open(d / "index.yaml", encoding="utf-8") as fh:
        index = yaml.safe_load(fh)
    rungs = tuple(load_rung(d / f) for f in index["rungs"])
    return RuleSet(rungs, index.get("settings", {}) or {})

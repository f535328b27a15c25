"""Judgement of every enterprise on every rung, the ladder position and certificate validity."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from gaoxin.enterprise.derive import Quantities
from gaoxin.enterprise.rules import (FAIL, OP_ZH, PASS, STATUS_NAMES, STATUS_ZH, UNKNOWN, Evaluator, Leaf,
                                     Node, RuleError, RuleSet, in_effect, load_rules)


NOT_APPLICABLE = "not_applicable"
NOT_APPLICABLE_ZH = "不适用"


@dataclass
class RungResult:
    rung: dict
    status: np.ndarray            # int8 FAIL / UNKNOWN / PASS per enterprise (FAIL where not applicable)
    tree: Node
    leaves: list[Leaf]
    scores: dict                  # score id → ScoreResult
    applicable: np.ndarray | None = None   # False: a zone's own rule and the enterprise is elsewhere
    scope_note: str | None = None          # why the rung is not applied to the others
    effective_note: str | None = None      # the judging date lies outside the rule's effective window

    def applies(self, n: int) -> np.ndarray:
        return np.ones(n, dtype=bool) if self.applicable is None else self.applicable

    @property
    def name(self) -> str:
        return self.rung["name"]


def _fmt(v: float, unit: str | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "缺失"
    if unit == "%":  # a fraction shown as a percentage
        return f"{v * 100:.2f}%"
    if unit == "%（数值）":  # already a percentage number (market share 12.5 = 12.5 %)
        return f"{v:,.2f}%"
    if unit is None:
        return "是" if v == 1 else ("否" if v == 0 else f"{v:g}")
    if math.isinf(v):
        return "无"
    return f"{v:,.2f}{unit}" if abs(v - round(v)) > 1e-9 else f"{int(round(v)):,}{unit}"


def margin(leaf: Leaf, i) -> np.ndarray | float:
    """Signed distance to the threshold in the rule's direction (≥ 0 means on the right side)."""
    t = leaf.threshold[i] if isinstance(leaf.threshold, np.ndarray) else leaf.threshold
    if leaf.op in (">=", ">"):
        return leaf.value_lo[i] - t
    if leaf.op in ("<=", "<"):
        return t - leaf.value_hi[i]
    return np.where(leaf.value_lo[i] == t, 0.0, -1.0)


@dataclass
class Judgement:
    """Result of `judge`: per-rung status arrays and the conditions behind them."""
    frame: pd.DataFrame
    as_of_year: int
    rules: RuleSet
    rungs: list[RungResult]
    quantities: Quantities
    settings: dict = field(default_factory=dict)
    as_of_date: date | None = None          # the judging date (申报日) ages are counted to
    as_of_date_basis: str = ""              # why this date: given by the user / today / end of the data year
    zone_rules: str = "own_zone"            # own_zone | all

    @property
    def as_of_text(self) -> str:
        """“判定日期：2025-12-31（评价年度年末）”, stated with every judgement."""
        return f"判定日期：{self.as_of_date.isoformat()}（{self.as_of_date_basis}）" if self.as_of_date else ""

    @property
    def n(self) -> int:
        return len(self.frame)

    def rung(self, name_or_code: str) -> RungResult:
        r = self.rules.rung(name_or_code)
        return next(x for x in self.rungs if x.rung is r)

    def status_frame(self) -> pd.DataFrame:
        """credit_code + one column per rung with pass / fail / unknown."""
        out = {"credit_code": self.frame["credit_code"].to_numpy()}
        names = np.array(["fail", "unknown", "pass"], dtype=object)
        for r in self.rungs:
            out[r.name] = np.where(r.applies(self.n), names[r.status], NOT_APPLICABLE)
        return pd.DataFrame(out)

    @property
    def ladder(self) -> list[RungResult]:
        return [r for r in self.rungs if r.rung.get("on_ladder")]

    def held(self, r: RungResult) -> np.ndarray:
        """Whether each enterprise already holds the rung's title (e.g. a valid 高企 certificate)."""
        q = r.rung.get("held_when")
        return (self.quantities[q] == 1) if q else np.zeros(self.n, dtype=bool)

    @cached_property
    def highest_rung_index(self) -> np.ndarray:
        """Index into `ladder` of the highest rung passed on the data or held, −1 if none."""
        idx = np.full(self.n, -1, dtype=np.int16)
        for k, r in enumerate(self.ladder):
            idx[(r.status == PASS) | self.held(r)] = k
        return idx

    @cached_property
    def highest_rung(self) -> np.ndarray:
        names = np.array([r.name for r in self.ladder] + [None], dtype=object)
        return names[self.highest_rung_index]  # −1 picks the trailing None

    def hte_validity(self) -> pd.DataFrame:
        """高企 certificate: valid until (year), and whether re-recognition falls due next year.

        A certificate issued in year Y covers Y, Y+1, Y+2 (三年有效期); re-recognition is applied for in
        Y+3, the year the qualification expires. So as of year A, those with Y = A − 2 re-apply in A + 1.
        """
        return self._validity.copy()

    @cached_property
    def _validity(self) -> pd.DataFrame:
        years = int(self.quantities.setting("hte_validity_years"))
        cy = self.quantities.col("hte_cert_year")
        until = cy + years - 1                    # a certificate issued in year Y covers Y … Y+2
        return pd.DataFrame({
            "credit_code": self.frame["credit_code"].to_numpy(),
            "hte_cert_year": cy,
            "hte_valid_until": until,
            "reapply_year": cy + years,                      # 资格期满当年申请重新认定
            "hte_valid": (until >= self.as_of_year) & (cy <= self.as_of_year),
            "reapply_next_year": until == self.as_of_year,   # expires at the end of the as-of year
        })

    def funnel(self, by: str | None = "zone_code") -> pd.DataFrame:
        """Enterprises at each rung (passing on the data or holding the title), overall or by a column."""
        data = {r.name: (r.status == PASS) | self.held(r) for r in self.rungs}
        df = pd.DataFrame(data)
        if by:
            df[by] = self.frame[by].to_numpy()
            return df.groupby(by).sum().reset_index()
        return df.sum().to_frame("企业数").T

    def index_of(self, credit_code: str) -> int:
        """Row position of an enterprise (for `explain`); KeyError with a Chinese message if absent."""
        hit = np.flatnonzero(self.frame["credit_code"].to_numpy() == credit_code)
        if not len(hit):
            raise KeyError(f"没有统一社会信用代码为“{credit_code}”的企业")
        return int(hit[0])

    # ---------------------------------------------------------------------- one enterprise
    def _node_dict(self, node: Node, i: int) -> dict:
        st = int(node.status[i])
        if node.kind == "leaf":
            lf = node.leaf
            t = lf.threshold[i] if isinstance(lf.threshold, np.ndarray) else lf.threshold
            lo, hi = float(lf.value_lo[i]), float(lf.value_hi[i])
            if lf.op == "==":
                text = f"{_fmt(lo, lf.unit)}（要求：{_fmt(t, lf.unit)}）"
            elif lo == hi:
                text = f"{_fmt(lo, lf.unit)} {OP_ZH[lf.op]} {_fmt(t, lf.unit)}"
            elif lf.range_note:  # a quantity known only within a range (e.g. 总收入 missing)
                text = f"{_fmt(lo, lf.unit)}–{_fmt(hi, lf.unit)} {OP_ZH[lf.op]} {_fmt(t, lf.unit)}（{lf.range_note}）"
            else:
                text = f"{lo:g}–{hi:g}分（评分区间：专家在各档内取值，缺失项按0至满分计） {OP_ZH[lf.op]} {t:g}分"
            if lf.blank_filled is not None and bool(lf.blank_filled[i]):
                text += f"（{lf.blank_note}）"
            d = {
                "id": lf.id, "name": lf.name, "status": STATUS_NAMES[st], "status_zh": STATUS_ZH[st],
                "value": None if math.isnan(lo) else (lo if not math.isinf(lo) else None),
                "threshold": None if (isinstance(t, float) and math.isnan(t)) else float(t),
                "op": lf.op, "unit": lf.unit, "source": lf.source,
                "text": text,
            }
            if lo != hi and not (math.isnan(lo) or math.isnan(hi)):
                d["value_range"] = [lo, hi]
            m = float(margin(lf, i)) if not (math.isnan(lo) or math.isnan(hi)) else float("nan")
            d["margin"] = None if (math.isnan(m) or math.isinf(m)) else m
            return d
        return {"group": "全部满足" if node.kind == "all" else "满足其一", "name": node.name,
                "status": STATUS_NAMES[st], "status_zh": STATUS_ZH[st],
                "conditions": [self._node_dict(c, i) for c in node.children]}

    def explain(self, i: int) -> dict:
        """Everything about enterprise i: highest rung, and per rung status, conditions and scores."""
        row = self.frame.iloc[i]
        out = {
            "credit_code": row["credit_code"],
            "name": row.get("name"),
            "as_of_year": self.as_of_year,
            "as_of_date": self.as_of_date.isoformat() if self.as_of_date else None,
            "as_of_date_basis": self.as_of_date_basis,
            "as_of_text": self.as_of_text,
            "rung": self.highest_rung[i],
            "is_demo": bool(row.get("is_demo", False)),
            "judgements": {},
        }
        for r in self.rungs:
            d = {"status": STATUS_NAMES[int(r.status[i])], "status_zh": STATUS_ZH[int(r.status[i])],
                 "held": bool(self.held(r)[i]),
                 "source": r.rung["source"], "document": r.rung.get("document"),
                 "conditions": [self._node_dict(c, i) for c in r.tree.children] if r.tree.kind != "leaf" else [self._node_dict(r.tree, i)]}
            if not r.applies(self.n)[i]:
                d.update(status=NOT_APPLICABLE, status_zh=NOT_APPLICABLE_ZH, applicable=False, reason=r.scope_note)
            if r.effective_note:
                d["effective_note"] = r.effective_note
            # what the rule requires but the platform does not check, each with its reason (always listed)
            d["not_checked"] = [dict(x) for x in r.rung.get("not_checked") or []]
            if r.rung.get("notes"):
                d["notes"] = list(r.rung["notes"])
            if r.scores:
                # experts pick within each band: the range is the result, the midpoint only a self-assessment aid
                d["scores"] = {sid: {"min": float(s.lo[i]), "max": float(s.hi[i]),
                                     "estimate": float((s.lo[i] + s.hi[i]) / 2),
                                     "parts": {pid: [float(v[0][i]), float(v[1][i])] for pid, v in s.parts.items()}}
                               for sid, s in r.scores.items()}
            out["judgements"][r.name] = d
        v = self._validity.iloc[i]
        if not math.isnan(v["hte_cert_year"]):
            out["hte_certificate"] = {"issued": int(v["hte_cert_year"]), "valid_until": int(v["hte_valid_until"]),
                                      "valid": bool(v["hte_valid"]), "reapply_year": int(v["reapply_year"]),
                                      "reapply_next_year": bool(v["reapply_next_year"])}
        return out

    def catalogue(self) -> dict:
        """Per rung: document, source and every condition's name, comparison and unit (for to_records)."""
        return {r.name: {"code": r.rung["code"], "document": r.rung.get("document"), "source": r.rung["source"],
                         "conditions": {lf.id: {"name": lf.name, "op": lf.op, "unit": lf.unit} for lf in r.leaves}}
                for r in self.rungs}

    def to_records(self, limit: int | None = None, detail: bool = False) -> list[dict]:
        """One dict per enterprise: credit_code, name, rung, judgements {rung: {status, conditions}}.

        Conditions are the flat list of leaves (id, status, value, threshold, source; names, comparison
        and unit are in `catalogue()`); the columns are converted to Python lists once per leaf, so
        20,000 enterprises take seconds.
        `detail=True` gives the full `explain(i)` tree instead (slow: for a few enterprises).
        """
        n = self.n if limit is None else min(limit, self.n)
        if detail:
            return [self.explain(i) for i in range(n)]
        names = np.array(["fail", "unknown", "pass"], dtype=object)

        def clean(a):
            a = np.asarray(a, dtype=float)[:n]
            return np.where(np.isfinite(a), a, np.nan).astype(object).tolist()

        cols = []
        for r in self.rungs:
            leaves = []
            for lf in r.leaves:
                t = lf.threshold if isinstance(lf.threshold, np.ndarray) else np.full(n, lf.threshold)
                leaves.append((lf, names[lf.status[:n]].tolist(), clean(lf.value_lo), clean(lf.value_hi), clean(t)))
            st_names = np.where(r.applies(self.n)[:n], names[r.status[:n]], NOT_APPLICABLE)
            cols.append((r.name, st_names.tolist(), leaves, self.held(r)[:n].tolist()))
        codes = self.frame["credit_code"].to_numpy()[:n].tolist()
        ent_names = self.frame["name"].to_numpy()[:n].tolist() if "name" in self.frame else [None] * n
        highest = self.highest_rung[:n].tolist()
        out = []
        for i in range(n):  # assembling output dicts; the judging itself is vectorised
            judg = {}
            for rname, st, leaves, held in cols:
                conds = []
                for lf, lst, lo, hi, t in leaves:
                    v, w = lo[i], hi[i]
                    c = {"id": lf.id, "status": lst[i], "value": None if v != v else v,
                         "threshold": None if t[i] != t[i] else t[i], "source": lf.source}
                    if w == w and v == v and w != v:
                        c["value_range"] = [v, w]
                    conds.append(c)
                judg[rname] = {"status": st[i], "held": held[i], "conditions": conds}
            out.append({"credit_code": codes[i], "name": ent_names[i], "rung": highest[i], "judgements": judg})
        return out


def default_as_of_date(as_of_year: int, today: date | None = None) -> tuple[date, str]:
    """The judging date when none is given (index.yaml settings.as_of_date): today for a live judgement
    (the data year is the latest closed year or later: applications are made now), the end of the data
    year for a retrospective one. Returns (date, the reason in Chinese)."""
    today = today or date.today()
    if int(as_of_year) >= today.year - 1:
        return today, "当前日期，按最新数据年度判定"
    return date(int(as_of_year), 12, 31), "评价年度年末，回顾以往年度"


def _zone_mask(frame: pd.DataFrame, scope: dict) -> np.ndarray:
    """Enterprises a zone's own rule applies to: registered in one of its zones or counties. An
    enterprise whose zone and county are both blank cannot be placed, so the rule is applied to it."""
    n = len(frame)
    blank = pd.Series([None] * n, index=frame.index, dtype=object)
    z = frame["zone_code"] if "zone_code" in frame else blank
    c = (frame["county_code"] if "county_code" in frame else blank).astype("string")
    in_zone = z.isin(list(scope.get("zones") or ())).to_numpy(dtype=bool)
    counties = tuple(str(x) for x in scope.get("counties") or ())
    in_county = c.str.startswith(counties).fillna(False).to_numpy(dtype=bool) if counties else np.zeros(n, bool)
    z_blank = (z.isna() | (z.astype("string").str.strip() == "")).fillna(True).to_numpy(dtype=bool)
    c_blank = (c.isna() | (c.str.strip() == "")).fillna(True).to_numpy(dtype=bool)
    unknown = z_blank & c_blank
    return in_zone | in_county | unknown


def judge(frame: pd.DataFrame, rules: RuleSet | None = None, as_of: int | None = None,
          as_of_date: date | str | None = None, zone_rules: str | None = None) -> Judgement:
    """Judge every enterprise of the wide `frame` on every rung (vectorised; NaN → unknown).

    `as_of_date` is the judging date (申报日): ages are counted to it and each rung's version is the
    one in effect on it; default (None): the end of the data year, or pass `default_as_of_date(year)`
    for a live judgement. `zone_rules`: "own_zone" (default, index.yaml settings.zone_rules) applies a
    zone's own rule (a rung file with `zone_scope`, e.g. 长沙高新区's 瞪羚) only to that zone's
    enterprises — the others get 不适用; "all" applies it to every enterprise.
    """
    rules = rules or load_rules()
    if as_of is None:
        as_of = int(frame.attrs.get("as_of_year", pd.Timestamp.now().year - 1))
    if as_of_date is None:
        on, basis = date(int(as_of), 12, 31), "评价年度年末"
    elif isinstance(as_of_date, tuple):  # (date, basis) from default_as_of_date
        on, basis = as_of_date
    else:
        try:
            on = as_of_date if isinstance(as_of_date, date) else date.fromisoformat(str(as_of_date))
        except ValueError as exc:
            raise RuleError(f"判定日期“{as_of_date}”无效，应写成 YYYY-MM-DD，例如 2025-06-30") from exc
        basis = "指定日期"
    if zone_rules is None:
        if "zone_rules" not in rules.settings:
            raise RuleError("规则索引文件 index.yaml 的 settings 缺少“zone_rules”（本区规则的适用范围）")
        zone_rules = rules.settings["zone_rules"]
    if zone_rules not in ("own_zone", "all"):
        raise RuleError(f"本区规则的适用范围“{zone_rules}”无效，应为 own_zone（只判定本区企业）或 all（判定全部企业）")
    rules = rules.at(on)
    q = Quantities(frame, as_of, rules.settings, as_of_date=on)
    results = []
    for rung in rules.rungs:
        ev = Evaluator(q, rung)
        tree = ev.node(rung["conditions"])
        if tree is None:  # every threshold of the rung is an empty setting: nothing can be decided
            tree = Node("all", None, np.full(q.n, UNKNOWN, dtype=np.int8), [])
        status = tree.status
        applicable, scope_note = None, None
        scope = rung.get("zone_scope")
        if scope and zone_rules == "own_zone":
            applicable = _zone_mask(frame, scope)
            status = np.where(applicable, status, FAIL).astype(np.int8)
            scope_note = (f"本规则为{scope.get('name', '所列园区')}的规则，只适用于该区企业"
                          "（如需对其他园区企业参照判定，可选择“各园区规则适用于全部企业”）")
        eff_note = None
        if not in_effect(rung, on):
            eff = rung.get("effective") or {}
            eff_note = (f"判定日期 {on.isoformat()} 不在本规则的施行期内（{eff.get('from') or '未注明'} 至 "
                        f"{eff.get('to') or '今'}）：结果仅供参考")
        results.append(RungResult(rung, status, tree, ev.leaves, ev.scores, applicable, scope_note, eff_note))
    return Judgement(frame, int(as_of), rules, results, q, rules.settings, on, basis, zone_rules)

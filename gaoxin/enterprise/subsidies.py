"""Subsidies (奖补) per enterprise for a year, from parameterised rules with citations.

Rules live in gaoxin/reference/rules/subsidies.yaml. Kinds: `hte_recognition` (a fixed amount for a
first / renewed 高企 certificate issued in the year), `rd_increment` (rate × increase of deductible R&D,
floor and cap; with rate unknown only the cap is reported as an upper bound), `platform` (amount per
newly approved platform). The frame's as-of year must be the subsidy year (y0 = year, y1 = year − 1 …).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gaoxin.enterprise.derive import Quantities
from gaoxin.enterprise.rules import RULES_DIR, RuleError

KINDS = ("hte_recognition", "rd_increment", "platform", "institution_rd")
# kinds whose beneficiary is not an enterprise (在潭高校、科研院所): listed, never computed per enterprise
NON_ENTERPRISE_KINDS = ("institution_rd",)

COLUMNS = ["credit_code", "name", "zone_code", "county_code", "rule_id", "rule", "payer", "amount",
           "amount_is_upper_bound", "basis", "source"]


@lru_cache(maxsize=4)
def load_subsidy_rules(path: str | None = None) -> dict:
    p = Path(path) if path else RULES_DIR / "subsidies.yaml"
    with open(p, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for r in data["rules"]:
        for key in ("id", "name", "kind", "source", "scope"):
            if key not in r:
                raise RuleError(f"奖补规则文件 {p.name}：规则 {r.get('id', '?')} 缺少字段“{key}”")
        if r["kind"] not in KINDS:
            raise RuleError(f"奖补规则文件 {p.name}：规则 {r['id']} 的类型“{r['kind']}”无效")
    return data


def _in_years(rule: dict, year: int) -> bool:
    lo, hi = (rule.get("years") or [None, None])
    return (lo is None or year >= lo) and (hi is None or year <= hi)


def subsidies(frame: pd.DataFrame, rules: dict | None = None, year: int | None = None,
              quantities: Quantities | None = None) -> pd.DataFrame:
    """One row per (enterprise, rule) with a positive amount (万元) in `year`."""
    rules = rules or load_subsidy_rules()
    year = int(year if year is not None else frame.attrs.get("as_of_year"))
    q = quantities or Quantities(frame, year)
    if q.as_of_year != year:
        raise ValueError(f"奖补计算要求数据的评价年度为 {year} 年（当前为 {q.as_of_year} 年）")
    county = frame["county_code"].astype(str).to_numpy() if "county_code" in frame else np.full(q.n, "")
    parts = []
    for r in rules["rules"]:
        if not _in_years(r, year) or r["kind"] in NON_ENTERPRISE_KINDS:
            continue
        in_scope = np.char.startswith(county.astype(str), str(r["scope"].get("county_prefix", "")))
        amount = np.zeros(q.n)
        upper = False
        if r["kind"] == "hte_recognition":
            cy, cnt = q.col("hte_cert_year"), q.col("hte_cert_count")
            got = cy == year
            got &= (cnt == 1) if r["recognition"] == "first" else (cnt >= 2)
            amount = np.where(got, float(r["amount"]), 0.0)
            basis = np.where(got, f"{year}年{'首次' if r['recognition'] == 'first' else '重新'}认定高新技术企业", "")
        elif r["kind"] == "rd_increment":
            inc = q["rd_increment_prev"] if r.get("baseline", "previous_year") == "previous_year" else q["rd_deductible_increment"]
            inc = np.where(np.isnan(inc), 0.0, np.maximum(inc, 0.0))
            if r.get("rate") is None:  # rate unpublished: eligible enterprises get the cap as an upper bound
                amount = np.where(inc > 0, float(r["cap"]), 0.0)
                upper = True
            else:
                rate = np.full(q.n, float(r["rate"]))
                if r.get("rate_key_domain") is not None:
                    rate = np.where(q.col(r["key_domain_field"]) == 1, float(r["rate_key_domain"]), rate)
                amount = rate * inc
                amount = np.where(amount < float(r.get("min_amount", 0)), 0.0, amount)
                amount = np.minimum(amount, float(r["cap"]))
            basis = np.char.add(np.char.add("可加计扣除研发费用增量 ", np.round(inc, 2).astype(str)), " 万元")
        else:
            cnt = np.nan_to_num(q.y(r["field"], 0))
            amount = cnt * float(r["amount"])
            basis = np.char.add(np.char.add(f"{year}年新批 ", cnt.astype(int).astype(str)), " 家")
        amount = np.where(in_scope, amount, 0.0)
        idx = np.flatnonzero(amount > 0)
        if not len(idx):
            continue
        parts.append(pd.DataFrame({
            "credit_code": frame["credit_code"].to_numpy()[idx],
            "name": frame["name"].to_numpy()[idx] if "name" in frame else None,
            "zone_code": frame["zone_code"].to_numpy()[idx] if "zone_code" in frame else None,
            "county_code": county[idx], "rule_id": r["id"], "rule": r["name"], "payer": r.get("payer"),
            "amount": np.round(amount[idx], 2), "amount_is_upper_bound": upper,
            "basis": np.asarray(basis)[idx], "source": r["source"],
        }))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def amount_text(rule_id: str, rules: dict | None = None) -> str:
    """The amount of one rule as the document states it (10万元/家, 最高不超过10万元), from subsidies.yaml:
    the one place an amount is written (the policy library of gaoxin.matching refers to it by id)."""
    rules = rules or load_subsidy_rules()
    r = next((x for x in rules["rules"] if x["id"] == rule_id), None)
    if r is None:
        raise RuleError(f"奖补规则文件中没有编号为“{rule_id}”的规则")

    def num(v) -> str:
        return f"{float(v):g}"
    if r["kind"] in ("hte_recognition", "platform"):
        return f"{num(r['amount'])}万元/家"
    if r.get("rate") is None:
        return f"最高不超过{num(r['cap'])}万元"
    return f"按增量的{float(r['rate']) * 100:g}%，最高{num(r['cap'])}万元"


def subsidy_totals(rows: pd.DataFrame, by: str = "zone_code") -> pd.DataFrame:
    """Totals (万元) and enterprise counts by zone or county and rule."""
    if rows.empty:
        return pd.DataFrame(columns=[by, "rule", "enterprises", "amount"])
    return (rows.groupby([by, "rule"], dropna=False)
            .agg(enterprises=("credit_code", "nunique"), amount=("amount", "sum")).reset_index())

"""Enterprise cultivation core (企业梯度培育与创新积分): pure, vectorised, no I/O beyond rule loading.

Data: a wide DataFrame, one row per enterprise — static columns (credit_code, name, zone_code,
county_code, industry, new_track, founded, is_demo, static facts of `fields.STATIC`) and annual columns
`<field>_y0`, `<field>_y1`, `<field>_y2` (y0 = as-of year). Build it with
`gaoxin.store.repo.enterprise_frame(session, year)`, `frame_from_generated(static, annual, year)` or
`gaoxin.ingest.enterprise_file.read_enterprise_file(path, year)` (the one reader; the core reads no files).

Facade (what the CLI and the web pages call):

- `load_rules()` → RuleSet: rungs in ladder order, from gaoxin/reference/rules/*.yaml (cited).
- `judge(frame, rules=None, as_of=year, as_of_date=None, zone_rules=None)` → Judgement (ages to the judging
  date, rules in effect on it, stated as `.as_of_text`; `default_as_of_date(year)` for a live judgement;
  a zone's own rule only for its enterprises unless zone_rules="all" — the others are `not_applicable`):
    `.rungs[k].status` int8 arrays (0 fail / 1 unknown / 2 pass), `.rung(name)`, `.status_frame()`,
    `.held(rung)` (already holds the title, e.g. a valid 高企 certificate), `.highest_rung` (Chinese
    rung name per enterprise, passing or held; None if none), `.funnel(by="zone_code")`,
    `.hte_validity()` (valid until, re-application year, re-apply next year), `.to_records()` (fast
    JSON-ready list) with `.catalogue()`, `.index_of(credit_code)`, `.explain(i)` → dict for one enterprise with
    `credit_code`, `rung`, `judgements` {rung: {status, conditions [{name, value, threshold, op, margin,
    source, status}], scores}}. NaN → "unknown" (无法判断), never "fail".
- `pool(judgement, rung="高新技术企业", top=100)` → DataFrame of near misses ranked by how little they
  lack, with the exact gap per condition; `pool_sizes(judgement)`.
- `innovation_points(frame, model=None, as_of=year)` → DataFrame: points 0–1000, grade, stage, peer group,
  percentile in peer group, group and indicator breakdown.
- `subsidies(frame, rules=None, year=Y)` → rows (enterprise, rule, amount 万元, basis, source);
  `subsidy_totals(rows, by="zone_code"|"county_code")`.
"""
from __future__ import annotations

from gaoxin.enterprise.fields import indicator_registry
from gaoxin.enterprise.frame import EnterpriseDataError, frame_from_generated
from gaoxin.enterprise.judge import Judgement, judge
from gaoxin.enterprise.points import innovation_points, load_points_model
from gaoxin.enterprise.pool import pool, pool_sizes
from gaoxin.enterprise.rules import FAIL, PASS, UNKNOWN, RuleError, RuleSet, load_rules
from gaoxin.enterprise.subsidies import load_subsidy_rules, subsidies, subsidy_totals

__all__ = [
    "EnterpriseDataError", "FAIL", "Judgement", "PASS", "RuleError", "RuleSet", "UNKNOWN",
    "frame_from_generated", "indicator_registry", "innovation_points", "judge", "load_points_model",
    "load_rules", "load_subsidy_rules", "pool", "pool_sizes", "subsidies",
    "subsidy_totals",
]

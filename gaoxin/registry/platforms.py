"""高水平创新平台数据库: counts for targets and zone indicators, and the new-platform rewards.

Platforms are plain dicts with at least: code, name, type, level, status, approval_year, zone_code,
region_code (the 县市区 code, else the zone's 市州 code). Count rules and reward mappings come from
gaoxin/reference/registries/platforms.yaml, reward amounts from gaoxin/reference/rules/subsidies.yaml,
both passed in by the caller."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """The unit a count is for: zone / category (a set of zones) / city / county / province."""
    type: str
    code: str | None
    zones: frozenset[str] = frozenset()   # for category scopes

    def contains(self, p: dict) -> bool:
        if self.type == "zone":
            return p.get("zone_code") == self.code
        if self.type == "category":
            return p.get("zone_code") in self.zones
        region = str(p.get("region_code") or "")
        if self.type == "city":
            return bool(region) and region[:4] == str(self.code)[:4]
        if self.type == "county":
            return region == str(self.code)
        if self.type == "province":
            return True
        return False


def active_statuses(statuses: list[dict]) -> set[str]:
    return {s["name"] for s in statuses if s.get("active")}


def matches(p: dict, rule: dict, active: set[str]) -> bool:
    if p.get("status") not in active:
        return False
    if rule.get("levels") and p.get("level") not in rule["levels"]:
        return False
    if rule.get("types") and p.get("type") not in rule["types"]:
        return False
    return p.get("approval_year") is not None


def count(platforms: list[dict], rule: dict, unit: Unit, year: int, active: set[str],
          period_start: int | None = None) -> int:
    """Platforms of `unit` counted by `rule` in `year`: mode stock = approved by `year`;
    mode new = approved from `period_start` (inclusive) to `year`."""
    n = 0
    for p in platforms:
        if not unit.contains(p) or not matches(p, rule, active):
            continue
        y = int(p["approval_year"])
        if y > year:
            continue
        if rule.get("mode") == "new" and period_start is not None and y < period_start:
            continue
        n += 1
    return n


def series(platforms: list[dict], rule: dict, unit: Unit, years: list[int], active: set[str],
           period_start: int | None = None) -> dict[int, int]:
    return {y: count(platforms, rule, unit, y, active, period_start) for y in years}


def rewards(platforms: list[dict], rules: list[dict], reward_levels: dict[str, str],
            years: list[int] | None = None) -> list[dict]:
    """One row per (named platform, reward rule) a newly approved platform earns: the platform's
    approval year inside the rule's years (and in `years` when given), its level the rule's level,
    its region inside the rule's scope. A platform earns each rule at most once."""
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for r in rules:
        if r.get("kind") != "platform":
            continue
        level = reward_levels.get(r.get("field", ""))
        if level is None:
            continue
        lo, hi = (r.get("years") or [None, None])
        prefix = str((r.get("scope") or {}).get("county_prefix", ""))
        for p in sorted(platforms, key=lambda x: (x.get("approval_year") or 0, x["code"])):
            y = p.get("approval_year")
            if y is None or p.get("level") != level:
                continue
            if (lo is not None and y < lo) or (hi is not None and y > hi):
                continue
            if years is not None and y not in years:
                continue
            if not str(p.get("region_code") or "").startswith(prefix):
                continue
            key = (p["code"], r["id"])
            if key in seen:
                continue
            seen.add(key)
            out.append({"code": p["code"], "name": p["name"], "type": p.get("type"), "level": level,
                        "zone_code": p.get("zone_code"), "approval_year": int(y),
                        "approval_doc": p.get("approval_doc"), "rule_id": r["id"], "rule": r["name"],
                        "payer": r.get("payer"), "amount_wan": float(r["amount"]),
                        "basis": f"{int(y)}年新批{level}{p.get('type') or '平台'}“{p['name']}”",
                        "source": r["source"]})
    return out

"""Plans and their quantified targets, loaded from `gaoxin/reference/plans/*.yaml` into dataclasses.

One YAML file per seed plan. Each target records indicator, kind, comparator, scope, baseline,
target, responsible units (牵头 first), source and the original sentence; decomposition tables
(seed 004 附件1–5) are kept exactly as printed, a blank cell as None.

Unit names are matched to codes here (zones, regions, departments, R&D categories through
`gaoxin.reference.find_unit`), falling back to a code given in the YAML and finally to the name, so
the data files stay readable and a missing reference entry never blocks loading.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from gaoxin.paths import REFERENCE_DIR

PLANS_DIR = REFERENCE_DIR / "plans"

KINDS = ("level", "growth", "share", "count", "coverage", "cumulative", "doubling")
COMPARATORS = (">=", "<=", ">", "<")
SCOPE_TYPES = ("province", "city", "county", "zone", "enterprise", "department", "category")
PROVINCE_CODE = "430000"


class PlanDataError(ValueError):
    """A plan YAML is malformed (message in Chinese, naming file, target and field)."""


@dataclass(frozen=True)
class Scope:
    type: str
    name: str
    code: str


@dataclass(frozen=True)
class Part:
    """One cell of a decomposition table: a unit's value for a year (None = blank as printed)."""
    unit_type: str
    unit_code: str
    unit_name: str
    year: int
    value: float | None
    responsible_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecompRow:
    unit_type: str
    unit_code: str
    unit_name: str
    values: dict[int, float | None]
    row_total: float | None = None          # printed 合计 column (附件4/5)
    annual_growth_pct: float | None = None  # printed 年均目标增速 (附件1)
    responsible_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decomposition:
    source: str
    table_unit: str | None
    rows: tuple[DecompRow, ...]
    totals: dict[int, float | None]          # printed 全市 / 合计 row
    total_label: str | None = None
    total_row_total: float | None = None
    total_growth_pct: float | None = None
    sums_to_total: bool = True               # the seed says the rows add up to the total row
    kind: str = "table"                      # table (附件 as printed) | members (每个…高新区: same value each)

    @property
    def years(self) -> list[int]:
        ys: set[int] = set(self.totals)
        for r in self.rows:
            ys.update(r.values)
        return sorted(ys)

    def parts(self) -> list[Part]:
        return [Part(r.unit_type, r.unit_code, r.unit_name, y, v, r.responsible_units)
                for r in self.rows for y, v in sorted(r.values.items())]


@dataclass(frozen=True)
class Target:
    id: str
    plan_id: str
    indicator: str
    indicator_name: str
    unit: str | None
    kind: str
    comparator: str
    scope: Scope
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float | None
    lead_units: tuple[str, ...]
    responsible_units: tuple[str, ...]       # 牵头 first, then the other 责任单位
    source: str
    text: str
    periodicity: str = "once"                # once | annual (每年…不低于)
    period_start: int | None = None          # cumulative / annual targets: first year counted
    period_end: int | None = None
    multiple: float | None = None            # doubling: target = multiple × baseline
    applies_to: str = "scope"                # scope | each (每个国家高新区 …)
    note: str | None = None
    discrepancy: str | None = None           # two figures of one document disagree: both shown, with this note
    decomposition: Decomposition | None = None
    spec: dict = field(default_factory=dict, compare=False, repr=False)

    def year_text(self) -> str:
        return f"{self.target_year}年：{self.text}"

    @property
    def decreasing(self) -> bool:
        return self.comparator in ("<=", "<")

    def effective_target(self, baseline_value: float | None = None) -> float | None:
        """The level to reach: the printed value, or multiple × baseline for doubling."""
        if self.kind == "doubling":
            base = self.baseline_value if self.baseline_value is not None else baseline_value
            if base is None:
                return None
            return (self.multiple or 2.0) * base
        return self.target_value


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    doc_no: str | None
    issuer: str | None
    start_year: int | None
    end_year: int | None
    source: str
    file: str
    targets: tuple[Target, ...]


# --------------------------------------------------------------------------- unit codes

_PAREN = re.compile(r"[（(].*?[)）]")


def resolve_unit(name: str, declared_type: str | None = None, declared_code: str | None = None) -> tuple[str, str]:
    """(unit_type, unit_code) for a unit as printed. Tries the reference look-up on the name and on
    the name without a parenthesised remark (雨湖区（含湘潭大学、湖南科技大学）→ 雨湖区); falls back to
    the YAML's declared code, then the name itself."""
    if declared_type == "province" and not declared_code:
        return "province", PROVINCE_CODE
    try:
        from gaoxin.reference import find_unit
    except ImportError:  # reference area not installed
        find_unit = None
    if find_unit is not None:
        for candidate in dict.fromkeys((name, _PAREN.sub("", name).strip())):
            try:
                hit = find_unit(candidate)
            except (FileNotFoundError, KeyError, OSError, ValueError):
                hit = None  # e.g. departments.yaml not shipped yet
            if hit is not None:
                return tuple(hit)
    return (declared_type or "category"), (declared_code or name)


# --------------------------------------------------------------------------- parsing

def _num(value: Any, where: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PlanDataError(f"{where}：数值不能是布尔值")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PlanDataError(f"{where}：“{value}”不是数字") from None


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    try:
        y = int(value)
    except (TypeError, ValueError):
        raise PlanDataError(f"{where}：“{value}”不是年份") from None
    if not 1990 <= y <= 2100:
        raise PlanDataError(f"{where}：年份 {y} 超出范围")
    return y


def _units(block: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not block:
        return (), ()
    lead = tuple(block.get("lead") or ())
    others = tuple(u for u in (block.get("others") or ()) if u not in lead)
    return lead, lead + others


def _scope(raw: dict, where: str) -> Scope:
    stype = raw.get("type")
    if stype not in SCOPE_TYPES:
        raise PlanDataError(f"{where}：scope.type “{stype}” 不在 {SCOPE_TYPES} 中")
    name = str(raw.get("name") or "")
    if not name:
        raise PlanDataError(f"{where}：scope 缺少 name")
    if raw.get("code"):
        return Scope(stype, name, str(raw["code"]))
    t, code = resolve_unit(name, stype, None)
    # keep the declared type (湘潭市 is a city whatever the look-up says); take only the code
    return Scope(stype, name, code if t == stype or stype == "province" else name)


def _decomposition(raw: dict, where: str) -> Decomposition:
    rows = []
    for i, r in enumerate(raw.get("rows") or [], start=1):
        w = f"{where} 分解表第{i}行（{r.get('unit')}）"
        name = str(r.get("unit") or "")
        if not name:
            raise PlanDataError(f"{w}：缺少 unit")
        utype, ucode = resolve_unit(name, r.get("type"), r.get("code"))
        values = {_year(y, w): _num(v, f"{w} {y}年") for y, v in (r.get("values") or {}).items()}
        rows.append(DecompRow(utype, ucode, name, values, _num(r.get("row_total"), f"{w} 合计"),
                              _num(r.get("annual_growth_pct"), f"{w} 年均目标增速"),
                              tuple(r.get("responsible_units") or ())))
    tot = raw.get("totals") or {}
    totals = {_year(y, where): _num(v, f"{where} 合计行 {y}年") for y, v in (tot.get("values") or {}).items()}
    return Decomposition(source=str(raw.get("source") or ""), table_unit=raw.get("table_unit"),
                         rows=tuple(rows), totals=totals, total_label=tot.get("label"),
                         total_row_total=_num(tot.get("row_total"), f"{where} 合计行 合计"),
                         total_growth_pct=_num(tot.get("annual_growth_pct"), f"{where} 合计行 年均目标增速"),
                         sums_to_total=bool(raw.get("sums_to_total", True)))


def _member_decomposition(members: dict, year: int, value: float, where: str) -> Decomposition:
    """"每个…高新区至少 n" as a decomposition: every member zone holds the same value for the target year."""
    names = list(members.get("units") or [])
    if members.get("zone_level"):
        try:
            from gaoxin.reference import load_zones
            zones = load_zones()
            names += [n for n in zones.loc[zones["level"] == members["zone_level"], "short_name"] if n not in names]
        except (ImportError, FileNotFoundError, KeyError):
            pass  # reference data not shipped: only the named members
    if not names:
        raise PlanDataError(f"{where}：members 未列出任何单位")
    rows = []
    for name in names:
        utype, code = resolve_unit(name, "zone", None)
        rows.append(DecompRow(utype, code, name, {year: value}))
    return Decomposition(source=str(members.get("source") or ""), table_unit=None, rows=tuple(rows), totals={},
                         total_label=None, sums_to_total=False, kind="members")


def _target(raw: dict, plan_id: str, defaults: dict, file: str) -> Target:
    tid = raw.get("id")
    where = f"{file} 目标 {tid or '（无 id）'}"
    if not tid:
        raise PlanDataError(f"{where}：缺少 id")
    for key in ("indicator", "indicator_name", "kind", "source", "text"):
        if not raw.get(key):
            raise PlanDataError(f"{where}：缺少 {key}")
    kind = raw["kind"]
    if kind not in KINDS:
        raise PlanDataError(f"{where}：kind “{kind}” 不在 {KINDS} 中")
    comparator = raw.get("comparator", defaults.get("comparator", ">="))
    if comparator not in COMPARATORS:
        raise PlanDataError(f"{where}：comparator “{comparator}” 不在 {COMPARATORS} 中")
    scope = _scope(raw.get("scope") or defaults.get("scope") or {}, where)
    base = raw.get("baseline", defaults.get("baseline")) or {}
    tgt = raw.get("target") or {}
    target_year = _year(tgt.get("year", defaults.get("target_year")), f"{where} target.year")
    if target_year is None:
        raise PlanDataError(f"{where}：缺少目标年份 target.year")
    target_value = _num(tgt.get("value"), f"{where} target.value")
    multiple = _num(tgt.get("multiple"), f"{where} target.multiple")
    baseline_year = _year(base.get("year"), f"{where} baseline.year")
    if baseline_year is None and defaults.get("plan_start_year"):
        baseline_year = int(defaults["plan_start_year"]) - 1  # the year before the plan runs
    baseline_value = _num(base.get("value"), f"{where} baseline.value")
    if kind == "doubling":
        multiple = multiple or 2.0
        if baseline_year is None:
            raise PlanDataError(f"{where}：翻番目标必须给出基期年份 baseline.year")
        if target_value is None and baseline_value is not None:
            target_value = multiple * baseline_value
    elif target_value is None:
        raise PlanDataError(f"{where}：缺少目标值 target.value")
    if kind == "coverage" and target_value != 100:
        raise PlanDataError(f"{where}：全覆盖目标的目标值应为 100（%）")
    period = raw.get("period") or {}
    lead, responsible = _units(raw.get("responsible"))
    decomp = _decomposition(raw["decomposition"], where) if raw.get("decomposition") else None
    if decomp is None and raw.get("members") and raw.get("applies_to") == "each" \
            and kind in ("count", "level", "share", "coverage", "growth"):
        decomp = _member_decomposition(raw["members"], target_year, target_value, where)
    return Target(
        id=str(tid), plan_id=plan_id, indicator=str(raw["indicator"]), indicator_name=str(raw["indicator_name"]),
        unit=raw.get("unit"), kind=kind, comparator=comparator, scope=scope,
        baseline_year=baseline_year, baseline_value=baseline_value,
        target_year=target_year, target_value=target_value, lead_units=lead, responsible_units=responsible,
        source=str(raw["source"]), text=str(raw["text"]), periodicity=raw.get("periodicity", "once"),
        period_start=_year(period.get("start"), f"{where} period.start"),
        period_end=_year(period.get("end"), f"{where} period.end"),
        multiple=multiple, applies_to=raw.get("applies_to", "scope"), note=raw.get("note"),
        discrepancy=raw.get("discrepancy"),
        decomposition=decomp, spec=_jsonable(_merged(raw, defaults, target_year, baseline_year)),
    )


def _merged(raw: dict, defaults: dict, target_year: int, baseline_year: int | None) -> dict:
    """The record with the file's defaults filled in, so it can be rebuilt alone (`target_from_spec`)."""
    out = dict(raw)
    out.setdefault("scope", defaults.get("scope"))
    base = raw["baseline"] if "baseline" in raw else defaults.get("baseline")
    out["baseline"] = {**(base or {}), "year": baseline_year}
    out.setdefault("comparator", defaults.get("comparator", ">="))
    out["target"] = {**(raw.get("target") or {}), "year": target_year}
    return out


def target_from_spec(spec: dict, plan_id: str) -> Target:
    """Rebuild a Target from the `spec` JSON stored in the database (as written by sync_plans)."""
    return _target(spec, plan_id, {}, "数据库")


def _jsonable(obj: Any) -> Any:
    """The raw record with YAML anchors expanded and int year keys as strings (JSON columns)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return copy.deepcopy(obj)


def load_plan_file(path: Path) -> Plan:
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise PlanDataError(f"规划文件 {path.name} 不是有效的 YAML：{exc}") from exc
    if not isinstance(doc, dict) or "source" not in doc or "plan" not in doc:
        raise PlanDataError(f"规划文件 {path.name} 缺少顶层 source 或 plan 字段")
    p = doc["plan"]
    for key in ("id", "name", "source"):
        if not p.get(key):
            raise PlanDataError(f"规划文件 {path.name}：plan 缺少 {key}")
    defaults = {**(doc.get("defaults") or {}), "plan_start_year": p.get("start_year")}
    targets = tuple(_target(t, p["id"], defaults, path.name) for t in doc.get("targets") or [])
    seen: set[str] = set()
    for t in targets:
        if t.id in seen:
            raise PlanDataError(f"规划文件 {path.name}：目标 id “{t.id}” 重复")
        seen.add(t.id)
    return Plan(id=str(p["id"]), name=str(p["name"]), doc_no=p.get("doc_no"), issuer=p.get("issuer"),
                start_year=p.get("start_year"), end_year=p.get("end_year"), source=str(p["source"]),
                file=path.name, targets=targets)


@cache
def _load_plans_cached(directory: str) -> tuple[Plan, ...]:
    plans = tuple(load_plan_file(p) for p in sorted(Path(directory).glob("*.yaml")))
    ids: dict[str, str] = {}
    for plan in plans:
        for t in plan.targets:
            if t.id in ids:
                raise PlanDataError(f"目标 id “{t.id}” 同时出现在 {ids[t.id]} 和 {plan.file}")
            ids[t.id] = plan.file
    return plans


def load_plans(directory: Path | None = None) -> list[Plan]:
    """Every plan under `directory` (default: the shipped `gaoxin/reference/plans/`), sorted by file."""
    return list(_load_plans_cached(str(directory or PLANS_DIR)))


def load_targets(directory: Path | None = None, plan: str | None = None) -> list[Target]:
    out = []
    for p in load_plans(directory):
        if plan is None or p.id == plan or p.file.startswith(plan):
            out.extend(p.targets)
    return out


def find_target(target_id: str, directory: Path | None = None) -> Target | None:
    for t in load_targets(directory):
        if t.id == target_id:
            return t
    return None


def indicator_registry(directory: Path | None = None) -> list[dict]:
    """Every indicator code the plans use, for the store's indicator table:
    code, name, unit, unit_types (scope and decomposition unit types), description, source."""
    regs: dict[str, dict] = {}
    for t in load_targets(directory):
        unit = t.spec.get("level_unit") or t.unit
        item = regs.setdefault(t.indicator, {
            "code": t.indicator, "name": _base_name(t.indicator_name), "unit": unit,
            "unit_types": set(), "description": f"规划目标指标（{t.kind}）", "source": t.source})
        item["unit_types"].add(t.scope.type)
        if t.decomposition is not None:
            item["unit_types"].update(r.unit_type for r in t.decomposition.rows)
    return [{**v, "unit_types": sorted(v["unit_types"])} for v in regs.values()]


def _base_name(name: str) -> str:
    # "全社会研发经费投入（按县市区、园区分解）" → "全社会研发经费投入"
    return _PAREN.sub("", name).strip() or name


def clear_cache() -> None:
    _load_plans_cached.cache_clear()

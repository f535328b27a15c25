"""Validation of read sheets against the registry of units and indicators. Pure: frames in,
(clean rows, list of Problem) out. Every problem names file, sheet, row (as Excel shows it,
header = row 1), column, value and a Chinese reason, with a suggestion for near misses."""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Callable

import numpy as np
import pandas as pd

from gaoxin.credit_code import check_many, credit_code_problem
from gaoxin.ingest import schema as S
from gaoxin.ingest.clean import (CleanError, clean_number, clean_series, clean_text, clean_year,
                                 is_percent_unit, normalize_text, unit_scale)
from gaoxin.ingest.read import Sheet

log = logging.getLogger(__name__)

OBS_KEY = ["unit_type", "unit_code", "indicator_code", "period"]
EXTRA_PREFIXES = ("附加:", "扩展属性:", "附加属性:")  # NFKC of 附加： — the explicit group of extra attributes


def default_year_range() -> tuple[int, int]:
    """1949 to this year + the plan horizon (gaoxin/reference/fields.yaml)."""
    from gaoxin.reference import plausibility_settings
    return 1949, date.today().year + int(plausibility_settings()["plan_horizon_years"])


def plausibility(code: str | None, unit: str | None, vals: np.ndarray) -> np.ndarray:
    """Per value: None, or the Chinese reason a hard rule of gaoxin/reference/fields.yaml refuses it.
    Enterprise fields use their own rule, other indicators the rule of their unit."""
    from gaoxin.ingest.soft import fmt
    from gaoxin.reference import field_rules, plausibility_settings, unit_rules
    vals = np.asarray(vals, dtype="float64")
    out = np.full(len(vals), None, dtype=object)
    rule = field_rules().get(code or "") or unit_rules().get(normalize_text(unit) if unit else "")
    big = np.abs(vals) > float(plausibility_settings()["max_abs"])
    out[big] = "数值大得不合理（超过 10^15），请检查单位或小数点"
    if rule is None:
        return out
    lo, hi = rule.get("min"), rule.get("max")
    label = rule.get("label", "")
    free = out == None  # noqa: E711 - element-wise
    if lo is not None:
        m = free & (vals < float(lo))
        out[m] = "不能为负数" + f"（{label}）" if float(lo) == 0 else f"低于允许的最小值 {fmt(float(lo))}（{label}）"
    if hi is not None:
        m = (out == None) & (vals > float(hi))  # noqa: E711
        out[m] = f"超过允许的最大值 {fmt(float(hi))}（{label}）"
    if rule.get("integer"):
        with np.errstate(invalid="ignore"):  # ±inf was refused above
            m = (out == None) & np.isfinite(vals) & (np.mod(vals, 1) != 0)  # noqa: E711
        out[m] = f"应为整数（{label}）"
    return out


@dataclass
class Problem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str
    suggestion: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = "，".join(x for x in (self.file, f"工作表“{self.sheet}”" if self.sheet else None,
                                      f"第{self.row}行" if self.row else None,
                                      f"“{self.column}”列" if self.column else None) if x)
        tail = f"（{self.suggestion}）" if self.suggestion else ""
        return f"{where}：{self.reason}{tail}"


@dataclass
class Context:
    """What a file is checked against (built from the database by load.py, or by hand in tests).

    zones: [code, name, short_name]; regions: [code, name, level]; indicators: [code, name, unit,
    unit_types]."""
    zones: pd.DataFrame
    regions: pd.DataFrame
    indicators: pd.DataFrame
    year_range: tuple[int, int] = field(default_factory=lambda: default_year_range())
    enterprises: pd.DataFrame | None = None  # [credit_code, name]: lets a unit be an enterprise's name
    # values already stored for the units and indicators of a file (load.py queries them): the usual
    # magnitude the soft check compares with; frame in → [unit_type, unit_code, indicator_code, period, value]
    history: "Callable[[pd.DataFrame], pd.DataFrame] | None" = None

    def __post_init__(self):
        self._units: dict[str, list[tuple[str, str]]] = {}
        for r in self.zones.itertuples(index=False):
            for key in (r.code, r.name, getattr(r, "short_name", None)):
                if isinstance(key, str) and key:
                    self._units.setdefault(normalize_text(key), []).append(("zone", r.code))
        for r in self.regions.itertuples(index=False):
            for key in (r.code, r.name):
                if isinstance(key, str) and key:
                    utype = "county" if r.level == "park" else r.level  # parks sit beside counties
                    self._units.setdefault(normalize_text(key), []).append((utype, r.code))
        self._zone_names = list(self.zones["name"]) if len(self.zones) else []
        self._unit_names = [k for k in self._units if not k.isdigit()]
        self._ent: dict[str, str] = {}
        if self.enterprises is not None and len(self.enterprises):
            names = self.enterprises["name"].map(lambda n: normalize_text(str(n)))
            unique = ~names.duplicated(keep=False)  # a name two enterprises share cannot identify one
            self._ent = dict(zip(names[unique], self.enterprises["credit_code"][unique]))
        self._ent_suggestions = 0
        self._ind: dict[str, str] = {}
        self._ind_unit: dict[str, str | None] = {}
        self._ind_types: dict[str, list] = {}
        self._ind_name: dict[str, str] = {}
        for r in self.indicators.itertuples(index=False):
            self._ind[normalize_text(r.code).lower()] = r.code
            self._ind[normalize_text(r.name)] = r.code
            self._ind_unit[r.code] = r.unit if isinstance(r.unit, str) and r.unit else None
            self._ind_types[r.code] = list(r.unit_types) if isinstance(r.unit_types, (list, tuple)) else []
            self._ind_name[r.code] = r.name

    # --- units ---
    def resolve_unit(self, value: str, unit_type: str | None) -> tuple[str | None, str | None, str | None, str | None]:
        """(unit_type, unit_code, reason, suggestion) for a unit cell."""
        v = normalize_text(value)
        if unit_type in ("department", "category"):
            # a known department / category name becomes its code; anything else is kept as written
            hit = [h for h in self._reference_unit(v) if h[0] == unit_type]
            return unit_type, (hit[0][1] if hit else v), None, None
        if unit_type in (None, "enterprise") and v in self._ent:
            return "enterprise", self._ent[v], None, None
        looks_like_code = re.fullmatch(r"[0-9A-Za-z]{15,20}", v) is not None
        if (unit_type == "enterprise" and looks_like_code) or (unit_type is None and len(v) == 18 and looks_like_code):
            reason = credit_code_problem(v)
            return ("enterprise", v.upper(), None, None) if reason is None else (None, None, reason, None)
        hits = self._units.get(v, []) or self._reference_unit(v)
        if unit_type is not None:
            hits = [h for h in hits if h[0] == unit_type]
        if hits:
            return hits[0][0], hits[0][1], None, None
        if unit_type == "enterprise":
            sugg = None
            if self._ent and self._ent_suggestions < 50:  # difflib over many names is slow: bound it
                self._ent_suggestions += 1
                m = difflib.get_close_matches(v, list(self._ent), n=3, cutoff=0.6)
                sugg = f"您是否指：{'、'.join(m)}" if m else None
            return None, None, f"未知的企业“{value}”（请填写统一社会信用代码或已登记的企业名称）", sugg
        what = S.UNIT_TYPE_NAMES.get(unit_type, "单位") if unit_type else "单位"
        return None, None, f"未知的{what}“{value}”", self.suggest_unit(v)

    def _reference_unit(self, v: str) -> list[tuple[str, str]]:
        """Spelling variants (湖南长沙国家高新区), departments and categories known to gaoxin.reference."""
        try:
            from gaoxin.reference import find_unit
            hit = find_unit(v)
        except Exception:  # noqa: BLE001 - reference data optional here
            return []
        if hit is None:
            return []
        if hit[0] == "zone" and hit[1] not in set(self.zones["code"]):
            return []
        return [hit]

    def suggest_unit(self, v: str) -> str | None:
        m = difflib.get_close_matches(v, self._unit_names, n=3, cutoff=0.5)
        return f"您是否指：{'、'.join(m)}" if m else None

    def resolve_zone(self, value: str) -> tuple[str | None, str | None, str | None]:
        v = normalize_text(value)
        hits = [h for h in self._units.get(v, []) or self._reference_unit(v) if h[0] == "zone"]
        if hits:
            return hits[0][1], None, None
        m = difflib.get_close_matches(v, self._zone_names, n=3, cutoff=0.4)
        return None, f"未知的高新区“{value}”", (f"您是否指：{'、'.join(m)}" if m else None)

    def resolve_region(self, value: str) -> tuple[str | None, str | None, str | None]:
        v = normalize_text(value)
        hits = [h for h in self._units.get(v, []) if h[0] in ("province", "city", "county")]
        if hits:
            return hits[0][1], None, None
        return None, f"未知的行政区“{value}”", self.suggest_unit(v)

    # --- indicators ---
    def resolve_indicator(self, header: str) -> tuple[str | None, str | None]:
        """(indicator code, declared unit from a trailing （…）) or (None, None)."""
        h = normalize_text(header)
        code = self._ind.get(h.lower()) or self._ind.get(h)
        if code:
            return code, None
        m = re.fullmatch(r"(.+?)\s*\(([^()]*)\)", h)  # NFKC turned （） into ()
        if m:
            code = self._ind.get(m.group(1).strip().lower()) or self._ind.get(m.group(1).strip())
            if code:
                return code, m.group(2).strip() or None
        return None, None

    def suggest_indicator(self, header: str) -> str | None:
        h = re.sub(r"\(.*\)$", "", normalize_text(header)).strip()
        by_name = {normalize_text(n): c for c, n in self._ind_name.items()}
        m = difflib.get_close_matches(h, list(by_name), n=1, cutoff=0.5)
        if m:
            code = by_name[m[0]]
        else:
            m = difflib.get_close_matches(h.lower(), [k for k in self._ind if k.isascii()], n=1, cutoff=0.6)
            if not m:
                return None
            code = self._ind[m[0]]
        # the Chinese name only: a code such as national_high_tech_zones means nothing to the reader
        return f"您是否指：{self._ind_name.get(code, code)}"

    def indicator_unit(self, code: str) -> str | None:
        return self._ind_unit.get(code)

    def indicator_types(self, code: str) -> list:
        return self._ind_types.get(code, [])


@dataclass
class Parsed:
    kind: str | None = None
    layout: str | None = None
    observations: pd.DataFrame | None = None  # long rows ready for write_observations
    records: list[dict] = field(default_factory=list)  # model rows for the other kinds
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    warnings: list[Problem] = field(default_factory=list)  # soft rules: load only after confirmation
    notices: list[str] = field(default_factory=list)       # sheets skipped and why


def _texts(col: pd.Series) -> pd.Series:
    """clean_text over a column, kept as object with None for blanks (pandas 3 would otherwise
    infer a string dtype and turn None into NaN)."""
    return pd.Series([clean_text(v) for v in col.to_numpy(dtype=object)], index=col.index, dtype=object)


def _find(header: list[str], names) -> str | None:
    for h in header:
        if h in names:
            return h
    return None


SIGNATURES = {  # columns that only the template of that kind has
    "results": {"成果编号", "成果名称", "成果简介", "完成单位", "技术成熟度", "知识产权类型", "知识产权号", "转化方式"},
    "demands": {"需求编号", "需求名称", "需求描述", normalize_text("预算（万元）"), "截止日期"},
    "policies": {"政策编号", "政策名称", "政策内容", "发布单位", "适用梯队", "适用产业", "支持额度"},
    "enterprises": {"企业名称", "所在高新区", "所在县市区", "产业领域", "新赛道", "成立日期"},
}


def detect_kind(header: list[str]) -> tuple[str | None, str | None]:
    """(kind, layout) from a header row; layout is 'long' / 'wide' for observations."""
    h = set(header)
    # a template is recognised by any column only it has, so a missing required column can be named
    for kind in ("results", "demands", "policies"):
        if h & SIGNATURES[kind]:
            return kind, None
    if "统一社会信用代码" in h and h & SIGNATURES["enterprises"]:
        return "enterprises", None
    has_unit = _find(header, S.UNIT_HEADERS + ("统一社会信用代码",)) is not None
    if has_unit and _find(header, S.INDICATOR_HEADERS) and _find(header, S.VALUE_HEADERS):
        return "observations", "long"
    if has_unit and _find(header, S.YEAR_HEADERS):
        return "observations", "wide"
    return None, None


def _cell(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return str(v)


class _Collector:
    def __init__(self, file: str, sheet: str | None, header_row: int = 1, labels: dict | None = None):
        self.file, self.sheet, self.items, self.header_row = file, sheet, [], header_row
        self.warnings: list[Problem] = []
        self.labels = labels or {}  # columns are named as the user wrote them

    def add(self, row, column, value, reason, suggestion=None):
        if row == 1:  # "the header": report the row the header really is on
            row = self.header_row
        label = self.labels.get(column)
        if label:  # a header quoted in the reason or given as the value is shown as written too
            reason = reason.replace(f"“{column}”", f"“{label}”")
            value = label if value == column else value
        self.items.append(Problem(self.file, self.sheet, None if row is None else int(row),
                                  label or column, _cell(value), reason, suggestion))

    def warn(self, row, column, value, reason, suggestion=None):
        self.warnings.append(Problem(self.file, self.sheet, None if row is None else int(row),
                                     self.labels.get(column, column), _cell(value), reason, suggestion))

    def soft(self, index, column, raw, vals, code, unit, skip) -> None:
        """Warnings of the soft rules for one column of numbers (gaoxin.ingest.soft); `skip` marks
        cells already refused."""
        from gaoxin.ingest.soft import percent_mismatch, soft_range
        ranged = soft_range(code, unit, vals)
        for i in np.flatnonzero((ranged != None) & ~skip):  # noqa: E711
            self.warn(index[i], column, raw.iat[i], ranged[i], "请核对该数值及其计量单位；确认无误可照常导入")
        reasons, hints = percent_mismatch(raw, vals, code, unit)
        for i in np.flatnonzero((reasons != None) & ~skip):  # noqa: E711
            self.warn(index[i], column, raw.iat[i], reasons[i], hints[i])


def _unit_type_series(frame: pd.DataFrame, col: str | None, out: _Collector) -> pd.Series:
    if col is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    result = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for raw in pd.unique(frame[col].to_numpy()):
        t = clean_text(raw)
        mask = frame[col] == raw if raw is not None else frame[col].isna()
        if t is None:
            continue
        label = S.UNIT_TYPE_LABELS.get(t)
        if label is None:
            for row in frame.index[mask]:
                out.add(row, col, raw, f"未知的单位类型“{t}”",
                        "可填：" + "、".join(["省", "市州", "县市区", "高新区", "企业", "部门", "类别"]))
        result[mask] = label
    return result


def _resolve_units(frame: pd.DataFrame, unit_col: str, types: pd.Series, ctx: Context,
                   out: _Collector) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Vectorised over distinct (unit, type) pairs: each pair is resolved once."""
    text = _texts(frame[unit_col])
    t = types.copy()
    if unit_col == "统一社会信用代码":
        t = t.where(t.notna(), "enterprise")
    key = text.fillna("\x00") + "\x01" + t.fillna("").astype(str)
    codes, uniques = pd.factorize(key)
    n = len(uniques)
    r_type = np.empty(n, dtype=object)
    r_code = np.empty(n, dtype=object)
    r_ok = np.ones(n, dtype=bool)
    positions = pd.Series(np.arange(len(frame))).groupby(codes).first().to_numpy()
    for i in range(n):
        p = positions[i]
        u, tt = text.iat[p], t.iat[p]
        if u is None:
            r_ok[i] = False
            continue
        rtype, rcode, reason, sugg = ctx.resolve_unit(u, tt)
        r_type[i], r_code[i] = rtype, rcode
        if reason:
            r_ok[i] = False
            mask = codes == i
            for row in frame.index[mask]:
                out.add(row, unit_col, u, reason, sugg)
    ok = r_ok[codes]
    for row in frame.index[text.isna().to_numpy()]:
        out.add(row, unit_col, None, "单位为空")
    utype = pd.Series(r_type[codes], index=frame.index, dtype=object)
    ucode = pd.Series(r_code[codes], index=frame.index, dtype=object)
    return utype, ucode, ok


def _years(frame: pd.DataFrame, col: str, ctx: Context, out: _Collector) -> tuple[pd.Series, np.ndarray]:
    vals = frame[col].to_numpy(dtype=object)
    codes, uniques = pd.factorize(vals, use_na_sentinel=True)
    r_year = np.zeros(len(uniques) + 1, dtype="int64")  # last slot: the NA sentinel (-1)
    r_ok = np.zeros(len(uniques) + 1, dtype=bool)
    for i, v in enumerate(uniques):
        try:
            r_year[i] = clean_year(v, *ctx.year_range)
            r_ok[i] = True
        except CleanError as exc:
            for row in frame.index[codes == i]:
                out.add(row, col, v, exc.args[0])
    for row in frame.index[codes == -1]:
        out.add(row, col, None, "年份为空")
    return pd.Series(r_year[codes], index=frame.index), r_ok[codes]


def _unit_factor(declared: str | None, indicator_unit: str | None) -> float | None:
    """Factor turning values in the declared unit into the indicator's unit; None when incompatible."""
    if not declared or not indicator_unit:
        return 1.0
    d, i = normalize_text(declared), normalize_text(indicator_unit)
    if d == i:
        return 1.0
    if is_percent_unit(d) or is_percent_unit(i):
        return None
    strip = lambda u: u[2:] if u[:2] in ("千万", "百万") else (u[1:] if u[:1] in ("万", "亿", "千") and len(u) > 1 else u)
    if strip(d) != strip(i):
        return None
    return float(unit_scale(d) / unit_scale(i))


def _check_types(long: pd.DataFrame, rows: np.ndarray, cols: np.ndarray, ctx: Context, out: _Collector) -> np.ndarray:
    ok = np.ones(len(long), dtype=bool)
    for (code, ut), idx in long.groupby(["indicator_code", "unit_type"], sort=False).groups.items():
        allowed = ctx.indicator_types(code)
        if allowed and ut not in allowed:
            pos = long.index.get_indexer(idx)
            for p in pos[:20]:  # the same reason on thousands of rows helps nobody: show 20 and a count
                out.add(rows[p], cols[p], None,
                        f"指标“{ctx._ind_name.get(code, code)}”不适用于{S.UNIT_TYPE_NAMES.get(ut, ut)}",
                        "适用于：" + "、".join(S.UNIT_TYPE_NAMES.get(a, a) for a in allowed))
            if len(pos) > 20:
                out.add(None, cols[pos[0]], None, f"另有{len(pos) - 20}行同样的问题（指标“{ctx._ind_name.get(code, code)}”"
                        f"不适用于{S.UNIT_TYPE_NAMES.get(ut, ut)}）")
            ok[pos] = False
    return ok


def _duplicates(long: pd.DataFrame, out: _Collector) -> None:
    dup = long.duplicated(OBS_KEY, keep=False)
    if not dup.any():
        return
    d = long[dup]
    for _, g in d.groupby(OBS_KEY, sort=False):
        first = g.iloc[0]
        s0 = first["_sheet"] if isinstance(first["_sheet"], str) else None
        for _, r in g.iloc[1:].iterrows():
            s1 = r["_sheet"] if isinstance(r["_sheet"], str) else None
            where = f"第{int(first['_row'])}行" + (f"（工作表“{s0}”）" if s0 and s0 != s1 else "")
            out.items.append(Problem(out.file, s1, int(r["_row"]), r["_col"], None,
                                     f"与{where}重复：同一单位、指标、年份出现两次",
                                     "请删除其中一行或合并"))


def validate_observations(file: str, sheet: Sheet, layout: str, ctx: Context,
                          source: str | None = None) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """(long observations, problems, warnings) of one sheet of indicator data."""
    out = _Collector(file, sheet.name, sheet.header_row, sheet.labels)
    f = sheet.frame
    header = sheet.header
    seen = set()
    for h in header:
        if not h:
            out.add(1, None, None, "表头有空白列")
        elif h in seen:
            out.add(1, h, h, f"表头“{h}”重复")
        seen.add(h)
    if out.items:
        return pd.DataFrame(), out.items, []
    unit_col = _find(header, S.UNIT_HEADERS + ("统一社会信用代码",))
    type_col = _find(header, S.UNIT_TYPE_HEADERS)
    year_col = _find(header, S.YEAR_HEADERS)
    src_col = _find(header, S.SOURCE_HEADERS)
    if year_col is None:
        out.add(1, None, None, "缺少“年份”列")
        return pd.DataFrame(), out.items, []
    if len(f) == 0:
        out.add(None, None, None, "没有数据行")
        return pd.DataFrame(), out.items, []
    types = _unit_type_series(f, type_col, out)
    utype, ucode, ok_unit = _resolve_units(f, unit_col, types, ctx, out)
    years, ok_year = _years(f, year_col, ctx, out)
    ok_row = ok_unit & ok_year
    src = _texts(f[src_col]) if src_col else pd.Series(source, index=f.index, dtype=object)

    parts = []
    if layout == "wide":
        used = {type_col, year_col, src_col} | set(S.IGNORED_HEADERS) | set(S.UNIT_HEADERS) | {"统一社会信用代码", "企业名称"}
        ind_cols = [h for h in header if h not in used]
        if not ind_cols:
            out.add(1, None, None, "没有指标列：宽表应在“单位”“年份”之后每列一个指标（指标代码或名称）")
        for h in ind_cols:
            code, declared = ctx.resolve_indicator(h)
            if code is None:
                out.add(1, h, h, f"未知的指标“{h}”", ctx.suggest_indicator(h))
                continue
            iunit = ctx.indicator_unit(code)
            factor = _unit_factor(declared, iunit)
            if factor is None:
                out.add(1, h, h, f"列标题中的计量单位“{declared}”与指标单位“{iunit}”不一致")
                continue
            vals, errs = clean_series(f[h], declared or iunit)
            bad = errs.notna().to_numpy().copy()  # pandas 3 hands out read-only views
            for row in f.index[bad]:
                out.add(row, h, f.at[row, h], errs[row])
            reasons = plausibility(code, iunit, vals.to_numpy() * factor)
            for i in np.flatnonzero(reasons != None):  # noqa: E711
                out.add(f.index[i], h, f[h].iat[i], reasons[i])
                bad[i] = True
            out.soft(f.index, h, f[h], vals.to_numpy() * factor, code, iunit, bad)
            keep = vals.notna().to_numpy() & ok_row & ~bad
            if keep.any():
                parts.append(pd.DataFrame({
                    "unit_type": utype[keep].to_numpy(), "unit_code": ucode[keep].to_numpy(),
                    "indicator_code": code, "period": years[keep].to_numpy(),
                    "value": vals[keep].to_numpy() * factor, "unit_of_measure": iunit or declared,
                    "source": src[keep].to_numpy(), "_row": f.index[keep].to_numpy(), "_col": h,
                    "_sheet": sheet.name}))
    else:
        ind_col = _find(header, S.INDICATOR_HEADERS)
        val_col = _find(header, S.VALUE_HEADERS)
        mea_col = _find(header, S.MEASURE_HEADERS)
        ind_text = _texts(f[ind_col])
        mea_text = _texts(f[mea_col]) if mea_col else pd.Series(None, index=f.index, dtype=object)
        codes = pd.Series(None, index=f.index, dtype=object)
        for raw, idx in ind_text.groupby(ind_text.fillna(""), sort=False).groups.items():
            if raw == "":
                for row in idx:
                    out.add(row, ind_col, None, "指标为空")
                continue
            code, declared = ctx.resolve_indicator(raw)
            if code is None:
                for row in idx:
                    out.add(row, ind_col, raw, f"未知的指标“{raw}”", ctx.suggest_indicator(raw))
                continue
            codes[idx] = code
        grp = pd.DataFrame({"c": codes, "m": mea_text})
        for (code, declared), idx in grp.groupby(["c", "m"], dropna=False, sort=False).groups.items():
            if code is None or (isinstance(code, float) and np.isnan(code)):
                continue
            declared = None if declared is None or (isinstance(declared, float) and np.isnan(declared)) else declared
            iunit = ctx.indicator_unit(code)
            factor = _unit_factor(declared, iunit)
            if factor is None:
                for row in idx:
                    out.add(row, mea_col, declared, f"计量单位“{declared}”与指标单位“{iunit}”不一致")
                continue
            vals, errs = clean_series(f.loc[idx, val_col], declared or iunit)
            bad = errs.notna().to_numpy().copy()  # pandas 3 hands out read-only views
            for row in idx[bad]:
                out.add(row, val_col, f.at[row, val_col], errs[row])
            reasons = plausibility(code, iunit, vals.to_numpy() * factor)
            for i in np.flatnonzero(reasons != None):  # noqa: E711
                out.add(idx[i], val_col, f.at[idx[i], val_col], reasons[i])
                bad[i] = True
            out.soft(idx, val_col, f.loc[idx, val_col], vals.to_numpy() * factor, code, iunit, bad)
            pos = f.index.get_indexer(idx)
            keep = vals.notna().to_numpy() & ~bad & ok_row[pos]
            if keep.any():
                sel = idx[keep]
                parts.append(pd.DataFrame({
                    "unit_type": utype[sel].to_numpy(), "unit_code": ucode[sel].to_numpy(),
                    "indicator_code": code, "period": years[sel].to_numpy(),
                    "value": vals.to_numpy()[keep] * factor, "unit_of_measure": iunit or declared,
                    "source": src[sel].to_numpy(), "_row": sel.to_numpy(), "_col": val_col,
                    "_sheet": sheet.name}))
    cols = OBS_KEY + ["value", "unit_of_measure", "source", "_row", "_col", "_sheet"]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    if len(long):
        ok = _check_types(long, long["_row"].to_numpy(), long["_col"].to_numpy(), ctx, out)
        long = long[ok].reset_index(drop=True)
    return long, out.items, out.warnings


# --- model-row kinds ---------------------------------------------------------------------------

def _ymd(y: int, m: int, d: int, raw) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"日期不存在：“{raw}”（{y}年{m}月没有{d}日，或月份不在1–12之间）") from None


def _parse_date(v) -> date:
    """A date cell → date; ValueError with a Chinese reason. Excel serials 1–2958465 (year 9999)."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            raise ValueError(f"无法识别的日期“{v}”（应如 2021-06-30）")
        if 1900 <= f <= 2100 and f.is_integer():
            return date(int(f), 1, 1)
        if not 1 <= f <= 2958465:
            raise ValueError(f"无法识别的日期“{v}”：作为 Excel 日期序号超出范围（应如 2021-06-30）")
        return (datetime(1899, 12, 30) + pd.Timedelta(days=f).to_pytimedelta()).date()  # Excel serial
    s = normalize_text(str(v))
    m = re.fullmatch(r"(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})日?(?:[ T]00:00(?::00)?)?", s)
    if m:
        return _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)), v)
    m = re.fullmatch(r"(\d{4})[年\-/.](\d{1,2})月?", s)
    if m:
        return _ymd(int(m.group(1)), int(m.group(2)), 1, v)
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        return _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)), v)
    raise ValueError(f"无法识别的日期“{v}”（应如 2021-06-30）")


def founding_date(v, today: date | None = None) -> date:
    """成立日期: a date not before 1949-01-01 and not after today (gaoxin/reference/fields.yaml)."""
    d = _parse_date(v)
    from gaoxin.reference import plausibility_settings
    lo = plausibility_settings()["founded_min_year"]
    today = today or date.today()
    if d.year < lo:
        raise ValueError(f"成立日期 {d.isoformat()} 早于 {lo} 年，不合理")
    if d > today:
        raise ValueError(f"成立日期 {d.isoformat()} 晚于导入当天（{today.isoformat()}），不合理")
    return d


def validate_records(file: str, sheet: Sheet, kind: str, ctx: Context,
                     source: str | None = None) -> tuple[list[dict], pd.DataFrame, list[Problem], list[Problem]]:
    """Model rows for enterprises / results / demands / policies; for enterprises also the long
    observations of indicator columns when a 年份 column is present. Returns (records, long
    observations, problems, warnings)."""
    out = _Collector(file, sheet.name, sheet.header_row, sheet.labels)
    fields = S.FIELD_MAPS[kind]
    f = sheet.frame
    header = sheet.header
    norm_fields = {normalize_text(k): v for k, v in fields.items()}
    for req in S.REQUIRED[kind]:
        if normalize_text(req) not in header:
            out.add(1, req, None, f"缺少必填列“{req}”")
    if out.items:
        return [], pd.DataFrame(), out.items, []
    year_col = _find(header, S.YEAR_HEADERS) if kind == "enterprises" else None
    extra = [h for h in header if h and h not in norm_fields and h != year_col and h not in S.IGNORED_HEADERS]
    attr_cols: dict[str, tuple[str, str | None]] = {}
    ind_cols: dict[str, tuple[str, str | None, int | None]] = {}
    for h in extra:
        if kind != "enterprises":
            near = difflib.get_close_matches(h, list(fields), n=1, cutoff=0.6)
            out.add(1, h, h, f"无法识别的列“{h}”",
                    f"是否为“{near[0]}”" if near else "可用列：" + "、".join(fields))
            continue
        from gaoxin.ingest.enterprise_file import enterprise_header, suggest_header
        if h.startswith(EXTRA_PREFIXES):  # an explicitly named extra attribute: kept as written
            attr_cols[h] = (h.split(":", 1)[1].strip() or h, None)
            continue
        hd = enterprise_header(h)
        code, declared, year = (hd.code, hd.unit, hd.year) if hd is not None else (None, None, None)
        if hd is None:
            code, declared = ctx.resolve_indicator(h)
            if code is not None and "enterprise" not in ctx.indicator_types(code) and ctx.indicator_types(code):
                code = None
        if code is None:
            out.add(1, h, h, f"无法识别的列“{h}”",
                    suggest_header(h) or ctx.suggest_indicator(h)
                    or "企业指标列名应为字段中文名称（可带计量单位和年份，如“营业收入（万元）”“营业收入_2024”）；"
                       "其他信息请放在以“附加：”开头的列中")
            continue
        if code in _static_codes():
            attr_cols[h] = (code, declared)
        elif hd is not None and hd.code not in F_ANNUAL():
            out.add(1, h, h, f"列“{h}”与基本信息列重复", "请只保留模板中的一列")
        elif year is None and year_col is None:
            out.add(1, h, h, f"年度指标“{h}”没有年份：请加“年份”列，或在列名中写明年份",
                    f"如“{h}_2024”" if hd is not None and hd.k is None else "导入文件不能用 _y0/_y1，请写年份")
        elif hd is not None and hd.k is not None:
            out.add(1, h, h, f"导入文件中年度指标“{h}”不能用 _y0/_y1 表示年份", "请写明年份，如“营业收入_2024”")
        else:
            ind_cols[h] = (code, declared, year)
    required = {fields[r][0] for r in S.REQUIRED[kind]}
    key = S.KEY_FIELD[kind]
    bad_rows: set[int] = set()
    # credit codes: one vectorised check, messages only for the failures
    credit_cols = [h for h, (fld, t) in norm_fields.items() if t == "credit" and h in header]
    for h in credit_cols:
        codes = _texts(f[h])
        valid = check_many(codes.to_numpy())
        for row in f.index[~valid]:
            v = codes[row]
            if v is None:  # blank: reported as a missing required cell, or allowed
                continue
            out.add(row, h, v, credit_code_problem(v))
            bad_rows.add(row)
    n = len(f)
    bad = np.zeros(n, dtype=bool)
    bad[f.index.get_indexer(list(bad_rows))] = True
    columns: dict[str, list] = {}
    # column-wise: each distinct cell value of a column is converted once, then mapped back
    for h, (fld, typ) in norm_fields.items():
        if h not in header:
            continue
        vals, errs = _convert_column(f[h], typ, fld, ctx)
        columns[fld] = vals
        for i in np.flatnonzero([e is not None for e in errs]):
            reason, sugg = errs[i]
            if reason is None:  # a blank cell
                if fld not in required:
                    continue
                reason = f"“{h}”为必填项"
            if typ == "credit" and reason != f"“{h}”为必填项":
                continue  # already reported by the vectorised check above
            out.add(f.index[i], h, f[h].iat[i], reason, sugg)
            bad[i] = True
    if attr_cols:
        attr_vals = {}
        for h, (akey, declared) in attr_cols.items():
            iunit = ctx.indicator_unit(akey) or _field_unit(akey)
            factor = _unit_factor(declared, iunit) if akey in _static_codes() else 1.0
            if factor is None:
                out.add(1, h, h, f"列标题中的计量单位“{declared}”与指标单位“{iunit}”不一致")
                continue
            vals, errs = _convert_column(f[h], "attr:" + akey + "|" + (declared or iunit or ""), akey, ctx)
            if akey in _static_codes() and akey not in _bool_codes():
                nums = np.array([v * factor if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan
                                 for v in vals], dtype="float64")
                vals = [None if v is None else (float(n) if n == n else v) for v, n in zip(vals, nums)]
                reasons = plausibility(akey, iunit, nums)
                for i in np.flatnonzero(reasons != None):  # noqa: E711
                    out.add(f.index[i], h, f[h].iat[i], reasons[i])
                    bad[i] = True
                out.soft(f.index, h, f[h], nums, akey, iunit, reasons != None)  # noqa: E711
            attr_vals[akey] = vals
            for i in np.flatnonzero([e is not None and e[0] is not None for e in errs]):
                out.add(f.index[i], h, f[h].iat[i], errs[i][0])
                bad[i] = True
        keys = list(attr_vals)
        columns["attributes"] = [{k: v for k, v in zip(keys, vs) if v is not None}
                                 for vs in zip(*attr_vals.values())]
    key_vals = pd.Series(columns.get(key, [None] * n), index=f.index, dtype=object)
    if year_col is not None:  # one row per enterprise and year: the key is (credit code, year)
        yr = _texts(f[year_col]).fillna("")
        key_vals = key_vals.where(key_vals.isna(), key_vals.astype(str) + "|" + yr)
    dup = key_vals.notna().to_numpy() & ~bad & key_vals.where(~bad).duplicated(keep="first").to_numpy()
    if dup.any():
        hk = [h for h, (fld, _) in norm_fields.items() if fld == key][0]
        first_row = {}
        for i in np.flatnonzero(key_vals.notna().to_numpy() & ~bad):
            first_row.setdefault(key_vals.iat[i], f.index[i])
        for i in np.flatnonzero(dup):
            out.add(f.index[i], hk, str(key_vals.iat[i]).split("|")[0],
                    f"与第{first_row[key_vals.iat[i]]}行重复：同一编号出现两次" + ("（同一年份）" if year_col else ""),
                    "请删除其中一行或合并")
        bad |= dup
    columns["_row"] = [int(r) for r in f.index]
    columns["_sheet"] = [sheet.name] * n
    keep = np.flatnonzero(~bad)
    names = list(columns)
    records = [dict(zip(names, vs)) for vs in zip(*(columns[c] for c in names))]
    records = [records[i] for i in keep]
    if year_col is not None:  # the enterprise's own row once (its first row), yearly values below
        seen_keys: set = set()
        records = [r for r in records if not (r.get(key) in seen_keys or seen_keys.add(r.get(key)))]
    # annual indicator values in an enterprise file → observations of the enterprise
    long = pd.DataFrame()
    if ind_cols:
        if year_col:
            years, ok_year = _years(f, year_col, ctx, out)
        parts = []
        for h, (code, declared, col_year) in ind_cols.items():
            if col_year is not None:
                years, ok_year = pd.Series(col_year, index=f.index), np.ones(len(f), dtype=bool)
            iunit = ctx.indicator_unit(code)
            factor = _unit_factor(declared, iunit)
            if factor is None:
                out.add(1, h, h, f"列标题中的计量单位“{declared}”与指标单位“{iunit}”不一致")
                continue
            vals, errs = clean_series(f[h], declared or iunit)
            for row in f.index[errs.notna().to_numpy()]:
                out.add(row, h, f.at[row, h], errs[row])
            reasons = plausibility(code, iunit, vals.to_numpy() * factor)
            for i in np.flatnonzero(reasons != None):  # noqa: E711
                out.add(f.index[i], h, f[h].iat[i], reasons[i])
            out.soft(f.index, h, f[h], vals.to_numpy() * factor, code, iunit, (reasons != None) | errs.notna().to_numpy())  # noqa: E711
            keep = vals.notna().to_numpy() & errs.isna().to_numpy() & ok_year & (reasons == None)  # noqa: E711
            codes = f["统一社会信用代码"].map(lambda v: (clean_text(v) or "").upper())
            parts.append(pd.DataFrame({"unit_type": "enterprise", "unit_code": codes[keep].to_numpy(),
                                       "indicator_code": code, "period": years[keep].to_numpy(),
                                       "value": vals[keep].to_numpy() * factor, "unit_of_measure": iunit or declared,
                                       "source": source, "_row": f.index[keep].to_numpy(), "_col": h,
                                       "_sheet": sheet.name}))
        if parts:
            long = pd.concat(parts, ignore_index=True)
    return records, long, out.items, out.warnings


class _Sugg(Exception):
    pass


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _user_text(exc: Exception, value) -> str:
    """The Chinese reason of our own errors; a library's (English) text is logged, never shown."""
    msg = str(exc.args[0]) if exc.args else ""
    if _CJK.search(msg):
        return msg
    log.warning("无法读取单元格值 %r：%s: %s", value, type(exc).__name__, exc)
    return "无法读取该单元格（已记入系统日志，请联系管理员）"


def _convert_cell(raw, typ: str, fld: str, ctx: Context):
    """One cell of a model-row column → value; raises _Sugg / ValueError / CleanError."""
    if typ.startswith("attr:"):
        code, _, unit = typ[5:].partition("|")
        return _attribute_value(raw, code, unit or None)
    text = clean_text(raw)
    if text is None:
        return None
    if typ == "text":
        return text
    if typ == "credit":
        return text.upper()
    if typ == "int":
        n = clean_number(raw)
        if not float(n).is_integer():
            raise ValueError(f"应为整数：“{raw}”")
        if fld == "trl" and not 1 <= int(n) <= 9:
            raise ValueError("技术成熟度应为 1–9 级")
        return int(n)
    if typ == "float_wan":
        v = clean_number(raw, "万元")
        return None if v != v else v
    if typ == "date":
        return founding_date(raw) if fld == "founded" else _parse_date(raw)
    if typ == "list":
        return [p.strip() for p in re.split(r"[、,;；/]", text) if p.strip()]
    if typ == "zone":
        code, reason, sugg = ctx.resolve_zone(text)
    else:  # region
        code, reason, sugg = ctx.resolve_region(text)
    if reason:
        raise _Sugg(reason, sugg)
    return code


def _convert_column(col: pd.Series, typ: str, fld: str, ctx: Context) -> tuple[list, list]:
    """(values, errors) for a column; errors[i] is None, or (reason, suggestion), or (None, None)
    for a blank cell. Each distinct value is converted once."""
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    conv: list = []
    errs: list = []
    for u in uniques:
        try:
            v = _convert_cell(u, typ, fld, ctx)
            conv.append(v)
            errs.append(None if v is not None or typ.startswith("attr:") else (None, None))
        except _Sugg as exc:
            conv.append(None)
            errs.append((exc.args[0], exc.args[1]))
        except (ValueError, OverflowError, CleanError) as exc:
            conv.append(None)
            errs.append((_user_text(exc, u), None))
    conv.append(None)                       # slot for the NA sentinel (-1)
    errs.append(None if typ.startswith("attr:") else (None, None))
    return [conv[c] for c in codes], [errs[c] for c in codes]


def _static_codes() -> set[str]:
    try:
        from gaoxin.enterprise.fields import STATIC_CODES
        return set(STATIC_CODES)
    except ImportError:
        return set()


def _bool_codes() -> set[str]:
    try:
        from gaoxin.enterprise.fields import BOOL_CODES
        return set(BOOL_CODES)
    except ImportError:
        return set()


from gaoxin.ingest.clean import FALSE_WORDS, TRUE_WORDS, parse_bool  # noqa: E402,F401 - the one word list


def _field_unit(code: str) -> str | None:
    try:
        from gaoxin.enterprise.fields import BY_CODE
    except ImportError:
        return None
    f = BY_CODE.get(code)
    return None if f is None else f.unit


def F_ANNUAL() -> set[str]:
    from gaoxin.enterprise.fields import ANNUAL_CODES
    return set(ANNUAL_CODES)


def _attribute_value(v, code: str, unit: str | None = None):
    """A static enterprise fact: 是/否 for flags, numbers cleaned, else text; None when missing."""
    if code in _bool_codes():
        return parse_bool(v)
    if isinstance(v, str):
        try:
            n = clean_number(v, unit)
            return None if n != n else n
        except CleanError:
            if code in _static_codes() and code not in _bool_codes():
                raise
            return clean_text(v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.isoformat() if hasattr(v, "isoformat") else v


def _excel_errors(file: str, sheet: Sheet) -> list[Problem]:
    """Cells holding an Excel error value (#DIV/0!, #N/A, …) are refused by cell; they are then blanked
    so the same cell is not reported a second time as "not a number"."""
    from gaoxin.ingest.read import EXCEL_ERRORS
    f = sheet.frame
    if not len(f) or not len(f.columns):
        return []
    hit = f.isin(list(EXCEL_ERRORS)).to_numpy()
    if not hit.any():
        return []
    out = []
    rows, cols = np.nonzero(hit)
    for r, c in zip(rows, cols):
        code = f.iat[r, c]
        col = sheet.header[c] or None
        out.append(Problem(file, sheet.name, int(f.index[r]), sheet.labels.get(col, col), code,
                           f"单元格为 Excel 错误值“{code}”（{EXCEL_ERRORS[code]}），不能作为数据导入",
                           "请修正该单元格的公式，或直接填写数值；没有数据请留空"))
    sheet.frame = f.mask(hit, None)
    return out


def validate_sheets(file: str, sheets: list[Sheet], ctx: Context, kind: str | None = None,
                    source: str | None = None) -> Parsed:
    """All sheets of one file → Parsed (clean rows + problems + warnings). Sheets are chosen by content:
    one whose header matches no import template is skipped with a notice naming it (when another sheet
    does match), so a data sheet called 说明 is read and a stray notes sheet does not fail the file."""
    from gaoxin.ingest.read import SKIP_SHEETS
    result = Parsed(notices=list(getattr(sheets, "notices", []) or []))
    kinds = [detect_kind(sh.header) for sh in sheets]
    any_known = any(k is not None for k, _ in kinds)
    longs = []
    for sheet, (skind, layout) in zip(sheets, kinds):
        if kind is not None and skind is not None and skind != kind:
            result.problems.append(Problem(file, sheet.name, sheet.header_row, None, None,
                                           f"表头像“{S.KIND_LABELS.get(skind, skind)}”，与指定的类型“{S.KIND_LABELS.get(kind, kind)}”不符"))
            continue
        if skind is None:
            if sheet.name is not None and (any_known or sheet.name in SKIP_SHEETS):
                shown = "，".join(h for h in sheet.header if h)[:60]
                result.notices.append(f"已跳过工作表“{sheet.name}”：第{sheet.header_row}行（{shown}）不是任何导入模板的表头，未导入")
                continue
            result.problems.append(Problem(
                file, sheet.name, sheet.header_row, None, "，".join(h for h in sheet.header if h)[:200],
                "无法识别表格类型：指标数据应有“单位”“年份”列（长表另有“指标”“数值”列）；"
                "企业名录应有“统一社会信用代码”“企业名称”列；成果、需求、政策应有“成果名称”“需求名称”“政策名称”列",
                "请使用 gaoxin template 生成的模板"))
            continue
        if result.kind is not None and skind != result.kind:
            result.problems.append(Problem(file, sheet.name, sheet.header_row, None, None,
                                           "同一文件中的工作表类型不一致：请分开导入"))
            continue
        result.kind = skind
        result.layout = layout if result.layout in (None, layout) else "mixed"
        result.rows += len(sheet.frame)
        result.problems.extend(_excel_errors(file, sheet))
        if skind == "observations":
            long, probs, warns = validate_observations(file, sheet, layout, ctx, source)
            longs.append(long)
        else:
            recs, long, probs, warns = validate_records(file, sheet, skind, ctx, source)
            result.records.extend(recs)
            if len(long):
                longs.append(long)
        result.problems.extend(probs)
        result.warnings.extend(warns)
    longs = [x for x in longs if len(x)]
    if longs:
        long = pd.concat(longs, ignore_index=True)
        out = _Collector(file, None)
        _duplicates(long, out)
        result.problems.extend(out.items)
        result.observations = long
        if not result.problems:
            labels = {sh.name: sh.labels for sh in sheets}
            result.warnings.extend(_magnitude_warnings(file, long, ctx, labels))
    if result.kind == "observations" and result.observations is None and not result.problems:
        result.problems.append(Problem(file, None, None, None, None, "没有可导入的数值：所有数值单元格均为空"))
    if result.kind is None and not result.problems:
        result.problems.append(Problem(file, None, None, None, None, "文件中没有可导入的数据"
                                       + (f"（{'；'.join(result.notices)}）" if result.notices else "")))
    if result.kind in S.FIELD_MAPS and not result.records and not result.problems:
        result.problems.append(Problem(file, None, None, None, None, "没有数据行"))
    return result


def _magnitude_warnings(file: str, long: pd.DataFrame, ctx: Context, labels: dict | None = None) -> list[Problem]:
    from gaoxin.ingest.soft import UNIT_HINT, fmt, magnitude, settings
    # shares and growth rates legitimately span orders of magnitude (0.1 % vs 30 %): amounts and counts only
    fraction = settings()["fraction_kept"]
    ratio_like = _ratio_like(long, ctx, fraction)
    if ratio_like.any():
        long = long[~ratio_like].reset_index(drop=True)
    history = ctx.history(long) if ctx.history is not None and len(long) else None
    names = dict(ctx._ind_name)
    out = []
    for pos, reason in magnitude(long, history, names):
        sheet = long["_sheet"].iat[pos]
        v = long["value"].iat[pos]
        sheet = sheet if isinstance(sheet, str) else None
        col = long["_col"].iat[pos]
        out.append(Problem(file, sheet, int(long["_row"].iat[pos]), (labels or {}).get(sheet, {}).get(col, col),
                           fmt(v), reason, UNIT_HINT))
    return out


def _ratio_like(long: pd.DataFrame, ctx: Context, fraction: set) -> np.ndarray:
    """Per row of a large frame: whether its indicator is a share or rate (kept as a fraction, or in %)."""
    codes = long["indicator_code"].to_numpy(dtype=object)
    ratio = {c for c in pd.unique(codes) if c in fraction or is_percent_unit(ctx.indicator_unit(c))}
    return np.isin(codes, list(ratio)) if ratio else np.zeros(len(long), dtype=bool)

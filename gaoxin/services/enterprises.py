"""Use cases of enterprise cultivation (gaoxin.enterprise over the store or over one file).

The web pages, the API and `gaoxin enterprise …` all get their enterprises, their judging year and
their judgements here, so the same question gives the same answer everywhere."""
from __future__ import annotations

import datetime
import functools
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services.cache import cached, data_version
from gaoxin.services.errors import Invalid, NotFound, ServiceError
from gaoxin.services.frames import num, records
from gaoxin.services.scope import require_read, scope_key

log = logging.getLogger("gaoxin.services")

ENT_LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "zone_code": "园区", "industry": "产业",
              "rung": "梯度层级", "points": "创新积分（分）"}
POOL_LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "industry": "产业", "current": "当前层级",
               "rung": "目标层级", "gaps": "差距（不符合的条件）", "unknown": "无法判断的条件（缺数据）"}
SUBSIDY_LABELS = {"credit_code": "统一社会信用代码", "name": "企业名称", "item": "奖补事项", "payer": "资金来源",
                  "amount": "金额（万元）", "basis": "测算依据", "source": "政策依据"}
NO_RUNG = "（未达任一层级）"


# --- the judging year and the enterprises ----------------------------------------------------------

def default_year(db: Session | None) -> int:
    """The judging year when none is given: the latest year with enterprise data in the store;
    last calendar year when there is no store (a file) or no enterprise data yet."""
    if db is not None:
        from gaoxin.store.models import Observation
        y = db.scalar(select(func.max(Observation.period)).where(Observation.unit_type == "enterprise"))
        if y is not None:
            return int(y)
    return datetime.date.today().year - 1


def data_years(db: Session) -> list[int]:
    """Years with enterprise data, newest first (the enterprise pages' year pickers); last year if none."""
    from gaoxin.store.models import Observation
    years = db.scalars(select(Observation.period).where(Observation.unit_type == "enterprise").distinct())
    return sorted({int(y) for y in years}, reverse=True) or [default_year(None)]


def zone_code(text: str) -> str:
    """A zone named by code, full name or short name → its code; NotFound with suggestions."""
    from gaoxin.reference import find_zone, zone_name_suggestions
    z = find_zone(text)
    if z is None:
        sug = zone_name_suggestions(text)
        raise NotFound(f"未找到高新区“{text}”" + (f"，是否要找：{'、'.join(sug)}？" if sug
                                                   else "。可用 gaoxin zones 查看全部高新区。"))
    return str(z["code"])


def zone_names() -> dict[str, str]:
    """Zone code → short name (full name when there is no short name), from the reference list."""
    from gaoxin.reference import load_zones
    z = load_zones()
    return dict(zip(z["code"], z["short_name"].fillna(z["name"])))


@functools.lru_cache(maxsize=1)
def industry_names() -> dict:
    from gaoxin.reference import load_industries
    return {i["code"]: i["name"] for i in load_industries()}


@dataclass
class Cohort:
    """The enterprises a question is asked about: the wide frame, the judging year, demo or not."""
    frame: pd.DataFrame
    year: int
    is_demo: bool


def _is_demo(frame: pd.DataFrame) -> bool:
    return "is_demo" in frame and bool(frame["is_demo"].fillna(False).astype(bool).any())


def cohort(db: Session | None, user: Principal, year: int | None = None, zone: str | None = None,
           file: Path | None = None, years_back: int = 3) -> Cohort:
    """Enterprises from one file (read by gaoxin.ingest, the same reader as `gaoxin import`) or
    from the store (one zone, named by code or name, or every zone the user may read)."""
    from gaoxin.enterprise import EnterpriseDataError
    if file is not None and zone is not None:
        raise ServiceError("--file 与 --zone 只能选一个")
    if file is not None:
        from gaoxin.ingest.enterprise_file import read_enterprise_file
        y = year or default_year(None)
        try:
            frame = read_enterprise_file(file, as_of_year=y)
        except EnterpriseDataError as exc:
            raise Invalid(str(exc)) from exc
        frame.attrs["as_of_year"] = y
        return Cohort(frame, y, _is_demo(frame))
    from gaoxin.store.repo import enterprise_frame
    y = year or default_year(db)
    code = zone_code(zone) if zone else None
    if code is not None:
        require_read(user, code)
    elif user.role == roles.ZONE_USER:
        if len(user.zones) != 1:
            raise ServiceError("请指定高新区")
        code = next(iter(user.zones))
    frame = enterprise_frame(db, y, zone_code=code, years_back=years_back)
    if frame.empty:
        raise NotFound("数据库中没有企业数据" + (f"（高新区 {zone}）" if zone else "")
                       + "。请先导入企业数据或运行 gaoxin demo。")
    frame.attrs["as_of_year"] = y
    return Cohort(frame, y, _is_demo(frame))


def rules():
    from gaoxin.enterprise import RuleError, load_rules
    try:
        return load_rules()
    except RuleError as exc:
        raise Invalid(str(exc)) from exc


def rung_name(name: str) -> str:
    """The canonical rung name for whatever alias was typed."""
    from gaoxin.enterprise import RuleError
    try:
        return rules().rung(name)["name"]
    except RuleError as exc:
        raise NotFound(str(exc)) from exc


def judgement(c: Cohort, as_of_date=None, zone_rules: str | None = None):
    """`as_of_date`: the judging date (申报日, YYYY-MM-DD); None = the end of the data year (the core's
    default), or pass `gaoxin.enterprise.judge.default_as_of_date(year)` for a live judgement (today).
    `zone_rules`: "own_zone" (a zone's own rule only for its enterprises) or "all"."""
    from gaoxin.enterprise import EnterpriseDataError, RuleError, judge
    try:
        return judge(c.frame, rules(), as_of=c.year, as_of_date=as_of_date, zone_rules=zone_rules)
    except (EnterpriseDataError, RuleError) as exc:
        raise Invalid(f"企业数据无法判定：{exc}") from exc


def pool_members(c: Cohort, rung: str = "高新技术企业", top: int | None = 100, max_failed: int | None = None,
                 include_unknown: bool = False, j=None) -> pd.DataFrame:
    from gaoxin.enterprise import pool
    return pool(j if j is not None else judgement(c), rung, top=top, max_failed=max_failed,
                include_unknown=include_unknown)


def points(c: Cohort):
    """(points frame, points model)."""
    from gaoxin.enterprise import EnterpriseDataError, innovation_points, load_points_model
    model = load_points_model()
    try:
        return innovation_points(c.frame, model, as_of=c.year), model
    except EnterpriseDataError as exc:
        raise Invalid(f"创新积分无法计算：{exc}") from exc


def subsidy_rows(c: Cohort, by: str = "zone_code"):
    """(one row per enterprise and rule with a positive amount in 万元, totals by zone or county)."""
    from gaoxin.enterprise import EnterpriseDataError, RuleError, load_subsidy_rules, subsidies, subsidy_totals
    if by not in ("zone_code", "county_code"):
        raise ServiceError("汇总口径应为 zone_code（园区）或 county_code（县市区）")
    try:
        rows = subsidies(c.frame, load_subsidy_rules(), c.year)
    except (EnterpriseDataError, RuleError) as exc:
        raise Invalid(f"奖补无法测算：{exc}") from exc
    return rows, subsidy_totals(rows, by)


# --- the web's views of one zone (cached until the data change) -------------------------------------

def enterprise_zone(db: Session, credit_code: str) -> str | None:
    from gaoxin.store.models import Enterprise
    row = db.execute(select(Enterprise.zone_code).where(Enterprise.credit_code == credit_code)).first()
    if row is None:
        raise NotFound(f"统一社会信用代码为“{credit_code}”的企业不存在")
    return row[0]


def _core(db: Session, zone: str | None, as_of: int | None):
    """(frame, Judgement, points frame, year) for one zone (or all), cached until the data change."""
    y = as_of if as_of is not None else default_year(db)

    def compute():
        from gaoxin.enterprise import EnterpriseDataError, RuleError, innovation_points, judge
        from gaoxin.store.repo import enterprise_frame
        frame = enterprise_frame(db, y, zone_code=zone)
        if frame.empty:
            return frame, None, pd.DataFrame(), y
        try:
            return frame, judge(frame, as_of=y), innovation_points(frame, as_of=y), y
        except (EnterpriseDataError, RuleError) as exc:
            raise Invalid(f"企业数据无法判定：{exc}") from exc
    return cached(("ent", zone, int(y), data_version(db)), compute)


DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _norm_page(page, page_size) -> tuple[int, int]:
    try:
        page = 1 if page in (None, "") else int(page)
        page_size = DEFAULT_PAGE_SIZE if page_size in (None, "") else int(page_size)
    except (TypeError, ValueError):
        raise Invalid("页码和每页条数应为整数") from None
    if page < 1:
        raise Invalid("页码应从 1 开始")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间")
    return page, page_size


def paged(df: pd.DataFrame, page=None, page_size=None) -> tuple[pd.DataFrame, dict]:
    """One page of a filtered table and what the page shows: total, page, page_size, pages and the
    numbers of its first and last row (1-based; 0 when the table is empty). A page past the end
    gives the last page, so a stale link never ends on an empty table."""
    page, page_size = _norm_page(page, page_size)
    total = int(len(df))
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    start = (page - 1) * page_size
    part = df.iloc[start:start + page_size].reset_index(drop=True)
    return part, {"total": total, "page": page, "page_size": page_size, "pages": pages,
                  "first": start + 1 if total else 0, "last": start + len(part)}


def _search(df: pd.DataFrame, q: str | None) -> pd.DataFrame:
    """Rows whose name contains `q` or whose credit code contains it (case-insensitive)."""
    q = (q or "").strip()
    if not q:
        return df
    name = df["name"].fillna("").astype(str).str.contains(q, case=False, regex=False)
    code = df["credit_code"].fillna("").astype(str).str.upper().str.contains(q.upper(), regex=False)
    return df[name | code]


def _industry_filter(df: pd.DataFrame, industry: str | None) -> pd.DataFrame:
    """`industry` by code or Chinese name; the table holds the name."""
    if not industry:
        return df
    name = industry_names().get(industry, industry)
    return df[df["industry"] == name]


def enterprise_list(db: Session, user: Principal, zone: str | None, as_of: int | None, rung: str | None,
                    limit: int | None = None, industry: str | None = None, q: str | None = None):
    """Every enterprise of the zone (or of every zone the user may read) matching the filters, by
    innovation points (highest first), and meta: as_of, is_demo, total (matching rows), the rungs and
    industries present (the page's filter choices). `limit` cuts the rows (meta.total still counts all)."""
    if zone:
        zone = zone_code(zone)
        require_read(user, zone)
    full, meta = cached(("entlist", scope_key(user), zone, as_of, data_version(db)),
                        lambda: _enterprise_list(db, user, zone, as_of))
    out = full
    if rung:
        out = out[out["rung"] == (rung if rung == NO_RUNG else rung_name(rung))]
    out = _search(_industry_filter(out, industry), q)
    meta = {**meta, "total": int(len(out))}
    if limit is not None:
        out = out.head(limit)
    return out.reset_index(drop=True), meta


def enterprise_list_page(db: Session, user: Principal, zone: str | None = None, as_of: int | None = None,
                         rung: str | None = None, industry: str | None = None, q: str | None = None,
                         page=None, page_size=None):
    """One page of `enterprise_list` and meta with total/page/page_size/pages/first/last."""
    df, meta = enterprise_list(db, user, zone, as_of, rung, None, industry, q)
    part, pm = paged(df, page, page_size)
    return part, {**meta, **pm}


def _enterprise_list(db, user, zone, as_of):
    if zone is None and user.role == roles.ZONE_USER:
        if len(user.zones) != 1:
            raise ServiceError("请用 zone 参数指定高新区")
        zone = next(iter(user.zones))
    frame, j, pts, y = _core(db, zone, as_of)
    if j is None:
        return pd.DataFrame(columns=list(ENT_LABELS)), {"as_of": y, "is_demo": False, "total": 0,
                                                          "rungs": [], "industries": []}
    out = frame[["credit_code", "name", "zone_code", "industry"]].copy()
    out["industry"] = out["industry"].map(lambda c: industry_names().get(c, c) if isinstance(c, str) and c else None)
    out["rung"] = pd.Series(j.highest_rung, index=frame.index).fillna(NO_RUNG)
    out["points"] = pts.set_index("credit_code").reindex(out["credit_code"])["points"].to_numpy()
    out = out.sort_values(["points", "credit_code"], ascending=[False, True], kind="stable",
                          na_position="last").reset_index(drop=True)
    ladder_order = [r.name for r in j.rungs]
    present = set(out["rung"])
    rungs = [r for r in ladder_order if r in present] + ([NO_RUNG] if NO_RUNG in present else [])
    return out, {"as_of": y, "is_demo": bool(frame["is_demo"].any()), "total": int(len(out)),
                 "rungs": rungs, "industries": sorted({i for i in out["industry"] if isinstance(i, str)})}


def list_export_frame(df: pd.DataFrame, zone_names_: dict) -> pd.DataFrame:
    """What an Excel export of the list shows: zone names, missing values as “—”."""
    out = df.copy()
    if "zone_code" in out:
        out["zone_code"] = out["zone_code"].map(lambda z: zone_names_.get(z, z))
    out = out.astype(object).where(out.notna(), "—")
    return out.mask(out.map(lambda v: isinstance(v, str) and not v.strip()), "—")


# --- the enterprise profile as a checklist (issue 14 item 3) ---------------------------------------

VERDICT_MISSING = "数据缺失"
_OP_ZH = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "==": "="}
_REF_PATH = re.compile(r"\s*[；;，,]?\s*(?:[A-Za-z0-9_.\-]+/)*reference/[A-Za-z0-9_.\-/]+\.md(?:\s*§\s*[0-9.]+)?")
_FLAG_PAREN = re.compile(r"（[^（）]*⚠[^（）]*）|\([^()]*⚠[^()]*\)")
_FLAG_INLINE = re.compile(r"\s*[，,；;]?\s*⚠️?[^，,；;（）()]*")


def _clean(text, admin: bool) -> str:
    """A rule's source or condition name as a reader sees it: documents by title and 文号, no
    repository paths; the “⚠ 文号待核 / 单一来源” flags of the rule files for administrators only."""
    from gaoxin.display import cite
    s = _REF_PATH.sub("", cite(text or ""))
    if admin:
        s = s.replace("⚠️", "⚠")
    else:
        s = _FLAG_INLINE.sub("", _FLAG_PAREN.sub("", s))
    s = re.sub(r"（\s*[；;，,]?\s*）", "", s)
    return re.sub(r"\s{2,}", " ", s).strip(" ；;，,")


def _bad(v) -> bool:
    return v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))


def _val(v, unit: str | None, yes_no: bool = False) -> str:
    """A condition's value in the rule's unit: “%” is a fraction shown as a percentage, “%（数值）” a
    percentage number; `yes_no` (an “=” condition without a unit): 1 = 是, 0 = 否. Infinite = 无."""
    if v is not None and isinstance(v, float) and math.isinf(v):
        return "无"
    if _bad(v):
        return "—"
    v = float(v)
    if unit == "%":
        return f"{v * 100:.2f}%"
    if unit == "%（数值）":
        return f"{v:,.2f}%"
    if yes_no:
        return "是" if v == 1 else ("否" if v == 0 else f"{v:g}")
    return (f"{v:,.2f}" if abs(v - round(v)) > 1e-9 else f"{int(round(v)):,}") + (unit or "")


def _gap_text(c: dict) -> str:
    """How far a failed condition is from its requirement, in words (“还差 1.50个百分点”)."""
    m, unit, op = c.get("margin"), c.get("unit"), c.get("op")
    if op == "==" or _bad(m) or m >= 0:
        return f"应为“{_val(c.get('threshold'), unit, not unit)}”" if op == "==" else ""
    d = abs(float(m))
    if unit == "%":
        amount = f"{d * 100:.2f}个百分点"
    elif unit == "%（数值）":
        amount = f"{d:,.2f}个百分点"
    else:
        amount = _val(d, unit)
    return ("还差 " if op in (">=", ">") else "超出 ") + amount


def _leaf_row(c: dict, depth: int, admin: bool, rung_basis: str) -> dict:
    unit, op, st = c.get("unit"), c.get("op"), c.get("status")
    yn = op == "==" and not unit
    rng = c.get("value_range")
    if rng and not any(_bad(x) for x in rng):
        actual = f"{_val(rng[0], unit)}–{_val(rng[1], unit)}"
        actual += "（评分区间：缺失项按0至满分计）" if unit == "分" else "（部分数据缺失，按可能的范围计）"
    else:
        actual = _val(c.get("value"), unit, yn)
    if st == "pass":
        verdict, gap = "符合", ""
    elif st == "fail":
        verdict, gap = "不符合", _gap_text(c) or ("未填报，按不符合计" if actual == "—" else "")
    else:
        verdict = VERDICT_MISSING
        gap = "补充数据后可判定" if actual == "—" else "现有数据不足以判定，补充数据后可判定"
    req = (f"{_OP_ZH.get(op, op)} {_val(c.get('threshold'), unit)}" if not yn
           else f"应为“{_val(c.get('threshold'), unit, True)}”")
    return {"condition": _clean(c.get("name"), admin), "depth": depth, "group": False, "requirement": req,
            "actual": actual, "verdict": verdict, "gap": gap or "—",
            "basis": _clean(c.get("source"), admin) or rung_basis}


def _checklist_rows(conds, admin: bool, rung_basis: str, out: list, depth: int = 0) -> None:
    for c in conds:
        if "conditions" in c:
            verdict = {"pass": "符合", "fail": "不符合"}.get(c.get("status"), VERDICT_MISSING)
            req = "以下条件全部满足" if c.get("group") == "全部满足" else "以下条件满足其一"
            out.append({"condition": _clean(c.get("name"), admin) or req, "depth": depth, "group": True,
                        "requirement": req,
                        "actual": "—", "verdict": verdict, "gap": "—", "basis": ""})
            _checklist_rows(c["conditions"], admin, rung_basis, out, depth + 1)
        else:
            out.append(_leaf_row(c, depth, admin, rung_basis))


_TITLE = re.compile(r"《[^》]+》")
_NUMBERED_TITLE = re.compile(r"([\u4e00-\u9fff]+〔\d{4}〕\d+号)\s*(《[^》]+》)")


@functools.lru_cache(maxsize=1)
def _document_titles() -> dict:
    """文号 → 《title》 as the rule files' own `source:` texts pair them (e.g. 国科发火〔2016〕32号《高新技术
    企业认定管理办法》), so a condition cited by 文号 and article also reads with its document's title."""
    out: dict = {}
    for r in rules().rungs:
        for num_, title in _NUMBERED_TITLE.findall(str(r.get("source") or "")):
            out.setdefault(num_, title)
    return out


def _with_title(basis: str, rung_title: str) -> str:
    """A condition's basis with its document's title: “国科发火〔2016〕32号 第十一条（一）” →
    “《高新技术企业认定管理办法》（国科发火〔2016〕32号）第十一条（一）”; a basis naming only an article
    (“附件2（二）”) gets the rung's document title in front."""
    if not basis or "《" in basis:
        return basis
    for num_, title in _document_titles().items():
        if num_ in basis:
            return basis.replace(num_, f"{title}（{num_}）", 1).replace("） ", "）", 1)
    return f"{rung_title} {basis}".strip() if rung_title else basis


def _rung_card(name: str, jd: dict, admin: bool) -> dict:
    doc = _clean(jd.get("document") or jd.get("source"), admin)
    m = _TITLE.search(str(jd.get("source") or ""))
    title = m.group(0) if m else ""
    if title and "《" not in doc:
        doc = f"{title}（{doc}）" if "（" not in doc else f"{title} {doc}"
    status = jd.get("status")
    verdict = {"pass": "符合", "fail": "不符合", "not_applicable": "不适用"}.get(status, VERDICT_MISSING)
    card = {"rung": name, "verdict": verdict, "held": bool(jd.get("held")), "document": doc, "rows": [],
            "note": "", "not_checked": [], "effective_note": jd.get("effective_note") or ""}
    if status == "not_applicable":  # a zone's own rule: the enterprise is registered elsewhere
        card["note"] = jd.get("reason") or "该层级为其他高新区自定的认定办法，不适用于本企业。"
        return card
    _checklist_rows(jd.get("conditions") or [], admin, doc, card["rows"])
    for r in card["rows"]:
        if not r["group"]:
            r["basis"] = _with_title(r["basis"], title)
    leaves = [r for r in card["rows"] if not r["group"]]
    n_fail = sum(r["verdict"] == "不符合" for r in leaves)
    n_miss = sum(r["verdict"] == VERDICT_MISSING for r in leaves)
    if status == "pass":
        card["note"] = "符合该层级的认定条件" + (
            f"（另有 {n_fail} 项备选条件不符合，不影响结论：“满足其一”的条件组只需满足一项）" if n_fail else "")
    elif status == "fail":
        card["note"] = f"有 {n_fail} 项条件不符合" + (f"，{n_miss} 项数据缺失" if n_miss else "")
    else:
        card["note"] = f"{n_miss} 项条件数据缺失，暂无法判定" + (f"；另有 {n_fail} 项不符合" if n_fail else "")
    if jd.get("held"):
        card["note"] += "；企业已持有该资格"
    card["not_checked"] = [{"condition": _clean(x.get("condition"), admin), "reason": _clean(x.get("reason"), admin)}
                           for x in jd.get("not_checked") or []]
    return card


def enterprise_profile(db: Session, user: Principal, credit_code: str, as_of: int | None) -> dict:
    zone = enterprise_zone(db, credit_code)
    require_read(user, zone)
    admin = bool(user.is_admin)
    return cached(("entprof", credit_code, as_of, admin, data_version(db)),
                  lambda: _enterprise_profile(db, credit_code, zone, as_of, admin))


def _enterprise_profile(db, credit_code, zone, as_of, admin=False):
    from gaoxin.enterprise import EnterpriseDataError, RuleError, subsidies
    frame, j, pts, y = _core(db, zone, as_of)
    hit = frame.index[frame["credit_code"] == credit_code] if len(frame) else []
    if j is None or not len(hit):
        raise NotFound(f"{y} 年没有企业 {credit_code} 的数据")
    i = int(frame.index.get_loc(hit[0]))
    ex = j.explain(i)
    cards = [_rung_card(name, jd, admin) for name, jd in ex["judgements"].items()]
    judgements = [{"rung": c["rung"], "verdict": c["verdict"], "detail": c["note"], "source": c["document"]}
                  for c in cards]
    ladder = [r.name for r in j.ladder]
    passed_other = [c["rung"] for c in cards if c["verdict"] == "符合" and c["rung"] not in ladder]
    prow = pts[pts["credit_code"] == credit_code]
    pts_rows = []
    if len(prow):
        r = prow.iloc[0]
        pts_rows = [{"item": "创新积分", "value": f"{num(r['points'])}分" if not _bad(r["points"]) else "—"},
                    {"item": "等级", "value": f"{r['grade']}（{r['grade_name']}）"},
                    {"item": "成长阶段", "value": r["stage_name"]},
                    {"item": "同组排名",
                     "value": f"第 {int(r['rank_in_peer'])} 名（超过同组 {r['percentile_in_peer'] * 100:.0f}% 企业）"}]
        for g, label in (("group_tech", "技术创新指标得分"), ("group_business", "成长经营指标得分"),
                         ("group_aux", "辅助指标得分")):
            if g in r:
                pts_rows.append({"item": label, "value": f"{num(r[g])}分" if not _bad(r[g]) else "—"})
    note = None
    try:
        sub = subsidies(frame.iloc[[i]], year=y)
    except (EnterpriseDataError, RuleError) as exc:
        log.warning("企业 %s 的奖补未能测算（画像中奖补为空）：%s", credit_code, exc)
        sub, note = pd.DataFrame(), f"奖补未能测算：{exc}"
    sub_rows = pd.DataFrame({"item": sub.get("rule", []), "amount": sub.get("amount", []),
                             "basis": sub.get("basis", []),
                             "source": [_clean(x, admin) for x in sub.get("source", [])]})
    from gaoxin.store.repo import zones_frame
    zf = zones_frame(db).set_index("code")
    return {"credit_code": credit_code, "name": ex.get("name"), "zone_code": zone,
            "zone_name": zf["name"].get(zone) if zone in zf.index else zone, "rung": ex.get("rung") or NO_RUNG,
            "reached": bool(ex.get("rung")), "passed_other": passed_other,
            "as_of": y, "as_of_text": ex.get("as_of_text") or "", "is_demo": bool(ex.get("is_demo")),
            "show_flags": admin, "checklist": cards,
            "judgements": {"columns": ["rung", "verdict", "detail", "source"],
                           "labels": {"rung": "层级", "verdict": "结论", "detail": "说明", "source": "依据"},
                           "rows": judgements},
            "points": {"columns": ["item", "value"], "labels": {"item": "项目", "value": "结果"}, "rows": pts_rows},
            "subsidies": {"columns": ["item", "amount", "basis", "source"],
                          "labels": {"item": "奖补事项", "amount": "金额（万元）", "basis": "测算依据", "source": "政策来源"},
                          "rows": records(sub_rows), "note": note}}


def ladder(db: Session, user: Principal, zone_code: str, as_of: int | None) -> dict:
    require_read(user, zone_code)
    return cached(("ladder", zone_code, as_of, data_version(db)), lambda: _ladder(db, zone_code, as_of))


def _ladder(db, zone_code, as_of):
    frame, j, pts, y = _core(db, zone_code, as_of)
    if j is None:
        return {"zone": zone_code, "as_of": y, "rungs": [], "total": 0}
    f = j.funnel(by="zone_code")
    row = f[f["zone_code"] == zone_code]
    rungs = [c for c in f.columns if c != "zone_code"]
    return {"zone": zone_code, "as_of": y, "total": int(len(frame)), "is_demo": bool(frame["is_demo"].any()),
            "rungs": [{"name": r, "count": int(row.iloc[0][r]) if len(row) else 0} for r in rungs]}


def _joined(g):
    return "；".join(map(str, g)) if isinstance(g, (list, tuple)) else g


DEFAULT_POOL_RUNG = "高新技术企业"


def pool(db: Session, user: Principal, zone_code: str, as_of: int | None, rung: str | None = None,
         industry: str | None = None, q: str | None = None):
    """The zone's whole cultivation pool for one target rung (default 高新技术企业): every enterprise
    not yet there but within the core's failed-condition limit, closest first, with each gap; filtered
    by industry and name/credit code. Meta: as_of, is_demo, total, target (the rung), targets (the
    rungs that apply to the zone), industries."""
    require_read(user, zone_code)
    target = rung_name(rung) if rung else DEFAULT_POOL_RUNG
    full, meta = cached(("pool", zone_code, as_of, target, data_version(db)),
                        lambda: _pool(db, zone_code, as_of, target))
    out = _search(_industry_filter(full, industry), q).reset_index(drop=True)
    return out, {**meta, "total": int(len(out))}


def pool_page(db: Session, user: Principal, zone_code: str, as_of: int | None = None, rung: str | None = None,
              industry: str | None = None, q: str | None = None, page=None, page_size=None):
    df, meta = pool(db, user, zone_code, as_of, rung, industry, q)
    part, pm = paged(df, page, page_size)
    return part, {**meta, **pm}


def _pool(db, zone_code, as_of, target):
    from gaoxin.enterprise import pool as core_pool
    frame, j, pts, y = _core(db, zone_code, as_of)
    if j is None:
        return pd.DataFrame(columns=list(POOL_LABELS)), {"as_of": y, "target": target, "targets": [],
                                                           "industries": []}
    p = core_pool(j, target, top=None)
    current = dict(zip(frame["credit_code"], pd.Series(j.highest_rung, index=frame.index).fillna(NO_RUNG)))
    ind = dict(zip(frame["credit_code"], frame["industry"]))
    out = pd.DataFrame({"credit_code": p["credit_code"], "name": p["name"],
                        "industry": p["credit_code"].map(lambda c: industry_names().get(ind.get(c), ind.get(c))
                                                         if isinstance(ind.get(c), str) and ind.get(c) else None),
                        "current": p["credit_code"].map(current), "rung": p["rung"],
                        "gaps": p["gaps"].map(_joined), "unknown": p["unknown"].map(_joined)},
                       columns=list(POOL_LABELS))
    targets = [r.name for r in j.rungs if bool(r.applies(j.n).any())]
    return out, {"as_of": y, "is_demo": bool(frame["is_demo"].any()), "target": target, "targets": targets,
                 "industries": sorted({i for i in out["industry"] if isinstance(i, str)})}


def subsidies(db: Session, user: Principal, zone_code: str, as_of: int | None):
    """The zone's subsidies (万元) by enterprise and rule, and meta with the total."""
    require_read(user, zone_code)
    admin = bool(user.is_admin)
    return cached(("subsidies", zone_code, as_of, admin, data_version(db)),
                  lambda: _subsidies(db, zone_code, as_of, admin))


def _subsidies(db, zone_code, as_of, admin=False):
    from gaoxin.enterprise import EnterpriseDataError, RuleError, subsidies as core_subsidies
    frame, j, pts, y = _core(db, zone_code, as_of)
    if frame.empty:
        return pd.DataFrame(columns=list(SUBSIDY_LABELS)), {"as_of": y}
    try:
        s = core_subsidies(frame, year=y)
    except (EnterpriseDataError, RuleError) as exc:
        raise Invalid(f"奖补无法测算：{exc}") from exc
    out = pd.DataFrame({"credit_code": s["credit_code"], "name": s["name"], "item": s["rule"], "payer": s["payer"],
                        "amount": s["amount"], "basis": s["basis"],
                        "source": s["source"].map(lambda x: _clean(x, admin))})
    return out, {"as_of": y, "is_demo": bool(frame["is_demo"].any()), "total_wan": num(out["amount"].sum())}

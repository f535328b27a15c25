"""Use cases of zone evaluation (gaoxin.index over the store's zone indicators).

Co-owned: H5 wrote the ranking / profile / publish functions below; class-based evaluation
functions are added by the evaluation-engine owner in their own section."""
from __future__ import annotations

import math
import re

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services.cache import cached, data_version, default_framework, settings
from gaoxin.services.errors import Forbidden, Invalid, NotFound
from gaoxin.services.frames import num, records

RANK_LABELS = {"rank": "排名", "unit": "园区代码", "name": "园区名称", "short_name": "简称", "city": "所在市州", "level": "级别",
               "score": "综合得分", "rank_low": "排名区间（高）", "rank_high": "排名区间（低）"}
RUN_LABELS = {"id": "编号", "zone_class": "级别", "framework": "指标体系", "year": "年度", "published": "已发布", "is_demo": "示例数据",
              "created_by": "创建人", "created_at": "创建时间"}
PROFILE_LABELS = {"code": "指标代码", "name": "名称", "rank": "园区排名", "score": "得分", "value": "数值", "kind": "类别",
                  "contribution": "贡献（分）", "share": "占比", "mean": "同级别平均", "year": "年度"}

_FRAMEWORK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
UNKNOWN_FRAMEWORK = "未知的指标体系：请从页面提供的指标体系中选择"


# 分类评价 on the pages, the API and the report: every use case below takes a zone class (国家级 /
# 省级). The class picks its framework (class_frameworks, the framework file's `zone_class`) unless a
# framework is named; the zones of that class only are normalised and ranked together.

def zone_levels(db: Session) -> dict[str, str]:
    """Zone code → class (国家级 / 省级) from the zone table."""
    from gaoxin.store.repo import zones_frame

    def build():
        z = zones_frame(db)
        return dict(zip(z["code"].astype(str), z["level"].astype(str)))
    return cached(("zone_levels", data_version(db)), build)


def check_class(zone_class: str) -> str:
    if zone_class not in ZONE_CLASSES:
        raise Invalid(f"高新区级别应为 {'、'.join(ZONE_CLASSES)} 之一，实际为“{zone_class}”")
    return zone_class


def default_class(db: Session, user: Principal | None = None) -> str:
    """A zone user's own class; otherwise the class served by the default framework (省级)."""
    if user is not None and user.role == roles.ZONE_USER and user.zones:
        levels = zone_levels(db)
        own = sorted({levels[z] for z in user.zones if z in levels})
        if own:
            return own[0]
    by_framework = {v: k for k, v in class_frameworks().items()}
    return by_framework.get(default_framework(), ZONE_CLASSES[-1])


def framework_for(zone_class: str | None, framework: str | None = None) -> str:
    """The framework (file name) a class is evaluated with: `framework` if named, else the class's."""
    if framework:
        return framework
    if zone_class is None:
        return default_framework()
    name = class_frameworks().get(zone_class)
    if name is None:
        raise NotFound(f"没有为{zone_class}高新区指定评价指标体系")
    return name


_DOC_NO = re.compile(r"[\u4e00-\u9fa5]{1,8}〔\d{4}〕\d+号")
_TITLE = re.compile(r"《[^》]+》")
_RANGE = re.compile(r"(?<![A-Za-z0-9_])[A-Z](\d)[–-][A-Z](\d)(?![A-Za-z0-9_])")
_CODE = re.compile(r"(?<![A-Za-z0-9_])[A-Z]+\d[A-Za-z0-9_]*(?![A-Za-z0-9_])")
_CN_NUM = "〇一二三四五六七八九"
# method words of the frameworks' gap notes said in Chinese (the notes are the files' own text)
_GAP_WORDS = (("一级指标 一级指标权重", "一级指标的权重"), (" missing 节点", "缺失项"), ("missing 节点", "缺失项"),
              ("min-max [0, 100]", "最小—最大值标准化（0—100 分）"), ("种子文件", "原文附件"))


def framework_info(name: str) -> dict:
    """What a user is told about a framework: its Chinese name, the document (文号, or the title where
    the document has none), its class and its gap notes in words (node codes replaced by names)."""
    def build():
        import gaoxin.index as index
        import gaoxin.reference as ref
        if not _FRAMEWORK_NAME.fullmatch(name):
            raise NotFound(UNKNOWN_FRAMEWORK)
        try:
            doc = ref.load_framework(name)
            fw = index.load_framework(name)
        except (index.USER_ERRORS + (ref.ReferenceDataError, FileNotFoundError)):
            raise NotFound(UNKNOWN_FRAMEWORK) from None  # a well-formed name no file answers to
        source = str(doc.get("source") or "")
        m = _DOC_NO.search(source)
        t = _TITLE.search(source)
        # the 2017 provincial system is an attachment of a plan without a 文号: 《plan》附件
        document = m.group(0) if m else (t.group(0) + ("附件" if "附件" in source else "") if t else "")
        names = {**{c: n.name for c, n in fw.nodes.items()}, **dict(fw.gaps)}

        def words(text: str) -> str:
            text = re.sub(r"[（(]?missing: ?true[）)]?", "（原文缺失，未参与计算）", str(text))
            for code, nm in names.items():  # "D4 高新区可持续发展能力" → "“高新区可持续发展能力”"
                text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(code)}\s*{re.escape(nm)}", f"“{nm}”", text)
            text = _RANGE.sub(lambda g: f"第{_CN_NUM[int(g.group(1))]}至第{_CN_NUM[int(g.group(2))]}个一级指标", text)
            text = _CODE.sub(lambda g: f"“{names[g.group(0)]}”" if g.group(0) in names else g.group(0), text)
            for a, b in _GAP_WORDS:
                text = text.replace(a, b)
            return text
        return {"framework": name, "framework_name": fw.name, "document": document,
                "zone_class": doc.get("zone_class"), "complete": doc.get("status") != "incomplete",
                "gaps": [words(g) for g in doc.get("gaps") or []]}
    return cached(("fwinfo", name), build)


def framework_choices() -> list[dict]:
    """The framework selector: value (file name, never shown) and label (Chinese name, 文号)."""
    import gaoxin.reference as ref
    out = []
    for name in ref.list_frameworks():
        if not _FRAMEWORK_NAME.fullmatch(name):
            continue
        try:
            info = framework_info(name)
        except NotFound:
            continue
        label = info["framework_name"] + (f"（{info['document']}）" if info["document"].endswith("号") else "")
        out.append({"value": name, "label": label, "zone_class": info["zone_class"]})
    return out


def evaluation(db: Session, framework: str | None = None, zone_class: str | None = None):
    """(framework, data, IndexResult over all years, is_demo) of one class's zones (all zones when
    zone_class is None), cached until the data change."""
    import gaoxin.index as index
    if zone_class is not None:
        check_class(zone_class)
    name = framework_for(zone_class, framework)
    if not _FRAMEWORK_NAME.fullmatch(name):
        # a request names a framework, never a path: nothing is looked up and nothing quoted
        raise NotFound(UNKNOWN_FRAMEWORK)

    def compute():
        from gaoxin.store.repo import zone_indicator_frame
        try:
            fw = index.load_framework(name)
        except index.USER_ERRORS:
            raise NotFound(UNKNOWN_FRAMEWORK) from None
        data = zone_indicator_frame(db, fw.indicators + fw.denominators)
        if zone_class is not None:
            data = data[data["level"] == zone_class].reset_index(drop=True)
        if data.empty:
            who = f"{zone_class}高新区" if zone_class else "高新区"
            raise NotFound(f"数据库中还没有{who}的“{fw.name}”指标数据，请先在“数据管理”中导入")
        try:
            res = index.evaluate(fw, data)
        except index.USER_ERRORS as exc:
            raise Invalid(f"综合评价无法计算：{exc}") from exc
        return fw, data, res, _has_demo_obs(db, fw.indicators)
    return cached(("eval", name, zone_class, data_version(db)), compute)


def _has_demo_obs(db: Session, indicators) -> bool:
    from gaoxin.store.models import Observation
    return db.scalar(select(Observation.id).where(Observation.unit_type == "zone", Observation.is_demo.is_(True),
                                                  Observation.indicator_code.in_(list(indicators))).limit(1)) is not None


def years_of(res) -> list[int]:
    return sorted(int(y) for y in res.rows["year"].unique())


def pick_year(res, year: int | None) -> int:
    years = years_of(res)
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise NotFound(f"{year} 年没有评价数据，可选年度：{'、'.join(map(str, years))}")
    return int(year)


def data_years(db: Session) -> list[int]:
    """Years with zone data, newest first (the year pickers); last year when there are none."""
    import datetime

    from sqlalchemy import func

    from gaoxin.store.models import Observation
    lo, hi = db.execute(select(func.min(Observation.period), func.max(Observation.period))
                        .where(Observation.unit_type == "zone")).one()
    if lo is None:
        return [datetime.date.today().year - 1]
    return list(range(int(hi), int(lo) - 1, -1))


def evaluation_years(db: Session, framework: str | None = None, zone_class: str | None = None) -> list[int]:
    """Years with an evaluation result, newest first (the evaluation pages' year pickers); the years
    with zone data when the evaluation cannot be computed yet (the page then says why)."""
    from gaoxin.services.errors import ServiceError
    try:
        _, _, res, _ = evaluation(db, framework, zone_class)
    except ServiceError:
        return data_years(db)
    return sorted(years_of(res), reverse=True)


def ranking_frame(db: Session, year: int | None, framework: str | None = None, zone_class: str | None = None):
    """Ranking table of one year and one class (computed live, cached until the data change) and its meta."""
    df, meta = cached(("rankf", year, framework, zone_class, data_version(db)),
                      lambda: _ranking_frame(db, year, framework, zone_class))
    return df, dict(meta)


def _ranking_frame(db: Session, year: int | None, framework: str | None, zone_class: str | None):
    fw, data, res, is_demo = evaluation(db, framework, zone_class)
    name = framework_for(zone_class, framework)
    y = pick_year(res, year)
    tb = res.table()
    tb = tb[tb["year"] == y].reset_index(drop=True)
    dims = fw.children(fw.root)
    meta_cols = res.rows[["unit", "city", "level"]].drop_duplicates("unit")
    out = tb[["rank", "unit", "name"]].merge(meta_cols, on="unit", how="left")
    out["score"] = tb[fw.root].round(2).to_numpy()
    for d in dims:
        out[d] = tb[d].round(2).to_numpy()
    out["rank"] = out["rank"].astype("Int64")
    labels = {**RANK_LABELS, **{d: fw.nodes[d].name for d in dims}}
    info = framework_info(name)
    return out, {"year": y, "zone_class": zone_class, "framework": name, "framework_name": fw.name,
                 "document": info["document"], "gaps": info["gaps"], "n_units": int(len(out)),
                 "is_demo": is_demo, "years": years_of(res), "dimensions": dims, "dimension_labels": labels}


def _published_runs(db: Session, framework: str, zone_class: str | None):
    """Published runs of one framework and class, newest first (the class is kept in the results)."""
    from gaoxin.store.models import EvaluationRun as R
    runs_ = db.scalars(select(R).where(R.framework == framework, R.published.is_(True))
                       .order_by(R.year.desc(), R.id.desc())).all()
    return [r for r in runs_ if (r.results or {}).get("zone_class") == zone_class]


def _published_run(db: Session, framework: str, year: int | None, zone_class: str | None = None):
    for r in _published_runs(db, framework, zone_class):
        if year is None or r.year == int(year):
            return r
    return None


def short_names(db: Session) -> dict:
    from gaoxin.store.repo import zones_frame

    def build():
        z = zones_frame(db)
        return dict(zip(z["code"], z["short_name"].where(z["short_name"].notna(), z["name"])))
    return cached(("short_names", data_version(db)), build)


def _with_short_name(df: pd.DataFrame, db: Session) -> pd.DataFrame:
    """Adds `short_name` after `name` (长沙高新区 for 长沙高新技术产业开发区) for tables and charts."""
    if df.empty or "unit" not in df or "short_name" in df:
        return df
    short = df["unit"].map(short_names(db))
    df = df.copy()
    df.insert(list(df.columns).index("name") + 1 if "name" in df else len(df.columns), "short_name",
              short.where(short.notna(), df.get("name")))
    return df


def visible_classes(db: Session, user: Principal) -> list[str]:
    """The classes whose ranking this user may open: a zone user's own class(es), else both."""
    if user.role == roles.ZONE_USER:
        own = _own_classes(db, user)
        return [c for c in ZONE_CLASSES if c in own]
    return list(ZONE_CLASSES)


def _own_classes(db: Session, user: Principal) -> set[str]:
    levels = zone_levels(db)
    return {levels[z] for z in user.zones if z in levels}


def ranking(db: Session, user: Principal, year: int | None, framework: str | None = None,
            zone_class: str | None = None):
    """The ranking of one class this user may see: live for the province and read-only users; for a
    zone user only the published ranking of its own class (other zones are visible only once published)."""
    zone_class = check_class(zone_class) if zone_class else default_class(db, user)
    name = framework_for(zone_class, framework)
    if user.role == roles.ZONE_USER:
        own = _own_classes(db, user)
        if zone_class not in own:
            raise Forbidden(f"高新区用户只能查看本园区所属级别（{'、'.join(sorted(own)) or '无'}）高新区的排名")
        run = _published_run(db, name, year, zone_class)
        if run is None:
            raise Forbidden(f"{year or '最新'}年度{zone_class}高新区排名尚未发布：高新区用户只能查看已发布的排名")
        df = pd.DataFrame(run.results["ranking"])
        info = framework_info(name)
        labels = run.results.get("labels") or {}
        meta = {"year": run.year, "zone_class": zone_class, "framework": name,
                "framework_name": run.results.get("framework_name", info["framework_name"]),
                "document": info["document"], "gaps": info["gaps"], "n_units": int(len(df)),
                "dimensions": [c for c in labels if c not in RANK_LABELS], "dimension_labels": labels,
                "published": True, "is_demo": run.is_demo, "note": "已发布的排名"}
    else:
        df, meta = ranking_frame(db, year, name, zone_class)
        run = _published_run(db, name, meta["year"], zone_class)
        meta["published"] = run is not None
    return _with_short_name(df, db), meta


def ranking_export(df: pd.DataFrame) -> pd.DataFrame:
    """The ranking as an Excel export shows it: names, not zone codes."""
    return df.drop(columns=[c for c in ("unit",) if c in df])


def city_mean(scores) -> float | None:
    """A city's score: the plain mean of its zones' composite scores (2 decimals), None without any."""
    vals = [float(v) for v in scores if v is not None and v == v]
    return round(sum(vals) / len(vals), 2) if vals else None


def city_scores(ranking_df: pd.DataFrame) -> dict[str, float | None]:
    """City name → city_mean of its zones' scores in a ranking table (one class: one scale)."""
    if ranking_df.empty:
        return {}
    return {city: city_mean(g["score"]) for city, g in ranking_df.groupby("city", sort=True)}


def publish(db: Session, admin: Principal, year: int, framework: str | None = None,
            zone_class: str | None = None) -> dict:
    """Publish one class's ranking of a year; without a class, every class that has a result."""
    from gaoxin.services.scope import require_admin
    from gaoxin.services.errors import ServiceError
    require_admin(admin)
    if zone_class:
        return _publish(db, admin, year, framework, check_class(zone_class))
    done, why = [], []
    for zc in ZONE_CLASSES:
        try:
            done.append(_publish(db, admin, year, framework, zc))
        except ServiceError as exc:
            why.append(str(exc))
    if not done:
        raise NotFound("；".join(why))
    return {"id": done[-1]["id"], "ids": [d["id"] for d in done], "year": int(year), "published": True,
            "detail": "；".join(d["detail"] for d in done)}


def _publish(db: Session, admin: Principal, year: int, framework: str | None, zone_class: str) -> dict:
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import EvaluationRun
    name = framework_for(zone_class, framework)
    fw, data, res, is_demo = evaluation(db, name, zone_class)
    df, meta = ranking_frame(db, year, name, zone_class)
    results = {"ranking": records(df), "framework_name": meta["framework_name"], "zone_class": zone_class,
               "labels": meta["dimension_labels"]}
    run = EvaluationRun(framework=name, year=meta["year"], method=res.spec.to_dict(),
                        results=results, published=True, is_demo=is_demo, created_by=admin.username)
    db.add(run)
    db.flush()
    record_change(db, admin.username, "publish", "evaluation_run", str(run.id), None, None,
                  {"framework": run.framework, "zone_class": zone_class, "year": run.year, "units": len(df)})
    return {"id": run.id, "year": run.year, "zone_class": zone_class, "published": True,
            "detail": f"已发布 {run.year} 年度{zone_class}高新区排名（{len(df)} 个园区）"}


def uncertainty_stats(db: Session, year: int, framework: str | None = None,
                      zone_class: str | None = None) -> pd.DataFrame:
    """Rank intervals (5 % and 95 % quantiles) within one class over the method variations named in
    the settings."""
    import gaoxin.index as index
    fw, data, res, _ = evaluation(db, framework, zone_class)

    def compute():
        cfg = settings()["evaluation"]["uncertainty"]
        try:
            ua = index.uncertainty(fw, data, None, cfg["vary"], runs=int(cfg["runs"]), seed=int(cfg["seed"]), year=year)
        except index.USER_ERRORS as exc:
            raise Invalid(f"综合评价无法计算：{exc}") from exc
        return ua.rank_stats()
    return cached(("ua", framework_for(zone_class, framework), zone_class, year, data_version(db)), compute)


def zone_profile(db: Session, zone_code: str, year: int | None, framework: str | None = None,
                 zone_class: str | None = None) -> dict:
    """A zone's profile on its class's framework (or `framework`), ranked among the zones of its class."""
    if zone_class is None:
        zone_class = zone_levels(db).get(zone_code)
        if zone_class not in ZONE_CLASSES:
            raise NotFound(f"没有高新区 {zone_code}")
    return cached(("profile", zone_code, year, framework, zone_class, data_version(db)),
                  lambda: _zone_profile(db, zone_code, year, framework, check_class(zone_class)))


def _zone_profile(db, zone_code, year, framework, zone_class):
    import logging
    name = framework_for(zone_class, framework)
    fw, data, res, is_demo = evaluation(db, name, zone_class)
    y = pick_year(res, year)
    units = res.rows.loc[res.rows["year"] == y, "unit"].astype(str)
    if zone_code not in set(units):
        raise NotFound(f"{y} 年{zone_class}高新区评价结果中没有高新区 {zone_code}（可能缺少数据）")
    sc, rk = res.scores, res.ranks
    key = (zone_code, y) if isinstance(sc.index, pd.MultiIndex) else zone_code
    year_scores = sc.xs(y, level="year") if isinstance(sc.index, pd.MultiIndex) else sc
    dims = fw.children(fw.root)
    n = settings()["evaluation"]["strengths_n"]
    sw = res.strengths_weaknesses(zone_code, n=n, year=y)
    raw_row = data[(data["unit"] == zone_code) & (data["year"] == y)]

    def with_values(df):
        df = df.copy()
        df["value"] = [None if raw_row.empty else raw_row.iloc[0].get(c) for c in df["code"]]
        df["unit"] = [fw.nodes[c].unit if c in fw.nodes else None for c in df["code"]]
        return records(df.round(2))
    contrib = res.contributions(zone_code, year=y)
    contrib = contrib[contrib["code"].isin(fw.indicators)].head(15).round(3)
    history = []
    for yy in years_of(res):
        k = (zone_code, yy) if isinstance(sc.index, pd.MultiIndex) else zone_code
        if k in sc.index:
            history.append({"year": yy, "score": num(sc.loc[k, fw.root]), "rank": num(rk.loc[k, fw.root])})
    prev = [h for h in history if h["year"] == y - 1]
    score = num(sc.loc[key, fw.root])
    interval = None
    try:
        ua = uncertainty_stats(db, y, name, zone_class)
        row = ua[ua["unit"] == zone_code]
        q = [num(row.iloc[0]["q05"]), num(row.iloc[0]["q95"])] if len(row) else [None, None]
        # no interval when the zone has no rank in the variations (e.g. too little data)
        interval = None if None in q else [int(q[0]), int(q[1])]
    except Invalid as exc:
        logging.getLogger("gaoxin.services").warning("排名区间未能计算（画像不显示排名区间）：%s", exc)
    dmax = float(year_scores[dims].max().max())
    rank = rk.loc[key, fw.root]
    info = framework_info(name)
    return {"zone": zone_code, "year": y, "zone_class": zone_class, "framework_name": fw.name,
            "document": info["document"], "gaps": info["gaps"], "mean_label": f"{zone_class}高新区平均",
            "score": score, "rank": None if rank != rank else int(rank), "n_units": int(len(units)),
            "rank_interval": interval,
            "yoy": None if not prev or prev[0]["score"] is None or score is None else round(score - prev[0]["score"], 2),
            "dimensions": [{"code": d, "name": fw.nodes[d].name, "score": num(sc.loc[key, d]),
                            "mean": num(year_scores[d].mean())} for d in dims],
            "dimension_max": float(10 * math.ceil(dmax / 10)) if dmax == dmax else 100.0,
            "strengths": with_values(sw[sw["kind"] == "strength"]),
            "weaknesses": with_values(sw[sw["kind"] == "weakness"]),
            "contributions": records(contrib), "history": history, "is_demo": is_demo}


def zone_profile_for(db: Session, user: Principal, zone_code: str, year: int | None,
                     framework: str | None = None, zone_class: str | None = None) -> dict:
    """A zone's profile as this user may see it: before the year's ranking of its class is published a
    zone user sees its own scores and indicator values, but no rank and nothing compared with other zones."""
    from gaoxin.services.scope import require_read
    require_read(user, zone_code)
    p = zone_profile(db, zone_code, year, framework, zone_class)
    if user.role != roles.ZONE_USER:
        return p
    name = framework_for(p["zone_class"], framework)
    published = {r.year for r in _published_runs(db, name, p["zone_class"])}
    if p["year"] in published:
        return p
    p = dict(p)
    p.update(rank=None, n_units=None, rank_interval=None, yoy=p["yoy"], published=False,
             note=f"{p['year']} 年度{p['zone_class']}高新区排名尚未发布：仅显示本园区的得分和指标值，不显示排名和同级别比较")
    p["dimensions"] = [{**d, "mean": None} for d in p["dimensions"]]
    p["strengths"] = [{k: v for k, v in r.items() if k != "rank"} for r in p["strengths"]]
    p["weaknesses"] = [{k: v for k, v in r.items() if k != "rank"} for r in p["weaknesses"]]
    p["history"] = [{**h, "rank": h["rank"] if h["year"] in published else None} for h in p["history"]]
    return p


def profile_sheets(p: dict) -> dict[str, pd.DataFrame]:
    """A profile as Excel sheets with Chinese column names."""
    sheets = {"维度得分": pd.DataFrame(p["dimensions"]), "优势指标": pd.DataFrame(p["strengths"]),
              "短板指标": pd.DataFrame(p["weaknesses"]), "指标贡献": pd.DataFrame(p["contributions"]),
              "历年得分与排名": pd.DataFrame(p["history"])}
    labels = {**PROFILE_LABELS, "mean": p.get("mean_label") or PROFILE_LABELS["mean"]}
    return {k: v.rename(columns=labels) for k, v in sheets.items()}


def runs(db: Session, user: Principal) -> pd.DataFrame:
    """Saved runs with the framework's Chinese name and the class (never the file name)."""
    from gaoxin.store.models import EvaluationRun as R
    stmt = select(R.id, R.framework, R.year, R.published, R.is_demo, R.created_by, R.created_at, R.results)
    if user.role == roles.ZONE_USER:
        stmt = stmt.where(R.published.is_(True))
    rows = []
    own = _own_classes(db, user) if user.role == roles.ZONE_USER else None
    for r in db.execute(stmt.order_by(R.id.desc())).all():
        res = r.results or {}
        zc = res.get("zone_class")
        if own is not None and zc not in own:
            continue
        rows.append({"id": r.id, "zone_class": zc, "framework": res.get("framework_name") or "", "year": r.year,
                     "published": r.published, "is_demo": r.is_demo, "created_by": r.created_by,
                     "created_at": r.created_at})
    return pd.DataFrame(rows, columns=list(RUN_LABELS))


# --- class-based evaluation (H1) -------------------------------------------------------------------
# 分类评价 (seed 001 §二(三)6): a national zone is evaluated by the national system, a provincial zone by
# the provincial one; each class is ranked (and normalised) among its own zones. Which framework serves
# which class is data: the `zone_class` key of a framework file (the newest `effective` wins).

ZONE_CLASSES = ("国家级", "省级")


def class_frameworks() -> dict[str, str]:
    """{zone class: framework name} from the frameworks' `zone_class` key; for two frameworks of one
    class the one with the later `effective` date serves it (a new year's system is a new file)."""
    import gaoxin.reference as ref
    best: dict[str, tuple[str, str]] = {}
    for name in ref.list_frameworks():
        doc = ref.load_framework(name)
        zone_class = doc.get("zone_class")
        if zone_class is None:
            continue
        effective = str(doc.get("effective") or "")
        if zone_class not in best or effective > best[zone_class][0]:
            best[zone_class] = (effective, name)
    return {c: name for c, (_, name) in best.items()}


def evaluate_class(db: Session, zone_class: str | None, framework: str | None = None,
                   year: int | None = None, spec=None) -> dict:
    """Evaluate the zones of one class (国家级 / 省级) with that class's framework — or with
    `framework` if given — normalised and ranked among the zones of that class only.

    `zone_class=None` runs `framework` (then required) on every zone of both classes.
    Returns plain data: zone_class, framework (file name), framework_name, year, years, n_units,
    is_demo, gaps [(code, name)], result (the engine's IndexResult), ranking (its table: rank,
    unit, name, year, every node score) and short_names {zone code: 简称}."""
    import gaoxin.index as index
    from gaoxin.store.repo import zone_indicator_frame
    if zone_class is not None and zone_class not in ZONE_CLASSES:
        raise Invalid(f"高新区级别应为 {'、'.join(ZONE_CLASSES)} 之一，实际为“{zone_class}”")
    if framework is None:
        if zone_class is None:
            raise Invalid("请指定高新区级别（国家级 或 省级）或评价指标体系")
        framework = class_frameworks().get(zone_class)
        if framework is None:
            raise NotFound(f"没有为{zone_class}高新区指定评价指标体系（指标体系文件的 zone_class）")
    if not _FRAMEWORK_NAME.fullmatch(framework):
        raise NotFound(UNKNOWN_FRAMEWORK)
    try:
        fw = index.load_framework(framework)
    except index.USER_ERRORS:
        raise NotFound(UNKNOWN_FRAMEWORK) from None
    data = zone_indicator_frame(db, fw.indicators + fw.denominators)
    if zone_class is not None:
        data = data[data["level"] == zone_class].reset_index(drop=True)
    who = f"{zone_class}高新区" if zone_class else "高新区"
    if data.empty:
        raise NotFound(f"数据库中没有{who}的“{fw.name}”指标数据；可先导入数据，或运行 gaoxin demo 生成示例数据")
    years = sorted(int(y) for y in data["year"].unique())
    if year is None:
        year = years[-1]
    elif int(year) not in years:
        raise NotFound(f"{year} 年没有{who}的评价数据，可选年度：{'、'.join(map(str, years))}")
    try:
        res = index.evaluate(fw, data, spec, [int(year)])
    except index.USER_ERRORS as exc:
        raise Invalid(f"综合评价无法计算：{exc}") from exc
    table = res.table()
    return {"zone_class": zone_class, "framework": framework, "framework_name": fw.name, "year": int(year),
            "years": years, "n_units": int(table["unit"].nunique()), "is_demo": _has_demo_obs(db, fw.indicators),
            "gaps": list(fw.gaps), "result": res, "ranking": table,
            "short_names": {u: short_names(db).get(u) for u in table["unit"].astype(str)}}


def evaluate_by_class(db: Session, year: int | None = None, spec=None) -> list[dict]:
    """分类评价 of every class that has data: one `evaluate_class` result per class, 国家级 first.
    A class with no data is left out; if no class has data, NotFound."""
    out, missing = [], []
    for zone_class in ZONE_CLASSES:
        try:
            out.append(evaluate_class(db, zone_class, None, year, spec))
        except NotFound as exc:
            missing.append(str(exc))
    if not out:
        raise NotFound("；".join(missing))
    return out

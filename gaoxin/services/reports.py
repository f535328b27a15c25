"""Use cases of the documents: the annual zone evaluation report and the target circulars.

The figures come from the other services (the same numbers as the pages); gaoxin.reports lays them
out as Word / PDF / Excel. The web answers with the bytes, the CLI writes them to a file."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.services.errors import Invalid, ServiceError, Unavailable
from gaoxin.services.scope import require_province_reader

log = logging.getLogger("gaoxin.services")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
MEDIA = {"docx": DOCX, "pdf": PDF, "xlsx": XLSX}


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    media_type: str


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ServiceError(f"不支持的格式“{fmt}”，可选 {'、'.join(allowed)}")


def _finish(docx: bytes, fmt: str, stem: str) -> Document:
    if fmt == "docx":
        return Document(docx, f"{stem}.docx", DOCX)
    from gaoxin.reports.pdf import PdfUnavailable, docx_to_pdf
    try:
        return Document(docx_to_pdf(docx), f"{stem}.pdf", PDF)
    except PdfUnavailable as exc:
        raise Unavailable(str(exc)) from exc


def zone_evaluation_input(db: Session, user: Principal, year: int | None, zone_class: str | None = None,
                          framework: str | None = None):
    """One class's figures for the report (分类评价): its ranking among the zones of that class on its
    system, each zone's strengths, weaknesses, change and rank interval, the cities' mean scores
    within the class, the method, and the system's 文号 and gaps."""
    from gaoxin.reports.zone_evaluation import ZoneEvaluationInput
    from gaoxin.services import evaluation as ev
    from gaoxin.services.cache import settings
    require_province_reader(user)
    name = ev.framework_for(zone_class, framework)
    fw, data, res, is_demo = ev.evaluation(db, name, zone_class)
    df, meta = ev.ranking_frame(db, year, name, zone_class)
    y = meta["year"]
    n = settings()["evaluation"]["strengths_n"]
    notes = []
    try:
        ua = ev.uncertainty_stats(db, y, name, zone_class).set_index("unit")
    except Invalid as exc:
        log.warning("评价报告未列排名区间：%s", exc)
        ua = None
        notes.append(f"排名区间未能计算，本报告不列排名区间（{exc}）。")
    yoy = res.year_on_year()
    yoy = yoy[(yoy["year"] == y) & (yoy["code"] == fw.root)].set_index("unit")["change"]
    rows = []
    for u in df["unit"]:
        sw = res.strengths_weaknesses(u, n=n, year=y)
        row = {"unit": u, "strengths": "、".join(sw.loc[sw["kind"] == "strength", "name"]),
               "weaknesses": "、".join(sw.loc[sw["kind"] == "weakness", "name"]),
               "change": None if u not in yoy.index or yoy[u] != yoy[u] else round(float(yoy[u]), 2)}
        if ua is not None and u in ua.index:
            row["rank_q05"], row["rank_q95"] = ua.loc[u, "q05"], ua.loc[u, "q95"]
        rows.append(row)
    spec = res.spec.to_dict()
    who = f"{zone_class}高新区" if zone_class else "高新区"
    note = (f"{who}评价采用“{fw.name}”，共 {len(fw.indicators)} 项指标、{len(fw.children(fw.root))} 个维度，"
            f"在{who}之间标准化和排名；完整的方法设定随结果保存，可复现。")
    dims = {k: v for k, v in meta["dimension_labels"].items() if k in fw.children(fw.root)}
    return ZoneEvaluationInput(year=y, framework_name=fw.name, ranking=df, dimension_labels=dims,
                               profiles=pd.DataFrame(rows), city_scores=ev.city_scores(df), method_note=note,
                               is_demo=is_demo, notes=notes, method_spec=spec, zone_class=zone_class,
                               document=meta.get("document", ""), gaps=list(meta.get("gaps") or []))


def zone_evaluation_inputs(db: Session, user: Principal, year: int | None) -> list:
    """分类评价: one input per class with data (国家级 first), all for the same year (the latest year
    of the first class when none is given). NotFound when no class can be evaluated."""
    from gaoxin.services import evaluation as ev
    from gaoxin.services.errors import NotFound
    out, why = [], []
    for zc in ev.ZONE_CLASSES:
        try:
            inp = zone_evaluation_input(db, user, year, zc)
        except NotFound as exc:
            why.append(str(exc))
            continue
        out.append(inp)
        year = inp.year if year is None else year
    if not out:
        raise NotFound("；".join(why))
    return out


def zone_evaluation_report(db: Session, user: Principal, year: int | None, fmt: str = "docx") -> Document:
    from gaoxin.reports.zone_evaluation import build
    from gaoxin.services import evaluation as ev
    _check_format(fmt, ("docx", "pdf"))
    inputs = zone_evaluation_inputs(db, user, year)
    # the map: the mean within the class of the default framework (省级: the province's own system)
    docx = build(inputs, map_class=ev.default_class(db))
    return _finish(docx, fmt, f"{inputs[0].year}年度高新区综合评价报告")


def circular_report(db: Session, user: Principal, target: str | None, as_of: int | None,
                    fmt: str = "docx") -> Document:
    """The progress circular of all targets, one plan or one target (Word / PDF), or the ranked
    table of one decomposed target (Excel)."""
    from gaoxin.services import targets as tg
    _check_format(fmt, ("docx", "pdf", "xlsx"))
    require_province_reader(user)
    chosen, circulars, y, skipped, obs = tg.circulars(db, user, target, as_of)
    for s in skipped:
        log.info("通报未含：%s", s)
    if fmt == "xlsx":
        if len(circulars) != 1:
            raise ServiceError("Excel 通报须指定一个有分解表的目标（--target）")
        from gaoxin.reports.circular import write_circular
        return Document(write_circular(circulars[0]), f"{circulars[0].title}.xlsx", XLSX)
    from gaoxin.reports.circular_docx import build
    from gaoxin.targets.monitor import progress_table
    from gaoxin.targets.warning import warnings as warn
    p = progress_table(chosen, obs, y)
    prog = tg.shape_progress(p)
    w = tg.shape_progress(warn(p))
    title = circulars[0].title if target and len(chosen) == 1 and circulars else None
    docx = build(y, prog, w, circulars, bool(prog["is_demo"].any()) if len(prog) else False, title=title)
    return _finish(docx, fmt, title or f"目标任务完成情况通报（截至{y}年）")


def circular_xlsx(db: Session, user: Principal, target_id: str, as_of: int) -> tuple[bytes, object]:
    """(xlsx bytes, CircularTable) of one decomposed target (the CLI's `targets circular`)."""
    from gaoxin.reports.circular import write_circular
    from gaoxin.services import targets as tg
    circ = tg.circular(db, user, target_id, as_of)
    return write_circular(circ), circ


def progress_xlsx(frame: pd.DataFrame, as_of: int, demo: bool) -> bytes:
    from gaoxin.reports.excel import frame_to_xlsx
    title = f"规划目标完成进度（截至{as_of}年）" + ("（示例数据）" if demo else "")
    return frame_to_xlsx({"目标进度": frame}, demo=demo, title=title)


def table_xlsx(sheets: dict[str, pd.DataFrame], demo: bool = False, title: str | None = None) -> bytes:
    from gaoxin.reports.excel import frame_to_xlsx
    return frame_to_xlsx(sheets, demo=demo, title=title)

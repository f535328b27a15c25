"""Engine API: map, overview, evaluation, targets, enterprises, matching, reports.

Each handler is a few lines: it calls one gaoxin.services function (which checks the caller's zone
scope) and shapes the answer as JSON or Excel; service errors become HTTP answers in gaoxin.web.app."""
from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.services import enterprises as ent
from gaoxin.services import evaluation as ev
from gaoxin.services import overview as ov
from gaoxin.services import reports as rep
from gaoxin.services import targets as tg
from gaoxin.services import zones as zn
from gaoxin.web.deps import (DB, admin_user, check_zone_read, check_zone_write, current_user, report_reader,
                             verify_csrf, writer_user)
from gaoxin.web.tables import XLSX, attachment, records, table_response

router = APIRouter(prefix="/api", dependencies=[Depends(verify_csrf)])


# --- map and overview -----------------------------------------------------------------------------

@router.get("/map/hunan.geojson", tags=["总览"], summary="湖南省市州边界（可替换的 GeoJSON 数据文件）")
def hunan_geojson(user: Principal = Depends(current_user)):
    return Response(zn.geojson_bytes(), media_type="application/geo+json")


@router.get("/overview", tags=["总览"], summary="总览：各市州高新区及得分、主要目标进展")
def overview(year: int | None = None,
             zone_class: str | None = Query(None, description="地图着色所用的高新区级别（国家级 / 省级）"),
             user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(ov.overview(db, user, year, zone_class))


# --- evaluation -----------------------------------------------------------------------------------

@router.get("/evaluation/ranking", tags=["高新区评价"],
            summary="分类综合评价排名：某级别（国家级/省级）高新区在本级别内的排名（高新区用户仅可查看本级别已发布的排名）")
def ranking(year: int | None = None,
            zone_class: str | None = Query(None, description="国家级 / 省级；缺省为高新区用户本园区的级别，其他用户为省级"),
            framework: str | None = Query(None, description="指标体系（缺省为该级别的评价体系）"),
            format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    df, meta = ev.ranking(db, user, year, framework, zone_class)
    return table_response(df, format, f"{meta['year']}年{meta['zone_class']}高新区综合评价排名",
                          demo=meta.get("is_demo", False), labels=meta.get("dimension_labels") or ev.RANK_LABELS,
                          extra={"meta": meta}, xlsx_frame=ev.ranking_export)


@router.get("/evaluation/zones/{zone_code}", tags=["高新区评价"],
            summary="某高新区评价画像（按其级别的评价体系、在本级别内的排名；维度得分、优势短板、指标贡献、排名区间、同比）")
def zone_profile(zone_code: str, year: int | None = None, framework: str | None = None,
                 format: str | None = None, db: Session = DB, user: Principal = Depends(current_user)):
    p = ev.zone_profile_for(db, user, zone_code, year, framework)
    if format == "xlsx":
        return attachment(rep.table_xlsx(ev.profile_sheets(p), demo=p["is_demo"]),
                          f"{zone_code}_{p['year']}评价画像.xlsx", XLSX)
    return JSONResponse(p)


@router.post("/evaluation/publish", tags=["高新区评价"], summary="发布某年度某级别的排名（省级管理员；缺省级别时发布各级别）")
def publish(year: int = Query(...), zone_class: str | None = None, framework: str | None = None,
            admin: Principal = Depends(admin_user), db: Session = DB):
    return JSONResponse(ev.publish(db, admin, year, framework, zone_class))


@router.get("/evaluation/runs", tags=["高新区评价"], summary="已保存的评价结果（高新区用户仅见已发布）")
def runs(format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    return table_response(ev.runs(db, user), format, "评价记录", labels=ev.RUN_LABELS)


# --- targets --------------------------------------------------------------------------------------

@router.get("/targets", tags=["目标监测"], summary="规划目标及进展（红黄绿灯）")
def targets(as_of: int | None = None, plan: str | None = None, format: str | None = None,
            active: bool = Query(False, description="只列规划期包含截至年份的规划（缺省：全部规划，在期规划在前）"),
            user: Principal = Depends(current_user), db: Session = DB):
    df, meta = tg.targets_progress(db, user, as_of, plan, active=active)
    return table_response(df, format, "目标进展", demo=meta.get("is_demo", False), labels=tg.TARGET_LABELS,
                          extra={"meta": meta}, xlsx_frame=lambda d: tg.progress_export(db, d))


@router.get("/targets/warnings", tags=["目标监测"], summary="预警清单")
def warnings(as_of: int | None = None, format: str | None = None,
             active: bool = Query(False, description="只列规划期包含截至年份的规划"),
             user: Principal = Depends(current_user), db: Session = DB):
    df, meta = tg.target_warnings(db, user, as_of, active)
    return table_response(df, format, "预警清单", demo=meta.get("is_demo", False), labels=tg.TARGET_LABELS,
                          extra={"meta": meta}, xlsx_frame=lambda d: tg.progress_export(db, d))


@router.get("/targets/{target_id}", tags=["目标监测"], summary="某目标详情：分解树、分年度进展")
def target_detail(target_id: str, as_of: int | None = None, format: str | None = None,
                  user: Principal = Depends(current_user), db: Session = DB):
    d = tg.target_detail(db, user, target_id, as_of)
    if format == "xlsx":
        parts = pd.DataFrame(d["parts"]["rows"], columns=d["parts"]["columns"])
        return table_response(parts, "xlsx", f"{d['title']}分解情况", demo=bool(d["target"].get("is_demo")),
                              labels=d["parts"]["labels"])
    return JSONResponse(d)


# --- enterprises ----------------------------------------------------------------------------------

@router.get("/enterprises", tags=["企业培育"], summary="企业名单及梯度层级（按权限过滤，分页；导出 Excel 含全部符合条件的企业）")
def enterprises(zone: str | None = None, as_of: int | None = None, rung: str | None = None,
                industry: str | None = None, q: str | None = None, page: int | None = None,
                page_size: int | None = None, format: str | None = None, limit: int | None = Query(None, le=100000),
                user: Principal = Depends(current_user), db: Session = DB):
    if format == "xlsx":  # every matching row, never one page
        df, meta = ent.enterprise_list(db, user, zone, as_of, rung, None, industry, q)
        return table_response(df, format, "企业名单", demo=meta.get("is_demo", False), labels=ent.ENT_LABELS,
                              xlsx_frame=lambda d: ent.list_export_frame(d, zn.zone_names(db, short=True)))
    if limit is not None and page is None and page_size is None:  # the older ?limit= form
        df, meta = ent.enterprise_list(db, user, zone, as_of, rung, limit, industry, q)
    else:
        df, meta = ent.enterprise_list_page(db, user, zone, as_of, rung, industry, q, page, page_size)
    return table_response(df, format, "企业名单", demo=meta.get("is_demo", False), labels=ent.ENT_LABELS,
                          extra={"meta": meta, **{k: meta[k] for k in ("total", "page", "page_size", "pages",
                                                                        "first", "last") if k in meta}})


@router.get("/enterprises/{credit_code}", tags=["企业培育"], summary="企业画像：层级判定、创新积分、奖补")
def enterprise_profile(credit_code: str, as_of: int | None = None, user: Principal = Depends(current_user),
                       db: Session = DB):
    return JSONResponse(ent.enterprise_profile(db, user, credit_code, as_of))


@router.get("/zones/{zone_code}/ladder", tags=["企业培育"], summary="某高新区企业梯度漏斗")
def ladder(zone_code: str, as_of: int | None = None, db: Session = DB, user: Principal = Depends(current_user)):
    return JSONResponse(ent.ladder(db, user, zone_code, as_of))


@router.get("/zones/{zone_code}/pool", tags=["企业培育"], summary="某高新区培育库（距目标层级的差距，分页；导出 Excel 含全部）")
def pool(zone_code: str, as_of: int | None = None, rung: str | None = None, industry: str | None = None,
         q: str | None = None, page: int | None = None, page_size: int | None = None, format: str | None = None,
         db: Session = DB, user: Principal = Depends(current_user)):
    title = f"{zn.zone_names(db, short=True).get(zone_code, zone_code)}培育库"
    if format == "xlsx":  # every matching row, never one page
        df, meta = ent.pool(db, user, zone_code, as_of, rung, industry, q)
        return table_response(df, format, f"{title}（{meta.get('target', '')}）", demo=meta.get("is_demo", False),
                              labels=ent.POOL_LABELS, xlsx_frame=lambda d: ent.list_export_frame(d, {}))
    df, meta = ent.pool_page(db, user, zone_code, as_of, rung, industry, q, page, page_size)
    return table_response(df, format, title, demo=meta.get("is_demo", False), labels=ent.POOL_LABELS,
                          extra={"meta": meta, **{k: meta[k] for k in ("total", "page", "page_size", "pages",
                                                                        "first", "last")}})


@router.get("/zones/{zone_code}/subsidies", tags=["企业培育"], summary="某高新区企业奖补测算")
def subsidies(zone_code: str, as_of: int | None = None, format: str | None = None,
              db: Session = DB, user: Principal = Depends(current_user)):
    df, meta = ent.subsidies(db, user, zone_code, as_of)
    return table_response(df, format, f"{zn.zone_names(db, short=True).get(zone_code, zone_code)}奖补测算", demo=meta.get("is_demo", False),
                          labels=ent.SUBSIDY_LABELS, extra={"meta": meta})


# --- matching -------------------------------------------------------------------------------------

@router.get("/match/status", tags=["成果对接"],
            summary="成果对接索引状态（可否检索、已计算向量条数、预计剩余时间）；数据变化时启动后台更新")
def match_status(user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.services import matching as mt
    # counts and times only, no zone data: any logged-in user may poll it
    return JSONResponse(mt.status(db, wait=0))


@router.get("/matching/results", tags=["成果对接"],
            summary="检索高校待转成果（成果库为公开信息）：匹配强度高/中/低与理由；无合适匹配时为空表并说明")
def search_results(q: str = Query(..., min_length=1), k: int = Query(20, le=200), format: str | None = None,
                   user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.services import matching as mt
    df, meta = mt.search_results(user, db, q, k)
    return table_response(df, format, "成果检索", labels=mt.MATCH_LABELS, demo=meta["is_demo"], extra={"meta": meta})


@router.get("/matching/demands", tags=["成果对接"], summary="企业技术需求（按权限过滤）")
def demands(zone: str | None = None, q: str | None = Query(None, description="按需求名称、企业、编号或描述检索"),
            format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.services import matching as mt
    df = mt.demands(user, db, zone, q)
    return table_response(df, format, "企业技术需求", labels=mt.DEMAND_LABELS)


@router.get("/matching/demands/{code}/matches", tags=["成果对接"], summary="某需求的匹配成果、匹配强度及理由")
def demand_matches(code: str, k: int = Query(10, le=100), format: str | None = None,
                   user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.services import matching as mt
    df, meta = mt.demand_matches(user, db, code, k)
    return table_response(df, format, f"需求{code}匹配结果", labels=mt.MATCH_LABELS, demo=meta["is_demo"],
                          extra={"meta": meta})


class FeedbackIn(BaseModel):
    demand_code: str
    result_code: str
    verdict: str
    note: str | None = None


@router.post("/matching/feedback", tags=["成果对接"], summary="对匹配结果确认或否决（记入审计日志）")
def feedback(body: FeedbackIn, user: Principal = Depends(writer_user), db: Session = DB):
    from gaoxin.services import matching as mt
    return JSONResponse(mt.feedback(user, db, body.demand_code, body.result_code, body.verdict, body.note))


@router.get("/matching/roadshows", tags=["成果对接"],
            summary="路演计划：每场一张表（领域、片区、建议日期、成果、需求、建议邀请名单）")
def roadshows(zone: str | None = None, by: str = Query("city", description="city（按市州）/ area（按四大片区）"),
              format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    from gaoxin.services import matching as mt
    events = mt.roadshows(user, db, zone, by=by)
    table = mt.roadshow_table(events)
    if format in (None, "", "json"):
        ev_json = [{**{k: v for k, v in e.items() if k not in ("成果表", "需求表")},
                    "results": {"columns": list(e["成果表"].columns), "rows": records(e["成果表"])},
                    "demands": {"columns": list(e["需求表"].columns), "rows": records(e["需求表"])}} for e in events]
        return table_response(table, format, "路演计划", extra={"events": ev_json})
    return table_response(table, format, "路演计划")


# --- reports --------------------------------------------------------------------------------------

@router.get("/reports/zone-evaluation", tags=["报告"], summary="年度高新区评价报告（Word 或 PDF）")
def zone_evaluation_report(year: int | None = None, format: str = "docx", user: Principal = Depends(report_reader),
                           db: Session = DB):
    doc = rep.zone_evaluation_report(db, user, year, format)
    return attachment(doc.content, doc.filename, doc.media_type)


@router.get("/reports/circular", tags=["报告"], summary="目标进展通报（Word、PDF 或 Excel）")
def circular_report(target: str | None = None, as_of: int | None = None, format: str = "docx",
                    user: Principal = Depends(report_reader), db: Session = DB):
    doc = rep.circular_report(db, user, target, as_of, format)
    return attachment(doc.content, doc.filename, doc.media_type)

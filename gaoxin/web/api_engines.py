"""Engine API: map, overview, evaluation, targets, enterprises, matching, reports.

Each handler checks the caller's zone scope first (dependencies), then calls the engine through
gaoxin.web.engines; an engine not installed yet answers 503 with a Chinese message."""
from __future__ import annotations

import json

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.web import engines
from gaoxin.web.deps import (DB, admin_user, check_zone_read, check_zone_write, current_user, get_db, verify_csrf,
                             writer_user, zone_read)
from gaoxin.web.tables import DOCX, attachment, records, table_response

router = APIRouter(prefix="/api", dependencies=[Depends(verify_csrf)])


def report_reader(user: Principal = Depends(current_user)) -> Principal:
    """Province-wide documents (all zones' private figures): admin and read-only users."""
    if user.role == roles.ZONE_USER:
        raise HTTPException(403, "高新区用户不能下载包含其他园区数据的全省报告")
    return user


# --- map and overview -----------------------------------------------------------------------------

@router.get("/map/hunan.geojson", tags=["总览"], summary="湖南省市州边界（可替换的 GeoJSON 数据文件）")
def hunan_geojson(user: Principal = Depends(current_user)):
    return Response(engines.geojson_bytes(), media_type="application/geo+json")


@router.get("/overview", tags=["总览"], summary="总览：各市州高新区及得分、主要目标进展")
def overview(year: int | None = None, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(engines.overview(db, user, year))


# --- evaluation -----------------------------------------------------------------------------------

@router.get("/evaluation/ranking", tags=["高新区评价"], summary="综合评价排名（高新区用户仅可查看已发布的排名）")
def ranking(year: int | None = None, framework: str | None = None, format: str | None = None,
            user: Principal = Depends(current_user), db: Session = DB):
    df, meta = engines.ranking(db, user, year, framework)
    return table_response(df, format, f"{meta['year']}年高新区综合评价排名", demo=meta.get("is_demo", False),
                          labels=meta.get("dimension_labels") or engines.RANK_LABELS, extra={"meta": meta})


@router.get("/evaluation/zones/{zone_code}", tags=["高新区评价"], summary="某高新区评价画像（维度得分、优势短板、指标贡献、排名区间、同比）")
def zone_profile(zone_code: str = Depends(zone_read), year: int | None = None, framework: str | None = None,
                 format: str | None = None, db: Session = DB, user: Principal = Depends(current_user)):
    p = engines.zone_profile_for(db, user, zone_code, year, framework)
    if format == "xlsx":
        from gaoxin.reports.excel import frame_to_xlsx
        from gaoxin.web.tables import XLSX
        L = {"code": "指标代码", "name": "名称", "rank": "园区排名", "score": "得分", "value": "数值", "kind": "类别",
             "contribution": "贡献（分）", "share": "占比", "mean": "全省平均", "year": "年度"}
        sheets = {"维度得分": pd.DataFrame(p["dimensions"]), "优势指标": pd.DataFrame(p["strengths"]),
                  "短板指标": pd.DataFrame(p["weaknesses"]), "指标贡献": pd.DataFrame(p["contributions"]),
                  "历年得分与排名": pd.DataFrame(p["history"])}
        sheets = {k: v.rename(columns=L) for k, v in sheets.items()}
        return attachment(frame_to_xlsx(sheets, demo=p["is_demo"]), f"{zone_code}_{p['year']}评价画像.xlsx", XLSX)
    return JSONResponse(p)


@router.post("/evaluation/publish", tags=["高新区评价"], summary="发布某年度排名（省级管理员）")
def publish(year: int = Query(...), framework: str | None = None, admin: Principal = Depends(admin_user),
            db: Session = DB):
    return JSONResponse(engines.publish(db, admin, year, framework))


@router.get("/evaluation/runs", tags=["高新区评价"], summary="已保存的评价结果（高新区用户仅见已发布）")
def runs(format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    df = engines.runs(db, user)
    return table_response(df, format, "评价记录", labels=engines.RUN_LABELS)


# --- targets --------------------------------------------------------------------------------------

@router.get("/targets", tags=["目标监测"], summary="规划目标及进展（红黄绿灯）")
def targets(as_of: int | None = None, plan: str | None = None, format: str | None = None,
            active: bool = Query(False, description="只列规划期包含截至年份的规划（缺省：全部规划，在期规划在前）"),
            user: Principal = Depends(current_user), db: Session = DB):
    df, meta = engines.targets_progress(db, user, as_of, plan, active=active)
    return table_response(df, format, "目标进展", demo=meta.get("is_demo", False), labels=engines.TARGET_LABELS,
                          extra={"meta": meta})


@router.get("/targets/warnings", tags=["目标监测"], summary="预警清单")
def warnings(as_of: int | None = None, format: str | None = None,
             active: bool = Query(False, description="只列规划期包含截至年份的规划"),
             user: Principal = Depends(current_user), db: Session = DB):
    df, meta = engines.target_warnings(db, user, as_of, active)
    return table_response(df, format, "预警清单", demo=meta.get("is_demo", False), labels=engines.TARGET_LABELS,
                          extra={"meta": meta})


@router.get("/targets/{target_id}", tags=["目标监测"], summary="某目标详情：分解树、分年度进展")
def target_detail(target_id: str, as_of: int | None = None, format: str | None = None,
                  user: Principal = Depends(current_user), db: Session = DB):
    d = engines.target_detail(db, user, target_id, as_of)
    if format == "xlsx":
        parts = pd.DataFrame(d["parts"]["rows"], columns=d["parts"]["columns"])
        return table_response(parts, "xlsx", f"{target_id}分解情况", demo=bool(d["target"].get("is_demo")),
                              labels=d["parts"]["labels"])
    return JSONResponse(d)


# --- enterprises ----------------------------------------------------------------------------------

@router.get("/enterprises", tags=["企业培育"], summary="企业名单及梯度层级（按权限过滤）")
def enterprises(zone: str | None = None, as_of: int | None = None, rung: str | None = None,
                format: str | None = None, limit: int = Query(500, le=100000),
                user: Principal = Depends(current_user), db: Session = DB):
    if zone:
        check_zone_read(user, zone)
    df, meta = engines.enterprise_list(db, user, zone, as_of, rung, limit)
    return table_response(df, format, "企业名单", demo=meta.get("is_demo", False), labels=engines.ENT_LABELS,
                          extra={"meta": meta})


@router.get("/enterprises/{credit_code}", tags=["企业培育"], summary="企业画像：层级判定、创新积分、奖补")
def enterprise_profile(credit_code: str, as_of: int | None = None, user: Principal = Depends(current_user),
                       db: Session = DB):
    zone = engines.enterprise_zone(db, credit_code)
    check_zone_read(user, zone)
    return JSONResponse(engines.enterprise_profile(db, credit_code, as_of))


@router.get("/zones/{zone_code}/ladder", tags=["企业培育"], summary="某高新区企业梯度漏斗")
def ladder(zone_code: str = Depends(zone_read), as_of: int | None = None, db: Session = DB,
           user: Principal = Depends(current_user)):
    return JSONResponse(engines.ladder(db, zone_code, as_of))


@router.get("/zones/{zone_code}/pool", tags=["企业培育"], summary="某高新区培育库（距下一层级的差距）")
def pool(zone_code: str = Depends(zone_read), as_of: int | None = None, format: str | None = None,
         db: Session = DB, user: Principal = Depends(current_user)):
    df, meta = engines.pool(db, zone_code, as_of)
    return table_response(df, format, f"{zone_code}培育库", demo=meta.get("is_demo", False),
                          labels=engines.POOL_LABELS, extra={"meta": meta})


@router.get("/zones/{zone_code}/subsidies", tags=["企业培育"], summary="某高新区企业奖补测算")
def subsidies(zone_code: str = Depends(zone_read), as_of: int | None = None, format: str | None = None,
              db: Session = DB, user: Principal = Depends(current_user)):
    df, meta = engines.subsidies(db, zone_code, as_of)
    return table_response(df, format, f"{zone_code}奖补测算", demo=meta.get("is_demo", False),
                          labels=engines.SUBSIDY_LABELS, extra={"meta": meta})


# --- matching -------------------------------------------------------------------------------------

@router.get("/match/status", tags=["成果对接"],
            summary="成果对接索引状态（建立中 / 已就绪、已处理条数、预计剩余时间）；未建立时启动后台建立")
def match_status(user: Principal = Depends(current_user), db: Session = DB):
    # counts and times only, no zone data: any logged-in user may poll it
    return JSONResponse(engines.match_status(db, wait=0))


@router.get("/matching/results", tags=["成果对接"], summary="检索高校待转成果（成果库为公开信息）")
def search_results(q: str = Query(..., min_length=1), k: int = Query(20, le=200), format: str | None = None,
                   user: Principal = Depends(current_user), db: Session = DB):
    df = engines.search_results(db, q, k)
    return table_response(df, format, "成果检索", labels=engines.MATCH_LABELS)


@router.get("/matching/demands", tags=["成果对接"], summary="企业技术需求（按权限过滤）")
def demands(zone: str | None = None, q: str | None = Query(None, description="按需求名称、企业或编号检索"),
            format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    if zone:
        check_zone_read(user, zone)
    df = engines.demands(db, user, zone, q)
    return table_response(df, format, "企业技术需求", labels=engines.DEMAND_LABELS)


@router.get("/matching/demands/{code}/matches", tags=["成果对接"], summary="某需求的匹配成果及理由")
def demand_matches(code: str, k: int = Query(10, le=100), format: str | None = None,
                   user: Principal = Depends(current_user), db: Session = DB):
    check_zone_read(user, engines.demand_zone(db, code))
    df = engines.demand_matches(db, code, k)
    return table_response(df, format, f"需求{code}匹配结果", labels=engines.MATCH_LABELS)


class FeedbackIn(BaseModel):
    demand_code: str
    result_code: str
    verdict: str
    note: str | None = None


@router.post("/matching/feedback", tags=["成果对接"], summary="对匹配结果确认或否决（记入审计日志）")
def feedback(body: FeedbackIn, user: Principal = Depends(writer_user), db: Session = DB):
    check_zone_write(user, engines.demand_zone(db, body.demand_code))
    return JSONResponse(engines.feedback(db, user, body.demand_code, body.result_code, body.verdict, body.note))


@router.get("/matching/roadshows", tags=["成果对接"], summary="路演清单（按领域分组的需求与成果）")
def roadshows(zone: str | None = None, format: str | None = None, user: Principal = Depends(current_user),
              db: Session = DB):
    if zone:
        check_zone_read(user, zone)
    df = engines.roadshows(db, user, zone)
    return table_response(df, format, "路演清单", labels=engines.ROADSHOW_LABELS)


# --- reports --------------------------------------------------------------------------------------

@router.get("/reports/zone-evaluation", tags=["报告"], summary="年度高新区评价报告（Word 或 PDF）")
def zone_evaluation_report(year: int | None = None, format: str = "docx", user: Principal = Depends(report_reader),
                           db: Session = DB):
    content, name, media = engines.zone_evaluation_report(db, year, format)
    return attachment(content, name, media)


@router.get("/reports/circular", tags=["报告"], summary="目标进展通报（Word、PDF 或 Excel）")
def circular_report(target: str | None = None, as_of: int | None = None, format: str = "docx",
                    user: Principal = Depends(report_reader), db: Session = DB):
    content, name, media = engines.circular_report(db, target, as_of, format)
    return attachment(content, name, media)

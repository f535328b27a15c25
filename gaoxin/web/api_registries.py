"""REST API of the registries (高水平创新平台数据库, 上市后备企业资源库): thin translation of
gaoxin.services.registries (scope checks happen there; its errors become HTTP statuses here)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.services import registries as R
from gaoxin.services.errors import ServiceError
from gaoxin.web.deps import DB, current_user, verify_csrf
from gaoxin.web.tables import XLSX, attachment

router = APIRouter(prefix="/api/registries", dependencies=[Depends(verify_csrf)], tags=["资源库"])


def call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ServiceError as exc:
        raise HTTPException(exc.status, str(exc)) from None


def _years(years: str | None) -> list[int] | None:
    if not years:
        return None
    try:
        return [int(y) for y in years.replace("，", ",").split(",") if y.strip()]
    except ValueError:
        raise HTTPException(422, "年份应为四位数字，多个年份用逗号分隔，如 2024,2025") from None


@router.get("", summary="资源库目录")
def registry_kinds(user: Principal = Depends(current_user)):
    return JSONResponse(R.kinds())


@router.get("/platforms/target-counts", summary="由高水平创新平台数据库统计的规划目标平台数（全部或某一目标）")
def platform_target_counts(as_of: int | None = None, target: str | None = None,
                           user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.platform_target_counts, db, user, as_of, target))


@router.get("/platforms/rewards", summary="新批国家级、省级科创平台奖补（逐个平台测算）")
def platform_rewards(zone: str | None = None, years: str | None = None, format: str | None = None,
                     user: Principal = Depends(current_user), db: Session = DB):
    out = call(R.platform_rewards, db, user, _years(years), zone)
    if format == "xlsx":
        import pandas as pd
        from gaoxin.reports.excel import frame_to_xlsx
        df = pd.DataFrame(out["rows"], columns=out["columns"]).rename(columns=out["labels"])
        return attachment(frame_to_xlsx({"平台奖补": df}, demo=out["is_demo"], title="新批科创平台奖补测算"),
                          "新批科创平台奖补测算.xlsx", XLSX)
    return JSONResponse(out)


@router.get("/platforms/results", summary="高水平创新平台年度成果清单（定期发布；?format=xlsx 导出）")
def platform_results(year: int, zone: str | None = None, format: str | None = None,
                     user: Principal = Depends(current_user), db: Session = DB):
    out = call(R.platform_results, db, user, year, zone)
    if format == "xlsx":
        import pandas as pd
        from gaoxin.reports.excel import frame_to_xlsx
        df = pd.DataFrame(out["rows"], columns=out["columns"]).rename(columns=out["labels"])
        return attachment(frame_to_xlsx({"成果清单": df}, demo=out["is_demo"], title=f"{year}年高水平创新平台成果清单"),
                          f"{year}年高水平创新平台成果清单.xlsx", XLSX)
    return JSONResponse(out)


@router.post("/platforms/sync", summary="把资源库统计的平台数写入指标数据（省级管理员）")
def platform_sync(years: str = Query(...), user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.sync_platform_observations, db, user, _years(years)))


@router.get("/listing/monitor", summary="上市目标监测（由上市后备企业资源库统计）与各阶段企业数")
def listing_monitor(as_of: int | None = None, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.listing_monitor, db, user, as_of))


@router.get("/projects/progress", summary="重点项目进度与预警（高新区用户仅本园区）")
def projects_progress(as_of: int | None = None, zone: str | None = None, column: int | None = None,
                      format: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    out = call(R.project_progress, db, user, as_of, zone, column)
    if format == "xlsx":
        import pandas as pd
        from gaoxin.reports.excel import frame_to_xlsx
        df = pd.DataFrame(out["rows"], columns=out["columns"]).rename(columns=out["labels"])
        return attachment(frame_to_xlsx({"重点项目进度": df}, demo=out["is_demo"], title=f"{out['as_of']}年重点项目进度"),
                          "重点项目进度.xlsx", XLSX)
    return JSONResponse(out)


@router.post("/projects/load-plan", summary="把规划专栏2–12的项目登记入库（省级管理员）")
def projects_load_plan(user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.load_plan_projects, db, user))


@router.get("/tiers", summary="100/50/20/10亿级企业梯次（按营业收入，按权限过滤）")
def tiers(year: int, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.enterprise_tiers, db, user, year))


class AssignBody(BaseModel):
    expert_code: str
    role: str
    demand_code: str | None = None
    result_code: str | None = None
    roadshow: str | None = None
    zone: str | None = None


class FollowUpBody(BaseModel):
    outcome: str
    follow_up: str | None = None


@router.get("/experts/assignments", summary="三家选派与跟进记录（高新区用户仅本园区）")
def list_assignments(demand: str | None = None, expert: str | None = None, user: Principal = Depends(current_user),
                     db: Session = DB):
    return JSONResponse(call(R.assignments, db, user, demand, expert))


@router.post("/experts/assignments", summary="选派专家出席或跟进一项成果对接或路演")
def create_assignment(body: AssignBody, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.assign_expert, db, user, body.expert_code, body.role, body.demand_code, body.result_code,
                             body.roadshow, body.zone), status_code=201)


@router.post("/experts/assignments/{assignment_id}/follow-up", summary="记录跟进结果")
def follow_up(assignment_id: int, body: FollowUpBody, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.record_follow_up, db, user, assignment_id, body.outcome, body.follow_up))


class PublishBody(BaseModel):
    plan_id: str
    year: int
    conclusion: str
    scope: str | None = None


@router.get("/assessments", summary="已发布的年度评估")
def assessments(user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.list_assessments, db, user))


@router.post("/assessments", summary="发布年度评估（省级管理员；发布后不可修改）")
def publish_assessment(body: PublishBody, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.publish_assessment, db, user, body.plan_id, body.year, body.conclusion, body.scope),
                        status_code=201)


@router.get("/assessments/{assessment_id}", summary="一份年度评估（含发布时冻结的数据与原文）")
def get_assessment(assessment_id: int, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.get_assessment, db, user, assessment_id))


@router.get("/assessments/{assessment_id}/document", summary="下载年度评估原文（与发布时逐字节相同）")
def assessment_document(assessment_id: int, user: Principal = Depends(current_user), db: Session = DB):
    a = call(R.get_assessment, db, user, assessment_id)
    return attachment(a["document"].encode("utf-8"), f"{a['plan_name']}{a['year']}年度实施评估.md", "text/markdown; charset=utf-8")


@router.get("/plans/{plan_id}/versions", summary="规划的各个版本（三年一更新，旧版本保留）")
def versions(plan_id: str, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.plan_versions, db, user, plan_id))


@router.post("/plans/{plan_id}/versions", summary="冻结规划当前目标为新版本（省级管理员）")
def revise(plan_id: str, note: str | None = None, user: Principal = Depends(current_user), db: Session = DB):
    v = call(R.revise_plan, db, user, plan_id, note)
    return JSONResponse({"plan_id": v.plan_id, "version": v.version, "sha256": v.sha256}, status_code=201)


@router.get("/{kind}/fields", summary="资源库字段与可选值")
def registry_fields(kind: str, user: Principal = Depends(current_user)):
    return JSONResponse(call(R.fields, kind))


@router.get("/{kind}/template", summary="资源库导入模板（Excel）")
def registry_template(kind: str, user: Principal = Depends(current_user)):
    data, name = call(R.template_bytes, kind)
    return attachment(data, name, XLSX)


@router.get("/{kind}", summary="资源库记录（高新区用户仅本园区）；?format=xlsx 导出 Excel")
def list_entries(kind: str, zone: str | None = None, q: str | None = None, format: str | None = None,
                 user: Principal = Depends(current_user), db: Session = DB):
    if format == "xlsx":
        data, name = call(R.export_xlsx, db, user, kind, zone, q)
        return attachment(data, name, XLSX)
    return JSONResponse(call(R.list_entries, db, user, kind, zone, q), headers={"Cache-Control": "no-store"})


@router.post("/{kind}", summary="新增一条记录")
def create_entry(kind: str, body: dict, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.save_entry, db, user, kind, body), status_code=201)


@router.post("/{kind}/import", summary="导入资源库文件（整份文件全部通过才写入）")
async def import_entries(kind: str, file: UploadFile = File(...), dry_run: bool = False,
                         user: Principal = Depends(current_user), db: Session = DB):
    content = await file.read()
    rep = call(R.import_file, db, user, kind, content, file.filename or "upload.xlsx", dry_run)
    status = 200 if rep["status"] in ("loaded", "unchanged", "checked") else (403 if rep.get("access_denied") else 422)
    return JSONResponse({**rep, "ok": status == 200}, status_code=status)


@router.get("/{kind}/entries/{key}", summary="一条记录")
def get_entry(kind: str, key: str, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.get_entry, db, user, kind, key))


@router.put("/{kind}/entries/{key}", summary="修改一条记录（只需给出要改的字段）")
def update_entry(kind: str, key: str, body: dict, user: Principal = Depends(current_user), db: Session = DB):
    return JSONResponse(call(R.save_entry, db, user, kind, body, key))


@router.delete("/{kind}/entries/{key}", summary="删除一条记录")
def delete_entry(kind: str, key: str, user: Principal = Depends(current_user), db: Session = DB):
    call(R.delete_entry, db, user, kind, key)
    return JSONResponse({"deleted": key})

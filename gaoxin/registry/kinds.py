"""What each registry holds: fields with their Chinese headers, types and choices.

Pure data + helpers; the choice lists come from gaoxin/reference/registries/*.yaml through the
caller (`choices` argument), so the core reads no files."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str          # model attribute
    header: str        # Chinese column header / form label
    type: str          # text | int | float | year | date | zone | region | credit | choice | bool
    required: bool = False
    choices: str | None = None   # key of the choice list (types, levels, stages, boards, …)
    note: str = ""


@dataclass(frozen=True)
class Kind:
    code: str          # platforms | listing
    label: str         # Chinese name of the registry
    key: str           # unique key field
    fields: tuple[FieldSpec, ...]
    seed: str          # the seed section it implements

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def headers(self) -> list[str]:
        return [f.header for f in self.fields]

    @property
    def labels(self) -> dict[str, str]:
        return {f.name: f.header for f in self.fields}


PLATFORMS = Kind(
    code="platforms", label="高水平创新平台数据库", key="code",
    seed="湖南湘江新区科技创新体系建设规划 四、（四）1（1）；湖南省高新区提质增效三年行动计划 重点任务9–11；"
         "省级高新区绩效评价指标体系 指标1.3、1.4；湘潭市科技创新“133”行动计划 三、（三），附件4、5，四、（二）",
    fields=(
        FieldSpec("code", "平台编号", "text", True, note="平台的唯一编号，如 PT-2024-001；同一编号再次导入即更新该平台"),
        FieldSpec("name", "平台名称", "text", True),
        FieldSpec("type", "平台类型", "choice", True, "types"),
        FieldSpec("level", "平台级别", "choice", True, "levels"),
        FieldSpec("host_name", "依托单位", "text", True),
        FieldSpec("host_kind", "依托单位类型", "choice", False, "host_kinds"),
        FieldSpec("host_credit_code", "依托单位统一社会信用代码", "credit", False,
                  note="依托单位为企业时填写，按 GB 32100-2015 校验"),
        FieldSpec("zone_code", "所在高新区", "zone", False, note="高新区用户只能填写本园区"),
        FieldSpec("county_code", "所在县市区", "region", False),
        FieldSpec("approval_year", "批准年份", "year", True),
        FieldSpec("approval_doc", "批准文件", "text", False, note="批准文件名称及文号"),
        FieldSpec("status", "运行状态", "choice", True, "statuses"),
        FieldSpec("results_year", "成果年度", "year", False),
        FieldSpec("results_text", "年度成果", "text", False, note="该年度的主要成果（定期发布成果清单）"),
    ),
)

LISTING = Kind(
    code="listing", label="上市后备企业资源库", key="credit_code",
    seed="湖南省高新区提质增效三年行动计划 重点任务5（科创板上市后备企业资源库）；"
         "湖南湘江新区科技创新体系建设规划 四、（一）2（3），四、（四）4（3）",
    fields=(
        FieldSpec("credit_code", "统一社会信用代码", "credit", True),
        FieldSpec("name", "企业名称", "text", True),
        FieldSpec("zone_code", "所在高新区", "zone", False, note="高新区用户只能填写本园区"),
        FieldSpec("county_code", "所在县市区", "region", False),
        FieldSpec("is_tech", "是否科技企业", "bool", False, note="高新技术企业、科技型中小企业等填“是”"),
        FieldSpec("stage", "上市进程", "choice", True, "stages"),
        FieldSpec("board", "拟上市板块", "choice", False, "boards"),
        FieldSpec("stage_date", "进入本阶段日期", "date", False),
        FieldSpec("expected_date", "预计上市日期", "date", False),
        FieldSpec("listed_date", "上市日期", "date", False, note="上市进程为“上市”时必填"),
        FieldSpec("contact_name", "绿色服务通道联系人", "text", False),
        FieldSpec("contact_phone", "联系人电话", "text", False),
        FieldSpec("note", "备注", "text", False),
    ),
)

PROJECTS = Kind(
    code="projects", label="重点项目库", key="code",
    seed="湖南湘江新区科技创新体系建设规划 专栏2–12（“224”空间布局、要素“五位一体”、“2+4+N”产业格局）",
    fields=(
        FieldSpec("code", "项目编号", "text", True, note="规划专栏项目为 XJ-ZL<专栏>-<序号>，如 XJ-ZL09-02"),
        FieldSpec("name", "项目名称", "text", True),
        FieldSpec("column", "所属专栏", "int", False, note="规划专栏序号 2–12"),
        FieldSpec("layout", "布局", "text", False),
        FieldSpec("owner", "牵头单位", "text", False),
        FieldSpec("zone_code", "所在高新区", "zone", False, note="高新区用户只能填写本园区"),
        FieldSpec("chain", "产业链", "text", False),
        FieldSpec("status", "项目状态", "choice", True, "statuses"),
        FieldSpec("start_year", "起始年份", "year", False),
        FieldSpec("target_year", "目标年份", "year", False),
        FieldSpec("investment_target", "总投资（亿元）", "float", False),
        FieldSpec("investment_done", "累计完成投资（亿元）", "float", False),
        FieldSpec("output_target", "年产值目标（亿元）", "float", False),
        FieldSpec("output_done", "年产值完成（亿元）", "float", False),
        FieldSpec("localization_target", "国产化率目标（%）", "float", False),
        FieldSpec("localization_done", "国产化率完成（%）", "float", False),
        FieldSpec("milestones", "里程碑", "text", False,
                  note="每项“年份：内容”，多项用“；”分隔，已完成的在末尾加“（已完成）”，如 2024：主体完工（已完成）；2025：投产"),
        FieldSpec("note", "备注", "text", False),
    ),
)

EXPERTS = Kind(
    code="experts", label="三家名录（企业家、技术专家、政府管家）", key="code",
    seed="湘潭市推动科技创新“133”行动计划 三、（二）3 “三库三家”机制",
    fields=(
        FieldSpec("code", "编号", "text", True, note="如 EX-0001；同一编号再次导入即更新"),
        FieldSpec("name", "姓名", "text", True),
        FieldSpec("kind", "类别", "choice", True, "expert_kinds"),
        FieldSpec("field", "专业领域", "text", False, note="技术领域或产业，用于对接和路演时选派"),
        FieldSpec("organisation", "工作单位", "text", False),
        FieldSpec("title", "职务或职称", "text", False),
        FieldSpec("zone_code", "所在高新区", "zone", False, note="高新区用户只能填写本园区"),
        FieldSpec("phone", "联系电话", "text", False),
        FieldSpec("note", "备注", "text", False),
    ),
)

KINDS = {k.code: k for k in (PLATFORMS, LISTING, PROJECTS, EXPERTS)}


def kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise KeyError(f"未知的资源库“{code}”，可选：" + "、".join(k.label for k in KINDS.values())) from None

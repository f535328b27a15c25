"""What each import kind looks like: Chinese headers and the model fields they fill.

Header aliases are matched after NFKC folding, so full-width brackets and spaces do not matter."""
from __future__ import annotations

KINDS = ("observations", "enterprises", "results", "demands", "policies")
KIND_LABELS = {"observations": "指标数据", "enterprises": "企业名录", "results": "高校待转成果",
               "demands": "企业技术需求", "policies": "政策库", "demo": "示例数据"}

# observations
UNIT_HEADERS = ("单位", "单位名称", "单位代码", "高新区", "高新区名称", "园区", "地区", "市州", "县市区")
UNIT_TYPE_HEADERS = ("单位类型",)
INDICATOR_HEADERS = ("指标", "指标代码", "指标名称")
YEAR_HEADERS = ("年份", "年度")
VALUE_HEADERS = ("数值", "值", "指标值")
MEASURE_HEADERS = ("计量单位",)
SOURCE_HEADERS = ("来源", "数据来源")
IGNORED_HEADERS = ("序号", "备注", "说明", "填报人", "联系电话")

UNIT_TYPE_LABELS = {
    "省": "province", "省级": "province", "全省": "province", "province": "province",
    "市州": "city", "市": "city", "city": "city",
    "县市区": "county", "县": "county", "区": "county", "县区": "county", "county": "county",
    "高新区": "zone", "园区": "zone", "zone": "zone",
    "企业": "enterprise", "enterprise": "enterprise",
    "部门": "department", "department": "department",
    "类别": "category", "category": "category",
}
UNIT_TYPE_NAMES = {"province": "省", "city": "市州", "county": "县市区", "zone": "高新区",
                   "enterprise": "企业", "department": "部门", "category": "类别"}

# model-row kinds: header → (field, type); type in text | int | float_wan | date | list | zone | region | credit
ENTERPRISE_FIELDS = {
    "统一社会信用代码": ("credit_code", "credit"),
    "企业名称": ("name", "text"),
    "所在高新区": ("zone_code", "zone"),
    "所在县市区": ("county_code", "region"),
    "产业领域": ("industry", "text"),
    "新赛道": ("new_track", "text"),
    "成立日期": ("founded", "date"),
}
RESULT_FIELDS = {
    "成果编号": ("code", "text"),
    "成果名称": ("title", "text"),
    "成果简介": ("abstract", "text"),
    "关键词": ("keywords", "text"),
    "技术领域": ("field", "text"),
    "完成单位": ("institution", "text"),
    "团队": ("team", "text"),
    "技术成熟度": ("trl", "int"),
    "知识产权类型": ("ip_type", "text"),
    "知识产权号": ("ip_number", "text"),
    "转化方式": ("terms", "text"),
    "所在地区": ("region_code", "region"),
}
DEMAND_FIELDS = {
    "需求编号": ("code", "text"),
    "统一社会信用代码": ("credit_code", "credit"),
    "企业名称": ("enterprise_name", "text"),
    "所在高新区": ("zone_code", "zone"),
    "需求名称": ("title", "text"),
    "需求描述": ("description", "text"),
    "技术领域": ("field", "text"),
    "预算（万元）": ("budget_wan", "float_wan"),
    "截止日期": ("deadline", "date"),
    "所在地区": ("region_code", "region"),
}
POLICY_FIELDS = {
    "政策编号": ("code", "text"),
    "政策名称": ("title", "text"),
    "发布单位": ("issuer", "text"),
    "政策内容": ("text", "text"),
    "适用梯队": ("eligible_rungs", "list"),
    "适用产业": ("eligible_industries", "list"),
    "支持额度": ("amount", "text"),
    "来源": ("source", "text"),
}
FIELD_MAPS = {"enterprises": ENTERPRISE_FIELDS, "results": RESULT_FIELDS, "demands": DEMAND_FIELDS,
              "policies": POLICY_FIELDS}
REQUIRED = {"enterprises": ("统一社会信用代码", "企业名称"), "results": ("成果编号", "成果名称"),
            "demands": ("需求编号", "需求名称"), "policies": ("政策编号", "政策名称")}
KEY_FIELD = {"enterprises": "credit_code", "results": "code", "demands": "code", "policies": "code"}

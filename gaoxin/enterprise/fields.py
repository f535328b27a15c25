"""The enterprise data fields the recognition rules, points and subsidies read.

Annual fields are stored as Observations (unit_type 'enterprise', indicator_code = field code,
period = year) and appear in the wide frame as `<code>_y0`, `<code>_y1`, ... (y0 = as-of year).
Static fields live in `Enterprise.attributes` (JSON) and appear as plain columns.
Money is in 万元 throughout (the unit of the statistical returns the zones fill in).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    code: str
    name: str          # Chinese name shown to users and accepted as a column header
    unit: str | None
    kind: str          # "annual" | "static"
    dtype: str         # "float" | "bool" | "int" | "str" | "date"
    source: str        # which rule needs it
    aliases: tuple[str, ...] = ()


HTE = "国科发火〔2016〕32号《高新技术企业认定管理办法》第十一条"
HTE_GUIDE = "《高新技术企业认定管理工作指引》（2016）"
TSME = "国科发政〔2017〕115号《科技型中小企业评价办法》"
MIIT = "《优质中小企业梯度培育管理暂行办法》（工信部，2022）"
POINTS = "003_c4e417dc85a75517.txt 十大工程(九)；000_833f39822cf367ab.txt 任务7（创新积分制）"
SUBSIDY = "004_5ad5552d415be116.txt 四、保障措施（二）"

ANNUAL: tuple[Field, ...] = (
    Field("revenue", "营业收入", "万元", "annual", "float", f"{HTE}（六）；{TSME}", ("销售收入", "营业收入(万元)")),
    Field("main_revenue", "主营业务收入", "万元", "annual", "float", MIIT),
    Field("rd_expense", "研发费用", "万元", "annual", "float", f"{HTE}（五）", ("研发费用总额",)),
    Field("rd_domestic", "境内研发费用", "万元", "annual", "float", f"{HTE}（五）"),
    Field("rd_deductible", "可加计扣除研发费用", "万元", "annual", "float", SUBSIDY),
    Field("hitech_revenue", "高新技术产品（服务）收入", "万元", "annual", "float", f"{HTE}（六）", ("高新技术产品收入",)),
    Field("total_income", "总收入", "万元", "annual", "float", f"{HTE}（六）；{HTE_GUIDE}：总收入为收入总额减去不征税收入",
          ("同期总收入", "收入总额")),
    Field("employees", "职工总数", "人", "annual", "float", f"{HTE}（四）；{TSME}"),
    Field("tech_staff", "科技人员数", "人", "annual", "float", f"{HTE}（四）；{TSME}"),
    Field("rd_staff", "研发人员数", "人", "annual", "float", MIIT),
    Field("total_assets", "资产总额", "万元", "annual", "float", f"{HTE_GUIDE} 企业成长性；{TSME}"),
    Field("total_liabilities", "负债总额", "万元", "annual", "float", f"{HTE_GUIDE} 企业成长性；{MIIT}"),
    Field("net_profit", "净利润", "万元", "annual", "float", MIIT),
    Field("cost_total", "成本费用支出总额", "万元", "annual", "float", TSME),
    Field("equity_financing", "新增股权融资额", "万元", "annual", "float", MIIT),
    Field("tech_contract", "技术合同成交额", "万元", "annual", "float", POINTS),
    Field("conversions", "科技成果转化数", "项", "annual", "float", f"{HTE_GUIDE} 科技成果转化能力"),
    Field("tax_paid", "纳税总额", "万元", "annual", "float", POINTS),
    Field("new_national_platforms", "新批国家级科创平台数", "个", "annual", "float", SUBSIDY),
    Field("new_provincial_platforms", "新批省级科创平台数", "个", "annual", "float", SUBSIDY),
)

STATIC: tuple[Field, ...] = (
    Field("ip_class1", "有效Ⅰ类知识产权数", "项", "static", "float", f"{HTE_GUIDE}；{TSME}", ("Ⅰ类知识产权数",)),
    Field("ip_class1_self", "自主研发Ⅰ类知识产权数", "项", "static", "float", MIIT),
    Field("ip_class1_high_value", "高价值Ⅰ类知识产权数", "项", "static", "float", MIIT),
    Field("ip_class2", "有效Ⅱ类知识产权数", "项", "static", "float", f"{HTE_GUIDE}；{TSME}", ("Ⅱ类知识产权数",)),
    Field("has_core_ip", "拥有核心支持作用的知识产权", None, "static", "bool", f"{HTE}（二）"),
    Field("in_hitech_domain", "核心技术属于国家重点支持的高新技术领域", None, "static", "bool", f"{HTE}（三）"),
    Field("has_major_violation", "近一年发生重大安全、质量事故或严重环境违法", None, "static", "bool", f"{HTE}（八）；{TSME} 第六条"),
    Field("is_blacklisted", "列入经营异常名录或严重违法失信名单", None, "static", "bool", f"{TSME} 第六条"),
    Field("hte_ip_expert_score", "高企知识产权专家评分项自评（先进程度、核心支持作用、获得方式，满分22）", "分", "static", "float", f"{HTE_GUIDE} 十、企业创新能力评价"),
    Field("hte_rd_mgmt_score", "高企研究开发组织管理水平自评（满分20）", "分", "static", "float", f"{HTE_GUIDE} 十、企业创新能力评价"),
    Field("hte_cert_year", "高新技术企业证书发证年份", "年", "static", "float", f"{HTE} 第九条（有效期三年）"),
    Field("hte_cert_count", "累计获高企认定次数", "次", "static", "float", SUBSIDY),
    Field("national_award_top3", "近五年获国家级科技奖励且排名前三", None, "static", "bool", f"{TSME} 第八条"),
    Field("provincial_award", "近三年获省级以上科技奖励（排名前三）", None, "static", "bool", MIIT),
    Field("provincial_rd_institution", "拥有省部级以上研发机构", None, "static", "bool", f"{TSME} 第八条"),
    Field("led_standard", "近五年主导制定国际、国家或行业标准", None, "static", "bool", f"{TSME} 第八条"),
    Field("joined_standard", "参与编制国家标准、行业标准、检测方法或技术规范", None, "static", "bool",
          f"{HTE_GUIDE} 十、企业创新能力评价（知识产权 加分项）"),
    Field("ip_class2_used", "已在以往高企认定中使用过的Ⅱ类知识产权数", "项", "static", "float",
          f"{HTE_GUIDE}：按Ⅱ类评价的知识产权在申请高新技术企业时仅限使用一次"),
    Field("new_economy", "主营属于新经济领域（互联网+、物联网、北斗、信息安全、虚拟现实、大数据、云计算等）", None,
          "static", "bool", "长沙高新区瞪羚企业认定办法 路线B"),
    Field("contest_top_award", "获全国性创新创业大赛金奖或一等奖", None, "static", "bool",
          "长沙高新区瞪羚企业认定办法 路线B"),
    Field("has_rd_institution", "自建或联合建立研发机构", None, "static", "bool", MIIT),
    Field("rd_institution_level", "研发机构级别（3国家级/2省级/1市级/0无）", "级", "static", "float", MIIT),
    Field("niche_years", "从事特定细分市场年限", "年", "static", "float", MIIT),
    Field("market_share", "主导产品全国细分市场占有率", "%", "static", "float", MIIT),
    Field("has_own_brand", "拥有自主品牌", None, "static", "bool", MIIT),
    Field("has_mgmt_cert", "取得管理体系认证或发达国家产品认证", None, "static", "bool", MIIT),
    Field("has_info_system", "核心业务采用信息系统支撑", None, "static", "bool", MIIT),
    Field("digital_level", "数字化水平等级（1–3）", "级", "static", "float", MIIT),
    Field("quality_items", "质量管理项数（质量奖、体系认证、自主品牌、标准）", "项", "static", "float", MIIT),
    Field("chain_key_link", "处于产业链关键环节（补短板、锻长板、填空白）", None, "static", "bool", MIIT),
    Field("priority_field", "主导产品属于重点领域（制造强国、网络强国等）", None, "static", "bool", MIIT),
    Field("maker_china_top", "“创客中国”大赛全国名次（无则空）", "名", "static", "float", MIIT),
    Field("is_listed", "已在境内外上市（不含新三板）", None, "static", "bool", "003_c4e417dc85a75517.txt 专栏5 上市领军型企业"),
    Field("has_pe_investment", "获得专业投资机构私募投资", None, "static", "bool", "独角兽定义（长城战略咨询）"),
    Field("valuation_usd", "最近一轮投后估值", "亿美元", "static", "float", "独角兽定义（长城战略咨询）"),
    Field("financing_total_usd", "累计融资额", "万美元", "static", "float", "独角兽定义（长城战略咨询）"),
    Field("controlling_share", "第一大股东持股比例", "%", "static", "float", "湘新综发〔2023〕49号 雏鹰企业"),
    Field("tsme_reg_year", "科技型中小企业入库年份", "年", "static", "float", TSME),
)

BASE_COLUMNS = ("credit_code", "name", "zone_code", "county_code", "industry", "new_track", "founded", "is_demo")
BASE_NAMES = {
    "credit_code": "统一社会信用代码", "name": "企业名称", "zone_code": "所在高新区", "county_code": "县市区代码",
    "industry": "产业", "new_track": "新赛道", "founded": "成立日期", "is_demo": "示例数据",
}

ALL: tuple[Field, ...] = ANNUAL + STATIC
BY_CODE: dict[str, Field] = {f.code: f for f in ALL}
ANNUAL_CODES = tuple(f.code for f in ANNUAL)
STATIC_CODES = tuple(f.code for f in STATIC)
BOOL_CODES = tuple(f.code for f in STATIC if f.dtype == "bool")


def indicator_registry() -> list[dict]:
    """Rows for the store's Indicator table (one per enterprise field)."""
    return [
        {"code": f.code, "name": f.name, "unit": f.unit, "unit_types": ["enterprise"],
         "description": ("年度数据" if f.kind == "annual" else "静态属性"), "source": f.source}
        for f in ALL
    ]


def header_map() -> dict[str, str]:
    """Every accepted header (English code, Chinese name, alias; with _y0.. suffixes handled by caller) → code."""
    m: dict[str, str] = {}
    for code, name in BASE_NAMES.items():
        m[code] = code
        m[name] = code
    for f in ALL:
        m[f.code] = f.code
        m[f.name] = f.code
        for a in f.aliases:
            m[a] = f.code
    return m

"""Derived quantities the rules compare (ratios, growth rates, ages), computed over whole columns.

Each quantity is a float array (NaN = cannot tell). Formulas are code; every threshold they are compared
with is data (gaoxin/reference/rules/*.yaml). Ratios are fractions (0.04 = 4 %); money is 万元.
`Quantities(frame, as_of_year, settings)[name]` computes on first use and caches.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

from gaoxin.enterprise import fields as F


@dataclass(frozen=True)
class Quantity:
    code: str
    name: str
    unit: str | None          # "%" means a fraction shown ×100; "万元", "人", "年", "天", "项", None (boolean)
    amount_base: str | None   # for a ratio: the quantity whose product with a ratio gap is money (万元)
    fn: Callable[["Quantities"], np.ndarray]


REGISTRY: dict[str, Quantity] = {}
# Quantities known only within a range for some enterprises: code → (fn(q) → (lo, hi), what the range means).
# Where the range is a point the value is exact; the rules compare the range (PASS only if the whole
# range passes, FAIL only if the whole range fails, else UNKNOWN).
RANGES: dict[str, tuple[Callable[["Quantities"], tuple[np.ndarray, np.ndarray]], str]] = {}


def quantity(code: str, name: str, unit: str | None = None, amount_base: str | None = None):
    def deco(fn):
        REGISTRY[code] = Quantity(code, name, unit, amount_base, fn)
        return fn
    return deco


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with NaN where b is 0 or missing (no warnings)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = np.full(np.broadcast(a, b).shape, np.nan)
    ok = np.isfinite(b) & (b != 0)
    np.divide(a, b, out=out, where=ok)
    return out


class Quantities:
    """Lazy, cached column computations over one wide enterprise frame."""

    def __init__(self, frame: pd.DataFrame, as_of_year: int, settings: dict | None = None,
                 as_of_date: date | None = None):
        self.frame = frame
        self.n = len(frame)
        self.as_of_year = int(as_of_year)
        if settings is None:  # the shared settings of gaoxin/reference/rules/index.yaml
            from gaoxin.enterprise.rules import load_rules
            settings = load_rules().settings
        self.settings = settings
        # the judging date (申报日): ages are counted to it; default the end of the data year
        self.as_of_date = pd.Timestamp(as_of_date) if as_of_date is not None else pd.Timestamp(date(self.as_of_year, 12, 31))
        self._cache: dict[str, np.ndarray] = {}

    def setting(self, key: str):
        """A setting of index.yaml; every policy number lives there, none falls back to a code default."""
        if key not in self.settings:
            from gaoxin.enterprise.rules import RuleError
            raise RuleError(f"规则索引文件 index.yaml 的 settings 缺少“{key}”")
        return self.settings[key]

    # raw access -------------------------------------------------------------------------------
    def col(self, name: str) -> np.ndarray:
        """A column as float (bools → 1/0, missing/None → NaN); all-NaN when the column is absent."""
        key = "col:" + name
        if key not in self._cache:
            if name not in self.frame.columns:
                self._cache[key] = np.full(self.n, np.nan)
            else:
                s = self.frame[name]
                if s.dtype == bool:
                    v = s.to_numpy(dtype=float)
                elif s.dtype == object:  # JSON attributes: True/False/None mixed with numbers
                    v = pd.to_numeric(s.map(lambda x: float(x) if isinstance(x, (bool, np.bool_)) else x),
                                      errors="coerce").to_numpy(dtype=float)
                else:
                    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
                self._cache[key] = v
        return self._cache[key]

    def y(self, field: str, k: int) -> np.ndarray:
        return self.col(f"{field}_y{k}")

    def __getitem__(self, code: str) -> np.ndarray:
        if code not in self._cache:
            if code in REGISTRY:
                self._cache[code] = np.asarray(REGISTRY[code].fn(self), dtype=float)
            elif code in F.BY_CODE and F.BY_CODE[code].kind == "static":
                self._cache[code] = self.col(code)
            else:
                raise KeyError(f"未知的企业指标或派生量：{code}")
        return self._cache[code]

    # shared helpers ---------------------------------------------------------------------------
    def operating_years(self) -> np.ndarray:
        """Accounting years in operation among y0, y1, y2 (1..3); NaN when 成立日期 is missing."""
        if "op_years" not in self._cache:
            fy = self.founded_year()
            self._cache["op_years"] = np.clip(self.as_of_year - fy + 1, 0, 3)
        return self._cache["op_years"]

    def founded_year(self) -> np.ndarray:
        if "founded_year" not in self._cache:
            d = pd.to_datetime(self.frame["founded"], errors="coerce") if "founded" in self.frame else pd.Series(pd.NaT, index=self.frame.index)
            self._cache["founded_year"] = d.dt.year.to_numpy(dtype=float)
        return self._cache["founded_year"]

    def sum_operating(self, field: str, years: int = 3) -> np.ndarray:
        """Σ field over the last `years` accounting years the enterprise operated (按实际经营时间)."""
        op = self.operating_years()
        total = np.zeros(self.n)
        missing = np.isnan(op)
        for k in range(years):
            v = self.y(field, k)
            used = op > k
            missing |= used & np.isnan(v)
            total += np.where(used, np.nan_to_num(v), 0.0)
        total[missing] = np.nan
        return total


def growth_hte(q: Quantities, y0: np.ndarray, y1: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """企业成长性 growth rate of the 2016 工作指引: ½(v2/v1 + v3/v2) − 1 with v1 = y2 (oldest), v3 = y0.

    Edge cases (工作指引; the ambiguous ones are settings in high_tech_enterprise.yaml):
    first-year value 0 → computed over the last two years (v3/v2 − 1); second-year value 0 → score 0
    (returned as rate 0, which bands to 0); fewer than three years of operation → actual period:
    two years → v3/v2 − 1 (setting `two_year_growth`), one year → rate 0 (setting `one_year_growth_zero`).
    """
    op = q.operating_years()
    r3 = 0.5 * (_div(y1, y2) + _div(y0, y1)) - 1.0
    r2 = _div(y0, y1) - 1.0
    out = np.where(y2 == 0, r2, r3)
    out = np.where(y1 == 0, 0.0, out)
    two = op == 2
    out = np.where(two, r2 if q.setting("two_year_growth") == "single_period" else np.nan, out)
    out = np.where(two & (y1 == 0), 0.0, out)
    one = op <= 1
    out = np.where(one, 0.0 if q.setting("one_year_growth_zero") else np.nan, out)
    # missing inputs among the years that count
    need2 = op >= 3
    miss = np.isnan(y0) | ((op >= 2) & np.isnan(y1)) | (need2 & np.isnan(y2) )
    out = np.where(miss & ~one, np.nan, out)
    out = np.where(np.isnan(op), np.nan, out)
    return out


# ---------------------------------------------------------------------------------- quantities
@quantity("age_days", "注册成立天数（截至判定日期，即申报日）", "天")
def _age_days(q):
    d = pd.to_datetime(q.frame["founded"], errors="coerce") if "founded" in q.frame else pd.Series(pd.NaT, index=q.frame.index)
    return (q.as_of_date - d).dt.days.to_numpy(dtype=float)


@quantity("age_years", "成立年限（截至判定日期）", "年")
def _age_years(q):
    return q["age_days"] / 365.25


@quantity("operating_years", "近三年中实际经营的会计年度数", "年")
def _op(q):
    return q.operating_years()


@quantity("revenue_y0", "最近一年销售收入", "万元")
def _rev0(q):
    return q.y("revenue", 0)


@quantity("revenue_3y_sum", "近三个会计年度销售收入总额", "万元")
def _rev3(q):
    return q.sum_operating("revenue")


@quantity("rd_3y_sum", "近三个会计年度研发费用总额", "万元")
def _rd3(q):
    return q.sum_operating("rd_expense")


@quantity("hte_rd_ratio", "近三个会计年度研发费用总额占销售收入总额比例", "%", "revenue_3y_sum")
def _hte_rd(q):
    return _div(q["rd_3y_sum"], q["revenue_3y_sum"])


@quantity("rd_domestic_share", "境内研发费用占全部研发费用比例", "%", "rd_3y_sum")
def _rd_dom(q):
    return _div(q.sum_operating("rd_domestic"), q["rd_3y_sum"])


@quantity("hitech_revenue_share", "近一年高新技术产品（服务）收入占同期总收入比例", "%", "income_base_y0")
def _hitech(q):
    return _div(q.y("hitech_revenue", 0), q.y("total_income", 0))


def _hitech_range(q):
    """总收入 (收入总额 − 不征税收入) is at least 营业收入, so without 总收入 the share lies in
    [0, 高新收入 ÷ 营业收入]: below 60 % even at that bound it fails; otherwise it cannot be told."""
    exact = q["hitech_revenue_share"]
    upper = _div(q.y("hitech_revenue", 0), q.y("revenue", 0))
    gap = np.isnan(exact) & ~np.isnan(upper)
    lo = np.where(gap, 0.0, exact)
    hi = np.where(gap, upper, exact)
    return lo, hi


RANGES["hitech_revenue_share"] = (_hitech_range, "缺少总收入：按营业收入算得的比例为上限（总收入不少于营业收入）")


@quantity("income_base_y0", "近一年总收入（缺失时以营业收入计，用于估算差额）", "万元")
def _ti0(q):
    ti = q.y("total_income", 0)
    return np.where(np.isnan(ti), q.y("revenue", 0), ti)


@quantity("standard_participation", "参与编制国家或行业标准、检测方法、技术规范（主导制定也算参与）", None)
def _std(q):
    led, joined = q.col("led_standard"), q.col("joined_standard")
    out = np.where((led == 1) | (joined == 1), 1.0, np.where((led == 0) & (joined == 0), 0.0, np.nan))
    # only one of the two recorded and it is 否: the other may still be 是
    return out


@quantity("employees_y0", "职工总数", "人")
def _emp0(q):
    return q.y("employees", 0)


@quantity("tech_staff_ratio", "科技人员占职工总数比例", "%", "employees_y0")
def _tech(q):
    return _div(q.y("tech_staff", 0), q.y("employees", 0))


@quantity("rd_staff_ratio", "研发人员占职工总数比例", "%", "employees_y0")
def _rdstaff(q):
    return _div(q.y("rd_staff", 0), q.y("employees", 0))


@quantity("ip_class2_only", "Ⅱ类知识产权数（无Ⅰ类时）", "项")
def _ip2(q):
    return q["ip_class2"]


@quantity("conversions_avg", "近三年科技成果转化年均数", "项")
def _conv(q):
    op = q.operating_years()
    return _div(q.sum_operating("conversions"), np.where(op > 0, op, np.nan))


@quantity("net_assets_growth", "净资产增长率（工作指引公式）", "%")
def _nag(q):
    na = [q.y("total_assets", k) - q.y("total_liabilities", k) for k in range(3)]
    return growth_hte(q, *na)


@quantity("sales_growth", "销售收入增长率（工作指引公式）", "%")
def _sg(q):
    return growth_hte(q, q.y("revenue", 0), q.y("revenue", 1), q.y("revenue", 2))


@quantity("hte_valid", "持有有效期内高新技术企业证书", None)
def _hte_valid(q):
    cy = q.col("hte_cert_year")
    years = float(q.setting("hte_validity_years"))
    # no certificate year recorded means no certificate, not "unknown"
    return np.where(np.isnan(cy), 0.0, ((q.as_of_year - cy) < years) & (cy <= q.as_of_year)).astype(float)


@quantity("rd_ratio_y0", "上年度研发费用占营业收入比例", "%", "revenue_y0")
def _rdr0(q):
    return _div(q.y("rd_expense", 0), q.y("revenue", 0))


@quantity("rd_ratio_y1", "前年度研发费用占营业收入比例", "%")
def _rdr1(q):
    return _div(q.y("rd_expense", 1), q.y("revenue", 1))


@quantity("rd_ratio_min_2y", "近2年研发费用占营业收入比例（两年中较低者）", "%", "revenue_y0")
def _rdmin(q):
    a, b = q["rd_ratio_y0"], q["rd_ratio_y1"]
    return np.where(np.isnan(a) | np.isnan(b), np.nan, np.minimum(a, b))


@quantity("rd_to_cost_y0", "研发费用占成本费用支出总额比例", "%")
def _rdc(q):
    return _div(q.y("rd_expense", 0), q.y("cost_total", 0))


@quantity("rd_expense_y0", "上年度研发费用总额", "万元")
def _rd0(q):
    return q.y("rd_expense", 0)


@quantity("rd_sum_2y", "近2年研发费用总额", "万元")
def _rd2(q):
    return q.sum_operating("rd_expense", 2)


@quantity("rd_avg_2y", "近2年研发费用总额均值", "万元")
def _rdavg(q):
    return 0.5 * q["rd_sum_2y"]


@quantity("equity_financing_2y", "近2年新增股权融资总额", "万元")
def _ef2(q):
    return q.sum_operating("equity_financing", 2)


@quantity("equity_financing_3y", "近三年新增股权融资总额", "万元")
def _ef3(q):
    return q.sum_operating("equity_financing", 3)


@quantity("main_revenue_share", "上年度主营业务收入占营业收入比例", "%")
def _ms(q):
    return _div(q.y("main_revenue", 0), q.y("revenue", 0))


@quantity("main_revenue_growth", "上年度主营业务收入增长率", "%")
def _mg(q):
    return _div(q.y("main_revenue", 0), q.y("main_revenue", 1)) - 1.0


@quantity("main_revenue_growth_avg_2y", "近2年主营业务收入平均增长率", "%")
def _mg2(q):
    return 0.5 * (_div(q.y("main_revenue", 0), q.y("main_revenue", 1)) + _div(q.y("main_revenue", 1), q.y("main_revenue", 2))) - 1.0


@quantity("debt_ratio", "上年度资产负债率", "%")
def _debt(q):
    return _div(q.y("total_liabilities", 0), q.y("total_assets", 0))


@quantity("net_margin", "上年度净利润率", "%")
def _nm(q):
    return _div(q.y("net_profit", 0), q.y("revenue", 0))


@quantity("total_assets_y0", "资产总额", "万元")
def _ta(q):
    return q.y("total_assets", 0)


def strategic_industry_names() -> dict[str, str]:
    """Every accepted spelling (code SEI01…, name 高端装备 / 高端装备产业, field names) → industry code, from
    the nine 战略性新兴产业 of seed 002 (gaoxin/reference/industries.yaml)."""
    from gaoxin.reference import load_industries, normalize_name
    out: dict[str, str] = {}
    for ind in load_industries():
        for name in (ind["code"], ind["name"], ind["name"] + "产业", *ind.get("fields", [])):
            out[normalize_name(name)] = ind["code"]
    return out


@quantity("strategic_industry", "主导产品属于战略性新兴产业（种子文件002所列九大产业）", None)
def _si(q):
    if "industry" not in q.frame:
        return np.full(q.n, np.nan)
    from gaoxin.reference import normalize_name
    names = strategic_industry_names()
    ind = q.frame["industry"]
    blank = ind.isna() | (ind.astype(str).str.strip() == "")
    uniq = {v: normalize_name(v) in names for v in ind.dropna().unique() if isinstance(v, str)}  # few distinct values
    hit = ind.map(uniq).eq(True).to_numpy(dtype=bool)
    return np.where(blank.to_numpy(), np.nan, hit.astype(float))


@quantity("revenue_growth", "上年度营业收入增长率", "%")
def _rg(q):
    return _div(q.y("revenue", 0), q.y("revenue", 1)) - 1.0


@quantity("profit_growth", "上年度利润增长率", "%")
def _pg(q):
    p0, p1 = q.y("net_profit", 0), q.y("net_profit", 1)
    g = _div(p0, p1) - 1.0
    # growth from a loss or zero base is not a growth rate: it fails rather than being unknown
    return np.where(~np.isnan(p0) & ~np.isnan(p1) & (p1 <= 0), -np.inf, g)


@quantity("maker_china_rank", "“创客中国”全国名次", "名")
def _mc(q):
    v = q.col("maker_china_top")
    return np.where(np.isnan(v), np.inf, v)  # absent = not placed


@quantity("no_major_violation", "近一年未发生重大安全、质量事故或严重环境违法", None)
def _nv(q):
    return 1.0 - q.col("has_major_violation")


@quantity("not_blacklisted", "未列入经营异常名录或严重违法失信名单", None)
def _nb(q):
    return 1.0 - q.col("is_blacklisted")


@quantity("not_listed", "尚未上市", None)
def _nl(q):
    return 1.0 - q.col("is_listed")


@quantity("rd_deductible_increment", "可加计扣除研发费用年度增量", "万元")
def _rdinc(q):
    return q.y("rd_deductible", 0) - q.y("rd_deductible", 1)


@quantity("rd_increment_prev", "上年度可加计扣除研发费用增量（较前一年）", "万元")
def _rdinc1(q):
    return q.y("rd_deductible", 1) - q.y("rd_deductible", 2)


@quantity("ip_class2_usable", "可用于本次高企认定的Ⅱ类知识产权数（以往认定用过的不再计）", "项")
def _ip2u(q):
    i2, used = q.col("ip_class2"), q.col("ip_class2_used")
    never = (np.nan_to_num(q.col("hte_cert_count")) < 1) & np.isnan(q.col("hte_cert_year"))
    used = np.where(np.isnan(used) & never, 0.0, used)  # never recognised: none used before
    return np.maximum(i2 - used, 0.0)


@quantity("ip_equiv", "知识产权数量档位（有Ⅰ类记100，否则为可用的Ⅱ类项数）", "项")
def _ipeq(q):
    i1, i2 = q.col("ip_class1"), q["ip_class2_usable"]
    out = np.where(i1 >= 1, 100.0, i2)
    return np.where(np.isnan(i1) | ((i1 < 1) & np.isnan(i2)), np.nan, out)


@quantity("miit_ip_grade", "知识产权档位（4高价值Ⅰ类/3自主研发Ⅰ类/2Ⅰ类/1Ⅱ类/0无）", "档")
def _ipg(q):
    hv, sf, i1, i2 = (q.col(c) for c in ("ip_class1_high_value", "ip_class1_self", "ip_class1", "ip_class2"))
    # high-value and self-developed Ⅰ类 are subsets of Ⅰ类: none of them without Ⅰ类
    hv = np.where(i1 == 0, 0.0, hv)
    sf = np.where(i1 == 0, 0.0, sf)
    # a grade is decided only when every higher grade is known to be ruled out (NaN → unknown)
    no_hv, no_sf, no_i1 = hv < 1, sf < 1, i1 < 1
    return np.select([hv >= 1, no_hv & (sf >= 1), no_hv & no_sf & (i1 >= 1),
                      no_hv & no_sf & no_i1 & (i2 >= 1), no_hv & no_sf & no_i1 & (i2 < 1)],
                     [4.0, 3.0, 2.0, 1.0, 0.0], np.nan)


@quantity("tech_contract_y0", "上年度技术合同成交额", "万元")
def _tc0(q):
    return q.y("tech_contract", 0)


@quantity("tax_paid_y0", "上年度纳税总额", "万元")
def _tax0(q):
    return q.y("tax_paid", 0)


@quantity("full_years", "成立后的完整会计年度数（评价年度 − 成立年度）", "年")
def _full(q):
    return q.as_of_year - q.founded_year()


@quantity("tsme_registered", "已取得当年科技型中小企业入库登记编号", None)
def _tsme_reg(q):
    ry = q.col("tsme_reg_year")
    # registration numbers are valid for the year (国科火字〔2019〕87号; the 2022 rule is unknown)
    return np.where(np.isnan(ry), 0.0, (ry == q.as_of_year).astype(float))

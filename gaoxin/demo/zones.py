"""Synthetic zone observations (示例数据) for every leaf indicator of every shipped framework.

Pure: zones and framework leaves in, a long frame out. Magnitudes are plausible, not real.

Each zone gets a few latent factors — size (national zones and 长株潭 larger), innovation intensity,
industrial upgrading, openness, growth momentum, management quality — that are only loosely related
(a shared "general standing" with loading √0.25, partly tied to size). Each indicator loads on the
factor its theme belongs to (named by keywords in its name), counts and amounts also on size, and
carries a large indicator-specific term fixed per zone plus a small yearly noise. So indicators of
one dimension correlate moderately (≈0.3–0.7, not ≈1), a zone can lead in one dimension and trail in
another, and ranks differ between dimensions. Values trend upwards over the years and ~3 % of the
cells are missing so that the engine's missing-data handling shows. Deterministic for the seed;
each indicator has its own random stream, so adding one does not change the others."""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

YEARS = tuple(range(2019, 2026))
MISSING_RATE = 0.03
CITY_FACTOR = {"430100": 1.6, "430200": 1.25, "430300": 1.2}  # 长沙、株洲、湘潭 (长株潭) are larger
LEVEL_FACTOR = {"国家级": 2.2, "省级": 1.0}
SIZE_SD = 0.35            # log-sd of a zone's size beyond level and city
GENERAL_SHARE = 0.25      # variance share of the general standing in each factor (factor r ≈ 0.25)
SIZE_IN_GENERAL = 0.4     # correlation of the general standing with log size (big zones tend to do well)

FACTORS = ("innovation", "industry", "openness", "growth", "governance")
# theme keywords → factor; first match wins, default innovation (the framework's first dimension)
THEMES = (
    (("出口", "海外", "外籍", "国际", "招商", "外资", "留学", "开放", "宜居", "城市服务"), "openness"),
    (("高新技术产业", "高新技术企业", "上市", "产业", "集群", "金融", "营业收入", "主营"), "industry"),
    (("研发", "R&D", "专利", "知识产权", "技术合同", "科技", "孵化", "众创", "本科", "人才", "创新"), "innovation"),
)

# (keyword in the indicator name, shape, typical value for a provincial zone, yearly drift); first match
# wins. Synthetic magnitudes for demo data only: they come from no document and drive no policy.
NAME_PROFILES = (
    ("万元销售收入中", "rate", 250.0, 0.03),     # 元 of R&D per 万元 of sales (≈2.5 %)
    ("万人拥有", "rate", 2500.0, 0.03),           # graduates per 10,000 employees
    ("万人", "rate", 25.0, 0.06),                 # new patents / IP per 10,000 employees
    ("人均", "rate", 1.5, 0.08),                  # 万元 per employee
    ("增速", "growth", 12.0, 0.0),
    ("增长", "growth", 12.0, 0.0),
    ("留学归国", "ratio", 1.2, 0.04),             # returnees and foreigners: about 1 % of the workforce
    ("出口额占", "ratio", 12.0, 0.01),
    ("占比", "ratio", 40.0, 0.02),
    ("比例", "ratio", 15.0, 0.02),
    ("比重", "ratio", 30.0, 0.02),
    ("覆盖", "ratio", 60.0, 0.03),
    ("投入额", "amount", 8000.0, 0.09),          # 万元
    ("到位金额", "amount", 500000.0, 0.08),      # 万元 (50 亿元)
    ("金额", "amount", 150000.0, 0.09),          # 万元
    ("额", "amount", 50000.0, 0.09),
    ("收入", "amount", 500000.0, 0.09),
    ("支出", "amount", 8000.0, 0.09),
    ("在孵企业", "count", 150.0, 0.07),
    ("众创空间", "count", 6.0, 0.06),
    ("孵化器", "count", 6.0, 0.06),
    ("研发机构", "count", 25.0, 0.06),
    ("服务促进机构", "count", 12.0, 0.05),
    ("上市企业", "count", 6.0, 0.08),
    ("高新技术企业数", "count", 120.0, 0.10),
)

# Checked before the unit rule: names of the national 2021 system (国科发火〔2021〕106号) whose
# magnitude the generic rules would get wrong (a % that is a growth rate, an intensity, a small share).
# Synthetic magnitudes for demo data only, like NAME_PROFILES.
NAME_FIRST = (
    ("增长率", "growth", 8.0, 0.0),
    ("综合能耗", "rate", 0.35, -0.03),                        # 吨标准煤/万元
    ("每千万研发经费", "rate", 4.0, 0.03),                    # 件 per 千万元 of R&D
    ("每100亿元营业收入", "rate", 300.0, 0.04),               # 件 per 100 亿元 of sales
    ("且营业收入超5亿元的企业数", "count", 3.0, 0.08),
    ("净增营业收入", "amount", 60.0, 0.09),                   # 亿元
    ("净增从业人员数", "rate", 0.4, 0.05),                    # 万人
    ("净增高新技术企业数", "count", 40.0, 0.08),
    ("企业利润率", "ratio", 7.0, 0.0),
    ("企业增加值率", "ratio", 22.0, 0.0),
    ("研发经费内部支出占营业收入比例", "ratio", 3.0, 0.02),
    ("研发人员全时当量数占比", "ratio", 6.0, 0.02),
    ("外籍常驻人员和留学归国人员占比", "ratio", 1.0, 0.03),
    ("内资控股企业数", "count", 8.0, 0.08),
    ("占所在城市GDP比例", "ratio", 20.0, 0.01),
    # the 2017 provincial system's shares and growth rates declare "%" too: keep the profiles their names
    # had before they carried a unit, so the demo values do not change
    ("高新技术产业主营业务收入占比", "ratio", 40.0, 0.02),
    ("高新技术产业总产值增速", "growth", 12.0, 0.0),
    ("海外留学归国人员和外籍常驻人员占从业人员的比例", "ratio", 1.2, 0.04),
    ("企业出口额占园区营业收入的比例", "ratio", 12.0, 0.01),
    ("年度出口额增速", "growth", 12.0, 0.0),
)

# per shape: (loading on size (log), loading on the theme factor, indicator-specific sd), on the log
# scale for positive shapes; chosen so that siblings correlate ≈0.3–0.7
LOADINGS = {"count": (0.55, 0.35, 0.50), "amount": (0.7, 0.35, 0.50), "rate": (0.1, 0.28, 0.30),
            "ratio": (0.05, 0.25, 0.22)}


def indicator_profile(leaf: dict) -> tuple[str, float, float]:
    """(shape, typical provincial-zone value, annual drift) guessed from the indicator's name.

    shape: score (questionnaire / expert rating 0–100), ratio (%), growth (% change), rate (per 10,000
    / per head), count, amount."""
    name = str(leaf.get("name", ""))
    st = str(leaf.get("source_type", ""))
    if st in ("调查", "定性") or "评价" in name or "状况" in name:
        return "score", 72.0, 0.01
    for word, shape, typical, drift in NAME_FIRST:
        if word in name:
            return shape, typical, drift
    if str(leaf.get("unit") or "") == "%":
        return "ratio", 35.0, 0.02
    for word, shape, typical, drift in NAME_PROFILES:
        if word in name:
            return shape, typical, drift
    return "count", 60.0, 0.08


def indicator_theme(leaf: dict) -> str:
    """The latent factor an indicator mainly reflects, from keywords in its name."""
    name = str(leaf.get("name", ""))
    for words, factor in THEMES:
        if any(w in name for w in words):
            return factor
    return FACTORS[0]


def zone_factors(zones: pd.DataFrame, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(log size, {factor: standard-normal score}) per zone, in the order of `zones`."""
    rng = np.random.default_rng(seed)
    nz = len(zones)
    log_size = (np.log(zones["level"].map(LEVEL_FACTOR).fillna(1.0).to_numpy(dtype=float))
                + np.log(zones["city_code"].astype(str).map(CITY_FACTOR).fillna(1.0).to_numpy(dtype=float))
                + rng.normal(0.0, SIZE_SD, nz))
    z = (log_size - log_size.mean()) / (log_size.std() or 1.0)
    general = SIZE_IN_GENERAL * z + np.sqrt(1 - SIZE_IN_GENERAL ** 2) * rng.normal(0.0, 1.0, nz)
    factors = {f: np.sqrt(GENERAL_SHARE) * general + np.sqrt(1 - GENERAL_SHARE) * rng.normal(0.0, 1.0, nz)
               for f in FACTORS}
    return log_size, factors


def zone_observations(zones: pd.DataFrame, leaves: list[dict], seed: int,
                      years: tuple[int, ...] = YEARS) -> pd.DataFrame:
    """Long frame [unit_type, unit_code, indicator_code, period, value, unit_of_measure] for
    zones × years × leaves. Deterministic for `seed`; vectorised over zones and years."""
    zones = zones.sort_values("code").reset_index(drop=True)
    nz, ny = len(zones), len(years)
    log_size, factors = zone_factors(zones, seed)
    t = np.arange(ny)
    parts = []
    seen = set()
    for leaf in leaves:
        code = str(leaf["code"])
        if code in seen or leaf.get("missing"):
            continue
        seen.add(code)
        # each indicator gets its own stream so adding an indicator does not shift the others
        r = np.random.default_rng([seed, zlib.crc32(code.encode())])
        shape, typical, drift = indicator_profile(leaf)
        theme = factors[indicator_theme(leaf)]
        own = r.normal(0.0, 1.0, nz)            # the indicator-specific part, fixed per zone
        noise = r.normal(0.0, 1.0, (nz, ny))    # year-to-year noise
        if shape == "score":
            v = typical + 5 * factors["governance"] + 4 * theme + 6 * own
            v = np.clip(v[:, None] + 1.2 * t + 2 * noise, 30, 100)
        elif shape == "growth":
            v = typical + 3 * factors["growth"][:, None] + 2 * theme[:, None] + 4 * own[:, None] + 4 * noise
        else:
            a_size, a_theme, sd_own = LOADINGS[shape]
            level = np.log(typical) + a_size * log_size + a_theme * theme + sd_own * own
            growth = drift + 0.015 * factors["growth"] + r.normal(0, 0.01, nz)
            v = np.exp(level)[:, None] * (1 + growth[:, None]) ** t * np.exp(0.04 * noise)
            if shape == "ratio":
                v = np.clip(v, 0.1, 99.0)
            if shape == "count":
                v = np.maximum(np.round(v), 1)
        v = np.round(v, 2)
        keep = r.random((nz, ny)) >= MISSING_RATE
        zi, yi = np.nonzero(keep)
        parts.append(pd.DataFrame({"unit_type": "zone", "unit_code": zones["code"].to_numpy()[zi],
                                   "indicator_code": code, "period": np.asarray(years)[yi],
                                   "value": v[zi, yi], "unit_of_measure": leaf.get("unit")}))
    if not parts:
        return pd.DataFrame(columns=["unit_type", "unit_code", "indicator_code", "period", "value",
                                     "unit_of_measure"])
    return pd.concat(parts, ignore_index=True)

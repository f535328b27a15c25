"""Synthetic enterprises (示例数据) for the demo database, the benchmark and the tests.

`generate_enterprises(n, seed)` → (static_frame, annual_long_frame), deterministic for a seed and
vectorised (no Python loop per enterprise). The spread is tuned so every rung of the ladder has
members and many enterprises sit just below a threshold, which makes the cultivation pool useful.
Every row is flagged `is_demo = True`.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from gaoxin.credit_code import ALPHABET, ORG_WEIGHTS, WEIGHTS
from gaoxin.enterprise import fields as F

AS_OF_YEAR = 2025

# Fallbacks used only when gaoxin.reference is not importable (the reference data is the source of truth).
_FALLBACK_ZONES = [  # (code, short name used in enterprise names, county adcode)
    ("changsha", "长沙", "430104"), ("zhuzhou", "株洲", "430211"), ("xiangtan", "湘潭", "430304"),
    ("hengyang", "衡阳", "430407"), ("yiyang", "益阳", "430903"), ("changde", "常德", "430702"),
    ("chenzhou", "郴州", "431002"), ("huaihua", "怀化", "431202"), ("ningxiang", "宁乡", "430182"),
    ("liuyang", "浏阳", "430181"), ("xiangtan-xiangtan", "湘潭", "430321"), ("loudi", "娄底", "431302"),
]
_INDUSTRY_WORDS = {  # name fragments per industry position (same order as the nine industries of seed 002)
    0: ["智能装备", "精密机械", "重工", "数控", "轨道装备"],
    1: ["新材料", "先进陶瓷", "合金材料", "碳材料", "复合材料"],
    2: ["航空科技", "航空动力", "无人机", "航天电子", "通航"],
    3: ["信息技术", "软件", "芯片", "数据科技", "网络科技"],
    4: ["生物科技", "医药", "基因科技", "医疗器械", "生物工程"],
    5: ["环保科技", "节能科技", "水处理", "环境工程", "资源循环"],
    6: ["新能源", "储能科技", "智能网联", "电池材料", "汽车电子"],
    7: ["检测技术", "科技服务", "数字创意", "供应链科技", "文化科技"],
    8: ["量子科技", "脑机科技", "合成生物", "人形机器人", "前沿科技"],
}
_BRAND = list("华湘麓岳楚芙蓉星瑞恒昇泰远创新鼎达博睿联宏金聚盛汇科智天宇中银衡方信德") + ["中南", "长株", "潇湘", "洞庭"]
_FORM = np.array(["有限公司", "股份有限公司", "有限责任公司"])


def _zones() -> pd.DataFrame:
    """zone code, short name and a county code for every zone, from gaoxin.reference when available."""
    try:
        from gaoxin.reference import load_zones  # type: ignore
        z = load_zones()
        z = pd.DataFrame(z) if not isinstance(z, pd.DataFrame) else z.copy()
        short = z["short_name"] if "short_name" in z else z["name"]
        county = z["county_code"] if "county_code" in z else pd.Series([None] * len(z))
        county = county.where(county.notna() & (county.astype(str).str.len() == 6), z["city_code"])
        out = pd.DataFrame({"code": z["code"].astype(str), "short": short.astype(str).str.replace(r"(高新技术产业开发区|高新区|经济技术开发区|经济开发区|经开区|工业园区?|产业开发区)$", "", regex=True),
                            "county": county.astype(str).str[:6]})
        if len(out):
            return out
    except Exception:  # noqa: BLE001 - reference data not built yet: use the fallback list
        pass
    return pd.DataFrame(_FALLBACK_ZONES, columns=["code", "short", "county"])


def _industries() -> list[str]:
    """Codes of the nine 战略性新兴产业, from the one industry list (gaoxin/reference/industries.yaml)."""
    from gaoxin.reference import load_industries
    return [i["code"] for i in load_industries()]


def _new_tracks() -> list[str]:
    try:
        from gaoxin.reference import load_new_tracks  # type: ignore
        t = load_new_tracks()
        items = [track["code"] for group in t for track in group["tracks"]]
        if items:
            return items
    except Exception:  # noqa: BLE001
        pass
    # seed 000 任务2 新赛道 (emerging and future lists)
    return ["北斗产业", "低空经济", "先进计算", "合成生物", "人工智能", "磁浮技术",
            "人形机器人", "脑机接口", "下一代互联网", "量子科技", "生命工程", "前沿材料"]


# plausible 新赛道 (seed 000 任务2) per industry position (SEI01 … SEI09 of seed 002)
_TRACKS_BY_INDUSTRY = {
    0: ["construction_machinery", "rail_transit_equipment", "humanoid_robot", "low_altitude"],
    1: ["nonferrous_metals", "steel", "frontier_materials", "petrochemical"],
    2: ["low_altitude", "beidou"],
    3: ["advanced_computing", "artificial_intelligence", "next_gen_internet", "beidou", "quantum"],
    4: ["synthetic_biology", "life_engineering", "brain_computer_interface"],
    5: ["petrochemical", "light_industry", "nonferrous_metals"],
    6: ["maglev", "artificial_intelligence", "rail_transit_equipment"],
    7: ["beidou", "artificial_intelligence", "next_gen_internet"],
    8: ["quantum", "brain_computer_interface", "humanoid_robot", "frontier_materials"],
}


def _pick_tracks(rng, ii: np.ndarray, tracks: list[str], n: int) -> np.ndarray:
    """About 30 % of enterprises are on a 新赛道 that fits their industry (loop over 9 industries)."""
    out = np.full(n, None, dtype=object)
    on = rng.random(n) < 0.3
    pick = rng.random(n)
    known = set(tracks)
    for k in range(9):
        options = [t for t in _TRACKS_BY_INDUSTRY[k] if t in known] or list(tracks)
        m = on & (ii % 9 == k)
        out[m] = np.array(options, dtype=object)[(pick[m] * len(options)).astype(int)]
    return out


def credit_codes(county: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Vectorised valid 统一社会信用代码: '91' + county adcode + organisation code (8 digits + check) + check."""
    digits = np.stack([(serial // 10 ** (7 - i)) % 10 for i in range(8)], axis=1)
    c = 11 - (digits * np.array(ORG_WEIGHTS)).sum(axis=1) % 11
    org_check = np.where(c == 10, "X", np.where(c == 11, "0", c.astype(str)))
    body = np.char.add(np.char.add(np.char.add("91", county.astype("U6")),
                                   np.char.zfill(serial.astype("U8"), 8)), org_check.astype("U1"))
    lut = np.full(128, -1, dtype=np.int64)
    for i, ch in enumerate(ALPHABET):
        lut[ord(ch)] = i
    vals = lut[body.view(np.uint32).reshape(-1, 17)]
    total = (vals * np.array(WEIGHTS)).sum(axis=1)
    check = np.array(list(ALPHABET))[(31 - total % 31) % 31]
    return np.char.add(body, check)


def generate_wide(n: int = 20000, seed: int = 20261122, as_of_year: int = AS_OF_YEAR,
                  years: int = 4) -> pd.DataFrame:
    """One wide frame (static columns + `<field>_y<k>` for k < years), the layout `gaoxin.enterprise` reads."""
    rng = np.random.default_rng(seed)
    zones = _zones()
    industries = _industries()
    tracks = _new_tracks()

    zi = rng.integers(0, len(zones), n)
    ii = rng.integers(0, len(industries), n)
    zone_code = zones["code"].to_numpy()[zi]
    county = zones["county"].to_numpy().astype("U6")[zi]
    serial = rng.permutation(np.arange(10_000_000, 10_000_000 + max(n * 3, 1000)))[:n] % 100_000_000

    # names: 城市简称 + 字号 + 行业词 + 组织形式 (vectorised string concatenation)
    brand = np.array(_BRAND)
    b1 = brand[rng.integers(0, len(brand), n)]
    b2 = brand[rng.integers(0, len(brand), n)]
    word_idx = rng.integers(0, 5, n)
    words = np.array([[w for w in _INDUSTRY_WORDS[k % 9]] for k in range(9)])[ii % 9, word_idx]
    name = np.char.add(np.char.add(np.char.add(np.char.add(zones["short"].to_numpy().astype("U8")[zi], b1), b2), words),
                       _FORM[rng.choice(3, n, p=[0.8, 0.15, 0.05])])

    age = np.minimum(rng.exponential(8.0, n), 30.0) + 0.3           # years of operation at the end of as_of_year
    founded_ord = date(as_of_year, 12, 31).toordinal() - (age * 365.25).astype(np.int64)
    founded = pd.to_datetime(founded_ord - date(1970, 1, 1).toordinal(), unit="D")

    # latent quality drives R&D, IP, staff, high-tech revenue together so rungs are correlated
    q = rng.normal(0.0, 1.0, n)
    rev0 = np.exp(rng.normal(np.log(1500) + 0.25 * np.minimum(age, 12) / 4, 1.5, n))
    cols: dict[str, np.ndarray] = {}
    growth = rng.normal((0.05 + 0.05 * q)[:, None], 0.12, (n, years))
    growth = np.maximum(growth, -0.6)
    rev = np.empty((n, years))
    rev[:, 0] = rev0
    for k in range(1, years):  # loop over years, not enterprises
        rev[:, k] = rev[:, k - 1] / (1.0 + growth[:, k - 1])
    # no revenue before founding; a few start-ups with a zero first year
    year_of = as_of_year - np.arange(years)
    founded_year = as_of_year - np.floor(age).astype(int)
    alive = year_of[None, :] >= founded_year[:, None]
    rev = np.where(alive, rev, np.nan)
    first = (year_of[None, :] == founded_year[:, None]) & (rng.random((n, 1)) < 0.15)
    rev = np.where(first, 0.0, rev)

    rd_ratio = np.exp(rng.normal(np.log(0.038) + 0.4 * q[:, None], 0.35, (n, 1))) * rng.uniform(0.85, 1.15, (n, years))
    rd = rev * rd_ratio
    emp = np.maximum(np.round(np.nan_to_num(rev, nan=0) / rng.uniform(60, 160, (n, 1)) + rng.integers(3, 15, (n, 1))), 3)
    emp = np.where(alive, emp, np.nan)
    tech_share = np.clip(rng.normal(0.13 + 0.05 * q[:, None], 0.06, (n, 1)), 0.0, 0.9)
    assets = rev * rng.uniform(0.6, 1.8, (n, 1)) * np.linspace(1.0, 0.85, years)[None, :] + 50
    assets = np.where(alive, assets, np.nan)
    debt = np.clip(rng.beta(5, 5, (n, 1)) * rng.uniform(0.95, 1.05, (n, years)), 0.05, 0.98)
    margin = rng.normal(0.06 + 0.02 * q[:, None], 0.07, (n, 1)) + rng.normal(0, 0.004, (n, years))
    main_share = np.clip(rng.beta(5, 2.5, (n, 1)), 0.3, 1.0)
    hitech_share = np.clip(rng.beta(3 + 1.5 * (q[:, None] > 0), 2.2, (n, 1)), 0, 1)

    cols["revenue"] = rev
    cols["main_revenue"] = rev * main_share
    cols["rd_expense"] = rd
    cols["rd_domestic"] = rd * np.clip(rng.beta(9, 1.2, (n, 1)), 0.3, 1.0)
    cols["rd_deductible"] = rd * rng.uniform(0.85, 1.0, (n, years))
    cols["hitech_revenue"] = rev * hitech_share
    cols["employees"] = emp
    cols["tech_staff"] = np.round(emp * tech_share)
    cols["rd_staff"] = np.round(emp * tech_share * rng.uniform(0.6, 0.95, (n, 1)))
    cols["total_assets"] = assets
    cols["total_liabilities"] = assets * debt
    cols["net_profit"] = rev * margin
    cols["cost_total"] = rev * np.clip(1 - margin, 0.5, 1.5)
    has_fin = rng.random((n, years)) < (0.03 + 0.04 * (q[:, None] > 1))
    cols["equity_financing"] = np.where(alive, np.where(has_fin, np.exp(rng.normal(np.log(1500), 1.2, (n, years))), 0.0), np.nan)
    has_tc = rng.random((n, 1)) < 0.35
    cols["tech_contract"] = np.where(alive, np.where(has_tc, rev * rng.uniform(0.01, 0.2, (n, years)), 0.0), np.nan)
    cols["conversions"] = np.where(alive, rng.poisson(np.clip(2.5 + 2.0 * q, 0.1, 10)[:, None], (n, years)).astype(float), np.nan)
    cols["tax_paid"] = rev * rng.uniform(0.02, 0.08, (n, 1))
    cols["new_national_platforms"] = np.where(alive, (rng.random((n, years)) < 0.002).astype(float), np.nan)
    cols["new_provincial_platforms"] = np.where(alive, (rng.random((n, years)) < 0.01).astype(float), np.nan)

    # a few percent of annual values missing at random → "cannot tell" judgements
    for code in F.ANNUAL_CODES:
        if code == "total_income":  # drawn below without the random stream, which stays as it was
            continue
        a = cols[code]
        a[rng.random(a.shape) < 0.015] = np.nan
    # 总收入 (收入总额 − 不征税收入): the demo enterprises have no other income, so it equals 营业收入
    cols["total_income"] = cols["revenue"].copy()

    data: dict[str, object] = {
        "credit_code": credit_codes(county, serial),
        "name": name,
        "zone_code": zone_code,
        "county_code": county,
        # a fifth of the enterprises are outside the nine strategic emerging industries
        "industry": np.where(rng.random(n) < 0.2, None, np.array(industries, dtype=object)[ii]),
        "new_track": _pick_tracks(rng, ii, tracks, n),
        "founded": founded,
        "is_demo": np.ones(n, dtype=bool),
    }
    lam1 = np.clip(0.8 + 0.9 * q, 0.05, 10)
    strong = q > 1.0  # the top ~16 %: the attributes of 专精特新 firms come together
    s = data  # static facts
    s["ip_class1"] = rng.poisson(lam1 + 2.0 * strong).astype(float)
    s["ip_class1_self"] = np.floor(s["ip_class1"] * rng.uniform(0.5, 1.0, n))
    s["ip_class1_high_value"] = np.floor(s["ip_class1"] * rng.uniform(0, 0.5, n))
    s["ip_class2"] = rng.poisson(np.clip(3 + 2 * q, 0.2, 20)).astype(float)
    s["has_core_ip"] = (s["ip_class1"] + s["ip_class2"]) > 0
    s["in_hitech_domain"] = rng.random(n) < 0.85
    s["has_major_violation"] = rng.random(n) < 0.01
    s["is_blacklisted"] = rng.random(n) < 0.01
    s["hte_ip_expert_score"] = np.round(np.clip(rng.normal(16 + 2.5 * q, 2.5), 0, 22))
    s["hte_rd_mgmt_score"] = np.round(np.clip(rng.normal(14 + 2 * q, 2.5), 0, 20))
    # certificates go mostly to enterprises that look like 高企 (they were recognised on such data)
    eligible_like = (hitech_share[:, 0] > 0.6) & (rd_ratio[:, 0] > 0.035) & (q > 0.2)
    has_cert = ((eligible_like & (rng.random(n) < 0.8)) | (rng.random(n) < 0.02)) & (age > 1.5)
    s["hte_cert_year"] = np.where(has_cert, as_of_year - rng.integers(0, 4, n), np.nan)
    s["hte_cert_count"] = np.where(has_cert, rng.integers(1, 4, n), 0).astype(float)
    s["national_award_top3"] = rng.random(n) < 0.004
    s["provincial_award"] = rng.random(n) < 0.03
    s["provincial_rd_institution"] = rng.random(n) < (0.03 + 0.05 * (q > 1))
    s["led_standard"] = rng.random(n) < 0.02
    s["has_rd_institution"] = rng.random(n) < (0.25 + 0.5 * (q > 0.5))
    s["rd_institution_level"] = np.where(s["has_rd_institution"], rng.choice([1, 2, 3], n, p=[0.6, 0.33, 0.07]), 0).astype(float)
    s["niche_years"] = np.floor(np.minimum(age, rng.uniform(0.5, 1.0, n) * age))
    s["market_share"] = np.round(np.clip(rng.exponential(np.where(strong, 12.0, 3.0), n), 0, 60), 1)
    s["has_own_brand"] = rng.random(n) < np.where(strong, 0.9, 0.5)
    s["has_mgmt_cert"] = rng.random(n) < np.where(strong, 0.9, 0.45)
    s["has_info_system"] = rng.random(n) < np.where(strong, 0.95, 0.55)
    s["digital_level"] = rng.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15]).astype(float)
    s["quality_items"] = rng.binomial(4, 0.35, n).astype(float)
    s["chain_key_link"] = rng.random(n) < np.where(strong, 0.7, 0.15)
    s["priority_field"] = rng.random(n) < np.where(strong, 0.85, 0.45)
    s["maker_china_top"] = np.where(rng.random(n) < 0.01, rng.integers(1, 500, n), np.nan)
    big = rev0 > 50000
    s["is_listed"] = (rng.random(n) < 0.002) | (big & (rng.random(n) < 0.25))
    unicorn_like = (~s["is_listed"]) & (age <= 10) & (rng.random(n) < 0.003)
    s["has_pe_investment"] = unicorn_like | (rng.random(n) < 0.05)
    s["valuation_usd"] = np.where(s["has_pe_investment"], np.round(np.exp(rng.normal(np.log(1.5), 1.0, n)) * np.where(unicorn_like, 8, 1), 2), np.nan)
    s["financing_total_usd"] = np.where(s["has_pe_investment"], np.round(s["valuation_usd"] * rng.uniform(500, 1500, n)), np.nan)
    s["controlling_share"] = np.round(np.clip(rng.normal(45, 20, n), 5, 100), 1)
    s["tsme_reg_year"] = np.where(rng.random(n) < 0.4, as_of_year - rng.integers(0, 3, n), np.nan)

    # some static facts unknown
    for code in ("in_hitech_domain", "has_core_ip", "market_share", "niche_years", "hte_ip_expert_score", "controlling_share"):
        v = np.asarray(s[code], dtype=object if np.asarray(s[code]).dtype == bool else float).copy()
        v[rng.random(n) < 0.03] = None if v.dtype == object else np.nan
        s[code] = v

    # facts added for issue 15, derived without the random stream (which stays as it was):
    # 参与编制标准 only where 主导制定 (leading implies taking part); no Ⅱ类 item used in an earlier
    # 高企 recognition; 新经济领域 = 新一代信息技术 (SEI04); no national contest prize
    s["joined_standard"] = np.asarray(s["led_standard"], dtype=bool).copy()
    s["ip_class2_used"] = np.zeros(n)
    s["new_economy"] = np.asarray([v == "SEI04" for v in data["industry"]], dtype=bool)
    s["contest_top_award"] = np.zeros(n, dtype=bool)

    frame = pd.DataFrame(data)
    for code in F.ANNUAL_CODES:
        a = cols[code]
        for k in range(years):
            frame[f"{code}_y{k}"] = a[:, k]
    return frame


def _split_wide(wide: pd.DataFrame, as_of_year: int, years: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    static_cols = list(F.BASE_COLUMNS) + [c for c in F.STATIC_CODES if c in wide]
    static = wide[static_cols].copy()
    static["founded"] = static["founded"].dt.date
    codes = wide["credit_code"].to_numpy()
    parts = []
    for code in F.ANNUAL_CODES:  # loop over fields and years, vectorised over enterprises
        for k in range(years):
            v = wide[f"{code}_y{k}"].to_numpy()
            keep = ~np.isnan(v)
            parts.append(pd.DataFrame({"credit_code": codes[keep], "indicator_code": code,
                                       "period": as_of_year - k, "value": v[keep]}))
    annual = pd.concat(parts, ignore_index=True)
    annual["period"] = annual["period"].astype(int)
    return static, annual


def generate_enterprises(n: int = 20000, seed: int = 20261122, as_of_year: int = AS_OF_YEAR,
                         years: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(static_frame, annual_long_frame) of `n` synthetic enterprises (示例数据).

    static_frame: credit_code, name, zone_code, county_code, industry, new_track, founded (date), is_demo,
    plus one column per static fact of `gaoxin.enterprise.fields.STATIC` (the store packs these into
    `Enterprise.attributes`). annual_long_frame: credit_code, indicator_code, period, value for the
    `years` years ending at `as_of_year` (missing values are simply absent).
    """
    wide = generate_wide(n, seed, as_of_year, years)
    return _split_wide(wide, as_of_year, years)

"""Hand-built enterprise frames: a baseline that passes 高新技术企业, varied one field at a time."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaoxin.credit_code import make_credit_code
from gaoxin.enterprise import fields as F

AS_OF = 2025


def code(i: int, county: str = "430302") -> str:
    return make_credit_code(f"91{county}{i:08d}0")


def baseline(i: int = 1) -> dict:
    """A 湘潭 enterprise that meets every 高企 condition with a definite innovation score ≥ 71."""
    row = {
        "credit_code": code(i), "name": f"测试企业{i}", "zone_code": "HN-N-XIANGTAN", "county_code": "430302",
        "industry": "SEI01", "new_track": None, "founded": pd.Timestamp("2015-06-01"), "is_demo": False,
        "ip_class1": 2.0, "ip_class1_self": 1.0, "ip_class1_high_value": 0.0, "ip_class2": 5.0,
        "has_core_ip": True, "in_hitech_domain": True, "has_major_violation": False, "is_blacklisted": False,
        "hte_ip_expert_score": 22.0, "hte_rd_mgmt_score": 20.0, "hte_cert_year": np.nan, "hte_cert_count": 0.0,
        "national_award_top3": False, "provincial_award": False, "provincial_rd_institution": False,
        "led_standard": False, "has_rd_institution": True, "rd_institution_level": 1.0, "niche_years": 5.0,
        "market_share": 3.0, "has_own_brand": True, "has_mgmt_cert": True, "has_info_system": True,
        "digital_level": 2.0, "quality_items": 2.0, "chain_key_link": False, "priority_field": True,
        "maker_china_top": np.nan, "is_listed": False, "has_pe_investment": False, "valuation_usd": np.nan,
        "financing_total_usd": np.nan, "controlling_share": 60.0, "tsme_reg_year": np.nan,
        "joined_standard": False, "ip_class2_used": 0.0, "new_economy": False, "contest_top_award": False,
    }
    annual = {
        "revenue": 10000.0, "main_revenue": 9000.0, "rd_expense": 600.0, "rd_domestic": 600.0,
        "rd_deductible": 600.0, "hitech_revenue": 7000.0, "total_income": 10000.0, "employees": 100.0, "tech_staff": 20.0,
        "rd_staff": 15.0, "total_assets": 8000.0, "total_liabilities": 4000.0, "net_profit": 800.0,
        "cost_total": 9000.0, "equity_financing": 0.0, "tech_contract": 100.0, "conversions": 5.0,
        "tax_paid": 400.0, "new_national_platforms": 0.0, "new_provincial_platforms": 0.0,
    }
    for f, v in annual.items():
        for k in range(3):
            row[f"{f}_y{k}"] = v
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in F.BOOL_CODES:
        df[c] = df[c].astype(object)
    df.attrs["as_of_year"] = AS_OF
    return df


def vary(**changes) -> dict:
    row = baseline()
    row.update(changes)
    return row


@pytest.fixture
def make():
    """make(dict_of_changes, ...) → a frame with one row per change set (credit codes distinct)."""
    def _make(*change_sets: dict) -> pd.DataFrame:
        rows = []
        for i, ch in enumerate(change_sets, 1):
            r = baseline(i)
            r.update(ch)
            rows.append(r)
        return frame(rows)
    return _make

"""Policy matching (政府政策库): which policies an enterprise may claim, by its ladder rung and industry.

A policy with no eligible rungs (or industries) is open to every rung (or industry). Pure, vectorised
over enterprises with numpy boolean matrices.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def load_policy_templates() -> tuple[dict, ...]:
    """The cited policy entries of data/policies.yaml (amounts as the seed documents state them)."""
    with open(DATA_DIR / "policies.yaml", encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    from gaoxin.enterprise.subsidies import amount_text  # each amount is written once, in subsidies.yaml
    return tuple({**p, "amount": amount_text(p["subsidy_rule"])} if p.get("subsidy_rule") else p
                 for p in doc["policies"])


def _as_list(v) -> list:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, str):
        return [x for x in (s.strip() for s in v.replace("，", ",").replace("；", ",").split(",")) if x]
    return list(v)


def eligibility_matrix(enterprises: pd.DataFrame, policies: pd.DataFrame,
                       rung_col: str = "rung", industry_col: str = "industry") -> np.ndarray:
    """Boolean [n_enterprises, n_policies]: True where the enterprise's rung and industry qualify."""
    rungs = enterprises[rung_col].astype(object).where(enterprises[rung_col].notna(), None).to_numpy()
    inds = enterprises[industry_col].astype(object).where(enterprises[industry_col].notna(), None).to_numpy()
    out = np.ones((len(enterprises), len(policies)), dtype=bool)
    for j, (pr, pi) in enumerate(zip(policies["eligible_rungs"], policies["eligible_industries"])):
        pr, pi = _as_list(pr), _as_list(pi)
        if pr:
            out[:, j] &= np.isin(rungs, np.array(pr, dtype=object))
        if pi:
            out[:, j] &= np.isin(inds, np.array(pi, dtype=object))
    return out


@cache
def rung_names() -> dict[str, str]:
    try:
        from gaoxin.reference import load_ladder
        return {str(r["code"]): str(r["name"]) for r in (x if isinstance(x, dict) else vars(x) for x in load_ladder())}
    except Exception:  # reference data absent: show the slug
        return {}


def match_policies(enterprise: dict, policies: pd.DataFrame) -> pd.DataFrame:
    """Policies one enterprise qualifies for, with a Chinese reason column (理由)."""
    ent = pd.DataFrame([{"rung": enterprise.get("rung"), "industry": enterprise.get("industry")}])
    ok = eligibility_matrix(ent, policies)[0]
    sel = policies.loc[ok].copy()
    reasons = []
    for pr, pi in zip(sel["eligible_rungs"], sel["eligible_industries"]):
        pr, pi = _as_list(pr), _as_list(pi)
        from .explain import field_name
        rung = enterprise.get("rung")
        r1 = f"梯度符合（{rung_names().get(str(rung), rung)}）" if pr else "不限企业梯度"
        r2 = f"产业符合（{field_name(enterprise.get('industry'))}）" if pi else "不限产业"
        reasons.append(f"{r1}；{r2}")
    sel["理由"] = reasons
    return sel.reset_index(drop=True)

"""Roadshow planning (按领域、分片区组织路演, seed 000 #13): group demand→result matches into events by
field × area, each with its demands, results and suggested attendees; export to xlsx.

Area (片区) is the demand's city, or one of the four areas of data/areas.yaml (`by="area"`).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .explain import field_name

DATA_DIR = Path(__file__).resolve().parent / "data"
_CN_NUM = "一二三四五六七八九十"


@cache
def _areas() -> tuple[dict[str, str], dict[str, str]]:
    doc = yaml.safe_load((DATA_DIR / "areas.yaml").read_text(encoding="utf-8"))
    city_area = {c: a for a, cities in doc["areas"].items() for c in cities}
    cities = {str(k): v for k, v in doc["cities"].items()}
    try:  # prefer the reference region names when present
        from gaoxin.reference import load_regions
        reg = load_regions()
        cities.update({str(c): n for c, n, lvl in zip(reg["code"], reg["name"], reg["level"]) if lvl == "city"})
    except Exception:
        pass
    return city_area, cities


def city_of(region_code) -> str | None:
    if region_code is None or region_code != region_code or str(region_code) == "":
        return None
    s = str(region_code)
    return s[:4] + "00" if len(s) == 6 else s


def plan_roadshows(matches: pd.DataFrame, by: str = "city", top_per_demand: int = 3, min_demands: int = 2,
                   max_results: int = 15, brokers: pd.DataFrame | None = None,
                   max_demands: int = 20) -> pd.DataFrame:
    """Events from a `Matcher.match_all` frame. One row per event:
    场次, 领域, 片区, 需求数, 成果数, 需求, 成果, 建议邀请高校院所, 建议邀请企业, 建议技术经理人, 平均匹配分.
    A field × area group with more than `max_demands` demands is split into several sessions
    (一、二 …), demands ordered by code so the split is stable."""
    cols = ["场次", "领域", "片区", "需求数", "成果数", "需求", "成果", "建议邀请高校院所", "建议邀请企业",
            "建议技术经理人", "平均匹配分", "示例数据"]
    if matches is None or len(matches) == 0:
        return pd.DataFrame(columns=cols)
    city_area, cities = _areas()
    m = matches[matches["rank"] <= top_per_demand].copy()
    city = m["demand_region_code"].map(city_of)
    if by == "area":
        m["片区"] = city.map(lambda c: city_area.get(c, "其他") if c else "未填写地区")
    else:
        m["片区"] = city.map(lambda c: cities.get(c, c) if c else "未填写地区")
    # the event's field is the demand's field (what the enterprises came for); fall back to the result's
    dfld = m["demand_field"].where(m["demand_field"].notna() & (m["demand_field"].astype(str) != ""), m["field"])
    m["领域"] = dfld.map(field_name)
    broker_map = {}
    if brokers is not None and len(brokers) and "username" in brokers:
        acc = brokers[brokers["verdict"] == "accept"].dropna(subset=["username"])
        broker_map = acc.groupby("demand_code")["username"].apply(lambda s: sorted(set(s))).to_dict()
    events = []
    parts = []
    for (fld, area), g in m.groupby(["领域", "片区"], sort=True):
        codes = sorted(g["demand_code"].unique())
        if len(codes) < min_demands:
            continue
        n_parts = max(1, -(-len(codes) // max_demands))
        size = -(-len(codes) // n_parts)  # even sessions: 42 demands with max 20 → 14 + 14 + 14
        for p in range(n_parts):
            chunk = set(codes[p * size:(p + 1) * size])
            label = area if n_parts == 1 else f"{area}（{_CN_NUM[p] if p < len(_CN_NUM) else p + 1}）"
            parts.append((fld, label, g[g["demand_code"].isin(chunk)]))
    for fld, area, g in parts:
        demands = g.drop_duplicates("demand_code")
        res = (g.groupby(["code", "title", "institution"], dropna=False)["score"].max()
               .sort_values(ascending=False).head(max_results).reset_index())
        brokers_here = sorted({u for d in demands["demand_code"] for u in broker_map.get(d, [])})
        events.append({
            "领域": fld, "片区": area, "需求数": len(demands), "成果数": len(res),
            "需求": "\n".join(f"{c} {t}（{e}）" for c, t, e in zip(demands["demand_code"], demands["demand_title"],
                                                                 demands["demand_enterprise"])),
            "成果": "\n".join(f"{c} {t}（{i}）" for c, t, i in zip(res["code"], res["title"], res["institution"])),
            "建议邀请高校院所": "、".join(pd.unique(res["institution"].dropna().astype(str))),
            "建议邀请企业": "、".join(pd.unique(demands["demand_enterprise"].dropna().astype(str))),
            "建议技术经理人": "、".join(brokers_here) if brokers_here else "待指派",
            "平均匹配分": round(float(np.mean(g["score"])), 4),
            "示例数据": "是" if ("is_demo" in g and g["is_demo"].fillna(False).astype(bool).all()) else "否",
        })
    ev = pd.DataFrame(events, columns=[c for c in cols if c != "场次"])
    ev = ev.sort_values(["需求数", "平均匹配分"], ascending=False, kind="stable").reset_index(drop=True)
    ev.insert(0, "场次", [f"第{i + 1}场" for i in range(len(ev))])
    return ev


def export_xlsx(path: Path, sheets: dict[str, pd.DataFrame], note: str | None = None) -> Path:
    """Write frames to one workbook (Chinese sheet names); `note` goes in a first 说明 sheet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        if note:
            pd.DataFrame({"说明": [note]}).to_excel(xw, sheet_name="说明", index=False)
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            for j, c in enumerate(df.columns):
                width = min(60, max(8, int(df[c].astype(str).str.len().clip(upper=60).max() if len(df) else 8),
                                    len(str(c)) * 2))
                ws.set_column(j, j, width)
    return path

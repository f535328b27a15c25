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
    # the reference region list (GB/T 2260) names every city; areas.yaml keeps the names it groups
    from gaoxin.reference import load_regions
    reg = load_regions()
    cities.update({str(c): n for c, n, lvl in zip(reg["code"], reg["name"], reg["level"]) if lvl == "city"})
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
            # a result's institutions may come grouped ("中南大学、湖南大学"): one name once
            "建议邀请高校院所": "、".join(dict.fromkeys(n for x in res["institution"].dropna().astype(str)
                                                  for n in x.split("、") if n)),
            "建议邀请企业": "、".join(pd.unique(demands["demand_enterprise"].dropna().astype(str))),
            "建议技术经理人": "、".join(brokers_here) if brokers_here else "待指派",
            "平均匹配分": round(float(np.mean(g["score"])), 4),
            "示例数据": "是" if ("is_demo" in g and g["is_demo"].fillna(False).astype(bool).all()) else "否",
        })
    ev = pd.DataFrame(events, columns=[c for c in cols if c != "场次"])
    ev = ev.sort_values(["需求数", "平均匹配分"], ascending=False, kind="stable").reset_index(drop=True)
    ev.insert(0, "场次", [f"第{i + 1}场" for i in range(len(ev))])
    return ev


def plan_events(matches: pd.DataFrame, by: str = "city", top_per_demand: int = 3, min_demands: int = 2,
                max_results: int = 15, brokers: pd.DataFrame | None = None, max_demands: int = 20,
                first_date=None, days_between: int = 7) -> list[dict]:
    """The roadshow plan as one entry per event: the header of `plan_roadshows` (场次, 领域, 片区, …)
    plus 日期 (a suggested date: `first_date` + n × `days_between` days, in the plan's order, skipping
    weekends) and two tables: 成果 (one row per result, institutions grouped, with the demands it
    answers and its best strength) and 需求 (one row per demand with its enterprise)."""
    import datetime as dt
    ev = plan_roadshows(matches, by=by, top_per_demand=top_per_demand, min_demands=min_demands,
                        max_results=max_results, brokers=brokers, max_demands=max_demands)
    if not len(ev):
        return []
    m = matches[matches["rank"] <= top_per_demand]
    day = first_date if isinstance(first_date, dt.date) else (
        dt.date.fromisoformat(str(first_date)) if first_date else None)
    out = []
    for _, e in ev.iterrows():
        d_codes = [line.split(" ", 1)[0] for line in str(e["需求"]).splitlines() if line]
        r_codes = [line.split(" ", 1)[0] for line in str(e["成果"]).splitlines() if line]
        g = m[m["demand_code"].isin(d_codes) & m["code"].isin(r_codes)]
        order = {"高": 0, "中": 1, "低": 2}
        res = []
        for code in r_codes:
            rows = g[g["code"] == code]
            if not len(rows):
                continue
            best = min(rows["strength"], key=lambda s: order.get(s, 3)) if "strength" in rows else ""
            res.append({"成果编号": code, "成果名称": rows["title"].iat[0], "完成单位": rows["institution"].iat[0],
                        "技术成熟度": ("" if "trl" not in rows or pd.isna(rows["trl"].iat[0])
                                  else f"{int(rows['trl'].iat[0])} 级"),
                        "对应需求": "、".join(sorted(set(rows["demand_code"]))), "最高匹配强度": best})
        dem = (m[m["demand_code"].isin(d_codes)].drop_duplicates("demand_code")
               [["demand_code", "demand_title", "demand_enterprise"]]
               .rename(columns={"demand_code": "需求编号", "demand_title": "需求", "demand_enterprise": "企业"}))
        when = None
        if day is not None:
            when = day
            while when.weekday() >= 5:
                when += dt.timedelta(days=1)
            day = when + dt.timedelta(days=days_between)
        item = {c: (e[c].item() if hasattr(e[c], "item") else e[c]) for c in ev.columns if c not in ("需求", "成果")}
        item["日期"] = when.isoformat() if when else "待定"
        item["成果表"] = pd.DataFrame(res, columns=["成果编号", "成果名称", "完成单位", "技术成熟度", "对应需求",
                                                 "最高匹配强度"])
        item["需求表"] = dem.reset_index(drop=True)
        out.append(item)
    return out

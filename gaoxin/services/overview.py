"""The overview page's use case: zones by city with scores, and the main goals' progress."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.services.cache import cached, data_version
from gaoxin.services.errors import ServiceError
from gaoxin.services.frames import num, records

log = logging.getLogger("gaoxin.services")


def overview(db: Session, user: Principal, year: int | None = None, zone_class: str | None = None) -> dict:
    return cached(("overview", user.role, tuple(sorted(user.zones)), year, zone_class, data_version(db)),
                  lambda: _overview(db, user, year, zone_class))


def _overview(db: Session, user: Principal, year: int | None, zone_class: str | None = None) -> dict:
    """Zones by city with their scores. National and provincial zones are scored on different systems
    (分类评价), so a city's map colour is the mean over the zones of ONE class (map_class: the given
    class, else the user's default class) and the page says so; each zone's own score is within its class."""
    from gaoxin.services import evaluation, targets
    from gaoxin.services.zones import zones as all_zones
    zones = all_zones(db)
    map_class = evaluation.check_class(zone_class) if zone_class else evaluation.default_class(db, user)
    by_class, meta, notes = {}, {}, []
    for zc in [map_class] + [c for c in evaluation.ZONE_CLASSES if c != map_class]:
        try:
            df, m = evaluation.ranking(db, user, year, None, zc)
            by_class[zc] = dict(zip(df["unit"], df["score"]))
            if zc == map_class:
                meta = m
        except ServiceError as exc:  # no ranking this user may see: the map shows zones without scores
            notes.append(f"{zc}高新区未显示得分：{exc}")
    map_scores = by_class.get(map_class, {})
    cities = []
    for (code, name), g in zones.groupby(["city_code", "city_name"], sort=True):
        zl = [{"code": r.code, "name": r.name, "short_name": r.short_name, "level": r.level,
               "score": num(by_class.get(r.level, {}).get(r.code, map_scores.get(r.code)))} for r in g.itertuples()]
        cities.append({"code": code, "name": name, "zones": zl, "n_zones": len(zl),
                       "n_national": sum(1 for z in zl if z["level"] == "国家级"),
                       "score": evaluation.city_mean(map_scores.get(z["code"]) for z in zl)})
    fw_name = meta.get("framework_name") or ""
    map_note = (f"地图按各市州{map_class}高新区综合得分的平均值着色（{fw_name}，{map_class}高新区之间比较）；"
                "国家级与省级高新区按各自的评价体系计分，得分尺度不同，不混合平均。没有"
                f"{map_class}高新区得分的市州不着色。")
    goals, goals_meta = [], {}
    try:
        tdf, tmeta = targets.targets_progress(db, user, None, None, headline=True)
        goals = records(tdf.head(8))
        names = targets.plan_names(db)
        goals_meta = {"as_of": tmeta["as_of"],
                      "plans": [names.get(pid, pid) for pid in dict.fromkeys(r["plan_id"] for r in goals)]}
    except ServiceError as exc:
        notes.append(f"未显示主要目标进展：{exc}")
    for n in notes:
        log.info("总览：%s", n)
    return {"cities": cities, "goals": goals, "goals_meta": goals_meta, "year": meta.get("year"),
            "map_class": map_class, "map_framework_name": fw_name, "map_note": map_note,
            "is_demo": meta.get("is_demo", False), "notes": notes,
            "n_zones": int(len(zones)), "n_national": int((zones["level"] == "国家级").sum())}

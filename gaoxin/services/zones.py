"""Use cases of the zone directory, the indicator observations and the province map."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gaoxin.auth.roles import Principal
from gaoxin.paths import REFERENCE_DIR
from gaoxin.services.errors import NotFound, ServiceError, Unavailable
from gaoxin.services.scope import require_read, require_write, zone_scope

ZONE_LABELS = {"code": "园区代码", "name": "园区名称", "short_name": "简称", "level": "级别",
               "city_code": "市州代码", "city_name": "所在市州", "approved_year": "批准年份"}
OBS_LABELS = {"unit_type": "单位类型", "unit_code": "单位代码", "indicator_code": "指标代码",
              "indicator_name": "指标名称", "period": "年份", "value": "数值", "is_demo": "示例数据"}


def zones(db: Session) -> pd.DataFrame:
    """All zones (public directory): code, name, short name, level, city, approval year."""
    from gaoxin.store.repo import zones_frame
    return zones_frame(db)


def zone_names(db: Session, short: bool = False) -> dict[str, str]:
    """Zone code → name (or short name, 长沙高新区 for 长沙高新技术产业开发区): what users read for a code."""
    z = zones(db)
    names = z["short_name"].where(z["short_name"].notna(), z["name"]) if short else z["name"]
    return dict(zip(z["code"], names))


def visible_zones(db: Session, user: Principal) -> pd.DataFrame:
    """The zones whose private data this user may read."""
    z = zones(db)
    return z[z["code"].isin(user.visible_zones(list(z["code"])))].reset_index(drop=True)


def zone(db: Session, code: str) -> dict:
    z = zones(db)
    hit = z[z["code"] == code]
    if hit.empty:
        raise NotFound(f"高新区代码“{code}”不存在")
    from gaoxin.services.frames import records
    return records(hit)[0]


def require_zone_exists(db: Session, code: str) -> None:
    from gaoxin.store.models import Zone
    if db.scalar(select(Zone.code).where(Zone.code == code)) is None:
        raise NotFound(f"高新区代码“{code}”不存在")


def _with_indicator_names(db: Session, df: pd.DataFrame) -> pd.DataFrame:
    from gaoxin.store.models import Indicator
    names = dict(db.execute(select(Indicator.code, Indicator.name)).all())
    df = df.copy()
    df.insert(3, "indicator_name", df["indicator_code"].map(names))
    return df


def zone_observations(db: Session, user: Principal, zone_code: str, indicator: str | None,
                      year: int | None) -> pd.DataFrame:
    """One zone's indicator values (the zone's private data)."""
    from gaoxin.store.repo import observations_frame
    require_read(user, zone_code)
    require_zone_exists(db, zone_code)
    df = observations_frame(db, unit_type="zone", indicators=[indicator] if indicator else None,
                            years=[year] if year else None, units=[zone_code])
    return _with_indicator_names(db, df)


def observations(db: Session, user: Principal, unit_type: str | None, zone: str | None,
                 indicator: str | None, year: int | None) -> pd.DataFrame:
    """Observations a user may read. A zone's private data = its zone rows and its enterprises' rows."""
    from gaoxin.store.models import Enterprise, Observation as o
    stmt = select(o.unit_type, o.unit_code, o.indicator_code, o.period, o.value, o.is_demo)
    if unit_type:
        stmt = stmt.where(o.unit_type == unit_type)
    if indicator:
        stmt = stmt.where(o.indicator_code == indicator)
    if year:
        stmt = stmt.where(o.period == year)
    scope = zone_scope(user, zone)
    if scope is not None:
        ent_in_scope = select(Enterprise.credit_code).where(Enterprise.zone_code.in_(scope))
        conds = [and_(o.unit_type == "zone", o.unit_code.in_(scope)),
                 and_(o.unit_type == "enterprise", o.unit_code.in_(ent_in_scope))]
        if not zone:  # not zone-private: province / city / county / department figures
            conds.append(o.unit_type.notin_(("zone", "enterprise")))
        stmt = stmt.where(or_(*conds))
    stmt = stmt.order_by(o.unit_type, o.unit_code, o.indicator_code, o.period).limit(50000)
    df = pd.DataFrame(db.execute(stmt).all(), columns=["unit_type", "unit_code", "indicator_code", "period",
                                                       "value", "is_demo"])
    return _with_indicator_names(db, df)


def set_zone_observation(db: Session, user: Principal, zone_code: str, indicator: str, period: int,
                         value: float | None) -> dict:
    """Set one indicator value of a zone by hand (real data, audited with before and after)."""
    from gaoxin.auth.audit import record_change
    from gaoxin.store.models import Indicator, Observation
    require_write(user, zone_code)
    require_zone_exists(db, zone_code)
    if db.get(Indicator, indicator) is None:
        raise ServiceError(f"指标代码“{indicator}”不存在")
    row = db.scalar(select(Observation).where(Observation.unit_type == "zone", Observation.unit_code == zone_code,
                                              Observation.indicator_code == indicator, Observation.period == period))
    before = None if row is None else {"value": row.value, "is_demo": row.is_demo}
    if row is None:
        row = Observation(unit_type="zone", unit_code=zone_code, indicator_code=indicator, period=period)
        db.add(row)
    row.value = value
    row.is_demo = False  # a hand-entered value is real data
    row.source = f"网页录入：{user.username}"
    db.flush()
    record_change(db, user.username, "update" if before else "create", "observation",
                  f"zone:{zone_code}:{indicator}:{period}", zone_code, before, {"value": value, "is_demo": False})
    return {"unit_type": "zone", "unit_code": zone_code, "indicator_code": indicator, "period": period,
            "value": value, "before": before}


# --- map ------------------------------------------------------------------------------------------

def geojson_path() -> Path:
    """The province's city boundaries (replaceable data file; GAOXIN_MAP_GEOJSON overrides)."""
    return Path(os.environ.get("GAOXIN_MAP_GEOJSON") or REFERENCE_DIR / "map" / "hunan.geojson")


@functools.lru_cache(maxsize=2)
def _geojson_cached(path: str, mtime: float) -> bytes:
    return Path(path).read_bytes()


def geojson_bytes() -> bytes:
    p = geojson_path()
    if not p.exists():
        raise Unavailable("地图文件不存在（请放置湖南省市州边界 GeoJSON，或用环境变量 GAOXIN_MAP_GEOJSON 指定）")
    return _geojson_cached(str(p), p.stat().st_mtime)

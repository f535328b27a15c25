"""Queries returning plain pandas frames for the shells, and bulk writes. No policy computed here."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gaoxin.store.models import AuditLog, Enterprise, Observation, Region, Zone

CHUNK = 5000

ENTERPRISE_COLUMNS = ["credit_code", "name", "zone_code", "county_code", "industry", "new_track",
                      "founded", "is_demo"]


def _frame(session: Session, stmt, columns: Sequence[str]) -> pd.DataFrame:
    rows = session.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=list(columns))


def zones_frame(session: Session) -> pd.DataFrame:
    """DataFrame[code, name, short_name, level, city_code, city_name, approved_year], ordered by code."""
    stmt = (select(Zone.code, Zone.name, Zone.short_name, Zone.level, Zone.city_code, Region.name,
                   Zone.approved_year)
            .outerjoin(Region, Region.code == Zone.city_code).order_by(Zone.code))
    df = _frame(session, stmt, ["code", "name", "short_name", "level", "city_code", "city_name",
                                "approved_year"])
    text = ["code", "name", "short_name", "level", "city_code", "city_name"]
    df[text] = df[text].astype(object).where(df[text].notna(), None)  # None, not NaN, for a missing name
    df["approved_year"] = df["approved_year"].astype("Int64")
    return df


def observations_frame(session: Session, unit_type: str | None = None,
                       indicators: Iterable[str] | None = None, years: Iterable[int] | None = None,
                       units: Iterable[str] | None = None) -> pd.DataFrame:
    """Long DataFrame[unit_type, unit_code, indicator_code, period, value, is_demo]."""
    o = Observation
    stmt = select(o.unit_type, o.unit_code, o.indicator_code, o.period, o.value, o.is_demo)
    if unit_type is not None:
        stmt = stmt.where(o.unit_type == unit_type)
    if indicators is not None:
        stmt = stmt.where(o.indicator_code.in_(list(indicators)))
    if years is not None:
        stmt = stmt.where(o.period.in_([int(y) for y in years]))
    if units is not None:
        stmt = stmt.where(o.unit_code.in_(list(units)))
    stmt = stmt.order_by(o.unit_type, o.unit_code, o.indicator_code, o.period)
    df = _frame(session, stmt, ["unit_type", "unit_code", "indicator_code", "period", "value", "is_demo"])
    df["period"] = df["period"].astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["is_demo"] = df["is_demo"].astype(bool)
    return df


def zone_indicator_frame(session: Session, indicators: Sequence[str],
                         years: Iterable[int] | None = None) -> pd.DataFrame:
    """Wide frame for the evaluation engine: [unit, name, city, level, year, <indicator codes…>].

    One row per zone and year that has at least one of the indicators; NaN where missing."""
    indicators = list(indicators)
    zones = zones_frame(session)
    obs = observations_frame(session, unit_type="zone", indicators=indicators, years=years)
    base_cols = ["unit", "name", "city", "level", "year"]
    if obs.empty:
        return pd.DataFrame(columns=base_cols + indicators)
    wide = obs.pivot(index=["unit_code", "period"], columns="indicator_code", values="value")
    wide = wide.reindex(columns=indicators).reset_index().rename(columns={"unit_code": "unit", "period": "year"})
    meta = zones.rename(columns={"code": "unit", "city_name": "city"})[["unit", "name", "city", "level"]]
    out = meta.merge(wide, on="unit", how="inner")
    out = out[base_cols + indicators].sort_values(["year", "unit"]).reset_index(drop=True)
    out.columns.name = None
    return out


def enterprise_frame(session: Session, as_of_year: int, zone_code: str | None = None,
                     years_back: int = 3) -> pd.DataFrame:
    """One row per enterprise: table columns, every `attributes` key, and `c_y{k}` = value of
    enterprise indicator c in year as_of_year − k (k = 0..years_back-1). Two queries + a pivot."""
    e = Enterprise
    stmt = select(e.credit_code, e.name, e.zone_code, e.county_code, e.industry, e.new_track, e.founded,
                  e.is_demo, e.attributes)
    if zone_code is not None:
        stmt = stmt.where(e.zone_code == zone_code)
    base = _frame(session, stmt.order_by(e.credit_code), ENTERPRISE_COLUMNS + ["attributes"])
    attrs = pd.DataFrame.from_records([a if isinstance(a, dict) else {} for a in base.pop("attributes")],
                                      index=base.index)
    attrs = attrs[[c for c in attrs.columns if c not in base.columns]]
    base = pd.concat([base, attrs], axis=1)
    base["is_demo"] = base["is_demo"].astype(bool)

    years = [as_of_year - k for k in range(years_back)]
    obs = _enterprise_observations(session, years, zone_code)
    if obs.empty:
        return base
    # numpy pivot: (enterprise, indicator, k) → one cell; the unique key guarantees no collisions
    codes = sorted(obs["indicator_code"].unique())
    ic = pd.Index(codes).get_indexer(obs["indicator_code"])
    uc, uu = pd.factorize(obs["unit_code"])
    k = as_of_year - obs["period"].to_numpy(dtype="int64")
    grid = np.full((len(uu), len(codes) * years_back), np.nan)
    grid[uc, ic * years_back + k] = obs["value"].to_numpy(dtype="float64")
    cols = [f"{c}_y{j}" for c in codes for j in range(years_back)]
    wide = pd.DataFrame(grid, index=pd.Index(uu, name="credit_code"), columns=cols)
    out = base.merge(wide, left_on="credit_code", right_index=True, how="left")
    return out.reset_index(drop=True)


def _enterprise_observations(session: Session, years: list[int], zone_code: str | None) -> pd.DataFrame:
    """Enterprise observations for `years` through the driver cursor: at 20,000 enterprises this is
    about a million rows, and skipping SQLAlchemy's Row objects halves the time."""
    conn = session.connection()
    ph = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = ("SELECT o.unit_code, o.indicator_code, o.period, o.value FROM observation o "
           f"WHERE o.unit_type = {ph} AND o.period IN ({', '.join([ph] * len(years))})")
    params: list = ["enterprise", *[int(y) for y in years]]
    if zone_code is not None:
        sql += f" AND o.unit_code IN (SELECT credit_code FROM enterprise WHERE zone_code = {ph})"
        params.append(zone_code)
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(sql, params)
        rows = cur.fetchall()
    finally:
        cur.close()
    df = pd.DataFrame.from_records(rows, columns=["unit_code", "indicator_code", "period", "value"])
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    return df


def _dialect_insert(session: Session, table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"不支持的数据库类型：{name}")
    return dialect_insert(table)


OBS_KEY = ["unit_type", "unit_code", "indicator_code", "period"]


SQLITE_BULK_CACHE_KIB = 131072  # 128 MiB page cache for large writes (a limit, not an allocation)
OBS_COLUMNS = OBS_KEY + ["value", "unit_of_measure", "source", "is_demo", "batch_id"]
OBS_UPDATE = ("value", "unit_of_measure", "source", "is_demo", "batch_id")


def _obs_tuples(frame: pd.DataFrame, batch_id: int | None, is_demo: bool) -> list[tuple]:
    """Rows as plain tuples in OBS_COLUMNS order (None for missing), built column-wise."""
    n = len(frame)

    def col(name):
        if name not in frame.columns:
            return [None] * n
        s = frame[name].astype(object)
        return s.where(pd.notna(s), None).tolist()

    value = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    value = value.astype(object).where(value.notna(), None).tolist()
    return list(zip(frame["unit_type"].astype(str).tolist(), frame["unit_code"].astype(str).tolist(),
                    frame["indicator_code"].astype(str).tolist(), frame["period"].astype("int64").tolist(),
                    value, col("unit_of_measure"), col("source"), [bool(is_demo)] * n, [batch_id] * n))


def write_observations(session: Session, frame: pd.DataFrame, batch_id: int | None, is_demo: bool,
                       progress=None, on_conflict: str = "update") -> int:
    """Upsert long rows (unit_type, unit_code, indicator_code, period, value[, unit_of_measure, source]).

    on_conflict="update": a row whose key exists gets the new value (a later import wins);
    "skip": existing rows are kept (demo data never overwrites real data). Runs in the session's
    transaction through the driver (executemany on SQLite, COPY + INSERT … SELECT on PostgreSQL):
    at a million rows SQLAlchemy's per-row parameter handling would dominate. Returns rows sent.
    `progress(n)` is called after each chunk with the rows written in it."""
    if frame is None or frame.empty:
        return 0
    # a key twice in one frame: the last row wins (PostgreSQL's INSERT … SELECT would refuse it)
    frame = frame.drop_duplicates(OBS_KEY, keep="last")
    # rows in key order append to the unique index instead of hopping across it: at a million
    # rows this is several times faster on SQLite (and kinder to PostgreSQL's B-tree too)
    frame = frame.sort_values(OBS_KEY, kind="stable")
    rows = _obs_tuples(frame, batch_id, is_demo)
    conn = session.connection()
    dbapi = conn.connection.dbapi_connection
    key = ", ".join(OBS_KEY)
    if on_conflict == "update":
        action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in OBS_UPDATE)
    else:
        action = "DO NOTHING"
    cols = ", ".join(OBS_COLUMNS)
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _obs_in (unit_type varchar(16), unit_code varchar(64), "
                        "indicator_code varchar(64), period integer, value double precision, "
                        "unit_of_measure varchar(32), source text, is_demo boolean, batch_id integer) ON COMMIT DROP")
            cur.execute("TRUNCATE _obs_in")
            for i in range(0, len(rows), CHUNK * 10):
                chunk = rows[i:i + CHUNK * 10]
                with cur.copy(f"COPY _obs_in ({cols}) FROM STDIN") as cp:
                    for r in chunk:
                        cp.write_row(r)
                if progress:
                    progress(len(chunk))
            cur.execute(f"INSERT INTO observation ({cols}) SELECT {cols} FROM _obs_in "
                        f"ON CONFLICT ({key}) {action}")
            cur.execute("TRUNCATE _obs_in")
    else:
        sql = (f"INSERT INTO observation ({cols}) VALUES ({', '.join('?' * len(OBS_COLUMNS))}) "
               f"ON CONFLICT ({key}) {action}")
        cur = dbapi.cursor()
        try:
            if len(rows) > 50_000:  # the default 2 MB page cache thrashes on a large index
                cur.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
            for i in range(0, len(rows), CHUNK * 10):
                chunk = rows[i:i + CHUNK * 10]
                cur.executemany(sql, chunk)
                if progress:
                    progress(len(chunk))
        finally:
            cur.close()
    return len(rows)


def _uniform(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany needs the same keys in every row: fill absent ones with None."""
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(r))
    if all(len(r) == len(keys) for r in records):
        return records
    return [{k: r.get(k) for k in keys} for r in records]


def bulk_insert(session: Session, model, records: list[dict[str, Any]], progress=None) -> int:
    """Plain Core executemany in chunks (no ORM objects), for demo data and new-row imports."""
    records = _uniform(records)
    table = model.__table__
    for i in range(0, len(records), CHUNK):
        chunk = records[i:i + CHUNK]
        session.execute(insert(table), chunk)
        if progress:
            progress(len(chunk))
    return len(records)


def upsert_rows(session: Session, model, records: list[dict[str, Any]], key: Sequence[str],
                progress=None) -> int:
    """Insert or update rows by a unique key (enterprises by credit code, results by code, …)."""
    if not records:
        return 0
    records = _uniform(records)
    table = model.__table__
    stmt = _dialect_insert(session, table)
    cols = [c for c in records[0] if c not in key and c != "id"]
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={c: stmt.excluded[c] for c in cols})
    for i in range(0, len(records), CHUNK):
        chunk = records[i:i + CHUNK]
        session.execute(stmt, chunk)
        if progress:
            progress(len(chunk))
    return len(records)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def record_audit(session: Session, username: str | None, action: str, entity: str,
                 entity_id: str | None = None, zone_code: str | None = None,
                 before: dict | None = None, after: dict | None = None) -> AuditLog:
    row = AuditLog(username=username, action=action, entity=entity,
                   entity_id=None if entity_id is None else str(entity_id), zone_code=zone_code,
                   before=_jsonable(before) if before is not None else None,
                   after=_jsonable(after) if after is not None else None)
    session.add(row)
    session.flush()
    return row

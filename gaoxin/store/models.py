"""The data model (ARCHITECTURE.md "Data model"): one schema for SQLite and PostgreSQL.

Values are kept in long form (`Observation`): one row per unit, indicator and year, so any
framework, plan or enterprise rule can pick the indicators it needs. Units are referred to by
(unit_type, unit_code) strings so a zone, a county, a department or an enterprise are treated alike.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text,
                        UniqueConstraint, Index)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# unit types an observation or a target part may refer to
UNIT_TYPES = ("province", "city", "county", "zone", "enterprise", "department", "category")


class Region(Base):
    """省 / 市州 / 县市区, keyed by the administrative division code (行政区划代码)."""
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province | city | county
    parent_code: Mapped[str | None] = mapped_column(String(12))
    source: Mapped[str | None] = mapped_column(Text)


class Zone(Base):
    """高新区 (high-tech industrial development zone)."""
    __tablename__ = "zone"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))  # 国家级 | 省级
    city_code: Mapped[str] = mapped_column(String(12))
    approved_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)


class Indicator(Base):
    """Registry of indicator codes an import may use (framework leaves, target indicators,
    enterprise fields)."""
    __tablename__ = "indicator"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str | None] = mapped_column(String(32))
    unit_types: Mapped[list | None] = mapped_column(JSON)  # which unit types it applies to
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class ImportBatch(Base):
    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # observations | enterprises | results | demands | policies | demo
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="loaded")  # loaded | rejected | unchanged
    message: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Enterprise(Base):
    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    name: Mapped[str] = mapped_column(String(128))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    county_code: Mapped[str | None] = mapped_column(String(12))
    industry: Mapped[str | None] = mapped_column(String(32))   # strategic emerging industry code
    new_track: Mapped[str | None] = mapped_column(String(64))
    founded: Mapped[date | None] = mapped_column(Date)
    attributes: Mapped[dict | None] = mapped_column(JSON)      # static facts the ladder rules need
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Observation(Base):
    """One value: (unit type, unit code, indicator, year) → value."""
    __tablename__ = "observation"
    __table_args__ = (
        UniqueConstraint("unit_type", "unit_code", "indicator_code", "period", name="uq_observation"),
        Index("ix_observation_indicator_period", "indicator_code", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_type: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(64))
    indicator_code: Mapped[str] = mapped_column(String(64))
    period: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    unit_of_measure: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Plan(Base):
    __tablename__ = "plan"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    doc_no: Mapped[str | None] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(128))
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    targets: Mapped[list["Target"]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class Target(Base):
    __tablename__ = "target"
    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plan.id"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    indicator_name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # level | growth | share | count | coverage | cumulative | doubling
    comparator: Mapped[str] = mapped_column(String(4), default=">=")
    unit: Mapped[str | None] = mapped_column(String(32))
    scope_type: Mapped[str] = mapped_column(String(16))
    scope_code: Mapped[str | None] = mapped_column(String(64))
    scope_name: Mapped[str] = mapped_column(String(64))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[float | None] = mapped_column(Float)
    lead_units: Mapped[list | None] = mapped_column(JSON)
    responsible_units: Mapped[list | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    spec: Mapped[dict | None] = mapped_column(JSON)  # the full target record as loaded from reference data
    plan: Mapped[Plan] = relationship(back_populates="targets")
    parts: Mapped[list["TargetPart"]] = relationship(back_populates="target", cascade="all, delete-orphan")


class TargetPart(Base):
    """Decomposition of a target by unit and year (seed 004 附件1–5)."""
    __tablename__ = "target_part"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("target.id"))
    unit_type: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(64))
    unit_name: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    responsible_units: Mapped[list | None] = mapped_column(JSON)
    target: Mapped[Target] = relationship(back_populates="parts")


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(24))  # province_admin | zone_user | readonly
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    zones: Mapped[list["UserZone"]] = relationship(cascade="all, delete-orphan")


class UserZone(Base):
    """zone_scope: which zones a user may see and change."""
    __tablename__ = "user_zone"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    zone_code: Mapped[str] = mapped_column(String(32), primary_key=True)


class UserSession(Base):
    """A server-side login session: the cookie carries only the random id, so logout, a password
    reset, a role change or deactivation ends the session at once (the row is deleted)."""
    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie's session id
    username: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    client: Mapped[str | None] = mapped_column(String(64))


class LoginThrottle(Base):
    """Failed-login counter per account ("user:<name>") and per client address ("addr:<ip>")."""
    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))   # create | update | delete | import | login | publish
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(96))
    zone_code: Mapped[str | None] = mapped_column(String(32))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class TechResult(Base):
    """高校待转成果 (university result awaiting transfer)."""
    __tablename__ = "tech_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(32))
    institution: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    trl: Mapped[int | None] = mapped_column(Integer)
    ip_type: Mapped[str | None] = mapped_column(String(32))
    ip_number: Mapped[str | None] = mapped_column(String(64))
    terms: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(12))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class TechDemand(Base):
    """重点企业技术需求."""
    __tablename__ = "tech_demand"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    enterprise_name: Mapped[str | None] = mapped_column(String(128))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(32))
    budget_wan: Mapped[float | None] = mapped_column(Float)
    deadline: Mapped[date | None] = mapped_column(Date)
    region_code: Mapped[str | None] = mapped_column(String(12))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Policy(Base):
    """政府政策库."""
    __tablename__ = "policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
    eligible_rungs: Mapped[list | None] = mapped_column(JSON)
    eligible_industries: Mapped[list | None] = mapped_column(JSON)
    amount: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class MatchFeedback(Base):
    """A broker's accept / reject of a suggested result↔demand match."""
    __tablename__ = "match_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_code: Mapped[str] = mapped_column(String(32), index=True)
    result_code: Mapped[str] = mapped_column(String(32), index=True)
    verdict: Mapped[str] = mapped_column(String(8))  # accept | reject
    username: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvaluationRun(Base):
    """A stored evaluation result; `published` rankings are what zone users may see of other zones."""
    __tablename__ = "evaluation_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    method: Mapped[dict] = mapped_column(JSON)
    results: Mapped[dict] = mapped_column(JSON)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

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
    # "kind:sha256" on loaded batches only (NULL otherwise): the unique constraint makes two concurrent
    # imports of the same file record one load and one "unchanged" (gaoxin.ingest.load)
    load_key: Mapped[str | None] = mapped_column(String(100), unique=True)


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


# --- registries (issue 16): 高水平创新平台数据库, 上市后备企业资源库 -----------------------------------

class Platform(Base):
    """高水平创新平台 (seed 003 四(四)1(1)): one platform with its type, level, host, zone, approval."""
    __tablename__ = "platform"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))   # 国家级 | 省级 | 市级
    host_name: Mapped[str] = mapped_column(String(128))
    host_kind: Mapped[str | None] = mapped_column(String(16))
    host_credit_code: Mapped[str | None] = mapped_column(String(18))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    county_code: Mapped[str | None] = mapped_column(String(12))
    approval_year: Mapped[int] = mapped_column(Integer)
    approval_doc: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    results: Mapped[dict | None] = mapped_column(JSON)   # {"2024": "年度成果"}: 定期发布成果清单
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class ListingCandidate(Base):
    """上市后备企业 (seed 000 #5, seed 003 四(四)4(3)): one enterprise in the listing pipeline."""
    __tablename__ = "listing_candidate"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    county_code: Mapped[str | None] = mapped_column(String(12))
    is_tech: Mapped[bool] = mapped_column(Boolean, default=True)
    stage: Mapped[str] = mapped_column(String(16))   # 辅导备案 → 申报受理 → 审核 → 注册 → 上市
    board: Mapped[str | None] = mapped_column(String(16))
    stage_date: Mapped[date | None] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date)
    listed_date: Mapped[date | None] = mapped_column(Date)
    contact_name: Mapped[str | None] = mapped_column(String(32))   # 绿色服务通道联系人
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Project(Base):
    """重点项目 (seed 003 专栏2–12): quantities and milestones tracked like targets."""
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    column: Mapped[int | None] = mapped_column(Integer)
    layout: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(128))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    chain: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    start_year: Mapped[int | None] = mapped_column(Integer)
    target_year: Mapped[int | None] = mapped_column(Integer)
    investment_target: Mapped[float | None] = mapped_column(Float)
    investment_done: Mapped[float | None] = mapped_column(Float)
    output_target: Mapped[float | None] = mapped_column(Float)
    output_done: Mapped[float | None] = mapped_column(Float)
    localization_target: Mapped[float | None] = mapped_column(Float)
    localization_done: Mapped[float | None] = mapped_column(Float)
    milestones: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)   # the plan's 专栏 item it comes from
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Expert(Base):
    """三家 (seed 004 三(二)3): 企业家 / 技术专家 / 政府管家."""
    __tablename__ = "expert"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(64))
    organisation: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(64))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class ExpertAssignment(Base):
    """An expert assigned to a result↔demand match or a roadshow (who attends, who follows up), with
    the follow-up recorded."""
    __tablename__ = "expert_assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    expert_code: Mapped[str] = mapped_column(String(32), index=True)
    activity: Mapped[str] = mapped_column(String(8))        # 成果对接 | 路演
    demand_code: Mapped[str | None] = mapped_column(String(32), index=True)
    result_code: Mapped[str | None] = mapped_column(String(32))
    roadshow: Mapped[str | None] = mapped_column(String(128))
    zone_code: Mapped[str | None] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(8))            # 出席 | 跟进
    outcome: Mapped[str] = mapped_column(String(8))         # 待跟进 | 跟进中 | 已签约 | 未成交
    follow_up: Mapped[str | None] = mapped_column(Text)
    follow_up_date: Mapped[date | None] = mapped_column(Date)
    username: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanVersion(Base):
    """A frozen version of a plan's targets (三年一更新: a revision keeps every old version)."""
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assessment(Base):
    """一年一评估: the published annual assessment of a plan (and scope) — the year's figures frozen,
    the evaluation, the targets' status, the conclusion — and the document exactly as published."""
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("plan_id", "scope_code", "year", name="uq_assessment"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    scope_code: Mapped[str] = mapped_column(String(64))     # "*" = the whole plan, else a zone code
    year: Mapped[int] = mapped_column(Integer)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    record: Mapped[dict] = mapped_column(JSON)              # frozen figures, targets, evaluation, conclusion
    document: Mapped[str] = mapped_column(Text)             # the published text
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

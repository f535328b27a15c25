"""Load layer: read → validate → write all-or-nothing in the caller's session, recorded in ImportBatch.

`import_file` owns the session's transaction: on any problem nothing but a "rejected" batch
record is written; on success the rows and a "loaded" batch are flushed and the caller commits
(`session_scope` does). The same bytes again (sha256) give status "unchanged" and write no data."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from gaoxin.ingest import schema as S
from gaoxin.ingest.read import ReadError, read_table
from gaoxin.ingest.validate import Context, Parsed, Problem, validate_sheets
from gaoxin.store import repo
from gaoxin.store.models import (Enterprise, ImportBatch, Indicator, Observation, Policy, Region,
                                 TechDemand, TechResult, Zone)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from gaoxin.auth.roles import Principal

MODELS = {"enterprises": Enterprise, "results": TechResult, "demands": TechDemand, "policies": Policy}
STATUS_LABELS = {"loaded": "已导入", "rejected": "已拒绝", "unchanged": "未变化（此前已导入相同文件）",
                 "checked": "检查通过（未写入）", "warned": "待确认（有需要核对的数值，未写入）"}
UNREADABLE = "无法读取该文件（已记入系统日志，请联系管理员）"


@dataclass
class ImportReport:
    file: str
    status: str                 # loaded | rejected | unchanged | checked (dry run) | warned (needs confirmation)
    kind: str | None = None
    layout: str | None = None
    rows: int = 0               # data rows read from the file
    written: int = 0            # observations / records written
    batch_id: int | None = None
    sha256: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)   # soft rules; loaded only when accepted
    notices: list[str] = field(default_factory=list)        # sheets skipped and why
    accepted_warnings: bool = False

    @property
    def ok(self) -> bool:
        return self.status in ("loaded", "unchanged", "checked")

    @property
    def needs_confirmation(self) -> bool:
        """Nothing is wrong but some values need a look: confirm (accept_warnings) to load."""
        return self.status == "warned"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [p.to_dict() for p in self.problems]
        d["warnings"] = [p.to_dict() for p in self.warnings]
        d["needs_confirmation"] = self.needs_confirmation
        d["status_label"] = self.status_label
        d["kind_label"] = S.KIND_LABELS.get(self.kind or "", None)
        return d


def build_context(session: Session) -> Context:
    zones = pd.DataFrame(session.execute(select(Zone.code, Zone.name, Zone.short_name)).all(),
                         columns=["code", "name", "short_name"])
    regions = pd.DataFrame(session.execute(select(Region.code, Region.name, Region.level)).all(),
                           columns=["code", "name", "level"])
    inds = pd.DataFrame(session.execute(select(Indicator.code, Indicator.name, Indicator.unit,
                                               Indicator.unit_types)).all(),
                        columns=["code", "name", "unit", "unit_types"])
    ents = pd.DataFrame(session.execute(select(Enterprise.credit_code, Enterprise.name)).all(),
                        columns=["credit_code", "name"])
    return Context(zones=zones, regions=regions, indicators=inds, enterprises=ents, history=_history(session))


def _history(session: Session):
    """The loader of stored values (not demo data) the magnitude warning compares a file with: the file's
    own units, and for zones / counties / cities every unit of the same type (the indicator's magnitude)."""
    cols = ["unit_type", "unit_code", "indicator_code", "period", "value"]
    o = Observation

    def load(long: pd.DataFrame) -> pd.DataFrame:
        codes = sorted(pd.unique(long["indicator_code"].to_numpy(dtype=object)))
        base = select(o.unit_type, o.unit_code, o.indicator_code, o.period, o.value).where(
            o.indicator_code.in_(codes), o.is_demo.is_(False))
        if session.scalar(base.limit(1).with_only_columns(o.id)) is None:  # nothing stored yet: no query per unit
            return pd.DataFrame(columns=cols)
        rows = []
        types = long["unit_type"].to_numpy(dtype=object)
        units = sorted(pd.unique(long["unit_code"].to_numpy(dtype=object)[types == "enterprise"]))
        for i in range(0, len(units), 900):  # bound the IN list (SQLite's variable limit)
            rows += session.execute(base.where(o.unit_type == "enterprise", o.unit_code.in_(units[i:i + 900]))).all()
        others = sorted(set(pd.unique(types)) - {"enterprise"})
        if others:
            rows += session.execute(base.where(o.unit_type.in_(others))).all()
        return pd.DataFrame(rows, columns=cols)
    return load


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _record_batch(session: Session, name: str, sha: str, kind: str | None, rows: int, status: str,
                  username: str | None, message: str | None, include_hidden: bool = False) -> int:
    batch = ImportBatch(file_name=name[:255], sha256=sha, kind=kind or "unknown", rows=rows, status=status,
                        username=username, message=message, is_demo=False,
                        load_key=_load_key(kind, sha, include_hidden) if status == "loaded" else None)
    session.add(batch)
    session.flush()
    return batch.id


def import_file(session: Session, path: str | Path, kind: str | None = None, username: str | None = None,
                progress: Callable[[int, int], None] | None = None, dry_run: bool = False,
                file_name: str | None = None, context: Context | None = None,
                principal: "Principal | None" = None, accept_warnings: bool = False,
                include_hidden: bool = False) -> ImportReport:
    """Import one .xlsx/.csv file. `progress(done, total)` is called while rows are written.

    `file_name` is the name shown in reports and recorded (the web upload passes the original name).
    `principal` (gaoxin.auth.roles.Principal; None = system / CLI administrator) is authorised per row
    before anything is written (gaoxin.ingest.authorise): a refused row rejects the whole file. Every
    created or changed row is audited (before/after, with its zone) in the same transaction.

    Soft-rule warnings (gaoxin.ingest.soft) stop the import with status "warned" and nothing written
    unless `accept_warnings`; hidden sheets are read only with `include_hidden`. Two imports of the same
    file at the same moment record one load and one "unchanged": the loaded batch carries a unique
    (kind, sha256) key, claimed before any data is written."""
    path = Path(path)
    name = file_name or path.name
    if kind is not None and kind not in S.KINDS:
        return ImportReport(name, "rejected", problems=[Problem(name, None, None, None, kind,
                            f"未知的导入类型“{kind}”", "可选：" + "、".join(S.KINDS))])
    try:
        sha = file_sha256(path)
    except OSError as exc:
        log.warning("无法读取导入文件 %s：%s", path, exc)
        reason = "文件不存在" if isinstance(exc, FileNotFoundError) else "无法读取该文件（已记入系统日志，请联系管理员）"
        return ImportReport(name, "rejected", problems=[Problem(name, None, None, None, None, reason)])
    report = ImportReport(name, "rejected", sha256=sha)
    # the same bytes read the same way: a file imported without its hidden sheets may come again with them
    variant = ImportBatch.load_key.like("%:hidden")
    prior = session.scalar(select(ImportBatch).where(ImportBatch.sha256 == sha, ImportBatch.status == "loaded",
                                                     variant if include_hidden else ~variant)
                           .order_by(ImportBatch.id.desc()).limit(1))
    if prior is not None:
        report.status, report.kind, report.rows = "unchanged", prior.kind, prior.rows
        report.batch_id = prior.id
        if not dry_run:
            _record_batch(session, name, sha, prior.kind, 0, "unchanged", username,
                          f"与第{prior.id}批（{prior.file_name}）内容相同，未写入")
        return report
    try:
        sheets = read_table(path, include_hidden=include_hidden)
        ctx = context or build_context(session)
        parsed: Parsed = validate_sheets(name, sheets, ctx, kind=kind, source=f"导入文件：{name}")
    except ReadError as exc:
        report.problems.append(Problem(name, None, None, None, None, exc.args[0]))
        if not dry_run:
            report.batch_id = _record_batch(session, name, sha, kind, 0, "rejected", username, exc.args[0])
        return report
    except (SQLAlchemyError, MemoryError):
        raise
    except Exception:  # noqa: BLE001 - a reader bug must not show library text: logged, refused in Chinese
        log.exception("导入文件 %s 时出现未预期的错误", name)
        report.problems.append(Problem(name, None, None, None, None, UNREADABLE))
        if not dry_run:
            report.batch_id = _record_batch(session, name, sha, kind, 0, "rejected", username, UNREADABLE)
        return report
    report.kind, report.layout, report.rows = parsed.kind, parsed.layout, parsed.rows
    report.notices = parsed.notices
    report.problems = parsed.problems
    if not parsed.problems:
        parsed.problems = length_problems(name, parsed)
    if not parsed.problems:
        from gaoxin.ingest.authorise import authorise
        parsed.problems = authorise(session, principal, parsed, name)
    report.problems = parsed.problems
    report.warnings = parsed.warnings
    if parsed.problems:
        if not dry_run:
            report.batch_id = _record_batch(session, name, sha, parsed.kind, parsed.rows, "rejected", username,
                                            f"发现{len(parsed.problems)}处问题，未写入任何数据")
        return report
    if parsed.warnings and not accept_warnings:
        report.status = "warned"
        if not dry_run:
            report.batch_id = _record_batch(session, name, sha, parsed.kind, parsed.rows, "warned", username,
                                            f"有{len(parsed.warnings)}处数值需要核对，等待确认，未写入任何数据")
        return report
    report.accepted_warnings = bool(parsed.warnings)
    if dry_run:
        report.status = "checked"
        report.written = len(parsed.records) + (0 if parsed.observations is None else len(parsed.observations))
        return report
    try:
        notes = ([f"已确认{len(parsed.warnings)}处需核对的数值后导入"] if parsed.warnings else []) + parsed.notices
        report.batch_id = _record_batch(session, name, sha, parsed.kind, parsed.rows, "loaded", username,
                                        "；".join(notes) or None, include_hidden)
    except IntegrityError:
        # another import of the same file committed its load first: this one is "unchanged"
        session.rollback()
        return _unchanged(session, report, name, sha, parsed.kind, username, include_hidden)
    except OperationalError as exc:
        return _write_failed(session, report, name, sha, parsed, username, exc)
    try:
        from gaoxin.ingest.authorise import audit_rows
        audit_rows(session, username, parsed, report.batch_id)
        report.written = _write(session, parsed, report.batch_id, progress)
        repo.record_audit(session, username, "import", "import_batch", str(report.batch_id), None, None,
                          {"file": name, "sha256": sha, "kind": parsed.kind, "rows": parsed.rows,
                           "written": report.written})
        session.flush()
    except SQLAlchemyError as exc:
        return _write_failed(session, report, name, sha, parsed, username, exc)
    report.status = "loaded"
    return report


def _unchanged(session: Session, report: ImportReport, name: str, sha: str, kind: str | None,
               username: str | None, include_hidden: bool = False) -> ImportReport:
    prior = session.scalar(select(ImportBatch).where(ImportBatch.load_key == _load_key(kind, sha, include_hidden)))
    report.status, report.written, report.problems, report.warnings = "unchanged", 0, [], []
    report.batch_id = prior.id if prior is not None else None
    label = f"第{prior.id}批（{prior.file_name}）" if prior is not None else "同时进行的另一次导入"
    _record_batch(session, name, sha, kind, 0, "unchanged", username, f"与{label}内容相同，未写入")
    return report


def _write_failed(session: Session, report: ImportReport, name: str, sha: str, parsed: Parsed,
                  username: str | None, exc: SQLAlchemyError) -> ImportReport:
    session.rollback()  # nothing of this file stays
    log.error("导入 %s 写入数据库失败：%s", name, exc)  # the library text is for administrators only
    busy = isinstance(exc, OperationalError) and "locked" in str(exc).lower()
    reason = ("数据库正忙（另一次导入正在写入），本次未写入任何数据：请稍后重试" if busy
              else "写入数据库失败，已全部撤销（原因已记入系统日志，请联系管理员）")
    report.problems = [Problem(name, None, None, None, None, reason)]
    report.status, report.written = "rejected", 0
    report.batch_id = _record_batch(session, name, sha, parsed.kind, parsed.rows, "rejected", username, reason)
    return report


def _load_key(kind: str | None, sha: str, include_hidden: bool = False) -> str:
    return f"{kind or 'unknown'}:{sha}" + (":hidden" if include_hidden else "")


def length_problems(name: str, parsed: Parsed) -> list[Problem]:
    """Text longer than its column (the schema's String(n)) is refused here, with the row and column,
    so SQLite (which would store it) and PostgreSQL (which would fail at write time) refuse the same files."""
    problems: list[Problem] = []
    if parsed.records and parsed.kind in MODELS:
        table = MODELS[parsed.kind].__table__
        header_of = {fld: h for h, (fld, _t) in S.FIELD_MAPS[parsed.kind].items()}
        limits = {c.name: c.type.length for c in table.columns if getattr(c.type, "length", None)}
        for rec in parsed.records:
            for fld, v in rec.items():
                n = limits.get(fld)
                if n and isinstance(v, str) and len(v) > n:
                    problems.append(Problem(name, rec.get("_sheet"), rec.get("_row"), header_of.get(fld, fld), v[:40] + "…",
                                            f"内容过长：{len(v)}个字符，最多{n}个字符", "请缩短后再导入"))
    obs = parsed.observations
    if obs is not None and len(obs):
        from gaoxin.store.models import Observation
        cols = Observation.__table__.columns
        for col in ("unit_code", "source", "unit_of_measure"):
            n = getattr(cols[col].type, "length", None) if col in cols else None
            if not n or col not in obs:
                continue
            lens = obs[col].map(lambda v: len(v) if isinstance(v, str) else 0)
            for i in lens.index[lens > n][:20]:
                problems.append(Problem(name, obs.at[i, "_sheet"], int(obs.at[i, "_row"]), obs.at[i, "_col"],
                                        str(obs.at[i, col])[:40] + "…", f"内容过长：{lens[i]}个字符，最多{n}个字符"))
    return problems


def _write(session: Session, parsed: Parsed, batch_id: int, progress) -> int:
    obs = parsed.observations
    n_obs = 0 if obs is None else len(obs)
    total = n_obs + len(parsed.records)
    done = 0

    def tick(n):
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    written = 0
    if parsed.records:
        model = MODELS[parsed.kind]
        key = S.KEY_FIELD[parsed.kind]
        rows = []
        for rec in parsed.records:
            r = {k: v for k, v in rec.items() if not k.startswith("_")}
            r.update(is_demo=False, batch_id=batch_id)
            rows.append(r)
        # rows with the same set of keys can share one statement
        groups: dict[tuple, list] = {}
        for r in rows:
            groups.setdefault(tuple(sorted(r)), []).append(r)
        for group in groups.values():
            written += repo.upsert_rows(session, model, group, [key], progress=tick)
    if n_obs:
        written += repo.write_observations(session, obs.drop(columns=["_row", "_col", "_sheet"]), batch_id,
                                           is_demo=False, progress=tick)
    return written

"""Use cases of importing data files and of the fill-in templates (through gaoxin.ingest, the one
reader: the upload page, the API and `gaoxin import` read a file the same way)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.auth import roles
from gaoxin.auth.roles import Principal
from gaoxin.services.errors import NotFound
from gaoxin.services.frames import beijing_time
from gaoxin.services.scope import require_writer

IMPORT_LABELS = {"id": "批次", "file_name": "文件名", "kind": "类型", "rows": "行数", "status": "状态",
                 "message": "说明", "username": "导入人", "created_at": "时间", "is_demo": "示例数据"}
PROBLEM_LABELS = {"file": "文件", "sheet": "工作表", "row": "行", "column": "列", "value": "值",
                  "reason": "问题", "suggestion": "修改建议"}
STATUS_LABELS = {"loaded": "已导入", "rejected": "已拒绝", "unchanged": "未变化（重复文件）", "checked": "检查通过",
                 "warned": "待确认（未写入）"}
ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".csv")


def import_history(db: Session, user: Principal, limit: int = 500) -> pd.DataFrame:
    from gaoxin.ingest.schema import KIND_LABELS
    from gaoxin.store.models import ImportBatch as b
    stmt = select(b.id, b.file_name, b.kind, b.rows, b.status, b.message, b.username, b.created_at, b.is_demo)
    if user.role == roles.ZONE_USER:  # batches are not tied to one zone: a zone user sees its own uploads
        stmt = stmt.where(b.username == user.username)
    df = pd.DataFrame(db.execute(stmt.order_by(b.id.desc()).limit(limit)).all(), columns=list(IMPORT_LABELS))
    df["status"] = df["status"].map(lambda s: STATUS_LABELS.get(s, s))
    df["kind"] = df["kind"].map(lambda k: KIND_LABELS.get(k, k))
    df["created_at"] = beijing_time(df["created_at"])
    return df


def import_path(db: Session, user: Principal, path: Path, kind: str | None = None, dry_run: bool = False,
                progress=None, file_name: str | None = None, username: str | None = None,
                accept_warnings: bool = False, include_hidden: bool = False):
    """Import one file (all-or-nothing) and return gaoxin.ingest's report. A zone user's file may only
    touch its own zones: a row of another zone makes the whole file fail, with the rows named, and
    nothing is written (gaoxin.ingest.authorise). `options` go to gaoxin.ingest.load.import_file
    as they are (accept_warnings, include_hidden, …)."""
    from gaoxin.ingest.load import import_file
    from gaoxin.services.scope import CONSOLE
    if not dry_run:
        require_writer(user)
    console = user is CONSOLE  # the console operator: no zone limit; `--user` names who is recorded
    return import_file(db, path, kind=kind, username=username if console else user.username, dry_run=dry_run,
                       progress=progress, file_name=file_name, principal=None if console else user,
                       accept_warnings=accept_warnings, include_hidden=include_hidden)


def run_upload(db: Session, user: Principal, filename: str, content: bytes, accept_warnings: bool = False) -> dict:
    """Import one uploaded file and return the row-level report as plain data. A file with only
    warnings comes back with needs_confirmation and nothing written; the user's confirmation sends it
    again with accept_warnings."""
    require_writer(user)
    name = Path(filename).name or "upload.xlsx"
    if Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        return {"ok": False, "file": name, "status": "rejected", "status_label": STATUS_LABELS["rejected"],
                "rows": 0, "batch_id": None, "forbidden": False,
                "problems": [{"file": name, "sheet": None, "row": None, "column": None,
                              "value": Path(name).suffix, "reason": "文件类型不支持，只能上传 .xlsx / .xls / .csv",
                              "suggestion": "请用平台提供的模板填写后上传"}]}
    with tempfile.TemporaryDirectory(prefix="gaoxin_up_") as tmp:
        path = Path(tmp) / ("upload" + Path(name).suffix.lower())
        path.write_bytes(content)
        report = import_path(db, user, path, file_name=name, accept_warnings=accept_warnings)
    from gaoxin.ingest.authorise import AccessProblem
    d = report.to_dict()
    d["ok"] = bool(report.ok)
    d["forbidden"] = any(isinstance(p, AccessProblem) for p in report.problems)
    for key in ("problems", "warnings"):
        d[key] = [{k: (None if p.get(k) is None else str(p.get(k))) for k in PROBLEM_LABELS} for p in d[key]]
    return d


def template_kinds() -> dict[str, str]:
    """Kinds of data with a downloadable template: code → Chinese name."""
    from gaoxin.ingest.schema import KIND_LABELS, KINDS
    return {k: KIND_LABELS.get(k, k) for k in KINDS}


def template_bytes(kind: str) -> tuple[bytes, str]:
    from gaoxin.ingest.templates import write_template
    kinds = template_kinds()
    if kind not in kinds:
        raise NotFound(f"没有“{kind}”类型的模板，可选：{'、'.join(kinds.values())}")
    with tempfile.TemporaryDirectory(prefix="gaoxin_tpl_") as tmp:
        path = write_template(kind, Path(tmp) / f"{kind}.xlsx")
        return Path(path).read_bytes(), f"导入模板_{kinds[kind]}.xlsx"


def write_templates(kind: str | None, out: Path) -> list[tuple[str, Path]]:
    """Write one template kind (or all) into the folder `out`: [(Chinese name, path)]."""
    from gaoxin.ingest.templates import FILE_NAMES, TEMPLATE_KINDS, TEMPLATE_LABELS, write_template
    kinds = [kind] if kind else list(TEMPLATE_KINDS)
    for k in kinds:
        if k not in TEMPLATE_KINDS:
            raise NotFound(f"未知的模板类型“{k}”，可选：{'、'.join(TEMPLATE_KINDS)}")
    return [(TEMPLATE_LABELS[k], write_template(k, out / FILE_NAMES[k])) for k in kinds]

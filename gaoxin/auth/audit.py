"""Audit log: every change is recorded with who, what, when, and the before/after state."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from gaoxin.store.models import AuditLog


def _jsonable(value: Any) -> Any:
    """Before/after snapshots go into a JSON column: make dates, numpy scalars etc. plain."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default))


def _default(o: Any):
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if hasattr(o, "item"):  # numpy scalar
        return o.item()
    return str(o)


def record_change(session: Session, username: str | None, action: str, entity: str,
                  entity_id: str | None = None, zone_code: str | None = None,
                  before: dict | None = None, after: dict | None = None) -> AuditLog:
    """Add one audit row in the caller's transaction (so it commits or rolls back with the change)."""
    row = AuditLog(username=username, action=action, entity=entity,
                   entity_id=None if entity_id is None else str(entity_id), zone_code=zone_code,
                   before=_jsonable(before), after=_jsonable(after))
    session.add(row)
    session.flush()
    return row

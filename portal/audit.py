"""Writing the audit log. Services call `record_change` in the same transaction as the change."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from portal.access import current_principal
from portal.extensions import db
from portal.models.audit import AuditEntry


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj, fields) -> dict:
    """The given attributes of `obj` as a JSON-ready dict (for before/after)."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record_change(
    action: str,
    obj,
    *,
    partner_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    actor=None,
) -> AuditEntry:
    """Append one audit entry for `obj`. The caller's transaction commits it."""
    actor = actor if actor is not None else current_principal()
    authenticated = getattr(actor, "is_authenticated", False)
    db.session.flush()  # so a new object has its id
    entry = AuditEntry(
        actor_id=actor.id if authenticated else None,
        actor_label=actor.email if authenticated else "system",
        partner_id=partner_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        summary=summary[:300],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(entry)
    return entry

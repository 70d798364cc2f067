"""`Idempotency-Key` on create: the same key and body from the same user within 24 hours
answers the first response again and creates nothing; the same key with another body is
refused. The key's row is written in the same transaction as what it created, and is
unique per (user, key): of two concurrent requests, the second's insert fails and it is
answered from the first's row.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from escalations.models import IdempotencyKey
from portal.errors import DomainError
from portal.extensions import db

KEY_LIFETIME = timedelta(hours=24)
KEY_MAX = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict


def checked_key(raw: str | None) -> str | None:
    """The header's key, or None when absent; a 400 for one that cannot be a key."""
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise DomainError(
            "invalid_idempotency_key",
            f"The Idempotency-Key header must be 1 to {KEY_MAX} printable characters.",
            status=400,
        )
    return key


def body_hash(body) -> str:
    """The request body's fingerprint: the same JSON whatever its key order or spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(user, key: str, fingerprint: str, now: datetime) -> StoredResponse | None:
    """The stored first response for this key, or None when the key is new (or expired).

    :raises DomainError: `idempotency_key_reused` (422) when the key came with another body.
    """
    row = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if now - row.created_at > KEY_LIFETIME:
        # Expired: the key may be used afresh (this request's transaction frees it).
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        return None
    if row.request_hash != fingerprint:
        raise DomainError(
            "idempotency_key_reused",
            "This Idempotency-Key was already used with another request body. "
            "Use a new key for a new request.",
            fields={"Idempotency-Key": "Already used with another body."},
        )
    return StoredResponse(row.response_status, row.response_body)


def remember(
    user, key: str, fingerprint: str, status: int, body: dict, escalation_id: int | None, now
) -> None:
    db.session.add(
        IdempotencyKey(
            user_id=user.id,
            key=key,
            request_hash=fingerprint,
            response_status=status,
            response_body=body,
            escalation_id=escalation_id,
            created_at=now,
        )
    )
    db.session.flush()

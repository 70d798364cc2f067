"""Escalation events for the partner's webhooks, queued in the change's own transaction.

`emit` adds one delivery per enabled endpoint of the escalation's own partner that
subscribes to the event: the delivery exists exactly when the change is committed, and
no other partner's endpoint ever sees it. The body holds what the partner sees of the
escalation, never the vendor's internal notes; a draft (the partner's own, unsent) has
no events.
"""

import json
import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models.base import utcnow
from portal.webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint

CREATED = "escalation.created"
STATUS_CHANGED = "escalation.status_changed"
COMMENT_ADDED = "escalation.comment_added"
ATTACHMENT_ADDED = "escalation.attachment_added"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def escalation_data(escalation) -> dict:
    """The escalation's partner-visible fields."""
    return {
        "id": escalation.id,
        "title": escalation.title,
        "status": escalation.status,
        "severity": escalation.severity,
        "product": escalation.product.slug if escalation.product else None,
        "release": escalation.release.version if escalation.release else None,
        "customer_id": escalation.customer_id,
        "updated_at": _iso(escalation.updated_at),
    }


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(event_type: str, escalation, now: datetime | None = None, **details) -> int:
    """Queue `event_type` for the escalation's partner's endpoints; how many were queued."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}")
    if escalation.is_draft:
        return 0
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.partner_id == escalation.partner_id,
                WebhookEndpoint.enabled.is_(True),
            )
        )
        if endpoint.subscribes_to(event_type)
    ]
    if not endpoints:
        return 0
    now = now or utcnow()
    body = json.dumps(
        {
            "type": event_type,
            "timestamp": _iso(now),
            "data": {"escalation": escalation_data(escalation), **details},
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    message_id = new_message_id()
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                message_id=message_id,
                event_type=event_type,
                escalation_id=escalation.id,
                payload=body,
                next_attempt_at=utcnow(),
            )
        )
    return len(endpoints)


def escalation_created(escalation, now=None) -> None:
    emit(CREATED, escalation, now)


def status_changed(escalation, previous: str | None, now=None) -> None:
    if previous == "draft":
        return  # a draft withdrawn: the partner's systems never heard of it
    emit(STATUS_CHANGED, escalation, now, previous_status=previous)


def comment_added(escalation, comment, now=None) -> None:
    """A comment the partner sees; the caller never passes an internal one."""
    if comment.internal:
        return
    emit(
        COMMENT_ADDED,
        escalation,
        now,
        comment={
            "id": comment.id,
            "body": comment.body,
            "author": comment.author.name if comment.author else None,
            "created_at": _iso(getattr(comment, "created_at", None) or now),
        },
    )


def attachment_added(escalation, attachment, now=None) -> None:
    db.session.flush()  # the attachment's id
    emit(
        ATTACHMENT_ADDED,
        escalation,
        now,
        attachment={
            "id": attachment.id,
            "file_name": attachment.file_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
        },
    )

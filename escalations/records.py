"""An escalation read for display: the record, its timeline, files and deflection log.

Bounded queries whatever the history: one per kind of related rows. Partner users never
read vendor-internal lines.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from escalations.clock import sla_state
from escalations.models import Attachment, Comment, DeflectionEntry, Escalation, EscalationEvent
from portal.extensions import db


def list_options() -> tuple:
    """Loader options for the fields of `escalation_record`."""
    return (
        joinedload(Escalation.partner),
        joinedload(Escalation.product),
        joinedload(Escalation.release),
        joinedload(Escalation.rejection_article),
    )


def escalation_record(escalation: Escalation, now) -> dict:
    return {
        "id": escalation.id,
        "partner_id": escalation.partner_id,
        "partner": escalation.partner.slug,
        "customer_id": escalation.customer_id,
        "product": escalation.product.slug if escalation.product else None,
        "release": escalation.release.version if escalation.release else None,
        "title": escalation.title,
        "severity": escalation.severity,
        "status": escalation.status,
        "business_impact": escalation.business_impact,
        "reproduction": {
            "environment_id": escalation.environment_id,
            "steps": escalation.steps_to_reproduce,
            "expected": escalation.expected_result,
            "actual": escalation.actual_result,
            "reproduced_on_vanilla": escalation.attested_vanilla,
            "customization_involved": not escalation.attested_no_customization,
        },
        "submitter_id": escalation.submitter_id,
        "drafted_by_id": escalation.drafted_by_id,
        "assignee_id": escalation.assignee_id,
        "rejection_reason": escalation.rejection_reason,
        "rejection_article": (
            escalation.rejection_article.slug if escalation.rejection_article else None
        ),
        "submitted_at": escalation.submitted_at,
        "first_response_at": escalation.first_response_at,
        "resolved_at": escalation.resolved_at,
        "closed_at": escalation.closed_at,
        "created_at": escalation.created_at,
        "updated_at": escalation.updated_at,
        "sla": sla_state(escalation, now),
    }


def attachment_record(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "file_name": attachment.file_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_by": attachment.uploaded_by.name,
        "created_at": attachment.created_at,
        "url": url_for(
            "escalations_api.download_attachment",
            escalation_id=attachment.escalation_id,
            attachment_id=attachment.id,
        ),
    }


def comment_record(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "body": comment.body,
        "internal": comment.internal,
        "author": comment.author.name,
        "created_at": comment.created_at,
    }


def timeline(escalation: Escalation, principal) -> list[dict]:
    """The escalation's events, oldest first; internal ones only for vendor roles."""
    stmt = (
        select(EscalationEvent)
        .options(joinedload(EscalationEvent.actor))
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.at, EscalationEvent.id)
    )
    if not principal.is_vendor:
        stmt = stmt.where(EscalationEvent.internal.is_(False))
    events = db.session.scalars(stmt).all()
    comment_ids = {e.comment_id for e in events if e.comment_id}
    attachment_ids = {e.attachment_id for e in events if e.attachment_id}
    comments = (
        {
            c.id: c
            for c in db.session.scalars(
                select(Comment)
                .options(joinedload(Comment.author))
                .where(Comment.id.in_(comment_ids))
            )
        }
        if comment_ids
        else {}
    )
    attachments = (
        {
            a.id: a
            for a in db.session.scalars(
                select(Attachment)
                .options(joinedload(Attachment.uploaded_by))
                .where(Attachment.id.in_(attachment_ids))
            )
        }
        if attachment_ids
        else {}
    )
    return [
        {
            "at": event.at,
            "kind": event.kind,
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "actor": event.actor.name if event.actor else None,
            "note": event.note,
            "internal": event.internal,
            "comment": comment_record(comments[event.comment_id]) if event.comment_id else None,
            "attachment": (
                attachment_record(attachments[event.attachment_id]) if event.attachment_id else None
            ),
        }
        for event in events
    ]


def attachments_of(escalation: Escalation) -> list[Attachment]:
    return db.session.scalars(
        select(Attachment)
        .options(joinedload(Attachment.uploaded_by))
        .where(Attachment.escalation_id == escalation.id)
        .order_by(Attachment.created_at, Attachment.id)
    ).all()


def deflection_log(escalation: Escalation) -> list[dict]:
    entries = db.session.scalars(
        select(DeflectionEntry)
        .options(joinedload(DeflectionEntry.article))
        .where(DeflectionEntry.escalation_id == escalation.id)
        .order_by(DeflectionEntry.id)
    ).all()
    return [
        {
            "slug": entry.article.slug,
            "title": entry.article.title,
            "suggested": entry.suggested,
            "opened": entry.opened,
            "reviewed": entry.reviewed,
        }
        for entry in entries
    ]


def detail_record(escalation: Escalation, principal, now) -> dict:
    record = escalation_record(escalation, now)
    record["timeline"] = timeline(escalation, principal)
    record["attachments"] = [attachment_record(a) for a in attachments_of(escalation)]
    record["kb_articles"] = deflection_log(escalation)
    return record

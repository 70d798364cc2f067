"""What a partner's archive holds: one list of records per kind of object, and the files.

Every row is read through `portal.access.scoped` as the partner's own admin would read it
(`PartnerReader`), so the tenant rule that guards the pages guards the archive too: no
row of another partner, and no vendor-internal line (internal notes and the timeline
events that announce them are left out, as on the partner's escalation page). Users are
listed without their password hash, sign-ins or API tokens.

Rows are read in batches of `BATCH` (keyset on the id), so a partner with years of history
costs memory for one batch at a time; each batch loads what its rows name in one query
per kind.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import joinedload, selectinload

from certification.models import Certification, ReproductionEnvironment
from escalations.models import Attachment, AttachmentBlob, Comment, Escalation, EscalationEvent
from escalations.ratings.models import RatingRequest
from portal.access import scoped
from portal.extensions import db
from portal.models import (
    Agreement,
    AuditEntry,
    CheckIn,
    CheckInAction,
    Customer,
    FeeReport,
    Partner,
    ProductMinimum,
    User,
)
from portal.partners.agreements import TERM_FIELDS
from portal.roles import PARTNER_ADMIN

BATCH = 200


@dataclass(frozen=True)
class PartnerReader:
    """The principal an export is read as: an admin of its partner, never vendor staff.

    It stands for the partner itself rather than the person who asked, so an export asked
    for by an admin who later leaves is still built with the partner's own scope.
    """

    partner_id: int
    id: int | None = None
    role: str = PARTNER_ADMIN
    is_authenticated: bool = True
    is_vendor: bool = False
    is_partner_user: bool = True


def _batches(stmt, key) -> Iterator[list]:
    """The rows of `stmt` ordered by `key` (an id column), `BATCH` at a time."""
    last = None
    while True:
        page = stmt if last is None else stmt.where(key > last)
        rows = db.session.scalars(page.order_by(key).limit(BATCH)).unique().all()
        if not rows:
            return
        yield rows
        last = getattr(rows[-1], key.key)
        if len(rows) < BATCH:
            return


def partner_record(reader: PartnerReader) -> dict:
    partner = db.session.scalar(
        scoped(Partner, reader)
        .where(Partner.id == reader.partner_id)
        .options(joinedload(Partner.support_manager))
    )
    return {
        "id": partner.id,
        "name": partner.name,
        "slug": partner.slug,
        "region": partner.region,
        "status": partner.status,
        "tier": partner.tier,
        "support_manager": partner.support_manager.name if partner.support_manager else None,
        "checkin_cadence_days": partner.checkin_cadence_days,
        "created_at": partner.created_at,
    }


def customers(reader: PartnerReader) -> Iterator[dict]:
    for rows in _batches(scoped(Customer, reader), Customer.id):
        for customer in rows:
            yield {
                "id": customer.id,
                "name": customer.name,
                "seats": customer.seats,
                "contact_email": customer.contact_email,
                "created_at": customer.created_at,
            }


def people(reader: PartnerReader) -> Iterator[dict]:
    """The partner's accounts (admins and technicians): no password hash, no tokens."""
    for rows in _batches(scoped(User, reader), User.id):
        for user in rows:
            yield {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "role": user.role,
                "status": user.status,
                "created_at": user.created_at,
                "last_login_at": user.last_login_at,
            }


def certifications(reader: PartnerReader) -> Iterator[dict]:
    stmt = scoped(Certification, reader).options(
        joinedload(Certification.user),
        joinedload(Certification.product),
        joinedload(Certification.release),
    )
    for rows in _batches(stmt, Certification.id):
        for c in rows:
            yield {
                "id": c.id,
                "code": c.code,
                "user_id": c.user_id,
                "user_name": c.user.name,
                "product": c.product.name,
                "release": c.release.version,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "lapses_on": c.lapses_on,
                "superseded_by_id": c.superseded_by_id,
                "revoked_at": c.revoked_at,
                "revoked_reason": c.revoked_reason,
            }


def environments(reader: PartnerReader) -> Iterator[dict]:
    stmt = scoped(ReproductionEnvironment, reader).options(
        joinedload(ReproductionEnvironment.product),
        joinedload(ReproductionEnvironment.release),
        joinedload(ReproductionEnvironment.attested_by),
    )
    for rows in _batches(stmt, ReproductionEnvironment.id):
        for e in rows:
            yield {
                "id": e.id,
                "name": e.name,
                "product": e.product.name,
                "release": e.release.version,
                "operating_system": e.operating_system,
                "database": e.database,
                "product_build": e.product_build,
                "notes": e.notes,
                "attested_at": e.attested_at,
                "attested_by": e.attested_by.name if e.attested_by else None,
                "verified_at": e.verified_at,
                "retired_at": e.retired_at,
                "created_at": e.created_at,
            }


def attachment_path(attachment: Attachment) -> str:
    """Where an attachment's bytes sit in the archive (ids keep equal names apart)."""
    return f"attachments/{attachment.escalation_id}/{attachment.id}-{attachment.file_name}"


def _timeline_parts(reader: PartnerReader, escalation_ids: list[int]):
    """The partner-visible events, comments and files of a batch of escalations."""
    events = db.session.scalars(
        scoped(EscalationEvent, reader)
        .where(
            EscalationEvent.escalation_id.in_(escalation_ids),
            EscalationEvent.internal.is_(False),
        )
        .options(joinedload(EscalationEvent.actor))
        .order_by(EscalationEvent.at, EscalationEvent.id)
    ).all()
    comments = db.session.scalars(
        scoped(Comment, reader)
        .where(Comment.escalation_id.in_(escalation_ids))
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    attachments = db.session.scalars(
        scoped(Attachment, reader)
        .where(Attachment.escalation_id.in_(escalation_ids))
        .options(joinedload(Attachment.uploaded_by))
        .order_by(Attachment.created_at, Attachment.id)
    ).all()
    return events, comments, attachments


def _event_record(event: EscalationEvent) -> dict:
    return {
        "at": event.at,
        "kind": event.kind,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor.name if event.actor else None,
        "note": event.note,
        "comment_id": event.comment_id,
        "attachment_id": event.attachment_id,
    }


def _escalation_record(e: Escalation) -> dict:
    return {
        "id": e.id,
        "title": e.title,
        "status": e.status,
        "severity": e.severity,
        "customer_id": e.customer_id,
        "customer": e.customer.name if e.customer else None,
        "product": e.product.name if e.product else None,
        "release": e.release.version if e.release else None,
        "environment_id": e.environment_id,
        "submitter": e.submitter.name if e.submitter else None,
        "drafted_by": e.drafted_by.name if e.drafted_by else None,
        "assignee": e.assignee.name if e.assignee else None,
        "business_impact": e.business_impact,
        "steps_to_reproduce": e.steps_to_reproduce,
        "expected_result": e.expected_result,
        "actual_result": e.actual_result,
        "attested_vanilla": e.attested_vanilla,
        "attested_no_customization": e.attested_no_customization,
        "rejection_reason": e.rejection_reason,
        "rejection_article": e.rejection_article.slug if e.rejection_article else None,
        "submitted_at": e.submitted_at,
        "first_response_at": e.first_response_at,
        "first_response_due": e.first_response_due,
        "resolution_due": e.resolution_due,
        "resolved_at": e.resolved_at,
        "closed_at": e.closed_at,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def escalations(reader: PartnerReader) -> Iterator[dict]:
    """Each escalation with its partner-visible timeline, comments and files (metadata)."""
    stmt = scoped(Escalation, reader).options(
        joinedload(Escalation.customer),
        joinedload(Escalation.product),
        joinedload(Escalation.release),
        joinedload(Escalation.submitter),
        joinedload(Escalation.drafted_by),
        joinedload(Escalation.assignee),
        joinedload(Escalation.rejection_article),
    )
    for rows in _batches(stmt, Escalation.id):
        events, comments, attachments = _timeline_parts(reader, [e.id for e in rows])
        for escalation in rows:
            record = _escalation_record(escalation)
            record["timeline"] = [
                _event_record(ev) for ev in events if ev.escalation_id == escalation.id
            ]
            record["comments"] = [
                {
                    "id": c.id,
                    "author": c.author.name,
                    "body": c.body,
                    "created_at": c.created_at,
                }
                for c in comments
                if c.escalation_id == escalation.id
            ]
            record["attachments"] = [
                {
                    "id": a.id,
                    "file_name": a.file_name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "uploaded_by": a.uploaded_by.name,
                    "created_at": a.created_at,
                    "path": attachment_path(a),
                }
                for a in attachments
                if a.escalation_id == escalation.id
            ]
            yield record


def attachment_files(reader: PartnerReader) -> Iterator[tuple[str, bytes]]:
    """(path in the archive, bytes) of every attachment, one file in memory at a time."""
    for rows in _batches(scoped(Attachment, reader), Attachment.id):
        for attachment in rows:
            data = db.session.scalar(
                scoped(AttachmentBlob, reader)
                .with_only_columns(AttachmentBlob.data)
                .where(AttachmentBlob.attachment_id == attachment.id)
            )
            yield attachment_path(attachment), data or b""


def fee_reports(reader: PartnerReader) -> Iterator[dict]:
    stmt = scoped(FeeReport, reader).options(
        joinedload(FeeReport.submitted_by), joinedload(FeeReport.decided_by)
    )
    for rows in _batches(stmt, FeeReport.id):
        for r in rows:
            yield {
                "id": r.id,
                "agreement_id": r.agreement_id,
                "period_start": r.period_start,
                "period_end": r.period_end,
                "status": r.status,
                "currency": r.currency,
                "declared_fees": r.declared_fees,
                "fee_model": r.fee_model,
                "fee_percentage": r.fee_percentage,
                "fixed_fee": r.fixed_fee,
                "tier": r.tier,
                "discount_percent": r.discount_percent,
                "vendor_share": r.vendor_share,
                "discount_amount": r.discount_amount,
                "amount_due": r.amount_due,
                "escalations": r.escalations,
                "cost_per_escalation": r.cost_per_escalation,
                "submitted_by": r.submitted_by.name if r.submitted_by else None,
                "submitted_at": r.submitted_at,
                "decided_by": r.decided_by.name if r.decided_by else None,
                "decided_at": r.decided_at,
                "decision_note": r.decision_note,
                "created_at": r.created_at,
            }


def check_ins(reader: PartnerReader) -> Iterator[dict]:
    """The check-in log as the partner admin reads it: notes, actions, figures of the day."""
    stmt = scoped(CheckIn, reader).options(
        joinedload(CheckIn.recorded_by),
        selectinload(CheckIn.actions).options(selectinload(CheckInAction.done_by)),
    )
    for rows in _batches(stmt, CheckIn.id):
        for c in rows:
            yield {
                "id": c.id,
                "held_on": c.held_on,
                "channel": c.channel,
                "vendor_attendees": c.vendor_attendees,
                "partner_attendees": c.partner_attendees,
                "notes": c.notes,
                "next_due_on": c.next_due_on,
                "recorded_by": c.recorded_by.name if c.recorded_by else None,
                "snapshot": c.snapshot,
                "actions": [
                    {
                        "id": a.id,
                        "description": a.description,
                        "owner_side": a.owner_side,
                        "owner_name": a.owner_name,
                        "due_on": a.due_on,
                        "done_at": a.done_at,
                        "done_by": a.done_by.name if a.done_by else None,
                        "done_in_check_in_id": a.done_in_id,
                    }
                    for a in c.actions
                ],
                "created_at": c.created_at,
            }


def agreements(reader: PartnerReader) -> Iterator[dict]:
    """Every version of the agreement the vendor offered the partner (proposed, in force,
    returned, superseded or withdrawn), with the terms its agreement page shows."""
    stmt = scoped(Agreement, reader).options(
        selectinload(Agreement.sla_targets),
        selectinload(Agreement.product_minimums).selectinload(ProductMinimum.product),
        joinedload(Agreement.proposed_by),
        joinedload(Agreement.decided_by),
    )
    for rows in _batches(stmt, Agreement.id):
        for a in rows:
            yield {
                "id": a.id,
                "version": a.version,
                "status": a.status,
                "proposed_by": a.proposed_by.name if a.proposed_by else None,
                "proposed_at": a.created_at,
                "decided_by": a.decided_by.name if a.decided_by else None,
                "decided_at": a.decided_at,
                "partner_comments": a.partner_comments,
                "in_force_from": a.in_force_from,
                "in_force_until": a.in_force_until,
                "procedures_confirmed_at": a.procedures_confirmed_at,
                "procedures_confirmed_by_id": a.procedures_confirmed_by_id,
                "terms": {name: getattr(a, name) for name in TERM_FIELDS},
                "sla_targets": [
                    {
                        "severity": t.severity,
                        "first_response_minutes": t.first_response_minutes,
                        "resolution_minutes": t.resolution_minutes,
                    }
                    for t in a.sla_targets
                ],
                "product_minimums": [
                    {"product": m.product.name, "minimum": m.minimum}
                    for m in sorted(a.product_minimums, key=lambda m: m.product.name)
                ],
            }


def ratings(reader: PartnerReader) -> Iterator[dict]:
    """The customers' ratings of the partner's escalations, as its ratings page lists them.

    Only ratings given; never the link's nonce (nor the signed link made from it), which
    would let whoever reads the archive answer a link still open.
    """
    stmt = scoped(RatingRequest, reader).where(RatingRequest.rated_at.is_not(None))
    for rows in _batches(stmt, RatingRequest.id):
        for r in rows:
            yield {
                "id": r.id,
                "escalation_id": r.escalation_id,
                "score": r.score,
                "comment": r.comment,
                "issued_at": r.issued_at,
                "rated_at": r.rated_at,
            }


def audit_log(reader: PartnerReader) -> Iterator[dict]:
    """The entries the partner admin reads on the audit page (its partner's), as recorded."""
    for rows in _batches(scoped(AuditEntry, reader), AuditEntry.id):
        for entry in rows:
            yield {
                "id": entry.id,
                "created_at": entry.created_at,
                "actor": entry.actor_label,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "summary": entry.summary,
                "before": entry.before,
                "after": entry.after,
            }


#: (file in the archive, the step's label on the export page, its collector), in order.
RECORD_FILES = (
    ("customers.json", "Customers", customers),
    ("people.json", "People", people),
    ("certifications.json", "Certifications", certifications),
    ("environments.json", "Environments", environments),
    ("escalations.json", "Escalations", escalations),
    ("fee_reports.json", "Fee reports", fee_reports),
    ("check_ins.json", "Check-ins", check_ins),
    ("agreements.json", "Agreements", agreements),
    ("ratings.json", "Customer ratings", ratings),
    ("audit_log.json", "Audit log", audit_log),
)

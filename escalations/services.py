"""Escalation services: drafts, submission, transitions, comments and evidence.

Views and the API parse input and call one of these. They flush, audit, add the timeline
line and queue the mail, but never commit: the request commits once or rolls back, so a
refused request leaves nothing behind (no escalation, no file, no mail).
"""

import os
import unicodedata
from datetime import datetime

from flask import abort, current_app
from sqlalchemy import select

from escalations import clock, notifications
from escalations.file_types import ALLOWED_DESCRIPTION, content_type_of
from escalations.gate import EscalationInput, check_submission
from escalations.models import Attachment, Comment, DeflectionEntry, Escalation, EscalationEvent
from escalations.ratings import services as ratings
from escalations.storage import sha256_of, storage
from escalations.workflow import apply_transition
from knowledge_base.models import Article
from knowledge_base.services import visible_articles
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Customer, Product, Release, User
from portal.models.agreements import SEVERITIES
from portal.models.base import utcnow
from portal.roles import TECHNICIAN, VENDOR_ENGINEER
from portal.webhooks import events as webhooks

TITLE_MAX = 200
TEXT_MAX = 20_000
FILE_NAME_MAX = 255

#: The escalation's own fields, as the audit entries of drafts and submissions keep them.
AUDITED = (
    "status",
    "title",
    "severity",
    "customer_id",
    "product_id",
    "release_id",
    "environment_id",
    "attested_vanilla",
    "attested_no_customization",
    "submitter_id",
)


def _basics(data: EscalationInput) -> None:
    """Title, severity and lengths: checked for drafts and submissions alike."""
    errors = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = "Give the escalation a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"At most {TITLE_MAX} characters."
    if data.severity not in SEVERITIES:
        errors["severity"] = "One of S1, S2, S3, S4."
    for name, path in (
        ("business_impact", "business_impact"),
        ("steps", "reproduction.steps"),
        ("expected", "reproduction.expected"),
        ("actual", "reproduction.actual"),
    ):
        if len(getattr(data, name) or "") > TEXT_MAX:
            errors[path] = f"At most {TEXT_MAX:,} characters."
    if errors:
        raise DomainError("validation_error", "Some fields are not valid.", fields=errors)


def _fill(escalation: Escalation, data: EscalationInput) -> None:
    escalation.title = data.title.strip()
    escalation.severity = data.severity
    escalation.business_impact = (data.business_impact or "").strip()
    escalation.steps_to_reproduce = (data.steps or "").strip()
    escalation.expected_result = (data.expected or "").strip()
    escalation.actual_result = (data.actual or "").strip()
    escalation.attested_vanilla = data.reproduced_on_vanilla is True
    escalation.attested_no_customization = data.customization_involved is False


def _require_technician_of(actor, partner_id: int | None = None) -> None:
    if actor.role != TECHNICIAN or actor.partner_id is None:
        raise DomainError("forbidden", "Only a partner's technician can do this.", status=403)
    if partner_id is not None and actor.partner_id != partner_id:
        abort(404)


def _own(model, object_id, partner_id):
    if object_id is None:
        return None
    row = db.session.get(model, object_id)
    if row is None or row.partner_id != partner_id:
        abort(404)
    return row


def _draft_references(escalation: Escalation, data: EscalationInput, partner_id: int) -> None:
    """A draft may be incomplete, but what it names must exist and be the partner's."""
    from certification.models import ReproductionEnvironment

    escalation.customer = _own(Customer, data.customer_id, partner_id)
    escalation.environment = _own(ReproductionEnvironment, data.environment_id, partner_id)
    product = (
        db.session.scalar(select(Product).where(Product.slug == data.product))
        if data.product
        else None
    )
    if data.product and product is None:
        raise DomainError(
            "validation_error", "Unknown product.", fields={"product": "Unknown product."}
        )
    release = None
    if product is not None and data.release:
        release = db.session.scalar(
            select(Release).where(Release.product_id == product.id, Release.version == data.release)
        )
        if release is None:
            raise DomainError(
                "validation_error",
                f"{product.name} has no release {data.release}.",
                fields={"release": "Unknown release."},
            )
    escalation.product = product
    escalation.release = release


def _event(escalation: Escalation, actor, kind: str, now: datetime, **values) -> EscalationEvent:
    event = EscalationEvent(
        escalation_id=escalation.id, kind=kind, actor_id=actor.id, at=now, **values
    )
    db.session.add(event)
    return event


def record_deflection(escalation: Escalation, data: EscalationInput, reader) -> None:
    """Store the KB articles suggested, opened and reviewed while it was written.

    Only articles the writer may read count; unknown slugs are ignored (they may name an
    article the writer cannot see, which must not be told apart from none).
    """
    wanted = {
        "suggested": set(data.kb_articles_suggested or ()),
        "opened": set(data.kb_articles_opened or ()),
        "reviewed": set(data.kb_articles_reviewed or ()),
    }
    slugs = set().union(*wanted.values())
    if not slugs:
        return
    articles = db.session.scalars(visible_articles(reader).where(Article.slug.in_(slugs))).all()
    existing = {
        entry.article_id: entry
        for entry in db.session.scalars(
            select(DeflectionEntry).where(DeflectionEntry.escalation_id == escalation.id)
        )
    }
    for article in articles:
        entry = existing.get(article.id)
        if entry is None:
            entry = DeflectionEntry(escalation_id=escalation.id, article_id=article.id)
            db.session.add(entry)
        for flag, flagged in wanted.items():
            if article.slug in flagged:
                setattr(entry, flag, True)
        # A reviewed or opened article was necessarily shown.
        entry.suggested = entry.suggested or entry.opened or entry.reviewed


def save_draft(
    actor, data: EscalationInput, escalation: Escalation | None = None, now=None
) -> Escalation:
    """Create or update a draft. Any technician of the partner may; no gate applies yet."""
    now = now or utcnow()
    partner_id = escalation.partner_id if escalation is not None else actor.partner_id
    _require_technician_of(actor, partner_id)
    if escalation is not None and not escalation.is_draft:
        raise DomainError("invalid_transition", "Only a draft can be edited this way.", status=409)
    _basics(data)
    created = escalation is None
    if created:
        escalation = Escalation(partner_id=actor.partner_id, drafted_by_id=actor.id)
        db.session.add(escalation)
    before = None if created else snapshot(escalation, AUDITED)
    _fill(escalation, data)
    _draft_references(escalation, data, partner_id)
    escalation.updated_at = now
    db.session.flush()
    if created:
        _event(escalation, actor, "created", now, to_status="draft", note="Draft saved.")
    record_deflection(escalation, data, actor)
    record_change(
        "escalation.draft_saved",
        escalation,
        partner_id=escalation.partner_id,
        actor=actor,
        before=before,
        after=snapshot(escalation, AUDITED),
        summary=f"Draft #{escalation.id}: {escalation.title}",
    )
    return escalation


def submit_escalation(
    actor, data: EscalationInput, draft: Escalation | None = None, now=None
) -> Escalation:
    """Submit a new escalation, or a colleague's draft: every gate applies to `actor`.

    :raises GateRefusal: the gate's refusal (nothing is written).
    """
    now = now or utcnow()
    if draft is not None:
        _require_technician_of(actor, draft.partner_id)
        if not draft.is_draft:
            raise DomainError(
                "invalid_transition", "This escalation was already submitted.", status=409
            )
    _basics(data)
    passed = check_submission(actor, data, now)
    escalation = draft or Escalation(partner_id=passed.partner.id, drafted_by_id=actor.id)
    before = snapshot(escalation, AUDITED) if draft is not None else None
    _fill(escalation, data)
    escalation.partner = passed.partner
    escalation.customer = passed.customer
    escalation.product = passed.product
    escalation.release = passed.release
    escalation.environment = passed.environment
    escalation.submitter = actor
    escalation.submitted_at = now
    escalation.status = "submitted"
    escalation.updated_at = now
    agreement = passed.partner.agreement_in_force
    clock.start(escalation, agreement, now)
    db.session.add(escalation)
    db.session.flush()
    _event(
        escalation,
        actor,
        "transition",
        now,
        action="submit",
        from_status="draft" if draft is not None else None,
        to_status="submitted",
    )
    record_deflection(escalation, data, actor)
    record_change(
        "escalation.submitted",
        escalation,
        partner_id=escalation.partner_id,
        actor=actor,
        before=before,
        after=snapshot(escalation, AUDITED),
        summary=f"Escalation #{escalation.id} submitted ({escalation.severity}): "
        f"{escalation.title}",
    )
    notifications.submitted(escalation, agreement)
    webhooks.escalation_created(escalation, now)
    return escalation


def transition(
    escalation: Escalation,
    actor,
    action: str,
    reason: str | None = None,
    note: str | None = None,
    article_slug: str | None = None,
    now=None,
) -> EscalationEvent:
    """Apply a workflow action (escalations.workflow) and tell the partner."""
    if (note or "") and len(note) > TEXT_MAX:
        raise DomainError("validation_error", "The note is too long.", fields={"note": "Too long."})
    article = None
    if action == "reject" and reason == "documented_in_kb" and not article_slug:
        raise DomainError(
            "article_required",
            "Name the knowledge-base article that documents it.",
            fields={"article": "Choose the article that documents it."},
        )
    if action == "reject" and reason == "documented_in_kb":
        article = db.session.scalar(visible_articles(actor).where(Article.slug == article_slug))
        if article is None:
            raise DomainError(
                "validation_error", "Unknown article.", fields={"article": "Unknown article."}
            )
    previous = escalation.status
    event = apply_transition(escalation, actor, action, reason, note, article=article, now=now)
    rating_link = None
    if escalation.status == "resolved":
        rating = ratings.request_rating(escalation, now=event.at, actor=actor)
        if rating.delivery == "partner" and rating.is_live(event.at):
            rating_link = ratings.rating_link(rating)
    notifications.status_changed(escalation, previous, event.note, rating_link=rating_link)
    webhooks.status_changed(escalation, previous, event.at)
    return event


def assign(escalation: Escalation, actor, assignee: User | None) -> None:
    """Give the escalation to an engineer (or to nobody)."""
    if not actor.is_vendor:
        raise DomainError("forbidden", "Only the vendor assigns escalations.", status=403)
    if assignee is not None and (assignee.role != VENDOR_ENGINEER or assignee.status != "active"):
        raise DomainError(
            "validation_error",
            "Assign an active vendor engineer.",
            fields={"assignee_id": "Not an active vendor engineer."},
        )
    before = {"assignee_id": escalation.assignee_id}
    escalation.assignee = assignee
    record_change(
        "escalation.assigned",
        escalation,
        partner_id=escalation.partner_id,
        actor=actor,
        before=before,
        after={"assignee_id": assignee.id if assignee else None},
        summary=f"Escalation #{escalation.id} assigned to "
        + (assignee.name if assignee else "nobody"),
    )


def add_comment(escalation: Escalation, actor, body: str, internal: bool = False, now=None):
    """A comment on the timeline; `internal` ones are the vendor's own."""
    now = now or utcnow()
    body = (body or "").strip()
    if not body:
        raise DomainError("validation_error", "Write a comment.", fields={"body": "Required."})
    if len(body) > TEXT_MAX:
        raise DomainError(
            "validation_error", "The comment is too long.", fields={"body": "Too long."}
        )
    if internal and not actor.is_vendor:
        raise DomainError("forbidden", "Only vendor staff can write internal notes.", status=403)
    comment = Comment(escalation_id=escalation.id, author_id=actor.id, body=body, internal=internal)
    db.session.add(comment)
    db.session.flush()
    _event(escalation, actor, "comment", now, comment_id=comment.id, internal=internal)
    webhooks.comment_added(escalation, comment, now)  # never for an internal note
    if actor.is_vendor and not internal:
        if escalation.first_response_at is None and not escalation.is_draft:
            escalation.first_response_at = now
        notifications.vendor_commented(escalation, comment, actor)
    return comment


def clean_file_name(name: str) -> str:
    """A file name safe to show and to send back: its last part, no control characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[:FILE_NAME_MAX] or "attachment"


def add_attachment(escalation: Escalation, actor, file_name: str, data: bytes, now=None):
    """Evidence, its type judged from the content; stored with the escalation's transaction.

    :raises DomainError: `too_large` (413) over the limit, `file_type` (422).
    """
    now = now or utcnow()
    if escalation.status in ("closed", "withdrawn"):
        raise DomainError(
            "invalid_transition",
            f"A {escalation.status} escalation takes no more files.",
            status=409,
        )
    limit = current_app.config["ESCALATION_ATTACHMENT_MAX_BYTES"]
    if len(data) > limit:
        raise DomainError(
            "too_large",
            f"The file is larger than {limit // (1024 * 1024) or 1} MB.",
            status=413,
            fields={"file": "Too large."},
        )
    content_type = content_type_of(data)
    if content_type is None:
        raise DomainError(
            "file_type",
            f"This kind of file cannot be attached. Accepted: {ALLOWED_DESCRIPTION}.",
            fields={"file": "Refused type."},
        )
    attachment = Attachment(
        escalation_id=escalation.id,
        uploaded_by_id=actor.id,
        file_name=clean_file_name(file_name),
        content_type=content_type,
        size=len(data),
        sha256=sha256_of(data),
    )
    db.session.add(attachment)
    storage().put(attachment, data)
    _event(escalation, actor, "attachment", now, attachment_id=attachment.id)
    webhooks.attachment_added(escalation, attachment, now)
    return attachment

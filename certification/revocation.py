"""Revoking certifications: when the holder leaves or is reassigned, or by a vendor admin.

A revocation is final. A technician made active again keeps their revoked certifications
revoked: they count as certified again only by passing a quiz again, which issues a new
certification. Revoking never touches certifications that already ended (expired, lapsed
or superseded): their history stays as it was.
"""

from datetime import date

from sqlalchemy import select

from certification.certifications import refresh_compliance
from certification.models import Certification
from certification.status import current_clause
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow

REASON_MAX = 300
#: The reason recorded when the holder's status takes them off the partner's support.
DEPARTURE_REASONS = {"left": "left the partner", "reassigned": "reassigned"}
AUDITED_FIELDS = ("revoked_at", "revoked_reason", "revoked_by_id")


def check_reason(reason: str | None) -> str:
    """The reason, trimmed; a DomainError naming the field when it is missing or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required",
            "Say why the certification is revoked.",
            fields={"reason": "A reason is required."},
        )
    if len(reason) > REASON_MAX:
        raise DomainError(
            "validation_error",
            "The reason is too long.",
            fields={"reason": f"At most {REASON_MAX} characters."},
        )
    return reason


def _revoke(certification: Certification, reason: str, *, actor) -> None:
    before = snapshot(certification, AUDITED_FIELDS)
    certification.revoked_at = utcnow()
    certification.revoked_reason = reason
    authenticated = getattr(actor, "is_authenticated", False)
    certification.revoked_by_id = actor.id if authenticated else None
    record_change(
        "certification.revoked",
        certification,
        partner_id=certification.partner_id,
        actor=actor,
        before=before,
        after=snapshot(certification, AUDITED_FIELDS),
        summary=f"{certification.user.email}'s {certification.product.name} certification "
        f"revoked: {reason}",
    )


def revoke_certification(
    certification: Certification, reason: str, *, actor, today: date
) -> Certification:
    """A vendor admin revokes one certification, saying why.

    :raises DomainError: 422 without a reason, 409 when it is already revoked.
    """
    reason = check_reason(reason)
    if certification.revoked_at is not None:
        raise DomainError("already_revoked", "This certification is already revoked.", status=409)
    _revoke(certification, reason, actor=actor)
    refresh_compliance({certification.partner_id}, actor=actor, today=today)
    return certification


def revoke_on_departure(user, status: str, *, actor=None, today: date) -> list[Certification]:
    """Revoke the certifications that count today of a holder who left or was reassigned."""
    reason = DEPARTURE_REASONS[status]
    current = db.session.scalars(
        select(Certification)
        .where(Certification.user_id == user.id, current_clause(today))
        .order_by(Certification.id)
    ).all()
    for certification in current:
        _revoke(certification, reason, actor=actor)
    refresh_compliance({c.partner_id for c in current}, actor=actor, today=today)
    return current


def on_user_status_changed(user, *, before: str, actor=None, **_) -> None:
    """`portal.signals.user_status_changed`: a holder leaving or reassigned loses them.

    Coming back (`active`) restores nothing: see the module's docstring.
    """
    if user.status in DEPARTURE_REASONS:
        revoke_on_departure(user, user.status, actor=actor, today=utcnow().date())

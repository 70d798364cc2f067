"""Issuing certifications: on a passed quiz attempt, or directly (demo, backfill).

Both paths share `issue_certification`:

- the holder's partner, the product and release, a fresh verification code (`codes`);
- `expires_on` = the issue date + the validity months of the partner's agreement in
  force (12 without one), clamped at month ends (31 January + 1 month = 28/29 February);
- `lapses_on` from the product's releases (`lapses`);
- renewal: every earlier certification of the same holder and product not already
  superseded is superseded by the new one (so each holder has one standing certification
  per product); one still counting ends today (its `expires_on` moves to the issue date,
  so the status rule reads it expired). A revoked one keeps its dates and stays revoked.

Every change is audited, and the partner's compliance refreshed, in the caller's
transaction.
"""

import calendar
from datetime import date

from sqlalchemy import select

from certification.codes import new_code, normalise_code
from certification.compliance import refresh_partner
from certification.lapses import lapse_date_for
from certification.models import Attempt, Certification
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner, Release, User
from portal.roles import TECHNICIAN

DEFAULT_VALIDITY_MONTHS = 12
AUDITED_FIELDS = (
    "user_id",
    "partner_id",
    "product_id",
    "release_id",
    "attempt_id",
    "issued_on",
    "expires_on",
    "lapses_on",
    "superseded_by_id",
)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, kept within the month (no 30 February)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def validity_months(partner: Partner) -> int:
    agreement = partner.agreement_in_force
    if agreement is None or not agreement.certification_validity_months:
        return DEFAULT_VALIDITY_MONTHS
    return agreement.certification_validity_months


def issue_for_passed_attempt(attempt: Attempt, *, today: date, actor=None) -> Certification:
    """The certification a passed attempt earns (the same one if it was already issued)."""
    if not attempt.passed:
        raise DomainError("not_passed", "Only a passed attempt earns a certification.")
    existing = db.session.scalar(
        select(Certification).where(Certification.attempt_id == attempt.id)
    )
    if existing is not None:
        return existing
    return issue_certification(
        attempt.user,
        attempt.quiz.session.release,
        today=today,
        partner=db.session.get(Partner, attempt.partner_id),
        attempt=attempt,
        actor=actor,
    )


def issue_certification(
    user: User,
    release: Release,
    *,
    today: date,
    partner: Partner | None = None,
    attempt: Attempt | None = None,
    actor=None,
) -> Certification:
    """Certify `user` on `release`'s product from `release`, as of `today`.

    `partner` defaults to the holder's; the quiz path passes the attempt's partner.
    """
    partner = partner if partner is not None else user.partner
    if user.role != TECHNICIAN or partner is None:
        raise DomainError("not_a_technician", "Only a partner's technician can be certified.")
    certification = Certification(
        code=new_code(),
        user_id=user.id,
        partner_id=partner.id,
        product_id=release.product_id,
        release_id=release.id,
        attempt_id=attempt.id if attempt is not None else None,
        issued_on=today,
        expires_on=add_months(today, validity_months(partner)),
        lapses_on=lapse_date_for(release),
    )
    db.session.add(certification)
    db.session.flush()
    record_change(
        "certification.issued",
        certification,
        partner_id=partner.id,
        actor=actor,
        after=snapshot(certification, AUDITED_FIELDS),
        summary=f"{user.email} certified on {release.product.name} {release.version}"
        f" until {certification.expires_on:%Y-%m-%d}",
    )
    _supersede_earlier(certification, today=today, actor=actor)
    refresh_compliance({partner.id}, actor=actor, today=today)
    return certification


def _supersede_earlier(new: Certification, *, today: date, actor) -> None:
    earlier = db.session.scalars(
        select(Certification).where(
            Certification.user_id == new.user_id,
            Certification.product_id == new.product_id,
            Certification.id != new.id,
            Certification.superseded_by_id.is_(None),
        )
    ).all()
    for old in earlier:
        before = snapshot(old, ("expires_on", "superseded_by_id"))
        old.superseded_by_id = new.id
        if old.revoked_at is None and old.expires_on > today:
            old.expires_on = max(today, old.issued_on)
        record_change(
            "certification.superseded",
            old,
            partner_id=old.partner_id,
            actor=actor,
            before=before,
            after=snapshot(old, ("expires_on", "superseded_by_id")),
            summary=f"Renewed: superseded by the certification from {new.release.version}",
        )


def find_by_code(code: str) -> Certification | None:
    """The certification a typed code names (any case, dashes or not), or None."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return db.session.scalar(select(Certification).where(Certification.code == normalised))


def refresh_compliance(partner_ids: set[int], *, actor=None, today: date | None = None) -> None:
    """Have compliance recompute (store, audit, announce) the partners whose certifications
    just changed."""
    for partner_id in sorted(partner_ids):
        refresh_partner(db.session.get(Partner, partner_id), actor=actor, today=today)

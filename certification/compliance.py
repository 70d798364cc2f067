"""Live compliance: recompute a partner's verdicts, store them, announce changes once.

`refresh_partner` is called by every event that can change compliance (a certification
issued or revoked, an environment added, re-attested, verified or retired, an agreement
coming into force, a release's support ending) and by the worker for what time changes
(expiry, lapse, environments going stale). It compares the computed verdict per product
with the stored `ComplianceState` and moves the state with a conditional UPDATE (or the
first INSERT, guarded by the primary key: `claims.insert_once`), so that when two
processes notice the same change only the one whose write took effect announces it.
Falling out of compliance mails the partner admins and the partner's support manager
what must happen; coming back mails them too. A product's first verdict (a new
agreement, a new obligation) is stored without a mail: nothing was lost, and the home
pages say what it asks for. The partner's tier follows.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from certification.claims import insert_once
from certification.currency import as_of
from certification.models import ComplianceState
from certification.remedies import Remedy, remedies_for
from portal.audit import record_change
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models import Partner
from portal.models.base import utcnow
from portal.partners.compliance import ProductCompliance, compliance_for, refresh_tier
from portal.roles import PARTNER_ADMIN


@dataclass(frozen=True)
class ComplianceChange:
    """A product whose stored verdict this refresh moved (and so announced)."""

    product_id: int
    product_name: str
    compliant: bool


def refresh_partner(
    partner: Partner, *, actor=None, today: date | None = None
) -> list[ComplianceChange]:
    """Recompute `partner`'s compliance as of `today`; store, audit and announce changes.

    Returns the changes this call made (empty when nothing changed, or when another
    process recorded the same change first). Runs in the caller's transaction.
    """
    today = today or utcnow().date()
    with as_of(today):
        rows = compliance_for(partner)
        changes = _store_verdicts(partner, rows, actor=actor)
        lost = [change for change in changes if not change.compliant]
        regained = [change for change in changes if change.compliant]
        if lost:
            remedies = remedies_for(partner, rows, today)
            lost_ids = {change.product_id for change in lost}
            _announce(
                partner,
                "certification/mail/compliance_lost.txt",
                f"{partner.name}: out of compliance on "
                + ", ".join(change.product_name for change in lost),
                remedies=[remedy for remedy in remedies if remedy.product.id in lost_ids],
                today=today,
            )
        if regained:
            _announce(
                partner,
                "certification/mail/compliance_regained.txt",
                f"{partner.name}: now compliant on "
                + ", ".join(change.product_name for change in regained),
                changes=regained,
            )
        # Another process may have moved the tier while this one waited on the verdicts'
        # rows: read it afresh so that the change is audited once.
        db.session.refresh(partner, attribute_names=["tier"])
        refresh_tier(partner, actor=actor)
    return changes


def _store_verdicts(partner, rows: list[ProductCompliance], *, actor) -> list[ComplianceChange]:
    stored = dict(
        db.session.execute(
            select(ComplianceState.product_id, ComplianceState.compliant).where(
                ComplianceState.partner_id == partner.id
            )
        ).all()
    )
    verdicts = {row.product.id: (row.product.name, row.compliant, row) for row in rows}
    changes = []
    for product_id, (name, compliant, row) in verdicts.items():
        if stored.get(product_id) == compliant:
            continue
        if _move_state(partner.id, product_id, compliant, first=product_id not in stored):
            changes.append(ComplianceChange(product_id, name, compliant))
            _audit(partner, row, compliant, actor=actor)
    # A product the agreement in force no longer sets a minimum for binds nothing: its
    # old verdict is cleared quietly, so a later obligation starts afresh.
    dropped = [product_id for product_id in stored if product_id not in verdicts]
    if dropped:
        db.session.execute(
            ComplianceState.__table__.delete().where(
                ComplianceState.partner_id == partner.id,
                ComplianceState.product_id.in_(dropped),
            )
        )
    return changes


def _move_state(partner_id: int, product_id: int, compliant: bool, *, first: bool) -> bool:
    """Record the verdict; True when this call's write is the one that changed it."""
    now = utcnow()
    if first and insert_once(
        ComplianceState,
        partner_id=partner_id,
        product_id=product_id,
        compliant=compliant,
        changed_at=now,
    ):
        # A first verdict is recorded quietly: nobody fell out of anything yet (the home
        # pages say what a new obligation asks for).
        return False
    # Otherwise move the stored verdict, if no other process moved it first.
    result = db.session.execute(
        update(ComplianceState)
        .where(
            ComplianceState.partner_id == partner_id,
            ComplianceState.product_id == product_id,
            ComplianceState.compliant.is_(not compliant),
        )
        .values(compliant=compliant, changed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _audit(partner: Partner, row: ProductCompliance, compliant: bool, *, actor) -> None:
    environment = "a current environment" if row.environment_ok else "no current environment"
    facts = f"{row.certified_active} of {row.minimum} certified technicians, {environment}"
    record_change(
        "compliance.regained" if compliant else "compliance.lost",
        partner,
        partner_id=partner.id,
        actor=actor,
        before={"product": row.product.slug, "compliant": not compliant},
        after={
            "product": row.product.slug,
            "compliant": compliant,
            "certified_active": row.certified_active,
            "minimum": row.minimum,
            "environment_ok": row.environment_ok,
        },
        summary=f"{row.product.name}: {'compliant' if compliant else 'not compliant'} ({facts})",
    )


def recipients_of(partner: Partner) -> list:
    """Who hears about the partner's compliance: its active admins and support manager."""
    people = {user for user in partner.users if user.role == PARTNER_ADMIN and user.is_active}
    manager = partner.support_manager
    if manager is not None and manager.is_active:
        people.add(manager)
    return sorted(people, key=lambda user: user.email)


def _announce(partner: Partner, template: str, subject: str, **context) -> None:
    for user in recipients_of(partner):
        enqueue_mail(user.email, subject, template, user=user, partner=partner, **context)


__all__ = ["ComplianceChange", "Remedy", "recipients_of", "refresh_partner"]

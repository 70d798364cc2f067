"""What makes compliance recompute, besides the services that call `refresh_partner`
themselves (certifications issued or revoked, environments changed):

- an agreement coming into force (its minimums and products change what is required);
- a release's supported flag changing (environments on it stop or start counting);
- time: certifications reaching their end and environments going stale, found by the
  worker's `sweep_compliance`, which refreshes the partners whose stored verdict says
  compliant but whose computed one no longer does, and records a first verdict for
  partners bound by an agreement that have none yet.
"""

from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import selectinload

from certification.compliance import refresh_partner
from certification.currency import as_of
from certification.models import Certification, ComplianceState, ReproductionEnvironment
from portal import periodic
from portal.extensions import db
from portal.models import Agreement, Partner, ProductMinimum, Release
from portal.partners.compliance import compliance_by_partner
from portal.signals import agreement_in_force, release_saved

#: Partners read per round of the sweep (each round is a fixed number of queries).
SWEEP_BATCH = 200
#: Partners without any verdict refreshed per run (they are few: new agreements).
UNRECORDED_BATCH = 50


def on_agreement_in_force(agreement: Agreement, *, actor=None, **_) -> None:
    refresh_partner(agreement.partner, actor=actor)


def on_release_saved(release: Release, *, before: dict | None, actor=None, **_) -> None:
    """A release whose support ended (or resumed) changes which environments count."""
    if before is None or before.get("supported") == release.supported:
        return
    on_environments = select(ReproductionEnvironment.partner_id).where(
        ReproductionEnvironment.release_id == release.id,
        ReproductionEnvironment.retired_at.is_(None),
    )
    on_certifications = select(Certification.partner_id).where(
        Certification.product_id == release.product_id, Certification.revoked_at.is_(None)
    )
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.id.in_(on_environments.union(on_certifications)))
        .order_by(Partner.id)
    ).all()
    for partner in partners:
        refresh_partner(partner, actor=actor)


def _with_minimums():
    return selectinload(Partner.agreements).selectinload(Agreement.product_minimums)


def sweep_compliance(now: datetime) -> int:
    """Refresh the partners that time has moved out of compliance; how many changed."""
    today = now.date()
    changed = 0
    after_id = 0
    while True:
        partner_ids = db.session.scalars(
            select(ComplianceState.partner_id)
            .where(ComplianceState.compliant.is_(True), ComplianceState.partner_id > after_id)
            .group_by(ComplianceState.partner_id)
            .order_by(ComplianceState.partner_id)
            .limit(SWEEP_BATCH)
        ).all()
        if not partner_ids:
            break
        after_id = partner_ids[-1]
        for partner in _slipped(partner_ids, today):
            changed += len(refresh_partner(partner, today=today))
    for partner in _unrecorded(today):
        changed += len(refresh_partner(partner, today=today))
    return changed


def _slipped(partner_ids: list[int], today) -> list[Partner]:
    """The partners whose stored "compliant" on a product the computation now denies."""
    partners = db.session.scalars(
        select(Partner)
        .options(_with_minimums().selectinload(ProductMinimum.product))
        .where(Partner.id.in_(partner_ids))
    ).all()
    stored = {
        (p, q)
        for p, q in db.session.execute(
            select(ComplianceState.partner_id, ComplianceState.product_id).where(
                ComplianceState.partner_id.in_(partner_ids), ComplianceState.compliant.is_(True)
            )
        )
    }
    with as_of(today):
        computed = compliance_by_partner(partners)
    return [
        partner
        for partner in partners
        if any(
            (partner.id, row.product.id) in stored and not row.compliant
            for row in computed[partner.id]
        )
    ]


def _unrecorded(today) -> list[Partner]:
    """Partners bound to a product minimum that has no stored verdict yet."""
    missing = exists().where(
        ComplianceState.partner_id == Agreement.partner_id,
        ComplianceState.product_id == ProductMinimum.product_id,
    )
    ids = (
        select(Agreement.partner_id)
        .join(ProductMinimum, ProductMinimum.agreement_id == Agreement.id)
        .where(and_(Agreement.status == "in_force", ~missing))
        .distinct()
        .limit(UNRECORDED_BATCH)
    )
    return db.session.scalars(select(Partner).where(Partner.id.in_(ids))).all()


def register() -> None:
    agreement_in_force.connect(on_agreement_in_force)
    release_saved.connect(on_release_saved)
    periodic.register("certification.sweep_compliance", sweep_compliance)

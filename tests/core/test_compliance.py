"""Compliance per product and the tier computed from it."""

import pytest

from portal.extensions import db
from portal.models import AuditEntry
from portal.partners import compliance
from portal.partners.compliance import compliance_for, compute_tier, is_compliant, refresh_tier


@pytest.fixture
def providers():
    """Install fake certification/environment providers for one test, then restore."""
    saved = dict(compliance._providers)
    saved_batch = dict(compliance._batch_providers)
    # The fakes answer pair by pair: set aside the batch forms certification registers.
    compliance._batch_providers.update(dict.fromkeys(saved_batch))
    yield compliance.register_providers
    compliance._providers.clear()
    compliance._providers.update(saved)
    compliance._batch_providers.update(saved_batch)


def test_without_certification_data_nobody_is_compliant(world):
    rows = compliance_for(world.acme)
    assert [(r.product.slug, r.certified_active, r.minimum) for r in rows] == [("orbit", 0, 1)]
    assert not is_compliant(world.acme)
    assert compute_tier(world.acme) == "registered"


def test_compliant_needs_minimum_certified_and_an_environment(world, providers):
    providers(
        certified=lambda partner_id, product_id: 1, environment=lambda partner_id, product_id: False
    )
    assert not is_compliant(world.acme)  # environment missing
    providers(environment=lambda partner_id, product_id: True)
    assert is_compliant(world.acme)
    providers(certified=lambda partner_id, product_id: 0)
    assert not is_compliant(world.acme)  # below the minimum of 1
    assert compliance_for(world.acme)[0].shortfall == 1


def test_partner_without_agreement_is_not_compliant(world, providers):
    from tests.factories import make_partner

    providers(certified=lambda *a: 5, environment=lambda *a: True)
    assert not is_compliant(make_partner())


def test_tier_follows_compliance_and_quality_and_is_audited(world, providers):
    providers(certified=lambda *a: 1, environment=lambda *a: True)
    assert refresh_tier(world.acme) == "certified"
    providers(premier_quality=lambda partner_id: True)
    assert refresh_tier(world.acme) == "premier"
    db.session.commit()
    actions = db.session.scalars(
        db.select(AuditEntry.after).where(AuditEntry.action == "partner.tier_changed")
    ).all()
    assert actions == [{"tier": "certified"}, {"tier": "premier"}]

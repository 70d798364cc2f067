"""Lapse by the release cycle: the second major release after the certified one, out for
the grace period. Lapse dates follow every release change, in set-based statements."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from certification.compliance import refresh_partner
from certification.lapses import recompute_lapses
from certification.models import ComplianceState
from certification.status import status_of
from portal.extensions import db
from portal.models.base import utcnow
from portal.products.services import save_release
from tests.certification.compliance_support import environment
from tests.certification.lifecycle_support import certify, product_with_releases, release_of
from tests.factories import make_user

D = date
DAY = timedelta(days=1)


@pytest.fixture
def orbit(app):
    return product_with_releases(
        ("4.0.0", D(2025, 1, 10), True),
        ("4.1.0", D(2025, 6, 1), False),
        ("5.0.0", D(2026, 1, 5), True),
    )


def test_publishing_the_second_major_release_sets_the_lapse_date(world, orbit):
    tech = world.user("acme_tech")
    from_41 = certify(tech, orbit, "4.1.0", D(2026, 2, 1))
    from_50 = certify(make_user("technician", world.acme), orbit, "5.0.0", D(2026, 2, 1))
    assert from_41.lapses_on is None and from_50.lapses_on is None
    save_release(orbit, "6.0.0", D(2026, 9, 1), major=True, supported=True)
    lapse = D(2026, 9, 1) + 90 * DAY
    assert from_41.lapses_on == lapse
    assert from_50.lapses_on is None  # 6.0.0 is only the first major after 5.0.0
    assert [status_of(from_41, day) for day in (lapse - DAY, lapse, lapse + DAY)] == [
        "valid",
        "lapsed",
        "lapsed",
    ]


def test_a_minor_release_moves_nothing_and_redating_or_demoting_a_major_does(world, orbit):
    certification = certify(world.user("acme_tech"), orbit, "4.1.0", D(2026, 2, 1))
    six = save_release(orbit, "6.0.0", D(2026, 9, 1), major=True, supported=True)
    save_release(orbit, "6.1.0", D(2026, 10, 1), major=False, supported=True)
    assert certification.lapses_on == D(2026, 11, 30)
    save_release(orbit, "6.0.0", D(2026, 10, 1), major=True, supported=True, release=six)
    assert certification.lapses_on == D(2026, 12, 30)
    save_release(orbit, "6.0.0", D(2026, 10, 1), major=False, supported=True, release=six)
    assert certification.lapses_on is None


def test_moving_the_certified_release_moves_its_lapse_date(world, orbit):
    save_release(orbit, "6.0.0", D(2026, 9, 1), major=True, supported=True)
    certification = certify(world.user("acme_tech"), orbit, "4.1.0", D(2026, 2, 1))
    assert certification.lapses_on == D(2026, 11, 30)
    # 4.1.0 re-dated after 5.0.0: only 6.0.0 comes after it now.
    save_release(
        orbit,
        "4.1.0",
        D(2026, 2, 1),
        major=False,
        supported=True,
        release=release_of(orbit, "4.1.0"),
    )
    assert certification.lapses_on is None


def test_the_grace_period_comes_from_configuration(app, world, orbit):
    app.config["CERTIFICATION_LAPSE_GRACE_DAYS"] = 30
    try:
        certification = certify(world.user("acme_tech"), orbit, "4.1.0", D(2026, 2, 1))
        save_release(orbit, "6.0.0", D(2026, 9, 1), major=True, supported=True)
        assert certification.lapses_on == D(2026, 10, 1)
    finally:
        app.config["CERTIFICATION_LAPSE_GRACE_DAYS"] = 90


def test_recomputing_runs_the_same_statements_for_2_or_20_certifications(
    world, orbit, count_queries
):
    for _ in range(2):
        certify(make_user("technician", world.acme), orbit, "4.1.0", D(2026, 2, 1))
    db.session.commit()
    save_release(orbit, "6.0.0", D(2026, 9, 1), major=True, supported=True)
    db.session.commit()

    def statements(day: date) -> int:
        six = release_of(orbit, "6.0.0")
        six.released_on = day
        db.session.commit()
        with count_queries() as counter:
            recompute_lapses(orbit.id, today=D(2026, 3, 1))
        db.session.commit()
        return counter.count

    few = statements(D(2026, 9, 2))
    versions = ["4.0.0", "4.1.0", "5.0.0"]
    for n in range(18):
        partner = world.acme if n % 2 else world.globex
        certify(make_user("technician", partner), orbit, versions[n % 3], D(2026, 2, 1))
    db.session.commit()
    assert statements(D(2026, 9, 3)) == few


def test_a_lapse_already_past_takes_effect_at_once_and_compliance_follows(world, orbit):
    """A major release entered late (dated long ago) lapses certifications today."""
    today = utcnow().date()
    world.acme.agreement_in_force.product_minimums[0].product_id = orbit.id
    db.session.flush()
    certification = certify(world.user("acme_tech"), orbit, "4.1.0", today - 400 * DAY)
    certification.expires_on = today + 400 * DAY  # a long validity: only the lapse can end it
    environment(
        world.acme,
        orbit,
        release=release_of(orbit, "5.0.0"),
        attested=datetime.combine(today, time(9), tzinfo=UTC),
    )
    refresh_partner(world.acme, today=today)
    assert _compliant(world, orbit) is True
    save_release(orbit, "6.0.0", today - 91 * DAY, major=True, supported=True)
    assert status_of(certification, today) == "lapsed"
    assert _compliant(world, orbit) is False


def _compliant(world, product) -> bool | None:
    return db.session.scalar(
        select(ComplianceState.compliant).where(
            ComplianceState.partner_id == world.acme.id,
            ComplianceState.product_id == product.id,
        )
    )

"""The dashboard's flags on small hand-computed data: each flag on and off at its
threshold (exactly at a threshold is off), the vendor median over odd and even counts of
partners, min_escalations; the thresholds' defaults, validation and audit."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from certification.models import Certification
from portal.errors import DomainError
from portal.extensions import db
from portal.management.checkins import CheckinStatus
from portal.management.flags import (
    DEFAULTS,
    FlagInputs,
    Thresholds,
    current_thresholds,
    gather_flag_inputs,
    partner_flags,
    raised_flags,
    set_thresholds,
)
from portal.management.metrics import Window
from portal.management.tally import Tally
from portal.models import AuditEntry, Partner, ProductMinimum
from portal.models.base import utcnow
from portal.models.checkins import CheckIn
from portal.models.flag_thresholds import FlagThresholds
from portal.partners.compliance import ProductCompliance
from tests.factories import make_partner
from tests.management.rollup_support import placed

#: Whole past months, so the figures do not depend on the day the tests run.
MONTHS = Window.months(date(2025, 1, 1), date(2025, 3, 1))


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def inputs(tallies=None, median=None, compliance=None, expiring=None, checkins=None, **limits):
    return FlagInputs(
        window=MONTHS,
        thresholds=Thresholds(**limits) if limits else DEFAULTS,
        tallies=tallies or {},
        vendor_median=median,
        compliance=compliance or {},
        expiring=expiring or {},
        checkins=checkins or {},
    )


def rated(submitted: int, rejected: int) -> Tally:
    return Tally(submitted=submitted, rejected=rejected)


# --- The rate flags -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "rejected", "raised"),
    [
        (1000, 250, False),  # 25.0 %: exactly at the threshold
        (1000, 251, True),  # 25.1 %
        (8, 2, False),  # 25.0 %
        (8, 3, True),  # 37.5 %
        (4, 4, False),  # 100 % but fewer than 5 escalations
        (5, 5, True),  # 100 % of exactly min_escalations
    ],
)
def test_unwarranted_rate_high_strictly_above_the_threshold_with_enough_escalations(
    submitted, rejected, raised
):
    found = raised_flags(1, inputs({1: rated(submitted, rejected)}))
    assert ("unwarranted_rate_high" in found) is raised


def test_unwarranted_rate_high_follows_the_thresholds():
    tallies = {1: rated(10, 3)}  # 30.0 %, 10 escalations
    assert "unwarranted_rate_high" not in raised_flags(1, inputs(tallies, unwarranted_percent=30))
    assert "unwarranted_rate_high" in raised_flags(1, inputs(tallies, unwarranted_percent=29.9))
    assert "unwarranted_rate_high" not in raised_flags(1, inputs(tallies, min_escalations=11))
    assert "unwarranted_rate_high" in raised_flags(1, inputs(tallies, min_escalations=10))


@pytest.mark.parametrize(
    ("rejected", "median", "raised"),
    [
        (200, Decimal("10.0"), False),  # 20.0 % = 2 × 10.0: exactly at it
        (201, Decimal("10.0"), True),  # 20.1 %
        (201, Decimal("0.0"), False),  # a median of 0 raises nothing
        (201, None, False),  # nor an unknown median
    ],
)
def test_unwarranted_above_median_strictly_above_the_multiple(rejected, median, raised):
    found = raised_flags(1, inputs({1: rated(1000, rejected)}, median))
    assert ("unwarranted_above_median" in found) is raised


def test_unwarranted_above_median_needs_min_escalations():
    tallies = {1: rated(4, 4)}
    assert "unwarranted_above_median" not in raised_flags(1, inputs(tallies, Decimal("10")))
    assert "unwarranted_above_median" in raised_flags(
        1, inputs(tallies, Decimal("10"), min_escalations=4)
    )
    assert "unwarranted_above_median" not in raised_flags(
        1, inputs(tallies, Decimal("50"), median_multiple=2)
    )


# --- Compliance, certifications, check-ins ---------------------------------------------------


def test_certified_below_minimum_only_under_the_minimum(world):
    def row(certified, minimum):
        return ProductCompliance(world.product, certified, minimum, environment_ok=True)

    assert "certified_below_minimum" in raised_flags(1, inputs(compliance={1: [row(1, 2)]}))
    assert "certified_below_minimum" not in raised_flags(1, inputs(compliance={1: [row(2, 2)]}))
    assert "certified_below_minimum" not in raised_flags(1, inputs(compliance={1: [row(0, 0)]}))


def test_inactive_with_gaps_needs_both_no_escalation_and_a_gap(world):
    gap = [ProductCompliance(world.product, 1, 1, environment_ok=False)]
    fine = [ProductCompliance(world.product, 1, 1, environment_ok=True)]
    assert "inactive_with_gaps" in raised_flags(1, inputs(compliance={1: gap}))
    assert "inactive_with_gaps" not in raised_flags(1, inputs(compliance={1: fine}))
    busy = inputs({1: rated(1, 0)}, compliance={1: gap})
    assert "inactive_with_gaps" not in raised_flags(1, busy)
    # No agreement: no minimum, no gap.
    assert "inactive_with_gaps" not in raised_flags(1, inputs(compliance={1: []}))


def test_checkin_overdue_follows_the_status():
    def status(overdue):
        return CheckinStatus(date(2025, 1, 1), date(2025, 4, 1), overdue, 0)

    assert "checkin_overdue" in raised_flags(1, inputs(checkins={1: status(True)}))
    assert "checkin_overdue" not in raised_flags(1, inputs(checkins={1: status(False)}))


def test_flags_come_in_a_fixed_order():
    found = raised_flags(
        1,
        inputs(
            {1: rated(10, 9)},
            Decimal("10"),
            expiring={1: 1},
            checkins={1: CheckinStatus(None, date(2025, 1, 1), True, 0)},
        ),
    )
    assert found == [
        "unwarranted_rate_high",
        "unwarranted_above_median",
        "certifications_expiring",
        "checkin_overdue",
    ]


# --- The same rules read from the database -----------------------------------------------------


def _partners(*partners):
    ids = [p.id for p in partners]
    return db.session.scalars(select(Partner).where(Partner.id.in_(ids)).order_by(Partner.id)).all()


def test_the_vendor_median_over_even_and_odd_counts_of_partners_with_enough_escalations(esc):
    world = esc.world
    today = date(2026, 1, 1)
    # acme: 2 of 5 rejected (40 %); globex: 1 of 5 (20 %): the median of two is 30.0.
    for index in range(5):
        acme_state = "rejected" if index < 2 else "submitted"
        globex_state = "rejected" if index < 1 else "accepted"
        placed(esc, at(f"2025-01-{index + 2:02d}"), acme_state, reason="duplicate")
        placed(esc, at(f"2025-02-{index + 2:02d}"), globex_state, "globex", reason="duplicate")
    third = make_partner("initech")
    db.session.commit()
    partners = _partners(world.acme, world.globex, third)
    assert gather_flag_inputs(partners, MONTHS, today).vendor_median == Decimal("30.0")
    # initech: 5 of 5 rejected (100 %): the median of three is the middle one, 40.0.
    escalations = []
    for index in range(5):
        escalation = placed(esc, at(f"2025-03-{index + 2:02d}"), "rejected", reason="duplicate")
        escalation.partner = third
        escalations.append(escalation)
    db.session.commit()
    found = gather_flag_inputs(partners, MONTHS, today)
    assert found.vendor_median == Decimal("40.0")
    assert raised_flags(third.id, found)[:2] == [
        "unwarranted_rate_high",
        "unwarranted_above_median",
    ]
    # With 4 (under min_escalations) it neither counts towards the median nor is flagged.
    db.session.delete(escalations[0])
    db.session.commit()
    found = gather_flag_inputs(partners, MONTHS, today)
    assert found.vendor_median == Decimal("30.0")
    assert "unwarranted_rate_high" not in raised_flags(third.id, found)
    assert "unwarranted_above_median" not in raised_flags(third.id, found)


def test_certified_below_minimum_from_the_agreement_and_certifications(esc):
    world = esc.world
    today = utcnow().date()
    minimum = db.session.scalar(
        select(ProductMinimum).where(
            ProductMinimum.agreement_id == world.acme.agreement_in_force.id
        )
    )
    # acme has two certified technicians (its tech and a colleague).
    minimum.minimum = 2
    db.session.commit()
    assert (
        "certified_below_minimum"
        not in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )
    minimum.minimum = 3
    db.session.commit()
    assert (
        "certified_below_minimum"
        in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )


@pytest.mark.parametrize(("days_left", "raised"), [(30, True), (31, False), (0, False)])
def test_certifications_expiring_within_the_days(esc, days_left, raised):
    world = esc.world
    today = utcnow().date()
    certifications = db.session.scalars(
        select(Certification).where(Certification.partner_id == world.acme.id)
    ).all()
    for certification in certifications:
        certification.expires_on = today + timedelta(days=400)
    # The one that ends soonest decides; 0 days left: it no longer counts (expired).
    certifications[0].expires_on = today + timedelta(days=days_left)
    db.session.commit()
    found = gather_flag_inputs(_partners(world.acme), MONTHS, today)
    assert ("certifications_expiring" in raised_flags(world.acme.id, found)) is raised


def test_certifications_expiring_follows_expiring_days(esc):
    world = esc.world
    today = utcnow().date()
    for certification in db.session.scalars(
        select(Certification).where(Certification.partner_id == world.acme.id)
    ):
        certification.expires_on = today + timedelta(days=60)
    db.session.commit()
    set_thresholds({**_texts(DEFAULTS), "expiring_days": "59"}, actor=world.user("support_manager"))
    assert (
        "certifications_expiring"
        not in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )
    set_thresholds({**_texts(DEFAULTS), "expiring_days": "60"}, actor=world.user("support_manager"))
    assert (
        "certifications_expiring"
        in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )


def test_checkin_overdue_the_day_after_it_was_due(world):
    today = date(2026, 6, 10)
    for due, raised in ((today, False), (today - timedelta(days=1), True)):
        db.session.query(CheckIn).delete()
        db.session.add(
            CheckIn(
                partner_id=world.acme.id,
                held_on=due - timedelta(days=90),
                channel="video",
                next_due_on=due,
            )
        )
        db.session.commit()
        flags = partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
        assert ("checkin_overdue" in flags) is raised


def test_inactive_with_gaps_from_the_database(esc):
    world = esc.world
    today = utcnow().date()
    assert (
        "inactive_with_gaps"
        not in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )
    esc.environments["acme"].retired_at = utcnow()
    db.session.commit()
    assert (
        "inactive_with_gaps" in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )
    placed(esc, at("2025-02-10"))
    db.session.commit()
    assert (
        "inactive_with_gaps"
        not in partner_flags(_partners(world.acme), MONTHS, today)[world.acme.id]
    )


# --- Thresholds ------------------------------------------------------------------------------


def _texts(thresholds: Thresholds) -> dict:
    return {
        "unwarranted_percent": str(thresholds.unwarranted_percent),
        "median_multiple": str(thresholds.median_multiple),
        "min_escalations": str(thresholds.min_escalations),
        "expiring_days": str(thresholds.expiring_days),
    }


def test_defaults_until_someone_sets_them(world):
    assert current_thresholds() == Thresholds(Decimal("25.00"), Decimal("2.00"), 5, 30)


def test_setting_the_thresholds_is_stored_and_audited(world):
    manager = world.user("support_manager")
    values = {**_texts(DEFAULTS), "unwarranted_percent": "30,5", "min_escalations": "8"}
    assert set_thresholds(values, actor=manager) is True
    db.session.commit()
    assert current_thresholds() == Thresholds(Decimal("30.50"), Decimal("2.00"), 8, 30)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "flag_thresholds.changed")
    )
    assert entry.actor_id == manager.id
    assert entry.before == {"unwarranted_percent": "25.00", "min_escalations": 5}
    assert entry.after == {"unwarranted_percent": "30.50", "min_escalations": 8}
    # The same values again change nothing and write no entry.
    assert set_thresholds(values, actor=manager) is False
    audited = select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "flag_thresholds.changed"
    )
    assert db.session.scalar(audited) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unwarranted_percent", "100.01"),
        ("unwarranted_percent", "-1"),
        ("unwarranted_percent", "12.345"),
        ("unwarranted_percent", "ten"),
        ("unwarranted_percent", "NaN"),
        ("unwarranted_percent", ""),
        ("median_multiple", "0.99"),
        ("median_multiple", "100"),
        ("min_escalations", "-1"),
        ("min_escalations", "2.5"),
        ("min_escalations", "10001"),
        ("expiring_days", "0"),
        ("expiring_days", "366"),
    ],
)
def test_thresholds_out_of_range_are_refused_naming_the_field(world, field, value):
    with pytest.raises(DomainError) as refused:
        set_thresholds({**_texts(DEFAULTS), field: value}, actor=world.user("support_manager"))
    assert refused.value.code == "validation_error"
    assert set(refused.value.fields) == {field}
    assert db.session.get(FlagThresholds, 1) is None


def test_thresholds_at_their_bounds_are_accepted(world):
    values = {
        "unwarranted_percent": "0",
        "median_multiple": "1",
        "min_escalations": "0",
        "expiring_days": "365",
    }
    assert set_thresholds(values, actor=world.user("vendor_admin"))
    assert current_thresholds() == Thresholds(Decimal("0.00"), Decimal("1.00"), 0, 365)


def test_the_database_keeps_one_row_within_range(world):
    db.session.add(
        FlagThresholds(
            id=1,
            unwarranted_percent=Decimal("101"),
            median_multiple=Decimal("2"),
            min_escalations=5,
            expiring_days=30,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        FlagThresholds(
            id=2,
            unwarranted_percent=Decimal("25"),
            median_multiple=Decimal("2"),
            min_escalations=5,
            expiring_days=30,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

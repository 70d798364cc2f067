"""Issuing certifications: codes, validity, lapse dates, renewal and its audit."""

from datetime import date

import pytest
from sqlalchemy import func, select

from certification.certifications import (
    add_months,
    find_by_code,
    issue_certification,
    issue_for_passed_attempt,
)
from certification.codes import new_code, normalise_code
from certification.models import Certification
from certification.status import status_of
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.certification.lifecycle_support import certify, product_with_releases
from tests.factories import make_agreement, make_partner, make_user

D = date


@pytest.fixture
def orbit(app):
    return product_with_releases(
        ("4.0.0", D(2025, 1, 10), True),
        ("4.1.0", D(2025, 6, 1), False),
        ("5.0.0", D(2026, 1, 5), True),
        ("6.0.0", D(2026, 9, 1), True),
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 12), 12, D(2027, 1, 12)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2027, 12, 31), 2, D(2028, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
    ],
)
def test_months_are_added_within_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_codes_hold_120_random_bits_in_groups_of_four():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4] * 6
    assert normalise_code(code) == code


def test_a_typed_code_is_read_in_any_case_with_or_without_dashes():
    code = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
    assert normalise_code("abcdefghijklmnopqrstuvwx") == code
    assert normalise_code(" abcd efgh-ijkl mnop-qrst uvwx ") == code
    # Base32 has no 0, 1 or 8: they are taken for the letters they look like.
    assert normalise_code("ABCD-EFGH-1JKL-MN0P-QRST-UVWX") == code
    for bad in ("", "ABCD", "ABCD-EFGH-IJKL-MNOP-QRST-UVW9", "x" * 500, None, 12):
        assert normalise_code(bad) is None


def test_issuing_dates_the_certification_from_the_agreement_and_the_release_cycle(world, orbit):
    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        certification_validity_months=6,
        fee_percentage=21,
    )
    tech = world.user("acme_tech")
    certification = certify(tech, orbit, "4.1.0", D(2026, 8, 31))
    assert certification.partner_id == world.acme.id
    assert certification.product_id == orbit.id
    assert certification.issued_on == D(2026, 8, 31)
    assert certification.expires_on == D(2027, 2, 28)
    # Majors after 4.1.0: 5.0.0 then 6.0.0 (2026-09-01) + 90 days.
    assert certification.lapses_on == D(2026, 11, 30)
    assert find_by_code(certification.code.lower().replace("-", "")) is certification


def test_without_an_agreement_validity_is_twelve_months_and_no_second_major_means_no_lapse(
    world, orbit
):
    tech = make_user("technician", make_partner("no-agreement"))
    certification = certify(tech, orbit, "5.0.0", D(2026, 2, 1))
    assert certification.expires_on == D(2027, 2, 1)
    assert certification.lapses_on is None


def test_only_a_partners_technician_can_be_certified(world, orbit):
    with pytest.raises(DomainError) as refused:
        certify(world.user("acme_admin"), orbit, "5.0.0", D(2026, 2, 1))
    assert refused.value.code == "not_a_technician"
    assert db.session.scalar(select(Certification)) is None


def test_renewal_supersedes_the_current_certification_and_ends_it_that_day(world, orbit):
    tech = world.user("acme_tech")
    old = certify(tech, orbit, "4.1.0", D(2026, 2, 1))
    new = certify(tech, orbit, "5.0.0", D(2026, 5, 20))
    assert old.superseded_by_id == new.id
    assert old.expires_on == D(2026, 5, 20)
    assert status_of(old, D(2026, 5, 19)) == "valid"
    assert status_of(old, D(2026, 5, 20)) == "expired"
    assert status_of(new, D(2026, 5, 20)) == "valid"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "Certification")
    ).all()
    assert sorted(actions) == [
        "certification.issued",
        "certification.issued",
        "certification.superseded",
    ]


def test_renewal_on_the_day_of_issue_is_allowed(world, orbit):
    tech = world.user("acme_tech")
    old = certify(tech, orbit, "4.1.0", D(2026, 2, 1))
    new = certify(tech, orbit, "5.0.0", D(2026, 2, 1))
    db.session.flush()
    assert old.expires_on == old.issued_on
    assert status_of(old, D(2026, 2, 1)) == "expired"
    assert status_of(new, D(2026, 2, 1)) == "valid"


def test_renewal_leaves_other_products_other_holders_and_revoked_certifications_alone(world, orbit):
    other_product = product_with_releases(("1.0.0", D(2025, 1, 1), True))
    tech, colleague = world.user("acme_tech"), make_user("technician", world.acme)
    elsewhere = issue_certification(tech, other_product.releases[0], today=D(2026, 2, 1))
    colleagues = certify(colleague, orbit, "4.1.0", D(2026, 2, 1))
    certify(tech, orbit, "5.0.0", D(2026, 3, 1))
    for untouched in (elsewhere, colleagues):
        assert untouched.superseded_by_id is None
        assert untouched.expires_on == D(2027, 2, 1)


def _passed_attempt(user, release, *, passed=True):
    from datetime import UTC, datetime, timedelta

    from certification.models import Attempt, Quiz, TrainingSession

    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    session = TrainingSession(
        release_id=release.id,
        title="Training",
        starts_at=start - timedelta(days=1),
        ends_at=start - timedelta(hours=20),
        trainer="Trainer",
    )
    quiz = Quiz(session=session, title="Quiz")
    attempt = Attempt(
        quiz=quiz,
        user_id=user.id,
        partner_id=user.partner_id,
        started_at=start,
        deadline=start + timedelta(minutes=20),
        graded_at=start + timedelta(minutes=10),
        graded_by="submission",
        score=90 if passed else 40,
        passed=passed,
    )
    db.session.add_all([session, quiz, attempt])
    db.session.flush()
    return attempt


def test_a_passed_attempt_earns_one_certification_for_its_quizs_release(world, orbit):
    tech = world.user("acme_tech")
    release = next(r for r in orbit.releases if r.version == "5.0.0")
    attempt = _passed_attempt(tech, release)
    certification = issue_for_passed_attempt(attempt, today=D(2026, 5, 4))
    assert (certification.attempt_id, certification.release_id) == (attempt.id, release.id)
    assert (certification.user_id, certification.partner_id) == (tech.id, world.acme.id)
    assert certification.issued_on == D(2026, 5, 4)
    # Issuing again for the same attempt gives the same certification, nothing new.
    assert issue_for_passed_attempt(attempt, today=D(2026, 5, 5)) is certification
    assert db.session.scalar(select(func.count()).select_from(Certification)) == 1


def test_a_failed_attempt_earns_nothing(world, orbit):
    attempt = _passed_attempt(world.user("acme_tech"), orbit.releases[0], passed=False)
    with pytest.raises(DomainError) as refused:
        issue_for_passed_attempt(attempt, today=D(2026, 5, 4))
    assert refused.value.code == "not_passed"
    assert db.session.scalar(select(func.count()).select_from(Certification)) == 0

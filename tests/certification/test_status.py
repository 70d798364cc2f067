"""The status rule (`certification.status`) around each boundary, in Python and in SQL.

`expires_on` and `lapses_on` are the first day a certification no longer counts: it is
valid through the day before. Whichever comes first decides; revocation wins over both.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from certification.models import Certification
from certification.status import (
    EXPIRING_SOON_DAYS,
    current_clause,
    ends_on,
    is_expiring_soon,
    status_of,
)
from portal.extensions import db
from tests.certification.lifecycle_support import product_with_releases
from tests.factories import make_partner, make_user

D = date
DAY = timedelta(days=1)
EXPIRES = D(2027, 1, 12)
LAPSES = D(2026, 11, 30)
ISSUED = D(2026, 1, 12)


def cert(expires_on=EXPIRES, lapses_on=None, revoked=False, issued_on=ISSUED):
    return Certification(
        issued_on=issued_on,
        expires_on=expires_on,
        lapses_on=lapses_on,
        revoked_at=datetime(2026, 3, 1, tzinfo=UTC) if revoked else None,
        revoked_reason="left the partner" if revoked else None,
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [(EXPIRES - DAY, "valid"), (EXPIRES, "expired"), (EXPIRES + DAY, "expired")],
)
def test_expiry_boundary(today, expected):
    assert status_of(cert(), today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [(LAPSES - DAY, "valid"), (LAPSES, "lapsed"), (LAPSES + DAY, "lapsed")],
)
def test_lapse_boundary_when_the_release_cycle_ends_it_first(today, expected):
    assert status_of(cert(lapses_on=LAPSES), today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [(EXPIRES - DAY, "valid"), (EXPIRES, "expired"), (EXPIRES + DAY, "expired")],
)
def test_expiry_decides_when_it_comes_before_the_lapse(today, expected):
    later_lapse = EXPIRES + 10 * DAY
    assert status_of(cert(lapses_on=later_lapse), today) == expected
    assert status_of(cert(lapses_on=later_lapse), later_lapse + DAY) == "expired"


def test_a_lapse_after_expiry_never_shows():
    assert ends_on(cert(lapses_on=EXPIRES + DAY)) == EXPIRES


def test_on_the_same_day_the_release_cycle_names_the_end():
    assert status_of(cert(lapses_on=EXPIRES), EXPIRES) == "lapsed"
    assert status_of(cert(lapses_on=EXPIRES), EXPIRES - DAY) == "valid"


@pytest.mark.parametrize("today", [D(2026, 1, 12), LAPSES - DAY, LAPSES, EXPIRES + 400 * DAY])
def test_revoked_wins_over_every_date(today):
    assert status_of(cert(lapses_on=LAPSES, revoked=True), today) == "revoked"
    assert not is_expiring_soon(cert(lapses_on=LAPSES, revoked=True), today)


@pytest.mark.parametrize(
    ("days_left", "soon"),
    [
        (EXPIRING_SOON_DAYS + 1, False),
        (EXPIRING_SOON_DAYS, True),
        (EXPIRING_SOON_DAYS - 1, True),
        (1, True),
        (0, False),
    ],
)
def test_expiring_soon_within_30_days_of_the_end(days_left, soon):
    assert EXPIRING_SOON_DAYS == 30
    assert is_expiring_soon(cert(), EXPIRES - days_left * DAY) is soon
    # The end that counts is the earlier one: here the lapse.
    assert is_expiring_soon(cert(lapses_on=LAPSES), LAPSES - days_left * DAY) is soon


def _stored(world_partner, user, product, **dates) -> Certification:
    row = Certification(
        code=f"CODE-{user.id}-{len(dates)}-{id(dates)}"[:40],
        user_id=user.id,
        partner_id=world_partner.id,
        product_id=product.id,
        release_id=product.releases[0].id,
        **dates,
    )
    db.session.add(row)
    return row


def test_the_sql_clause_counts_exactly_the_valid_ones_around_each_boundary(app):
    partner = make_partner()
    user = make_user("technician", partner)
    product = product_with_releases(("1.0", D(2025, 1, 1), True))
    rows = {
        "plain": _stored(partner, user, product, issued_on=D(2026, 1, 12), expires_on=EXPIRES),
        "lapsing": _stored(
            partner, user, product, issued_on=D(2026, 1, 12), expires_on=EXPIRES, lapses_on=LAPSES
        ),
        "revoked": _stored(
            partner,
            user,
            product,
            issued_on=D(2026, 1, 12),
            expires_on=EXPIRES,
            revoked_at=datetime(2026, 3, 1, tzinfo=UTC),
            revoked_reason="reassigned",
        ),
    }
    db.session.flush()
    for today in (LAPSES - DAY, LAPSES, LAPSES + DAY, EXPIRES - DAY, EXPIRES, EXPIRES + DAY):
        counted = set(
            db.session.scalars(select(Certification.id).where(current_clause(today))).all()
        )
        assert counted == {row.id for row in rows.values() if status_of(row, today) == "valid"}, (
            today
        )

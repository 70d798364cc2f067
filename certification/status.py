"""A certification's status: the one place it is computed.

- `revoked` once revoked (the holder left or was reassigned, or a vendor admin revoked it);
- `lapsed` from `lapses_on`: the second major release after the certified one has been out
  for the grace period;
- `expired` from `expires_on`: the end of its validity, or the day a renewal superseded it;
- otherwise `valid`, shown as expiring soon within `EXPIRING_SOON_DAYS` of its end.

Whichever of `lapses_on` and `expires_on` comes first decides between lapsed and expired.
Both are the first day the certification no longer counts: valid through the day before.
`current_clause` is the same rule in SQL, for the queries that count certified technicians.
"""

from datetime import date

from sqlalchemy import and_, case, or_

from certification.models import Certification

STATUSES = ("valid", "expired", "lapsed", "revoked")
EXPIRING_SOON_DAYS = 30


def status_of(certification: Certification, today: date) -> str:
    if certification.revoked_at is not None:
        return "revoked"
    ends = [(certification.expires_on, "expired")]
    if certification.lapses_on is not None:
        ends.append((certification.lapses_on, "lapsed"))
    day, status = min(ends, key=lambda end: (end[0], end[1] != "lapsed"))
    return status if today >= day else "valid"


def ends_on(certification: Certification) -> date:
    """The first day the certification stops counting, revocation aside."""
    if certification.lapses_on is not None:
        return min(certification.expires_on, certification.lapses_on)
    return certification.expires_on


def is_expiring_soon(certification: Certification, today: date) -> bool:
    return (
        status_of(certification, today) == "valid"
        and (ends_on(certification) - today).days <= EXPIRING_SOON_DAYS
    )


def current_clause(today: date):
    """SQL: the certification counts today (valid, including expiring soon)."""
    return and_(
        Certification.revoked_at.is_(None),
        Certification.expires_on > today,
        or_(Certification.lapses_on.is_(None), Certification.lapses_on > today),
    )


def ends_on_expression():
    """SQL: `ends_on`, for ordering and filtering by the day a certification stops counting."""
    return case(
        (
            and_(
                Certification.lapses_on.is_not(None),
                Certification.lapses_on < Certification.expires_on,
            ),
            Certification.lapses_on,
        ),
        else_=Certification.expires_on,
    )

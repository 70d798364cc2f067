"""When a reproduction environment counts: the one place the rule is written.

An environment is current while it is not retired, its release is supported, and it was
attested by the partner (or verified by the vendor) within `ENVIRONMENT_ATTESTATION_DAYS`
(180 by default): attested on day D, it is current through D + 180 and stale from the
day after. `current_environment_clause` is the same rule in SQL.

Compliance is computed "as of" a day. Services pass theirs explicitly; the counters that
`portal.partners.compliance` calls take none, so `as_of` sets the day they read.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, or_

from certification.models import ReproductionEnvironment
from portal.models import Release
from portal.models.base import utcnow

DEFAULT_ATTESTATION_DAYS = 180
ENVIRONMENT_STATES = ("current", "stale", "unsupported", "retired")

_as_of: ContextVar[date | None] = ContextVar("compliance_as_of", default=None)


@contextmanager
def as_of(day: date | None):
    """Compute compliance as of `day` inside the block (today when None)."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def compliance_day() -> date:
    return _as_of.get() or utcnow().date()


def attestation_days() -> int:
    return int(current_app.config.get("ENVIRONMENT_ATTESTATION_DAYS", DEFAULT_ATTESTATION_DAYS))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def last_verified_on(environment: ReproductionEnvironment) -> date:
    """The later of the partner's attestation and the vendor's verification."""
    moments = [environment.attested_at]
    if environment.verified_at is not None:
        moments.append(environment.verified_at)
    return max(moments).astimezone(UTC).date()


def stale_on(environment: ReproductionEnvironment) -> date:
    """The first day the environment is stale unless it is re-attested or verified."""
    return last_verified_on(environment) + timedelta(days=attestation_days() + 1)


def environment_state(environment: ReproductionEnvironment, today: date) -> str:
    if environment.retired_at is not None:
        return "retired"
    if not environment.release.supported:
        return "unsupported"
    if today >= stale_on(environment):
        return "stale"
    return "current"


def fresh_clause(today: date):
    """SQL: attested or verified recently enough, as of `today`."""
    cutoff = _start_of(today - timedelta(days=attestation_days()))
    # Never NULL (a lab never verified has no verified_at), so that NOT works too.
    return or_(
        ReproductionEnvironment.attested_at >= cutoff,
        and_(
            ReproductionEnvironment.verified_at.is_not(None),
            ReproductionEnvironment.verified_at >= cutoff,
        ),
    )


def current_environment_clause(today: date):
    """SQL: the environment counts today. The query must join `Release`."""
    return and_(
        ReproductionEnvironment.retired_at.is_(None),
        Release.supported.is_(True),
        fresh_clause(today),
    )


def state_clause(state: str, today: date):
    """SQL: the environment is in `state` today (one of ENVIRONMENT_STATES). Joins `Release`."""
    not_retired = ReproductionEnvironment.retired_at.is_(None)
    if state == "retired":
        return ReproductionEnvironment.retired_at.is_not(None)
    if state == "unsupported":
        return and_(not_retired, Release.supported.is_(False))
    if state == "stale":
        return and_(not_retired, Release.supported.is_(True), ~fresh_clause(today))
    if state == "current":
        return current_environment_clause(today)
    raise ValueError(f"unknown environment state {state!r}")

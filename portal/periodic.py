"""Time-driven checks that `flask --app app worker` runs on every poll, besides the outbox.

Feature packages register their checks when they load (portal never imports them):

    from portal import periodic

    periodic.register("certification.grade_overdue_attempts", grade_overdue_attempts)

A check takes the current UTC time, does what has come due and returns how many things
it did. Checks must be idempotent and safe with several workers running at once (a rule
in the schema, such as a unique key on each notice sent, or a conditional update), since
every worker runs every check. Each check runs in its own transaction: one that fails is
rolled back and logged without stopping the others.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from portal.extensions import db
from portal.models.base import utcnow

log = logging.getLogger(__name__)

Check = Callable[[datetime], int]
_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def registered() -> dict[str, Check]:
    return dict(_checks)


def run_checks(now: datetime | None = None) -> dict[str, int]:
    """Run every registered check once, committing each; returns what each one did."""
    now = now or utcnow()
    done = {}
    for name, check in _checks.items():
        try:
            done[name] = check(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic check %s failed", name)
            done[name] = 0
    return done

"""Escalations written straight into any state at any moment, for the metric tests.

The gate (escalations.gate) is tested elsewhere; these rows skip it so that a test can
place an escalation in any month, with hand-picked times to triage and to resolve.
"""

from datetime import datetime, timedelta

from escalations.models import Escalation
from portal.extensions import db


def placed(
    esc,
    submitted_at: datetime,
    status: str = "submitted",
    partner: str = "acme",
    *,
    reason: str | None = None,
    triage_hours: float | None = None,
    resolve_hours: float | None = None,
) -> Escalation:
    """An escalation of `partner` submitted at `submitted_at` and now in `status`."""
    world = esc.world
    escalation = Escalation(
        partner=getattr(world, partner),
        customer=getattr(world, f"{partner}_customer"),
        product=world.product,
        release=esc.release,
        environment=esc.environments[partner],
        submitter=world.user(f"{partner}_tech"),
        drafted_by_id=world.user(f"{partner}_tech").id,
        title="Placed",
        severity="S3",
        status=status,
        resumes_to="accepted" if status == "waiting_on_partner" else None,
        rejection_reason=reason if status == "rejected" else None,
        submitted_at=submitted_at,
        first_response_at=(
            submitted_at + timedelta(hours=triage_hours) if triage_hours is not None else None
        ),
        resolved_at=(
            submitted_at + timedelta(hours=resolve_hours) if resolve_hours is not None else None
        ),
    )
    db.session.add(escalation)
    db.session.flush()
    return escalation

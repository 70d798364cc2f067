"""The escalation workflow: which action moves which state, for whom. The one place.

`TRANSITIONS` is the table; `allowed_actions` reads it for pages (which buttons to show)
and `apply_transition` enforces it, audits the move and writes the timeline line.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations import clock
from escalations.models import REJECTION_REASONS, Escalation, EscalationEvent
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow
from portal.roles import PARTNER_ROLES, VENDOR_ADMIN, VENDOR_ENGINEER, VENDOR_ROLES

REOPEN_WINDOW = timedelta(days=14)
ENGINEERS = (VENDOR_ENGINEER, VENDOR_ADMIN)

#: The attributes whose before/after the audit entry of a transition keeps.
AUDITED = ("status", "resumes_to", "rejection_reason", "rejection_article_id", "paused_seconds")


@dataclass(frozen=True)
class Transition:
    roles: tuple[str, ...]
    sources: tuple[str, ...]
    #: The target state; None for `respond`, which returns to `resumes_to`.
    target: str | None
    label: str


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(ENGINEERS, ("submitted",), "accepted", "Accept"),
    "request_info": Transition(
        ENGINEERS, ("submitted", "accepted"), "waiting_on_partner", "Request information"
    ),
    "respond": Transition(PARTNER_ROLES, ("waiting_on_partner",), None, "Respond"),
    "reject": Transition(ENGINEERS, ("submitted", "accepted"), "rejected", "Reject"),
    "resolve": Transition(ENGINEERS, ("accepted",), "resolved", "Resolve"),
    "reopen": Transition(PARTNER_ROLES, ("resolved",), "accepted", "Reopen"),
    "close": Transition(VENDOR_ROLES + PARTNER_ROLES, ("resolved",), "closed", "Close"),
    "withdraw": Transition(
        PARTNER_ROLES, ("submitted", "accepted", "waiting_on_partner"), "withdrawn", "Withdraw"
    ),
}
ACTIONS = tuple(TRANSITIONS)


def _role_may(actor, action: str) -> bool:
    return actor.role in TRANSITIONS[action].roles


def _reopen_expired(escalation: Escalation, now: datetime) -> bool:
    return escalation.resolved_at is None or now - escalation.resolved_at > REOPEN_WINDOW


def allowed_actions(escalation: Escalation, actor, now: datetime | None = None) -> list[str]:
    """The actions `actor` may take on `escalation` now (for the page's buttons)."""
    now = now or utcnow()
    return [
        action
        for action, rule in TRANSITIONS.items()
        if _role_may(actor, action)
        and escalation.status in rule.sources
        and not (action == "reopen" and _reopen_expired(escalation, now))
    ]


def _check(escalation, actor, action, reason, note, now) -> None:
    if action not in TRANSITIONS:
        raise DomainError(
            "unknown_action",
            f"Unknown action. Use one of: {', '.join(ACTIONS)}.",
            fields={"action": "Unknown action."},
        )
    if not _role_may(actor, action):
        raise DomainError("forbidden", "Your role cannot take this action.", status=403)
    rule = TRANSITIONS[action]
    if escalation.status not in rule.sources:
        raise DomainError(
            "invalid_transition",
            f"'{action}' is not possible while the escalation is "
            f"{escalation.status.replace('_', ' ')} (it needs {' or '.join(rule.sources)}).",
            status=409,
        )
    if action == "reopen" and _reopen_expired(escalation, now):
        raise DomainError(
            "reopen_window_passed",
            f"A resolved escalation can be reopened within {REOPEN_WINDOW.days} days of its "
            "resolution; submit a new escalation instead.",
            status=409,
        )
    if action == "reject" and reason not in REJECTION_REASONS:
        raise DomainError(
            "reason_required",
            "A rejection needs one of the reasons: " + ", ".join(REJECTION_REASONS) + ".",
            fields={"reason": "Choose one of " + ", ".join(REJECTION_REASONS) + "."},
        )
    if action == "resolve" and not (note or "").strip():
        raise DomainError(
            "note_required",
            "Say how it was resolved.",
            fields={"note": "Required to resolve."},
        )


def apply_transition(
    escalation: Escalation,
    actor,
    action: str,
    reason: str | None = None,
    note: str | None = None,
    *,
    article=None,
    now: datetime | None = None,
) -> EscalationEvent:
    """Move `escalation` by `action` for `actor`; audit it and add it to the timeline.

    :raises DomainError: `invalid_transition` (409) when the state does not allow it,
        `forbidden` (403) for a role that may not, `reason_required`, `note_required`,
        `reopen_window_passed`.
    """
    now = now or utcnow()
    _check(escalation, actor, action, reason, note, now)
    before = snapshot(escalation, AUDITED)
    source = escalation.status
    rule = TRANSITIONS[action]
    target = escalation.resumes_to if action == "respond" else rule.target

    # The escalation is inconsistent until its status is set (the CHECKs would refuse an
    # early flush), and reading the agreement to resume the clocks would trigger one.
    with db.session.no_autoflush:
        if action == "request_info":
            escalation.resumes_to = source
            clock.pause(escalation, now)
        elif action == "respond" or (action == "withdraw" and source == "waiting_on_partner"):
            escalation.resumes_to = None
            clock.resume(escalation, now)
        if action == "reject":
            escalation.rejection_reason = reason
            escalation.rejection_article_id = article.id if article is not None else None
        if action == "resolve":
            escalation.resolved_at = now
        if action == "reopen":
            escalation.resolved_at = None
        if action in ("close", "reject", "withdraw"):
            escalation.closed_at = now  # it left the queue for good: its clocks stop
        if actor.is_vendor and escalation.first_response_at is None and action != "close":
            escalation.first_response_at = now
        escalation.status = target
        escalation.updated_at = now

    event = EscalationEvent(
        escalation_id=escalation.id,
        kind="transition",
        action=action,
        from_status=source,
        to_status=target,
        actor_id=actor.id,
        note=(note or "").strip(),
        at=now,
    )
    db.session.add(event)
    record_change(
        f"escalation.{action}",
        escalation,
        partner_id=escalation.partner_id,
        actor=actor,
        before=before,
        after=snapshot(escalation, AUDITED),
        summary=f"Escalation #{escalation.id}: {source} -> {target}"
        + (f" ({reason})" if reason and action == "reject" else ""),
    )
    return event

"""Nearly-due and breached SLA warnings, sent by the worker's periodic check, each once.

Each clock of an open escalation (`clock.OPEN`) whose clocks run warns at most twice per
due date: the first response until the vendor first answers, the resolution until it is
resolved.

- `nearly_due` when `clock.NEARLY_DUE` or less is left (as the queue marks it);
- `breached` once the due date has passed (a nearly-due warning the worker missed is not
  sent late: the breach says more).

Waiting on the partner pauses the clocks, and a paused escalation does not warn.

Who hears: the assigned engineer, or every active vendor engineer while nobody (active) is
assigned; a breach also goes to the partner's support manager, or to every active support
manager when the partner has none.

Once: each warning is a `SlaWarning` row, unique per escalation, clock, kind and due date,
inserted (`claims.insert_once`) before its mail is queued, in the same transaction. Of two
workers racing, the database lets one insert it; the other inserts nothing (on PostgreSQL
it waits for the first to commit) and sends nothing.

Re-arming follows the due date. Responding after waiting on the partner moves a clock that
was not yet missed by the time it was stopped, so its warnings re-arm for the new date (a
nearly-due warning sent before the pause goes out again as the new date nears). A date
already missed stays where it was (`clock` never forgives a breach), so a breach is never
announced twice. Reopening does not restart the resolution clock: a reopened escalation
sends, for the same date, only what was not sent yet.

Bounded: per clock and kind, one query reads the open escalations whose due date lies in a
window around now, through an index on (status, due date), at most `BATCH` of them (the rest wait
for the next poll). A breach older than `LATE` that was never announced (no worker ran for
that long) is no longer sent.
"""

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from certification.claims import insert_once
from escalations.clock import NEARLY_DUE, OPEN
from escalations.models import Escalation, _through_escalation
from escalations.notifications import escalation_link
from portal import periodic
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models import Partner, User
from portal.models.base import UTCDateTime, enum_check, utcnow
from portal.roles import SUPPORT_MANAGER, VENDOR_ENGINEER

#: clock -> (its due date, the moment that met it).
CLOCKS = {
    "first_response": (Escalation.first_response_due, Escalation.first_response_at),
    "resolution": (Escalation.resolution_due, Escalation.resolved_at),
}
CLOCK_LABELS = {"first_response": "First response", "resolution": "Resolution"}
KINDS = ("nearly_due", "breached")
#: Escalations warned per run, clock and kind.
BATCH = 200
#: How late a breach may still be announced.
LATE = timedelta(days=7)


# The check's indexes on the escalations: the open states, then a window of due dates
# (SQLite would otherwise read every open escalation through the status index).
Index("ix_escalations_status_first_response_due", Escalation.status, Escalation.first_response_due)
Index("ix_escalations_status_resolution_due", Escalation.status, Escalation.resolution_due)


class SlaWarning(db.Model):
    """A warning sent about one clock of one escalation, for one due date."""

    __tablename__ = "escalation_sla_warnings"
    __table_args__ = (
        enum_check("clock", tuple(CLOCKS)),
        enum_check("kind", KINDS),
        UniqueConstraint(
            "escalation_id", "clock", "kind", "due", name="uq_escalation_sla_warnings_once"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(12))
    #: The due date warned about: a clock that moves re-arms its warnings.
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @classmethod
    def tenant_clause(cls, partner_id):
        return _through_escalation(cls.escalation_id, partner_id)


def send_sla_warnings(now: datetime) -> int:
    """Send every SLA warning that has come due; how many warnings were sent."""
    sent = 0
    recipients = _Recipients()
    for clock in CLOCKS:
        for kind in KINDS:
            for escalation in _candidates(clock, kind, now):
                due = getattr(escalation, CLOCKS[clock][0].key)
                claimed = insert_once(
                    SlaWarning,
                    escalation_id=escalation.id,
                    clock=clock,
                    kind=kind,
                    due=due,
                    sent_at=now,
                )
                if claimed:
                    _mail(escalation, clock, kind, due, recipients.of(escalation, kind))
                    sent += 1
    return sent


def _candidates(clock: str, kind: str, now: datetime) -> list[Escalation]:
    return db.session.scalars(candidates_query(clock, kind, now)).all()


def candidates_query(clock: str, kind: str, now: datetime):
    """The open escalations whose `clock` is due a `kind` warning at `now`, not yet sent."""
    due, met = CLOCKS[clock]
    if kind == "nearly_due":
        window = (due >= now, due <= now + NEARLY_DUE)
    else:
        window = (due < now, due >= now - LATE)
    warned = exists().where(
        SlaWarning.escalation_id == Escalation.id,
        SlaWarning.clock == clock,
        SlaWarning.kind == kind,
        SlaWarning.due == due,
    )
    return (
        select(Escalation)
        .options(
            joinedload(Escalation.partner).joinedload(Partner.support_manager),
            joinedload(Escalation.assignee),
        )
        .where(
            *window,
            Escalation.status.in_(OPEN),
            Escalation.paused_at.is_(None),
            met.is_(None),
            ~warned,
        )
        .order_by(due, Escalation.id)
        .limit(BATCH)
    )


class _Recipients:
    """Who hears about an escalation's clock; the vendor's lists read once per run."""

    def __init__(self):
        self._by_role: dict[str, list[str]] = {}

    def _active(self, role: str) -> list[str]:
        if role not in self._by_role:
            self._by_role[role] = db.session.scalars(
                select(User.email)
                .where(User.role == role, User.status == "active")
                .order_by(User.email)
            ).all()
        return self._by_role[role]

    def of(self, escalation: Escalation, kind: str) -> list[str]:
        assignee = escalation.assignee
        if assignee is not None and assignee.status == "active":
            people = [assignee.email]
        else:
            people = list(self._active(VENDOR_ENGINEER))
        if kind == "breached":
            manager = escalation.partner.support_manager
            if manager is not None and manager.status == "active":
                people.append(manager.email)
            else:
                people.extend(self._active(SUPPORT_MANAGER))
        return list(dict.fromkeys(people))


def _mail(escalation: Escalation, clock: str, kind: str, due: datetime, people) -> None:
    what = "breached" if kind == "breached" else "nearly due"
    subject = (
        f"SLA {what}: {CLOCK_LABELS[clock].lower()} of escalation #{escalation.id} "
        f"({escalation.severity}, {escalation.partner.name})"
    )
    for recipient in people:
        enqueue_mail(
            recipient,
            subject,
            "escalations/mail/sla_warning.txt",
            escalation=escalation,
            clock_label=CLOCK_LABELS[clock],
            breached=kind == "breached",
            due=due,
            link=escalation_link(escalation),
        )


def register() -> None:
    periodic.register("escalations.send_sla_warnings", send_sla_warnings)

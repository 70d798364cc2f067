"""The demo's check-ins: a year of conversations with both partners, recorded through the
services on their day, with actions agreed, some done since and some still open.

Acme meets every 90 days and is on time; Globex was moved to every 60 days and its last
check-in was 75 days ago: its check-in is overdue. Each snapshot is computed from the
data the demo holds (its escalation history included, when seeded before).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.demo_dates import dated
from portal.extensions import db
from portal.management.checkins import (
    ActionInput,
    CheckInInput,
    mark_action_done,
    record_check_in,
    set_cadence,
)
from portal.models import AuditEntry, Partner, User
from portal.models.base import utcnow
from portal.models.checkins import CheckIn, CheckInAction

MANAGER = "manager@vendor.example"


@dataclass
class DemoAction:
    description: str
    owner_side: str
    owner_name: str
    due_in_days: int
    #: Marked done at the next check-in ("next"), from the log some days later (an int),
    #: or left open (None).
    done: str | int | None = None


@dataclass
class DemoCheckIn:
    days_ago: int
    channel: str
    partner_attendees: str
    notes: str
    actions: list[DemoAction] = field(default_factory=list)


ACME = [
    DemoCheckIn(
        350,
        "on_site",
        "Acme Admin, Acme Technician",
        "Kick-off of the year. Escalations are few and well prepared; the 24x7 cover works.\n"
        "Acme plans to add a second certified technician for Orbit Mobile.",
        [
            DemoAction(
                "Certify a second technician on Orbit Mobile", "partner", "Acme Admin", 60, "next"
            ),
            DemoAction("Share the 4.1 upgrade checklist", "vendor", "Max Manager", 14, "next"),
        ],
    ),
    DemoCheckIn(
        260,
        "video",
        "Acme Admin",
        "Two escalations rejected as documented in the KB: the technician had been shown the "
        "article. Agreed to review KB suggestions before submitting.",
        [
            DemoAction(
                "Walk the technicians through the KB suggestions",
                "partner",
                "Acme Admin",
                21,
                "next",
            ),
        ],
    ),
    DemoCheckIn(
        170,
        "video",
        "Acme Admin, Acme Technician",
        "Unwarranted rate back down. Lab upgraded to 4.2 in time for the release.",
        [
            DemoAction("Register the 4.2 reproduction lab", "partner", "Acme Technician", 30, 12),
            DemoAction(
                "Send the partner the 4.2 training dates", "vendor", "Max Manager", 7, "next"
            ),
        ],
    ),
    DemoCheckIn(
        80,
        "phone",
        "Acme Admin",
        "Quarterly call. Volume grew with Northwind's rollout; the terms may need a look at the "
        "next fee report.",
        [
            DemoAction(
                "Review the fee terms against the grown volume", "vendor", "Max Manager", 120
            ),
            DemoAction("Send Northwind's seat count for the year", "partner", "Acme Admin", 30),
        ],
    ),
]

GLOBEX = [
    DemoCheckIn(
        330,
        "video",
        "Globex Admin",
        "Many escalations turn out to be customisations. Globex's technicians reproduce on "
        "their customers' systems, not on the vanilla lab.",
        [
            DemoAction(
                "Reproduce every issue on the vanilla lab first",
                "partner",
                "Globex Admin",
                30,
                "next",
            ),
            DemoAction(
                "Run a reproduction workshop for Globex", "vendor", "Max Manager", 45, "next"
            ),
        ],
    ),
    DemoCheckIn(
        200,
        "on_site",
        "Globex Admin, Globex Technician",
        "Workshop held. The unwarranted rate is still the highest of all partners; moved to "
        "a check-in every 60 days.",
        [
            DemoAction(
                "Replace the certified technician who left", "partner", "Globex Admin", 45, 30
            ),
            DemoAction(
                "Report the customisation cases of the last quarter", "partner", "Globex Admin", 30
            ),
        ],
    ),
    DemoCheckIn(
        75,
        "phone",
        "Globex Admin",
        "Short call: certified technicians below the minimum again. Globex promised a plan.",
        [
            DemoAction("Send a recertification plan", "partner", "Globex Admin", 14),
            DemoAction("Offer seats in the next training session", "vendor", "Max Manager", 21),
        ],
    ),
]


def _dated(moment: datetime):
    """Check-ins and audit entries first written in the block are created at `moment`."""
    return dated(moment, CheckIn, AuditEntry)


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _seed_partner(partner: Partner, manager: User, story: list[DemoCheckIn], today: date):
    later: list[tuple[CheckInAction, datetime]] = []
    carried_next: list[int] = []
    for demo in story:
        held_on = today - timedelta(days=demo.days_ago)
        if partner.slug == "globex" and demo.days_ago == 200:
            with _dated(_at(held_on, 9)):
                set_cadence(partner, 60, actor=manager)
        data = CheckInInput(
            held_on=held_on,
            channel=demo.channel,
            vendor_attendees=manager.name,
            partner_attendees=demo.partner_attendees,
            notes=demo.notes,
            actions=[
                ActionInput(
                    a.description,
                    a.owner_side,
                    a.owner_name,
                    held_on + timedelta(days=a.due_in_days),
                )
                for a in demo.actions
            ],
            done_action_ids=carried_next,
        )
        with _dated(_at(held_on)):
            check_in = record_check_in(partner, data, actor=manager, today=today, now=_at(held_on))
        carried_next = []
        for action, demo_action in zip(check_in.actions, demo.actions, strict=True):
            if demo_action.done == "next":
                carried_next.append(action.id)
            elif isinstance(demo_action.done, int):
                later.append((action, _at(held_on + timedelta(days=demo_action.done), 11)))
        for action, moment in later:
            if moment.date() <= today:
                with _dated(moment):
                    mark_action_done(action, actor=manager, now=moment)
        later = []


def seed_check_ins() -> None:
    """Both demo partners' check-ins over the last year (see the module's docstring)."""
    manager = db.session.scalar(select(User).where(User.email == MANAGER))
    today = utcnow().date()
    for slug, story in (("acme", ACME), ("globex", GLOBEX)):
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        _seed_partner(partner, manager, story, today)

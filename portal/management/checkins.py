"""The check-in log: recording a check-in with a partner, the actions agreed there, and
when the next one is due.

A check-in's next due date is its date plus the partner's cadence. The actions agreed at
one check-in stay open until someone marks them done, at a later check-in (the form lists
every open action of the partner) or from the log. Each check-in keeps the partner's
figures on its date (`portal.management.snapshots`), computed once when it is recorded.

Vendor admins and every partner-support manager record check-ins and change the
cadence (a colleague covers for the assigned manager; the audit log says who did it);
the other roles read the log at most.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.management.snapshots import partner_snapshot
from portal.models import Partner
from portal.models.base import utcnow
from portal.models.checkins import ACTION_OWNERS, CHANNELS, CheckIn, CheckInAction
from portal.roles import SUPPORT_MANAGER, VENDOR_ADMIN

#: Who records check-ins, marks their actions done and sets a partner's cadence.
RECORDER_ROLES = (VENDOR_ADMIN, SUPPORT_MANAGER)
CADENCE_MIN, CADENCE_MAX = 7, 366
#: A check-in is logged within two years of the day it was held.
MAX_AGE_DAYS = 730
#: An action is due within two years of the check-in that agreed it.
MAX_ACTION_DAYS = 730
MAX_ACTIONS = 20
ATTENDEES_MAX = 1000
NOTES_MAX = 20_000
DESCRIPTION_MAX = 300
OWNER_NAME_MAX = 120

CHECK_IN_AUDITED = ("held_on", "channel", "vendor_attendees", "partner_attendees", "next_due_on")


@dataclass
class ActionInput:
    description: str
    owner_side: str
    owner_name: str
    due_on: date | None


@dataclass
class CheckInInput:
    held_on: date | None
    channel: str
    vendor_attendees: str
    partner_attendees: str
    notes: str = ""
    actions: list[ActionInput] = field(default_factory=list)
    #: Open actions of earlier check-ins that this one marks done.
    done_action_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CheckinStatus:
    last_held_on: date | None
    next_due_on: date | None
    overdue: bool
    open_actions: int


def may_record(actor) -> bool:
    return getattr(actor, "role", None) in RECORDER_ROLES


def _require_recorder(actor) -> None:
    if not may_record(actor):
        raise DomainError(
            "forbidden",
            "Only a partner-support manager or a vendor admin records check-ins.",
            status=403,
        )


def _text_problem(value: str, limit: int, required: str | None = None) -> str | None:
    """What is wrong with a text field, if anything."""
    if "\x00" in value:
        return "Contains a character that is not allowed (NUL)."
    if len(value) > limit:
        return f"At most {limit:,} characters."
    if required and not value:
        return required
    return None


def _clean(data: CheckInInput) -> None:
    data.channel = (data.channel or "").strip()
    data.vendor_attendees = (data.vendor_attendees or "").strip()
    data.partner_attendees = (data.partner_attendees or "").strip()
    data.notes = (data.notes or "").strip()
    for action in data.actions:
        action.description = (action.description or "").strip()
        action.owner_side = (action.owner_side or "").strip()
        action.owner_name = (action.owner_name or "").strip()


def _validate(data: CheckInInput, open_ids: set[int], today: date) -> None:
    fields: dict[str, str] = {}
    if data.held_on is None:
        fields["held_on"] = "Say when the check-in was held."
    elif data.held_on > today:
        fields["held_on"] = "A check-in is recorded once held: the date cannot be in the future."
    elif data.held_on < today - timedelta(days=MAX_AGE_DAYS):
        fields["held_on"] = "A check-in is logged within two years of being held."
    if data.channel not in CHANNELS:
        fields["channel"] = "Choose one of: " + ", ".join(CHANNELS) + "."
    for name, who in (("vendor_attendees", "the vendor's"), ("partner_attendees", "the partner's")):
        problem = _text_problem(getattr(data, name), ATTENDEES_MAX, f"Name {who} attendees.")
        if problem:
            fields[name] = problem
    if problem := _text_problem(data.notes, NOTES_MAX):
        fields["notes"] = problem
    if len(data.actions) > MAX_ACTIONS:
        fields["actions"] = f"At most {MAX_ACTIONS} actions per check-in."
    for index, action in enumerate(data.actions[:MAX_ACTIONS]):
        fields.update(
            {f"actions.{index}.{k}": v for k, v in _action_problems(action, data.held_on).items()}
        )
    unknown = set(data.done_action_ids) - open_ids
    if unknown:
        fields["done_action_ids"] = "Only the partner's open actions can be marked done."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)


def _action_problems(action: ActionInput, held_on: date | None) -> dict[str, str]:
    problems = {}
    if problem := _text_problem(action.description, DESCRIPTION_MAX, "Say what was agreed."):
        problems["description"] = problem
    if action.owner_side not in ACTION_OWNERS:
        problems["owner_side"] = "The vendor or the partner."
    if problem := _text_problem(action.owner_name, OWNER_NAME_MAX, "Name who owns it."):
        problems["owner_name"] = problem
    if action.due_on is None:
        problems["due_on"] = "Give a due date."
    elif held_on is not None and action.due_on < held_on:
        problems["due_on"] = "Due on or after the check-in's date."
    elif held_on is not None and action.due_on > held_on + timedelta(days=MAX_ACTION_DAYS):
        problems["due_on"] = "Due within two years of the check-in."
    return problems


def open_actions(partner: Partner) -> list[CheckInAction]:
    """The partner's actions not yet done, oldest due first, with their check-in."""
    return db.session.scalars(
        select(CheckInAction)
        .where(CheckInAction.partner_id == partner.id, CheckInAction.done_at.is_(None))
        .options(selectinload(CheckInAction.check_in))
        .order_by(CheckInAction.due_on, CheckInAction.id)
    ).all()


def record_check_in(
    partner: Partner,
    data: CheckInInput,
    *,
    actor,
    today: date | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record a check-in held with `partner`, its agreed actions, and the earlier actions
    it marks done; take the snapshot of the partner's figures on its date. Audited.

    :raises DomainError: `forbidden` (403) for a role that does not record check-ins,
        `validation_error` with a message per field.
    """
    _require_recorder(actor)
    today = today or utcnow().date()
    _clean(data)
    carried = {action.id: action for action in open_actions(partner)}
    _validate(data, set(carried), today)
    check_in = CheckIn(
        partner_id=partner.id,
        held_on=data.held_on,
        channel=data.channel,
        vendor_attendees=data.vendor_attendees,
        partner_attendees=data.partner_attendees,
        notes=data.notes,
        next_due_on=data.held_on + timedelta(days=partner.checkin_cadence_days),
        snapshot=partner_snapshot(partner, data.held_on),
        recorded_by_id=actor.id,
    )
    db.session.add(check_in)
    db.session.flush()
    for action in data.actions:
        db.session.add(
            CheckInAction(
                check_in_id=check_in.id,
                partner_id=partner.id,
                description=action.description,
                owner_side=action.owner_side,
                owner_name=action.owner_name,
                due_on=action.due_on,
            )
        )
    record_change(
        "check_in.recorded",
        check_in,
        partner_id=partner.id,
        actor=actor,
        after={
            **{name: getattr(check_in, name) for name in CHECK_IN_AUDITED},
            "actions": [a.description for a in data.actions],
        },
        summary=f"Check-in with {partner.name} on {data.held_on.isoformat()} "
        f"({len(data.actions)} action{'s' if len(data.actions) != 1 else ''} agreed)",
    )
    for action_id in sorted(set(data.done_action_ids)):
        _mark_done(carried[action_id], actor=actor, at_check_in=check_in, now=now)
    return check_in


def _mark_done(
    action: CheckInAction, *, actor, at_check_in: CheckIn | None = None, now: datetime | None = None
) -> None:
    done_at = now or utcnow()
    done_in_id = at_check_in.id if at_check_in is not None else None
    # Only while still open: of two people marking it at once, the second is told.
    changed = db.session.execute(
        update(CheckInAction)
        .where(CheckInAction.id == action.id, CheckInAction.done_at.is_(None))
        .values(done_at=done_at, done_by_id=actor.id, done_in_id=done_in_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise DomainError("already_done", "This action was already marked done.", status=409)
    for name, value in (("done_at", done_at), ("done_by_id", actor.id), ("done_in_id", done_in_id)):
        set_committed_value(action, name, value)
    where = f" at the check-in of {at_check_in.held_on.isoformat()}" if at_check_in else ""
    record_change(
        "check_in_action.done",
        action,
        partner_id=action.partner_id,
        actor=actor,
        before={"done_at": None},
        after={"done_at": action.done_at, "done_in_id": action.done_in_id},
        summary=f"Action done{where}: {action.description}",
    )


def mark_action_done(action: CheckInAction, *, actor, now: datetime | None = None) -> None:
    """Mark one open action done (from the log). Audited.

    :raises DomainError: `forbidden` (403), `already_done` (409).
    """
    _require_recorder(actor)
    if action.done_at is not None:
        raise DomainError(
            "already_done",
            f"This action was already marked done on {action.done_at:%Y-%m-%d}.",
            status=409,
        )
    _mark_done(action, actor=actor, now=now)


def set_cadence(partner: Partner, days: int | None, *, actor) -> None:
    """Set the days between check-ins with `partner`; the latest check-in's next due date
    moves with it. Audited.

    :raises DomainError: `forbidden` (403), `validation_error` outside 7 to 366 days.
    """
    _require_recorder(actor)
    if days is None or not CADENCE_MIN <= days <= CADENCE_MAX:
        raise DomainError(
            "validation_error",
            "Some fields are not valid.",
            fields={"days": f"From {CADENCE_MIN} to {CADENCE_MAX} days."},
        )
    if days == partner.checkin_cadence_days:
        return
    latest = latest_check_in(partner)
    before = {"checkin_cadence_days": partner.checkin_cadence_days}
    after = {"checkin_cadence_days": days}
    partner.checkin_cadence_days = days
    if latest is not None:
        before["next_due_on"] = latest.next_due_on
        latest.next_due_on = latest.held_on + timedelta(days=days)
        after["next_due_on"] = latest.next_due_on
    record_change(
        "partner.checkin_cadence_changed",
        partner,
        partner_id=partner.id,
        actor=actor,
        before=before,
        after=after,
        summary=f"{partner.name}: a check-in every {days} days",
    )


def latest_check_in(partner: Partner) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn)
        .where(CheckIn.partner_id == partner.id)
        .order_by(CheckIn.held_on.desc(), CheckIn.id.desc())
        .limit(1)
    )


def first_due_on(partner_since: date, cadence_days: int) -> date:
    """When the first check-in with a partner is due: one cadence after it joined."""
    return partner_since + timedelta(days=cadence_days)


def checkin_status(partner_ids, today: date | None = None) -> dict[int, CheckinStatus]:
    """Each partner's last check-in, when the next is due, whether it is overdue (today is
    past the due date) and how many actions are open: three queries, however many partners
    and check-ins. A partner never met is due one cadence after it joined."""
    today = today or utcnow().date()
    ids = sorted(set(partner_ids))
    if not ids:
        return {}
    partners = db.session.execute(
        select(Partner.id, Partner.created_at, Partner.checkin_cadence_days).where(
            Partner.id.in_(ids)
        )
    ).all()
    ranked = (
        select(
            CheckIn.partner_id,
            CheckIn.held_on,
            CheckIn.next_due_on,
            func.row_number()
            .over(
                partition_by=CheckIn.partner_id,
                order_by=(CheckIn.held_on.desc(), CheckIn.id.desc()),
            )
            .label("rank"),
        )
        .where(CheckIn.partner_id.in_(ids))
        .subquery()
    )
    latest = {
        row.partner_id: row
        for row in db.session.execute(
            select(ranked.c.partner_id, ranked.c.held_on, ranked.c.next_due_on).where(
                ranked.c.rank == 1
            )
        )
    }
    open_counts = dict(
        db.session.execute(
            select(CheckInAction.partner_id, func.count())
            .where(CheckInAction.partner_id.in_(ids), CheckInAction.done_at.is_(None))
            .group_by(CheckInAction.partner_id)
        ).all()
    )
    result = {}
    for partner_id, created_at, cadence in partners:
        row = latest.get(partner_id)
        # Never met: the first check-in is due one cadence after the partner joined.
        next_due = row.next_due_on if row else first_due_on(created_at.date(), cadence)
        result[partner_id] = CheckinStatus(
            last_held_on=row.held_on if row else None,
            next_due_on=next_due,
            overdue=today > next_due,
            open_actions=open_counts.get(partner_id, 0),
        )
    return result


def check_in_log(partner: Partner):
    """The partner's check-ins, latest first, with their actions (a select to paginate)."""
    return (
        select(CheckIn)
        .where(CheckIn.partner_id == partner.id)
        .options(
            selectinload(CheckIn.actions).options(
                selectinload(CheckInAction.done_in), selectinload(CheckInAction.done_by)
            ),
            selectinload(CheckIn.recorded_by),
        )
        .order_by(CheckIn.held_on.desc(), CheckIn.id.desc())
    )

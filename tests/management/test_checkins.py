"""The check-in log's services: recording, carried actions, the cadence, overdue, and who
may do each; on both databases."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.extensions import db
from portal.management.checkins import (
    ActionInput,
    CheckInInput,
    checkin_status,
    mark_action_done,
    open_actions,
    record_check_in,
    set_cadence,
)
from portal.models import AuditEntry, Partner
from portal.models.checkins import CheckIn, CheckInAction
from tests.factories import make_partner, make_user
from tests.support import row_counts

TODAY = date.today()
#: The tables recording a check-in writes; a refusal leaves them as they were.
WRITTEN = ("check_ins", "check_in_actions", "audit_entries", "partners")


def action(description="Recertify two technicians", side="partner", owner="Ann", due=None):
    return ActionInput(description, side, owner, due or TODAY + timedelta(days=30))


def check_in_input(actions=(), done=(), **overrides) -> CheckInInput:
    values = {
        "held_on": TODAY,
        "channel": "video",
        "vendor_attendees": "Max Manager",
        "partner_attendees": "Acme Admin, Acme Technician",
        "notes": "Unwarranted rate up: two customisations escalated.",
        "actions": list(actions),
        "done_action_ids": list(done),
    }
    values.update(overrides)
    return CheckInInput(**values)


def record(world, data=None, partner=None, actor="support_manager", **kwargs):
    check_in = record_check_in(
        partner or world.acme, data or check_in_input(**kwargs), actor=world.user(actor)
    )
    db.session.commit()
    return check_in


def _counts():
    counts = row_counts()
    return {name: counts[name] for name in WRITTEN}


def test_a_check_in_is_recorded_with_its_actions_next_due_date_and_an_audit_entry(world):
    held = TODAY - timedelta(days=3)
    check_in = record(
        world, held_on=held, actions=[action(), action("Send the lab's support bundle", "vendor")]
    )
    db.session.expire_all()
    stored = db.session.get(CheckIn, check_in.id)
    assert stored.partner_id == world.acme.id
    assert stored.next_due_on == held + timedelta(days=90)
    assert stored.recorded_by_id == world.user("support_manager").id
    assert [(a.description, a.owner_side, a.done_at) for a in stored.actions] == [
        ("Recertify two technicians", "partner", None),
        ("Send the lab's support bundle", "vendor", None),
    ]
    assert stored.snapshot["as_of"] == held.isoformat()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_in.recorded"))
    assert entry.partner_id == world.acme.id
    assert entry.object_id == check_in.id
    assert entry.after["held_on"] == held.isoformat()
    assert entry.after["actions"] == ["Recertify two technicians", "Send the lab's support bundle"]


# Who records check-ins, marks actions done and sets the cadence (the service's own rule;
# the pages' truth table is in test_checkins_pages.py).
RECORDERS = {
    "vendor_admin": True,
    "support_manager": True,  # not the partner's assigned manager: colleagues cover
    "assigned_manager": True,
    "vendor_engineer": False,
    "acme_admin": False,
    "acme_tech": False,
    "globex_admin": False,
}


@pytest.mark.parametrize(("who", "allowed"), RECORDERS.items())
def test_who_may_record_a_check_in_mark_an_action_done_and_set_the_cadence(world, who, allowed):
    manager = make_user("support_manager", email="assigned@vendor.example")
    world.acme.support_manager_id = manager.id
    world.users["assigned_manager"] = manager
    existing = record(world, actions=[action()])
    open_action = existing.actions[0]
    before = _counts()
    actor = world.user(who)
    attempts = (
        lambda: record_check_in(world.acme, check_in_input(), actor=actor),
        lambda: mark_action_done(open_action, actor=actor),
        lambda: set_cadence(world.acme, 30, actor=actor),
    )
    for attempt in attempts:
        if allowed:
            attempt()
        else:
            with pytest.raises(DomainError) as refused:
                attempt()
            assert refused.value.status == 403
    db.session.commit()
    if not allowed:
        assert _counts() == before


LONG = "x" * 20_001
BAD_INPUT = {
    "future date": ({"held_on": TODAY + timedelta(days=1)}, "held_on", "future"),
    "no date": ({"held_on": None}, "held_on", "when"),
    "more than two years ago": ({"held_on": TODAY - timedelta(days=731)}, "held_on", "two years"),
    "unknown channel": ({"channel": "pigeon"}, "channel", "Choose"),
    "no vendor attendees": ({"vendor_attendees": "  "}, "vendor_attendees", "vendor's"),
    "no partner attendees": ({"partner_attendees": ""}, "partner_attendees", "partner's"),
    "over-long notes": ({"notes": LONG}, "notes", "At most 20,000"),
    "over-long attendees": ({"partner_attendees": "y" * 1001}, "partner_attendees", "At most"),
    "NUL in notes": ({"notes": "before\x00after"}, "notes", "NUL"),
    "NUL in attendees": ({"vendor_attendees": "Max\x00"}, "vendor_attendees", "NUL"),
    "action without due date": (
        {"actions": [ActionInput("Call back", "vendor", "Max", None)]},
        "actions.0.due_on",
        "due date",
    ),
    "action due before the check-in": (
        {"actions": [action(due=TODAY - timedelta(days=1))]},
        "actions.0.due_on",
        "on or after",
    ),
    "action without a description": (
        {"actions": [action(description=" ")]},
        "actions.0.description",
        "what was agreed",
    ),
    "action without an owner": ({"actions": [action(owner="")]}, "actions.0.owner_name", "who"),
    "action of an unknown side": (
        {"actions": [action(side="customer")]},
        "actions.0.owner_side",
        "vendor or the partner",
    ),
    "over-long action": (
        {"actions": [action(description="z" * 301)]},
        "actions.0.description",
        "At most 300",
    ),
    "NUL in an action": (
        {"actions": [action(), action(owner="A\x00")]},
        "actions.1.owner_name",
        "NUL",
    ),
    "too many actions": ({"actions": [action()] * 21}, "actions", "At most 20"),
}


@pytest.mark.parametrize(("overrides", "field", "words"), BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_is_refused_with_a_message_on_its_field_and_writes_nothing(
    world, overrides, field, words
):
    record(world, actions=[action()])  # an open action, carried: it must stay open
    before = _counts()
    with pytest.raises(DomainError) as refused:
        record_check_in(world.acme, check_in_input(**overrides), actor=world.user("vendor_admin"))
    db.session.rollback()
    assert refused.value.code == "validation_error"
    assert words in refused.value.fields[field]
    assert _counts() == before
    assert len(open_actions(world.acme)) == 1


def test_an_action_of_another_partner_or_one_already_done_cannot_be_marked_done_here(world):
    theirs = record(world, partner=world.globex, actions=[action()]).actions[0]
    done = record(world, actions=[action()]).actions[0]
    mark_action_done(done, actor=world.user("support_manager"))
    db.session.commit()
    before = _counts()
    for action_id in (theirs.id, done.id, 999_999):
        with pytest.raises(DomainError) as refused:
            record_check_in(
                world.acme, check_in_input(done=[action_id]), actor=world.user("vendor_admin")
            )
        db.session.rollback()
        assert "open actions" in refused.value.fields["done_action_ids"]
    assert _counts() == before


def test_open_actions_are_carried_to_the_next_check_in_which_marks_some_done(world):
    first = record(
        world,
        held_on=TODAY - timedelta(days=60),
        actions=[
            action("Recertify", due=TODAY - timedelta(days=30)),
            action("Register a 4.2 lab", due=TODAY),
        ],
    )
    recertify, lab = first.actions
    assert [a.description for a in open_actions(world.acme)] == ["Recertify", "Register a 4.2 lab"]

    second = record(world, held_on=TODAY - timedelta(days=1), done=[recertify.id])
    db.session.expire_all()
    recertify, lab = (
        db.session.get(CheckInAction, recertify.id),
        db.session.get(CheckInAction, lab.id),
    )
    assert recertify.done_in_id == second.id and recertify.done_at is not None
    assert recertify.done_by_id == world.user("support_manager").id
    assert lab.done_at is None
    assert [a.id for a in open_actions(world.acme)] == [lab.id]
    # The second check-in's figures count the two actions open when it began.
    assert second.snapshot["open_actions"] == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "check_in_action.done"))
    assert entry.partner_id == world.acme.id and entry.object_id == recertify.id
    assert entry.after["done_in_id"] == second.id


def test_an_action_is_marked_done_from_the_log_once(world):
    open_action = record(world, actions=[action()]).actions[0]
    mark_action_done(open_action, actor=world.user("vendor_admin"))
    db.session.commit()
    before = _counts()
    with pytest.raises(DomainError) as refused:
        mark_action_done(open_action, actor=world.user("support_manager"))
    db.session.rollback()
    assert (refused.value.code, refused.value.status) == ("already_done", 409)
    assert _counts() == before
    db.session.expire_all()
    stored = db.session.get(CheckInAction, open_action.id)
    assert stored.done_by_id == world.user("vendor_admin").id and stored.done_in_id is None


def test_an_action_marked_done_elsewhere_meanwhile_is_refused_not_marked_twice(world):
    """Two managers at once: the second one's stale object still says open."""
    open_action = record(world, actions=[action()]).actions[0]
    db.session.execute(
        text("UPDATE check_in_actions SET done_at = :now, done_by_id = :who WHERE id = :id"),
        {"now": datetime.now(UTC), "who": world.user("vendor_admin").id, "id": open_action.id},
    )
    assert open_action.done_at is None  # not refreshed
    with pytest.raises(DomainError) as refused:
        mark_action_done(open_action, actor=world.user("support_manager"))
    assert refused.value.code == "already_done"


@pytest.mark.parametrize(("days", "accepted"), [(6, False), (7, True), (366, True), (367, False)])
def test_the_cadence_is_from_7_to_366_days(world, days, accepted):
    if accepted:
        set_cadence(world.acme, days, actor=world.user("support_manager"))
        db.session.commit()
        assert db.session.get(Partner, world.acme.id).checkin_cadence_days == days
        return
    before = _counts()
    with pytest.raises(DomainError) as refused:
        set_cadence(world.acme, days, actor=world.user("support_manager"))
    db.session.rollback()
    assert "From 7 to 366 days" in refused.value.fields["days"]
    assert _counts() == before


def test_the_database_refuses_a_cadence_out_of_range_too(world):
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE partners SET checkin_cadence_days = 400 WHERE id = :id"),
            {"id": world.acme.id},
        )
    db.session.rollback()


def test_changing_the_cadence_moves_the_next_due_date_and_is_audited(world):
    held = TODAY - timedelta(days=10)
    check_in = record(world, held_on=held)
    set_cadence(world.acme, 30, actor=world.user("support_manager"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CheckIn, check_in.id).next_due_on == held + timedelta(days=30)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "partner.checkin_cadence_changed")
    )
    assert entry.partner_id == world.acme.id
    assert entry.before == {
        "checkin_cadence_days": 90,
        "next_due_on": (held + timedelta(days=90)).isoformat(),
    }
    assert entry.after == {
        "checkin_cadence_days": 30,
        "next_due_on": (held + timedelta(days=30)).isoformat(),
    }
    # The next check-in is due one new cadence after it.
    assert record(world).next_due_on == TODAY + timedelta(days=30)


def test_overdue_turns_on_the_day_after_the_next_due_date(world):
    held = TODAY - timedelta(days=200)
    record(world, held_on=held)
    due = held + timedelta(days=90)
    on_the_day = checkin_status([world.acme.id], due)[world.acme.id]
    assert (on_the_day.last_held_on, on_the_day.next_due_on, on_the_day.overdue) == (
        held,
        due,
        False,
    )
    assert checkin_status([world.acme.id], due + timedelta(days=1))[world.acme.id].overdue


def test_the_latest_check_in_decides_even_when_an_older_one_is_logged_after_it(world):
    record(world, held_on=TODAY - timedelta(days=10))
    record(world, held_on=TODAY - timedelta(days=300))  # logged late
    status = checkin_status([world.acme.id], TODAY)[world.acme.id]
    assert status.last_held_on == TODAY - timedelta(days=10)
    assert not status.overdue


def test_a_partner_never_met_is_overdue_once_older_than_its_cadence(world):
    partner = make_partner("newcomer", checkin_cadence_days=30)
    db.session.commit()
    joined = partner.created_at.date()
    status = checkin_status([partner.id], joined + timedelta(days=30))[partner.id]
    assert (status.last_held_on, status.next_due_on, status.overdue) == (
        None,
        joined + timedelta(days=30),
        False,
    )
    assert checkin_status([partner.id], joined + timedelta(days=31))[partner.id].overdue


def test_checkin_status_costs_three_queries_however_many_partners_and_check_ins(
    world, count_queries
):
    quiet = make_partner("quiet")
    busy = make_partner("busy", checkin_cadence_days=14)
    db.session.commit()
    record(world, held_on=TODAY - timedelta(days=100))  # acme: overdue, one open action
    record(world, held_on=TODAY - timedelta(days=20), actions=[action()])
    for days in (40, 10, 3):  # busy: recent, several open actions
        record(world, partner=busy, held_on=TODAY - timedelta(days=days), actions=[action()])
    ids = [world.acme.id, world.globex.id, quiet.id, busy.id]
    db.session.expire_all()
    with count_queries() as counter:
        status = checkin_status(ids, TODAY)
    assert counter.count == 3
    assert {pid: (s.last_held_on, s.overdue, s.open_actions) for pid, s in status.items()} == {
        world.acme.id: (TODAY - timedelta(days=20), False, 1),
        world.globex.id: (None, False, 0),
        quiet.id: (None, False, 0),
        busy.id: (TODAY - timedelta(days=3), False, 3),
    }
    assert status[busy.id].next_due_on == TODAY + timedelta(days=11)

    for n in range(3):  # more partners and check-ins: the same three queries
        extra = make_partner(f"extra-{n}")
        db.session.commit()
        record(world, partner=extra, held_on=TODAY - timedelta(days=95), actions=[action()])
        ids.append(extra.id)
    db.session.expire_all()
    with count_queries() as counter:
        status = checkin_status(ids, TODAY)
    assert counter.count == 3
    assert [status[pid].overdue for pid in ids[-3:]] == [True, True, True]

"""Who attends: signing up and withdrawing, enrolling, removing, attendance; audit and mail.

"Now" is passed to the services (`NOW`); sessions sit before or after it.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from certification.models import TrainingAttendee
from certification.training_attendance import (
    enrol,
    mark_attendance,
    remove_attendee,
    sign_up,
    withdraw,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage
from tests.certification.training_support import NOW, make_session
from tests.factories import make_agreement, make_product, make_user
from tests.support import row_counts

WEEK = timedelta(days=7)


@pytest.fixture
def admin(world):
    return world.user("vendor_admin")


@pytest.fixture
def upcoming(world, admin):
    return make_session(world.product.releases[0], admin, starts_at=NOW + WEEK)


@pytest.fixture
def started(world, admin):
    return make_session(world.product.releases[0], admin, starts_at=NOW - timedelta(hours=1))


def _refusal(action, *args, **kwargs) -> DomainError:
    """The service's refusal; what the test set up is committed first, so that it stays."""
    db.session.commit()
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        action(*args, **kwargs)
    db.session.rollback()
    assert row_counts() == before, "a refused change stored something"
    return refused.value


def _training_mail() -> list[OutboxMessage]:
    """The outbox's training messages (the world's invitations aside)."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.subject.contains("training session"))
        .order_by(OutboxMessage.id)
    ).all()


def _attendees(session) -> list[str]:
    db.session.expire_all()
    return sorted(
        a.user.email
        for a in db.session.scalars(
            select(TrainingAttendee).where(TrainingAttendee.session_id == session.id)
        )
    )


# --- Technicians ---------------------------------------------------------------------------


def test_a_technician_signs_up_and_withdraws_before_the_start(world, upcoming):
    tech = world.user("acme_tech")
    attendee = sign_up(upcoming, tech, now=NOW)
    db.session.commit()
    assert attendee.partner_id == world.acme.id and attendee.enrolled_by_id is None
    assert attendee.attended is None
    assert _attendees(upcoming) == ["tech@acme.example"]
    withdraw(upcoming, tech, now=NOW + WEEK - timedelta(seconds=1))
    db.session.commit()
    assert _attendees(upcoming) == []
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.partner_id == world.acme.id, AuditEntry.action.like("training%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["training_attendee.signed_up", "training_attendee.withdrawn"]


def test_signing_up_twice_is_refused(world, upcoming):
    sign_up(upcoming, world.user("acme_tech"), now=NOW)
    db.session.commit()
    refused = _refusal(sign_up, upcoming, world.user("acme_tech"), now=NOW)
    assert refused.status == 409 and "already signed up" in refused.message


def test_the_schema_keeps_one_place_per_technician_even_if_the_check_is_skipped(world, upcoming):
    from sqlalchemy.exc import IntegrityError

    tech = world.user("acme_tech")
    for _ in range(2):
        db.session.add(
            TrainingAttendee(session_id=upcoming.id, user_id=tech.id, partner_id=tech.partner_id)
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("moment", [WEEK, WEEK + timedelta(hours=1)])
def test_sign_up_and_withdrawal_close_at_the_start(world, upcoming, moment):
    tech = world.user("acme_tech")
    refused = _refusal(sign_up, upcoming, tech, now=NOW + moment)
    assert refused.code == "session_started"
    sign_up(upcoming, tech, now=NOW)
    db.session.commit()
    refused = _refusal(withdraw, upcoming, tech, now=NOW + moment)
    assert refused.code == "session_started"
    assert _attendees(upcoming) == ["tech@acme.example"]


def test_withdrawing_without_a_place_is_refused(world, upcoming):
    assert _refusal(withdraw, upcoming, world.user("acme_tech"), now=NOW).code == "not_attending"


def test_only_products_in_the_partners_agreement_can_be_trained_for(world, admin):
    other = make_product("uncovered")
    session = make_session(other.releases[0], admin, starts_at=NOW + WEEK)
    refused = _refusal(sign_up, session, world.user("acme_tech"), now=NOW)
    assert "agreement does not cover Uncovered" in refused.message


def test_a_product_listed_with_a_minimum_of_zero_can_still_be_trained_for(world, admin):
    optional = make_product("optional")
    make_agreement(
        world.acme,
        admin,
        world.user("acme_admin"),
        minimums={world.product.id: 1, optional.id: 0},
    )
    session = make_session(optional.releases[0], admin, starts_at=NOW + WEEK)
    sign_up(session, world.user("acme_tech"), now=NOW)
    refused = _refusal(sign_up, session, world.user("globex_tech"), now=NOW)
    assert refused.code == "cannot_attend"


@pytest.mark.parametrize("status", ["left", "reassigned"])
def test_a_technician_no_longer_active_cannot_attend(world, admin, upcoming, status):
    tech = make_user("technician", world.acme, status=status)
    assert _refusal(sign_up, upcoming, tech, now=NOW).code == "cannot_attend"
    assert _refusal(enrol, upcoming, tech, actor=admin, now=NOW).code == "cannot_attend"


def test_only_technicians_attend(world, admin, upcoming):
    refused = _refusal(enrol, upcoming, world.user("acme_admin"), actor=admin, now=NOW)
    assert "not a technician" in refused.message


# --- Partner admins ------------------------------------------------------------------------------


def test_a_partner_admin_enrols_its_own_technician_who_is_told(world, upcoming):
    acme_admin = world.user("acme_admin")
    attendee = enrol(upcoming, world.user("acme_tech"), actor=acme_admin, now=NOW)
    db.session.commit()
    assert attendee.enrolled_by_id == acme_admin.id
    [message] = _training_mail()
    assert message.recipient == "tech@acme.example"
    assert "enrolled" in message.subject and upcoming.title in message.subject
    assert f"/training/{upcoming.id}" in message.body
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_attendee.enrolled")
    ).one()
    assert entry.partner_id == world.acme.id and entry.actor_id == acme_admin.id


def test_a_partner_admin_cannot_enrol_another_partners_technician(world, upcoming):
    refused = _refusal(
        enrol, upcoming, world.user("globex_tech"), actor=world.user("acme_admin"), now=NOW
    )
    assert refused.status == 404 and "globex" not in refused.message.lower()


def test_a_partner_admin_enrols_and_removes_only_before_the_start(world, upcoming):
    acme_admin, tech = world.user("acme_admin"), world.user("acme_tech")
    later = NOW + WEEK
    assert _refusal(enrol, upcoming, tech, actor=acme_admin, now=later).code == "session_started"
    attendee = enrol(upcoming, tech, actor=acme_admin, now=NOW)
    db.session.commit()
    refused = _refusal(remove_attendee, attendee, actor=acme_admin, now=later)
    assert refused.code == "session_started"
    remove_attendee(attendee, actor=acme_admin, now=NOW)
    db.session.commit()
    assert _attendees(upcoming) == []


def test_a_partner_admin_cannot_remove_another_partners_attendee(world, upcoming):
    attendee = sign_up(upcoming, world.user("globex_tech"), now=NOW)
    db.session.commit()
    refused = _refusal(remove_attendee, attendee, actor=world.user("acme_admin"), now=NOW)
    assert refused.status == 404
    assert _attendees(upcoming) == ["tech@globex.example"]


def test_a_partner_admin_cannot_enrol_for_an_uncovered_product(world, admin):
    session = make_session(make_product("uncovered").releases[0], admin, starts_at=NOW + WEEK)
    refused = _refusal(
        enrol, session, world.user("acme_tech"), actor=world.user("acme_admin"), now=NOW
    )
    assert refused.code == "cannot_attend"


# --- Vendor admins -------------------------------------------------------------------------


def test_a_vendor_admin_enrols_anyone_at_any_time_whatever_their_agreement(world, admin, started):
    uncovered = make_session(make_product("uncovered").releases[0], admin, starts_at=NOW - WEEK)
    for session in (started, uncovered):
        for who in ("acme_tech", "globex_tech"):
            enrol(session, world.user(who), actor=admin, now=NOW)
    db.session.commit()
    assert _attendees(uncovered) == ["tech@acme.example", "tech@globex.example"]
    # Those of the session under way are told; nobody hears of one that is over.
    assert [m.recipient for m in _training_mail()] == [
        "tech@acme.example",
        "tech@globex.example",
    ]


def test_removal_by_someone_else_is_told_to_the_technician(world, admin, upcoming):
    attendee = sign_up(upcoming, world.user("acme_tech"), now=NOW)
    remove_attendee(attendee, actor=admin, now=NOW)
    db.session.commit()
    [message] = _training_mail()
    assert message.recipient == "tech@acme.example" and "no longer enrolled" in message.subject
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_attendee.removed")
    ).one()
    assert entry.partner_id == world.acme.id and entry.before["user_id"] == attendee.user_id


def test_attendance_is_marked_from_the_start_and_audited(world, admin, upcoming):
    attendee = sign_up(upcoming, world.user("acme_tech"), now=NOW)
    db.session.commit()
    refused = _refusal(
        mark_attendance, attendee, True, actor=admin, now=NOW + WEEK - timedelta(minutes=1)
    )
    assert refused.code == "session_not_started"
    assert mark_attendance(attendee, True, actor=admin, now=NOW + WEEK)
    assert not mark_attendance(attendee, True, actor=admin, now=NOW + WEEK)
    assert mark_attendance(attendee, False, actor=admin, now=NOW + WEEK * 2)
    db.session.commit()
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "training_attendee.attendance_marked")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.before["attended"], e.after["attended"]) for e in entries] == [
        (None, True),
        (True, False),
    ]
    assert {e.partner_id for e in entries} == {world.acme.id}

"""An escalation's SLA clocks: started at submission in the agreement's calendar
(escalations.sla), paused while waiting on the partner, moved on by the pause's service
time on resumption, and never forgiving a breach."""

from datetime import UTC, datetime, timedelta

import pytest

from escalations import clock, sla
from escalations.models import Escalation
from escalations.workflow import apply_transition
from portal.extensions import db
from portal.models import Agreement, SlaTarget
from portal.models.base import utcnow
from tests.escalations.support import escalation_in, reload

BERLIN_HOURS = {
    "coverage": "business_hours",
    "timezone": "Europe/Berlin",
    "business_days": "mon,tue,wed,thu,fri",
    "business_start": "09:00",
    "business_end": "17:00",
    "holiday_country": "DE",
    "holiday_region": "",
    "closed_dates": "",
}


def _agreement(**terms) -> Agreement:
    """An agreement object (never stored): S1 1 h / 8 h, S2 4 h / 3 days of service time."""
    agreement = Agreement(**{**BERLIN_HOURS, **terms})
    agreement.sla_targets = [
        SlaTarget(severity="S1", first_response_minutes=60, resolution_minutes=8 * 60),
        SlaTarget(severity="S2", first_response_minutes=4 * 60, resolution_minutes=3 * 24 * 60),
    ]
    return agreement


def _berlin(text: str) -> datetime:
    """A Berlin wall time in December (UTC+1) as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=1)


def test_submitted_on_christmas_eve_afternoon_the_first_response_is_due_after_the_holidays():
    # Thu 24 Dec 16:00: one hour that day; the 25th and 26th are public holidays in
    # Germany, the 26th and 27th a weekend; three more hours from Mon 28 Dec 09:00.
    escalation = Escalation(severity="S2")
    clock.start(escalation, _agreement(), _berlin("2026-12-24T16:00"))
    assert escalation.first_response_due == _berlin("2026-12-28T12:00")


def test_without_the_holiday_calendar_the_25th_counts():
    escalation = Escalation(severity="S2")
    clock.start(escalation, _agreement(holiday_country=""), _berlin("2026-12-24T16:00"))
    assert escalation.first_response_due == _berlin("2026-12-25T12:00")


def test_under_24x7_the_clock_runs_round_the_clock():
    escalation = Escalation(severity="S1")
    submitted = _berlin("2026-12-26T03:00")  # a Saturday night, a holiday
    clock.start(escalation, _agreement(coverage="24x7"), submitted)
    assert escalation.first_response_due == submitted + timedelta(hours=1)
    assert escalation.resolution_due == submitted + timedelta(hours=8)


def test_a_severity_without_a_target_has_no_due_dates():
    escalation = Escalation(severity="S4")
    clock.start(escalation, _agreement(), _berlin("2026-12-07T10:00"))
    assert escalation.first_response_due is None and escalation.resolution_due is None


def test_waiting_on_the_partner_does_not_count():
    agreement = _agreement()
    escalation = Escalation(severity="S2", paused_seconds=0)
    clock.start(escalation, agreement, _berlin("2026-12-07T10:00"))  # a Monday
    resolution_due = escalation.resolution_due
    escalation.first_response_at = _berlin("2026-12-07T11:00")
    clock.pause(escalation, _berlin("2026-12-07T11:00"))
    state = clock.sla_state(escalation, _berlin("2026-12-20T11:00"))
    assert state["paused"] is True and state["breached"] is False
    clock.resume(escalation, _berlin("2026-12-08T10:00"), agreement)
    # Paused from Mon 11:00 to Tue 10:00: six business hours on Monday, one on Tuesday.
    assert escalation.paused_seconds == 23 * 3600
    calendar = sla.Calendar.from_agreement(agreement)
    assert escalation.resolution_due == sla.add_business_time(calendar, resolution_due, 7 * 3600)
    assert clock.sla_state(escalation, _berlin("2026-12-08T10:00"))["paused"] is False


def test_a_breach_is_not_forgiven_by_a_later_pause():
    agreement = _agreement()
    escalation = Escalation(severity="S1", paused_seconds=0)
    clock.start(escalation, agreement, _berlin("2026-12-07T10:00"))
    assert escalation.resolution_due == _berlin("2026-12-08T10:00")  # 7 h Mon, 1 h Tue
    escalation.first_response_at = _berlin("2026-12-07T10:30")
    clock.pause(escalation, _berlin("2026-12-09T10:00"))
    clock.resume(escalation, _berlin("2026-12-10T10:00"), agreement)
    assert escalation.resolution_due == _berlin("2026-12-08T10:00")
    assert clock.sla_state(escalation, _berlin("2026-12-10T10:00"))["breached"] is True


@pytest.mark.parametrize("coverage", ["business_hours", "24x7"])
def test_submission_starts_the_clocks_in_the_partners_agreement(esc, coverage):
    agreement = esc.world.acme.agreement_in_force
    for name, value in {**BERLIN_HOURS, "coverage": coverage}.items():
        setattr(agreement, name, value)
    db.session.commit()
    before = utcnow()
    escalation = escalation_in(esc, "submitted")
    escalation = reload(escalation)
    target = agreement.sla_for("S2")
    calendar = sla.Calendar.from_agreement(agreement)
    submitted = escalation.submitted_at
    assert before <= submitted <= utcnow()
    assert escalation.first_response_due == sla.add_business_time(
        calendar, submitted, target.first_response_minutes * 60
    )
    assert escalation.resolution_due == sla.add_business_time(
        calendar, submitted, target.resolution_minutes * 60
    )
    if coverage == "24x7":
        assert escalation.first_response_due - submitted == timedelta(
            minutes=target.first_response_minutes
        )


def test_request_info_pauses_and_respond_resumes_through_the_workflow(esc):
    escalation = escalation_in(esc, "accepted")
    due = escalation.resolution_due
    apply_transition(escalation, esc.user("vendor_engineer"), "request_info", note="Logs?")
    db.session.commit()
    escalation = reload(escalation)
    assert escalation.paused_at is not None
    apply_transition(escalation, esc.user("acme_tech"), "respond", note="Attached.")
    db.session.commit()
    escalation = reload(escalation)
    assert escalation.paused_at is None
    assert escalation.resolution_due >= due


def test_the_first_vendor_action_is_the_first_response(esc):
    escalation = escalation_in(esc, "submitted")
    assert escalation.first_response_at is None
    now = utcnow()
    apply_transition(escalation, esc.user("vendor_engineer"), "accept", now=now)
    assert escalation.first_response_at == now


@pytest.mark.parametrize(
    "action, by, extra",
    [
        ("reject", "vendor_engineer", {"reason": "out_of_scope", "note": "Not ours."}),
        ("withdraw", "acme_tech", {}),
    ],
)
def test_an_escalation_ended_unresolved_stops_its_clocks_and_never_breaches_later(
    esc, action, by, extra
):
    escalation = escalation_in(esc, "accepted")
    ended = utcnow()
    apply_transition(escalation, esc.user(by), action, now=ended, **extra)
    db.session.commit()
    escalation = reload(escalation)
    assert escalation.closed_at == ended
    long_after = escalation.resolution_due + timedelta(days=30)
    assert clock.sla_state(escalation, long_after)["breached"] is False
    assert clock.queue_sla(escalation, long_after).state == "none"
    # Ended after its due date had passed: that breach stays.
    escalation.closed_at = escalation.resolution_due + timedelta(minutes=1)
    assert clock.sla_state(escalation, long_after)["breached"] is True

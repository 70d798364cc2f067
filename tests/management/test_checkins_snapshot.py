"""The partner's figures a check-in keeps: computed on hand-counted data, taken once when
the check-in is recorded, and never recomputed; on both databases."""

import json
from datetime import UTC, datetime, time, timedelta

from escalations.workflow import apply_transition
from portal.extensions import db
from portal.management.checkins import ActionInput, CheckInInput, record_check_in
from portal.management.snapshots import partner_snapshot
from portal.models.base import utcnow
from portal.models.checkins import CheckIn
from tests.factories import make_customer, signed_in
from tests.management.rollup_support import placed


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _history(esc, as_of):
    """Acme's escalations around `as_of`: four in its 90-day window, one before, one after."""
    placed(esc, _at(as_of - timedelta(days=95)), "rejected", reason="duplicate")  # before
    placed(esc, _at(as_of - timedelta(days=60)), "rejected", reason="customization")
    placed(esc, _at(as_of - timedelta(days=40)), "rejected", reason="customization")
    placed(esc, _at(as_of - timedelta(days=20)), "resolved", triage_hours=2, resolve_hours=30)
    open_one = placed(esc, _at(as_of - timedelta(days=2)), "accepted", triage_hours=4)
    placed(esc, _at(as_of + timedelta(days=1)), "submitted")  # after
    placed(esc, _at(as_of - timedelta(days=5)), "submitted", partner="globex")  # not acme's
    make_customer(esc.world.acme, "Second customer", seats=300)  # 100 + 300 seats
    db.session.commit()
    return open_one


def test_the_snapshot_holds_the_partners_figures_over_the_90_days_to_its_date(esc):
    as_of = utcnow().date() - timedelta(days=7)
    _history(esc, as_of)
    snapshot = partner_snapshot(esc.world.acme, as_of)
    json.dumps(snapshot)  # stored as JSON
    assert snapshot["as_of"] == as_of.isoformat()
    assert snapshot["window"] == {
        "start": (as_of - timedelta(days=89)).isoformat(),
        "end": as_of.isoformat(),
    }
    assert snapshot["escalations"] == 4
    assert snapshot["unwarranted"] == 2
    assert snapshot["unwarranted_rate"] == "50.0"
    assert snapshot["unwarranted_reasons"] == {"customization": 2}
    assert snapshot["seats"] == 400
    assert snapshot["rate_per_100_seats"] == "1.00"
    # Triage in 2 h and 4 h: the histogram's median lies in the 2h-4h bucket.
    assert 2 * 3600 <= snapshot["median_triage_seconds"] <= 4 * 3600
    # Open at the end of as_of: the accepted one (the resolved one was resolved before).
    assert snapshot["open_escalations"] == 1
    assert snapshot["open_actions"] == 0
    assert snapshot["products"] == [
        {
            "product": esc.world.product.name,
            "certified": 2,
            "minimum": 1,
            "environment_ok": True,
            "compliant": True,
        }
    ]
    assert snapshot["compliant"] is True


def test_a_partner_without_escalations_has_empty_figures_not_errors(world):
    snapshot = partner_snapshot(world.globex, utcnow().date())
    assert (snapshot["escalations"], snapshot["unwarranted_rate"]) == (0, None)
    assert snapshot["median_triage_seconds"] is None
    assert snapshot["unwarranted_reasons"] == {}
    assert snapshot["rate_per_100_seats"] == "0.00"


def test_a_check_in_keeps_its_snapshot_when_the_escalations_change_later(app, esc):
    today = utcnow().date()
    as_of = today - timedelta(days=3)
    open_one = _history(esc, as_of)
    data = CheckInInput(
        held_on=as_of,
        channel="phone",
        vendor_attendees="Max Manager",
        partner_attendees="Acme Admin",
        actions=[ActionInput("Train on vanilla reproduction", "vendor", "Max", today)],
    )
    check_in = record_check_in(esc.world.acme, data, actor=esc.user("support_manager"))
    db.session.commit()
    kept = json.loads(json.dumps(check_in.snapshot))
    assert kept["unwarranted"] == 2 and kept["open_escalations"] == 1

    # Later: the open escalation is rejected, and a new customer arrives.
    apply_transition(open_one, esc.user("vendor_engineer"), "reject", reason="documented_in_kb")
    make_customer(esc.world.acme, "Third customer", seats=600)
    db.session.commit()
    now = partner_snapshot(esc.world.acme, as_of)
    assert now["unwarranted"] == 3 and now["seats"] == 1000  # the figures did move
    assert now["open_escalations"] == 1  # rejected after as_of: still open on that day

    # Reading the log shows the figures as they were, and leaves them so.
    client = signed_in(app, esc.user("support_manager"))
    html = client.get(f"/partners/{esc.world.acme.id}/check-ins").get_data(as_text=True)
    assert "2 (50.0 %)" in html and "60.0 %" not in html
    db.session.expire_all()
    assert db.session.get(CheckIn, check_in.id).snapshot == kept

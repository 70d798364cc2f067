"""The demo's check-ins: a year of them for both partners, actions done and open, snapshots
taken as of their dates, and Globex's check-in overdue."""

from datetime import timedelta

from sqlalchemy import select

from portal.demo import seed_demo
from portal.extensions import db
from portal.management.checkins import checkin_status
from portal.models import AuditEntry, Partner
from portal.models.base import utcnow
from portal.models.checkins import CheckIn, CheckInAction
from tests.support import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY


def test_the_demo_holds_a_year_of_check_ins_with_one_partner_overdue(app):
    seed_demo()
    today = utcnow().date()
    partners = {p.slug: p for p in db.session.scalars(select(Partner))}
    status = checkin_status([p.id for p in partners.values()], today)
    assert not status[partners["acme"].id].overdue
    assert status[partners["globex"].id].overdue
    assert partners["globex"].checkin_cadence_days == 60

    for partner in partners.values():
        check_ins = db.session.scalars(
            select(CheckIn).where(CheckIn.partner_id == partner.id).order_by(CheckIn.held_on)
        ).all()
        assert len(check_ins) >= 3
        assert today - timedelta(days=366) <= check_ins[0].held_on
        for check_in in check_ins:
            assert check_in.snapshot["as_of"] == check_in.held_on.isoformat()
            assert check_in.created_at.date() == check_in.held_on
        actions = db.session.scalars(
            select(CheckInAction).where(CheckInAction.partner_id == partner.id)
        ).all()
        done = [a for a in actions if a.done_at is not None]
        assert done and len(done) < len(actions)
        assert any(a.done_in_id for a in done) and any(a.done_in_id is None for a in done)
        assert all(a.done_at.date() <= today for a in done)
        entries = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.partner_id == partner.id, AuditEntry.action == "check_in.recorded"
            )
        ).all()
        assert len(entries) == len(check_ins)
    # The snapshots count what the demo holds: Acme's escalations in the latest window.
    latest = db.session.scalar(
        select(CheckIn)
        .where(CheckIn.partner_id == partners["acme"].id)
        .order_by(CheckIn.held_on.desc())
    )
    assert latest.snapshot["escalations"] >= 1

"""The worker's certification notices: 30 days before the end, and on the day it ends; each
once, even with two workers sweeping at the same moment; delivered over real SMTP."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from certification import notices as notices_module
from certification.models import CertificationNotice
from certification.notices import send_certification_notices
from portal.extensions import db
from portal.mail import deliver_due
from portal.models import OutboxMessage
from portal.periodic import registered, run_checks
from tests.certification.compliance_support import TODAY, at, certification
from tests.factories import make_user
from tests.mail.conftest import SmtpServer, free_port


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer(free_port())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_S", 2)
    monkeypatch.setitem(app.config, "MAIL_USE_STARTTLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    yield server.start()
    server.stop()


def notice_mail() -> list[OutboxMessage]:
    """The notices' mail (the agreements' and compliance's aside)."""
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.subject.contains("certification"))
        .order_by(OutboxMessage.id)
    ).all()


def ending_in(world, days: int, **kwargs):
    return certification(
        world.user("acme_tech"),
        world.product,
        issued_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=days),
        **kwargs,
    )


def test_the_checks_are_registered_with_the_worker(app):
    assert "certification.send_certification_notices" in registered()
    assert "certification.sweep_compliance" in registered()


@pytest.mark.parametrize(("days", "sent"), [(31, False), (30, True), (29, True), (1, True)])
def test_the_expiring_notice_goes_30_days_before_the_end(world, days, sent):
    ending_in(world, days)
    assert send_certification_notices(at(TODAY)) == (1 if sent else 0)
    assert len(notice_mail()) == (2 if sent else 0)


def test_the_holder_and_the_partner_admin_are_told_once(world):
    holder = world.user("acme_tech")
    ends = TODAY + timedelta(days=30)
    ending_in(world, 30)

    send_certification_notices(at(TODAY))
    send_certification_notices(at(TODAY + timedelta(days=1)))
    db.session.commit()

    to_holder, to_admin = sorted(notice_mail(), key=lambda m: m.recipient != holder.email)
    assert to_holder.recipient == holder.email
    assert to_holder.subject == f"Your Orbit certification expires on {ends.isoformat()}"
    assert "pass the quiz of a current Orbit training before then" in to_holder.body
    assert to_admin.recipient == "admin@acme.example"
    assert f"{holder.name} ({holder.email}), Orbit" in to_admin.body
    assert f"expires on {ends.isoformat()}" in to_admin.body
    assert "admin@globex.example" not in {m.recipient for m in notice_mail()}


def test_a_lapse_coming_first_is_announced_as_a_lapse(world):
    lapses = TODAY + timedelta(days=10)
    certification(world.user("acme_tech"), world.product, lapses_on=lapses)
    send_certification_notices(at(TODAY))
    subjects = {m.subject for m in notice_mail()}
    assert f"Your Orbit certification lapses on {lapses.isoformat()}" in subjects


def test_an_ended_certification_is_announced_on_the_day_as_expired_or_lapsed(world):
    expired = ending_in(world, 0)
    other = world.user("globex_tech")
    lapsed = certification(other, world.product, lapses_on=TODAY - timedelta(days=2))

    assert send_certification_notices(at(TODAY)) == 2
    assert send_certification_notices(at(TODAY)) == 0

    kinds = dict(
        db.session.execute(
            select(CertificationNotice.certification_id, CertificationNotice.kind)
        ).all()
    )
    assert kinds == {expired.id: "expired", lapsed.id: "lapsed"}
    subjects = {m.subject for m in notice_mail()}
    assert "Your Orbit certification has expired" in subjects
    assert "Your Orbit certification has lapsed" in subjects


def test_an_old_ending_is_not_announced_late(world):
    ending_in(world, -8)
    assert send_certification_notices(at(TODAY)) == 0


def test_no_notice_for_what_no_longer_matters(world):
    revoked = ending_in(world, 10)
    revoked.revoked_at, revoked.revoked_reason = at(TODAY), "left"
    renewed = certification(
        world.user("globex_tech"), world.product, expires_on=TODAY + timedelta(days=5)
    )
    renewed.superseded_by_id = certification(world.user("globex_tech"), world.product).id
    gone = certification(
        make_user("technician", world.acme, status="left"),
        world.product,
        expires_on=TODAY + timedelta(days=5),
    )
    db.session.flush()
    assert gone.user.status == "left"

    assert send_certification_notices(at(TODAY)) == 0
    assert notice_mail() == []


def test_two_workers_at_once_send_each_notice_once(app, world):
    """Both select the same due certifications before either claims one."""
    ending_in(world, 20)
    certification(world.user("globex_tech"), world.product, expires_on=TODAY + timedelta(days=3))
    db.session.commit()
    both_selected = threading.Barrier(2, timeout=20)
    real_expiring = notices_module._expiring

    def expiring_then_wait(today):
        found = real_expiring(today)
        both_selected.wait()
        return found

    done, errors = [], []

    def worker():
        try:
            with app.app_context():
                done.append(run_checks(at(TODAY))["certification.send_certification_notices"])
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            both_selected.abort()

    notices_module._expiring = expiring_then_wait
    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        notices_module._expiring = real_expiring

    assert errors == []
    assert sorted(done) in ([0, 2], [1, 1])  # each notice claimed by one worker
    assert db.session.scalar(select(func.count()).select_from(CertificationNotice)) == 2
    recipients = sorted(m.recipient for m in notice_mail())
    assert recipients == sorted(
        ["tech@acme.example", "admin@acme.example", "tech@globex.example", "admin@globex.example"]
    )


def test_the_notice_reaches_a_real_smtp_server_once(app, world, smtp):
    ending_in(world, 15)
    db.session.commit()

    run_checks(at(TODAY))
    run_checks(at(TODAY))
    deliver_due(now=at(TODAY) + timedelta(days=1))
    deliver_due(now=at(TODAY) + timedelta(days=1))

    received = [m for m in smtp.mailbox.messages if "certification" in m["Subject"]]
    assert sorted(m["To"] for m in received) == ["admin@acme.example", "tech@acme.example"]
    holder = next(m for m in received if m["To"] == "tech@acme.example")
    assert "expires on" in holder["Subject"]
    assert "Verification code:" in holder.get_content()

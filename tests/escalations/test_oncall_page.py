"""The on-call page (mail/oncall_page.txt to VENDOR_ONCALL_EMAIL) goes out for an S1 under a
24x7 agreement and never otherwise: every severity under every coverage, written out."""

import pytest
from sqlalchemy import select

from escalations import notifications, services
from portal.extensions import db
from portal.models.outbox import OutboxMessage
from tests.escalations.support import service_input

ONCALL = "oncall@vendor.example"

#: (coverage, severity) -> paged. Written from DESIGN.md: "only S1 under a 24x7 agreement
#: pages the vendor out of hours".
PAGED = {
    ("24x7", "S1"): True,
    ("24x7", "S2"): False,
    ("24x7", "S3"): False,
    ("24x7", "S4"): False,
    ("business_hours", "S1"): False,
    ("business_hours", "S2"): False,
    ("business_hours", "S3"): False,
    ("business_hours", "S4"): False,
}


def pages() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == ONCALL)).all()


@pytest.mark.parametrize(("coverage", "severity"), PAGED)
def test_only_an_s1_under_24x7_pages_on_call(app, esc, monkeypatch, coverage, severity):
    monkeypatch.setitem(app.config, "VENDOR_ONCALL_EMAIL", ONCALL)
    esc.world.acme.agreement_in_force.coverage = coverage
    db.session.commit()
    data = service_input(esc, severity=severity, business_impact="Production is down.")
    escalation = services.submit_escalation(esc.user("acme_tech"), data)
    db.session.commit()

    sent = pages()
    assert bool(sent) is PAGED[(coverage, severity)]
    if sent:
        (page,) = sent
        assert page.subject == f"PAGE S1 Acme: {escalation.title}"
        assert "Business impact: Production is down." in page.body


def test_a_saved_draft_pages_nobody_and_its_submission_pages_once(app, esc, monkeypatch):
    monkeypatch.setitem(app.config, "VENDOR_ONCALL_EMAIL", ONCALL)
    esc.world.acme.agreement_in_force.coverage = "24x7"
    data = service_input(esc, severity="S1", business_impact="Production is down.")
    draft = services.save_draft(esc.user("acme_newbie"), data)
    db.session.commit()
    assert pages() == []
    services.submit_escalation(esc.user("acme_colleague"), data, draft=draft)
    db.session.commit()
    assert len(pages()) == 1


def test_without_an_on_call_address_or_an_agreement_nobody_is_paged(app, esc, monkeypatch):
    esc.world.acme.agreement_in_force.coverage = "24x7"
    monkeypatch.setitem(app.config, "VENDOR_ONCALL_EMAIL", "")
    data = service_input(esc, severity="S1", business_impact="Production is down.")
    escalation = services.submit_escalation(esc.user("acme_tech"), data)
    monkeypatch.setitem(app.config, "VENDOR_ONCALL_EMAIL", ONCALL)
    notifications.submitted(escalation, None)  # no agreement in force: no 24x7 promise
    db.session.commit()
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert subjects and not [s for s in subjects if s.startswith("PAGE")]

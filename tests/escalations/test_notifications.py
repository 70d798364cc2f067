"""Who is told about an escalation, through the outbox: engineers on a new S1 or S2, the
on-call address only for an S1 under a 24x7 agreement, the partner on status changes."""

import pytest
from sqlalchemy import select

from escalations import services
from escalations.workflow import apply_transition
from portal.extensions import db
from portal.models.outbox import OutboxMessage
from tests.escalations.support import escalation_in, service_input

ONCALL = "oncall@vendor.example"


def _recipients() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(OutboxMessage.recipient)))


@pytest.mark.parametrize(
    ("coverage", "severity", "paged"),
    [
        ("24x7", "S1", True),
        ("24x7", "S2", False),
        ("business_hours", "S1", False),
        ("business_hours", "S3", False),
    ],
)
def test_only_an_s1_under_24x7_pages_the_on_call_address(
    app, esc, monkeypatch, coverage, severity, paged
):
    monkeypatch.setitem(app.config, "VENDOR_ONCALL_EMAIL", ONCALL)
    esc.world.acme.agreement_in_force.coverage = coverage
    db.session.commit()
    data = service_input(esc, severity=severity, business_impact="Production is down.")
    services.submit_escalation(esc.user("acme_tech"), data)
    db.session.commit()
    recipients = _recipients()
    assert (ONCALL in recipients) is paged
    engineers_told = "engineer@vendor.example" in recipients
    assert engineers_told is (severity in ("S1", "S2"))


def test_the_partner_hears_of_every_status_change(esc):
    escalation = escalation_in(esc, "submitted")
    before = _recipients()
    apply_transition(escalation, esc.user("vendor_engineer"), "accept")
    services.transition(escalation, esc.user("vendor_engineer"), "request_info", note="Logs?")
    db.session.commit()
    told = _recipients()
    for address in before:
        told.remove(address)
    # The service tells the submitter and the partner admin; apply_transition alone does not.
    assert told == ["admin@acme.example", "tech@acme.example"]

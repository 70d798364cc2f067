"""Live compliance: verdicts per product stored once, their changes audited and announced
once, the tier following."""

from datetime import timedelta

from sqlalchemy import select

from certification.compliance import refresh_partner
from certification.models import ComplianceState
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage
from tests.certification.compliance_support import TODAY, certification, environment


def _states(partner):
    return dict(
        db.session.execute(
            select(ComplianceState.product_id, ComplianceState.compliant).where(
                ComplianceState.partner_id == partner.id
            )
        ).all()
    )


def _mail_to(address):
    """Compliance mail sent to `address` (the agreement's own mail aside)."""
    return db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient == address, OutboxMessage.subject.contains("complian")
        )
    ).all()


def test_compliant_partner_is_stored_compliant_quietly_and_becomes_certified(world):
    certification(world.user("acme_tech"), world.product)
    environment(world.acme, world.product)

    changes = refresh_partner(world.acme, today=TODAY)

    assert changes == []
    assert _states(world.acme) == {world.product.id: True}
    assert world.acme.tier == "certified"
    assert _mail_to("admin@acme.example") == []


def test_falling_out_mails_admin_and_manager_once_with_what_must_happen(world):
    world.acme.support_manager = world.user("support_manager")
    holder = world.user("acme_tech")
    certification(
        holder,
        world.product,
        issued_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=1),
    )
    environment(world.acme, world.product)
    refresh_partner(world.acme, today=TODAY)
    assert world.acme.tier == "certified"

    later = TODAY + timedelta(days=1)
    changes = refresh_partner(world.acme, today=later)
    again = refresh_partner(world.acme, today=later)

    assert [c.compliant for c in changes] == [False]
    assert again == []
    assert world.acme.tier == "registered"
    for address in ("admin@acme.example", "manager@vendor.example"):
        (mail,) = _mail_to(address)
        assert "out of compliance" in mail.subject
        assert "0 of 1 certified technicians" in mail.body
        assert f"Recertify {holder.name}" in mail.body
        assert "expired on " + later.isoformat() in mail.body
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "compliance.lost" in actions and "partner.tier_changed" in actions

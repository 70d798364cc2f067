"""The audit log is append-only and records who changed what, before and after."""

import pytest

from portal.audit import record_change
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.audit import AuditLogIsAppendOnly
from portal.partners.services import PartnerInput, save_partner


def test_partner_change_records_actor_before_and_after(world):
    admin = world.user("vendor_admin")
    save_partner(
        PartnerInput(name="Acme", slug="acme", region="APAC", status="suspended"),
        world.acme,
        actor=admin,
    )
    db.session.commit()
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "partner.suspended")
    ).one()
    assert entry.actor_id == admin.id and entry.partner_id == world.acme.id
    changed = {name: (before, after) for name, before, after in entry.changes}
    assert changed["status"] == ("active", "suspended")
    assert changed["region"] == ("EMEA", "APAC")


def test_entries_cannot_be_updated_or_deleted(world):
    entry = record_change("test.event", world.acme, partner_id=world.acme.id, actor=None)
    db.session.commit()
    entry.summary = "rewritten history"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).summary == ""

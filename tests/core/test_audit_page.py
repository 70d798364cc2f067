"""The audit log page: vendor admins read every entry; a partner admin reads its own
partner's, including what vendor staff changed there, and nothing of another partner."""

from portal.extensions import db
from portal.partners.services import save_customer
from tests.factories import signed_in


def _changes_by_vendor(world):
    admin = world.user("vendor_admin")
    save_customer(world.acme, "Acme Renamed Customer", 10, world.acme_customer, actor=admin)
    save_customer(world.globex, "Globex Secret Customer", 20, world.globex_customer, actor=admin)
    db.session.commit()


def test_partner_admin_reads_its_own_partners_entries_only(app, world):
    _changes_by_vendor(world)
    html = signed_in(app, world.user("acme_admin")).get("/audit/").get_data(as_text=True)
    assert "Acme Renamed Customer" in html
    assert "admin@vendor.example" in html  # what the vendor changed is visible to the partner
    assert "Globex" not in html


def test_vendor_admin_reads_every_partners_entries(app, world):
    _changes_by_vendor(world)
    html = signed_in(app, world.user("vendor_admin")).get("/audit/").get_data(as_text=True)
    assert "Acme Renamed Customer" in html and "Globex Secret Customer" in html


def test_technicians_and_other_vendor_roles_may_not_read_the_log(app, world):
    for who in ("acme_tech", "support_manager", "vendor_engineer"):
        assert signed_in(app, world.user(who)).get("/audit/").status_code == 403

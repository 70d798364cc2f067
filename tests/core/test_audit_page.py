"""The audit log page: vendor admins read every entry; a partner admin reads its own
partner's, including what vendor staff changed there, and nothing of another partner, in
the entries or in the filters' choices."""

import re

import pytest

from portal.extensions import db
from portal.models import AuditEntry
from portal.partners.services import save_customer
from portal.users.services import UserInput, update_user
from tests.factories import make_user, signed_in


def _changes_by_vendor(world):
    admin = world.user("vendor_admin")
    save_customer(world.acme, "Acme Renamed Customer", 10, world.acme_customer, actor=admin)
    save_customer(world.globex, "Globex Secret Customer", 20, world.globex_customer, actor=admin)
    db.session.commit()


def _page(app, who, world, query=""):
    response = signed_in(app, world.user(who)).get("/audit/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _options(html: str, select_name: str) -> str:
    """The markup of one filter's <select>, options and groups."""
    match = re.search(rf'<select[^>]*name="{select_name}".*?</select>', html, re.S)
    assert match, f"no {select_name} filter"
    return match.group(0)


def test_partner_admin_reads_its_own_partners_entries_only(app, world):
    _changes_by_vendor(world)
    html = _page(app, "acme_admin", world)
    assert "Acme Renamed Customer" in html
    # What the vendor changed is visible to the partner, and says who did it.
    assert world.user("vendor_admin").name in html and "Vendor admin" in html
    assert "Globex" not in html


def test_vendor_admin_reads_every_partners_entries(app, world):
    _changes_by_vendor(world)
    html = _page(app, "vendor_admin", world)
    assert "Acme Renamed Customer" in html and "Globex Secret Customer" in html


@pytest.mark.parametrize("who", ["acme_tech", "support_manager", "vendor_engineer", "globex_tech"])
def test_technicians_and_other_vendor_roles_may_not_read_the_log(app, world, who):
    assert signed_in(app, world.user(who)).get("/audit/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_partner_admins_filter_choices_list_nothing_of_another_partner(app, world):
    _changes_by_vendor(world)
    # Someone of Globex changes Globex's data; a vendor engineer acts only on Globex.
    globex_admin, engineer = world.user("globex_admin"), world.user("vendor_engineer")
    save_customer(world.globex, "Globex Second", 5, actor=globex_admin)
    save_customer(world.globex, "Globex Third", 5, actor=engineer)
    db.session.commit()
    html = _page(app, "acme_admin", world)
    actors = _options(html, "actor")
    assert world.user("vendor_admin").name in actors  # acted on Acme's records
    assert world.user("acme_admin").name in actors  # accepted Acme's agreement
    assert globex_admin.name not in actors and engineer.name not in actors
    assert "Globex" not in actors
    # Partner admins filter only what concerns a partner: no products, releases, articles,
    # and no partner filter at all.
    kinds = _options(html, "type")
    assert "Customer" in kinds and "Product" not in kinds and "article" not in kinds
    assert "Article created" not in _options(html, "action")
    assert 'name="partner"' not in html


def test_someone_who_moved_to_another_partner_is_not_listed_to_the_first(app, world):
    """Their past changes stay in Acme's log (as recorded), but they are Globex's now."""
    mover = make_user("partner_admin", world.acme, name="Morgan Mover")
    save_customer(world.acme, "Moved Customer", 1, actor=mover)
    update_user(
        mover,
        UserInput(
            email=mover.email, name=mover.name, role="partner_admin", partner_id=world.globex.id
        ),
        actor=world.user("vendor_admin"),
    )
    db.session.commit()
    acme_html = _page(app, "acme_admin", world)
    assert "Moved Customer" in acme_html
    assert "Morgan Mover" not in _options(acme_html, "actor")
    # Globex's admin reads the move, without the name of the partner it came from.
    globex_html = _page(app, "globex_admin", world)
    assert "Morgan Mover" in globex_html and "another partner" in globex_html
    assert "Acme" not in globex_html


def test_partner_admin_cannot_reach_another_partners_entries_through_the_filters(app, world):
    _changes_by_vendor(world)
    globex_admin = world.user("globex_admin")
    html = _page(
        app,
        "acme_admin",
        world,
        f"?actor={globex_admin.id}&partner={world.globex.id}&type=Customer",
    )
    assert "Choose someone from the list." in html
    assert "Globex" not in html
    assert "Acme Renamed Customer" in html  # the refused filter is ignored, the rest applies


def test_partner_admin_sees_no_vendor_only_entries(app, world):
    from portal.products.services import save_product

    save_product("Nebula", "nebula", actor=world.user("vendor_admin"))
    db.session.commit()
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "product.created"))
    assert "Nebula" not in _page(app, "acme_admin", world)
    assert "Nebula" not in _page(app, "acme_admin", world, "?type=Product")
    assert "Nebula" in _page(app, "vendor_admin", world, "?type=Product")


def test_vendor_admin_filters_by_partner_and_sees_everyone_who_acted(app, world):
    _changes_by_vendor(world)
    html = _page(app, "vendor_admin", world, f"?partner={world.globex.id}")
    assert "Globex Secret Customer" in html and "Acme Renamed Customer" not in html
    actors = _options(html, "actor")
    assert world.user("acme_admin").name in actors and world.user("globex_admin").name in actors

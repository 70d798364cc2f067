"""Tiers follow compliance (audited); the discount each tier earns is the vendor admin's."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from certification.compliance import refresh_partner
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from portal.partners import compliance
from portal.partners.discounts import discount_for, set_tier_discounts, tier_discounts
from tests.certification.compliance_support import TODAY, certification, environment
from tests.factories import make_product, signed_in
from tests.support import row_counts


def tier_changes(partner) -> list[tuple[str, str]]:
    return [
        (entry.before["tier"], entry.after["tier"])
        for entry in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "partner.tier_changed", AuditEntry.partner_id == partner.id)
            .order_by(AuditEntry.id)
        )
    ]


def test_the_tier_rises_and_falls_with_compliance_and_each_change_is_audited(world):
    holder = world.user("acme_tech")
    certification(holder, world.product)
    lab = environment(world.acme, world.product)
    refresh_partner(world.acme, today=TODAY)
    lab.retired_at = lab.attested_at
    refresh_partner(world.acme, today=TODAY)
    refresh_partner(world.acme, today=TODAY)

    assert tier_changes(world.acme) == [("registered", "certified"), ("certified", "registered")]
    assert tier_changes(world.globex) == []


def test_every_product_of_the_agreement_must_comply(world):
    from tests.factories import make_agreement

    other = make_product("beacon")
    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        minimums={world.product.id: 1, other.id: 1},
    )
    certification(world.user("acme_tech"), world.product)
    environment(world.acme, world.product)
    refresh_partner(world.acme, today=TODAY)
    assert world.acme.tier == "registered"

    certification(world.user("acme_tech"), other)
    environment(world.acme, other)
    refresh_partner(world.acme, today=TODAY)
    assert world.acme.tier == "certified"


def test_premier_needs_compliance_and_the_escalation_quality_half(world):
    saved = dict(compliance._providers)
    try:
        compliance.register_providers(premier_quality=lambda partner_id: True)
        refresh_partner(world.acme, today=TODAY)
        assert world.acme.tier == "registered"  # quality alone is not enough
        certification(world.user("acme_tech"), world.product)
        environment(world.acme, world.product)
        refresh_partner(world.acme, today=TODAY)
        assert world.acme.tier == "premier"
    finally:
        compliance._providers.clear()
        compliance._providers.update(saved)


# --- Discounts -------------------------------------------------------------------------------


def test_no_discount_until_one_is_set(app):
    assert tier_discounts() == {
        "registered": Decimal("0.00"),
        "certified": Decimal("0.00"),
        "premier": Decimal("0.00"),
    }


def test_setting_discounts_audits_each_change(world):
    admin = world.user("vendor_admin")
    changed = set_tier_discounts(
        {"registered": "0", "certified": "5", "premier": "12.50"}, actor=admin
    )
    assert changed == ["certified", "premier"]
    assert discount_for("premier") == Decimal("12.50")
    assert set_tier_discounts({"certified": "5.00"}, actor=admin) == []
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "tier_discount.changed")
    ).all()
    assert sorted(
        (e.after["tier"], e.before["discount_percent"], e.after["discount_percent"])
        for e in entries
    ) == [
        ("certified", "0.00", "5.00"),
        ("premier", "0.00", "12.50"),
    ]


@pytest.mark.parametrize("value", ["-1", "100.01", "12.345", "abc", "", "NaN", "Infinity", "1e3"])
def test_a_bad_discount_is_refused_and_nothing_changes(world, value):
    db.session.commit()
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        set_tier_discounts({"certified": "3", "premier": value}, actor=world.user("vendor_admin"))
    assert set(refused.value.fields) == {"premier"}
    db.session.rollback()
    assert row_counts() == before


@pytest.mark.parametrize("value", ["0", "100", "99.99", "7.5"])
def test_the_range_is_0_to_100_with_two_decimals(world, value):
    set_tier_discounts({"premier": value}, actor=world.user("vendor_admin"))
    db.session.commit()
    assert tier_discounts()["premier"] == Decimal(value)


def _page(client):
    response = client.get("/admin/tier-discounts")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_vendor_admin_sets_discounts_on_the_page(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    html, token = _page(client)
    assert 'id="premier"' in html and 'value="0.00"' in html
    response = client.post(
        "/admin/tier-discounts",
        data={"csrf_token": token, "registered": "0", "certified": "5", "premier": "10,5"},
    )
    assert response.status_code == 302
    assert tier_discounts()["premier"] == Decimal("10.50")


def test_the_page_shows_errors_next_to_their_field_and_saves_nothing(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    _, token = _page(client)
    before = row_counts()
    response = client.post(
        "/admin/tier-discounts",
        data={"csrf_token": token, "registered": "0", "certified": "150", "premier": ""},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "From 0 to 100." in html and "Enter a percentage from 0 to 100." in html
    assert row_counts() == before


# Who sees the discount beside the tier (fees are the vendor's and the partner admin's).
DISCOUNT_SHOWN = {
    "vendor_admin": True,
    "support_manager": True,
    "vendor_engineer": True,
    "acme_admin": True,
    "acme_tech": False,
}


@pytest.mark.parametrize("principal", DISCOUNT_SHOWN)
def test_the_partner_page_shows_the_tier_with_its_discount(app, world, principal):
    set_tier_discounts({"registered": "2.5"}, actor=world.user("vendor_admin"))
    db.session.commit()
    client = signed_in(app, world.user(principal))
    html = client.get(f"/partners/{world.acme.id}").get_data(as_text=True)
    assert ("2.50 % fee discount" in html) is DISCOUNT_SHOWN[principal]
    if principal in ("acme_admin", "acme_tech"):
        home = client.get("/").get_data(as_text=True)
        assert ("2.50 % fee discount" in home) is DISCOUNT_SHOWN[principal]

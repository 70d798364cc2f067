"""The onboarding checklist flips item by item as the data changes; only the partner's own
admin confirms its procedures; the home page shows the checklist until it is complete."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from certification.certifications import issue_certification
from certification.environments import EnvironmentInput, register_environment
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry, CheckIn, Partner, User
from portal.models.base import utcnow
from portal.partners.blueprint import agreement_history_options
from portal.partners.onboarding import checklist_for, checklists, confirm_procedures
from tests.escalations.support import latest_release
from tests.factories import (
    Browser,
    make_agreement,
    make_customer,
    make_partner,
    make_product,
    make_user,
    signed_in,
)


def _done(partner) -> dict[str, bool]:
    db.session.expire_all()
    return {item.key: item.done for item in checklist_for(partner).items}


def _sign_everyone_in(partner) -> None:
    db.session.execute(
        update(User).where(User.partner_id == partner.id).values(last_login_at=utcnow())
    )
    db.session.commit()


def _lab(world, partner):
    release = latest_release(world.product)
    register_environment(
        partner,
        EnvironmentInput(
            release_id=release.id,
            name="Lab",
            operating_system="Debian 12",
            database="PostgreSQL 15",
            product_build=release.version,
            notes="",
            attested=True,
        ),
        actor=world.user(f"{partner.slug}_admin"),
    )
    db.session.commit()


def test_a_new_partner_starts_with_nothing_done(world):
    newcomer = make_partner("newcomer")
    db.session.commit()
    assert _done(newcomer) == dict.fromkeys(
        ("people", "agreement", "environment", "certified", "check_in", "procedures"), False
    )
    assert checklist_for(newcomer).item("people").detail == "No partner admin yet"


def test_people_needs_an_admin_a_technician_and_everyone_signed_in(world):
    acme = world.acme
    assert _done(acme)["people"] is False
    assert checklist_for(acme).item("people").detail == "2 not signed in yet"
    _sign_everyone_in(acme)
    assert _done(acme)["people"] is True
    make_user("technician", acme, email="late@acme.example")
    db.session.commit()
    assert _done(acme)["people"] is False
    # Someone who left does not hold the partner back.
    db.session.execute(update(User).where(User.email == "late@acme.example").values(status="left"))
    db.session.commit()
    assert _done(acme)["people"] is True


def test_agreement_environment_certified_each_flip_on_their_own(world):
    acme = world.acme
    before = _done(acme)
    assert (before["agreement"], before["environment"], before["certified"]) == (
        True,
        False,
        False,
    )
    _lab(world, acme)
    after_lab = _done(acme)
    assert (after_lab["environment"], after_lab["certified"]) == (True, False)
    assert (
        checklist_for(acme).item("certified").detail
        == f"Below the minimum for {world.product.name}"
    )
    issue_certification(
        world.user("acme_tech"), latest_release(world.product), today=utcnow().date() - timedelta(1)
    )
    db.session.commit()
    assert _done(acme)["certified"] is True


def test_check_in_and_procedures(world):
    acme = world.acme
    assert _done(acme)["check_in"] is False
    db.session.add(
        CheckIn(
            partner_id=acme.id,
            held_on=utcnow().date(),
            channel="video",
            next_due_on=utcnow().date() + timedelta(days=90),
        )
    )
    db.session.commit()
    assert _done(acme)["check_in"] is True

    assert _done(acme)["procedures"] is False
    confirm_procedures(acme, world.user("acme_admin"))
    db.session.commit()
    assert _done(acme)["procedures"] is True
    entry = db.session.query(AuditEntry).filter_by(action="agreement.procedures_confirmed").one()
    assert (entry.partner_id, entry.actor_id) == (acme.id, world.user("acme_admin").id)


@pytest.mark.parametrize("who", ["acme_tech", "globex_admin", "vendor_admin", "support_manager"])
def test_only_the_partners_admin_confirms_its_procedures(world, who):
    with pytest.raises(DomainError) as refused:
        confirm_procedures(world.acme, world.user(who))
    assert refused.value.status == 403
    assert _done(world.acme)["procedures"] is False


# Route x principal -> status, written by hand.
CONFIRM_ACCESS = [
    ("acme_admin", 302, True),
    ("acme_tech", 403, False),
    ("globex_admin", 404, False),
    ("vendor_admin", 403, False),
    ("support_manager", 403, False),
    ("vendor_engineer", 403, False),
]


@pytest.mark.parametrize(("who", "status", "confirmed"), CONFIRM_ACCESS)
def test_the_confirmation_route(app, world, who, status, confirmed):
    client = Browser(signed_in(app, world.user(who)))
    response = client.post(f"/partners/{world.acme.id}/onboarding/procedures")
    assert response.status_code == status
    assert _done(world.acme)["procedures"] is confirmed


def test_the_home_page_shows_the_checklist_until_it_is_complete(app, world):
    acme = world.acme
    admin = signed_in(app, world.user("acme_admin"))
    page = admin.get("/").get_data(as_text=True)
    assert "Getting started" in page
    assert 'data-item="agreement" data-done="yes"' in page
    assert 'data-item="procedures" data-done="no"' in page
    assert "I have read our responsibilities" in page
    # The technician's home has no checklist: it is the admin's to complete.
    assert "Getting started" not in signed_in(app, world.user("acme_tech")).get("/").get_data(
        as_text=True
    )

    _sign_everyone_in(acme)
    _lab(world, acme)
    issue_certification(
        world.user("acme_tech"), latest_release(world.product), today=utcnow().date()
    )
    db.session.add(
        CheckIn(
            partner_id=acme.id,
            held_on=utcnow().date(),
            channel="phone",
            next_due_on=utcnow().date() + timedelta(days=90),
        )
    )
    db.session.commit()
    confirmed = Browser(admin).post(f"/partners/{acme.id}/onboarding/procedures")
    assert confirmed.status_code == 302
    assert "Getting started" not in admin.get("/").get_data(as_text=True)


def _partner_with_history(n: int):
    partner = make_partner(f"p{n}")
    admin = make_user("partner_admin", partner, email=f"admin@p{n}.example")
    make_user("technician", partner, email=f"tech@p{n}.example")
    make_customer(partner, f"Customer {n}")
    return partner, admin


def test_checklists_of_many_partners_take_a_fixed_number_of_queries(world, count_queries):
    vendor = world.user("vendor_admin")

    def measure() -> int:
        db.session.expire_all()
        partners = db.session.scalars(
            select(Partner).options(agreement_history_options()).order_by(Partner.id)
        ).all()
        with count_queries() as counter:
            found = checklists(partners)
        assert len(found) == len(partners)
        return counter.count

    small = measure()
    for n in range(3):
        partner, admin = _partner_with_history(n)
        product = make_product(f"extra{n}")
        make_agreement(partner, vendor, admin, minimums={product.id: 1 + n})
    db.session.commit()
    assert measure() == small

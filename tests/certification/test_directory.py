"""The public partner directory: only certified and premier partners, with what they are
certified on, filtered, sorted, paged, in a fixed number of queries."""

import re
from datetime import timedelta

import pytest

from certification.compliance import refresh_partner
from portal.extensions import db
from tests.certification.compliance_support import TODAY, certification, environment
from tests.factories import make_agreement, make_partner, make_product, make_user


def listed(client, query="") -> list[str]:
    response = client.get(f"/directory{query}")
    assert response.status_code == 200
    return re.findall(r'<tr data-partner="([a-z0-9-]+)"', response.get_data(as_text=True))


def make_compliant(world, partner, product, technicians=1, region="EMEA"):
    partner.region = region
    for _ in range(technicians):
        certification(make_user("technician", partner), product)
    environment(partner, product)
    refresh_partner(partner, today=TODAY)


@pytest.fixture
def directory_world(world):
    make_compliant(world, world.acme, world.product, technicians=2)
    db.session.commit()
    return world


def test_anyone_sees_certified_partners_but_never_a_registered_one(client, directory_world):
    world = directory_world
    assert world.acme.tier == "certified" and world.globex.tier == "registered"
    html = client.get("/directory").get_data(as_text=True)
    assert listed(client) == ["acme"]
    assert "Globex" not in html
    for query in (
        "?tier=registered",
        f"?product={world.product.id}",
        "?region=EMEA",
        "?sort=technicians",
    ):
        assert "globex" not in listed(client, query)


def test_an_entry_says_region_tier_products_and_certified_technicians(client, directory_world):
    world = directory_world
    other = make_product("beacon")
    # A certified technician on beacon but no lab: acme is not certified on beacon.
    certification(make_user("technician", world.acme), other)
    # One who left: not counted.
    leaver = make_user("technician", world.acme, status="left")
    certification(leaver, world.product)
    db.session.commit()
    html = client.get("/directory").get_data(as_text=True)
    row = html[html.index('data-partner="acme"') :].split("</tr>")[0]
    assert "EMEA" in row and ">certified<" in row
    assert "Orbit" in row and "Beacon" not in row
    assert row.rstrip().endswith('<td data-label="Certified technicians" class="text-end">3</td>')


def test_a_suspended_partner_is_never_listed(client, directory_world):
    directory_world.acme.status = "suspended"
    db.session.commit()
    assert listed(client) == []


def test_the_directory_follows_the_same_events_as_compliance(client, directory_world):
    world = directory_world
    for user in world.acme.users:
        if user.role == "technician":
            from certification.revocation import revoke_on_departure

            revoke_on_departure(user, "left", today=TODAY)
    db.session.commit()
    assert listed(client) == []


def test_filters_and_sorting(client, world):
    make_compliant(world, world.acme, world.product, technicians=1, region="EMEA")
    make_compliant(world, world.globex, world.product, technicians=3, region="APAC")
    beacon = make_product("beacon")
    initech = make_partner("initech")
    make_agreement(
        initech,
        world.user("vendor_admin"),
        make_user("partner_admin", initech),
        minimums={beacon.id: 1},
    )
    make_compliant(world, initech, beacon, technicians=2, region="APAC")
    initech.tier = "premier"  # as the escalation-quality half would make it
    db.session.commit()

    assert listed(client) == ["initech", "acme", "globex"]  # premier first, then by name
    assert listed(client, "?sort=technicians&dir=desc") == ["globex", "initech", "acme"]
    assert listed(client, "?sort=name") == ["acme", "globex", "initech"]
    assert listed(client, "?region=APAC") == ["initech", "globex"]
    assert listed(client, f"?product={beacon.id}") == ["initech"]
    assert listed(client, "?tier=certified") == ["acme", "globex"]
    assert listed(client, "?tier=premier&region=EMEA") == []
    # Nonsense filters read as none; no error.
    assert len(listed(client, "?tier=bogus&product=abc&sort=x&dir=y&page=-4")) == 3


def test_a_certification_expiring_takes_its_technician_off_the_count(client, world):
    holder = make_user("technician", world.acme)
    certification(holder, world.product, expires_on=TODAY + timedelta(days=1))
    certification(make_user("technician", world.acme), world.product)
    environment(world.acme, world.product)
    refresh_partner(world.acme, today=TODAY)
    db.session.commit()
    html = client.get("/directory").get_data(as_text=True)
    assert 'class="text-end">2</td>' in html


def _add_certified_partners(world, n: int, start: int) -> None:
    """n certified partners, each with its own product, technician, release and lab."""
    for i in range(start, start + n):
        partner = make_partner(f"dir-{i}")
        product = make_product(f"dir-product-{i}", releases=(f"{i}.0.0",))
        make_agreement(
            partner,
            world.user("vendor_admin"),
            make_user("partner_admin", partner),
            minimums={product.id: 1},
        )
        make_compliant(world, partner, product)


def test_a_page_runs_the_same_queries_for_2_or_12_partners(app, world, count_queries):
    _add_certified_partners(world, 2, 0)
    db.session.commit()
    client = app.test_client()

    def queries(expected: int) -> int:
        with count_queries() as counter:
            assert len(listed(client)) == expected
        return counter.count

    two = queries(2)
    _add_certified_partners(world, 10, 2)
    db.session.commit()
    assert queries(12) == two

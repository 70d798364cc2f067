"""Partners on the API: the tenant rule, the detail with agreement and compliance, paging."""

import re

import pytest

from portal.extensions import db
from portal.users.services import set_status
from tests.factories import bearer, make_customer, make_partner, make_user
from tests.support import api_error

VENDOR_ROLES = ("vendor_admin", "support_manager", "vendor_engineer")
PARTNER_USERS = ("acme_admin", "acme_tech")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _get(client, user, path, **params):
    return client.get(path, headers=bearer(user), query_string=params)


@pytest.mark.parametrize("key", PARTNER_USERS)
def test_partner_user_lists_only_its_own_partner(client, world, key):
    body = _get(client, world.user(key), "/api/v1/partners").get_json()
    assert [p["slug"] for p in body["items"]] == ["acme"]
    assert body["total"] == 1


@pytest.mark.parametrize("key", VENDOR_ROLES)
def test_vendor_roles_list_every_partner(client, world, key):
    body = _get(client, world.user(key), "/api/v1/partners").get_json()
    assert [p["slug"] for p in body["items"]] == ["acme", "globex"]
    item = body["items"][0]
    assert item == {
        "id": world.acme.id,
        "slug": "acme",
        "name": "Acme",
        "status": "active",
        "tier": item["tier"],
        "compliant": False,
    }


@pytest.mark.parametrize("key", PARTNER_USERS)
@pytest.mark.parametrize("suffix", ["", "/technicians", "/customers"])
def test_other_partners_objects_are_404_never_403(client, world, key, suffix):
    user = world.user(key)
    api_error(_get(client, user, f"/api/v1/partners/{world.globex.id}{suffix}"), 404, "not_found")
    assert _get(client, user, f"/api/v1/partners/{world.acme.id}{suffix}").status_code == 200


@pytest.mark.parametrize("key", VENDOR_ROLES)
@pytest.mark.parametrize("suffix", ["", "/technicians", "/customers"])
def test_vendor_roles_see_any_partners_objects(client, world, key, suffix):
    response = _get(client, world.user(key), f"/api/v1/partners/{world.globex.id}{suffix}")
    assert response.status_code == 200


def test_partner_detail_has_agreement_and_compliance(client, world):
    body = _get(client, world.user("acme_admin"), f"/api/v1/partners/{world.acme.id}").get_json()
    assert body["slug"] == "acme" and body["compliant"] is False
    agreement = body["agreement"]
    assert agreement["status"] == "in_force" and agreement["version"] == 1
    assert ISO_UTC.match(agreement["in_force_from"]), agreement["in_force_from"]
    assert agreement["minimums"] == {"orbit": 1}
    assert body["compliance"] == [
        {
            "product": "orbit",
            "certified_active": 0,
            "minimum": 1,
            "environment_ok": False,
            "compliant": False,
        }
    ]


def test_partner_without_agreement_has_none(client, world):
    newcomer = make_partner("initech")
    db.session.commit()
    body = _get(client, world.user("vendor_admin"), f"/api/v1/partners/{newcomer.id}").get_json()
    assert body["agreement"] is None and body["compliance"] == []


def test_technicians_are_the_partners_own_with_certifications(client, world):
    leaver = make_user("technician", world.acme, email="leaver@acme.example", name="Leaver")
    set_status(leaver, "left")
    db.session.commit()
    body = _get(
        client, world.user("acme_admin"), f"/api/v1/partners/{world.acme.id}/technicians"
    ).get_json()
    assert {t["email"]: t["status"] for t in body["items"]} == {
        "tech@acme.example": "active",
        "leaver@acme.example": "left",
    }
    for technician in body["items"]:
        assert set(technician) == {"id", "email", "name", "status", "certifications"}
        assert technician["certifications"] == []


def test_customers_are_the_partners_own(client, world):
    make_customer(world.acme, "Acme Second", seats=7)
    db.session.commit()
    body = _get(
        client, world.user("acme_tech"), f"/api/v1/partners/{world.acme.id}/customers"
    ).get_json()
    assert [(c["name"], c["seats"]) for c in body["items"]] == [
        ("Acme Customer", 100),
        ("Acme Second", 7),
    ]
    assert all(set(c) == {"id", "name", "seats"} for c in body["items"])


# --- Paging -------------------------------------------------------------------------


@pytest.fixture
def seven_partners(world):
    for n in range(5):
        make_partner(f"p{n}")
    db.session.commit()
    return world.user("support_manager")


def test_list_is_an_envelope_with_defaults(client, seven_partners):
    body = _get(client, seven_partners, "/api/v1/partners").get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (1, 50, 7, 7)


def test_pages_cover_the_list_once(client, seven_partners):
    seen = []
    for page in (1, 2, 3, 4):
        body = _get(client, seven_partners, "/api/v1/partners", page=page, per_page=2).get_json()
        assert (body["page"], body["per_page"], body["total"]) == (page, 2, 7)
        seen += [p["slug"] for p in body["items"]]
    assert len(seen) == 7 and len(set(seen)) == 7
    beyond = _get(client, seven_partners, "/api/v1/partners", page=9, per_page=2).get_json()
    assert beyond["items"] == [] and beyond["total"] == 7


def test_per_page_may_reach_200(client, seven_partners):
    assert _get(client, seven_partners, "/api/v1/partners", per_page=200).status_code == 200


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"per_page": 201}, {"per_page"}),
        ({"per_page": 0}, {"per_page"}),
        ({"per_page": "ten"}, {"per_page"}),
        ({"page": 0}, {"page"}),
        ({"page": -1}, {"page"}),
        ({"page": "2.5"}, {"page"}),
        ({"page": "x", "per_page": 1000}, {"page", "per_page"}),
        # Found by fuzzing (schemathesis): an OFFSET past 64 bits was a 500.
        ({"page": "367399327219692230595793692898885632"}, {"page"}),
    ],
)
def test_bad_paging_values_are_a_400_naming_the_parameter(client, seven_partners, params, bad):
    error = api_error(_get(client, seven_partners, "/api/v1/partners", **params), 400)
    assert set(error["fields"]) == bad


def test_partner_list_query_count_does_not_grow_with_partners(world, client, count_queries):
    from tests.factories import make_agreement

    headers = bearer(world.user("vendor_admin"))
    client.get("/api/v1/partners", headers=headers)  # the first call records token use
    with count_queries() as few:
        assert client.get("/api/v1/partners", headers=headers).status_code == 200
    for _ in range(6):
        partner = make_partner()
        make_agreement(
            partner,
            world.user("vendor_admin"),
            make_user("partner_admin", partner),
            minimums={world.product.id: 2},
        )
    db.session.commit()
    with count_queries() as many:
        body = client.get("/api/v1/partners", headers=headers).get_json()
    assert body["total"] == 8
    assert many.count == few.count

"""GET /api/v1/products: every signed-in role reads the catalogue with its releases."""

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Release
from tests.factories import bearer, make_product
from tests.support import api_error

ROLES = ("vendor_admin", "support_manager", "vendor_engineer", "acme_admin", "acme_tech")


@pytest.mark.parametrize("key", ROLES)
def test_every_role_reads_products_with_releases(client, world, key):
    body = client.get("/api/v1/products", headers=bearer(world.user(key))).get_json()
    assert body["total"] == 1 and body["page"] == 1
    (product,) = body["items"]
    assert product == {
        "id": world.product.id,
        "slug": "orbit",
        "name": "Orbit",
        "releases": [
            {"version": "4.1.0", "released_on": "2025-02-01", "major": False, "supported": True},
            {"version": "4.0.0", "released_on": "2025-01-01", "major": True, "supported": True},
        ],
    }


def test_releases_are_newest_first_and_unsupported_ones_are_flagged(client, world):
    db.session.add(
        Release(
            product=world.product,
            version="3.9.0",
            released_on=date(2024, 6, 1),
            major=False,
            supported=False,
        )
    )
    db.session.commit()
    body = client.get("/api/v1/products", headers=bearer(world.user("acme_tech"))).get_json()
    releases = body["items"][0]["releases"]
    assert [r["version"] for r in releases] == ["4.1.0", "4.0.0", "3.9.0"]
    assert releases[-1]["supported"] is False


def test_products_are_paged(client, world):
    make_product("zeta", releases=())
    make_product("alpha", releases=())
    db.session.commit()
    body = client.get(
        "/api/v1/products", headers=bearer(world.user("acme_tech")), query_string={"per_page": 2}
    ).get_json()
    assert body["total"] == 3 and body["per_page"] == 2
    assert [p["slug"] for p in body["items"]] == ["alpha", "orbit"]


def test_products_need_a_token(client, world):
    api_error(client.get("/api/v1/products"), 401)

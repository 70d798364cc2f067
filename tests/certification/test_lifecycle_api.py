"""Technicians' certifications in `GET /api/v1/partners/{id}/technicians` (API.md)."""

from datetime import date, timedelta

from certification.revocation import revoke_certification
from portal.extensions import db
from portal.models.base import utcnow
from tests.certification.lifecycle_support import certify, product_with_releases
from tests.factories import bearer, make_user


def _technicians(client, partner_id, headers, **params):
    response = client.get(
        f"/api/v1/partners/{partner_id}/technicians", headers=headers, query_string=params
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["email"]: item for item in response.get_json()["items"]}


def test_each_technician_lists_their_standing_certifications(client, world):
    today = utcnow().date()
    mobile = product_with_releases(("2.0.0", date(2025, 5, 5), True), name="Orbit Mobile")
    tech = world.user("acme_tech")
    certify(tech, world.product, "4.0.0", today - timedelta(days=40))
    renewed = certify(tech, world.product, "4.1.0", today - timedelta(days=10))
    on_mobile = certify(tech, mobile, "2.0.0", today - timedelta(days=5))
    revoke_certification(on_mobile, "Policy", actor=world.user("vendor_admin"), today=today)
    db.session.commit()
    items = _technicians(client, world.acme.id, bearer(world.user("acme_admin")))
    # By product name: "Orbit", then "Orbit Mobile"; the renewed 4.0.0 is history.
    assert items["tech@acme.example"]["certifications"] == [
        {
            "product": "orbit",
            "release": "4.1.0",
            "expires_on": renewed.expires_on.isoformat(),
            "status": "valid",
        },
        {
            "product": mobile.slug,
            "release": "2.0.0",
            "expires_on": on_mobile.expires_on.isoformat(),
            "status": "revoked",
        },
    ]
    assert all(
        item["certifications"] == []
        for email, item in items.items()
        if email != "tech@acme.example"
    )


def test_a_technician_moved_to_another_partner_does_not_bring_the_old_partners_records(
    client, world
):
    tech = world.user("acme_tech")
    certify(tech, world.product, "4.0.0", utcnow().date())
    tech.partner_id = world.globex.id
    db.session.commit()
    items = _technicians(client, world.globex.id, bearer(world.user("globex_admin")))
    assert items["tech@acme.example"]["certifications"] == []


def test_the_list_runs_the_same_queries_for_2_or_12_technicians_with_their_own_rows(
    client, world, count_queries
):
    """Each technician has their own products and releases: nothing the identity map could
    answer for the next row."""
    today = utcnow().date()
    headers = bearer(world.user("vendor_admin"))

    def add(n: int) -> None:
        product = product_with_releases(
            (f"{n}.0.0", date(2025, 1, 1), True), (f"{n}.1.0", date(2025, 6, 1), False)
        )
        tech = make_user("technician", world.acme, name=f"Tech {n:02d}")
        certify(tech, product, f"{n}.1.0", today)
        certify(tech, world.product, "4.0.0" if n % 2 else "4.1.0", today)

    def queries(expected: int) -> int:
        db.session.commit()
        with count_queries() as counter:
            items = _technicians(client, world.acme.id, headers, per_page=50)
        assert len(items) == expected
        assert all(
            len(item["certifications"]) == 2 for e, item in items.items() if "Tech" in item["name"]
        )
        return counter.count

    add(1)
    add(2)
    queries(3)  # the token's first use is recorded once: count from the second request
    two = queries(3)  # acme's technician and two with certifications
    for n in range(3, 13):
        add(n)
    assert queries(13) == two

"""GET /api/v1/partners/{id}/metrics: who may read a partner's figures, what they hold, and
the refusal of a month range that is not valid."""

from datetime import UTC, datetime

import pytest

from portal.extensions import db
from portal.models.base import utcnow
from tests.factories import bearer
from tests.management.rollup_support import placed
from tests.support import api_error


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def _url(partner, query: str = "from=2025-01&to=2025-03") -> str:
    return f"/api/v1/partners/{partner.id}/metrics" + (f"?{query}" if query else "")


#: Who reads acme's metrics: the vendor roles and acme's admin; a technician is refused
#: whatever its partner; another partner's admin does not see that acme exists.
ACCESS = {
    "vendor_admin": 200,
    "support_manager": 200,
    "vendor_engineer": 200,
    "acme_admin": 200,
    "acme_tech": 403,
    "globex_admin": 404,
    "globex_tech": 403,
}


@pytest.mark.parametrize(("who", "status"), ACCESS.items())
def test_who_reads_a_partners_metrics(client, world, who, status):
    response = client.get(_url(world.acme), headers=bearer(world.user(who)))
    if status == 200:
        assert response.status_code == 200
    else:
        api_error(response, status)


def test_without_a_token_the_answer_is_401(client, world):
    api_error(client.get(_url(world.acme)), 401)


def test_a_partner_admin_reads_its_own(client, world):
    response = client.get(_url(world.globex), headers=bearer(world.user("globex_admin")))
    assert response.status_code == 200


def test_an_unknown_partner_is_404(client, world):
    api_error(
        client.get("/api/v1/partners/999999/metrics", headers=bearer(world.user("vendor_admin"))),
        404,
    )


def test_the_figures_per_month_with_reasons_and_flags(client, esc):
    world = esc.world
    # acme: 5 escalations in the quarter, 3 rejected (60 %): above 25 %.
    placed(esc, at("2025-01-10"), "rejected", reason="duplicate")
    placed(esc, at("2025-01-11"), "rejected", reason="documented_in_kb")
    placed(esc, at("2025-03-01"), "rejected", reason="duplicate")
    placed(esc, at("2025-03-02"), "accepted")
    placed(esc, at("2025-03-03"))
    placed(esc, at("2025-04-01"), "rejected", reason="out_of_scope")  # after the range
    world.acme_customer.seats = 400
    db.session.commit()
    response = client.get(_url(world.acme), headers=bearer(world.user("acme_admin")))
    assert response.status_code == 200
    assert response.get_json() == {
        "months": [
            {"month": "2025-01", "escalations": 2, "unwarranted": 2, "rate_per_100_seats": "0.50"},
            {"month": "2025-02", "escalations": 0, "unwarranted": 0, "rate_per_100_seats": "0.00"},
            {"month": "2025-03", "escalations": 3, "unwarranted": 1, "rate_per_100_seats": "0.75"},
        ],
        "unwarranted_reasons": {"documented_in_kb": 1, "duplicate": 2},
        "flags": ["unwarranted_rate_high"],
    }


def test_a_partner_without_seats_has_no_rate(client, world):
    world.globex_customer.seats = 0
    db.session.commit()
    body = client.get(
        _url(world.globex, "from=2025-01&to=2025-01"), headers=bearer(world.user("vendor_admin"))
    ).get_json()
    assert body["months"] == [
        {"month": "2025-01", "escalations": 0, "unwarranted": 0, "rate_per_100_seats": None}
    ]


def test_the_last_12_months_by_default(client, world):
    headers = bearer(world.user("support_manager"))
    months = client.get(_url(world.acme, ""), headers=headers).get_json()["months"]
    assert len(months) == 12
    assert months[-1]["month"] == f"{utcnow().date():%Y-%m}"
    # `to` alone: the 12 months ending there; `from` alone: up to this month.
    months = client.get(_url(world.acme, "to=2025-06"), headers=headers).get_json()["months"]
    assert (months[0]["month"], months[-1]["month"]) == ("2024-07", "2025-06")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13&to=2025-12", "from"),
        ("from=25-01&to=2025-12", "from"),
        ("from=2025-01&to=January", "to"),
        ("from=1999-12&to=2000-01", "from"),
        ("from=2025-06&to=2025-05", "to"),
        ("from=2023-01&to=2026-01", "to"),
        ("from=2099-01", "to"),
    ],
)
def test_a_month_range_that_is_not_valid_is_422_naming_the_field(client, world, query, field):
    response = client.get(_url(world.acme, query), headers=bearer(world.user("vendor_admin")))
    error = api_error(response, 422, "validation_error")
    assert field in error["fields"], error


def test_36_months_is_the_longest_range(client, world):
    response = client.get(
        _url(world.acme, "from=2023-01&to=2025-12"), headers=bearer(world.user("vendor_admin"))
    )
    assert response.status_code == 200 and len(response.get_json()["months"]) == 36

"""First-line volume: who may report it, idempotence per month and product, refusals that
change nothing, and escalations per 100 cases on hand-computed data."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.management.case_volume import case_figures, report_cases
from portal.management.metrics import Window
from portal.models import AuditEntry, CaseVolume
from portal.models.base import utcnow
from tests.factories import bearer, make_product
from tests.management.rollup_support import placed

LAST_MONTH = (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=1)


def _url(partner) -> str:
    return f"/api/v1/partners/{partner.id}/case-volume"


def _body(world, **overrides) -> dict:
    return {
        "month": f"{LAST_MONTH:%Y-%m}",
        "product": world.product.slug,
        "cases": 120,
        **overrides,
    }


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseVolume))


# Who reports for acme: its own admin only. Written here, not read from the code.
ACCESS = [
    ("acme_admin", 200),
    ("acme_tech", 403),
    ("globex_admin", 404),  # another partner's: as if it did not exist
    ("globex_tech", 404),
    ("vendor_admin", 403),
    ("support_manager", 403),
    ("vendor_engineer", 403),
    (None, 401),
]


@pytest.mark.parametrize(("who", "expected"), ACCESS)
def test_only_the_partners_admin_reports_its_cases(client, world, who, expected):
    headers = bearer(world.user(who)) if who else {}
    response = client.post(_url(world.acme), json=_body(world), headers=headers)
    assert response.status_code == expected, response.get_json()
    assert _rows() == (1 if expected == 200 else 0)


def test_the_same_month_and_product_again_replaces_the_figure(client, world):
    headers = bearer(world.user("acme_admin"))
    first = client.post(_url(world.acme), json=_body(world), headers=headers)
    assert first.status_code == 200
    assert first.get_json() == {
        "month": f"{LAST_MONTH:%Y-%m}",
        "product": world.product.slug,
        "cases": 120,
    }
    again = client.post(_url(world.acme), json=_body(world), headers=headers)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    changed = client.post(_url(world.acme), json=_body(world, cases=90), headers=headers)
    assert changed.get_json()["cases"] == 90
    db.session.expire_all()
    assert [(row.cases, row.source) for row in db.session.scalars(select(CaseVolume))] == [
        (90, "api")
    ]
    audits = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "case_volume.reported")
        .order_by(AuditEntry.id)
    ).all()
    # The repeat changed nothing and audited nothing; the new figure kept the old one.
    assert [(a.before, a.after, a.partner_id) for a in audits] == [
        (None, {"cases": 120}, world.acme.id),
        ({"cases": 120}, {"cases": 90}, world.acme.id),
    ]


def test_another_product_or_month_is_another_figure(client, world):
    other = make_product("nebula")
    db.session.commit()
    headers = bearer(world.user("acme_admin"))
    client.post(_url(world.acme), json=_body(world), headers=headers)
    client.post(_url(world.acme), json=_body(world, product=other.slug), headers=headers)
    client.post(_url(world.acme), json=_body(world, month="2026-01"), headers=headers)
    assert _rows() == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-1"}, "month"),
        ({"month": "last month"}, "month"),
        ({"month": "1999-12"}, "month"),
        ({"month": "2999-01"}, "month"),  # has not begun
        ({"month": 202611}, "month"),
        ({"cases": -1}, "cases"),
        ({"cases": 10_000_001}, "cases"),
        ({"cases": "12"}, "cases"),
        ({"cases": 1.5}, "cases"),
        ({"cases": True}, "cases"),
        ({"cases": None}, "cases"),
        ({"product": "no-such-product"}, "product"),
        ({"product": None}, "product"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(client, world, overrides, field):
    response = client.post(
        _url(world.acme), json=_body(world, **overrides), headers=bearer(world.user("acme_admin"))
    )
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error.get("fields", error))
    assert _rows() == 0


def test_a_missing_field_is_refused(client, world):
    body = _body(world)
    del body["cases"]
    response = client.post(_url(world.acme), json=body, headers=bearer(world.user("acme_admin")))
    assert response.status_code == 422
    assert _rows() == 0


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def test_escalations_per_100_cases_count_only_the_months_reported(esc):
    world = esc.world
    admin = world.user("acme_admin")
    report_cases(world.acme, admin, "2026-10", world.product.slug, 200)
    report_cases(world.acme, admin, "2026-11", world.product.slug, 100)
    for day in ("2026-10-03", "2026-10-12", "2026-10-30", "2026-11-05"):
        placed(esc, _at(day))
    for day in ("2026-09-10", "2026-09-11"):  # September: no cases reported
        placed(esc, _at(day))
    placed(esc, _at("2026-10-20"), partner="globex")  # globex reported nothing
    db.session.commit()

    figures = case_figures(None, Window.months(date(2026, 9, 1), date(2026, 11, 1)))
    assert list(figures) == [world.acme.id]
    acme = figures[world.acme.id]
    # October and November: 4 escalations for 300 cases = 1.333... -> 1.33 per 100.
    assert (acme.cases, acme.escalations, acme.per_100_cases) == (300, 4, Decimal("1.33"))
    only_october = case_figures(
        [world.acme.id], Window.months(date(2026, 10, 1), date(2026, 10, 1))
    )
    assert only_october[world.acme.id].per_100_cases == Decimal("1.50")  # 3 of 200

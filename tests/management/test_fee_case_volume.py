"""First-line volume on the fee report: the partner admin gives the cases it handled itself
per month and product with its fees; the same rows as the case-volume API; refusals that
change nothing (neither the fees nor the cases); escalations per 100 cases on hand-checked
data; the vendor reads the figures but cannot type them.

Services on both databases; the pages on the SQLite pass only.
"""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.management.case_volume import case_figures
from portal.management.fee_reports import (
    case_grid,
    declare_fees,
    period_case_figures,
    report_period_cases,
)
from portal.management.fees import recent_periods
from portal.management.metrics import Window
from portal.models import AuditEntry, CaseVolume, EscalationRollup
from portal.models.base import utcnow
from portal.models.fees import FeeReport
from tests.factories import Browser, bearer, make_product, signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

TODAY = date(2026, 11, 15)  # in Q4 2026: Q3 2026 is finished
Q3 = date(2026, 7, 1)
Q3_END = date(2026, 9, 30)
JUL, AUG, SEP = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


def _name(world, month: date, product=None) -> str:
    return f"cases-{month:%Y-%m}-{(product or world.product).slug}"


def _audits() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "case_volume.reported")
    )


def _rows() -> dict:
    db.session.expire_all()
    return {
        (row.month, row.product_id): (row.cases, row.source)
        for row in db.session.scalars(select(CaseVolume))
    }


def _escalations(world, month: date, submitted: int, product=None, partner="acme") -> None:
    db.session.add(
        EscalationRollup(
            partner_id=getattr(world, partner).id,
            product_id=(product or world.product).id,
            month=month,
            submitted=submitted,
        )
    )
    db.session.flush()


def _declare_with_cases(world, values: dict, actor="acme_admin"):
    """Declare Q3 and its cases as the declare page does: one transaction."""
    grid = case_grid(world.acme, Q3, Q3_END, TODAY)
    report = declare_fees(world.acme, Q3, "1000", actor=world.user("acme_admin"), today=TODAY)
    changed = report_period_cases(world.acme, grid, values, actor=world.user(actor))
    db.session.commit()
    return report, changed


# --- Services (both databases) ---------------------------------------------------------------


def test_the_grid_offers_the_agreements_products_for_the_months_begun(world):
    grid = case_grid(world.acme, Q3, Q3_END, TODAY)
    assert grid.months == [JUL, AUG, SEP]
    assert [p.id for p in grid.products] == [world.product.id]
    assert all(cell.cases is None for cell in grid.cells)
    # The current quarter: only the months that have begun.
    current = case_grid(world.acme, date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 15))
    assert current.months == [date(2026, 10, 1), date(2026, 11, 1)]


def test_declaring_with_cases_writes_rows_from_the_fee_report_and_audits_them(world):
    values = {_name(world, JUL): "120", _name(world, AUG): " 1,300 ", _name(world, SEP): ""}
    report, changed = _declare_with_cases(world, values)
    assert changed == 2
    pid = world.product.id
    assert _rows() == {(JUL, pid): (120, "fee_report"), (AUG, pid): (1300, "fee_report")}
    assert _audits() == 2
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "case_volume.reported").limit(1)
    )
    assert entry.partner_id == world.acme.id and entry.actor_id == world.user("acme_admin").id
    assert db.session.get(FeeReport, report.id).declared_fees == D("1000.00")


def test_the_same_figures_again_change_and_audit_nothing(world):
    values = {_name(world, JUL): "120", _name(world, AUG): "80"}
    _declare_with_cases(world, values)
    grid = case_grid(world.acme, Q3, Q3_END, TODAY)
    assert grid.cell(JUL, world.product).cases == 120  # prefilled from the rows
    assert report_period_cases(world.acme, grid, values, actor=world.user("acme_admin")) == 0
    db.session.commit()
    assert _audits() == 2
    # A blank field leaves a figure already reported as it is.
    blank = {_name(world, JUL): "", _name(world, AUG): "81"}
    assert report_period_cases(world.acme, grid, blank, actor=world.user("acme_admin")) == 1
    db.session.commit()
    assert _rows()[(JUL, world.product.id)] == (120, "fee_report")
    assert _rows()[(AUG, world.product.id)] == (81, "fee_report")
    assert _audits() == 3


@pytest.mark.parametrize("typed", ["-1", "abc", "1.5", "10000001", "9" * 40, "1\x00", "1e3"])
def test_a_bad_figure_is_refused_next_to_its_field_and_nothing_is_saved(world, typed):
    before = row_counts()
    grid = case_grid(world.acme, Q3, Q3_END, TODAY)
    values = {_name(world, JUL): "120", _name(world, AUG): typed}  # a good one beside it
    with pytest.raises(DomainError) as refused:
        report_period_cases(world.acme, grid, values, actor=world.user("acme_admin"))
    assert refused.value.code == "validation_error"
    assert list(refused.value.fields) == [_name(world, AUG)]
    db.session.rollback()
    assert row_counts() == before


def test_cases_typed_for_another_periods_months_are_refused(world):
    grid = case_grid(world.acme, Q3, Q3_END, TODAY)
    with pytest.raises(DomainError) as refused:
        report_period_cases(
            world.acme, grid, {"cases-2026-04-orbit": "10"}, actor=world.user("acme_admin")
        )
    assert "cases" in refused.value.fields
    db.session.rollback()
    assert _rows() == {}


@pytest.mark.parametrize("who", ["support_manager", "vendor_admin", "acme_tech", "globex_admin"])
def test_only_the_partners_admin_reports_cases_on_the_fee_report(world, who):
    grid = case_grid(world.acme, Q3, Q3_END, TODAY)
    with pytest.raises(DomainError) as refused:
        report_period_cases(world.acme, grid, {_name(world, JUL): "5"}, actor=world.user(who))
    assert refused.value.status == 403
    db.session.rollback()
    assert _rows() == {} and _audits() == 0


def test_the_api_and_the_fee_report_share_the_same_rows(client, world):
    last_month = (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    period = next(
        p for p in recent_periods(utcnow().date(), "quarter", 2) if p.start <= last_month <= p.end
    )
    response = client.post(
        f"/api/v1/partners/{world.acme.id}/case-volume",
        json={"month": f"{last_month:%Y-%m}", "product": world.product.slug, "cases": 120},
        headers=bearer(world.user("acme_admin")),
    )
    assert response.status_code == 200, response.get_json()
    grid = case_grid(world.acme, period.start, period.end)
    assert grid.cell(last_month, world.product).cases == 120  # the API's figure, prefilled
    name = _name(world, last_month)
    report_period_cases(world.acme, grid, {name: "150"}, actor=world.user("acme_admin"))
    db.session.commit()
    assert _rows()[(last_month, world.product.id)] == (150, "fee_report")
    window = Window(period.start, period.end)
    assert case_figures([world.acme.id], window)[world.acme.id].cases == 150  # the dashboard's
    # The ticketing sending the figure now on the report: nothing changes, nothing audited.
    audits = _audits()
    response = client.post(
        f"/api/v1/partners/{world.acme.id}/case-volume",
        json={"month": f"{last_month:%Y-%m}", "product": world.product.slug, "cases": 150},
        headers=bearer(world.user("acme_admin")),
    )
    assert response.status_code == 200 and _audits() == audits


def test_escalations_per_100_cases_over_the_reported_months_hand_checked(world):
    other = make_product("orbit-mobile")
    _escalations(world, JUL, 6)
    _escalations(world, AUG, 9)  # August not reported: left out on both sides
    _escalations(world, SEP, 3)
    _escalations(world, JUL, 5, product=other)  # a product not reported: left out
    _escalations(world, JUL, 40, partner="globex")  # another partner's
    report, _ = _declare_with_cases(world, {_name(world, JUL): "200", _name(world, SEP): "50"})
    figures = period_case_figures(report)
    # (6 + 3) escalations × 100 / (200 + 50) cases = 3.6
    assert (figures.cases, figures.escalations, figures.per_100_cases) == (250, 9, D("3.60"))


# --- Pages (SQLite pass only) ----------------------------------------------------------------


def _page(response) -> str:
    return response.get_data(as_text=True)


def _q3_declare_path(world) -> str:
    """The declare page with Q3 2026's months (Q3 is among the open periods until 2028)."""
    return f"/partners/{world.acme.id}/fee-reports/new?period={Q3.isoformat()}"


@SQLITE_PASS_ONLY
def test_declaring_with_cases_through_the_page(app, world):
    _escalations(world, JUL, 6)
    _escalations(world, SEP, 3)
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    path = _q3_declare_path(world)
    form = _page(client.get(path))
    assert "Cases you handled yourselves" in form
    assert f'name="{_name(world, JUL)}"' in form and f'name="{_name(world, SEP)}"' in form
    response = Browser(client).post(
        path,
        {
            "period": Q3.isoformat(),
            "declared_fees": "1000",
            _name(world, JUL): "200",
            _name(world, SEP): "50",
        },
        form_page=path,
    )
    assert response.status_code == 302, _page(response)[:2000]
    assert {k: v[1] for k, v in _rows().items()} == {
        (JUL, world.product.id): "fee_report",
        (SEP, world.product.id): "fee_report",
    }
    page = _page(client.get(response.headers["Location"]))
    assert 'data-testid="cases-reported">250<' in page
    assert 'data-testid="cases-escalations">9<' in page
    assert 'data-testid="per-100-cases">3.60<' in page
    assert 'value="200"' in page  # the draft's form, prefilled


@SQLITE_PASS_ONLY
@pytest.mark.parametrize("typed", ["-3", "many", "10000001"])
def test_a_bad_figure_on_the_pages_saves_neither_fees_nor_cases(app, world, typed):
    client = signed_in(app, world.user("acme_admin"))
    path = _q3_declare_path(world)
    before = row_counts()
    response = Browser(client).post(
        path,
        {
            "period": Q3.isoformat(),
            "declared_fees": "1000",
            _name(world, JUL): "12",
            _name(world, AUG): typed,
        },
        form_page=path,
    )
    assert response.status_code == 400
    page = _page(response)
    assert "A whole number from 0 to 10,000,000, or blank." in page
    assert f'value="{typed}"' in page  # kept for correcting
    assert row_counts() == before
    # Correcting a draft: the new fees are not saved either.
    report = declare_fees(world.acme, Q3, "1000", actor=world.user("acme_admin"), today=TODAY)
    db.session.commit()
    before = row_counts()
    url = f"/partners/{world.acme.id}/fee-reports/{report.id}"
    response = Browser(client).post(
        url + "/edit", {"declared_fees": "2000", _name(world, AUG): typed}, form_page=url
    )
    assert response.status_code == 400
    assert row_counts() == before
    db.session.expire_all()
    assert db.session.get(FeeReport, report.id).declared_fees == D("1000.00")


@SQLITE_PASS_ONLY
def test_cases_typed_for_another_period_are_refused_on_the_page(app, world):
    client = signed_in(app, world.user("acme_admin"))
    path = _q3_declare_path(world)
    before = row_counts()
    q2 = date(2026, 4, 1)
    response = Browser(client).post(
        path,
        {"period": q2.isoformat(), "declared_fees": "1000", _name(world, JUL): "12"},
        form_page=path,
    )
    assert response.status_code == 400
    assert "months outside this period" in _page(response)
    assert row_counts() == before


@SQLITE_PASS_ONLY
def test_the_support_manager_reads_the_figures_and_cannot_type_them(app, world):
    report, _ = _declare_with_cases(world, {_name(world, JUL): "200"})
    url = f"/partners/{world.acme.id}/fee-reports/{report.id}"
    client = signed_in(app, world.user("support_manager"))
    page = _page(client.get(url))
    assert 'data-testid="case-table"' in page and "200" in page
    assert 'name="cases-' not in page
    before, audits = row_counts(), _audits()
    response = Browser(client).post(
        url + "/edit", {"declared_fees": "1000", _name(world, JUL): "5"}
    )
    assert response.status_code == 403
    assert row_counts() == before and _audits() == audits
    assert _rows()[(JUL, world.product.id)] == (200, "fee_report")

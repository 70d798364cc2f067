"""The agreement form's calendar: the country and region whose public holidays, and the
agreement's own closed dates, on which business-hours SLA clocks stop."""

from datetime import UTC, date, datetime

import pytest

from escalations import clock
from portal.errors import DomainError
from portal.partners.agreements import AgreementTerms, accept_agreement, propose_agreement
from tests.factories import signed_in
from tests.partners.test_agreement_pages import _latest, _new_path, _page, _propose
from tests.support import row_counts


def _field_block(html: str, field_id: str) -> str:
    """The field `field_id` (a text area without its text) and its help and errors."""
    start = html.rindex("<", 0, html.index(f'id="{field_id}"'))
    end = html.find("</textarea>", start)
    end = end if end != -1 and html.startswith("<textarea", start) else start
    return html[start : html.index(">", start) + 1] + html[end : end + 1200]


@pytest.fixture
def vendor(app, world):
    return signed_in(app, world.user("vendor_admin"))


def test_the_form_asks_for_the_holiday_country_region_and_closed_dates(vendor, world):
    html = _page(vendor.get(_new_path(world)))
    for field_id in ("holiday_country", "holiday_region", "closed_dates"):
        assert f'id="{field_id}"' in html and f'aria-describedby="{field_id}-help"' in html
    # The country's input suggests the codes the holidays library knows.
    assert 'list="holiday-countries"' in html
    assert '<option value="DE">' in html and '<option value="US">' in html


def test_a_proposal_keeps_its_holiday_calendar_and_its_page_shows_it(vendor, world):
    response = _propose(
        vendor,
        world,
        holiday_country=" de ",
        holiday_region="by",
        closed_dates="2026-12-31\r\n\r\n2026-12-24\r\n2026-12-31\r\n",
    )
    assert response.status_code == 302, _page(response)[:2000]
    agreement = _latest(world.acme)
    # Written as the library spells them; the dates in order, once each.
    assert (agreement.holiday_country, agreement.holiday_region) == ("DE", "BY")
    assert agreement.closed_dates == "2026-12-24\n2026-12-31"

    page = _page(vendor.get(response.headers["Location"]))
    coverage = page[page.index('id="coverage-heading"') :]
    coverage = coverage[: coverage.index("</section>")]
    assert "DE, region BY" in coverage
    assert "24 Dec 2026, 31 Dec 2026" in coverage
    # Against the version in force (no calendar), the change is listed.
    assert "Also closed on" in page and "Public holidays of" in page


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"holiday_country": "XX"}, "holiday_country", "Unknown country"),
        ({"holiday_country": "Germany"}, "holiday_country", "Unknown country"),
        ({"holiday_country": "DEU"}, "holiday_country", "two-letter code"),
        ({"holiday_country": "DE", "holiday_region": "ZZ"}, "holiday_region", "Not a region"),
        ({"holiday_region": "BY"}, "holiday_region", "Choose the country first."),
        (
            {"holiday_country": "AL", "holiday_region": "X"},
            "holiday_region",
            "AL has no regions",
        ),
        (
            {"holiday_country": "BR", "holiday_region": "São Paulo Capital"},
            "holiday_region",
            "at most 10 characters",
        ),
        ({"closed_dates": "2026-02-30"}, "closed_dates", "Line 1: &#39;2026-02-30&#39; is not"),
        ({"closed_dates": "2026-12-24\n24.12.2026"}, "closed_dates", "Line 2:"),
        ({"closed_dates": "1900-01-01"}, "closed_dates", "too far from today"),
        ({"closed_dates": "2026-12-24\n" * 1200}, "closed_dates", "Too long for a list"),
    ],
)
def test_an_unknown_place_or_a_date_that_is_not_one_is_refused_next_to_its_field(
    vendor, world, changes, field_id, message
):
    before = row_counts()
    response = _propose(vendor, world, **changes)
    assert response.status_code == 400
    block = _field_block(_page(response), field_id)
    assert "is-invalid" in block and message in block, block
    assert row_counts() == before


def test_under_24x7_coverage_no_holiday_calendar_is_kept(vendor, world):
    response = _propose(
        vendor,
        world,
        coverage="24x7",
        holiday_country="DE",
        holiday_region="nonsense",
        closed_dates="not a date",
    )
    assert response.status_code == 302
    agreement = _latest(world.acme)
    assert (agreement.holiday_country, agreement.holiday_region, agreement.closed_dates) == (
        "",
        "",
        "",
    )


def test_dates_written_in_another_order_are_the_same_terms(app, world):
    vendor_admin, acme_admin = world.user("vendor_admin"), world.user("acme_admin")
    terms = AgreementTerms(holiday_country="DE", closed_dates="2026-12-31\n2026-12-24")
    accept_agreement(propose_agreement(world.acme, terms, actor=vendor_admin), actor=acme_admin)
    same = AgreementTerms(holiday_country="de", closed_dates="2026-12-24\n\n2026-12-31\n")
    with pytest.raises(DomainError, match="same as version") as refused:
        propose_agreement(world.acme, same, actor=vendor_admin)
    assert refused.value.code == "no_change"


def test_sla_clocks_stop_on_the_agreements_holidays_and_closed_dates(app, world):
    vendor_admin, acme_admin = world.user("vendor_admin"), world.user("acme_admin")
    terms = AgreementTerms(
        timezone="Europe/Berlin",
        holiday_country="DE",
        holiday_region="BY",  # Bavaria: 6 January (Epiphany) is a public holiday
        closed_dates="2027-01-07",
    )
    agreement = propose_agreement(world.acme, terms, actor=vendor_admin)
    accept_agreement(agreement, actor=acme_admin)
    # Tuesday 5 January 2027, 16:00 in Berlin; one working hour left that day.
    start = datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    due = clock.due_after(agreement, start, 2 * 60)
    # Wednesday is Epiphany and Thursday the agreement's own closed day: Friday 10:00.
    assert due == datetime(2027, 1, 8, 9, 0, tzinfo=UTC)
    assert due.date() == date(2027, 1, 8)

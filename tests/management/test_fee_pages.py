"""Fee report pages: who may use each route in each state of a report, what the pages show
(money with its currency, the preview, the suggestion, the small print), form errors that
change nothing, the CSV and its tenant boundary, and the agreement's currency."""

import csv
import io
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.management.fee_reports import (
    approve_report,
    declare_fees,
    send_back_report,
    submit_report,
)
from portal.management.fees import recent_periods
from portal.models import EscalationRollup
from portal.models.base import utcnow
from portal.models.fees import FeeReport
from tests.factories import PRINCIPALS, Browser, signed_in
from tests.partners.test_agreement_pages import _latest, _propose
from tests.support import SQLITE_PASS_ONLY, row_counts

pytestmark = SQLITE_PASS_ONLY


def _page(response) -> str:
    return response.get_data(as_text=True)


def _periods(count: int):
    """The current quarter and those before it, newest first."""
    return recent_periods(utcnow().date(), "quarter", count)


def _report(world, state: str = "draft", *, period=None, partner="acme", amount="12345.67"):
    """A report of `partner` in `state`, moved there through the services (declared as if
    on the period's first day, so that any past quarter may be used)."""
    period = period or _periods(2)[1]
    admin = world.user(f"{partner}_admin")
    report = declare_fees(
        getattr(world, partner), period.start, amount, actor=admin, today=period.start
    )
    if state != "draft":
        submit_report(report, actor=admin)
    if state == "approved":
        approve_report(report, actor=world.user("support_manager"))
    if state == "sent_back":
        send_back_report(report, "Add the missing invoices.", actor=world.user("support_manager"))
    db.session.commit()
    return report


def _client(app, world, principal: str):
    return app.test_client() if principal == "anonymous" else signed_in(app, world.user(principal))


def _url(report, action: str = "") -> str:
    return f"/partners/{report.partner_id}/fee-reports/{report.id}" + (
        f"/{action}" if action else ""
    )


# --- Who may use each route, by the report's state --------------------------------------------

# ok: done (a page: 200; a move: its change made); same: refused by the state (the page says
# why; nothing changes); 403, 404, login. Columns in the order of tests.factories.PRINCIPALS.
PAGE_TABLE = """
# route      state       anon  v_adm s_mgr v_eng a_adm a_tec g_adm g_tec
  view       draft       login ok    ok    ok    ok    403   404   403
  view       submitted   login ok    ok    ok    ok    403   404   403
  view       sent_back   login ok    ok    ok    ok    403   404   403
  view       approved    login ok    ok    ok    ok    403   404   403
  edit       draft       login 403   403   403   ok    403   404   403
  edit       submitted   login 403   403   403   same  403   404   403
  edit       sent_back   login 403   403   403   ok    403   404   403
  edit       approved    login 403   403   403   same  403   404   403
  submit     draft       login 403   403   403   ok    403   404   403
  submit     submitted   login 403   403   403   same  403   404   403
  submit     sent_back   login 403   403   403   ok    403   404   403
  submit     approved    login 403   403   403   same  403   404   403
  approve    draft       login same  same  403   403   403   403   403
  approve    submitted   login ok    ok    403   403   403   403   403
  approve    sent_back   login same  same  403   403   403   403   403
  approve    approved    login same  same  403   403   403   403   403
  send-back  draft       login same  same  403   403   403   403   403
  send-back  submitted   login ok    ok    403   403   403   403   403
  send-back  sent_back   login same  same  403   403   403   403   403
  send-back  approved    login same  same  403   403   403   403   403
"""
STATES = ("draft", "submitted", "sent_back", "approved")
EXPECTED = {}
for _line in PAGE_TABLE.splitlines():
    if _line.strip() and not _line.lstrip().startswith("#"):
        _route, _state, *_cells = _line.split()
        EXPECTED.setdefault(_route, {})[_state] = dict(zip(PRINCIPALS, _cells, strict=True))
FORMS = {"edit": {"declared_fees": "999.99"}, "send-back": {"note": "Please correct."}}


def _outcome(response, report, before) -> str:
    status = response.status_code
    if status == 302 and response.headers["Location"].startswith("/login"):
        return "login"
    if status in (403, 404):
        return str(status)
    db.session.expire_all()
    after = db.session.get(FeeReport, report.id)
    if response.request.method == "GET":
        return "ok" if status == 200 else str(status)
    assert status == 302, status
    return "same" if (after.status, after.declared_fees) == before else "ok"


@pytest.mark.parametrize("route", list(EXPECTED))
def test_each_route_answers_each_principal_in_each_state(app, world, route):
    # Each principal acts on a report of its own (its own quarter) in each state.
    quarters = iter(_periods(len(STATES) * len(PRINCIPALS)))
    reports = {
        (state, principal): _report(world, state, period=next(quarters))
        for state in STATES
        for principal in PRINCIPALS
    }
    clients = {principal: _client(app, world, principal) for principal in PRINCIPALS}
    # Signed in, CSRF goes off: this is about access (an anonymous post would meet its 400).
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        observed = {
            state: {
                principal: _visit(clients[principal], route, reports[state, principal])
                for principal in PRINCIPALS
            }
            for state in STATES
        }
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert observed == EXPECTED[route]


def _visit(client, route: str, report) -> str:
    before = (report.status, report.declared_fees)
    if route == "view":
        response = client.get(_url(report))
    else:
        response = client.post(_url(report, route), data=FORMS.get(route, {}))
    return _outcome(response, report, before)


# --- What the pages show ---------------------------------------------------------------------


def _escalations(world, month: date, submitted: int, partner="acme"):
    db.session.add(
        EscalationRollup(
            partner_id=getattr(world, partner).id,
            product_id=world.product.id,
            month=month,
            submitted=submitted,
        )
    )
    db.session.commit()


def test_a_draft_shows_its_live_figures_with_the_currency_and_the_rounding(app, world):
    period = _periods(2)[1]
    _escalations(world, period.start, 7)
    report = _report(world)
    html = _page(signed_in(app, world.user("acme_admin")).get(_url(report)))
    # 20 % of 12,345.67 = 2,469.134 -> EUR 2,469.13; / 7 = 352.73
    assert "Preview: the figures if submitted now" in html
    assert "EUR 12,345.67" in html and "EUR 2,469.13" in html and "EUR 352.73" in html
    assert "rounded half up to the cent (0.005 becomes 0.01)" in html
    assert 'action="' + _url(report, "submit") + '"' in html
    assert 'action="' + _url(report, "edit") + '"' in html
    assert "Your decision" not in html
    assert "EUR 12,345.67 declared" in html  # the history's first entry


def test_the_support_manager_sees_the_suggestion_with_its_numbers_and_decides(app, world):
    periods = _periods(4)
    for period, volume in ((periods[3], 10), (periods[2], 12)):
        _escalations(world, period.start, volume)
        _report(world, "approved", period=period)
    _escalations(world, periods[1].start, 17)  # 17 > 1.5 × 11 = 16.5
    report = _report(world, "submitted", period=periods[1])
    manager = signed_in(app, world.user("support_manager"))
    html = _page(manager.get(_url(report)))
    assert "Figures as submitted" in html
    assert "Suggestion: readjust the terms." in html
    assert "17 escalations in the period, above 1.5 × the average of the previous" in html
    assert "(11.0: 12, 10, newest first), that is above 16.5" in html
    assert 'action="' + _url(report, "approve") + '"' in html
    listing = _page(manager.get("/partners/fee-reports/awaiting"))
    assert world.acme.name in listing and periods[1].label in listing
    assert "Suggestion: readjust the terms." in listing
    assert (
        _page(manager.get(f"/partners/{world.acme.id}/fee-reports")).count("readjust terms?") == 1
    )


def test_the_awaiting_list_holds_only_submitted_reports_of_every_partner(app, world):
    periods = _periods(3)
    waiting = [
        _report(world, "submitted", period=periods[1], partner=p) for p in ("acme", "globex")
    ]
    others = [_report(world, "approved", period=periods[2]), _report(world, period=periods[0])]
    html = _page(
        signed_in(app, world.user("support_manager")).get("/partners/fee-reports/awaiting")
    )
    for report in waiting:
        assert f'href="{_url(report)}"' in html
    for report in others:
        assert f'href="{_url(report)}"' not in html


def test_a_sent_back_report_shows_the_note_to_the_partner_admin(app, world):
    report = _report(world, "sent_back")
    html = _page(signed_in(app, world.user("acme_admin")).get(_url(report)))
    assert "Add the missing invoices." in html and "Correct and resubmit" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-10", "An amount cannot be negative."),
        ("ten euros", "Use digits and a decimal point"),
        ("10.001", "At most two decimals"),
        ("123456789012345", "check the amount"),
        ("", "Enter the support fees"),
    ],
)
def test_a_bad_amount_is_a_form_error_and_nothing_is_written(app, world, typed, message):
    client = signed_in(app, world.user("acme_admin"))
    path = f"/partners/{world.acme.id}/fee-reports/new"
    before = row_counts()
    period = _periods(1)[0].start.isoformat()
    response = Browser(client).post(
        path, {"period": period, "declared_fees": typed}, form_page=path
    )
    assert response.status_code == 400
    assert message in _page(response)
    assert row_counts() == before
    # Correcting a draft is refused the same way.
    report = _report(world, amount="100")
    before = row_counts()
    response = Browser(client).post(
        _url(report, "edit"), {"declared_fees": typed}, form_page=_url(report)
    )
    assert response.status_code == 400 and message in _page(response)
    assert row_counts() == before


def test_a_nul_byte_or_an_unknown_period_is_refused_and_nothing_is_written(app, world):
    client = signed_in(app, world.user("acme_admin"))
    path = f"/partners/{world.acme.id}/fee-reports/new"
    before = row_counts()
    period = _periods(1)[0].start.isoformat()
    response = Browser(client).post(
        path, {"period": period, "declared_fees": "1\x00"}, form_page=path
    )
    assert response.status_code == 400
    response = Browser(client).post(
        path, {"period": "2031-01-01", "declared_fees": "10"}, form_page=path
    )
    assert response.status_code == 400
    assert row_counts() == before


def test_a_send_back_without_a_note_is_refused_next_to_the_note(app, world):
    report = _report(world, "submitted")
    client = signed_in(app, world.user("support_manager"))
    response = Browser(client).post(
        _url(report, "send-back"), {"note": "  "}, form_page=_url(report)
    )
    assert response.status_code == 400
    assert "Say what the partner should correct." in _page(response)
    db.session.expire_all()
    assert db.session.get(FeeReport, report.id).status == "submitted"


def test_declaring_then_submitting_through_the_pages(app, world):
    client = signed_in(app, world.user("acme_admin"))
    path = f"/partners/{world.acme.id}/fee-reports/new"
    form = _page(client.get(path))
    current = _periods(1)[0]
    assert f'<option value="{current.start.isoformat()}">{current.label}</option>' in form
    response = Browser(client).post(
        path, {"period": current.start.isoformat(), "declared_fees": "1,000.50"}, form_page=path
    )
    assert response.status_code == 302
    report = db.session.scalar(select(FeeReport))
    assert report.declared_fees == D("1000.50")
    response = Browser(client).post(_url(report, "submit"), {}, form_page=_url(report))
    db.session.expire_all()
    assert db.session.get(FeeReport, report.id).status == "submitted"
    assert "Submitted by" in _page(client.get(response.headers["Location"]))


# --- CSV -------------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_holds_the_partners_reports_with_decimals_as_text(app, world):
    periods = _periods(3)
    _escalations(world, periods[2].start, 3)
    _report(world, "approved", period=periods[2], amount="12345.67")
    _report(world, "draft", period=periods[1], amount="10")
    _report(world, "approved", period=periods[2], partner="globex", amount="777.77")
    client = signed_in(app, world.user("acme_admin"))
    response = client.get(f"/partners/{world.acme.id}/fee-reports.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert [r["period_start"] for r in rows] == [
        periods[2].start.isoformat(),
        periods[1].start.isoformat(),
    ]
    approved, draft = rows
    assert approved["declared_fees"] == "12345.67" and approved["vendor_share"] == "2469.13"
    assert approved["fee_percentage"] == "20.00" and approved["escalations"] == "3"
    assert approved["cost_per_escalation"] == "823.04" and approved["currency"] == "EUR"
    assert approved["status"] == "approved"
    # A draft's figures are not computed until it is submitted.
    assert draft["declared_fees"] == "10.00" and draft["amount_due"] == ""
    assert "777.77" not in response.get_data(as_text=True)


def test_another_partners_admin_gets_no_csv_and_a_note_cannot_become_a_formula(app, world):
    report = _report(world, "submitted")
    send_back_report(report, '=HYPERLINK("x")', actor=world.user("support_manager"))
    db.session.commit()
    outsider = signed_in(app, world.user("globex_admin"))
    assert outsider.get(f"/partners/{world.acme.id}/fee-reports.csv").status_code == 404
    assert outsider.get(f"/partners/{world.acme.id}/fee-reports").status_code == 404
    own = _csv(outsider.get(f"/partners/{world.globex.id}/fee-reports.csv"))
    assert own == []
    rows = _csv(
        signed_in(app, world.user("support_manager")).get(
            f"/partners/{world.acme.id}/fee-reports.csv"
        )
    )
    assert rows[0]["decision_note"] == '\'=HYPERLINK("x")'


# --- The agreement's currency ------------------------------------------------------------------


def test_a_proposal_names_its_currency_and_the_pages_show_it(app, world):
    vendor = signed_in(app, world.user("vendor_admin"))
    response = _propose(vendor, world, currency="USD", fee_model="fixed", fixed_fee="4500")
    assert response.status_code == 302, _page(response)[:2000]
    agreement = _latest(world.acme)
    assert agreement.currency == "USD"
    page = _page(vendor.get(response.headers["Location"]))
    assert "USD 4,500.00" in page
    assert "Currency" in page and "EUR" in page  # against the version in force, in EUR


def test_an_unknown_currency_is_refused(app, world):
    vendor = signed_in(app, world.user("vendor_admin"))
    before = row_counts()
    response = _propose(vendor, world, currency="XXX")
    assert response.status_code == 400
    assert "Not a valid choice" in _page(response)
    assert row_counts() == before

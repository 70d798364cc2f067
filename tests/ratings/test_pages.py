"""The rating pages: the customer's (public, once), the thank-you, the refusals, the
partner's list of its ratings and the block on an escalation's page."""

import re
from datetime import timedelta

import pytest

from escalations.ratings.services import record_rating, token_for
from portal.extensions import db
from portal.models import Customer
from portal.models.base import utcnow
from tests.factories import PRINCIPALS, signed_in
from tests.ratings.support import agreement_terms, link_path, request_of, resolved
from tests.support import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def post_rating(client, path, score="4", comment="", csrf=True):
    data = {"score": score, "comment": comment}
    if csrf:
        data["csrf_token"] = csrf_of(client.get(path).text)
    return client.post(path, data=data)


def test_the_rating_page_shows_only_the_title_product_and_partner(esc, client):
    escalation, request = resolved(esc, title="Calendar sync drops invites")
    page = client.get(link_path(request))
    assert page.status_code == 200
    assert "Calendar sync drops invites" in page.text
    assert esc.world.product.name in page.text
    assert esc.world.acme.name in page.text
    # Nothing internal: no steps, results, customer, lab, people or escalation number.
    for internal in (
        escalation.steps_to_reproduce,
        escalation.actual_result,
        esc.world.acme_customer.name,
        esc.environments["acme"].name,
        esc.user("acme_tech").email,
        f"#{escalation.id}",
    ):
        assert internal not in page.text
    assert 'name="csrf_token"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_the_link_works_once_then_says_it_was_used(esc, client):
    _, request = resolved(esc)
    path = link_path(request)
    sent = post_rating(client, path, "5", "Solved in a day")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/rate/thanks")
    thanks = client.get("/rate/thanks")
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    rated = request_of(request.escalation)
    assert (rated.score, rated.comment) == (5, "Solved in a day")
    again = client.get(path)
    assert again.status_code == 410 and "already" in again.text
    assert client.post(path, data={"score": "1"}).status_code in (400, 410)
    assert request_of(request.escalation).score == 5


def test_an_expired_link_gets_a_clear_410(esc, client):
    _, request = resolved(esc, now=utcnow() - timedelta(days=31))
    page = client.get(link_path(request))
    assert page.status_code == 410
    assert "expired" in page.text


@pytest.mark.parametrize(
    "mangle",
    [lambda t: t[:-2] + "zz", lambda t: "nothing-we-signed", lambda t: "A" * 500],
    ids=["altered", "made-up", "long"],
)
def test_a_forged_link_gets_a_clear_404(esc, client, mangle):
    _, request = resolved(esc)
    page = client.get(f"/rate/{mangle(token_for(request))}")
    assert page.status_code == 404
    assert "not valid" in page.text
    assert client.post(f"/rate/{mangle(token_for(request))}").status_code in (400, 404)


@pytest.mark.parametrize(
    ("score", "comment", "message"),
    [
        ("", "", "Choose a rating from 1 to 5."),
        ("9", "", "Not a valid choice"),
        ("4", "x" * 2001, "2000"),
    ],
)
def test_a_bad_form_is_refused_with_a_message_and_the_link_stays_open(
    esc, client, score, comment, message
):
    _, request = resolved(esc)
    refused = post_rating(client, link_path(request), score, comment)
    assert refused.status_code == 400
    assert message in refused.text
    assert request_of(request.escalation).rated_at is None


def test_a_nul_byte_or_a_missing_csrf_token_changes_nothing(esc, client):
    _, request = resolved(esc)
    path = link_path(request)
    assert post_rating(client, path, "4", "bad\x00byte").status_code == 400
    assert post_rating(client, path, "4", "fine", csrf=False).status_code == 400
    assert request_of(request.escalation).rated_at is None


def test_the_public_route_is_rate_limited_per_address(esc, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATING_RATE_LIMIT", "3 per minute")
    _, request = resolved(esc)
    path = link_path(request)
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(path).status_code == 429
    assert client.get("/rate/forged").status_code == 429
    assert client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200


# --- The partner's ratings page ----------------------------------------------------------

#: principal -> answer for acme's ratings page
ACME_RATINGS_PAGE = {
    "anonymous": 302,
    "vendor_admin": 200,
    "support_manager": 200,
    "vendor_engineer": 200,
    "acme_admin": 200,
    "acme_tech": 403,
    "globex_admin": 404,
    "globex_tech": 403,
}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_a_partners_ratings_are_for_its_admin_and_the_vendor(esc, app, principal):
    _, request = resolved(esc, title="Acme's rated escalation")
    record_rating(token_for(request), 2, "Acme customer's comment")
    db.session.commit()
    client = app.test_client() if principal == "anonymous" else signed_in(app, esc.user(principal))
    page = client.get(f"/partners/{esc.world.acme.id}/ratings")
    assert page.status_code == ACME_RATINGS_PAGE[principal]
    assert ("Acme customer&#39;s comment" in page.text) is (page.status_code == 200)


def test_the_ratings_page_lists_the_partners_own_ratings_only(esc, app):
    _, acme_request = resolved(esc, "acme", title="Acme escalation")
    _, globex_request = resolved(esc, "globex", title="Globex escalation")
    record_rating(token_for(acme_request), 4, "Acme words")
    record_rating(token_for(globex_request), 1, "Globex words")
    db.session.commit()
    page = signed_in(app, esc.user("acme_admin")).get(f"/partners/{esc.world.acme.id}/ratings")
    assert "Acme words" in page.text and "Acme escalation" in page.text
    assert "Globex" not in page.text
    assert 'data-testid="ratings-mean">4.0<' in page.text


# --- The escalation's page -------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "sees_link"),
    [("acme_tech", True), ("acme_admin", True), ("vendor_engineer", False)],
)
def test_the_partner_sees_the_link_to_pass_on_and_everyone_the_rating(
    esc, app, principal, sees_link
):
    agreement_terms(esc, vendor_may_contact=False)
    escalation, request = resolved(esc)
    client = signed_in(app, esc.user(principal))
    page = client.get(f"/escalations/{escalation.id}")
    assert (token_for(request) in page.text) is sees_link
    assert 'data-testid="escalation-rating"' in page.text
    record_rating(token_for(request), 3, "Fine in the end")
    db.session.commit()
    page = client.get(f"/escalations/{escalation.id}")
    assert token_for(request) not in page.text
    assert "3/5" in page.text and "Fine in the end" in page.text


def test_a_mailed_link_is_not_shown_to_the_partner(esc, app):
    agreement_terms(esc, vendor_may_contact=True)
    escalation, request = resolved(esc)
    page = signed_in(app, esc.user("acme_admin")).get(f"/escalations/{escalation.id}")
    assert token_for(request) not in page.text
    assert "was mailed a link" in page.text


# --- The customer's contact address -------------------------------------------------------


def test_the_partner_admin_records_a_customer_contact_address(esc, app):
    admin = esc.user("acme_admin")
    client = signed_in(app, admin)
    customer = esc.world.acme_customer
    path = f"/partners/{esc.world.acme.id}/customers/{customer.id}/edit"
    form = client.get(path)
    assert 'name="contact_email"' in form.text
    saved = client.post(
        path,
        data={
            "name": customer.name,
            "seats": "100",
            "contact_email": "Desk@Customer.Example",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert saved.status_code == 302, saved.text[:300]
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).contact_email == "desk@customer.example"
    refused = client.post(
        path,
        data={
            "name": customer.name,
            "seats": "100",
            "contact_email": "not an address",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert refused.status_code == 400


# --- A comment is text, never markup ----------------------------------------------------

MARKUP = '<script>alert("x")</script> **bold** [click](javascript:alert(1)) <b>loud</b>'


def test_a_comment_with_html_or_markdown_is_shown_as_typed(esc, app, client):
    escalation, request = resolved(esc)
    sent = post_rating(client, link_path(request), "2", MARKUP)
    assert sent.status_code == 302
    assert request_of(request.escalation).comment == MARKUP
    admin = signed_in(app, esc.user("acme_admin"))
    for path in (f"/partners/{esc.world.acme.id}/ratings", f"/escalations/{escalation.id}"):
        page = admin.get(path)
        assert page.status_code == 200
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text, path
        assert "&lt;b&gt;loud&lt;/b&gt;" in page.text and "**bold**" in page.text, path
        assert "<script>alert" not in page.text and "<b>loud</b>" not in page.text, path
        assert 'href="javascript:' not in page.text and "<strong>bold" not in page.text, path


def test_the_partner_admin_reads_the_ratings_in_its_audit_log(esc, app):
    agreement_terms(esc, vendor_may_contact=True)
    _, request = resolved(esc)
    record_rating(token_for(request), 5, "")
    db.session.commit()
    page = signed_in(app, esc.user("acme_admin")).get("/audit/")
    assert page.status_code == 200
    assert "Customer rating link issued" in page.text
    assert "Customer rating received" in page.text
    assert "The customer, through the rating link" in page.text


def test_the_ratings_page_costs_the_same_queries_for_many_ratings(esc, app, count_queries):
    client = signed_in(app, esc.user("vendor_admin"))
    path = f"/partners/{esc.world.acme.id}/ratings"

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    for score in (3, 4):
        _, request = resolved(esc)
        record_rating(token_for(request), score, "words")
    db.session.commit()
    few = queries()
    for score in (1, 2, 5, 5, 4, 3):
        _, request = resolved(esc)
        record_rating(token_for(request), score, "more words")
    db.session.commit()
    assert queries() == few

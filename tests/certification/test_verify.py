"""Public verification: /verify/<code>, the form on /verify, GET /api/v1/certifications/{code}.

Statuses are read as of a frozen "today" (`freeze_today`), around the certification's dates.
"""

import re
from datetime import date, timedelta

import pytest

from certification import codes
from certification.revocation import revoke_certification, revoke_on_departure
from portal.extensions import db
from tests.certification.conftest import ISSUED_ON
from tests.certification.factories import make_certification
from tests.certification.lifecycle_support import product_with_releases, release_of
from tests.support import api_error

EXPIRES_ON = date(2027, 1, 12)  # ISSUED_ON + the agreement's 12 months
RECORD_FIELDS = {"code", "holder", "partner", "product", "release", "issued_on", "expires_on"}
API_MD_FIELDS = RECORD_FIELDS | {"status"}
ADDED_FIELDS = {"product_name", "expiring_soon", "revoked_on", "revocation_reason", "verify_url"}


def _page(client, code: str):
    response = client.get(f"/verify/{code}")
    return response, response.get_data(as_text=True)


def _shown_status(html: str) -> str:
    return re.search(r'data-status="([a-z_]+)"', html).group(1)


@pytest.mark.parametrize(
    ("day", "status", "expiring_soon", "words"),
    [
        (ISSUED_ON, "valid", False, "counts until it expires on 2027-01-12"),
        (EXPIRES_ON - timedelta(days=31), "valid", False, "counts until it expires"),
        (EXPIRES_ON - timedelta(days=30), "valid", True, "in less than 30 days"),
        (EXPIRES_ON - timedelta(days=1), "valid", True, "in less than 30 days"),
        (EXPIRES_ON, "expired", False, "expired on 2027-01-12"),
        (EXPIRES_ON + timedelta(days=400), "expired", False, "expired on 2027-01-12"),
    ],
)
def test_page_and_api_tell_the_status_of_the_day(
    client, acme_certification, freeze_today, day, status, expiring_soon, words
):
    freeze_today(day)
    response, html = _page(client, acme_certification.code)
    assert response.status_code == 200
    assert _shown_status(html) == ("expiring_soon" if expiring_soon else status)
    assert words in html
    record = client.get(f"/api/v1/certifications/{acme_certification.code}").get_json()
    assert (record["status"], record["expiring_soon"]) == (status, expiring_soon)


def test_page_names_holder_partner_product_release_and_dates_but_no_email(
    client, world, acme_certification, freeze_today
):
    freeze_today(ISSUED_ON)
    response, html = _page(client, acme_certification.code)
    tech = world.user("acme_tech")
    for shown in (tech.name, "Acme", "Orbit", "4.1.0", "2026-01-12", "2027-01-12"):
        assert shown in html
    assert acme_certification.code in html
    assert tech.email not in html and "@" not in html.split("<main", 1)[1]


def test_verification_page_is_not_for_search_engines(client, acme_certification):
    response, html = _page(client, acme_certification.code)
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    unknown = client.get("/verify/AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    assert unknown.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_a_lapsed_certification_says_it_lapsed_with_its_lapse_date(client, world, freeze_today):
    product = product_with_releases(
        ("4.0.0", date(2025, 1, 10), True),
        ("5.0.0", date(2025, 6, 1), True),
        ("6.0.0", date(2025, 9, 1), True),
        name="Orbit Lapse",
    )
    certification = make_certification(
        world.user("acme_tech"), release_of(product, "4.0.0"), issued_on=date(2025, 10, 1)
    )
    assert certification.lapses_on == date(2025, 11, 30)
    freeze_today(date(2025, 11, 29))
    assert _shown_status(_page(client, certification.code)[1]) == "expiring_soon"
    freeze_today(date(2025, 11, 30))
    response, html = _page(client, certification.code)
    assert _shown_status(html) == "lapsed"
    assert "lapsed on 2025-11-30" in html
    record = client.get(f"/api/v1/certifications/{certification.code}").get_json()
    assert (record["status"], record["expires_on"]) == ("lapsed", "2025-11-30")


def test_a_vendor_revocation_is_told_by_date_and_category_never_the_admins_words(
    client, world, acme_certification, freeze_today
):
    revoke_certification(
        acme_certification,
        "Shared the quiz answers on a forum (ticket 4711)",
        actor=world.user("vendor_admin"),
        today=ISSUED_ON,
    )
    db.session.commit()
    freeze_today(ISSUED_ON + timedelta(days=3))
    response, html = _page(client, acme_certification.code)
    revoked_on = acme_certification.revoked_at.date().isoformat()
    assert _shown_status(html) == "revoked"
    assert f"revoked on {revoked_on}: withdrawn by the vendor." in html
    assert "forum" not in html and "4711" not in html
    record = client.get(f"/api/v1/certifications/{acme_certification.code}").get_json()
    assert record["status"] == "revoked"
    assert record["revoked_on"] == revoked_on
    assert record["revocation_reason"] == "withdrawn by the vendor"
    assert "forum" not in str(record)


@pytest.mark.parametrize(
    ("departure", "words"),
    [("left", "the holder left the partner"), ("reassigned", "the holder was reassigned")],
)
def test_a_holder_leaving_or_reassigned_is_the_revocations_category(
    client, world, acme_certification, departure, words
):
    revoke_on_departure(world.user("acme_tech"), departure, today=ISSUED_ON)
    db.session.commit()
    html = _page(client, acme_certification.code)[1]
    assert _shown_status(html) == "revoked" and f": {words}." in html


def test_codes_are_looked_up_in_any_case_with_or_without_dashes(client, acme_certification):
    code = acme_certification.code
    for typed in (code, code.lower(), code.replace("-", ""), code.lower().replace("-", " ")):
        assert client.get(f"/verify/{typed}").status_code == 200, typed
        assert client.get(f"/api/v1/certifications/{typed}").get_json()["code"] == code


@pytest.mark.parametrize(
    "code",
    [
        "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF",  # well formed, never issued
        "not-a-code",
        "<img src=x onerror=alert(1)>",
        "A" * 200,
    ],
)
def test_an_unknown_code_is_a_404_that_says_the_code_is_unknown(client, acme_certification, code):
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No certificate has this code" in html
    assert "<img src=x" not in html
    error = api_error(client.get(f"/api/v1/certifications/{code}"), 404)
    assert error["code"] == "not_found"
    api_error(client.get(f"/api/v1/certifications/{code}/credential"), 404)


def test_api_answers_api_md_fields_and_the_documented_additions(client, acme_certification):
    response = client.get(f"/api/v1/certifications/{acme_certification.code}")
    assert response.status_code == 200
    record = response.get_json()
    assert set(record) == API_MD_FIELDS | ADDED_FIELDS
    assert {key: record[key] for key in API_MD_FIELDS} == {
        "code": acme_certification.code,
        "holder": acme_certification.user.name,
        "partner": "Acme",
        "product": "orbit",
        "release": "4.1.0",
        "issued_on": "2026-01-12",
        "expires_on": "2027-01-12",
        "status": "valid",
    }
    assert record["verify_url"] == f"http://127.0.0.1:5000/verify/{acme_certification.code}"


def test_the_lookup_budget_per_address_ends_in_429_for_page_and_api(
    app, client, acme_certification, monkeypatch
):
    monkeypatch.setitem(app.config, "CERTIFICATE_LOOKUP_RATE_LIMIT", "3 per minute")
    code = acme_certification.code
    assert client.get(f"/verify/{code}").status_code == 200
    assert client.get(f"/api/v1/certifications/{code}").status_code == 200
    assert client.get(f"/verify/{code}").status_code == 200
    assert client.get(f"/verify/{code}").status_code == 429
    error = api_error(client.get(f"/api/v1/certifications/{code}"), 429)
    assert error["code"] == "rate_limited"
    api_error(client.get(f"/api/v1/certifications/{code}/credential"), 429)
    # Another address has its own budget.
    other = client.get(f"/verify/{code}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_the_form_sends_a_typed_code_to_its_page(client, acme_certification):
    form = client.get("/verify")
    assert form.status_code == 200
    assert '<label class="form-label" for="code">Verification code</label>' in form.text
    typed = acme_certification.code.lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{acme_certification.code}"


def test_the_form_refuses_what_cannot_be_a_code_and_keeps_what_was_typed(client):
    response = client.get("/verify", query_string={"code": "12345"})
    assert response.status_code == 200
    assert "A verification code has 24 letters and digits" in response.text
    assert 'value="12345"' in response.text and "is-invalid" in response.text


def test_codes_hold_at_least_80_random_bits_by_construction(monkeypatch):
    """Every code is the base32 spelling of CSPRNG bytes: its length and alphabet bound its
    entropy, and nothing else goes into it."""
    asked = []

    def recorded(size):
        asked.append(size)
        return bytes(size)

    monkeypatch.setattr(codes.secrets, "token_bytes", recorded)
    code = codes.new_code()
    assert asked and asked[0] * 8 >= 80
    letters = code.replace("-", "")
    assert set(letters) == {"A"}  # all zero bytes: the code is those bytes and nothing else
    assert len(letters) * 5 >= 80  # 32 symbols = 5 bits each
    monkeypatch.undo()
    generated = {codes.new_code() for _ in range(500)}
    assert len(generated) == 500
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert all(
        set(c.replace("-", "")) <= alphabet and len(c.replace("-", "")) == 24 for c in generated
    )


def test_a_lookup_is_one_query(client, acme_certification, count_queries):
    """The certification, its holder, partner, product and release in one statement."""
    for url in (
        f"/verify/{acme_certification.code}",
        f"/api/v1/certifications/{acme_certification.code}",
    ):
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        assert queries.count == 1, url

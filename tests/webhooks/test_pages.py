"""The webhook pages: who sees them (a truth table), the form, the secret shown once, the
delivery log and its "send again" (a CSRF-protected POST)."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import Browser, signed_in
from tests.support import SQLITE_PASS_ONLY
from tests.webhooks.support import endpoint_for

pytestmark = SQLITE_PASS_ONLY

URL = "https://93.184.216.34/hooks"

# Who sees acme's webhook pages: its own admin only. Vendor staff do not (the partner's
# systems, and their secrets, are the partner's); another partner's admin gets a 404.
PAGES = {
    # principal: (list page, acme's endpoint page)
    "anonymous": (302, 302),
    "vendor_admin": (403, 403),
    "support_manager": (403, 403),
    "vendor_engineer": (403, 403),
    "acme_admin": (200, 200),
    "acme_tech": (403, 403),
    "globex_admin": (200, 404),
    "globex_tech": (403, 403),
}


def client_for(app, world, who):
    return app.test_client() if who == "anonymous" else signed_in(app, world.user(who))


@pytest.fixture
def acme_endpoint(esc):
    endpoint, _ = endpoint_for(esc, "acme", URL)
    return endpoint


@pytest.mark.parametrize(("who", "expected"), PAGES.items())
def test_who_sees_the_webhook_pages(app, esc, acme_endpoint, who, expected):
    client = client_for(app, esc.world, who)
    answers = (
        client.get("/webhooks/").status_code,
        client.get(f"/webhooks/{acme_endpoint.id}").status_code,
    )
    assert answers == expected


def test_another_partners_admin_cannot_act_on_the_endpoint(app, esc, acme_endpoint):
    delivery = WebhookDelivery(
        endpoint_id=acme_endpoint.id,
        message_id="msg_1",
        event_type="escalation.created",
        payload="{}",
        attempts=1,
    )
    db.session.add(delivery)
    db.session.commit()
    browser = Browser(signed_in(app, esc.user("globex_admin")))
    for action in (
        "disable",
        "enable",
        "rotate-secret",
        "delete",
        f"deliveries/{delivery.id}/send-again",
    ):
        response = browser.post(f"/webhooks/{acme_endpoint.id}/{action}", {"confirmed": "yes"})
        assert response.status_code == 404, action
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, acme_endpoint.id).enabled


def test_the_list_page_of_globex_shows_none_of_acmes_endpoints(app, esc, acme_endpoint):
    html = signed_in(app, esc.user("globex_admin")).get("/webhooks/").get_data(as_text=True)
    assert URL not in html
    assert "No webhook endpoints yet." in html


def test_registering_shows_the_secret_once(app, esc):
    browser = Browser(signed_in(app, esc.user("acme_admin")))
    response = browser.post(
        "/webhooks/",
        {"url": URL, "description": "Ticketing", "event_types": ["escalation.created"]},
        form_page="/webhooks/",
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(whsec_[^"]+)"', response.get_data(as_text=True)).group(1)

    [endpoint] = db.session.scalars(select(WebhookEndpoint)).all()
    assert (endpoint.url, endpoint.event_types) == (URL, ["escalation.created"])
    for page in ("/webhooks/", f"/webhooks/{endpoint.id}"):
        html = browser.client.get(page).get_data(as_text=True)
        assert URL in html and secret not in html and "whsec_" not in html


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"url": "https://10.0.0.1/x", "event_types": ["escalation.created"]}, "private"),
        ({"url": "http://93.184.216.34/", "event_types": ["escalation.created"]}, "https://"),
        ({"url": URL}, "Choose at least one event."),
        ({"url": "", "event_types": ["escalation.created"]}, "Give the endpoint"),
        ({"url": URL, "event_types": ["escalation.everything"]}, "not a valid choice"),
    ],
)
def test_a_refused_endpoint_says_why_next_to_the_field(app, esc, form, message):
    browser = Browser(signed_in(app, esc.user("acme_admin")))
    response = browser.post("/webhooks/", form, form_page="/webhooks/")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "invalid-feedback" in html
    assert db.session.scalar(select(db.func.count()).select_from(WebhookEndpoint)) == 0


def test_the_log_lists_deliveries_and_sends_one_again(app, esc, acme_endpoint):
    delivery = WebhookDelivery(
        endpoint_id=acme_endpoint.id,
        message_id="msg_log_sample",
        event_type="escalation.status_changed",
        payload="{}",
        status="failed",
        attempts=10,
        response_status=502,
        last_error="The endpoint answered HTTP 502.",
    )
    db.session.add(delivery)
    db.session.commit()
    browser = Browser(signed_in(app, esc.user("acme_admin")))
    page = f"/webhooks/{acme_endpoint.id}"
    html = browser.client.get(page).get_data(as_text=True)
    for text in (
        "msg_log_sample",
        "escalation.status_changed",
        "failed",
        "502",
        "The endpoint answered HTTP 502.",
        "Send again",
    ):
        assert text in html

    resend = f"{page}/deliveries/{delivery.id}/send-again"
    assert browser.client.post(resend).status_code == 400  # no CSRF token: refused
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == "failed"

    response = browser.post(resend, form_page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == "pending"


def test_delete_and_a_new_secret_are_confirmed_first(app, esc, acme_endpoint):
    browser = Browser(signed_in(app, esc.user("acme_admin")))
    endpoint_id = acme_endpoint.id
    page = f"/webhooks/{endpoint_id}"
    asked = browser.post(f"{page}/delete", form_page=page)
    assert asked.status_code == 200 and "Delete endpoint" in asked.get_data(as_text=True)
    assert db.session.get(WebhookEndpoint, acme_endpoint.id) is not None

    rotated = browser.post(f"{page}/rotate-secret", {"confirmed": "yes"}, form_page=page)
    assert "whsec_" in rotated.get_data(as_text=True)

    deleted = browser.post(f"{page}/delete", {"confirmed": "yes"}, form_page=page)
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint_id) is None


def test_disable_and_enable_from_the_log_page(app, esc, acme_endpoint):
    browser = Browser(signed_in(app, esc.user("acme_admin")))
    page = f"/webhooks/{acme_endpoint.id}"
    browser.post(f"{page}/disable", form_page=page)
    html = browser.client.get(page).get_data(as_text=True)
    assert "This endpoint is disabled" in html and ">Enable<" in html
    browser.post(f"{page}/enable", form_page=page)
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, acme_endpoint.id).enabled


@pytest.mark.parametrize(
    ("who", "shown"),
    [("acme_admin", True), ("acme_tech", False), ("vendor_admin", False)],
)
def test_the_partner_page_links_webhooks_for_its_admins(app, world, who, shown):
    html = signed_in(app, world.user(who)).get(f"/partners/{world.acme.id}").get_data(as_text=True)
    assert ('href="/webhooks/"' in html) is shown

"""The webhook pages in Chromium, with real deliveries in the log: no serious
accessibility violation (axe-core) on a desktop and on a 390-px phone, no sideways
scrolling on the phone. Each page's screenshots are left in the test's tmp_path."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from escalations import services
from portal.extensions import db
from portal.webhooks.delivery import deliver_due
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, BLOCKING, DESKTOP, PHONE
from tests.escalations.support import escalation_world, service_input
from tests.webhooks.support import Receiver, endpoint_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")),
        reason="markup is the same on either database: axe runs on the SQLite pass",
    ),
]


@pytest.fixture
def esc(request, world):
    return escalation_world(request, world)


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


def _with_deliveries(esc, receiver):
    """acme's endpoint with delivered, retrying and queued deliveries; and a disabled one."""
    endpoint, _ = endpoint_for(esc, "acme", receiver.url("/tickets/in"))
    endpoint.description = "Our ticketing (production)"
    disabled, _ = endpoint_for(esc, "acme", "https://93.184.216.34/hooks/staging")
    disabled.enabled = False
    disabled.disabled_reason = "Disabled by a partner admin."
    db.session.commit()

    tech, engineer = esc.user("acme_tech"), esc.user("vendor_engineer")
    escalation = services.submit_escalation(tech, service_input(esc))
    services.transition(escalation, engineer, "accept")
    db.session.commit()
    deliver_due()
    db.session.commit()

    receiver.status = 503  # the receiver answers errors: the comment waits for a retry
    services.add_comment(escalation, engineer, "We can reproduce it on 4.2.")
    db.session.commit()
    deliver_due()
    db.session.commit()

    services.add_attachment(escalation, tech, "server.log", b"line one\nline two\n")
    db.session.commit()
    return endpoint


def test_the_webhook_pages_are_accessible_on_desktop_and_phone(
    esc, receiver, live_server, page, tmp_path
):
    endpoint = _with_deliveries(esc, receiver)
    sign_in(page, live_server, esc.user("acme_admin"))
    axe = Axe()
    found = {}
    for name, path in (("index", "/webhooks/"), ("log", f"/webhooks/{endpoint.id}")):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            assert page.goto(f"{live_server}{path}").status == 200
            page.screenshot(path=tmp_path / f"webhooks-{name}-{size}.png", full_page=True)
            results = axe.run(page, options=AXE_OPTIONS)
            problems = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
                for v in results.response["violations"]
                if v["impact"] in BLOCKING
            ]
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{width} px wide")
            if problems:
                found[f"{path} ({size})"] = problems
    assert not found, "\n".join(f"{where}: {v}" for where, vs in found.items() for v in vs)

    # The log shows what happened to each message.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/webhooks/{endpoint.id}")
    table = page.get_by_test_id("webhook-deliveries").inner_text()
    for text in ("escalation.created", "escalation.comment_added", "delivered", "pending"):
        assert text in table

"""The customer's rating pages and the partner's ratings page in Chromium: no serious
accessibility violation (axe-core), on a desktop and on a 390-px phone, and no sideways
scrolling on the phone; the form sends a rating and thanks the customer. Each page's
screenshots are left in the test's tmp_path (or in $SCREENSHOTS_DIR when set)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from escalations.ratings.services import record_rating, token_for
from portal.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, BLOCKING, DESKTOP, PHONE
from tests.escalations.support import escalation_world
from tests.ratings.support import request_of, resolved

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


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _problems(axe, page) -> list[str]:
    results = axe.run(page, options=AXE_OPTIONS)
    found = [
        f"{v['id']} ({v['impact']})"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    if page.viewport_size == PHONE:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            found.append(f"{width} px wide")
    return found


def _check(axe, page, url, status=200, shot: Path | None = None) -> dict:
    found = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert page.goto(url).status == status, url
        if shot is not None:
            page.screenshot(path=shot.with_name(f"{shot.name}-{name}.png"), full_page=True)
        problems = _problems(axe, page)
        if problems:
            found[f"{url} ({name})"] = problems
    return found


def test_the_customer_rates_and_every_page_is_accessible(esc, live_server, page, axe, shots):
    _, pending = resolved(esc, title="Calendar sync drops invites")
    _, rated = resolved(esc, title="Export hangs on large files")
    waiting, _ = resolved(esc, title="Reports time out at month end")
    record_rating(token_for(rated), 4, "Solved within a day, with a clear explanation.")
    db.session.commit()
    link = f"{live_server}/rate/{token_for(pending)}"
    found = _check(axe, page, link, shot=shots / "rate")
    used = f"{live_server}/rate/{token_for(rated)}"
    found |= _check(axe, page, used, status=410, shot=shots / "refused-used")
    found |= _check(
        axe, page, f"{live_server}/rate/forged", status=404, shot=shots / "refused-forged"
    )

    # A refused form (no score) is accessible too, then the rating goes through.
    page.set_viewport_size(PHONE)
    page.goto(link)
    page.click("main form button[type=submit]")
    assert page.locator(".invalid-feedback").first.is_visible()
    page.screenshot(path=shots / "rate-refused-form-phone.png", full_page=True)
    problems = _problems(axe, page)
    if problems:
        found["refused form (phone)"] = problems
    page.check("input[name=score][value='5']")
    page.fill("textarea[name=comment]", "Quick and friendly.")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/rate/thanks")
    assert request_of(pending.escalation).score == 5
    found |= _check(axe, page, f"{live_server}/rate/thanks", shot=shots / "thanks")

    sign_in(page, live_server, esc.user("acme_admin"))
    ratings = f"{live_server}/partners/{esc.world.acme.id}/ratings"
    found |= _check(axe, page, ratings, shot=shots / "partner-ratings")
    found |= _check(
        axe, page, f"{live_server}/escalations/{waiting.id}", shot=shots / "escalation-link"
    )
    assert not found, "\n".join(f"{where}: {v}" for where, vs in found.items() for v in vs)

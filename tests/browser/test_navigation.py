"""Each demo role signs in through the real form in headless Chromium and sees its own
navigation; a partner admin cannot reach the other partner's pages."""

import pytest

from portal.extensions import db
from portal.models import Agreement
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

EXPECTED_NAV = {
    "vendor_admin": [
        "Dashboard",
        "Partners",
        "Escalations",
        "Training",
        "Quizzes",
        "Environments",
        "Products",
        "Users",
        "Tier discounts",
        "Knowledge base",
        "Partner directory",
        "Audit log",
    ],
    "support_manager": [
        "Dashboard",
        "Partners",
        "Escalations",
        "Training",
        "Environments",
        "Knowledge base",
        "Partner directory",
    ],
    "vendor_engineer": [
        "Partners",
        "Escalations",
        "Training",
        "Environments",
        "Knowledge base",
        "Partner directory",
    ],
    "acme_admin": [
        "My partner",
        "Our figures",
        "Escalations",
        "Technicians",
        "Customers",
        "Agreement",
        "Certifications",
        "Training",
        "Environments",
        "Knowledge base",
        "Partner directory",
        "Audit log",
    ],
    "acme_tech": [
        "My partner",
        "Escalations",
        "Certifications",
        "Training",
        "Quizzes",
        "Environments",
        "Knowledge base",
        "Partner directory",
    ],
}


def _nav_labels(page) -> list[str]:
    return [text.strip() for text in page.locator("[data-testid=main-nav] a").all_inner_texts()]


@pytest.mark.parametrize("who", list(EXPECTED_NAV))
def test_each_role_signs_in_and_sees_its_navigation(world, live_server, page, who):
    user = world.user(who)
    sign_in(page, live_server, user)
    # The support manager's home is the partner dashboard; everyone else's is /.
    home = "/management" if who == "support_manager" else ""
    assert page.url.rstrip("/") == live_server + home, "sign-in should land on the home page"
    assert user.name in page.locator("[data-testid=user-menu]").inner_text()
    assert _nav_labels(page) == EXPECTED_NAV[who]
    # Every link of the navigation opens a page, none refused. (Some may be under "More"
    # at this width: test_nav_fits.py shows every entry can be reached; here, follow it.)
    for label in EXPECTED_NAV[who]:
        link = page.locator("[data-testid=main-nav] a", has_text=label).first
        page.goto(live_server + link.get_attribute("href"))
        assert page.locator("h1").count() >= 1
        assert "Not allowed" not in page.content() and "Not found" not in page.title()


def test_anonymous_visitor_sees_public_navigation_and_is_sent_to_sign_in(live_server, page):
    page.goto(live_server)
    assert _nav_labels(page) == ["Knowledge base", "Partner directory"]
    page.goto(f"{live_server}/partners/")
    assert "/login" in page.url


def test_partner_admin_cannot_reach_the_other_partners_pages(world, live_server, page):
    agreement_id = db.session.scalar(
        db.select(Agreement.id).where(Agreement.partner_id == world.globex.id)
    )
    sign_in(page, live_server, world.user("acme_admin"))
    for path in (
        f"/partners/{world.globex.id}",
        f"/partners/{world.globex.id}/agreements/{agreement_id}",
        f"/partners/{world.globex.id}/customers",
        f"/partners/{world.globex.id}/technicians",
    ):
        response = page.goto(live_server + path)
        assert response.status == 404, path
        assert "Globex" not in page.content()
    # Its own partner page works, and says nothing of the other partner.
    response = page.goto(f"{live_server}/partners/{world.acme.id}")
    assert response.status == 200
    assert "Acme" in page.content() and "Globex" not in page.content()

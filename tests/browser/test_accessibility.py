"""axe-core in headless Chromium: no serious or critical accessibility violation on the main
pages of each role, on a desktop and on a 390-px phone; and no page scrolls sideways there.

axe-core comes with the `axe-playwright-python` package (no download at run time).
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal.extensions import db
from portal.models import Agreement
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_user
from tests.knowledge_base.factories import make_article

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The pages each role visits; {acme}, {agreement} and {article} are filled in per world.
PARTNER_PAGES = ["/partners/{acme}", "/partners/{acme}/agreements/{agreement}"]
PAGES = {
    "anonymous": ["/", "/login", "/kb/", "/kb/articles/{article}"],
    "vendor_admin": [
        "/",
        "/partners/",
        *PARTNER_PAGES,
        "/partners/{acme}/technicians",
        "/partners/{acme}/customers",
        "/admin/users",
        "/admin/products",
        "/profile",
        "/kb/",
        "/kb/articles/{article}",
        "/audit/",
    ],
    "support_manager": ["/", "/partners/", *PARTNER_PAGES, "/partners/{acme}/technicians"],
    "vendor_engineer": ["/", "/kb/", "/kb/articles/{article}", "/profile"],
    "acme_admin": [
        "/",
        "/partners/mine/technicians",
        "/partners/mine/customers",
        "/partners/mine/agreement",
        *PARTNER_PAGES,
        "/profile",
        "/kb/?tag=backup",
        "/audit/",
    ],
    "acme_tech": ["/", "/partners/{acme}", "/kb/", "/kb/articles/{article}", "/profile"],
}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def demo_like(world):
    """The world with what the pages show when in use: work waiting, long names, articles."""
    engineer = world.user("vendor_engineer")
    article = make_article(
        engineer, title="Back up and restore Orbit", tags=["backup"], product=world.product
    )
    make_article(engineer, title="Draft release notes", publish=False)
    propose_agreement(world.acme, AgreementTerms(), actor=world.user("vendor_admin"))
    make_user(
        "technician",
        world.acme,
        name="Maximilian Longname-Technician",
        email="maximilian.longname-technician@integrations.acme.example",
    )
    make_customer(world.acme, "Northwind Traders International Holdings", seats=12000)
    db.session.commit()
    world.article_slug = article.slug
    return world


def _paths(world, who: str) -> list[str]:
    agreement_id = db.session.scalar(
        db.select(Agreement.id).where(Agreement.partner_id == world.acme.id).limit(1)
    )
    return [
        path.format(acme=world.acme.id, agreement=agreement_id, article=world.article_slug)
        for path in PAGES[who]
    ]


def _blocking_violations(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("who", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violation(demo_like, live_server, page, axe, who):
    if who != "anonymous":
        sign_in(page, live_server, demo_like.user(who))
    found = {}
    for path in _paths(demo_like, who):
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            response = page.goto(live_server + path)
            assert response.status == 200, path
            violations = _blocking_violations(axe, page)
            if violations:
                found[f"{path} ({name})"] = violations
    assert not found, "\n".join(f"{where}: {v}" for where, vs in found.items() for v in vs)


@pytest.mark.parametrize(
    "who, path",
    [
        ("vendor_admin", "/"),
        ("vendor_admin", "/partners/"),
        ("vendor_admin", "/admin/users"),
        ("vendor_admin", "/admin/products"),
        ("vendor_admin", "/partners/{acme}"),
        ("support_manager", "/"),
        ("acme_admin", "/"),
        ("acme_admin", "/partners/mine/technicians"),
        ("acme_admin", "/partners/mine/customers"),
    ],
)
def test_pages_do_not_scroll_sideways_on_a_phone(demo_like, live_server, page, who, path):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, demo_like.user(who))
    page.goto(live_server + path.format(acme=demo_like.acme.id))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide"
    # Nor does any table scroll inside its card.
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('.table-responsive'))"
        ".filter(el => el.scrollWidth > el.clientWidth + 1).length"
    )
    assert wide == 0, f"{path}: {wide} table(s) scroll sideways"

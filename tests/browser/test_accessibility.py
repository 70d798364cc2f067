"""axe-core in headless Chromium: no serious or critical accessibility violation on the main
pages of each role, on a desktop and on a 390-px phone; and no page scrolls sideways there.

The crawl at the end signs in as each role of the demo world (`seed-demo`) and checks every
page its navigation leads to and every page one click away from those, so that pages
feature packages add are checked as they appear.

axe-core comes with the `axe-playwright-python` package (no download at run time). The
checks read markup, which is the same on either database: they run once, on SQLite (the
other browser tests run on both).
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from portal.extensions import db
from portal.models import Agreement, User
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_user
from tests.knowledge_base.factories import make_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")),
        reason="markup is the same on either database: axe runs on the SQLite pass",
    ),
]

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


# axe-core leaves this rule out by default (experimental); the audit had it on.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}


def _blocking_violations(axe, page) -> list[str]:
    results = axe.run(page, options=AXE_OPTIONS)
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


# --- Every page of the demo world a role reaches in one or two clicks -------------------------

DEMO_ACCOUNTS = {
    "anonymous": None,
    "vendor_admin": "admin@vendor.example",
    "support_manager": "manager@vendor.example",
    "vendor_engineer": "engineer@vendor.example",
    "partner_admin": "admin@acme.example",
    "technician": "tech@acme.example",
}
# Pages checked besides those the crawl finds (it keeps one page per endpoint): the KB as
# a compact list, filtered by a tag (the chip), and an article with a long code block and
# a wide table; the article editor for the roles that write.
EXTRA_PAGES = ["/kb/?view=list&sort=title", "/kb/?tag=backup", "/kb/articles/{code_article}"]
EDITOR_PAGES = ["/kb/new"]
SKIPPED_PREFIXES = ("/static/", "/bootstrap/", "/api/", "/logout", "/.well-known/")
LONG_CODE = (
    "Run this on each node:\n\n```\n"
    + "orbitctl cluster rebalance --all-nodes --include-archived --throttle=250 "
    + "--log-file=/var/log/orbit/rebalance-$(date +%Y%m%d-%H%M%S).log --verbose\n```\n\n"
    + "| Setting | Default | Minimum | Maximum | Restart needed | Notes |\n"
    + "|---|---|---|---|---|---|\n"
    + "| rebalance.throttle_per_node | 250 | 10 | 10000 | no | lower it on busy clusters |\n"
)


def _same_site_paths(page, base: str, scope: str = "body") -> list[str]:
    hrefs = page.eval_on_selector_all(f"{scope} a[href]", "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        if not href.startswith(base + "/"):
            continue
        path = href[len(base) :].split("#", 1)[0]
        if path and not path.startswith(SKIPPED_PREFIXES):
            paths.append(path)
    return list(dict.fromkeys(paths))


def _endpoint(app, path: str) -> str | None:
    from werkzeug.exceptions import HTTPException

    try:
        endpoint, _ = app.url_map.bind("localhost").match(path.split("?", 1)[0], method="GET")
    except HTTPException:
        return None
    return endpoint


#: Endpoints checked one click further in by an earlier role of the crawl (one process
#: runs the roles in turn): a later role checks its own navigation's pages again, but a
#: deeper page only if no role has had its endpoint yet (the layout is the same page's).
_DEEPER_CHECKED: set[str] = set()


def _pages_to_check(app, page, base: str, extra: list[str]) -> tuple[list[str], list[str]]:
    """The home page, the navigation's entries (under "More" or not) and the user menu's;
    then every page one click away from those (one page per endpoint, and none whose
    endpoint an earlier role's crawl checked) and `extra`."""
    page.set_viewport_size(DESKTOP)
    page.goto(base + "/")
    first = ["/", *_same_site_paths(page, base, "nav.navbar")]
    seen, pages = set(), []
    for path in first:
        if _endpoint(app, path) not in seen:
            seen.add(_endpoint(app, path))
            pages.append(path)
    first_level = list(pages)
    for path in first_level:
        page.goto(base + path)
        for link in _same_site_paths(page, base):
            endpoint = _endpoint(app, link)
            if endpoint is not None and endpoint not in seen | _DEEPER_CHECKED:
                seen.add(endpoint)
                pages.append(link)
    _DEEPER_CHECKED.update(_endpoint(app, path) for path in pages[len(first_level) :])
    deeper = pages[len(first_level) :] + [path for path in extra if path not in pages]
    return first_level, deeper


@pytest.mark.parametrize("who", list(DEMO_ACCOUNTS))
def test_every_page_a_demo_role_reaches_passes_axe(app, live_server, page, axe, who):
    from portal.demo import DEMO_PASSWORD, seed_demo

    seed_demo()
    engineer = db.session.scalar(db.select(User).where(User.email == "engineer@vendor.example"))
    code_article = make_article(engineer, title="Rebalance a cluster by hand", body=LONG_CODE)
    db.session.commit()
    if DEMO_ACCOUNTS[who]:
        user = db.session.scalar(db.select(User).where(User.email == DEMO_ACCOUNTS[who]))
        sign_in(page, live_server, user, password=DEMO_PASSWORD)
    extra = EXTRA_PAGES + (EDITOR_PAGES if who in ("vendor_admin", "vendor_engineer") else [])
    extra = [path.format(code_article=code_article.slug) for path in extra]
    first_level, deeper = _pages_to_check(app, page, live_server, extra)
    pages = first_level + deeper
    assert len(pages) >= 5, pages
    # The pages the navigation leads to on a desktop and a phone; those further in, where
    # a layout is shared with a page already seen at both widths, on the phone only (the
    # narrow layout is where names go missing and tables overflow).
    both, phone_only = (("desktop", DESKTOP), ("phone", PHONE)), (("phone", PHONE),)
    found = {}
    for path in pages:
        for name, viewport in both if path in first_level else phone_only:
            page.set_viewport_size(viewport)
            try:
                response = page.goto(live_server + path)
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    break  # a file sent as an attachment (CSV, archive): nothing to read
                raise
            if response.status != 200:
                found[f"{path} ({name})"] = [f"answered {response.status}"]
                break
            if "text/html" not in response.headers.get("content-type", ""):
                break  # a download (PDF, calendar file): nothing for axe to read
            problems = _blocking_violations(axe, page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"the page is {width} px wide")
            if problems:
                found[f"{path} ({name})"] = problems
    assert not found, f"{len(pages)} pages: " + "\n".join(
        f"{where}: {problem}" for where, problems in found.items() for problem in problems
    )

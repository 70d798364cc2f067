"""The navigation bar never widens the page, at any width, for any role, and every entry
stays reachable: in the row, under "More", or in the menu the toggler opens.

Each role is tried with its own entries, then with a crowded bar (ten entries with long
labels, and a long user name): what the bar will look like as feature packages add theirs.
"""

import os
from types import SimpleNamespace

import pytest

from portal import navigation
from portal.extensions import db
from portal.navigation import NavItem, navigation_for
from portal.roles import ALL_ROLES
from tests.browser.conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")),
        reason="layout is the same on either database: measured on the SQLite pass",
    ),
]

ROLES = ["vendor_admin", "support_manager", "vendor_engineer", "acme_admin", "acme_tech"]
WIDTHS = [390, 992, 1100, 1280, 1440]
CROWDED_WIDTHS = [320, 390, 992, 1100, 1199, 1200, 1280, 1399, 1400, 1440, 1599, 1600, 1920]
ROW_FROM = 1200  # below, the bar is collapsed behind the toggler (navbar-expand-xl)
EXTRA_LABELS = [
    "Partner directory",
    "Certifications",
    "Environments",
    "Training sessions",
    "Escalations",
    "Compliance overview",
    "Release calendar",
    "Reports",
    "Settings",
    "Help",
    "Service status",
    "Downloads",
    "Licences",
]


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# The links of the main navigation a reader can see: label, left and right edges.
VISIBLE_LINKS = """() => Array.from(document.querySelectorAll('nav.navbar a'))
  .filter(a => a.getClientRects().length && getComputedStyle(a).visibility !== 'hidden')
  .map(a => { const r = a.getBoundingClientRect();
              return [a.textContent.trim(), r.left, r.right]; })"""


# Where the bar is a row: the tops of its visible entries and of "More" (all equal).
ROW_TOPS = """() => Array.from(document.querySelectorAll(
    '[data-testid=main-nav] .nav-link, [data-testid=more-menu], [data-testid=user-menu]'))
  .filter(a => a.getClientRects().length).map(a => a.getBoundingClientRect().top)"""


@pytest.fixture
def browser_context_args():
    """No animation: menus open at once (Bootstrap honours the reader's reduced motion)."""
    return {"reduced_motion": "reduce"}


def _on_screen(page, selector: str, width: int) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def _shown(page, width: int) -> list[str]:
    """The labels of the visible navigation links, each checked to be within the screen."""
    links = page.evaluate(VISIBLE_LINKS)
    off = [label for label, left, right in links if left < 0 or right > width + 0.5]
    assert not off, f"{width}px: off the screen: {off}"
    return [label for label, _, _ in links]


def _assert_every_entry_reachable(page, labels: list[str], width: int) -> None:
    """Each label is a visible link, once: in the row or under "More" (from 1200 px), or
    in the collapsed menu once the toggler opened it."""
    if width < ROW_FROM:
        assert _on_screen(page, ".navbar-toggler", width), f"{width}px: no toggler"
        assert page.locator("#nav").is_hidden(), f"{width}px: the menu should start collapsed"
        page.click(".navbar-toggler")
        page.wait_for_selector("#nav.show")
        assert page.locator("[data-testid=more-nav]").is_hidden()
    shown = _shown(page, width)
    if width >= ROW_FROM:
        tops = page.evaluate(ROW_TOPS)
        assert max(tops) - min(tops) < 2, f"{width}px: the row wrapped ({shown})"
    if width >= ROW_FROM and not set(labels) <= set(shown):
        assert _on_screen(page, "[data-testid=more-menu]", width), f"{width}px: no More"
        page.click("[data-testid=more-menu]")
        page.wait_for_selector("[data-testid=more-nav] .dropdown-menu.show")
        shown = _shown(page, width)
    missing = [label for label in labels if shown.count(label) != 1]
    assert not missing, f"{width}px: not shown exactly once: {missing} (saw {shown})"
    assert _on_screen(page, "[data-testid=user-menu]", width), f"{width}px: user menu"


def _check_widths(page, live_server, labels: list[str], widths: list[int]) -> None:
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server + "/")
        assert _overflow(page) <= 0, f"{width}px: the page is {_overflow(page)}px too wide"
        _assert_every_entry_reachable(page, labels, width)
        assert _overflow(page) <= 0, f"{width}px: too wide with the menu open"


@pytest.mark.parametrize("who", ROLES)
def test_the_bar_fits_every_width_and_every_entry_is_reachable(world, live_server, page, who):
    user = world.user(who)
    labels = [item.label for item in navigation_for(user)]
    assert labels, who
    sign_in(page, live_server, user)
    _check_widths(page, live_server, labels, WIDTHS)


@pytest.fixture
def crowded_nav(monkeypatch):
    """Every role's bar padded to at least ten entries with long labels (distinct URLs of a page
    everyone may open)."""
    extras = []
    for role in ALL_ROLES:
        own = navigation_for(SimpleNamespace(is_authenticated=True, role=role))
        taken = {item.label for item in own}
        labels = [label for label in EXTRA_LABELS if label not in taken][: max(0, 10 - len(own))]
        extras += [
            NavItem(label, "kb.index", frozenset({role}), kwargs=(("topic", str(i)),))
            for i, label in enumerate(labels)
        ]
    monkeypatch.setattr(navigation, "NAV_ITEMS", (*navigation.NAV_ITEMS, *extras))


@pytest.mark.parametrize("who", ROLES)
def test_a_crowded_bar_still_fits_every_width(world, live_server, page, who, crowded_nav):
    user = world.user(who)
    user.name = "Maximilian Alexander Longname-Featherstonehaugh"
    db.session.commit()
    labels = [item.label for item in navigation_for(user)]
    assert len(labels) >= 10
    sign_in(page, live_server, user)
    _check_widths(page, live_server, labels, CROWDED_WIDTHS)

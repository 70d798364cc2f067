"""The support manager's dashboard in headless Chromium: sort a column, filter by a flag,
follow the flagged partner to its review, and from a reason on the review to the
escalations behind it; then the dashboard and the thresholds page without a serious
accessibility violation, on a desktop and on a 390-px phone that never scrolls sideways."""

import os
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, BLOCKING, DESKTOP, PHONE
from tests.escalations.support import escalation_world
from tests.management.rollup_support import placed

pytestmark = pytest.mark.browser

#: Whole past months, so the figures do not depend on the day the test runs.
WINDOW = "from=2025-01&to=2025-03"


@pytest.fixture
def esc(request, world):
    return escalation_world(request, world)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def flagged(esc):
    """acme: 6 escalations in the window, 4 rejected (2 duplicates, 2 documented in the
    KB): 66.7 % unwarranted, flagged. globex: 7 (more than acme), none rejected."""
    duplicates = [
        placed(esc, at("2025-01-05"), "rejected", reason="duplicate").id,
        placed(esc, at("2025-02-05"), "rejected", reason="duplicate").id,
    ]
    placed(esc, at("2025-01-06"), "rejected", reason="documented_in_kb")
    placed(esc, at("2025-02-06"), "rejected", reason="documented_in_kb")
    placed(esc, at("2025-01-07"), "accepted")
    placed(esc, at("2025-03-07"), "accepted")
    for day in range(10, 17):
        placed(esc, at(f"2025-01-{day}"), "accepted", partner="globex")
    db.session.commit()
    return esc, duplicates


def _partners(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-testid=dashboard] tbody tr", "rows => rows.map(r => r.dataset.partner)"
    )


def test_sort_filter_and_drill_down_from_a_flag_to_the_escalations(live_server, page, flagged):
    esc, duplicates = flagged
    sign_in(page, live_server, esc.world.user("support_manager"))
    page.goto(f"{live_server}/management/?{WINDOW}")
    assert _partners(page) == ["acme", "globex"]

    # Sort by the unwarranted rate: the highest first, then again for the lowest first.
    page.click("a[data-sort=unwarranted]")
    assert _partners(page) == ["acme", "globex"]
    assert page.get_attribute("th:has(a[data-sort=unwarranted])", "aria-sort") == "descending"
    page.click("a[data-sort=unwarranted]")
    assert _partners(page) == ["globex", "acme"]
    assert page.get_attribute("th:has(a[data-sort=unwarranted])", "aria-sort") == "ascending"

    # Filter by a flag: only acme raises it; the window and the order stay.
    page.select_option("#f-flag", "unwarranted_rate_high")
    page.click("form[role=search] button[type=submit]")
    assert _partners(page) == ["acme"]
    assert "from=2025-01" in page.url and "sort=unwarranted" in page.url

    # The flag leads to acme's review over the same months.
    page.click("[data-partner=acme] a[data-flag=unwarranted_rate_high]")
    page.wait_for_load_state()
    assert "/management/partners/acme?" in page.url and WINDOW in page.url
    assert page.locator("h1").first.inner_text().strip().startswith("Acme")

    # From the duplicates' total to the two escalations behind it.
    page.click("[data-testid=reasons] tfoot [data-reason=duplicate] a")
    page.wait_for_load_state()
    assert "/escalations?" in page.url
    for part in ("reason=duplicate", "submitted_from=2025-01-01", "submitted_to=2025-03-31"):
        assert part in page.url, page.url
    shown = page.eval_on_selector_all(
        "[data-testid=escalations] tbody tr", "rows => rows.map(r => Number(r.dataset.escalation))"
    )
    assert sorted(shown) == sorted(duplicates)


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="markup is the same on either database: axe runs on the SQLite pass",
)
@pytest.mark.parametrize("path", [f"/management/?{WINDOW}", "/management/thresholds"])
def test_the_pages_read_well_on_a_desktop_and_a_phone(live_server, page, axe, flagged, path):
    esc, _ = flagged
    sign_in(page, live_server, esc.world.user("support_manager"))
    found = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert page.goto(live_server + path).status == 200
        results = axe.run(page, options=AXE_OPTIONS)
        problems = [
            f"{v['id']} ({v['impact']}): "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in BLOCKING
        ]
        if viewport == PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{width} px wide")
        if problems:
            found[name] = problems
    assert not found, found

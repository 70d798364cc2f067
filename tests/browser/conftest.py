"""Browser tests: the app served on a free local port, driven by headless Chromium.

- `live_server`: the base URL of the session's app, served by werkzeug in a background
  thread and sharing the test database (commit what a page must show before opening
  it; the suite empties the tables after each test as usual).
- `chromium`: one headless Chromium for the session (Debian's /usr/bin/chromium through
  Playwright's sync API; never `playwright install`).
- `page`: a fresh browser context and page per test; `sign_in(page, live_server, user)`
  signs in through the real login form.

On the PostgreSQL pass only the journeys run in the browser (they cross every layer down
to the database); what the other browser tests check (markup, scripts, layout) does not
depend on the database, and the same rules are tested below the browser on both.
"""

import os
import threading

import pytest
from werkzeug.serving import make_server

#: The browser tests that run on the PostgreSQL pass too.
BOTH_DATABASES = {"test_certification_journey.py", "test_escalation_form.py"}


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="browser tests beside the journeys run on the SQLite pass")
    for item in items:
        if item.path.parent.name == "browser" and item.path.name not in BOTH_DATABASES:
            item.add_marker(skip)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        # Fail rather than skip: a suite that silently drops its browser tests proves less.
        pytest.fail(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_context_args():
    """Override in a test module to pass options to `new_context` (e.g. bypass_csp)."""
    return {}


@pytest.fixture
def page(chromium, browser_context_args):
    context = chromium.new_context(**browser_context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def sign_in(page, base_url: str, user, password: str | None = None) -> None:
    """Sign `user` in through the login form (the test factories' password by default)."""
    from tests.factories import PASSWORD

    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

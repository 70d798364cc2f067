"""Destructive and binding actions are confirmed first, in Chromium: a modal dialog
stating the consequence with JavaScript (Cancel and Escape change nothing), the server's
confirmation page without it. Under the strict CSP, with no error in the console."""

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Agreement, User
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _status(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).status


def _console_errors(page) -> list[str]:
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_marking_a_technician_as_left_asks_first(world, live_server, page):
    errors = _console_errors(page)
    tech = world.user("acme_tech")
    sign_in(page, live_server, world.user("acme_admin"))
    page.goto(f"{live_server}/partners/mine/technicians")
    row = page.locator("[data-testid=technicians] tr", has_text=tech.name)
    dialog = page.get_by_role("dialog")

    # Cancel: nothing happens, the focus is back on the button.
    row.get_by_role("button", name="Mark left").click()
    assert dialog.is_visible()
    text = dialog.inner_text()
    assert f"Mark {tech.name} as left?" in text
    assert "can no longer sign in" in text and "no longer count as certified for Acme" in text
    assert dialog.get_by_role("button", name="Cancel").evaluate("b => b === document.activeElement")
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible()
    assert row.get_by_role("button", name="Mark left").evaluate("b => b === document.activeElement")

    # Escape: nothing happens either.
    row.get_by_role("button", name="Mark left").click()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert _status(tech.id) == "active"

    # Confirm: done, and said so.
    row.get_by_role("button", name="Mark left").click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Mark as left").click()
    assert "is marked as having left" in page.inner_text("main")
    assert _status(tech.id) == "left"
    assert errors == []


def test_accepting_an_agreement_asks_with_what_it_binds(world, live_server, page):
    proposal = propose_agreement(
        world.acme, AgreementTerms(fee_percentage=Decimal("25")), actor=world.user("vendor_admin")
    )
    db.session.commit()
    sign_in(page, live_server, world.user("acme_admin"))
    page.goto(f"{live_server}/partners/{world.acme.id}/agreements/{proposal.id}")
    page.get_by_role("button", name="Accept version 2").click()
    dialog = page.get_by_role("dialog", name="Accept version 2 of the agreement?")
    assert "version 1, in force today, is superseded" in dialog.inner_text()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Accept version 2").click()
    db.session.expire_all()
    assert db.session.get(Agreement, proposal.id).status == "in_force"


def test_without_javascript_the_server_asks_on_a_page(world, live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        tech = world.user("globex_tech")
        sign_in(page, live_server, world.user("vendor_admin"))
        page.goto(f"{live_server}/admin/users/{tech.id}/edit")
        page.get_by_role("button", name="Deactivate").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name=f"Deactivate {tech.name}?").is_visible()
        assert "can no longer sign in or use API tokens" in page.inner_text("main")
        assert _status(tech.id) == "active"

        page.get_by_role("link", name="Cancel").click()  # back where it started
        page.wait_for_load_state()
        assert page.url.endswith(f"/admin/users/{tech.id}/edit")
        assert _status(tech.id) == "active"

        page.get_by_role("button", name="Deactivate").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Deactivate").click()  # the page's own button
        page.wait_for_load_state()
        assert page.url.endswith(f"/admin/users/{tech.id}/edit")
        assert _status(tech.id) == "left"
    finally:
        context.close()

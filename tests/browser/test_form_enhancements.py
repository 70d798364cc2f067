"""The forms' small scripts in Chromium, under the strict CSP: fields that apply only to
some choices, releases per product and the live preview in the KB editor, slug
suggestions, and the copy button of a new API token."""

import pytest
from playwright.sync_api import expect

from knowledge_base.models import Article
from portal.extensions import db
from portal.models import Agreement
from tests.browser.conftest import sign_in
from tests.factories import make_product

pytestmark = pytest.mark.browser


@pytest.fixture
def errors(page) -> list[str]:
    """What the page logs as an error (a CSP refusal, a script error)."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def test_agreement_form_shows_only_the_fields_that_apply(world, live_server, page, errors):
    sign_in(page, live_server, world.user("vendor_admin"))
    page.goto(f"{live_server}/partners/{world.acme.id}/agreements/new")
    percentage, fixed = page.locator("#fee_percentage"), page.locator("#fixed_fee")
    hours = page.locator("[data-testid=business-hours-group]")
    out_of_hours = page.locator("#out_of_hours_response_minutes")

    assert percentage.is_visible() and not fixed.is_visible()
    assert hours.is_visible() and not out_of_hours.is_visible()

    page.get_by_label("A fixed fee per period").check()
    assert fixed.is_visible() and not percentage.is_visible()
    page.get_by_label("24x7, around the clock").check()
    assert not hours.is_visible()
    page.select_option("#out_of_hours_cover", "first_line")
    assert out_of_hours.is_visible()

    # Typed values of hidden fields are not sent; the service clears them anyway.
    fixed.fill("1200")
    out_of_hours.fill("30")
    page.fill("#sla-S1-first_response", "2")
    page.select_option("#sla-S1-first_response_unit", "hours")
    with page.expect_navigation():
        page.get_by_role("button", name="Propose to").click()
    db.session.expire_all()
    proposal = world.acme.pending_agreement
    assert proposal is not None, page.inner_text("main")[:500]
    assert (proposal.fee_model, proposal.fixed_fee, proposal.fee_percentage) == (
        "fixed",
        1200,
        None,
    )
    assert (proposal.coverage, proposal.business_days) == ("24x7", "")
    assert proposal.out_of_hours_response_minutes == 30
    assert proposal.sla_for("S1").first_response_minutes == 120
    assert errors == []


def test_kb_editor_lists_the_chosen_products_releases(world, live_server, page, errors):
    other = make_product("beacon", releases=("7.0", "7.1"))
    db.session.commit()
    orbit_release = world.product.releases[0]
    sign_in(page, live_server, world.user("vendor_engineer"))
    page.goto(f"{live_server}/kb/new")
    orbit_box = page.locator(f"#release-{orbit_release.id}")
    beacon_box = page.locator(f"#release-{other.releases[0].id}")
    hint = page.get_by_text("Choose the product first")

    assert hint.is_visible() and not orbit_box.is_visible() and not beacon_box.is_visible()
    page.select_option("#product_id", label="Beacon")
    assert beacon_box.is_visible() and not orbit_box.is_visible() and not hint.is_visible()
    beacon_box.check()
    page.select_option("#product_id", label="Orbit")
    assert orbit_box.is_visible() and not beacon_box.is_visible()
    orbit_box.check()  # a check box, no Ctrl-click

    page.fill("#title", "Upgrade notes for Orbit")
    page.fill("#body", "Read before upgrading.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    db.session.expire_all()
    article = db.session.scalar(db.select(Article))
    assert article is not None, page.inner_text("main")[:500]
    # Beacon's ticked release was hidden with its product, so not sent.
    assert [r.id for r in article.releases] == [orbit_release.id]
    assert errors == []


def test_kb_editor_preview_follows_the_text(world, live_server, page, errors):
    sign_in(page, live_server, world.user("vendor_engineer"))
    page.goto(f"{live_server}/kb/new")
    preview = page.locator("[data-testid=kb-preview]")
    assert not page.get_by_role("button", name="Preview").is_visible()  # live instead

    page.fill("#title", "Rotate the key")
    page.fill("#body", "## Steps\n\n1. Generate a key.\n\n<img src=x onerror=alert(1)>")
    preview.locator("h2", has_text="Steps").wait_for()
    assert preview.locator("ol li").inner_text() == "Generate a key."
    assert preview.locator("img").count() == 0  # HTML shown as text, never run
    assert "<img src=x" in preview.inner_text()
    assert preview.locator("[data-preview-title]").inner_text() == "Rotate the key"
    # Side by side on a desktop screen: the preview is to the right of the text box.
    text_box = page.locator("#body").bounding_box()
    pane = preview.bounding_box()
    assert pane["x"] >= text_box["x"] + text_box["width"] - 1
    assert abs(pane["y"] - text_box["y"]) < 120
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 0
    assert errors == []


def test_a_new_partners_slug_is_suggested_from_its_name(world, live_server, page, errors):
    sign_in(page, live_server, world.user("vendor_admin"))
    page.goto(f"{live_server}/partners/new")
    page.fill("#name", "Ünïcode & Sons GmbH")
    page.locator("#name").press("End")  # typing fires input events; fill fires one too
    assert page.input_value("#slug") == "unicode-sons-gmbh"
    page.fill("#slug", "unicode")  # the user's own slug is kept
    page.locator("#name").type(" Ltd")
    assert page.input_value("#slug") == "unicode"
    assert errors == []


@pytest.fixture
def browser_context_args():
    return {"permissions": ["clipboard-read", "clipboard-write"]}


def test_a_new_token_can_be_copied_and_the_name_is_cleared(world, live_server, page, errors):
    sign_in(page, live_server, world.user("acme_tech"))
    page.goto(f"{live_server}/profile")
    page.fill("#token-name", "ticketing sync")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token-value").inner_text().strip()
    assert page.input_value("#token-name") == ""

    copy = page.get_by_role("button", name="Copy the new token to the clipboard")
    copy.click()
    expect(copy).to_have_text("Copied")  # visible
    expect(page.locator("[data-copy-status=new-token-value]")).to_have_text(
        "Copied to the clipboard."  # announced
    )
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert errors == []


def test_agreement_without_javascript_shows_every_field(world, live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, world.user("vendor_admin"))
        page.goto(f"{live_server}/partners/{world.acme.id}/agreements/new")
        for field in (
            "#fee_percentage",
            "#fixed_fee",
            "#business_start",
            "#out_of_hours_response_minutes",
        ):
            assert page.locator(field).is_visible(), field
        assert page.get_by_text("For the fixed-fee model only").is_visible()
        assert db.session.scalar(db.select(db.func.count()).select_from(Agreement)) == 2
    finally:
        context.close()

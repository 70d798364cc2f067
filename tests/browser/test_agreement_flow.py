"""The agreement negotiation end to end in Chromium: the vendor proposes, the partner
returns it with comments, the vendor revises, the partner accepts; the new version is
in force and the old one superseded."""

import pytest

from portal.extensions import db
from portal.models import Agreement
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _versions(partner) -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.execute(
        db.select(Agreement.version, Agreement.status).where(Agreement.partner_id == partner.id)
    )
    return dict(rows.all())


def _page_of(partner, version: int) -> str:
    agreement_id = db.session.scalar(
        db.select(Agreement.id).where(
            Agreement.partner_id == partner.id, Agreement.version == version
        )
    )
    return f"/partners/{partner.id}/agreements/{agreement_id}"


def test_propose_return_revise_accept(world, live_server, chromium):
    vendor = chromium.new_context().new_page()
    partner = chromium.new_context().new_page()
    sign_in(vendor, live_server, world.user("vendor_admin"))
    sign_in(partner, live_server, world.user("globex_admin"))

    # The vendor proposes version 2 with a new fee.
    vendor.goto(f"{live_server}/partners/{world.globex.id}/agreements/new")
    vendor.fill("input[name=fee_percentage]", "25")
    vendor.get_by_role("button", name="Propose to").click()
    vendor.wait_for_load_state()
    assert _versions(world.globex) == {1: "in_force", 2: "proposed"}

    # The partner admin sends it back with comments.
    partner.goto(f"{live_server}/partners/mine/agreement")
    partner.get_by_role("link", name="version 2", exact=False).first.click()
    partner.fill("textarea[name=comments]", "25 % is too much for our volume.")
    partner.get_by_role("button", name="Return with comments").click()
    with partner.expect_navigation():  # confirmed in the dialog
        partner.get_by_role("dialog").get_by_role("button", name="Return with comments").click()
    assert "25 % is too much" in partner.inner_text("main")
    assert _versions(world.globex) == {1: "in_force", 2: "returned"}

    # The vendor revises (the form starts from the returned version) and proposes v3.
    vendor.goto(live_server + _page_of(world.globex, 2))
    assert "25 % is too much" in vendor.inner_text("main")
    vendor.get_by_role("link", name="Revise").click()
    assert vendor.input_value("input[name=fee_percentage]").startswith("25")
    vendor.fill("input[name=fee_percentage]", "21.5")
    vendor.get_by_role("button", name="Propose to").click()
    vendor.wait_for_load_state()

    # The partner accepts version 3: it is in force, version 1 superseded.
    partner.goto(live_server + _page_of(world.globex, 3))
    partner.get_by_role("button", name="Accept version 3").click()
    with partner.expect_navigation():  # confirmed in the dialog
        partner.get_by_role("dialog").get_by_role("button", name="Accept version 3").click()
    assert _versions(world.globex) == {1: "superseded", 2: "returned", 3: "in_force"}
    partner.goto(f"{live_server}/partners/{world.globex.id}")
    assert "21.50 %" in partner.inner_text("main")

"""The escalation form in Chromium, under the strict CSP, on the demo world.

- The certified demo technician types a title: a matching KB article appears (the
  form's script asks the suggestions endpoint), opens in a new tab and is ticked;
  the escalation is submitted with a log file, and its deflection log holds the article
  as shown, opened and reviewed. Then the journey: the engineer asks for information,
  the technician responds, the engineer resolves, and the partner's mail about each
  step reaches a real SMTP server on loopback.
- The demo's newcomer saves a draft; the certified colleague finds it on the home page,
  completes it and submits it: the gate judged the colleague.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from escalations.models import Attachment, DeflectionEntry, Escalation
from knowledge_base.models import Article
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.mail import deliver_due
from portal.models import User
from tests.browser.conftest import sign_in
from tests.mail.conftest import smtp_server_for

pytestmark = pytest.mark.browser

ARTICLE = "Export hangs on files larger than 2 GB"


@pytest.fixture
def demo(app, live_server):
    return seed_demo()


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on loopback that the outbox delivers to."""
    server = smtp_server_for(app, monkeypatch).start()
    yield server
    server.stop()


@pytest.fixture
def errors(page) -> list[str]:
    """What the page logs as an error (a CSP refusal, a script error)."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _fill_reproduction(page, title: str) -> None:
    page.select_option("#release_id", label="Orbit Server 4.2.0")
    page.select_option("#customer_id", label="Northwind Traders")
    page.select_option("#environment_id", label="Acme Server Lab (Orbit Server 4.2.0)")
    page.fill("#title", title)
    page.fill("#steps", "1. Export a 3 GB project 2. Wait")
    page.fill("#expected", "The export finishes")
    page.fill("#actual", "It hangs at 99%")
    page.check("#reproduced_on_vanilla")
    page.check("#no_customization")


def test_a_suggested_article_is_logged_and_the_escalation_goes_to_resolution_with_mail(
    demo, live_server, page, errors, tmp_path, smtp
):
    sign_in(page, live_server, _user("tech@acme.example"), DEMO_PASSWORD)
    page.goto(f"{live_server}/escalations/new")
    page.locator("#title").press_sequentially("Export hangs on big files", delay=20)
    panel = page.get_by_test_id("kb-suggestions")
    slug = db.session.scalar(select(Article.slug).where(Article.title == ARTICLE))
    suggestion = panel.locator(f"li[data-slug='{slug}']")
    expect(suggestion).to_be_visible()

    link = suggestion.get_by_role("link", name=ARTICLE)
    assert link.get_attribute("target") == "_blank"
    with page.context.expect_page() as opened:
        link.click()
    opened.value.close()
    suggestion.get_by_label("Reviewed: it does not solve this problem").check()

    _fill_reproduction(page, "Export hangs on big files")
    evidence = tmp_path / "export.log"
    evidence.write_text("2026-12-01T10:00:00Z ERROR export stalled at 99%\n")
    page.set_input_files("#evidence", str(evidence))
    page.get_by_role("button", name="Submit the escalation").click()
    expect(page.get_by_text("is submitted: the vendor's engineers have it")).to_be_visible()

    db.session.expire_all()
    escalation = db.session.scalar(
        select(Escalation).where(Escalation.title == "Export hangs on big files")
    )
    assert escalation.status == "submitted"
    log = {
        entry.article.title: (entry.suggested, entry.opened, entry.reviewed)
        for entry in db.session.scalars(
            select(DeflectionEntry).where(DeflectionEntry.escalation_id == escalation.id)
        )
    }
    assert log[ARTICLE] == (True, True, True)
    assert (
        db.session.scalar(
            select(Attachment.file_name).where(Attachment.escalation_id == escalation.id)
        )
        == "export.log"
    )
    assert errors == []

    def act(user_email: str, action: str, note: str | None = None) -> None:
        page.context.clear_cookies()
        sign_in(page, live_server, _user(user_email), DEMO_PASSWORD)
        page.goto(f"{live_server}/escalations/{escalation.id}")
        form = page.get_by_test_id(f"action-{action}")
        if note is not None:  # a form behind its disclosure; one click otherwise
            form.locator("xpath=ancestor::details").locator("summary").click()
            form.locator("textarea").fill(note)
        form.get_by_role("button").click()
        expect(page.get_by_role("alert").filter(has_text="#")).to_be_visible()

    act("engineer@vendor.example", "request_info", "Which build of the exporter runs there?")
    expect(page.get_by_test_id("action-request_info")).to_have_count(0)
    act("tech@acme.example", "respond", "Build 4.2.0-1187, as shipped.")
    act("engineer@vendor.example", "accept")
    act("engineer@vendor.example", "resolve", "Fixed in 4.2.1: raise export.chunk_size.")
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).status == "resolved"
    assert page.get_by_test_id("timeline").get_by_text("Fixed in 4.2.1").is_visible()

    assert deliver_due()["sent"] >= 3
    to_technician = [m for m in smtp.mailbox.messages if "tech@acme.example" in m["To"]]
    subjects = [m["Subject"] for m in to_technician]
    for status in ("waiting on partner", "submitted", "accepted", "resolved"):
        assert f"Escalation #{escalation.id} {status}: Export hangs on big files" in subjects
    resolved = next(m for m in to_technician if "resolved:" in m["Subject"])
    body = resolved.get_content()
    assert "Fixed in 4.2.1: raise export.chunk_size." in body
    assert f"/escalations/{escalation.id}" in body
    assert errors == []


def test_a_newcomers_draft_is_submitted_by_a_certified_colleague(demo, live_server, page, errors):
    sign_in(page, live_server, _user("newbie@acme.example"), DEMO_PASSWORD)
    page.goto(f"{live_server}/escalations/new")
    expect(page.get_by_test_id("not-certified")).to_be_visible()
    page.fill("#title", "Search index lost after a power cut")
    page.fill("#actual", "Search finds nothing")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("is saved: any technician of Acme")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, live_server, _user("tech@acme.example"), DEMO_PASSWORD)
    drafts = page.locator("[data-step=partner_drafts]")
    drafts.get_by_role("link", name="Search index lost after a power cut").click()
    expect(page.locator("#title")).to_have_value("Search index lost after a power cut")
    _fill_reproduction(page, "Search index lost after a power cut")
    page.get_by_role("button", name="Submit the escalation").click()
    expect(page.get_by_text("is submitted: the vendor's engineers have it")).to_be_visible()

    db.session.expire_all()
    escalation = db.session.scalar(
        select(Escalation).where(Escalation.title == "Search index lost after a power cut")
    )
    assert escalation.status == "submitted"
    assert escalation.drafted_by.email == "newbie@acme.example"
    assert escalation.submitter.email == "tech@acme.example"
    assert errors == []

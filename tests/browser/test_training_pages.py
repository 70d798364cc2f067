"""Training in Chromium: a technician on a phone finds a session, signs up and downloads
its calendar file; a vendor admin removes an attendee and deletes a session through the
confirmation dialog. No page is wider than the screen, and the console stays clean."""

import pytest
from icalendar import Calendar

from certification.models import TrainingAttendee, TrainingSession
from portal.extensions import db
from tests.browser.conftest import sign_in
from tests.certification.training_support import in_days, make_session

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _console_errors(page) -> list[str]:
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def session(world):
    return make_session(
        world.product.releases[0],
        world.user("vendor_admin"),
        title="Orbit administration for support technicians",
        starts_at=in_days(9),
        location="Vendor Academy, room Kepler, Friedrichstraße 12, Berlin",
        video_url="https://meet.vendor.example/a-rather-long-meeting-link-for-orbit-training",
        description="What changed, and how partners troubleshoot it before escalating.",
    )


def test_a_technician_on_a_phone_signs_up_and_gets_the_calendar_file(
    world, live_server, page, session
):
    errors = _console_errors(page)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.user("acme_tech"))
    page.goto(f"{live_server}/training")
    assert _overflow(page) <= 0
    page.get_by_role("link", name=session.title).click()
    page.wait_for_load_state()
    assert _overflow(page) <= 0
    with page.expect_navigation():
        page.get_by_role("button", name="Sign up").click()
    assert "You are signed up" in page.inner_text("[data-testid=my-place]")
    assert world.user("acme_tech").email in page.inner_text("#attendees")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    path = download_info.value.path()
    with open(path, "rb") as file:
        [event] = Calendar.from_ical(file.read()).walk("VEVENT")
    db.session.expire_all()
    assert event.decoded("DTSTART") == db.session.get(TrainingSession, session.id).starts_at
    assert errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_training_pages_fit_the_screen(world, live_server, page, session, viewport):
    tech = world.user("globex_tech")
    db.session.add(
        TrainingAttendee(session_id=session.id, user_id=tech.id, partner_id=tech.partner_id)
    )
    db.session.commit()
    page.set_viewport_size(viewport)
    sign_in(page, live_server, world.user("vendor_admin"))
    for path in (
        "/training",
        f"/training/{session.id}",
        f"/training/{session.id}/edit",
        f"/training/{session.id}/materials",
        "/training/new",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").count() == 1
        assert _overflow(page) <= 0, path


def test_a_vendor_admin_removes_an_attendee_and_deletes_the_session_after_confirming(
    world, live_server, page, session
):
    errors = _console_errors(page)
    tech, session_id = world.user("acme_tech"), session.id
    db.session.add(
        TrainingAttendee(session_id=session.id, user_id=tech.id, partner_id=tech.partner_id)
    )
    db.session.commit()
    sign_in(page, live_server, world.user("vendor_admin"))
    page.goto(f"{live_server}/training/{session_id}")
    dialog = page.get_by_role("dialog")

    page.locator("[data-testid=attendees] tr", has_text=tech.name).get_by_role(
        "button", name="Remove"
    ).click()
    assert f"Take {tech.name} off the list" in dialog.inner_text()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Remove from the list").click()
    assert "is no longer on the list" in page.inner_text("main")

    page.get_by_role("button", name="Delete").click()
    assert "This cannot be undone" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id) is not None
    page.get_by_role("button", name="Delete").click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Delete the session").click()
    assert page.url.endswith("/training")
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id) is None
    assert errors == []

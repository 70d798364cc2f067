"""The .ics file of a session, read back with the icalendar library."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from certification.training import update_session
from certification.training_materials import add_material
from portal.extensions import db
from tests.certification.training_support import NOW, make_session, session_input
from tests.factories import signed_in
from tests.knowledge_base.factories import make_article


def _download(app, user, session):
    response = signed_in(app, user).get(f"/training/{session.id}/session.ics")
    assert response.status_code == 200
    return response


def _event(response):
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def berlin_session(world):
    admin = world.user("vendor_admin")
    session = make_session(
        world.product.releases[0],
        admin,
        title="Orbit 4.1 for support",
        starts_local=datetime(2026, 3, 27, 9, 30),  # CET, UTC+1
        ends_local=datetime(2026, 3, 30, 12, 0),  # CEST, UTC+2: the clocks changed between
        location="Room 4, Berlin",
        video_url="https://meet.example/orbit-41",
        description="Bring a laptop.",
        trainer="Tina Trainer",
    )
    article = make_article(
        world.user("vendor_engineer"),
        title="Orbit 4.1 release notes",
        kind="release_note",
        product=world.product,
    )
    add_material(session, article.id, actor=admin)
    db.session.commit()
    return session


def test_the_calendar_file_gives_the_sessions_times_in_its_zone(app, world, berlin_session):
    response = _download(app, world.user("acme_tech"), berlin_session)
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    calendar, event = _event(response)
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == berlin_session.starts_at and end == berlin_session.ends_at
    assert start == datetime(2026, 3, 27, 8, 30, tzinfo=UTC)
    assert end == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert str(start.tzinfo) == "Europe/Berlin"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    # The zone's definition travels with the event, for calendars that do not know it.
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Berlin"


def test_the_calendar_file_says_what_where_and_who(app, world, berlin_session):
    _, event = _event(_download(app, world.user("acme_tech"), berlin_session))
    assert str(event["SUMMARY"]) == "Orbit 4.1 for support"
    assert str(event["LOCATION"]) == "Room 4, Berlin"
    assert str(event["URL"]) == "https://meet.example/orbit-41"
    assert str(event["CONFERENCE"]) == "https://meet.example/orbit-41"
    description = str(event["DESCRIPTION"])
    for text in (
        "Bring a laptop.",
        "Trainer: Tina Trainer",
        "Video link: https://meet.example/orbit-41",
        "Materials: Orbit 4.1 release notes",
        f"/training/{berlin_session.id}",
    ):
        assert text in description
    assert event["ORGANIZER"].params["CN"] == "Tina Trainer"
    assert str(event["ORGANIZER"]).startswith("mailto:")


def test_the_uid_stays_and_the_sequence_grows_when_the_session_changes(app, world, berlin_session):
    tech = world.user("acme_tech")
    _, first = _event(_download(app, tech, berlin_session))
    assert first["SEQUENCE"] == 0
    moved = session_input(
        berlin_session.release,
        title=berlin_session.title,
        starts_local=datetime(2026, 4, 2, 9, 30),
        ends_local=datetime(2026, 4, 2, 12, 0),
        location="Room 4, Berlin",
        video_url="https://meet.example/orbit-41",
        description="Bring a laptop.",
    )
    update_session(berlin_session, moved, actor=world.user("vendor_admin"), now=NOW)
    db.session.commit()
    _, second = _event(_download(app, tech, berlin_session))
    assert str(second["UID"]) == str(first["UID"])
    assert str(first["UID"]).startswith(f"training-session-{berlin_session.id}@")
    assert second["SEQUENCE"] == 1
    assert second.decoded("DTSTART") == datetime(2026, 4, 2, 7, 30, tzinfo=UTC)


def test_an_online_session_in_utc_is_written_in_utc(app, world):
    starts = datetime(2026, 6, 17, 15, 0, tzinfo=UTC)
    session = make_session(
        world.product.releases[0],
        world.user("vendor_admin"),
        starts_at=starts,
        location="",
        video_url="https://meet.example/utc",
    )
    response = _download(app, world.user("globex_admin"), session)
    calendar, event = _event(response)
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + timedelta(hours=3)
    assert "TZID" not in event["DTSTART"].params
    assert b"DTSTART:20260617T150000Z" in response.data
    assert not calendar.walk("VTIMEZONE")
    assert str(event["LOCATION"]) == "https://meet.example/utc"


def test_materials_a_reader_cannot_open_are_left_out_of_the_file(app, world, berlin_session):
    from knowledge_base.services import unpublish_article

    article = berlin_session.materials[0].article
    unpublish_article(article, actor=world.user("vendor_engineer"))
    db.session.commit()
    _, event = _event(_download(app, world.user("acme_tech"), berlin_session))
    assert "Materials:" not in str(event["DESCRIPTION"])


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]
)
def test_times_survive_the_round_trip_in_any_zone(app, world, zone):
    session = make_session(
        world.product.releases[0],
        world.user("vendor_admin"),
        timezone=zone,
        starts_local=datetime(2026, 11, 3, 8, 45),
        ends_local=datetime(2026, 11, 3, 10, 15),
    )
    _, event = _event(_download(app, world.user("acme_tech"), session))
    start = event.decoded("DTSTART")
    assert start == session.starts_at
    assert start.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime(2026, 11, 3, 8, 45)
    assert event.decoded("DTEND") == session.ends_at


def test_the_calendar_file_needs_a_sign_in(client, world, berlin_session):
    response = client.get(f"/training/{berlin_session.id}/session.ics")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

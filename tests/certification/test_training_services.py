"""Planning training sessions: validation, times in a zone, materials, deletion, audit, mail."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from certification.models import Quiz, TrainingAttendee, TrainingMaterial, TrainingSession
from certification.training import (
    delete_session,
    is_web_url,
    update_session,
    wall_clock_to_utc,
)
from certification.training_attendance import enrol
from certification.training_materials import add_material, material_candidates, remove_material
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, Release
from tests.certification.training_support import NOW, add_quiz, make_session, session_input
from tests.factories import make_product
from tests.knowledge_base.factories import make_article
from tests.support import row_counts


@pytest.fixture
def admin(world):
    return world.user("vendor_admin")


@pytest.fixture
def release(world):
    return next(r for r in world.product.releases if r.version == "4.0.0")


def _refused(data, admin, field: str) -> str:
    from certification.training import create_session

    before = row_counts()
    with pytest.raises(DomainError) as refused:
        create_session(data, actor=admin)
    db.session.rollback()
    assert field in refused.value.fields, refused.value.fields
    assert row_counts() == before
    return refused.value.fields[field]


# --- Times -----------------------------------------------------------------------------------


def test_times_typed_in_the_zone_are_stored_in_utc(world, admin, release):
    session = make_session(
        release,
        admin,
        timezone="America/New_York",
        starts_local=datetime(2026, 1, 15, 9, 0),
        ends_local=datetime(2026, 1, 15, 12, 30),
    )
    db.session.expire_all()
    assert session.starts_at == datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 1, 15, 17, 30, tzinfo=UTC)
    assert session.timezone == "America/New_York"


def test_summer_time_is_taken_into_account(world, admin, release):
    session = make_session(release, admin, starts_local=datetime(2026, 7, 1, 9, 0))
    assert session.starts_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # CEST, UTC+2


def test_sessions_are_planned_to_the_minute(world, admin, release):
    starts = datetime(2026, 6, 17, 9, 0, 59, 999_999)
    session = make_session(
        release, admin, starts_local=starts, ends_local=starts + timedelta(hours=1)
    )
    assert session.starts_at == datetime(2026, 6, 17, 7, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 6, 17, 8, 0, tzinfo=UTC)


def test_the_session_must_end_after_it_starts(world, admin, release):
    starts = datetime(2026, 6, 17, 9, 0)
    assert "after it starts" in _refused(
        session_input(release, starts_local=starts, ends_local=starts), admin, "ends_local"
    )
    earlier = starts - timedelta(minutes=1)
    assert "after it starts" in _refused(
        session_input(release, starts_local=starts, ends_local=earlier), admin, "ends_local"
    )


def test_end_after_start_is_compared_in_utc_not_on_the_wall_clock(world, admin, release):
    # The night clocks go back in Berlin: 02:30 (CEST) then 02:10 (CET) is 40 minutes later.
    session = make_session(
        release,
        admin,
        starts_local=datetime(2026, 10, 25, 1, 30),
        ends_local=datetime(2026, 10, 25, 3, 10),
    )
    assert session.ends_at - session.starts_at == timedelta(hours=2, minutes=40)


def test_a_session_longer_than_two_weeks_is_a_typo(world, admin, release):
    starts = datetime(2026, 6, 17, 9, 0)
    message = _refused(
        session_input(release, starts_local=starts, ends_local=starts + timedelta(days=15)),
        admin,
        "ends_local",
    )
    assert "14 days" in message


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "europe/berlin ", "", "../etc/passwd", "+02:00"]
)
def test_an_unknown_zone_is_refused(world, admin, release, zone):
    assert "Unknown time zone" in _refused(session_input(release, timezone=zone), admin, "timezone")


def test_a_time_the_clocks_skip_is_refused(world, admin, release):
    # 29 March 2026, 02:30 does not exist in Berlin: clocks go from 02:00 to 03:00.
    gap = datetime(2026, 3, 29, 2, 30)
    message = _refused(
        session_input(release, starts_local=gap, ends_local=gap + timedelta(hours=2)),
        admin,
        "starts_local",
    )
    assert "does not exist in Europe/Berlin" in message


def test_wall_clock_conversion_takes_the_first_of_two_equal_times():
    from zoneinfo import ZoneInfo

    twice = wall_clock_to_utc(datetime(2026, 10, 25, 2, 30), ZoneInfo("Europe/Berlin"))
    assert twice == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # still CEST


def test_missing_times_are_refused(world, admin, release):
    assert _refused(session_input(release, starts_local=None), admin, "starts_local") == "Required."


# --- Where -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example/x",
        "meet.example/room",
        "https://",
        "https:///path",
        "https://meet.example/a b",
        "https://meet.example:port/x",
        "https://meet.example/\tx",
        "//meet.example/room",
    ],
)
def test_a_video_link_must_be_an_http_url(world, admin, release, url):
    assert "https://" in _refused(session_input(release, video_url=url), admin, "video_url")


@pytest.mark.parametrize(
    "url",
    ["https://meet.example/room-4", "http://10.0.0.5:8080/join?id=4#x", "HTTPS://Meet.Example/"],
)
def test_web_addresses_are_accepted(url):
    assert is_web_url(url)


def test_a_session_says_where_it_happens(world, admin, release):
    message = _refused(session_input(release, location="  ", video_url=""), admin, "location")
    assert "a place, a video link, or both" in message
    online = make_session(release, admin, location="", video_url="https://meet.example/r")
    assert online.location == "" and online.video_url == "https://meet.example/r"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "ab"),
        ("title", "x" * 201),
        ("trainer", " "),
        ("location", "x" * 201),
    ],
)
def test_text_fields_have_bounds(world, admin, release, field, value):
    _refused(session_input(release, **{field: value}), admin, field)


def test_a_release_is_required_and_must_exist(world, admin, release):
    assert "Choose the release" in _refused(
        session_input(release, release_id=None), admin, "release_id"
    )
    assert "Choose the release" in _refused(
        session_input(release, release_id=999_999), admin, "release_id"
    )


def test_training_is_planned_for_supported_releases_only(world, admin, release):
    release.supported = False
    db.session.commit()
    assert "no longer supported" in _refused(session_input(release), admin, "release_id")


def test_a_session_keeps_its_release_once_unsupported(world, admin, release):
    session = make_session(release, admin)
    release.supported = False
    db.session.commit()
    assert update_session(session, session_input(release, title="Renamed"), actor=admin, now=NOW)


# --- Editing -----------------------------------------------------------------------------------


def test_editing_is_audited_with_only_what_changed(world, admin, release):
    session = make_session(release, admin, title="Orbit basics")
    changed = update_session(
        session, session_input(release, title="Orbit essentials"), actor=admin, now=NOW
    )
    db.session.commit()
    assert changed
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_session.updated")
    ).one()
    assert entry.object_id == session.id and entry.partner_id is None
    assert entry.before == {"title": "Orbit basics"} and entry.after == {
        "title": "Orbit essentials"
    }


def test_saving_unchanged_values_records_nothing(world, admin, release):
    data = session_input(release, title="Orbit basics")
    session = make_session(release, admin, title="Orbit basics")
    assert not update_session(session, data, actor=admin, now=NOW)
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_session.updated")
    ).all()


def test_attendees_hear_when_time_or_place_changes_but_not_the_title(world, admin, release):
    session = make_session(release, admin, title="Orbit basics")
    enrol(session, world.user("acme_tech"), actor=admin, now=NOW)
    db.session.execute(delete(OutboxMessage))
    update_session(session, session_input(release, title="Orbit essentials"), actor=admin, now=NOW)
    assert not db.session.scalars(select(OutboxMessage)).all()
    moved = session_input(
        release,
        title="Orbit essentials",
        starts_local=datetime(2026, 6, 18, 9, 0),
        ends_local=datetime(2026, 6, 18, 12, 0),
    )
    update_session(session, moved, actor=admin, now=NOW)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "tech@acme.example"
    assert "changed" in message.subject
    assert "Thursday 18 June 2026, 09:00 to 12:00 (Europe/Berlin)" in message.body


def test_changing_the_release_within_the_product_is_allowed_until_quizzes_are_taken(
    world, admin, release
):
    other = next(r for r in world.product.releases if r.version == "4.1.0")
    session = make_session(release, admin)
    update_session(session, session_input(other, title=session.title), actor=admin, now=NOW)
    db.session.commit()
    assert session.release_id == other.id
    add_quiz(session, attempted_by=world.user("acme_tech"))
    with pytest.raises(DomainError) as refused:
        update_session(session, session_input(release, title=session.title), actor=admin, now=NOW)
    assert "can no longer change" in refused.value.fields["release_id"]


def test_a_session_with_materials_cannot_move_to_another_product(world, admin, release):
    session = make_session(release, admin)
    add_material(session, _material(world, admin).id, actor=admin)
    db.session.commit()
    other_product = make_product("other-product")
    with pytest.raises(DomainError) as refused:
        update_session(
            session,
            session_input(other_product.releases[0], title=session.title),
            actor=admin,
            now=NOW,
        )
    assert "plan a new session" in refused.value.fields["release_id"]


# --- Materials ---------------------------------------------------------------------------------


def _material(world, admin, **kwargs):
    kwargs.setdefault("kind", "training_material")
    kwargs.setdefault("visibility", "partners")
    kwargs.setdefault("product", world.product)
    return make_article(world.user("vendor_engineer"), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"kind": "how_to"}, "choose training material or release notes"),
        ({"kind": "known_issue"}, "choose training material or release notes"),
        ({"publish": False}, "It is a draft"),
        ({"visibility": "internal"}, "It is internal"),
    ],
)
def test_an_article_attendees_could_not_use_is_refused_as_material(
    world, admin, release, kwargs, why
):
    session = make_session(release, admin)
    article = _material(world, admin, **kwargs)
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        add_material(session, article.id, actor=admin)
    db.session.rollback()
    assert why in refused.value.message
    assert row_counts() == before


def test_an_article_about_another_product_is_refused(world, admin, release):
    session = make_session(release, admin)
    article = _material(world, admin, product=make_product("mobile"))
    with pytest.raises(DomainError, match="It is about Mobile"):
        add_material(session, article.id, actor=admin)


@pytest.mark.parametrize(
    ("kind", "visibility", "product"),
    [
        ("training_material", "partners", True),
        ("release_note", "public", True),
        ("training_material", "public", False),  # for every product
    ],
)
def test_readable_training_material_and_release_notes_are_handed_out(
    world, admin, release, kind, visibility, product
):
    session = make_session(release, admin)
    article = _material(
        world, admin, kind=kind, visibility=visibility, product=world.product if product else None
    )
    add_material(session, article.id, actor=admin)
    db.session.commit()
    assert [m.article_id for m in session.materials] == [article.id]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_session.material_added")
    ).one()
    assert entry.after == {"article_id": article.id, "title": article.title}


def test_an_article_is_handed_out_once_and_can_be_taken_back(world, admin, release):
    session = make_session(release, admin)
    article = _material(world, admin)
    add_material(session, article.id, actor=admin)
    with pytest.raises(DomainError) as twice:
        add_material(session, article.id, actor=admin)
    assert twice.value.status == 409
    remove_material(session, article.id, actor=admin)
    db.session.commit()
    assert not db.session.scalars(select(TrainingMaterial)).all()
    assert db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("training_session.material%"))
    ).all() == ["training_session.material_added", "training_session.material_removed"]


def test_an_unknown_article_is_not_found(world, admin, release):
    session = make_session(release, admin)
    for article_id in (None, 999_999):
        with pytest.raises(DomainError) as refused:
            add_material(session, article_id, actor=admin)
        assert refused.value.status == 404
    with pytest.raises(DomainError):
        remove_material(session, 999_999, actor=admin)


def test_the_picker_offers_only_what_may_be_added_release_first(world, admin, release):
    session = make_session(release, admin)
    other_release = next(r for r in world.product.releases if r.version == "4.1.0")
    alpha = _material(world, admin, title="Alpha notes for 4.1", releases=[other_release])
    omega = _material(world, admin, title="Omega notes for 4.0", releases=[release])
    general = _material(world, admin, title="General training", product=None)
    added = _material(world, admin, title="Already added")
    add_material(session, added.id, actor=admin)
    for kwargs in (
        {"kind": "how_to"},
        {"visibility": "internal"},
        {"publish": False},
        {"product": make_product("elsewhere")},
    ):
        _material(world, admin, title=f"Not offered {kwargs}", **kwargs)
    db.session.commit()
    offered = db.session.scalars(material_candidates(session)).all()
    assert [a.title for a in offered] == [omega.title, alpha.title, general.title]
    searched = db.session.scalars(material_candidates(session, "  alpha ")).all()
    assert [a.title for a in searched] == [alpha.title]
    assert not db.session.scalars(material_candidates(session, "100%_")).all()


# --- Deleting ----------------------------------------------------------------------------------


def test_a_session_whose_quizzes_were_taken_cannot_be_deleted(world, admin, release):
    session = make_session(release, admin)
    add_quiz(session, attempted_by=world.user("acme_tech"))
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        delete_session(session, actor=admin, now=NOW)
    db.session.rollback()
    assert refused.value.status == 409 and refused.value.code == "session_has_attempts"
    assert "attempts are kept for audit" in refused.value.message
    assert row_counts() == before


def test_deleting_takes_attendees_materials_and_untaken_quizzes_and_tells_attendees(
    world, admin, release
):
    session = make_session(release, admin, starts_local=datetime(2026, 6, 17, 9, 0))
    add_material(session, _material(world, admin).id, actor=admin)
    enrol(session, world.user("acme_tech"), actor=admin, now=NOW)
    add_quiz(session)
    db.session.execute(delete(OutboxMessage))
    session_id, title = session.id, session.title
    delete_session(session, actor=admin, now=NOW)
    db.session.commit()
    for model in (TrainingSession, TrainingMaterial, TrainingAttendee, Quiz):
        assert not db.session.scalars(select(model)).all(), model
    assert db.session.scalar(select(Release).where(Release.id == release.id))
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_session.deleted")
    ).one()
    assert entry.object_id == session_id and entry.before["title"] == title
    assert entry.before["attendees"] == 1 and len(entry.before["quizzes"]) == 1
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "tech@acme.example" and "cancelled" in message.subject


def test_deleting_a_past_session_tells_nobody(world, admin, release):
    session = make_session(release, admin, starts_at=NOW - timedelta(days=30))
    enrol(session, world.user("acme_tech"), actor=admin, now=NOW)
    db.session.execute(delete(OutboxMessage))
    delete_session(session, actor=admin, now=NOW)
    assert not db.session.scalars(select(OutboxMessage)).all()


def test_creating_is_audited(world, admin, release):
    session = make_session(release, admin, title="Orbit basics")
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "training_session.created")
    ).one()
    assert entry.actor_id == admin.id and entry.object_type == "TrainingSession"
    assert entry.object_id == session.id and entry.after["title"] == "Orbit basics"
    assert entry.after["starts_at"] == "2026-06-17T07:00:00+00:00"

"""The training pages: who may do what, per state of the session, and what each partner sees.

Pages read the real clock, so sessions sit days away from it (never at its edge).
Route-level access (403 by role) is in tests/test_route_access.py; this file holds what a
role-only table cannot show: the state of the session, and whose attendee it is.
"""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from certification.models import TrainingAttendee, TrainingMaterial, TrainingSession
from portal.extensions import db
from tests.certification.training_support import add_quiz, in_days, make_session
from tests.factories import (
    Browser,
    make_agreement,
    make_partner,
    make_product,
    make_user,
    signed_in,
)
from tests.knowledge_base.factories import make_article
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _client(app, world, who):
    return signed_in(app, world.user(who))


def _post(client, path, data=None):
    """A form post with a real CSRF token, as the browser sends it."""
    return Browser(client).post(path, data=data or {})


def _attendee_emails(session) -> set[str]:
    db.session.expire_all()
    return {
        a.user.email
        for a in db.session.scalars(
            select(TrainingAttendee).where(TrainingAttendee.session_id == session.id)
        )
    }


@pytest.fixture
def sessions(world):
    """An upcoming and a started session of the world's product, each with acme's and
    globex's technicians signed up."""
    admin = world.user("vendor_admin")
    made = {
        "upcoming": make_session(world.product.releases[0], admin, starts_at=in_days(7)),
        "started": make_session(
            world.product.releases[0], admin, starts_at=in_days(-1 / 24), hours=4
        ),
    }
    for session in made.values():
        for who in ("acme_tech", "globex_tech"):
            user = world.user(who)
            db.session.add(
                TrainingAttendee(session_id=session.id, user_id=user.id, partner_id=user.partner_id)
            )
    db.session.commit()
    return made


def _attendee(session, email) -> TrainingAttendee:
    return next(a for a in session.attendees if a.user.email == email)


# --- Truth table: role x state of the session x whose attendee -> outcome -------------------------

# (who, action, state, outcome): "done" changed what the action changes, "refused" answered
# with the page and a message and changed nothing, "404" hid another partner's attendee.
ACTIONS = [
    ("acme_tech", "withdraw", "upcoming", "done"),
    ("acme_tech", "withdraw", "started", "refused"),
    ("acme_tech", "sign_up_again", "upcoming", "done"),
    ("acme_tech", "sign_up_again", "started", "refused"),
    ("acme_admin", "remove_acme_tech", "upcoming", "done"),
    ("acme_admin", "remove_acme_tech", "started", "refused"),
    ("acme_admin", "remove_globex_tech", "upcoming", "404"),
    ("acme_admin", "remove_globex_tech", "started", "404"),
    ("globex_admin", "remove_acme_tech", "upcoming", "404"),
    ("globex_admin", "remove_globex_tech", "upcoming", "done"),
    ("vendor_admin", "remove_acme_tech", "upcoming", "done"),
    ("vendor_admin", "remove_acme_tech", "started", "done"),
    ("vendor_admin", "remove_globex_tech", "started", "done"),
    ("acme_admin", "enrol_new", "upcoming", "done"),
    ("acme_admin", "enrol_new", "started", "refused"),
    ("acme_admin", "enrol_other", "upcoming", "404"),
    ("vendor_admin", "enrol_new", "started", "done"),
    ("vendor_admin", "enrol_other_by_email", "started", "done"),
    ("vendor_admin", "mark_attended", "upcoming", "refused"),
    ("vendor_admin", "mark_attended", "started", "done"),
]


def _perform(client, world, session, action):
    """Post `action` on `session`; returns (response, what should change)."""
    base = f"/training/{session.id}"
    acme, globex = "tech@acme.example", "tech@globex.example"
    if action == "withdraw":
        return _post(client, f"{base}/withdraw"), lambda emails: acme not in emails
    if action == "sign_up_again":
        _post(client, f"{base}/withdraw")  # upcoming: gone; started: refused, still there
        return _post(client, f"{base}/sign-up"), None
    if action in ("remove_acme_tech", "remove_globex_tech"):
        email = acme if action == "remove_acme_tech" else globex
        attendee = _attendee(session, email)
        response = _post(client, f"{base}/attendees/{attendee.id}/remove", {"confirmed": "yes"})
        return response, lambda emails: email not in emails
    if action == "enrol_new":
        new = make_user("technician", world.acme, email="new.tech@acme.example")
        db.session.commit()
        data = {"technician": str(new.id), "email": new.email}
        return _post(client, f"{base}/attendees", data), lambda e: new.email in e
    if action == "enrol_other":
        other = make_user("technician", world.globex, email="other.tech@globex.example")
        db.session.commit()
        return _post(client, f"{base}/attendees", {"technician": str(other.id)}), None
    if action == "enrol_other_by_email":
        other = make_user("technician", world.globex, email="other.tech@globex.example")
        db.session.commit()
        data = {"email": "Other.Tech@Globex.example"}
        return _post(client, f"{base}/attendees", data), lambda e: other.email in e
    if action == "mark_attended":
        attendee = _attendee(session, acme)
        response = _post(client, f"{base}/attendees/{attendee.id}/attendance", {"attended": "yes"})

        def marked(_emails):
            db.session.expire_all()
            return db.session.get(TrainingAttendee, attendee.id).attended is True

        return response, marked
    raise AssertionError(action)


@pytest.mark.parametrize(("who", "action", "state", "outcome"), ACTIONS)
def test_who_may_change_the_attendees_in_which_state(
    app, world, sessions, who, action, state, outcome
):
    session = sessions[state]
    client = _client(app, world, who)
    before_emails = _attendee_emails(session)
    before_rows = row_counts()
    response, changed = _perform(client, world, session, action)
    after_emails = _attendee_emails(session)
    if outcome == "404":
        assert response.status_code == 404
        assert after_emails == before_emails
        return
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert (
        response.headers["Location"].endswith(f"/training/{session.id}")
        or "#attendees" in (response.headers["Location"])
    )
    page = client.get(f"/training/{session.id}").get_data(as_text=True)
    if outcome == "done":
        assert "alert-success" in page
        if changed is not None:
            assert changed(after_emails)
        else:
            assert after_emails == before_emails  # withdrawn, then signed up again
    else:
        assert "alert-danger" in page
        if action != "sign_up_again":
            assert row_counts()["training_attendees"] == before_rows["training_attendees"]
            assert after_emails == before_emails


def test_a_partner_admin_naming_another_partners_technician_stores_nothing(app, world, sessions):
    other = make_user("technician", world.globex, email="other.tech@globex.example")
    db.session.commit()
    client = _client(app, world, "acme_admin")
    before = row_counts()
    response = _post(
        client,
        f"/training/{sessions['upcoming'].id}/attendees",
        {"technician": str(other.id)},
    )
    assert response.status_code == 404
    assert "globex" not in response.get_data(as_text=True).lower()
    assert row_counts() == before


# --- What each partner sees ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "seen", "unseen"),
    [
        ("vendor_admin", {"tech@acme.example", "tech@globex.example"}, set()),
        ("support_manager", {"tech@acme.example", "tech@globex.example"}, set()),
        ("acme_admin", {"tech@acme.example"}, {"tech@globex.example"}),
        ("acme_tech", {"tech@acme.example"}, {"tech@globex.example"}),
        ("globex_admin", {"tech@globex.example"}, {"tech@acme.example"}),
        ("globex_tech", {"tech@globex.example"}, {"tech@acme.example"}),
    ],
)
def test_partner_users_see_only_their_own_partners_attendees(
    app, world, sessions, who, seen, unseen
):
    client = _client(app, world, who)
    page = client.get(f"/training/{sessions['upcoming'].id}").get_data(as_text=True)
    for email in seen:
        assert email in page
    for email in unseen:
        assert email not in page
        assert email.split("@")[1].split(".")[0].capitalize() + " Technician" not in page
    listing = client.get("/training").get_data(as_text=True)
    row = re.search(rf'data-session="{sessions["upcoming"].id}".*?</tr>', listing, re.S).group(0)
    assert f'data-attendees="{len(seen)}"' in row


def test_a_partner_admin_is_offered_only_its_own_active_technicians(app, world, sessions):
    make_user("technician", world.acme, email="free.tech@acme.example")
    make_user("technician", world.acme, email="gone.tech@acme.example", status="left")
    make_user("technician", world.globex, email="free.tech@globex.example")
    db.session.commit()
    page = _client(app, world, "acme_admin").get(f"/training/{sessions['upcoming'].id}")
    form = re.search(
        r'<select[^>]*name="technician".*?</select>', page.get_data(as_text=True), re.S
    )
    options = form.group(0)
    assert "free.tech@acme.example" in options
    for absent in ("gone.tech@acme.example", "free.tech@globex.example", "(tech@acme.example)"):
        assert absent not in options  # left, another partner's, already signed up


def test_the_list_shows_a_partner_the_products_of_its_agreement_required_first(app, world):
    admin = world.user("vendor_admin")
    optional, uncovered = make_product("optional-product"), make_product("uncovered-product")
    make_agreement(
        world.acme, admin, world.user("acme_admin"), minimums={world.product.id: 1, optional.id: 0}
    )
    soon_optional = make_session(
        optional.releases[0], admin, title="Optional soon", starts_at=in_days(2)
    )
    later_required = make_session(
        world.product.releases[0], admin, title="Required later", starts_at=in_days(20)
    )
    make_session(uncovered.releases[0], admin, title="Uncovered", starts_at=in_days(3))
    make_session(world.product.releases[0], admin, title="Required past", starts_at=in_days(-20))

    page = _client(app, world, "acme_tech").get("/training").get_data(as_text=True)
    assert page.index(f">{later_required.title}<") < page.index(f">{soon_optional.title}<")
    assert "Uncovered" not in page and "Required past" not in page
    assert page.count("optional for your partner") == 1
    past = _client(app, world, "acme_tech").get("/training?when=past").get_data(as_text=True)
    assert "Required past" in past and "Required later" not in past
    # globex's agreement lists only the world's product.
    globex = _client(app, world, "globex_tech").get("/training").get_data(as_text=True)
    assert "Required later" in globex and "Optional soon" not in globex
    vendor = _client(app, world, "support_manager").get("/training").get_data(as_text=True)
    titles = re.findall(r'<a class="fw-semibold" href="/training/\d+">([^<]+)</a>', vendor)
    assert titles == ["Optional soon", "Uncovered", "Required later"]


def test_the_list_filters_by_product(app, world):
    admin = world.user("vendor_admin")
    other = make_product("other-product")
    make_session(world.product.releases[0], admin, title="Orbit session", starts_at=in_days(2))
    make_session(other.releases[0], admin, title="Other session", starts_at=in_days(2))
    client = _client(app, world, "vendor_admin")
    page = client.get("/training?product=other-product").get_data(as_text=True)
    assert "Other session" in page and "Orbit session" not in page
    assert "Orbit session" in client.get("/training?product=nonsense").get_data(as_text=True)


def test_a_partner_without_an_agreement_is_told_why_it_sees_no_training(app, world):
    lonely = make_partner("lonely")
    user = make_user("technician", lonely)
    make_session(world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(2))
    db.session.commit()
    page = signed_in(app, user).get("/training").get_data(as_text=True)
    assert "No products to train for yet" in page and "agreement in force" in page


def test_a_technician_is_told_why_they_cannot_sign_up_for_an_uncovered_product(app, world):
    session = make_session(
        make_product("uncovered").releases[0], world.user("vendor_admin"), starts_at=in_days(2)
    )
    page = _client(app, world, "acme_tech").get(f"/training/{session.id}").get_data(as_text=True)
    assert "agreement does not cover Uncovered" in page
    assert f"/training/{session.id}/sign-up" not in page


def test_materials_show_only_what_the_reader_may_open(app, world):
    admin, engineer = world.user("vendor_admin"), world.user("vendor_engineer")
    session = make_session(world.product.releases[0], admin, starts_at=in_days(2))
    readable = make_article(
        engineer, title="Readable notes", kind="release_note", product=world.product
    )
    later_internal = make_article(
        engineer, title="Later made internal", kind="training_material", product=world.product
    )
    for article in (readable, later_internal):
        db.session.add(TrainingMaterial(session_id=session.id, article_id=article.id))
    later_internal.visibility = "internal"
    db.session.commit()
    tech_page = (
        _client(app, world, "acme_tech").get(f"/training/{session.id}").get_data(as_text=True)
    )
    assert "Readable notes" in tech_page and "Later made internal" not in tech_page
    vendor_page = (
        _client(app, world, "vendor_admin").get(f"/training/{session.id}").get_data(as_text=True)
    )
    assert "Later made internal" in vendor_page and "attendees cannot open it now" in vendor_page


def test_quizzes_are_listed_and_linked_once_quiz_pages_exist(app, world):
    session = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(-3)
    )
    quiz = add_quiz(session)
    for path in (f"/training/{session.id}", "/training?when=past"):
        page = _client(app, world, "acme_tech").get(path).get_data(as_text=True)
        assert quiz.title in page
        linked = f'href="/quizzes/{quiz.id}"' in page
        assert linked == ("certification.quiz" in app.view_functions)


@pytest.mark.parametrize("who", ["vendor_admin", "support_manager", "acme_tech"])
def test_adding_a_quiz_is_offered_to_whoever_the_quiz_pages_let_add_one(app, world, who):
    from portal.navigation import can_use

    session = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(3)
    )
    page = _client(app, world, who).get(f"/training/{session.id}").get_data(as_text=True)
    offered = f'href="/training/{session.id}/quizzes/new"' in page
    exists = "certification.quiz_new" in app.view_functions
    assert offered == (exists and can_use("certification.quiz_new", world.user(who)))
    if exists:
        assert offered == (who == "vendor_admin")


def test_text_typed_by_the_planner_is_shown_as_text(app, world):
    session = make_session(
        world.product.releases[0],
        world.user("vendor_admin"),
        starts_at=in_days(2),
        title="<script>alert(1)</script> session",
        description="Line one\n<img src=x onerror=alert(1)>\n\nSecond paragraph",
        trainer="<b>Tina</b>",
    )
    page = _client(app, world, "acme_tech").get(f"/training/{session.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>Tina" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Line one<br>" in page


# --- Planning through the pages -----------------------------------------------------------------

VALID_FORM = {
    "title": "Orbit 4.1 for support",
    "timezone": "Europe/Berlin",
    "starts_local": "2026-06-17T09:00",
    "ends_local": "2026-06-17T12:00",
    "trainer": "Tina Trainer",
    "location": "Room 4",
    "video_url": "",
    "description": "",
}


def test_planning_a_session_leads_to_its_materials(app, world):
    client = _client(app, world, "vendor_admin")
    form = client.get("/training/new").get_data(as_text=True)
    assert 'list="timezones"' in form and "<optgroup" in form
    data = {**VALID_FORM, "release_id": str(world.product.releases[0].id)}
    response = _post(client, "/training/new", data)
    assert response.status_code == 302
    session = db.session.scalars(select(TrainingSession)).one()
    assert response.headers["Location"].endswith(f"/training/{session.id}/materials")
    assert session.title == "Orbit 4.1 for support" and session.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_local": "2026-06-17T08:00"}, "ends_local", "end after it starts"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "Unknown time zone"),
        ({"video_url": "javascript:alert(1)"}, "video_url", "https://"),
        ({"starts_local": "17/06/2026"}, "starts_local", "Not a valid datetime"),
        ({"release_id": "99999999999999"}, "release_id", "Choose the release"),
        ({"release_id": "abc"}, "release_id", "Choose the release"),
    ],
)
def test_a_bad_plan_is_shown_again_with_the_reason_next_to_the_field(
    app, world, change, field, message
):
    client = _client(app, world, "vendor_admin")
    before = row_counts()
    data = {**VALID_FORM, "release_id": str(world.product.releases[0].id), **change}
    response = _post(client, "/training/new", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    feedback = re.search(rf'id="{field}".*?invalid-feedback[^>]*>([^<]*)<', page, re.S)
    assert feedback and message in feedback.group(1), page[:2000]
    assert row_counts() == before


def test_editing_shows_the_times_in_the_sessions_zone(app, world):
    session = make_session(
        world.product.releases[0],
        world.user("vendor_admin"),
        timezone="Asia/Tokyo",
        starts_local=datetime(2026, 6, 17, 9, 0),
    )
    page = (
        _client(app, world, "vendor_admin")
        .get(f"/training/{session.id}/edit")
        .get_data(as_text=True)
    )
    assert 'value="2026-06-17T09:00"' in page and 'value="Asia/Tokyo"' in page
    shown = _client(app, world, "acme_tech").get(f"/training/{session.id}").get_data(as_text=True)
    assert (
        "09:00–12:00" in shown and "Asia/Tokyo (UTC+09:00)" in shown and "00:00–03:00 UTC" in shown
    )


def test_deleting_asks_first_then_deletes(app, world):
    session_id = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(2)
    ).id
    client = _client(app, world, "vendor_admin")
    asked = _post(client, f"/training/{session_id}/delete")
    assert asked.status_code == 200 and "Delete the training session" in asked.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id) is not None
    done = _post(client, f"/training/{session_id}/delete", {"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/training")
    db.session.expire_all()
    assert db.session.get(TrainingSession, session_id) is None


def test_removing_an_attendee_without_javascript_asks_on_a_page_first(app, world, sessions):
    session = sessions["upcoming"]
    attendee = _attendee(session, "tech@acme.example")
    client = _client(app, world, "acme_admin")
    asked = _post(client, f"/training/{session.id}/attendees/{attendee.id}/remove")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Take {attendee.user.name} off the list" in page
    assert 'name="confirmed" value="yes"' in page
    assert "tech@acme.example" in _attendee_emails(session)


def test_a_session_with_attempts_explains_why_it_cannot_be_deleted(app, world):
    session = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(-2)
    )
    add_quiz(session, attempted_by=world.user("acme_tech"))
    client = _client(app, world, "vendor_admin")
    page = client.get(f"/training/{session.id}").get_data(as_text=True)
    assert "attempts are kept for audit" in page and f"/training/{session.id}/delete" not in page
    response = _post(client, f"/training/{session.id}/delete", {"confirmed": "yes"})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted" in follow
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id) is not None


def test_the_picker_adds_searches_and_removes_materials(app, world):
    engineer = world.user("vendor_engineer")
    session = make_session(
        world.product.releases[0], world.user("vendor_admin"), starts_at=in_days(2)
    )
    wanted = make_article(
        engineer, title="Orbit admin training", kind="training_material", product=world.product
    )
    make_article(engineer, title="Orbit how-to", kind="how_to", product=world.product)
    internal = make_article(
        engineer,
        title="Internal notes",
        kind="release_note",
        visibility="internal",
        product=world.product,
    )
    client = _client(app, world, "vendor_admin")
    page = client.get(f"/training/{session.id}/materials?q=admin").get_data(as_text=True)
    assert "Orbit admin training" in page and "Orbit how-to" not in page
    assert "Internal notes" not in client.get(f"/training/{session.id}/materials").get_data(
        as_text=True
    )

    added = _post(
        client, f"/training/{session.id}/materials", {"add": str(wanted.id), "q": "admin"}
    )
    assert added.status_code == 302 and "q=admin" in added.headers["Location"]
    refused = _post(client, f"/training/{session.id}/materials", {"add": str(internal.id)})
    assert "It is internal" in client.get(refused.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert [m.article_id for m in db.session.get(TrainingSession, session.id).materials] == [
        wanted.id
    ]

    _post(client, f"/training/{session.id}/materials", {"remove": str(wanted.id)})
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).materials == []


def test_the_technicians_home_lists_sessions_to_sign_up_for_then_their_own(app, world):
    admin = world.user("vendor_admin")
    optional = make_product("optional-product")
    make_agreement(
        world.acme, admin, world.user("acme_admin"), minimums={world.product.id: 1, optional.id: 0}
    )
    session = make_session(
        world.product.releases[0], admin, title="Orbit soon", starts_at=in_days(3)
    )
    make_session(optional.releases[0], admin, title="Optional soon", starts_at=in_days(3))
    make_session(world.product.releases[0], admin, title="Orbit over", starts_at=in_days(-3))
    client = _client(app, world, "acme_tech")
    home = client.get("/").get_data(as_text=True)
    step = re.search(r'data-step="training_to_sign_up".*?</section>', home, re.S).group(0)
    assert "Orbit soon" in step and "Optional soon" not in step and "Orbit over" not in step
    assert 'data-step="training_signed_up"' not in home

    _post(client, f"/training/{session.id}/sign-up")
    home = client.get("/").get_data(as_text=True)
    mine = re.search(r'data-step="training_signed_up".*?</section>', home, re.S).group(0)
    assert "Orbit soon" in mine
    assert 'data-step="training_to_sign_up"' not in home

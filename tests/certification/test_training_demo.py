"""`seed-demo` plans training for each supported major release, and one to sign up for."""

from datetime import UTC, datetime

from sqlalchemy import select

from certification.models import TrainingSession
from certification.training import session_state
from certification.training_materials import MATERIAL_KINDS
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import Release
from tests.factories import Browser
from tests.support import SQLITE_PASS_ONLY

# The demo's content; the PostgreSQL pass seeds the demo in tests/escalations/test_demo.py.
pytestmark = SQLITE_PASS_ONLY


def test_demo_training_sessions(app):
    world = seed_demo()
    sessions = world["training_sessions"]
    assert {"orbit-server 4.0.0", "orbit-mobile 2.0.0", "orbit-server 4.2.0"} <= set(sessions)
    now = datetime.now(UTC)

    majors = db.session.scalars(
        select(Release).where(Release.major.is_(True), Release.supported.is_(True))
    ).all()
    for release in majors:
        session = sessions[f"{release.product.slug} {release.version}"]
        assert session.release_id == release.id
        assert session_state(session, now) == "past"
        assert session.video_url.startswith("https://") and session.trainer
        attended = {a.user.email for a in session.attendees if a.attended}
        assert attended == {"tech@acme.example", "tech@globex.example"}
        materials = [m.article for m in session.materials]
        assert materials and all(
            a.kind in MATERIAL_KINDS
            and a.status == "published"
            and a.visibility in ("public", "partners")
            and a.product_id == release.product_id
            for a in materials
        )

    upcoming = sessions["orbit-server 4.2.0"]
    assert session_state(upcoming, now) == "upcoming" and not upcoming.attendees
    assert db.session.scalar(select(db.func.count()).select_from(TrainingSession)) == len(sessions)


def test_a_demo_technician_signs_up_for_the_upcoming_session(app):
    world = seed_demo()
    upcoming = world["training_sessions"]["orbit-server 4.2.0"]
    client = app.test_client()
    browser = Browser(client)
    browser.login("newbie@globex.example", DEMO_PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert upcoming.title in home
    response = browser.post(f"/training/{upcoming.id}/sign-up")
    assert response.status_code == 302
    page = client.get(f"/training/{upcoming.id}").get_data(as_text=True)
    assert "You are signed up" in page

"""The demo's certifications: who is certified, one expiring soon, one lapsed."""

from datetime import timedelta

from sqlalchemy import select

from certification.models import Certification
from certification.status import is_expiring_soon, status_of
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from tests.factories import Browser
from tests.support import SQLITE_PASS_ONLY

# The demo's content; the PostgreSQL pass seeds the demo in tests/escalations/test_demo.py.
pytestmark = SQLITE_PASS_ONLY


def _standing(email: str) -> dict[str, Certification]:
    user = User.by_email(email)
    rows = db.session.scalars(
        select(Certification).where(
            Certification.user_id == user.id, Certification.superseded_by_id.is_(None)
        )
    )
    return {row.product.slug: row for row in rows}


def test_the_demo_certifies_the_tech_accounts_and_not_the_newbies(app):
    seed_demo()
    today = utcnow().date()
    acme = _standing("tech@acme.example")
    assert set(acme) == {"orbit-server", "orbit-mobile"}
    globex = _standing("tech@globex.example")
    assert set(globex) == {"orbit-server"}
    for certification in (*acme.values(), *globex.values()):
        assert status_of(certification, today) == "valid"
        assert certification.release.supported
        assert certification.issued_on >= certification.release.released_on
    assert _standing("newbie@acme.example") == {} and _standing("newbie@globex.example") == {}


def test_the_demo_has_one_expiring_soon_one_lapsed_and_one_renewal(app):
    seed_demo()
    today = utcnow().date()
    certifications = db.session.scalars(select(Certification)).all()
    soon = [c for c in certifications if is_expiring_soon(c, today)]
    assert [c.user.email for c in soon] == ["tech@globex.example"]
    assert soon[0].expires_on == today + timedelta(days=20)
    lapsed = [c for c in certifications if status_of(c, today) == "lapsed"]
    assert [(c.user.email, c.release.version) for c in lapsed] == [
        ("veteran@globex.example", "2.9.0")
    ]
    assert lapsed[0].lapses_on < lapsed[0].expires_on  # the release cycle ended it first
    renewed = [c for c in certifications if c.superseded_by_id is not None]
    assert [c.user.email for c in renewed] == ["tech@acme.example"]


def test_the_demo_pages_show_the_certifications(app):
    seed_demo()
    db.session.commit()
    client = app.test_client()
    login = Browser(client).login("admin@globex.example", DEMO_PASSWORD)
    assert login.status_code == 302
    page = client.get("/partners/mine/certifications").get_data(as_text=True)
    assert "Expiring soon" in page and "Lapsed" in page

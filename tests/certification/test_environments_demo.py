"""The demo's reproduction environments and the compliance they give each partner."""

from sqlalchemy import select

from certification.currency import environment_state
from certification.models import ComplianceState, ReproductionEnvironment
from portal.demo import seed_demo
from portal.extensions import db
from portal.models import Partner, Product
from portal.models.base import utcnow
from tests.support import SQLITE_PASS_ONLY

# The demo's content; the PostgreSQL pass seeds the demo in tests/escalations/test_demo.py.
pytestmark = SQLITE_PASS_ONLY


def test_each_demo_partner_has_a_current_lab_and_one_shows_stale(app):
    seed_demo()
    today = utcnow().date()
    labs = db.session.scalars(select(ReproductionEnvironment)).all()
    current = {
        (lab.partner.slug, lab.product.slug)
        for lab in labs
        if environment_state(lab, today) == "current"
    }
    assert current == {
        ("acme", "orbit-server"),
        ("acme", "orbit-mobile"),
        ("globex", "orbit-server"),
    }
    assert {lab.name for lab in labs if environment_state(lab, today) == "stale"} == {
        "Acme Old Lab"
    }
    assert all(lab.release.supported for lab in labs)


def test_the_demo_partners_are_certified_with_their_verdicts_stored(app):
    seed_demo()
    tiers = dict(db.session.execute(select(Partner.slug, Partner.tier)).all())
    # Globex's agreement asks for two Orbit Server technicians and it has one left: below
    # its certified minimum, it stays registered (the dashboard flags it).
    assert tiers == {"acme": "certified", "globex": "registered"}
    verdicts = db.session.execute(
        select(Partner.slug, Product.slug, ComplianceState.compliant)
        .join(Partner, Partner.id == ComplianceState.partner_id)
        .join(Product, Product.id == ComplianceState.product_id)
    ).all()
    assert {(partner, product) for partner, product, ok in verdicts if not ok} == {
        ("globex", "orbit-server")
    }

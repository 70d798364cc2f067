"""Home pages: the partner admin reads each compliance gap with the action that fixes it;
the support manager, the partners out of compliance. Both in a fixed number of queries."""

from datetime import timedelta

from certification.compliance import refresh_partner
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow
from tests.certification.compliance_support import TODAY, certification, days_ago, environment
from tests.core.test_home_pages import home, steps_on
from tests.factories import make_agreement, make_partner, make_product, make_user, signed_in


def gaps_of(app, user) -> str:
    return steps_on(home(app, user))["compliance_gaps"]


def test_a_shortfall_names_who_could_take_the_quiz_and_whom_to_recertify(app, world):
    lapsed = world.user("acme_tech")
    certification(
        lapsed,
        world.product,
        issued_on=TODAY - timedelta(days=400),
        expires_on=TODAY - timedelta(days=3),
    )
    newbie = make_user("technician", world.acme, name="Nina Newbie")
    environment(world.acme, world.product)
    db.session.commit()

    gaps = gaps_of(app, world.user("acme_admin"))

    assert "Orbit: 0 of 1 certified technicians" in gaps
    expired_on = (TODAY - timedelta(days=3)).isoformat()
    assert f"recertify {lapsed.name} (expired on {expired_on})" in gaps
    assert f"have someone take the quiz: {newbie.name}" in gaps
    assert "no current environment" not in gaps


def test_a_stale_lab_is_named_with_the_day_it_went_stale(app, world):
    certification(world.user("acme_tech"), world.product)
    lab = environment(world.acme, world.product, name="Lab-2", attested=days_ago(200))
    db.session.commit()

    gaps = gaps_of(app, world.user("acme_admin"))

    stale_since = (lab.attested_at.date() + timedelta(days=181)).isoformat()
    assert "Orbit: re-attest Lab-2" in gaps
    assert f"Stale since {stale_since}" in gaps
    assert f'href="/environments?product={world.product.id}"' in gaps


def test_without_any_lab_the_admin_is_sent_to_register_one(app, world):
    certification(world.user("acme_tech"), world.product)
    db.session.commit()
    gaps = gaps_of(app, world.user("acme_admin"))
    assert "Orbit: no current environment on a supported release" in gaps
    assert 'href="/environments/new"' in gaps


def test_a_lab_on_an_unsupported_release_is_to_be_moved(app, world):
    certification(world.user("acme_tech"), world.product)
    old = Release(product=world.product, version="3.0.0", released_on=TODAY, supported=False)
    db.session.add(old)
    db.session.flush()
    lab = environment(world.acme, world.product, release=old, name="Old lab")
    db.session.commit()
    gaps = gaps_of(app, world.user("acme_admin"))
    assert "Orbit: move Old lab to a supported release" in gaps
    assert f'href="/environments/{lab.id}/edit"' in gaps


def test_a_compliant_partner_admin_has_no_gap(app, world):
    certification(world.user("acme_tech"), world.product)
    environment(world.acme, world.product, attested=utcnow())
    db.session.commit()
    assert "compliance_gaps" not in steps_on(home(app, world.user("acme_admin")))


def test_the_support_manager_sees_the_partners_out_of_compliance(app, world):
    certification(world.user("acme_tech"), world.product)
    environment(world.acme, world.product, attested=utcnow())
    environment(world.globex, world.product, attested=days_ago(300))
    db.session.commit()
    step = steps_on(home(app, world.user("support_manager")))["partners_needing_attention"]
    assert "Globex" in step and "no reproduction environment" in step
    assert "Acme" not in step


def _partner_out_of_compliance(world, n: int) -> None:
    """Its own product, technicians (one lapsed, one new) and a stale lab."""
    partner = make_partner(f"gap-{n}")
    admin = make_user("partner_admin", partner)
    product = make_product(f"gap-product-{n}", releases=(f"{n}.0.0",))
    make_agreement(partner, world.user("vendor_admin"), admin, minimums={product.id: 2})
    certification(
        make_user("technician", partner),
        product,
        issued_on=TODAY - timedelta(days=400),
        expires_on=TODAY - timedelta(days=1),
    )
    make_user("technician", partner)
    environment(partner, product, attested=days_ago(250))
    refresh_partner(partner, today=TODAY)


def test_the_support_managers_home_runs_the_same_queries_for_2_or_12_partners(
    app, world, count_queries
):
    for n in range(2):
        _partner_out_of_compliance(world, n)
    db.session.commit()
    client = signed_in(app, world.user("support_manager"))

    def queries() -> int:
        with count_queries() as counter:
            # The support manager's home: the partner dashboard, its next steps on top.
            assert client.get("/", follow_redirects=True).status_code == 200
        return counter.count

    two = queries()
    for n in range(2, 12):
        _partner_out_of_compliance(world, n)
    db.session.commit()
    assert queries() == two


def test_the_partner_admins_home_runs_the_same_queries_for_1_or_6_gaps(app, world, count_queries):
    admin = world.user("acme_admin")
    db.session.commit()
    client = signed_in(app, admin)

    def queries() -> int:
        with count_queries() as counter:
            # The support manager's home: the partner dashboard, its next steps on top.
            assert client.get("/", follow_redirects=True).status_code == 200
        return counter.count

    one = queries()
    products = {world.product.id: 1}
    for n in range(5):
        product = make_product(f"more-{n}", releases=(f"{n}.2.0",))
        products[product.id] = 1
        environment(world.acme, product, attested=days_ago(300))
        certification(
            make_user("technician", world.acme),
            product,
            issued_on=TODAY - timedelta(days=400),
            expires_on=TODAY - timedelta(days=2),
        )
    make_agreement(world.acme, world.user("vendor_admin"), admin, minimums=products)
    db.session.commit()
    assert queries() == one
    gaps = gaps_of(app, admin)
    assert "and 7 more" in gaps  # 12 items: two per product, the first five shown

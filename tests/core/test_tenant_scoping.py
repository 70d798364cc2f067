"""The tenant rule, at the one place it is enforced: scoped() and get_visible_or_404()."""

import pytest
from werkzeug.exceptions import NotFound

from portal.access import Anonymous, get_visible_or_404, roles_required, scoped
from portal.extensions import db
from portal.models import Agreement, AuditEntry, Customer, Partner, Product, User

TENANT_MODELS = (Partner, Customer, User, Agreement, AuditEntry)


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("who", ["acme_admin", "acme_tech"])
def test_partner_users_see_only_their_own_partners_rows(world, model, who):
    principal = world.user(who)
    rows = db.session.scalars(scoped(model, principal)).all()
    assert rows, "the world should give every tenant model some rows"
    for row in rows:
        owner = row.id if model is Partner else row.partner_id
        assert owner == world.acme.id


@pytest.mark.parametrize("who", ["vendor_admin", "support_manager", "vendor_engineer"])
def test_vendor_roles_see_every_partner(world, who):
    rows = db.session.scalars(scoped(Customer, world.user(who))).all()
    assert {c.partner_id for c in rows} == {world.acme.id, world.globex.id}


def test_another_partners_object_is_a_404_not_a_403(world):
    with pytest.raises(NotFound):
        get_visible_or_404(Customer, world.globex_customer.id, world.user("acme_admin"))
    with pytest.raises(NotFound):
        get_visible_or_404(Partner, world.globex.id, world.user("acme_tech"))
    assert get_visible_or_404(Customer, world.acme_customer.id, world.user("acme_admin"))


def test_anonymous_sees_no_tenant_rows_but_shared_catalogue(world):
    assert db.session.scalars(scoped(Customer, Anonymous())).all() == []
    assert db.session.scalars(scoped(Product, Anonymous())).all() == [world.product]


def test_malformed_ids_are_404(world):
    with pytest.raises(NotFound):
        get_visible_or_404(Customer, "1 OR 1=1", world.user("vendor_admin"))


def test_roles_required_rejects_unknown_role_names():
    with pytest.raises(ValueError):
        roles_required("superuser")

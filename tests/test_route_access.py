"""Every route, visited as anonymous, as each role, and as a user of the other partner.

Generated from `app.url_map`, so a route added later is covered without editing this
test. The expected answer comes from the access each view declares (`@public` or
`@roles_required`): a missing declaration fails here. URL parameters are filled with
objects of the partner `acme`; a new parameter name needs a sample in SAMPLES below.

- anonymous: pages redirect to sign-in, the API answers 401 (public views: no refusal);
- a role the view does not allow: 403;
- an allowed role: neither 401, 403 nor 404, and never a 5xx;
- an allowed role of the other partner (`globex`) on a URL naming acme's objects: 404.
"""

import re

import pytest

from portal import create_app
from portal.access import declared_access
from portal.config import TestConfig
from portal.extensions import db, limiter
from portal.models import Agreement
from tests.factories import PRINCIPALS, World, api_token, build_world

_app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
ROUTES = sorted(
    (rule.rule, rule.endpoint, method)
    for rule in _app.url_map.iter_rules()
    if rule.endpoint not in {"static", "bootstrap.static"}
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
)



def _release_id(world: World, principal) -> int:
    return world.product.releases[0].id


def _token_id(world: World, principal) -> int:
    """A token of the visitor's own (tokens belong to one user, not to a partner)."""
    from portal.auth.services import create_token

    owner = principal if principal is not None else world.user("acme_admin")
    token, _ = create_token(owner, "route test")
    db.session.commit()
    return token.id


def _password_token(world: World, principal) -> str:
    from portal.auth.services import password_link_token

    return password_link_token(world.user("acme_tech"))


def _article_slug(world: World) -> str:
    from tests.knowledge_base.factories import make_article

    return make_article(world.user("vendor_engineer"), title="Route sample").slug


# parameter name -> (sample value for acme, whether the value belongs to the acme tenant)
SAMPLES = {
    "partner_id": (lambda w, p: w.acme.id, True),
    "customer_id": (lambda w, p: w.acme_customer.id, True),
    "user_id": (lambda w, p: w.user("acme_tech").id, True),
    "agreement_id": (
        lambda w, p: db.session.scalar(
            db.select(Agreement.id).where(Agreement.partner_id == w.acme.id)
        ),
        True,
    ),
    "product_id": (lambda w, p: w.product.id, False),
    "release_id": (_release_id, False),
    "token_id": (_token_id, False),
    "token": (_password_token, False),
    # A published public article (KB visibility has its own truth tables).
    "slug": (lambda w, p: _article_slug(w), False),
    "number": (lambda w, p: 1, False),  # an article's first revision
}
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _url(rule: str, world: World, principal) -> tuple[str, bool]:
    tenant_owned = False

    def fill(match):
        nonlocal tenant_owned
        name = match.group(1)
        assert name in SAMPLES, f"add a sample value for URL parameter <{name}> to SAMPLES"
        make, owned = SAMPLES[name]
        tenant_owned = tenant_owned or owned
        return str(make(world, principal))

    return PARAM.sub(fill, rule), tenant_owned


def _role(world: World, principal: str) -> str | None:
    return None if principal == "anonymous" else world.user(principal).role


@pytest.fixture
def route_app(app):
    """CSRF and rate limits off: this test is about access, not forms."""
    app.config["WTF_CSRF_ENABLED"] = False
    limiter.enabled = False
    yield app
    app.config["WTF_CSRF_ENABLED"] = True
    limiter.enabled = True


def _request(app, world, principal, rule, method):
    user = None if principal == "anonymous" else world.user(principal)
    url, tenant_owned = _url(rule, world, user)
    client = app.test_client()
    headers = {}
    if url.startswith("/api/"):
        if user is not None:
            headers["Authorization"] = f"Bearer {api_token(user)}"
    elif user is not None:
        response = client.post(
            "/login", data={"email": user.email, "password": "correct-horse-battery"}
        )
        assert response.status_code == 302, f"could not sign in as {principal}"
    kwargs = {"json": {}} if url.startswith("/api/") and method != "GET" else {}
    response = client.open(url, method=method, headers=headers, **kwargs)
    return url, tenant_owned, response


def _check(app, world, principal, rule, endpoint, method):
    access = declared_access(app, endpoint)
    assert access is not None, f"{endpoint} declares no access (@public or @roles_required)"
    url, tenant_owned, response = _request(app, world, principal, rule, method)
    status = response.status_code
    where = f"{method} {url} as {principal}: {status}"
    assert status < 500, where
    role = _role(world, principal)
    if access == "public":
        assert status not in (401, 403), where
        if role is None:
            assert "/login" not in response.headers.get("Location", ""), where
        return
    if role is None:
        if url.startswith("/api/"):
            assert status == 401, where
            assert response.json["error"]["code"], where
        else:
            assert status == 302 and "/login" in response.headers["Location"], where
        return
    if role not in access:
        assert status == 403, where
        return
    if tenant_owned and principal.startswith("globex"):
        assert status == 404, where
        return
    assert status not in (401, 403, 404), where


@pytest.mark.parametrize(
    ("rule", "endpoint", "method"), ROUTES, ids=[f"{m} {r}" for r, _, m in ROUTES]
)
def test_route_answers_each_principal_as_declared(route_app, rule, endpoint, method):
    from tests.conftest import _empty_all_tables

    world = build_world()
    for principal in PRINCIPALS:
        if method != "GET":
            # A POST may change state (deactivate a user, accept an agreement...):
            # each principal starts from a fresh world.
            db.session.remove()
            _empty_all_tables()
            world = build_world()
        _check(route_app, world, principal, rule, endpoint, method)


def test_every_view_declares_its_access():
    missing = [e for _, e, _ in ROUTES if declared_access(_app, e) is None]
    assert missing == []

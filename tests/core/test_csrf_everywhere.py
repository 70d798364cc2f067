"""Every state-changing page route refuses a form posted without its CSRF token.

The routes come from `app.url_map`: each POST, PUT, PATCH or DELETE outside `/api/`
(the API is CSRF-exempt by design: bearer tokens, no cookies). Each is posted, by a
principal its view allows (anonymous for public views), with plausible form data
but no CSRF token; the answer must be the 400 CSRF refusal, and no row of any table
may change. `csrf.exempt` on one view fails here.
"""

import pytest

from portal import create_app
from portal.access import declared_access
from portal.config import TestConfig
from portal.extensions import limiter
from tests.factories import PASSWORD, PRINCIPALS, signed_in
from tests.route_samples import app_routes, sample_url
from tests.support import database_text

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

_app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
PAGE_ROUTES = [
    (method, rule, endpoint)
    for method, rule, endpoint in app_routes(_app)
    if method in STATE_CHANGING and not rule.startswith("/api/")
]

NEW_PASSWORD = "a-brand-new-passphrase"

# Values for the fields of the app's forms, by field name: each form takes what it
# knows. They are valid: with a token, these posts change the database, except where
# the sample object is already in the target state (publishing a published article,
# deciding on the agreement in force), which the service refuses.
FORM_VALUES = {
    # Sign-in, passwords, tokens.
    "email": "new.person@acme.example",
    "password": PASSWORD,
    "new_password": NEW_PASSWORD,
    "confirm": NEW_PASSWORD,
    "pw-current_password": PASSWORD,
    "pw-new_password": NEW_PASSWORD,
    "pw-confirm": NEW_PASSWORD,
    "token-name": "Ticketing system",
    # People, customers, partners, products.
    "name": "Renamed Thing",
    "role": "technician",
    "status": "left",
    "seats": "250",
    "slug": "renamed-thing",
    "region": "APAC",
    "description": "Described again.",
    "version": "9.1.0",
    "released_on": "2025-09-01",
    "supported": "y",
    # Agreements.
    "comments": "Please lower the minimum of certified technicians.",
    "customer_owner": "partner",
    "customer_billing": "partner",
    "fee_model": "percentage",
    "fee_percentage": "15",
    "fee_period": "quarter",
    "certification_validity_months": "12",
    "coverage": "24x7",
    "out_of_hours_cover": "first_line",
    "out_of_hours_response_minutes": "30",
    **{f"sla-{severity}-first_response": "60" for severity in ("S1", "S2", "S3", "S4")},
    **{f"sla-{severity}-resolution": "2880" for severity in ("S1", "S2", "S3", "S4")},
    # Knowledge base.
    "title": "How to rotate the server certificate",
    "kind": "how_to",
    "visibility": "partners",
    "body": "Stop the service, replace the certificate, start the service.",
    "save": "Save",
    "revision": "1",
    "helpful": "yes",
}


# Where one field name means different things in different forms.
FORM_VALUES_OF_ENDPOINT = {
    "partners.new": {"status": "active"},
    "partners.edit": {"status": "suspended"},
}


def _form_data(world, endpoint: str, anonymous: bool) -> dict[str, str]:
    data = {
        **FORM_VALUES,
        "partner_id": str(world.acme.id),
        f"minimums-{world.product.id}": "2",
        **FORM_VALUES_OF_ENDPOINT.get(endpoint, {}),
    }
    if anonymous:
        # Public forms (sign-in, password reset) are about an existing account.
        data["email"] = world.user("acme_tech").email
    return data


def _principal_allowed(world, endpoint: str) -> str:
    """A principal the view lets in: anonymous for public views, else vendor or acme staff.

    (URL parameters name acme's objects, which globex's users may not see.)
    """
    access = declared_access(_app, endpoint)
    assert access is not None, f"{endpoint} declares no access (@public or @roles_required)"
    if access == "public":
        return "anonymous"
    staff = [p for p in PRINCIPALS if p != "anonymous" and not p.startswith("globex")]
    for principal in staff:
        if world.user(principal).role in access:
            return principal
    raise AssertionError(f"no test principal holds a role of {endpoint}: {sorted(access)}")


@pytest.fixture
def csrf_app(app):
    """CSRF on (as in production), rate limits off: many posts, one address."""
    assert app.config["WTF_CSRF_ENABLED"]
    limiter.enabled = False
    yield app
    limiter.enabled = True


@pytest.mark.parametrize(
    ("method", "rule", "endpoint"), PAGE_ROUTES, ids=[f"{m} {r}" for m, r, _ in PAGE_ROUTES]
)
def test_form_without_csrf_token_is_refused_and_changes_nothing(
    csrf_app, world, method, rule, endpoint
):
    principal = _principal_allowed(world, endpoint)
    user = None if principal == "anonymous" else world.user(principal)
    client = csrf_app.test_client() if user is None else signed_in(csrf_app, user)
    url = sample_url(rule, world, user)
    before = database_text()

    response = client.open(url, method=method, data=_form_data(world, endpoint, user is None))

    where = f"{method} {url} as {principal}"
    assert response.status_code == 400, f"{where}: {response.status_code}"
    assert "CSRF token" in response.get_data(as_text=True), f"{where}: not a CSRF refusal"
    assert database_text() == before, f"{where} changed the database"


def test_the_generated_route_list_holds_the_forms_that_matter():
    """Guards the generator: an empty or filtered-out list would pass vacuously."""
    endpoints = {endpoint for _, _, endpoint in PAGE_ROUTES}
    assert {"auth.login", "partners.accept_version", "admin.user_status"} <= endpoints

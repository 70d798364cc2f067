"""Who may use each route: an explicit truth table, checked against every route.

ACCESS_TABLE below is written by hand from DESIGN.md's roles, not read from the views, so
widening or narrowing a view's roles fails here. Each route of `app.url_map` (every
method but HEAD and OPTIONS, static files aside) needs exactly one row, and each row
a route. URL parameters are filled with objects of the partner acme
(tests/route_samples.py), so globex's users meet a URL naming acme's objects.

Outcomes:
- ok: neither 401, 403 nor 404, and not a 5xx (a form with errors, a redirect...);
- login: a page redirects to /login (with `next`), the API answers 401 with API.md's
  error body;
- 403: the role may not do this;
- 404: not found, or not visible to this principal (another partner's object).

The answers come from the views' roles and the tenant rule's ORM queries, the same on
either database: the table is checked on the SQLite pass of the test command (the API's
and the pages' own cross-partner tests run on both).
"""

import os
from urllib.parse import parse_qs, urlsplit

import pytest

from portal import create_app
from portal.access import declared_access
from portal.config import TestConfig
from portal.extensions import db, limiter
from tests.factories import PASSWORD, PRINCIPALS, api_token, build_world
from tests.route_samples import app_routes, sample_url
from tests.support import api_error

# Columns in the order of tests.factories.PRINCIPALS:
# anon  = anonymous        v_adm = vendor_admin  s_mgr = support_manager  v_eng = vendor_engineer
# a_adm = acme_admin       a_tec = acme_tech     g_adm = globex_admin     g_tec = globex_tech
ACCESS_TABLE = """
# anon  v_adm s_mgr v_eng a_adm a_tec g_adm g_tec  method and URL rule
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /.well-known/jwks.json

  login ok    403   403   403   403   403   403    GET  /admin/products
  login ok    403   403   403   403   403   403    GET  /admin/products/<int:product_id>/edit
  login ok    403   403   403   403   403   403    POST /admin/products/<int:product_id>/edit
  login ok    403   403   403   403   403   403    GET  /admin/products/<int:product_id>/releases/new
  login ok    403   403   403   403   403   403    POST /admin/products/<int:product_id>/releases/new
  login ok    403   403   403   403   403   403    GET  /admin/products/new
  login ok    403   403   403   403   403   403    POST /admin/products/new
  login ok    403   403   403   403   403   403    GET  /admin/releases/<int:release_id>/edit
  login ok    403   403   403   403   403   403    POST /admin/releases/<int:release_id>/edit
  login ok    403   403   403   403   403   403    GET  /admin/tier-discounts
  login ok    403   403   403   403   403   403    POST /admin/tier-discounts
  login ok    403   403   403   403   403   403    GET  /admin/users
  login ok    403   403   403   403   403   403    GET  /admin/users/<int:user_id>/edit
  login ok    403   403   403   403   403   403    POST /admin/users/<int:user_id>/edit
  login ok    403   403   403   403   403   403    POST /admin/users/<int:user_id>/status
  login ok    403   403   403   403   403   403    GET  /admin/users/new
  login ok    403   403   403   403   403   403    POST /admin/users/new

  ok    ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/certifications/<code>
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/certifications/<code>/credential
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/kb/articles
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/kb/articles/<slug>
  login ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/me
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/openapi.json
  login ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/partners
  login ok    ok    ok    ok    ok    404   404    GET  /api/v1/partners/<int:partner_id>
  login 403   403   403   ok    403   404   404    POST /api/v1/partners/<int:partner_id>/case-volume
  login ok    ok    ok    ok    ok    404   404    GET  /api/v1/partners/<int:partner_id>/customers
  login ok    ok    ok    ok    ok    404   404    GET  /api/v1/partners/<int:partner_id>/environments
  login ok    ok    ok    ok    403   404   403    GET  /api/v1/partners/<int:partner_id>/metrics
  login ok    ok    ok    ok    ok    404   404    GET  /api/v1/partners/<int:partner_id>/technicians
  login ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/products
  login ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/quizzes
  login ok    403   403   403   403   403   403    GET  /api/v1/quizzes/<int:quiz_id>
  login 403   403   403   403   ok    403   ok     POST /api/v1/quizzes/<int:quiz_id>/attempts
  login 403   403   403   403   ok    403   404    POST /api/v1/attempts/<int:attempt_id>/answers
  login 403   403   403   403   ok    403   404    POST /api/v1/attempts/<int:attempt_id>/submit
  ok    ok    ok    ok    ok    ok    ok    ok     POST /api/v1/tokens
  login ok    ok    ok    ok    ok    ok    ok     GET  /api/v1/escalations
  login 403   403   403   403   ok    403   ok     POST /api/v1/escalations
  login ok    ok    ok    ok    ok    404   404    GET  /api/v1/escalations/<int:escalation_id>
  login ok    ok    ok    ok    ok    404   404    POST /api/v1/escalations/<int:escalation_id>/attachments
  login ok    ok    ok    ok    ok    404   404    GET  /api/v1/escalations/<int:escalation_id>/attachments/<int:attachment_id>
  login ok    ok    ok    ok    ok    404   404    POST /api/v1/escalations/<int:escalation_id>/comments
  login ok    ok    ok    ok    ok    404   404    POST /api/v1/escalations/<int:escalation_id>/transitions

  login ok    ok    ok    ok    ok    404   404    GET  /attempts/<int:attempt_id>
  login 403   403   403   403   ok    403   404    POST /attempts/<int:attempt_id>/answers
  login ok    ok    ok    ok    ok    404   404    GET  /attempts/<int:attempt_id>/result
  login 403   403   403   403   ok    403   404    POST /attempts/<int:attempt_id>/submit

  login ok    403   403   ok    403   ok    403    GET  /audit/

  login 403   403   403   403   ok    403   ok     GET  /certifications
  login ok    ok    ok    ok    ok    404   404    GET  /certifications/<code>
  login ok    ok    ok    ok    ok    404   404    GET  /certifications/<code>/certificate.pdf
  login ok    ok    ok    ok    403   404   403    GET  /certifications/<code>/history
  login ok    403   403   403   403   403   403    POST /certifications/<code>/revoke

  ok    ok    ok    ok    ok    ok    ok    ok     GET  /directory

  login ok    ok    ok    ok    ok    ok    ok     GET  /environments
  login 403   403   403   ok    403   ok    403    GET  /environments/new
  login 403   403   403   ok    403   ok    403    POST /environments/new
  login 403   403   403   ok    403   404   403    GET  /environments/<int:environment_id>/edit
  login 403   403   403   ok    403   404   403    POST /environments/<int:environment_id>/edit
  login 403   403   403   ok    403   404   403    POST /environments/<int:environment_id>/reattest
  login 403   403   403   ok    403   404   403    POST /environments/<int:environment_id>/retire
  login ok    ok    ok    403   403   403   403    POST /environments/<int:environment_id>/verify

  login 403   403   403   ok    403   ok    403    GET  /exports/
  login 403   403   403   ok    403   ok    403    POST /exports/
  login 403   403   403   ok    403   404   403    GET  /exports/<int:export_id>/download

  login ok    ok    ok    ok    ok    ok    ok     GET  /escalations
  login 403   403   403   403   ok    403   ok     GET  /escalations/new
  login 403   403   403   403   ok    403   ok     POST /escalations/new
  login ok    ok    ok    ok    ok    404   404    GET  /escalations/<int:escalation_id>
  login ok    ok    ok    ok    ok    404   404    GET  /escalations/<int:escalation_id>/attachments/<int:attachment_id>
  login ok    ok    ok    403   403   403   403    POST /escalations/<int:escalation_id>/assignment
  login ok    ok    ok    ok    ok    404   404    POST /escalations/<int:escalation_id>/attachments
  login ok    ok    ok    ok    ok    404   404    POST /escalations/<int:escalation_id>/comments
  login ok    403   ok    403   403   403   403    POST /escalations/<int:escalation_id>/kb-article
  login ok    ok    ok    ok    ok    404   404    POST /escalations/<int:escalation_id>/transitions
  login 403   403   403   403   ok    403   404    GET  /escalations/<int:draft_id>/edit
  login 403   403   403   403   ok    403   404    POST /escalations/<int:draft_id>/edit
  login 403   403   403   403   ok    403   ok     POST /escalations/suggestions

  ok    ok    ok    ok    ok    ok    ok    ok     GET  /forgot-password
  ok    ok    ok    ok    ok    ok    ok    ok     POST /forgot-password

  ok    ok    ok    ok    ok    ok    ok    ok     GET  /kb/
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /kb/articles/<slug>
  login ok    403   ok    403   403   403   403    GET  /kb/articles/<slug>/edit
  login ok    403   ok    403   403   403   403    POST /kb/articles/<slug>/edit
  login ok    403   ok    403   403   403   403    GET  /kb/articles/<slug>/history
  login ok    403   ok    403   403   403   403    POST /kb/articles/<slug>/publish
  login ok    403   ok    403   403   403   403    POST /kb/articles/<slug>/reviewed
  login ok    403   ok    403   403   403   403    GET  /kb/articles/<slug>/revisions/<int:number>
  login ok    403   ok    403   403   403   403    POST /kb/articles/<slug>/revisions/<int:number>/restore
  login ok    403   ok    403   403   403   403    POST /kb/articles/<slug>/unpublish
  login ok    ok    ok    ok    ok    ok    ok     POST /kb/articles/<slug>/vote
  login ok    403   ok    403   403   403   403    GET  /kb/new
  login ok    403   ok    403   403   403   403    POST /kb/new
  login ok    403   ok    403   403   403   403    POST /kb/preview

  ok    ok    ok    ok    ok    ok    ok    ok     GET  /login
  ok    ok    ok    ok    ok    ok    ok    ok     POST /login
  login ok    ok    ok    ok    ok    ok    ok     POST /logout

  login ok    ok    403   403   403   403   403    GET  /management/
  login ok    ok    403   403   403   403   403    GET  /management/dashboard.csv
  login ok    ok    403   403   403   403   403    GET  /management/thresholds
  login ok    ok    403   403   403   403   403    POST /management/thresholds
  login 403   403   403   ok    403   ok    403    GET  /management/our-figures
  login ok    ok    ok    ok    403   404   403    GET  /management/partners/<slug>
  login ok    ok    ok    ok    403   404   403    GET  /management/partners/<slug>/<table>.csv
  login ok    ok    ok    ok    403   404   403    GET  /management/partners/<slug>/review.pdf

  login ok    ok    ok    403   403   403   403    GET  /partners/
  login ok    ok    ok    ok    ok    404   404    GET  /partners/<int:partner_id>
  login ok    ok    ok    ok    ok    404   404    GET  /partners/<int:partner_id>/agreements/<int:agreement_id>
  login 403   403   403   ok    403   404   403    POST /partners/<int:partner_id>/agreements/<int:agreement_id>/accept
  login 403   403   403   ok    403   404   403    POST /partners/<int:partner_id>/agreements/<int:agreement_id>/return
  login ok    403   403   403   403   403   403    POST /partners/<int:partner_id>/agreements/<int:agreement_id>/withdraw
  login ok    403   403   403   403   403   403    GET  /partners/<int:partner_id>/agreements/new
  login ok    403   403   403   403   403   403    POST /partners/<int:partner_id>/agreements/new
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/certifications
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/customers
  login ok    403   403   ok    403   404   403    POST /partners/<int:partner_id>/customers
  login ok    403   403   ok    403   404   403    GET  /partners/<int:partner_id>/customers/<int:customer_id>/edit
  login ok    403   403   ok    403   404   403    POST /partners/<int:partner_id>/customers/<int:customer_id>/edit
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/ratings
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/check-ins
  login ok    ok    403   403   403   403   403    POST /partners/<int:partner_id>/check-ins/actions/<int:action_id>/done
  login ok    ok    403   403   403   403   403    GET  /partners/<int:partner_id>/check-ins/cadence
  login ok    ok    403   403   403   403   403    POST /partners/<int:partner_id>/check-ins/cadence
  login ok    ok    403   403   403   403   403    GET  /partners/<int:partner_id>/check-ins/new
  login ok    ok    403   403   403   403   403    POST /partners/<int:partner_id>/check-ins/new
  login ok    403   403   403   403   403   403    GET  /partners/<int:partner_id>/edit
  login ok    403   403   403   403   403   403    POST /partners/<int:partner_id>/edit
  login 403   403   403   ok    403   404   403    POST /partners/<int:partner_id>/onboarding/procedures
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/fee-reports
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/fee-reports.csv
  login 403   403   403   ok    403   404   403    GET  /partners/<int:partner_id>/fee-reports/new
  login 403   403   403   ok    403   404   403    POST /partners/<int:partner_id>/fee-reports/new
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/fee-reports/<int:report_id>
  login 403   403   403   ok    403   404   403    POST /partners/<int:partner_id>/fee-reports/<int:report_id>/edit
  login 403   403   403   ok    403   404   403    POST /partners/<int:partner_id>/fee-reports/<int:report_id>/submit
  login ok    ok    403   403   403   403   403    POST /partners/<int:partner_id>/fee-reports/<int:report_id>/approve
  login ok    ok    403   403   403   403   403    POST /partners/<int:partner_id>/fee-reports/<int:report_id>/send-back
  login ok    ok    403   403   403   403   403    GET  /partners/fee-reports/awaiting
  login ok    ok    ok    ok    403   404   403    GET  /partners/<int:partner_id>/technicians
  login ok    403   403   ok    403   404   403    POST /partners/<int:partner_id>/technicians
  login ok    403   403   ok    403   404   403    POST /partners/<int:partner_id>/technicians/<int:user_id>/status
  login ok    ok    ok    ok    ok    ok    ok     GET  /partners/mine
  login 403   403   403   ok    403   ok    403    GET  /partners/mine/agreement
  login 403   403   403   ok    403   ok    403    GET  /partners/mine/certifications
  login 403   403   403   ok    403   ok    403    GET  /partners/mine/customers
  login 403   403   403   ok    403   ok    403    GET  /partners/mine/technicians
  login ok    403   403   403   403   403   403    GET  /partners/new
  login ok    403   403   403   403   403   403    POST /partners/new

  login ok    ok    ok    ok    ok    ok    ok     GET  /profile
  login ok    ok    ok    ok    ok    ok    ok     POST /profile/password
  login ok    ok    ok    ok    ok    ok    ok     POST /profile/sign-out-everywhere
  login ok    ok    ok    ok    ok    ok    ok     POST /profile/tokens
  login ok    ok    ok    ok    ok    ok    ok     POST /profile/tokens/<int:token_id>/revoke
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /set-password/<token>
  ok    ok    ok    ok    ok    ok    ok    ok     POST /set-password/<token>

  ok    ok    ok    ok    ok    ok    ok    ok     GET  /rate/<rating_token>
  ok    ok    ok    ok    ok    ok    ok    ok     POST /rate/<rating_token>
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /rate/thanks
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /verify
  ok    ok    ok    ok    ok    ok    ok    ok     GET  /verify/<code>

  login ok    403   403   403   403   403   403    GET  /questions/<int:question_id>/edit
  login ok    403   403   403   403   403   403    POST /questions/<int:question_id>/edit
  login ok    403   403   403   403   403   403    POST /questions/<int:question_id>/remove
  login ok    403   403   403   403   403   403    POST /questions/<int:question_id>/restore

  login ok    ok    ok    ok    ok    ok    ok     GET  /quizzes
  login ok    ok    ok    ok    ok    ok    ok     GET  /quizzes/<int:quiz_id>
  login 403   403   403   403   ok    403   ok     POST /quizzes/<int:quiz_id>/attempts
  login ok    403   403   403   403   403   403    GET  /quizzes/<int:quiz_id>/edit
  login ok    403   403   403   403   403   403    POST /quizzes/<int:quiz_id>/edit
  login ok    403   403   403   403   403   403    GET  /quizzes/<int:quiz_id>/export
  login ok    403   403   403   403   403   403    GET  /quizzes/<int:quiz_id>/import
  login ok    403   403   403   403   403   403    POST /quizzes/<int:quiz_id>/import
  login ok    403   403   403   403   403   403    GET  /quizzes/<int:quiz_id>/questions
  login ok    403   403   403   403   403   403    GET  /quizzes/<int:quiz_id>/questions/new
  login ok    403   403   403   403   403   403    POST /quizzes/<int:quiz_id>/questions/new

  login ok    ok    ok    ok    ok    ok    ok     GET  /training
  login ok    403   403   403   403   403   403    GET  /training/new
  login ok    403   403   403   403   403   403    POST /training/new
  login ok    ok    ok    ok    ok    ok    ok     GET  /training/<int:session_id>
  login ok    403   403   ok    403   ok    403    POST /training/<int:session_id>/attendees
  login ok    403   403   403   403   403   403    POST /training/<int:session_id>/attendees/<int:attendee_id>/attendance
  login ok    403   403   ok    403   404   403    POST /training/<int:session_id>/attendees/<int:attendee_id>/remove
  login ok    403   403   403   403   403   403    POST /training/<int:session_id>/delete
  login ok    403   403   403   403   403   403    GET  /training/<int:session_id>/edit
  login ok    403   403   403   403   403   403    POST /training/<int:session_id>/edit
  login ok    403   403   403   403   403   403    GET  /training/<int:session_id>/materials
  login ok    403   403   403   403   403   403    POST /training/<int:session_id>/materials
  login ok    403   403   403   403   403   403    GET  /training/<int:session_id>/quizzes/new
  login ok    403   403   403   403   403   403    POST /training/<int:session_id>/quizzes/new
  login ok    ok    ok    ok    ok    ok    ok     GET  /training/<int:session_id>/session.ics
  login 403   403   403   403   ok    403   ok     POST /training/<int:session_id>/sign-up
  login 403   403   403   403   ok    403   ok     POST /training/<int:session_id>/withdraw

  login 403   403   403   ok    403   ok    403    GET  /webhooks/
  login 403   403   403   ok    403   ok    403    POST /webhooks/
  login 403   403   403   ok    403   404   403    GET  /webhooks/<int:endpoint_id>
  login 403   403   403   ok    403   404   403    POST /webhooks/<int:endpoint_id>/delete
  login 403   403   403   ok    403   404   403    POST /webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/send-again
  login 403   403   403   ok    403   404   403    POST /webhooks/<int:endpoint_id>/disable
  login 403   403   403   ok    403   404   403    POST /webhooks/<int:endpoint_id>/enable
  login 403   403   403   ok    403   404   403    POST /webhooks/<int:endpoint_id>/rotate-secret
"""  # noqa: E501


OUTCOMES = {"ok", "login", "403", "404"}


def _parse(table: str) -> dict[tuple[str, str], tuple[str, ...]]:
    rows = {}
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        *cells, method, rule = line.split()
        assert len(cells) == len(PRINCIPALS), f"row needs {len(PRINCIPALS)} cells: {line}"
        assert set(cells) <= OUTCOMES, f"unknown outcome in: {line}"
        assert (method, rule) not in rows, f"two rows for {method} {rule}"
        rows[method, rule] = tuple(cells)
    return rows


ACCESS = _parse(ACCESS_TABLE)
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="access is decided the same way on either database: checked on the SQLite pass",
)

_app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
ROUTES = {(method, rule): endpoint for method, rule, endpoint in app_routes(_app)}


@pytest.fixture
def route_app(app):
    """CSRF and rate limits off: this test is about access, not forms."""
    app.config["WTF_CSRF_ENABLED"] = False
    limiter.enabled = False
    yield app
    app.config["WTF_CSRF_ENABLED"] = True
    limiter.enabled = True


def _outcome(response, api: bool) -> str:
    """The response as one of the table's outcomes (anything else is spelled out)."""
    status = response.status_code
    if api and status == 401:
        try:
            api_error(response, 401)
        except AssertionError:
            return "401-without-API.md-error-body"
        return "login"
    location = urlsplit(response.headers.get("Location", ""))
    if status == 302 and location.path == "/login" and "next" in parse_qs(location.query):
        return "login"
    if status in (401, 403, 404) or status >= 500:
        return str(status)
    return "ok"


def _visit(app, world, principal: str, method: str, rule: str) -> tuple[str, str]:
    """(outcome, what happened) of `method` on `rule` as `principal`."""
    user = None if principal == "anonymous" else world.user(principal)
    url = sample_url(rule, world, user)
    api = url.startswith("/api/")
    client = app.test_client()
    headers = {}
    if api and user is not None:
        headers["Authorization"] = f"Bearer {api_token(user)}"
    elif user is not None:
        signed = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert signed.status_code == 302, f"could not sign in as {principal}"
    kwargs = {"json": {}} if api and method != "GET" else {}
    response = client.open(url, method=method, headers=headers, **kwargs)
    where = f"{response.status_code} {response.headers.get('Location', '')}".strip()
    return _outcome(response, api), where


def _observed_row(app, method: str, rule: str) -> tuple[list[str], list[str]]:
    from tests.conftest import _empty_all_tables

    outcomes, details = [], []
    world = build_world()
    for position, principal in enumerate(PRINCIPALS):
        if method != "GET" and position > 0:
            # A POST may change state (deactivate a user, accept an agreement...):
            # each principal starts from a fresh world.
            db.session.remove()
            _empty_all_tables()
            world = build_world()
        outcome, detail = _visit(app, world, principal, method, rule)
        outcomes.append(outcome)
        details.append(detail)
    return outcomes, details


CASES = sorted(set(ACCESS) | set(ROUTES), key=lambda key: (key[1], key[0]))


@pytest.mark.parametrize(("method", "rule"), CASES, ids=[f"{m} {r}" for m, r in CASES])
def test_route_answers_each_principal_as_the_table_says(route_app, method, rule):
    if (method, rule) not in ACCESS:
        pytest.fail(f"{method} {rule} has no row in ACCESS_TABLE: add one", pytrace=False)
    if (method, rule) not in ROUTES:
        pytest.fail(f"stale row: {method} {rule} is not a route of the app", pytrace=False)
    observed, details = _observed_row(route_app, method, rule)
    expected = list(ACCESS[method, rule])
    differences = [
        f"{principal}: expected {want}, got {got} ({detail})"
        for principal, want, got, detail in zip(
            PRINCIPALS, expected, observed, details, strict=True
        )
        if want != got
    ]
    assert not differences, f"{method} {rule}\n" + "\n".join(differences)


def test_every_view_declares_its_access():
    missing = sorted({e for e in ROUTES.values() if declared_access(_app, e) is None})
    assert missing == []

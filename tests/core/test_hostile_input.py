"""No input makes the portal answer 5xx: hostile characters, deep JSON and huge ids.

Generated from `app.url_map` (pages and API, every method but HEAD and OPTIONS), so a
route added later is covered without editing this test. URL parameters are filled as in
the route-access tests (`tests/route_samples.py`); each route is visited by an anonymous
visitor and by a signed-in vendor admin (pages: session cookie, API: bearer token).

The contract (issue #12):
- NUL (U+0000), or a lone surrogate (U+D800-U+DFFF, only possible through a JSON
  `\\ud800` escape), anywhere in the path, the query string (names or values), form
  fields (names, values, uploaded file names) or JSON strings (keys or values, at any
  depth): 400, before authentication. API paths answer API.md's error body with code
  `invalid_characters`; pages answer the HTML error page with our security headers.
- A JSON body nested deeper than 64 levels: 400, API code `json_too_deep`.
- An integer id in the path outside 1..2147483647: 404 (API: `not_found`).
- Never a 5xx, and nothing stored by a refused request.

CSRF and rate limits are off here: the guard is what is tested (both have tests of their
own), and a refusal by either would hide a missing guard.
"""

import io
import re
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db, limiter
from tests.conftest import _empty_all_tables
from tests.factories import PASSWORD, Browser, World, api_token, build_world
from tests.route_samples import PARTNER_PAGE_SAMPLES, SAMPLES
from tests.support import api_error

_app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
RULES = sorted(_app.url_map.iter_rules(), key=lambda rule: (rule.rule, sorted(rule.methods)))
PRINCIPALS = ("anonymous", "vendor_admin")

# Path parameters this test needs beyond the route-access samples (static files).
EXTRA_SAMPLES = {"filename": lambda w, p: "portal.css"}

OUT_OF_RANGE_IDS = ("0", "2147483648", "9223372036854775808", "99999999999999999999")
HUGE = "99999999999999999999"
HUGE_QUERY = "&".join(
    f"{name}={HUGE}"
    for name in ("page", "per_page", "from", "compare", "partner_id", "product", "id", "number")
)

# JSON bodies as raw bytes: the surrogates must reach the server as `\ud800` escapes.
SURROGATE_VALUE = b'{"email": "\\ud800@x", "password": "pw"}'
SURROGATE_KEY = b'{"a": [{"\\udfff": 1}]}'
DEEP_ARRAYS = b"[" * 50_000 + b"]" * 50_000
NUL_JSON_BODIES = {
    "JSON value": {"email": "a\x00@example.org", "password": "pw", "name": "n"},
    "JSON key": {"em\x00ail": "a@example.org", "password": "pw"},
    "JSON value deep": {"reproduction": {"steps": ["ok", {"note": "x\x00y"}]}},
    "JSON key deep": {"a": [{"b": {"c\x00": 1}}]},
}


PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _param_converters(rule) -> dict[str, str]:
    return {name: type(conv).__name__ for name, conv in rule._converters.items()}


def _is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


@dataclass
class Visitor:
    """A principal's client (signed in for pages), headers (bearer for the API), and the
    sample values of the route's URL parameters."""

    client: object
    headers: dict
    values: dict[str, str]


def _samples(world: World, user, rule) -> dict[str, str]:
    values = {}
    for name in PARAM.findall(rule.rule):
        if name in PARTNER_PAGE_SAMPLES and rule.rule.startswith("/management/partners/"):
            values[name] = PARTNER_PAGE_SAMPLES[name](world)  # the review's <slug>, <table>
            continue
        make = EXTRA_SAMPLES.get(name) or SAMPLES[name]
        values[name] = str(make(world, user))
    return values


def _sign_in(app, user):
    """A client signed in as `user` (CSRF is off in these tests), or anonymous."""
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, f"could not sign in as {user.email}"
    return client


def _url(rule, values: dict[str, str], **replace: str) -> str:
    """The rule's path with `values`, percent-encoded; `replace` overrides some values."""

    def fill(match):
        name = match.group(1)
        return quote(replace.get(name, values[name]), safe="/")

    return PARAM.sub(fill, rule.rule)


def _form_field_names(visitor: Visitor, rule) -> list[str]:
    """The fields of the form the route's GET page shows (if any), and a few common ones."""
    names = {"name", "email", "title", "body"}
    if "GET" in rule.methods and not _is_api(rule):
        response = visitor.client.get(_url(rule, visitor.values))
        if response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            names |= set(re.findall(r'<(?:input|textarea|select)[^>]*\sname="([^"]+)"', html))
        response.close()
    names.discard("csrf_token")
    return sorted(names)


def _hostile_cases(rule, visitor: Visitor, field_names: list[str]):
    """(label, request kwargs, expected API code, expected status) for one route.

    A status of None: anything but a 5xx will do.
    """
    values = visitor.values
    url = _url(rule, values)
    bad = ("invalid_characters", 400)
    # The path: inside each string parameter, and at the end of the path.
    for name, converter in _param_converters(rule).items():
        if converter in {"UnicodeConverter", "PathConverter"}:
            yield f"NUL in <{name}>", {"path": _url(rule, values, **{name: "x\x00y"})}, *bad
    yield "NUL at the end of the path", {"path": url + "%00"}, *bad
    # The query string.
    yield "NUL in a query value", {"path": url, "query_string": "q=x%00y"}, *bad
    yield "NUL in a query name", {"path": url, "query_string": "x%00y=1"}, *bad
    # Form fields and uploaded file names.
    yield (
        "NUL in every form value",
        {"path": url, "data": {name: "x\x00y" for name in field_names}},
        *bad,
    )
    yield "NUL in a form field name", {"path": url, "data": {"na\x00me": "x"}}, *bad
    yield (
        "NUL in an uploaded file name",
        {"path": url, "data": {"file": (io.BytesIO(b"log line\n"), "evidence\x00.txt")}},
        *bad,
    )
    # JSON bodies.
    for label, body in NUL_JSON_BODIES.items():
        yield f"NUL in a {label}", {"path": url, "json": body}, *bad
    for label, raw in (("value", SURROGATE_VALUE), ("key", SURROGATE_KEY)):
        yield (
            f"lone surrogate in a JSON {label}",
            {"path": url, "data": raw, "content_type": "application/json"},
            *bad,
        )
    yield (
        "JSON nested 50,000 deep",
        {"path": url, "data": DEEP_ARRAYS, "content_type": "application/json"},
        "json_too_deep",
        400,
    )
    # Whatever a route makes of huge numbers in the query string: never a 5xx.
    yield "huge numbers in the query string", {"path": url, "query_string": HUGE_QUERY}, None, None
    # Integer ids out of range.
    for name, converter in _param_converters(rule).items():
        if converter == "IntegerConverter":
            for number in OUT_OF_RANGE_IDS:
                yield (
                    f"<{name}> = {number}",
                    {"path": _url(rule, values, **{name: number})},
                    "not_found",
                    404,
                )


def _refusal_problem(response, api: bool, status: int, code: str) -> str | None:
    """What is wrong with `response` as the expected refusal, or None."""
    if api:
        try:
            api_error(response, status, code)
        except AssertionError as exc:
            return str(exc).splitlines()[0][:160]
        return None
    if response.status_code != status:
        return f"expected {status}"
    if response.mimetype != "text/html":
        return f"expected an HTML page, not {response.mimetype}"
    if "Content-Security-Policy" not in response.headers:
        return "no security headers"
    return None


def _counts() -> tuple[int, ...]:
    """The row count of every table (as `row_counts()`), in one round trip."""
    db.session.rollback()
    counts = [
        select(func.count()).select_from(table).scalar_subquery()
        for table in db.metadata.sorted_tables
    ]
    return tuple(db.session.execute(select(*counts)).one())


def _send(visitor: Visitor, method: str, kwargs: dict):
    """The response, or a line saying what the request raised (TESTING propagates what
    would be a 500)."""
    try:
        response = visitor.client.open(method=method, headers=visitor.headers, **kwargs)
    except Exception as exc:
        return f"raised {type(exc).__name__}: {str(exc)[:120]}"
    response.close()
    return response


def _visit(app, world: World, principal: str, rule, method: str) -> list[str]:
    """Send every hostile case to `method rule` as `principal`; return what went wrong."""
    user = None if principal == "anonymous" else world.user(principal)
    api = _is_api(rule)
    headers = {"Authorization": f"Bearer {api_token(user)}"} if api and user else {}
    visitor = Visitor(_sign_in(app, None if api else user), headers, _samples(world, user, rule))
    field_names = _form_field_names(visitor, rule)
    failures, let_through, counts = [], False, _counts()
    for label, kwargs, code, status in _hostile_cases(rule, visitor, field_names):
        if let_through and user is not None and not api:
            # The last request was not refused: it may have signed the visitor out.
            visitor.client = _sign_in(app, user)
        if let_through:
            counts = _counts()
        where = f"{method} {kwargs['path']} as {principal}, {label}"
        response = _send(visitor, method, kwargs)
        if isinstance(response, str):
            failures.append(f"{where}: {response}")
            let_through = True
            continue
        if status is None:  # anything but a 5xx
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            let_through = True
            continue
        problem = _refusal_problem(response, api, status, code)
        let_through = problem is not None
        if problem:
            failures.append(f"{where}: {response.status_code} ({problem})")
        if _counts() != counts:
            failures.append(f"{where}: rows were stored")
            let_through = True
    return failures


@pytest.fixture
def guard_app(app):
    app.config["WTF_CSRF_ENABLED"] = False
    limiter.enabled = False
    yield app
    app.config["WTF_CSRF_ENABLED"] = True
    limiter.enabled = True


def _rule_id(rule) -> str:
    return f"{','.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))} {rule.rule}"


@pytest.mark.parametrize("rule", RULES, ids=[_rule_id(r) for r in RULES])
def test_route_refuses_hostile_input(guard_app, rule):
    failures, world, changed = [], None, True
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        for principal in PRINCIPALS:
            if changed:
                # A request that was let through may have changed the world.
                db.session.remove()
                _empty_all_tables()
                world = build_world()
            found = _visit(guard_app, world, principal, rule, method)
            failures += found
            # The request with huge query numbers is let through: a signed-in POST may act.
            changed = bool(found) or (method != "GET" and principal != "anonymous")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


# --- Ids in query strings ----------------------------------------------------------


@pytest.mark.parametrize("value", ["2147483648", "9223372036854775808", HUGE])
def test_agreement_draft_from_an_out_of_range_version_is_refused(guard_app, world, value):
    client = _sign_in(guard_app, world.user("vendor_admin"))
    response = client.get(f"/partners/{world.acme.id}/agreements/new?from={value}")
    assert response.status_code in (400, 404)


@pytest.mark.parametrize("value", ["2147483648", "9223372036854775808", HUGE])
def test_revision_compared_with_an_out_of_range_number_is_refused(guard_app, world, value):
    from tests.knowledge_base.factories import make_article

    article = make_article(world.user("vendor_engineer"), title="Compared")
    client = _sign_in(guard_app, world.user("vendor_admin"))
    response = client.get(f"/kb/articles/{article.slug}/revisions/1?compare={value}")
    assert response.status_code in (400, 404)


# --- Where sign-in sends the visitor next -------------------------------------------


def _sign_in_with_next(client, world: World, next_value: str):
    browser = Browser(client)
    token = browser.csrf_token("/login")
    return client.post(
        "/login?next=" + next_value,
        data={"email": world.user("acme_tech").email, "password": PASSWORD, "csrf_token": token},
    )


def _where_a_browser_goes(location: str):
    """Read `Location` as browsers do (WHATWG URL): they drop tabs and newlines, trim
    controls and spaces, and take a backslash for a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip("".join(map(chr, range(0x21)))))
    return urlsplit(urljoin("http://localhost/login", cleaned.replace("\\", "/")))


def _assert_stays_on_site(response) -> None:
    assert response.status_code in (302, 303), response.status_code
    location = response.headers["Location"]
    assert not re.search(r"[\x00-\x1f\x7f]", location), repr(location)
    target = _where_a_browser_goes(location)
    assert (target.scheme, target.netloc) == ("http", "localhost"), repr(location)


def test_sign_in_next_cannot_inject_a_header(client, world):
    try:
        response = _sign_in_with_next(client, world, "/%0D%0AX-Injected:%201")
    except Exception as exc:  # TESTING propagates what would be a 500
        pytest.fail(f"sign-in with a CR LF in next raised {type(exc).__name__}: {exc}")
    assert "X-Injected" not in response.headers
    _assert_stays_on_site(response)


@pytest.mark.parametrize(
    "next_value",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%09/evil.example",
        "/%0A/evil.example",
        "///evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "%20//evil.example",
    ],
)
def test_sign_in_next_stays_on_site(client, world, next_value):
    _assert_stays_on_site(_sign_in_with_next(client, world, quote(next_value, safe="%/:")))


def test_sign_in_next_keeps_a_path_on_site(client, world):
    response = _sign_in_with_next(client, world, "/kb/%3Fq%3Dexport")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/kb/")


def test_deep_json_just_over_the_limit_is_refused_and_at_the_limit_is_not(client):
    nested = lambda depth: b"[" * depth + b"]" * depth  # noqa: E731
    api_error(
        client.post("/api/v1/tokens", data=nested(65), content_type="application/json"),
        400,
        "json_too_deep",
    )
    response = client.post("/api/v1/tokens", data=nested(64), content_type="application/json")
    assert response.status_code < 500
    assert response.get_json()["error"]["code"] != "json_too_deep"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"email": ' + b"[" * 100 + b'"x"' + b"]" * 100 + b"}",
    ],
    ids=["unclosed arrays", "objects", "inside a field"],
)
def test_deep_json_of_any_shape_is_refused(client, body):
    api_error(
        client.post("/api/v1/tokens", data=body, content_type="application/json"),
        400,
        "json_too_deep",
    )

"""Schemathesis fuzzes the JSON API from the app's own OpenAPI document, in-process.

For every operation of /api/v1/openapi.json, Hypothesis generates requests that match
the document (positive) and requests that break it (negative), sent through WSGI (no
network) over a demo-like world, once without a token and once with the token of a
vendor admin and of a partner technician. Each answer must be:

- never a server error (TESTING propagates an unhandled exception; it is reported here
  as the 500 a server would send, with its traceback);
- documented: its status and content type, and its body valid against the document's
  schema (every operation documents API.md's error body as its `default` answer);
- for negative requests, a 4xx refusal (`negative_data_rejection`).

Path parameters are drawn from generated values and from objects that exist (the
partners, the articles), so the fuzzing also reaches the answers for real objects.
The run is bounded (MAX_EXAMPLES per operation and mode) and derandomized, so the suite
is repeatable; raise MAX_EXAMPLES locally to explore further, or run the schemathesis
CLI against a served demo database for its coverage and stateful phases too.

It runs on the PostgreSQL pass of the test command, production's database, where most
server errors hide (the SQLite pass runs the axe crawl meanwhile); set FUZZ_ON_SQLITE=1 to
run it on SQLite too.

(Schemathesis' own pytest integration is not used: its fixture-based lazy schema needs a
pytest attribute that pytest 9 no longer has, and an explicit loop lets each principal's
world be built once and every failing operation be listed.)
"""

import contextvars
import os
import re
import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from portal.extensions import db, limiter
from tests.factories import PASSWORD, World, api_token, build_world
from tests.knowledge_base.factories import make_article

MAX_EXAMPLES = 15
CHECKS = {
    GenerationMode.POSITIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ],
    GenerationMode.NEGATIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        negative_data_rejection,
    ],
}
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


def isolated_wsgi(app):
    """`app` as a server runs it: each request in a fresh context, so nothing leaks from
    the test's application context (the session, `g`); an unhandled exception becomes a
    500 carrying its traceback."""

    def wsgi(environ, start_response):
        try:
            return contextvars.Context().run(app, environ, start_response)
        except Exception:
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [traceback.format_exc().encode()]

    return wsgi


def _library(world: World) -> list[str]:
    """Articles of every visibility, published and draft; their slugs."""
    engineer = world.user("vendor_engineer")
    releases = world.product.releases
    articles = [
        make_article(
            engineer,
            title="Export hangs on large files",
            product=world.product,
            releases=releases[:1],
            tags=["export"],
            kind="known_issue",
        ),
        make_article(
            engineer,
            title="Configuring single sign-on",
            visibility="partners",
            product=world.product,
            tags=["sso", "setup"],
        ),
        make_article(engineer, title="Internal triage notes", visibility="internal", kind="how_to"),
        make_article(
            engineer,
            title="Release notes 4.1",
            kind="release_note",
            product=world.product,
            releases=releases[1:],
        ),
        make_article(engineer, title="Draft about upgrades", publish=False),
    ]
    return [article.slug for article in articles]


def _operation_strategy(operation, mode: GenerationMode, headers: dict, known: dict):
    """Generated cases, and (positive) cases naming an object that exists in the path or
    sending a body that works (`known`: path parameter or operation label -> values).

    The token is a fixed header: negative cases break the request, not the credentials.
    """
    strategies = [operation.as_strategy(generation_mode=mode, headers=headers)]
    if mode is GenerationMode.NEGATIVE:
        return strategies[0]  # a known value leaves less to break
    for name in re.findall(r"{(\w+)}", operation.path):
        for value in known.get(name, []):
            strategies.append(
                operation.as_strategy(
                    generation_mode=mode, headers=headers, path_parameters={name: value}
                )
            )
    for body in known.get(operation.label, []):
        strategies.append(operation.as_strategy(generation_mode=mode, headers=headers, body=body))
    return st.one_of(strategies)


def _fuzz(operation, mode: GenerationMode, app, headers: dict, known: dict) -> str | None:
    """Run the examples of one operation in one mode; what failed, or None."""

    @FUZZ_SETTINGS
    @given(case=_operation_strategy(operation, mode, headers, known))
    def run(case):
        case.validate_response(case.call(app=app), checks=CHECKS[mode])

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE:
            return None  # nothing to break: no parameters or body besides the fixed token
        raise
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a failure group
        return f"{operation.label} ({mode.value}): {exc}"
    return None


@pytest.fixture
def fuzz_app(app):
    """Rate limits off: a 429 would stop the fuzzing before the handler is reached."""
    limiter.enabled = False
    yield app
    limiter.enabled = True


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") and not os.environ.get("FUZZ_ON_SQLITE"),
    reason="fuzzed on the PostgreSQL pass (FUZZ_ON_SQLITE=1 to fuzz SQLite too)",
)
@pytest.mark.parametrize("principal", ["anonymous", "vendor_admin", "acme_tech"])
def test_api_answers_as_its_openapi_document_says(fuzz_app, principal):
    world = build_world()
    known = {
        "partner_id": [world.acme.id, world.globex.id],
        "slug": _library(world),
        "POST /api/v1/tokens": [{"email": world.user("acme_tech").email, "password": PASSWORD}],
    }
    headers = {}
    if principal != "anonymous":
        headers["Authorization"] = f"Bearer {api_token(world.user(principal))}"
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", isolated_wsgi(fuzz_app), config=schemathesis.Config()
    )
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _fuzz(operation, mode, schema.app, headers, known)
            if failure:
                failures.append(failure)
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)

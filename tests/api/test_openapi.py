"""The OpenAPI document at /api/v1/openapi.json describes every API route."""

import re

import pytest

from portal.access import declared_access

SPEC_URL = "/api/v1/openapi.json"
DOCS_ENDPOINTS = {"api-docs.openapi_json"}


@pytest.fixture
def spec(client):
    response = client.get(SPEC_URL)
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _api_operations(app):
    """(OpenAPI path, method, endpoint) for every /api/v1 rule of the URL map."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in DOCS_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), rule.endpoint


def test_spec_is_served_without_a_token_as_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"
    assert isinstance(spec["paths"], dict) and spec["paths"]


def test_every_api_route_is_documented(app, spec):
    operations = list(_api_operations(app))
    assert ("/api/v1/partners/{partner_id}", "get", "api_partners.get_partner") in operations
    missing = [
        (path, method)
        for path, method, _ in operations
        if method not in spec["paths"].get(path, {})
    ]
    assert not missing


def test_bearer_scheme_is_declared_and_required_where_a_token_is(app, spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    for path, method, endpoint in _api_operations(app):
        security = spec["paths"][path][method].get("security", [])
        if declared_access(app, endpoint) == "public":
            # No requirement, or the token is optional (`{}` allows anonymous callers).
            assert not security or {} in security, (method, path)
        else:
            assert {"bearerAuth": []} in security, f"{method} {path} does not document its token"
            assert {} not in security, f"{method} {path} is documented as open to anyone"


def test_operations_are_well_formed(spec):
    for path, operations in spec["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete", "parameters"}
            if method != "parameters":
                assert operation["responses"], (method, path)
                assert operation.get("summary"), f"{method} {path} has no summary (docstring)"


def test_every_reference_resolves(spec):
    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    for ref in refs(spec):
        assert ref.startswith("#/"), ref
        target = spec
        for part in ref[2:].split("/"):
            assert part in target, f"unresolved {ref}"
            target = target[part]


def test_documented_schemas_match_the_contract(spec):
    schemas = spec["components"]["schemas"]
    assert set(schemas["TokenRequest"]["required"]) == {"email", "password"}
    assert set(schemas["Me"]["properties"]) == {"id", "email", "name", "role", "partner_id"}
    assert set(schemas["PartnerPage"]["properties"]) == {"items", "page", "per_page", "total"}


def _resolve(spec, node):
    while "$ref" in node:
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_error_responses_document_the_api_error_body(client, spec):
    response = _resolve(spec, spec["components"]["responses"]["DEFAULT_ERROR"])
    schema = _resolve(spec, response["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"error"}
    detail = _resolve(spec, schema["properties"]["error"])
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert detail["properties"]["code"]["type"] == "string"
    # ... which is what the API really answers.
    assert set(client.get("/api/v1/me").get_json()["error"]) == set(detail["properties"])


def test_list_endpoints_document_their_paging_parameters(spec):
    lists = 0
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        ok = operation and operation["responses"].get("200", {})
        # A file download (an attachment) answers other content than JSON.
        json_body = ok and ok["content"].get("application/json")
        schema = json_body and json_body["schema"].get("$ref", "")
        if schema and schema.endswith("Page"):
            lists += 1
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert {"page", "per_page"} <= names, path
    assert lists >= 4


def test_spec_passes_the_openapi_validator(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)

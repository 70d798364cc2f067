"""API errors follow docs/api.md: `{"error": {"code", "message", "fields"}}`, right status."""

import pytest

from portal.errors import flatten_messages
from portal.models.users import ApiToken
from tests.factories import PASSWORD, bearer
from tests.support import api_error, row_counts


@pytest.mark.parametrize("body", [b'{"email": "tech@acme.example", ', b"not json", b"\xff\xfe{}"])
def test_malformed_json_is_a_400_and_changes_nothing(client, world, body):
    before = row_counts()
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    api_error(response, 400, "malformed_json")
    assert row_counts() == before


def test_missing_fields_are_named(client, world):
    before = row_counts()
    error = api_error(client.post("/api/v1/tokens", json={}), 422, "validation_error")
    assert set(error["fields"]) == {"email", "password"}
    assert all(isinstance(text, str) and text for text in error["fields"].values())
    assert row_counts() == before


def test_wrong_types_are_named(client, world):
    error = api_error(
        client.post(
            "/api/v1/tokens", json={"email": "tech@acme.example", "password": ["x"], "name": 7}
        ),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"password", "name"}
    assert ApiToken.query.count() == 0


def test_unknown_fields_are_refused_by_name(client, world):
    error = api_error(
        client.post(
            "/api/v1/tokens",
            json={"email": "tech@acme.example", "password": PASSWORD, "admin": True},
        ),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"admin"}
    assert ApiToken.query.count() == 0


def test_a_body_that_is_not_an_object_is_a_validation_error(client, world):
    error = api_error(
        client.post("/api/v1/tokens", json=["tech@acme.example", PASSWORD]), 422, "validation_error"
    )
    assert error["fields"]


def test_nested_messages_are_flattened_to_dotted_paths():
    messages = {
        "reproduction": {
            "steps": ["Missing data for required field."],
            "_schema": ["Invalid input type."],
        },
        "answers": {0: ["Not a valid integer.", "Must be positive."]},
        "title": ["Shorter than minimum length 3."],
    }
    assert flatten_messages(messages) == {
        "reproduction.steps": "Missing data for required field.",
        "reproduction": "Invalid input type.",
        "answers.0": "Not a valid integer. Must be positive.",
        "title": "Shorter than minimum length 3.",
    }


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v2/partners", "/api/x"])
def test_unknown_api_route_is_a_json_404(client, world, path):
    api_error(client.get(path), 404, "not_found")
    api_error(client.get(path, headers=bearer(world.user("vendor_admin"))), 404, "not_found")


def test_pages_keep_their_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_wrong_method_is_a_json_405_with_allow(client, world):
    response = client.delete("/api/v1/me", headers=bearer(world.user("acme_tech")))
    api_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    api_error(client.get("/api/v1/tokens"), 405, "method_not_allowed")


def test_body_over_the_size_limit_is_a_413(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post(
        "/api/v1/tokens", json={"email": "tech@acme.example", "password": "x" * 4096}
    )
    api_error(response, 413, "too_large")
    assert ApiToken.query.count() == 0


def test_absent_and_invisible_objects_get_the_same_404(client, world):
    headers = bearer(world.user("acme_admin"))
    invisible = api_error(client.get(f"/api/v1/partners/{world.globex.id}", headers=headers), 404)
    absent = api_error(client.get("/api/v1/partners/999999", headers=headers), 404)
    assert invisible == absent

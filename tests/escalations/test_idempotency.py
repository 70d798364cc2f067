"""`Idempotency-Key` on POST /escalations: the same key and body answers the first response
and creates nothing new; the same key with another body is refused; two concurrent
requests with one key create one escalation."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from escalations.models import Escalation, IdempotencyKey
from portal.extensions import db
from tests.escalations.support import api_body
from tests.factories import api_token
from tests.support import api_error, row_counts

URL = "/api/v1/escalations"


def _escalations() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Escalation))


def _headers(token: str, key: str | None = "order-4711") -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def test_the_same_key_and_body_answers_the_first_response_and_creates_one(client, esc):
    token = api_token(esc.user("acme_tech"))
    first = client.post(URL, json=api_body(esc), headers=_headers(token))
    assert first.status_code == 201, first.get_json()
    mail_and_audit = row_counts()
    # The same body with its keys in another order is the same request.
    again = client.post(
        URL, json=dict(reversed(list(api_body(esc).items()))), headers=_headers(token)
    )
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _escalations() == 1
    assert row_counts() == mail_and_audit  # no second mail, audit entry or timeline line


def test_the_same_key_with_another_body_is_refused(client, esc):
    token = api_token(esc.user("acme_tech"))
    assert client.post(URL, json=api_body(esc), headers=_headers(token)).status_code == 201
    before = row_counts()
    other = api_body(esc, title="Another problem")
    error = api_error(
        client.post(URL, json=other, headers=_headers(token)), 422, "idempotency_key_reused"
    )
    assert "Idempotency-Key" in error["fields"]
    assert row_counts() == before


def test_without_a_key_or_with_another_key_each_request_creates(client, esc):
    token = api_token(esc.user("acme_tech"))
    for key in (None, None, "a", "b"):
        assert client.post(URL, json=api_body(esc), headers=_headers(token, key)).status_code == 201
    assert _escalations() == 4


def test_a_key_is_the_callers_own(client, esc):
    """Another technician's key of the same name is another key."""
    mine = api_token(esc.user("acme_tech"))
    colleague = api_token(esc.user("acme_colleague"))
    assert client.post(URL, json=api_body(esc), headers=_headers(mine)).status_code == 201
    response = client.post(URL, json=api_body(esc), headers=_headers(colleague))
    assert response.status_code == 201
    assert response.headers.get("Idempotent-Replayed") is None
    assert _escalations() == 2


def test_a_key_expires_after_24_hours(client, esc):
    token = api_token(esc.user("acme_tech"))
    assert client.post(URL, json=api_body(esc), headers=_headers(token)).status_code == 201
    stored = db.session.scalars(select(IdempotencyKey)).one()
    stored.created_at = stored.created_at - timedelta(hours=25)
    db.session.commit()
    response = client.post(URL, json=api_body(esc, title="New"), headers=_headers(token))
    assert response.status_code == 201
    assert _escalations() == 2


def test_a_refused_request_stores_no_key(client, esc):
    """A refusal is not remembered: once the gate passes, the same key creates."""
    token = api_token(esc.user("acme_tech"))
    body = api_body(esc, reproduction={"reproduced_on_vanilla": False})
    api_error(client.post(URL, json=body, headers=_headers(token)), 422, "reproduction_required")
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    assert client.post(URL, json=api_body(esc), headers=_headers(token)).status_code == 201


def test_a_malformed_key_is_refused(client, esc):
    token = api_token(esc.user("acme_tech"))
    for key in ("", "x" * 256, "tab\there"):
        api_error(
            client.post(URL, json=api_body(esc), headers=_headers(token, key)),
            400,
            "invalid_idempotency_key",
        )
    assert _escalations() == 0


def test_concurrent_requests_with_one_key_create_one(app, esc):
    token = api_token(esc.user("acme_tech"))
    body = api_body(esc)
    start = threading.Barrier(3)
    answers = []

    def post():
        client = app.test_client()
        start.wait(timeout=10)
        response = client.post(URL, json=body, headers=_headers(token))
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [status for status, _ in answers] == [201, 201, 201], answers
    assert len({answer["id"] for _, answer in answers}) == 1
    assert _escalations() == 1

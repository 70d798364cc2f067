"""Evidence and comments: attachments typed from their content within a size limit, seen
only by those who see the escalation; vendor-internal comments never reach partner users."""

import io
import struct
import zlib

import pytest

from escalations.file_types import content_type_of
from tests.escalations.support import WRITTEN_BY_ESCALATIONS, escalation_in
from tests.factories import bearer
from tests.support import api_error, row_counts


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
        + chunk(b"IEND", b"")
    )


ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
LOG = b"2026-12-01T10:00:00Z ERROR export stalled at 99%\n"


_TOKENS: dict[int, dict] = {}


def _auth(user) -> dict:
    """The user's bearer header, made once per test (making a token is audited)."""
    if user.id not in _TOKENS:
        _TOKENS[user.id] = bearer(user)
    return _TOKENS[user.id]


@pytest.fixture(autouse=True)
def _fresh_tokens():
    _TOKENS.clear()
    yield
    _TOKENS.clear()


def _upload(client, escalation, user, name: str, data: bytes):
    return client.post(
        f"/api/v1/escalations/{escalation.id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        headers=_auth(user),
        content_type="multipart/form-data",
    )


def _changes(before: dict) -> dict:
    after = row_counts()
    return {t: after[t] - before[t] for t in WRITTEN_BY_ESCALATIONS if after[t] != before[t]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png_bytes(), "image/png"),
        (LOG, "text/plain"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (ELF, None),
        (b"MZ\x90\x00" + b"\x00" * 100, None),
        (HTML, None),
        (b"", None),
    ],
    ids=["png", "log", "pdf", "elf", "windows-exe", "html", "empty"],
)
def test_the_type_is_judged_from_the_content(data, expected):
    assert content_type_of(data) == expected


def test_a_screenshot_named_as_a_log_is_stored_as_what_it_is(client, esc):
    escalation = escalation_in(esc, "submitted")
    technician = esc.user("acme_tech")
    response = _upload(client, escalation, technician, "../../screen shot.txt", png_bytes())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["content_type"] == "image/png"
    assert body["file_name"] == "screen shot.txt"  # no path
    assert body["size"] == len(png_bytes())
    download = client.get(body["url"], headers=_auth(esc.user("vendor_engineer")))
    assert download.status_code == 200
    assert download.data == png_bytes()
    assert download.mimetype == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    detail = client.get(f"/api/v1/escalations/{escalation.id}", headers=_auth(technician))
    assert [a["id"] for a in detail.get_json()["attachments"]] == [body["id"]]
    assert detail.get_json()["timeline"][-1]["kind"] == "attachment"


@pytest.mark.parametrize("data", [ELF, HTML], ids=["elf", "html"])
def test_a_refused_type_is_422_file_type_and_stores_nothing(client, esc, data):
    escalation = escalation_in(esc, "submitted")
    _auth(esc.user("acme_tech"))
    before = row_counts()
    response = _upload(client, escalation, esc.user("acme_tech"), "support.log", data)
    error = api_error(response, 422, "file_type")
    assert "file" in error["fields"]
    assert _changes(before) == {}


def test_a_file_over_the_limit_is_413_and_stores_nothing(app, client, esc, monkeypatch):
    monkeypatch.setitem(app.config, "ESCALATION_ATTACHMENT_MAX_BYTES", 1024)
    escalation = escalation_in(esc, "submitted")
    _auth(esc.user("acme_tech"))
    before = row_counts()
    response = _upload(client, escalation, esc.user("acme_tech"), "big.log", LOG * 100)
    api_error(response, 413, "too_large")
    assert _changes(before) == {}
    # Exactly at the limit is accepted.
    response = _upload(client, escalation, esc.user("acme_tech"), "ok.log", b"x" * 1024)
    assert response.status_code == 201, response.get_json()


def test_a_request_without_a_file_is_400(client, esc):
    escalation = escalation_in(esc, "submitted")
    response = client.post(
        f"/api/v1/escalations/{escalation.id}/attachments",
        data={"other": "x"},
        headers=_auth(esc.user("acme_tech")),
        content_type="multipart/form-data",
    )
    api_error(response, 400)


@pytest.mark.parametrize("outsider", ["globex_tech", "globex_admin"])
def test_another_partner_can_neither_upload_nor_download(client, esc, outsider):
    escalation = escalation_in(esc, "submitted")
    attachment = _upload(client, escalation, esc.user("acme_tech"), "a.log", LOG).get_json()
    own = escalation_in(esc, "submitted", partner="globex")
    for key in (outsider, "globex_tech"):
        _auth(esc.user(key))
    before = row_counts()
    api_error(_upload(client, escalation, esc.user(outsider), "b.log", LOG), 404)
    api_error(client.get(attachment["url"], headers=_auth(esc.user(outsider))), 404)
    # Nor through an escalation of its own.
    url = f"/api/v1/escalations/{own.id}/attachments/{attachment['id']}"
    api_error(client.get(url, headers=_auth(esc.user("globex_tech"))), 404)
    assert _changes(before) == {}


def _comment(client, escalation, user, body: str, internal: bool = False):
    return client.post(
        f"/api/v1/escalations/{escalation.id}/comments",
        json={"body": body, "internal": internal},
        headers=_auth(user),
    )


def test_vendor_internal_comments_never_reach_partner_users(client, esc):
    escalation = escalation_in(esc, "submitted")
    engineer = esc.user("vendor_engineer")
    response = _comment(client, escalation, engineer, "Suspect the zeppelin cache", True)
    assert response.status_code == 201
    assert _comment(client, escalation, engineer, "Could you send the logs?").status_code == 201
    url = f"/api/v1/escalations/{escalation.id}"

    def comments(user):
        timeline = client.get(url, headers=_auth(user)).get_json()["timeline"]
        return [e["comment"]["body"] for e in timeline if e["kind"] == "comment"]

    assert comments(engineer) == ["Suspect the zeppelin cache", "Could you send the logs?"]
    for partner_user in ("acme_tech", "acme_admin"):
        assert comments(esc.user(partner_user)) == ["Could you send the logs?"]
        found = client.get(
            "/api/v1/escalations?q=zeppelin", headers=_auth(esc.user(partner_user))
        ).get_json()
        assert found["total"] == 0
    found = client.get("/api/v1/escalations?q=logs", headers=_auth(esc.user("acme_tech")))
    assert [item["id"] for item in found.get_json()["items"]] == [escalation.id]


def test_partner_users_cannot_write_internal_notes(client, esc):
    escalation = escalation_in(esc, "submitted")
    for key in ("acme_tech", "globex_tech"):
        _auth(esc.user(key))
    before = row_counts()
    api_error(_comment(client, escalation, esc.user("acme_tech"), "psst", True), 403, "forbidden")
    api_error(_comment(client, escalation, esc.user("acme_tech"), "   "), 422, "validation_error")
    api_error(_comment(client, escalation, esc.user("globex_tech"), "hello"), 404)
    assert _changes(before) == {}


def test_a_vendor_comment_tells_the_partner_an_internal_note_does_not(client, esc):
    escalation = escalation_in(esc, "submitted")
    _auth(esc.user("vendor_engineer"))
    before = row_counts()
    _comment(client, escalation, esc.user("vendor_engineer"), "Internal only", True)
    assert _changes(before).get("outbox_messages") is None
    _comment(client, escalation, esc.user("vendor_engineer"), "Please send logs")
    assert _changes(before)["outbox_messages"] >= 1

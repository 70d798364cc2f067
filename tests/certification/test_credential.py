"""The Open Badges 3.0 credential (VC-JWT, Ed25519), the JWKS that verifies it, and the
signing key: where it comes from, and the command that makes one."""

import base64
import json
import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet, OKPKey

from certification.revocation import revoke_certification
from certification.signing_keys import ALGORITHM, INSTANCE_KEY_FILE, new_private_jwk
from portal.extensions import db
from tests.certification.conftest import ISSUED_ON
from tests.certification.factories import make_certification
from tests.certification.lifecycle_support import product_with_releases, release_of
from tests.support import api_error

PUBLIC_MEMBERS = {"kty", "crv", "x", "kid", "use", "alg"}


def _credential(client, code: str) -> str:
    response = client.get(f"/api/v1/certifications/{code}/credential")
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert set(body) == {"format", "credential"} and body["format"] == "vc+jwt"
    return body["credential"]


def _published_keys(client) -> KeySet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return KeySet.import_key_set(response.get_json())


def _verified_claims(client, token: str) -> dict:
    """Verify `token` with the keys the site publishes, as an outside verifier would."""
    verified = jws.deserialize_compact(token, _published_keys(client), algorithms=[ALGORITHM])
    return json.loads(verified.payload)


def _header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def _epoch(iso: str) -> int:
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def test_the_credential_verifies_with_the_published_jwks(client, acme_certification, signing_jwk):
    token = _credential(client, acme_certification.code)
    assert _header(token) == {"alg": "Ed25519", "kid": signing_jwk["kid"], "typ": "JWT"}
    claims = _verified_claims(client, token)
    assert claims["credentialSubject"]["achievement"]["name"] == (
        "Orbit 4.1.0 Certified Technician"
    )


def test_the_jwt_claims_mirror_the_credential_as_open_badges_3_requires(
    client, acme_certification, signing_jwk
):
    claims = _verified_claims(client, _credential(client, acme_certification.code))
    verify_url = f"http://127.0.0.1:5000/verify/{acme_certification.code}"
    assert claims["iss"] == claims["issuer"]["id"] == "http://127.0.0.1:5000/"
    assert claims["jti"] == claims["id"] == verify_url
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["sub"].startswith("urn:uuid:")
    assert claims["nbf"] == _epoch(claims["validFrom"]) == _epoch("2026-01-12T00:00:00Z")
    assert claims["exp"] == _epoch(claims["validUntil"]) == _epoch("2027-01-12T00:00:00Z")
    assert "vc" not in claims  # VC 2.0: the credential is the payload itself


def test_valid_until_is_the_lapse_date_when_the_release_cycle_ends_it_first(
    client, world, signing_jwk
):
    product = product_with_releases(
        ("4.0.0", date(2025, 1, 10), True),
        ("5.0.0", date(2025, 6, 1), True),
        ("6.0.0", date(2025, 9, 1), True),
    )
    certification = make_certification(
        world.user("acme_tech"), release_of(product, "4.0.0"), issued_on=date(2025, 10, 1)
    )
    claims = _verified_claims(client, _credential(client, certification.code))
    assert claims["validUntil"] == "2025-11-30T00:00:00Z"  # lapses before it expires
    assert claims["exp"] == _epoch("2025-11-30T00:00:00Z")


def test_the_credential_is_an_open_badge_naming_the_holder_without_email(
    client, world, acme_certification, signing_jwk
):
    claims = _verified_claims(client, _credential(client, acme_certification.code))
    assert claims["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["issuer"] == {
        "id": "http://127.0.0.1:5000/",
        "type": ["Profile"],
        "name": "Orbit Software",
        "url": "http://127.0.0.1:5000/",
    }
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": world.user("acme_tech").name,
        }
    ]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["id"].startswith("urn:uuid:")
    assert achievement["description"] and achievement["criteria"]["narrative"]
    assert claims["name"] == achievement["name"]
    assert world.user("acme_tech").email not in json.dumps(claims)


def test_the_same_certification_always_gives_the_same_credential(
    client, acme_certification, signing_jwk
):
    assert _credential(client, acme_certification.code) == _credential(
        client, acme_certification.code.lower()
    )


def _tampered_payload(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


def _tampered_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    return f"{head}.{payload}.{signature[:10]}{flipped}{signature[11:]}"


def _signed_by_another_key(token: str) -> str:
    """The same header (kid included) and payload, signed by a key that is not ours."""
    head, payload, _ = token.split(".")
    header = _header(token)
    impostor = OKPKey.generate_key("Ed25519")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return jws.serialize_compact(header, claims, impostor, algorithms=[ALGORITHM])


@pytest.mark.parametrize("tamper", [_tampered_payload, _tampered_signature, _signed_by_another_key])
def test_a_tampered_credential_does_not_verify(client, acme_certification, signing_jwk, tamper):
    token = _credential(client, acme_certification.code)
    forged = tamper(token)
    assert forged != token
    with pytest.raises(BadSignatureError):
        _verified_claims(client, forged)


def test_the_jwks_holds_public_keys_only(client, signing_jwk):
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    assert set(keys[0]) == PUBLIC_MEMBERS
    assert keys[0] == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": signing_jwk["x"],
        "kid": signing_jwk["kid"],
        "use": "sig",
        "alg": "Ed25519",
    }
    assert signing_jwk["d"] not in client.get("/.well-known/jwks.json").text


def test_a_revoked_certifications_credential_still_verifies_but_verification_says_revoked(
    client, world, acme_certification, signing_jwk
):
    token = _credential(client, acme_certification.code)
    revoke_certification(
        acme_certification, "reason", actor=world.user("vendor_admin"), today=ISSUED_ON
    )
    db.session.commit()
    assert _credential(client, acme_certification.code) == token
    claims = _verified_claims(client, token)
    assert claims["id"] == f"http://127.0.0.1:5000/verify/{acme_certification.code}"
    record = client.get(f"/api/v1/certifications/{acme_certification.code}").get_json()
    assert record["status"] == "revoked"
    assert "Revoked" in client.get(f"/verify/{acme_certification.code}").text


def test_an_expired_certifications_signature_verifies_its_exp_has_passed_and_it_says_expired(
    client, acme_certification, signing_jwk, freeze_today
):
    day = freeze_today(acme_certification.expires_on + timedelta(days=1))
    claims = _verified_claims(client, _credential(client, acme_certification.code))
    assert claims["exp"] == _epoch("2027-01-12T00:00:00Z") < _epoch(f"{day}T00:00:00Z")
    record = client.get(f"/api/v1/certifications/{acme_certification.code}").get_json()
    assert record["status"] == "expired"


# --- Where the key comes from ------------------------------------------------------------


@pytest.fixture
def no_key_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEY", None)
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEY_FILE", None)
    monkeypatch.setitem(app.config, "CREDENTIAL_SIGNING_KEY_FALLBACK", "")


def test_without_a_key_credentials_answer_503_and_the_jwks_is_empty(
    client, acme_certification, no_key_configured
):
    response = client.get(f"/api/v1/certifications/{acme_certification.code}/credential")
    error = api_error(response, 503, "signing_key_unavailable")
    assert "no signing key is configured" in error["message"]
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}
    # Everything else still answers.
    assert client.get(f"/verify/{acme_certification.code}").status_code == 200


def test_production_without_a_key_still_serves_and_answers_503_for_credentials(
    app, acme_certification
):
    from sqlalchemy.pool import NullPool

    from portal import create_app
    from portal.config import ProductionConfig

    production = create_app(
        ProductionConfig,
        SECRET_KEY="production-test-secret",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        CREDENTIAL_SIGNING_KEY=None,
        CREDENTIAL_SIGNING_KEY_FILE=None,
        # No pool: every connection closes when returned, none is left for the collector.
        SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool},
    )
    with production.app_context():
        client = production.test_client()
        code = acme_certification.code
        api_error(client.get(f"/api/v1/certifications/{code}/credential"), 503)
        assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}
        assert client.get(f"/api/v1/certifications/{code}").get_json()["status"] == "valid"
        db.session.remove()
    with production.app_context():
        db.engine.dispose()


def test_a_key_file_is_read(app, client, acme_certification, no_key_configured, tmp_path):
    jwk = new_private_jwk()
    path = tmp_path / "key.jwk"
    path.write_text(json.dumps(jwk))
    app.config["CREDENTIAL_SIGNING_KEY_FILE"] = str(path)
    assert _header(_credential(client, acme_certification.code))["kid"] == jwk["kid"]
    assert [key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]] == [
        jwk["kid"]
    ]


@pytest.mark.parametrize(
    "configured",
    [
        "not json",
        json.dumps({"kty": "oct", "k": "c2VjcmV0"}),
        json.dumps({k: v for k, v in new_private_jwk().items() if k != "d"}),  # public only
        json.dumps(OKPKey.generate_key("Ed448").as_dict(private=True)),
        json.dumps(["a list"]),
    ],
)
def test_an_unusable_key_is_a_clear_503_not_a_crash(
    app, client, acme_certification, no_key_configured, configured
):
    app.config["CREDENTIAL_SIGNING_KEY"] = configured
    response = client.get(f"/api/v1/certifications/{acme_certification.code}/credential")
    error = api_error(response, 503, "signing_key_unavailable")
    assert "not usable" in error["message"]
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}


def test_a_missing_key_file_is_a_clear_503(
    app, client, acme_certification, no_key_configured, tmp_path
):
    app.config["CREDENTIAL_SIGNING_KEY_FILE"] = str(tmp_path / "absent.jwk")
    response = client.get(f"/api/v1/certifications/{acme_certification.code}/credential")
    assert "cannot be read" in api_error(response, 503, "signing_key_unavailable")["message"]


def test_development_makes_one_key_in_the_instance_folder_and_keeps_it(
    app, client, acme_certification, no_key_configured, tmp_path, monkeypatch
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.config["CREDENTIAL_SIGNING_KEY_FALLBACK"] = "instance"
    first = _header(_credential(client, acme_certification.code))["kid"]
    path = tmp_path / INSTANCE_KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["kid"] == first
    app.extensions.pop("credential_signing_keys")  # as a restarted server would
    assert _header(_credential(client, acme_certification.code))["kid"] == first
    assert [p.name for p in tmp_path.iterdir()] == [INSTANCE_KEY_FILE]


# --- flask --app app make-signing-key -----------------------------------------------------


def test_make_signing_key_writes_a_private_jwk_readable_by_its_owner_only(app, tmp_path):
    path = tmp_path / "vendor.jwk"
    result = app.test_cli_runner().invoke(args=["make-signing-key", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    jwk = json.loads(path.read_text())
    key = OKPKey.import_key(jwk)
    assert key.is_private and jwk["crv"] == "Ed25519"
    assert jwk["kid"] == key.thumbprint()
    assert f"kid: {jwk['kid']}" in result.output
    assert jwk["d"] not in result.output


def test_make_signing_key_never_overwrites(app, tmp_path):
    path = tmp_path / "vendor.jwk"
    path.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["make-signing-key", "--out", str(path)])
    assert result.exit_code != 0
    assert "exists: not overwritten" in result.output
    assert path.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["vendor.jwk"]


def test_a_key_made_by_the_command_signs_what_the_jwks_verifies(
    app, client, acme_certification, no_key_configured, tmp_path
):
    path = tmp_path / "vendor.jwk"
    app.test_cli_runner().invoke(args=["make-signing-key", "--out", str(path)])
    app.config["CREDENTIAL_SIGNING_KEY_FILE"] = str(path)
    claims = _verified_claims(client, _credential(client, acme_certification.code))
    assert claims["jti"].endswith(acme_certification.code)


def test_joserfc_refuses_what_it_cannot_verify(client, signing_jwk):
    """Guard for the tamper tests: garbage is refused too, not silently accepted."""
    with pytest.raises(JoseError):
        _verified_claims(client, "a.b.c")

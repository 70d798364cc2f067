"""A certification as an Open Badges 3.0 credential, signed as a VC-JWT with the vendor's key.

The credential follows the W3C Verifiable Credentials Data Model 2.0 as Open Badges 3.0
uses it (`validFrom` / `validUntil`), and is secured as Open Badges 3.0 describes its JSON
Web Token proof: the JWT payload is the credential itself plus the claims `iss`
(issuer.id), `jti` (id), `sub` (credentialSubject.id), `nbf` (validFrom) and `exp`
(validUntil); the JOSE header carries only `alg`, `kid` (a key of /.well-known/jwks.json)
and `typ`.

The credential says what was achieved and for how long: `validUntil` is the end of its
validity as known when signed (the earlier of its expiry and its lapse). It says nothing
of revocation: its `id` is the public verification page, where anyone reads whether it
still holds. Nothing in it depends on the moment it is signed, and Ed25519 signatures are
deterministic, so the same certification always gives the same credential for one key.

The holder is named (no e-mail address); their `id` is an opaque URN, the same for all of
one holder's credentials from this portal.
"""

import json
import uuid
from datetime import UTC, date, datetime, time

from flask import current_app
from joserfc import jws

from certification.models import Certification
from certification.signing_keys import ALGORITHM, signing_key
from certification.status import ends_on
from certification.verification import public_url, verify_url

CREDENTIAL_FORMAT = "vc+jwt"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _iso(day: date) -> str:
    return _instant(day).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(*parts: str) -> str:
    """A stable, opaque URN naming `parts` within this issuer."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)).urn


def issuer_id() -> str:
    return public_url("home.index")


def open_badge(certification: Certification) -> dict:
    """The unsigned OpenBadgeCredential of `certification`."""
    product, release = certification.product, certification.release
    vendor = current_app.config["VENDOR_NAME"]
    title = f"{product.name} {release.version} Certified Technician"
    url = verify_url(certification.code)
    issuer = issuer_id()
    return {
        "@context": CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "description": f"{certification.user.name} of {certification.partner.name} is "
        f"certified by {vendor} to support {product.name} from release {release.version}. "
        f"Whether it still holds (it may have ended or been revoked): {url}",
        "issuer": {"id": issuer, "type": ["Profile"], "name": vendor, "url": issuer},
        "validFrom": _iso(certification.issued_on),
        "validUntil": _iso(ends_on(certification)),
        "credentialSubject": {
            "id": _urn(issuer, "holders", str(certification.user_id)),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certification.user.name,
                }
            ],
            "achievement": {
                "id": _urn(issuer, "achievements", product.slug, release.version),
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": title,
                "description": f"Certified by {vendor} to support {product.name} at a "
                f"partner and to escalate its cases to {vendor}, from release "
                f"{release.version} on.",
                "criteria": {
                    "narrative": f"Attend the training for {product.name} {release.version} "
                    "and pass its certification quiz. The certification lasts for the "
                    "validity the partner's agreement sets, and ends early once the second "
                    "major release after it has been out for the grace period."
                },
            },
        },
    }


def signed_credential(certification: Certification) -> str:
    """The credential as a compact JWS (VC-JWT), signed with the configured key.

    :raises SigningKeyUnavailable: no signing key is configured.
    """
    key = signing_key()
    credential = open_badge(certification)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(_instant(certification.issued_on).timestamp()),
        "exp": int(_instant(ends_on(certification)).timestamp()),
    }
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
    return jws.serialize_compact(header, payload.encode(), key.key, algorithms=[ALGORITHM])

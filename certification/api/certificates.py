"""GET /certifications/{code} and GET /certifications/{code}/credential: public, no token.

Anyone holding a code learns what the verification page shows, as JSON, and can fetch the
certification as a signed Open Badges 3.0 credential (verify it with /.well-known/jwks.json).
Both answer 404 for an unknown code and share the verification page's rate limit.
"""

from marshmallow import Schema, fields

from certification import verification
from certification.api import blp
from certification.credentials import CREDENTIAL_FORMAT, signed_credential
from certification.lookup_limits import limit_lookups
from certification.status import STATUSES
from portal.access import public

NO_TOKEN: list[dict] = []
CODE_PARAMETER = {
    "in": "path",
    "name": "code",
    "required": True,
    "description": "The verification code printed on the certificate, in any case, "
    "with or without its dashes",
    "schema": {"type": "string", "maxLength": 64},
}


class CertificationRecordSchema(Schema):
    code = fields.String(metadata={"description": "The verification code, as issued"})
    holder = fields.String(metadata={"description": "The holder's name"})
    partner = fields.String(metadata={"description": "The holder's partner (name)"})
    product = fields.String(metadata={"description": "Product slug"})
    product_name = fields.String()
    release = fields.String(metadata={"description": "The release certified on (version)"})
    issued_on = fields.Date()
    expires_on = fields.Date(
        metadata={"description": "The first day it no longer counts: its expiry or lapse"}
    )
    status = fields.String(metadata={"enum": list(STATUSES)})
    expiring_soon = fields.Boolean(metadata={"description": "Valid, and within 30 days of its end"})
    revoked_on = fields.Date(allow_none=True)
    revocation_reason = fields.String(
        allow_none=True,
        metadata={"description": "Why it was revoked, in general words; null unless revoked"},
    )
    verify_url = fields.String(metadata={"description": "The public verification page"})


class CredentialSchema(Schema):
    format = fields.String(metadata={"enum": [CREDENTIAL_FORMAT]})
    credential = fields.String(
        metadata={
            "description": "An Open Badges 3.0 OpenBadgeCredential (W3C VC Data Model 2.0) "
            "as a compact JWS signed with Ed25519; its header's `kid` names a key of "
            "/.well-known/jwks.json"
        }
    )


def _record(code: str) -> dict:
    certification = verification.certification_by_code_or_404(code)
    record = verification.public_record(certification, verification.today())
    return {
        "code": record.code,
        "holder": record.holder,
        "partner": record.partner,
        "product": record.product_slug,
        "product_name": record.product,
        "release": record.release,
        "issued_on": record.issued_on,
        "expires_on": record.expires_on,
        "status": record.status,
        "expiring_soon": record.expiring_soon,
        "revoked_on": record.revoked_on,
        "revocation_reason": record.revocation,
        "verify_url": verification.verify_url(record.code),
    }


@blp.get("/certifications/<code>")
@public
@limit_lookups
@blp.response(200, CertificationRecordSchema)
@blp.alt_response(404, description="not_found: no certification has this code")
@blp.alt_response(429, description="rate_limited: too many look-ups from this address")
@blp.doc(security=NO_TOKEN, parameters=[CODE_PARAMETER])
def get_certification(code: str):
    """Verify a certification by its code: holder, partner, product, release, dates, status."""
    return _record(code)


@blp.get("/certifications/<code>/credential")
@public
@limit_lookups
@blp.response(200, CredentialSchema)
@blp.alt_response(404, description="not_found: no certification has this code")
@blp.alt_response(429, description="rate_limited: too many look-ups from this address")
@blp.alt_response(503, description="signing_key_unavailable: no signing key is configured")
@blp.doc(security=NO_TOKEN, parameters=[CODE_PARAMETER])
def get_credential(code: str):
    """The certification as a signed Open Badges 3.0 credential (VC-JWT).

    Its signature keeps verifying after the certification is revoked or has ended: ask
    `GET /certifications/{code}` (or the page at its `id`) for its current status.
    """
    certification = verification.certification_by_code_or_404(code)
    return {"format": CREDENTIAL_FORMAT, "credential": signed_credential(certification)}

"""POST /tokens (exchange credentials for a token) and GET /me."""

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal.access import current_principal, public, signed_in
from portal.auth.services import authenticate, create_token
from portal.errors import DomainError
from portal.extensions import db, limiter

blp = Blueprint("api_tokens", __name__, url_prefix="/api/v1", description="Authentication")


class TokenRequestSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)
    name = fields.String(load_default="API token", metadata={"description": "A label"})


class TokenSchema(Schema):
    token = fields.String(required=True)


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    partner_id = fields.Integer(allow_none=True)


def _token_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def _token_account_key() -> str:
    from flask import request

    body = request.get_json(silent=True)
    email = body.get("email", "") if isinstance(body, dict) else ""
    return "token-account:" + str(email).strip().lower()


@blp.post("/tokens")
@public
@limiter.limit(_token_limit)
@limiter.limit(_token_limit, key_func=_token_account_key)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, description="invalid_credentials")
@blp.alt_response(429, description="rate_limited")
def create_api_token(body):
    """Exchange e-mail and password for a personal bearer token."""
    user = authenticate(body["email"], body["password"])
    if user is None:
        raise DomainError("invalid_credentials", "E-mail or password is not correct.", status=401)
    _, raw = create_token(user, body["name"][:80])
    db.session.commit()
    return {"token": raw}, {"Cache-Control": "no-store"}


@blp.get("/me")
@signed_in
@blp.response(200, MeSchema)
@blp.doc(security=[{"bearerAuth": []}])
def me():
    """The token's user."""
    user = current_principal()
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "partner_id": user.partner_id,
    }

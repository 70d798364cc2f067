"""The JSON API under /api/v1: token authentication, errors, OpenAPI.

Resources live in one module each and register a flask-smorest Blueprint; the OpenAPI
document at /api/v1/openapi.json is generated from those routes and their schemas.
"""

from datetime import timedelta

from flask import Flask, g, request
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from marshmallow import Schema, fields

from portal.access import Anonymous, is_api_request
from portal.extensions import csrf, db
from portal.ids import DatabaseIdConverter
from portal.models.base import utcnow
from portal.models.users import ApiToken


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "A stable snake_case code"})
    message = fields.String(required=True, metadata={"description": "A human sentence"})
    field_messages = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        data_key="fields",
        metadata={"description": "What is wrong with each field, by dotted path"},
    )


class ErrorSchema(Schema):
    """docs/api.md's error body, documented for every error response of the OpenAPI document."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class PortalApi(Api):
    ERROR_SCHEMA = ErrorSchema


api = PortalApi()

# Writing last_used_at on every call would turn every read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=5)


class InvalidToken(Exception):
    pass


def authenticate_api_request() -> None:
    """Set g.principal from the bearer token. Session cookies never authenticate the API."""
    if not is_api_request():
        return
    g.principal = Anonymous()
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, raw = header.partition(" ")
    token = ApiToken.find_active(raw.strip()) if scheme.lower() == "bearer" and raw else None
    if token is None or not token.user.is_active:
        raise InvalidToken()
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    g.principal = token.user


def register_api(app: Flask) -> None:
    from portal.api import case_volume, catalogue, metrics, partners, tokens
    from portal.errors import json_error

    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "Partners connect their ticketing systems and the vendor its "
                "BI tools through this API. Authenticate with `Authorization: Bearer <token>`. "
                "Any request whose path, query, form or JSON holds a NUL character or an "
                "unpaired surrogate is refused with 400 `invalid_characters`, and JSON nested "
                "more than 64 levels deep with 400 `json_too_deep`."
            },
            "servers": [{"url": "/"}],
        },
    )
    # Ids in paths are documented with the database's range (see portal.ids).
    api.register_converter(DatabaseIdConverter, integerconverter2paramschema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Personal API token"}
    )
    for module in (tokens, catalogue, partners, case_volume, metrics, *_feature_api_modules()):
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)

    app.before_request(authenticate_api_request)

    @app.errorhandler(InvalidToken)
    def invalid_token(exc):
        return json_error(401, "invalid_token", "The bearer token is unknown or revoked.")


def _feature_api_modules():
    """API modules of the feature packages, by name (they depend on portal, not vice versa)."""
    import importlib

    modules = []
    for name in ("certification.api", "escalations.api", "knowledge_base.api"):
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules

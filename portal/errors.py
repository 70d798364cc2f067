"""The domain error type and the HTTP error pages and JSON error bodies."""

from flask import jsonify, render_template
from werkzeug.exceptions import HTTPException

from portal.access import is_api_request


class DomainError(Exception):
    """A rule of the domain refused an action.

    `code` is the stable snake_case code of API.md, `status` the HTTP status the API
    answers with, `fields` optional per-field messages.
    """

    status = 422

    def __init__(self, code: str, message: str, *, status: int | None = None, fields=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


_DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


def error_body(status: int, code: str | None = None, message: str = "", fields=None) -> dict:
    error = {"code": code or _DEFAULT_CODES.get(status, "error"), "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def json_error(status: int, code: str | None = None, message: str = "", fields=None):
    response = jsonify(error_body(status, code, message, fields))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def handle_http_exception(exc: HTTPException):
    """API paths get API.md's error body; pages get a friendly page."""
    status = exc.code or 500
    if is_api_request():
        data = getattr(exc, "data", None) or {}
        code = data.get("code") if isinstance(data, dict) else None
        message = (data.get("message") if isinstance(data, dict) else None) or exc.description
        fields = data.get("fields") if isinstance(data, dict) else None
        return json_error(status, code, message, fields)
    if status == 405 or 300 <= status < 400:
        return exc
    return render_template("errors/error.html", status=status, error=exc), status


def handle_domain_error(exc: DomainError):
    if is_api_request():
        return json_error(exc.status, exc.code, exc.message, exc.fields)
    return render_template("errors/error.html", status=exc.status, error=exc), exc.status


def handle_unexpected_error(exc: Exception):
    """Never leak a traceback; the error is logged by Flask before we get here."""
    if is_api_request():
        return json_error(500, "internal_error", "Something went wrong on our side.")
    return render_template("errors/error.html", status=500, error=None), 500


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)

"""The domain error type and the HTTP error pages and JSON error bodies."""

from flask import current_app, jsonify, render_template
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.access import is_api_request
from portal.db_errors import conflict_message
from portal.extensions import db


class DomainError(Exception):
    """A rule of the domain refused an action.

    `code` is the stable snake_case code of docs/api.md, `status` the HTTP status the API
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


# Werkzeug's default descriptions speak to browsers; API clients get these instead.
_API_MESSAGES = {
    400: "The request could not be understood.",
    401: "Authentication required: send `Authorization: Bearer <token>`.",
    403: "Your role does not allow this.",
    404: "Not found, or not visible to you.",
    405: "This method is not allowed on this URL.",
    413: "The request is too large.",
    500: "Something went wrong on our side.",
}


def error_body(status: int, code: str | None = None, message: str = "", fields=None) -> dict:
    """docs/api.md's error body; `fields` is always present so clients can read it blindly."""
    return {
        "error": {
            "code": code or _DEFAULT_CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def json_error(status: int, code: str | None = None, message: str = "", fields=None):
    response = jsonify(error_body(status, code, message, fields))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def flatten_messages(messages, path: str = "") -> dict[str, str]:
    """Marshmallow's nested error messages as `{"field.path": "what is wrong"}`.

    `{"reproduction": {"steps": ["Missing data for required field."]}, "ids": {0: [...]}}`
    becomes `{"reproduction.steps": "Missing data for required field.", "ids.0": ...}`;
    errors of a whole object (`_schema`) are reported at the object's own path.
    """
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            child = path if key == "_schema" else f"{path}.{key}" if path else str(key)
            flat.update(flatten_messages(value, child))
        return flat
    if isinstance(messages, list | tuple):
        flat = {}
        for item in messages:
            for key, text in flatten_messages(item, path).items():
                flat[key] = f"{flat[key]} {text}" if key in flat else text
        return flat
    return {path: str(messages)}


def _request_argument_error(exc: HTTPException, data: dict):
    """webargs (flask-smorest `@blp.arguments`) refused the request's input.

    It aborts with `data["messages"]` keyed by location: `{"json": {"email": [...]}}`.
    """
    if isinstance(getattr(exc, "exc", None), ValueError):
        # json.JSONDecodeError or UnicodeDecodeError: the body is not JSON at all.
        return json_error(400, "malformed_json", "The request body is not valid JSON.")
    fields = {}
    for location, messages in data["messages"].items():
        for path, text in flatten_messages(messages).items():
            fields[path or location] = text
    return json_error(exc.code or 422, "validation_error", "Some fields are not valid.", fields)


def handle_http_exception(exc: HTTPException):
    """API paths get docs/api.md's error body; pages get a friendly page."""
    status = exc.code or 500
    if is_api_request():
        data = getattr(exc, "data", None)
        data = data if isinstance(data, dict) else {}
        if "messages" in data:
            response = _request_argument_error(exc, data)
        else:
            message = data.get("message") or exc.description
            if status == 429:
                # Flask-Limiter describes the limit ("10 per 1 minute"), not the refusal.
                message = f"Too many requests ({exc.description}). Try again later."
            elif message == type(exc).description:
                message = _API_MESSAGES.get(status, message)
            response = json_error(status, data.get("code"), message, data.get("fields"))
        # Keep what the exception says about the request, e.g. `Allow` on a 405.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers.setdefault(name, value)
        return response
    if status == 405 or 300 <= status < 400:
        return exc
    return render_template("errors/error.html", status=status, error=exc), status


def handle_domain_error(exc: DomainError):
    if is_api_request():
        return json_error(exc.status, exc.code, exc.message, exc.fields)
    return render_template("errors/error.html", status=exc.status, error=exc), exc.status


def _error_page(status: int, error=None):
    return render_template("errors/error.html", status=status, error=error), status


def _refused_by_database(status: int, code: str, message: str, fields=None):
    """The request's changes are undone; the user reads why, with the form's field if known."""
    if is_api_request():
        return json_error(status, code, message, fields)
    return _error_page(status, DomainError(code, message, status=status, fields=fields))


def handle_integrity_error(exc: IntegrityError):
    """A constraint refused a write (usually two requests racing): 409, nothing saved."""
    db.session.rollback()
    field, message = conflict_message(exc)
    current_app.logger.warning("Write refused by a constraint: %s", exc.orig)
    return _refused_by_database(409, "conflict", message, {field: message} if field else None)


def handle_data_error(exc: DataError):
    """A value the database cannot hold (out of range, too long): 400, nothing saved."""
    db.session.rollback()
    current_app.logger.warning("Value refused by the database: %s", exc.orig)
    return _refused_by_database(
        400, "invalid_value", "A value is out of range or too long for this field."
    )


def handle_operational_error(exc: OperationalError):
    """The database is unreachable or busy (SQLite: locked too long): 503, try again."""
    _rollback_quietly()
    current_app.logger.exception("Database unavailable")
    response = _refused_by_database(
        503, "unavailable", "The service is busy. Please try again in a moment."
    )
    if isinstance(response, tuple):
        response = current_app.make_response(response)
    response.headers["Retry-After"] = "5"
    return response


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone
        current_app.logger.exception("Rollback failed while handling an error")


def handle_internal_error(exc):
    """Every unexpected exception ends here, after Flask has logged it with its traceback.

    The failed transaction is rolled back first: rendering the page may query (the
    navigation reads the signed-in user), and on PostgreSQL an aborted transaction
    refuses every query. Our after-request hooks still add the security headers.
    """
    _rollback_quietly()
    if is_api_request():
        return json_error(500, "internal_error", "Something went wrong on our side.")
    try:
        return _error_page(500)
    except Exception:
        current_app.logger.exception("The error page could not be rendered")
        return (
            "Something went wrong on our side. The error has been logged.",
            500,
            {"Content-Type": "text/plain; charset=utf-8"},
        )


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    # By status, so it also serves unhandled exceptions, which Flask logs first.
    app.register_error_handler(500, handle_internal_error)

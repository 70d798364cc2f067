"""One check on every request's input, before any view, form or query sees it.

Text that no field may hold is refused with a 400: NUL (PostgreSQL text cannot
store it; SQLite would) and unpaired UTF-16 surrogates (they cannot be encoded
as UTF-8; only JSON escapes such as "\\ud800" can produce them). JSON bodies are
also refused when nested beyond MAX_JSON_DEPTH, which would otherwise exhaust
the parser's recursion.
"""

import json
import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 64

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
# A JSON string (skipped whole, so brackets inside it do not count) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class RefusedInput(BadRequest):
    """A 400 with a stable code for the API and a sentence for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.data = {"code": code, "message": message}


def json_nesting_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets in `text` nest deeper than `limit` (counted without parsing)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _strings_of(value):
    """Every string in a parsed JSON value, keys included, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _has_forbidden(strings) -> bool:
    return any(_FORBIDDEN.search(text) for text in strings if text)


def _refuse_characters():
    raise RefusedInput(
        "invalid_characters",
        "The request contains characters that are not allowed (NUL or unpaired surrogates).",
    )


def _check_json_body() -> None:
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedInput("malformed_json", "The request body is not valid UTF-8 JSON.") from None
    if json_nesting_exceeds(text):
        raise RefusedInput(
            "json_too_deep", f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
        )
    try:
        body = json.loads(text)
    except ValueError:
        return  # the view's own parser answers with its malformed-JSON error
    if _has_forbidden(_strings_of(body)):
        _refuse_characters()


def check_request_input() -> None:
    """Refuse the request (400) if its path, query, form or JSON holds forbidden text."""
    if _FORBIDDEN.search(request.path):
        _refuse_characters()
    for multidict in (request.args, request.form):
        if _has_forbidden(text for pair in multidict.items(multi=True) for text in pair):
            _refuse_characters()
    for name, upload in request.files.items(multi=True):
        if _has_forbidden((name, upload.filename)):
            _refuse_characters()
    if request.is_json:
        _check_json_body()


def register_input_guard(app: Flask) -> None:
    """Run the check before every other request hook (CSRF, sign-in, API tokens)."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request_input)

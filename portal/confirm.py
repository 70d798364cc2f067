"""Confirmation before a destructive or binding action: one mechanism for every such button.

A button that needs confirming is a POST form carrying `data-confirm-*` attributes
(`post_button(..., confirm=confirmation("name", ...))` in macros/forms.html writes them).
Two paths lead to the action:

- with JavaScript, static/js/confirm.js opens a modal dialog stating the consequence;
  confirming adds `confirmed=yes` to the form and submits it;
- without JavaScript the form posts without `confirmed`, and the view answers with the
  confirmation page (`ask_to_confirm`): the same question and consequence, and a button
  that posts again with `confirmed=yes`.

So a POST that lacks `confirmed=yes` never acts, it only asks; there is no other way
around. (API clients use the JSON API, which has no confirmation step.)

The words come from one builder per action, registered with `@confirmation_builder`,
which both the page showing the button (through the `confirmation` template global) and
the view guarding the action call.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template, request

CONFIRMED_FIELD = "confirmed"
CONFIRMED_VALUE = "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the user is asked before an action, and what the confirm button says."""

    #: A question naming the action and its object: "Mark Jane Doe as left?"
    question: str
    #: What will happen, in full sentences: "Jane Doe can no longer sign in, ..."
    consequence: str
    #: The confirm button's label: "Mark as left".
    action: str
    #: A destructive action (a red button); binding but constructive ones are blue.
    danger: bool = True


_BUILDERS: dict[str, Callable[..., Confirmation]] = {}


def confirmation_builder(name: str):
    """Register the function that words the confirmation of the action `name`."""

    def register(builder: Callable[..., Confirmation]):
        if name in _BUILDERS and _BUILDERS[name] is not builder:
            raise ValueError(f"two confirmation builders named {name!r}")
        _BUILDERS[name] = builder
        return builder

    return register


def confirmation(name: str, **objects) -> Confirmation:
    """The confirmation of the action `name` about `objects` (also a template global)."""
    return _BUILDERS[name](**objects)


def is_confirmed() -> bool:
    """Did the user confirm (in the dialog, or on the confirmation page)?"""
    return request.form.get(CONFIRMED_FIELD) == CONFIRMED_VALUE


def ask_to_confirm(asked: Confirmation, *, cancel_url: str, values: dict | None = None):
    """The confirmation page, for a POST that arrived unconfirmed (no JavaScript).

    It posts back to the same URL with the same `values` and `confirmed=yes`; nothing
    has changed yet.
    """
    page = render_template(
        "confirm.html",
        confirmation=asked,
        action_url=request.path,
        values={name: "" if value is None else value for name, value in (values or {}).items()},
        cancel_url=cancel_url,
        confirmed_field=CONFIRMED_FIELD,
        confirmed_value=CONFIRMED_VALUE,
    )
    return page, 200, {"Cache-Control": "no-store"}

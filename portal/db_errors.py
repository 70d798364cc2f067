"""When the database refuses a write: which rule it was, and what to tell the user.

A service checks its rules first and gives the clear message. Two requests racing
each other can both pass that check; the database's unique constraints then refuse
the second, and the error handler (portal.errors) turns the refusal into a 409 with
the message registered here for the constraint, instead of a 500.
"""

import re

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from portal.extensions import db

GENERIC_CONFLICT = (
    "This conflicts with a change saved at the same moment. Reload the page and try again."
)

#: constraint name -> (form field or None, message)
CONFLICT_MESSAGES: dict[str, tuple[str | None, str]] = {
    "uq_users_email": ("email", "Another account already uses this e-mail address."),
    "uq_customers_partner_name": ("name", "This partner already has a customer with this name."),
    "uq_partners_slug": ("slug", "Another partner already uses this slug."),
    "uq_partners_name": ("name", "Another partner already has this name."),
    "uq_products_slug": ("slug", "Another product already uses this slug."),
    "uq_products_name": ("name", "Another product already has this name."),
    "uq_releases_product_version": ("version", "This product already has this release."),
    "uq_agreements_one_proposed": (None, "A proposal is already open for this partner."),
}


def register_conflict_message(constraint: str, field: str | None, message: str) -> None:
    """Feature packages name the message for their own unique constraints."""
    CONFLICT_MESSAGES[constraint] = (field, message)


def _unique_constraints_by_columns() -> dict[tuple[str, tuple[str, ...]], str | None]:
    """(table, columns) -> constraint name; None where two constraints share columns."""
    found: dict[tuple[str, tuple[str, ...]], str | None] = {}
    for table in db.metadata.tables.values():
        named = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        named += [i for i in table.indexes if i.unique]
        for constraint in named:
            key = (table.name, tuple(column.name for column in constraint.columns))
            found[key] = None if key in found else constraint.name
    return found


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint `exc` reports, when the database tells."""
    diag = getattr(exc.orig, "diag", None)  # psycopg names it
    if diag is not None and diag.constraint_name:
        return diag.constraint_name
    # SQLite names the columns instead: "UNIQUE constraint failed: customers.partner_id, ..."
    match = re.search(r"UNIQUE constraint failed: (.+)$", str(exc.orig))
    if match is None:
        return None
    qualified = [name.strip() for name in match.group(1).split(",")]
    table = qualified[0].split(".", 1)[0]
    columns = tuple(name.split(".", 1)[-1] for name in qualified)
    return _unique_constraints_by_columns().get((table, columns))


def conflict_message(exc: IntegrityError) -> tuple[str | None, str]:
    """(field, message) for the user, from the constraint `exc` reports."""
    return CONFLICT_MESSAGES.get(violated_constraint(exc) or "", (None, GENERIC_CONFLICT))

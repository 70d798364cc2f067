"""List endpoints: `?page=&per_page=` in, `{items, page, per_page, total}` out."""

from flask import current_app, request
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.pagination import MAX_PAGE


class PageArgs(Schema):
    """The paging parameters, for the OpenAPI document (`page_params` reads them)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


#: `@blp.doc(parameters=PAGE_PARAMETERS)` on every list endpoint documents `?page=&per_page=`.
PAGE_PARAMETERS = [{"in": "query", "schema": PageArgs}]


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The envelope schema for a page of `item_schema` (for the OpenAPI document)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


def page_params() -> tuple[int, int]:
    """`(page, per_page)` from the query string; a DomainError (400) names a bad value."""
    config = current_app.config
    errors = {}
    values = {}
    for name, default in (("page", 1), ("per_page", config["API_PER_PAGE_DEFAULT"])):
        raw = request.args.get(name)
        try:
            values[name] = int(raw) if raw is not None else default
        except ValueError:
            errors[name] = "Must be a whole number."
            continue
        if values[name] < 1:
            errors[name] = "Must be 1 or more."
    if "per_page" in values and values["per_page"] > config["API_PER_PAGE_MAX"]:
        errors["per_page"] = f"At most {config['API_PER_PAGE_MAX']}."
    if "page" in values and values["page"] > MAX_PAGE:
        errors["page"] = f"At most {MAX_PAGE:,}."
    if errors:
        raise DomainError("invalid_query", "Invalid paging parameters.", status=400, fields=errors)
    return values["page"], values["per_page"]


def paginate(stmt: Select, serialise=None) -> dict:
    """Run `stmt` for the requested page; `serialise` (optional) turns a row into a dict."""
    page, per_page = page_params()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [serialise(row) for row in rows] if serialise else rows,
        "page": page,
        "per_page": per_page,
        "total": total,
    }

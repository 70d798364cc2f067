"""GET /products: products with their releases."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import signed_in
from portal.api.pagination import PAGE_PARAMETERS, page_schema, paginate
from portal.models import Product

blp = Blueprint("api_products", __name__, url_prefix="/api/v1", description="Products")


class ReleaseSchema(Schema):
    version = fields.String()
    released_on = fields.Date()
    major = fields.Boolean()
    supported = fields.Boolean()


class ProductSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    releases = fields.List(fields.Nested(ReleaseSchema))


@blp.get("/products")
@signed_in
@blp.response(200, page_schema(ProductSchema))
@blp.doc(security=[{"bearerAuth": []}], parameters=PAGE_PARAMETERS)
def list_products():
    """Products with their releases (newest first)."""
    stmt = select(Product).options(selectinload(Product.releases)).order_by(Product.name)
    return paginate(stmt)  # the response schema serialises the rows

"""Vendor admin pages: products and releases, users."""

from flask import Blueprint

from portal.access import roles_required
from portal.roles import VENDOR_ADMIN

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/products")
@roles_required(VENDOR_ADMIN)
def products():
    return "todo"


@bp.get("/users")
@roles_required(VENDOR_ADMIN)
def users():
    return "todo"

"""Partner pages: the vendor's partner list, a partner's page, agreements, customers, technicians."""

from flask import Blueprint

from portal.access import roles_required, signed_in, vendor_only
from portal.roles import PARTNER_ADMIN

bp = Blueprint("partners", __name__, url_prefix="/partners")


@bp.get("/")
@vendor_only
def index():
    return "todo"


@bp.get("/mine")
@signed_in
def mine():
    return "todo"


@bp.get("/mine/technicians")
@roles_required(PARTNER_ADMIN)
def my_technicians():
    return "todo"


@bp.get("/mine/customers")
@roles_required(PARTNER_ADMIN)
def my_customers():
    return "todo"


@bp.get("/mine/agreement")
@roles_required(PARTNER_ADMIN)
def my_agreement():
    return "todo"


@bp.get("/<int:partner_id>")
@signed_in
def detail(partner_id):
    return "todo"


@bp.get("/<int:partner_id>/agreements/<int:agreement_id>")
@signed_in
def agreement(partner_id, agreement_id):
    return "todo"

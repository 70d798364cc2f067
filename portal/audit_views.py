"""The audit log: vendor admins read every entry, partner admins their own partner's."""

from flask import Blueprint, render_template, request
from sqlalchemy.orm import selectinload

from portal.access import roles_required, scoped
from portal.models import AuditEntry
from portal.pagination import paginate_rows
from portal.roles import PARTNER_ADMIN, VENDOR_ADMIN

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@roles_required(VENDOR_ADMIN, PARTNER_ADMIN)
def index():
    stmt = scoped(AuditEntry).options(selectinload(AuditEntry.partner))
    object_type = request.args.get("type", "").strip()
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    stmt = stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    page = paginate_rows(stmt, per_page=50)
    return render_template("audit/index.html", page=page, object_type=object_type)

"""POST /partners/{id}/case-volume: the cases a partner handled itself in a month."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.access import current_principal, get_visible_or_404, signed_in
from portal.extensions import db
from portal.management.case_volume import report_cases
from portal.models import Partner

blp = Blueprint("api_case_volume", __name__, url_prefix="/api/v1", description="Partners")
SECURITY = [{"bearerAuth": []}]


class CaseVolumeSchema(Schema):
    # Not `required`: the partner and the caller's right are checked (404, 403) before
    # the body is judged; the service names a missing field as a validation error.
    month = fields.String(
        load_default=None,
        validate=validate.Length(max=7),
        metadata={"description": "YYYY-MM, a month that has begun", "example": "2026-11"},
    )
    product = fields.String(
        load_default=None,
        validate=validate.Length(max=60),
        metadata={"description": "Product slug"},
    )
    cases = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(min=0, max=10_000_000)
    )


@blp.post("/partners/<int:partner_id>/case-volume")
@signed_in
@blp.arguments(CaseVolumeSchema)
@blp.response(200, CaseVolumeSchema)
@blp.alt_response(403, description="forbidden: only the partner's admin reports its cases")
@blp.alt_response(404, description="not_found")
@blp.doc(security=SECURITY)
def report_case_volume(body, partner_id: int):
    """Report the cases the partner handled itself in a month for a product; the same
    month and product again replace the figure (idempotent)."""
    partner = get_visible_or_404(Partner, partner_id)
    row = report_cases(partner, current_principal(), body["month"], body["product"], body["cases"])
    db.session.commit()
    return {"month": f"{row.month:%Y-%m}", "product": body["product"], "cases": row.cases}

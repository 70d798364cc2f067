"""GET /partners/{id}/metrics: a partner's escalations per month, its unwarranted reasons and
its flags, for the vendor's BI tools and for the partner's own admin."""

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from portal.access import get_visible_or_404, roles_required
from portal.errors import DomainError
from portal.management.dashboard import MAX_MONTHS, month_range, partner_metrics
from portal.management.flags import FLAGS
from portal.models import Partner
from portal.models.base import utcnow
from portal.roles import PARTNER_ADMIN, VENDOR_ROLES

blp = Blueprint("api_metrics", __name__, url_prefix="/api/v1", description="Partners")
SECURITY = [{"bearerAuth": []}]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _month_field(name: str, description: str) -> fields.String:
    return fields.String(
        data_key=name,
        validate=validate.Regexp(MONTH_PATTERN, error="A month written YYYY-MM."),
        metadata={"description": description, "example": "2026-01"},
    )


class MetricsQuerySchema(Schema):
    # `from` is a Python keyword: the attributes are named first and last.
    first = _month_field("from", "The first month, YYYY-MM (default: 11 months before `to`)")
    last = _month_field("to", "The last month, YYYY-MM (default: the current month)")

    @validates_schema
    def _check_range(self, data, **kwargs):
        try:
            month_range(*_months(data))
        except DomainError as exc:
            raise ValidationError(exc.fields) from exc

    @post_load
    def _as_months(self, data, **kwargs):
        return month_range(*_months(data))


def _months(data: dict) -> tuple[str, str]:
    """`from` and `to` as given, the missing ones filled in with the defaults."""
    first, last = data.get("first"), data.get("last")
    if last is None:
        last = f"{utcnow().date():%Y-%m}"
    if first is None and _valid(last):
        year, month = int(last[:4]), int(last[5:7])
        index = year * 12 + month - 1 - 11
        first = f"{index // 12:04d}-{index % 12 + 1:02d}"
    return first, last


def _valid(text: str) -> bool:
    try:
        month_range(text, text)
    except DomainError:
        return False
    return True


class MonthMetricsSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    escalations = fields.Integer(metadata={"description": "Submitted in the month"})
    unwarranted = fields.Integer(metadata={"description": "Of those, rejected as unwarranted"})
    rate_per_100_seats = fields.Decimal(
        as_string=True,
        allow_none=True,
        # A Decimal travels as text ("2.50"), as the API's other decimals do.
        metadata={
            "type": "string",
            "format": "decimal",
            "example": "2.50",
            "description": "Escalations per 100 customer seats, two decimals; null without seats",
        },
    )


class PartnerMetricsSchema(Schema):
    months = fields.List(fields.Nested(MonthMetricsSchema))
    unwarranted_reasons = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Rejections by reason code over the months"},
    )
    flags = fields.List(
        fields.String(validate=validate.OneOf(list(FLAGS))),
        metadata={"description": "The dashboard's flags the partner raises over the months"},
    )


@blp.get("/partners/<int:partner_id>/metrics")
@roles_required(*VENDOR_ROLES, PARTNER_ADMIN)
@blp.arguments(MetricsQuerySchema, location="query")
@blp.response(200, PartnerMetricsSchema)
@blp.alt_response(403, description="forbidden: technicians do not read the figures")
@blp.alt_response(404, description="not_found: absent, or another partner")
@blp.alt_response(
    422,
    description=f"validation_error: a month not written YYYY-MM, `to` before `from`, "
    f"or more than {MAX_MONTHS} months",
)
@blp.doc(security=SECURITY)
def get_partner_metrics(months, partner_id: int):
    """A partner's escalations and unwarranted ones per month, its unwarranted reasons and
    its flags over the months `from` to `to` (the last 12 months by default)."""
    partner = get_visible_or_404(Partner, partner_id)
    first, last = months
    return partner_metrics(partner, first, last)

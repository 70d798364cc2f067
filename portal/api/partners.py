"""Partners, their technicians and customers, within the caller's tenant."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.orm import selectinload

from portal.access import get_visible_or_404, scoped, signed_in
from portal.api.fields import Timestamp
from portal.api.pagination import PAGE_PARAMETERS, page_schema, paginate
from portal.models import Agreement, Customer, Partner, ProductMinimum, User
from portal.partners.compliance import (
    certifications_of_users,
    compliance_by_partner,
    compliance_for,
)
from portal.roles import TECHNICIAN

blp = Blueprint("api_partners", __name__, url_prefix="/api/v1", description="Partners")
SECURITY = [{"bearerAuth": []}]


class PartnerSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    status = fields.String()
    tier = fields.String()
    compliant = fields.Boolean()


class SlaSchema(Schema):
    severity = fields.String()
    first_response_minutes = fields.Integer()
    resolution_minutes = fields.Integer()


class AgreementSchema(Schema):
    version = fields.Integer()
    status = fields.String()
    in_force_from = Timestamp()
    customer_owner = fields.String()
    customer_billing = fields.String()
    troubleshooting_required = fields.String()
    customer_kb_access = fields.Boolean()
    update_distribution = fields.String()
    vendor_may_contact_customers = fields.Boolean()
    fee_model = fields.String()
    fee_percentage = fields.Decimal(as_string=True, allow_none=True)
    fixed_fee = fields.Decimal(as_string=True, allow_none=True)
    fee_period = fields.String()
    currency = fields.String()
    certification_validity_months = fields.Integer()
    coverage = fields.String()
    timezone = fields.String()
    business_days = fields.List(fields.String(), attribute="business_day_list")
    business_start = fields.String()
    business_end = fields.String()
    vendor_contact = fields.String()
    partner_contact = fields.String()
    out_of_hours_cover = fields.String()
    sla_targets = fields.List(fields.Nested(SlaSchema))
    minimums = fields.Method("dump_minimums")

    def dump_minimums(self, agreement: Agreement) -> dict:
        return {m.product.slug: m.minimum for m in agreement.product_minimums}


class ComplianceSchema(Schema):
    product = fields.Function(lambda row: row.product.slug)
    certified_active = fields.Integer()
    minimum = fields.Integer()
    environment_ok = fields.Boolean()
    compliant = fields.Boolean()


class PartnerDetailSchema(PartnerSchema):
    region = fields.String()
    agreement = fields.Nested(AgreementSchema, allow_none=True)
    compliance = fields.List(fields.Nested(ComplianceSchema))


class CertificationSummarySchema(Schema):
    product = fields.String()
    release = fields.String()
    expires_on = fields.Date()
    status = fields.String()


class TechnicianSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    status = fields.String()
    certifications = fields.List(fields.Nested(CertificationSummarySchema))


class CustomerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    seats = fields.Integer()


def serialise_partner(partner: Partner, compliance: list | None = None) -> dict:
    """The list's fields; `compliance` is the partner's rows when read for a whole page."""
    rows = compliance if compliance is not None else compliance_for(partner)
    return {
        "id": partner.id,
        "slug": partner.slug,
        "name": partner.name,
        "status": partner.status,
        "tier": partner.tier,
        "compliant": bool(rows) and all(row.compliant for row in rows),
    }


@blp.get("/partners")
@signed_in
@blp.response(200, page_schema(PartnerSchema))
@blp.doc(security=SECURITY, parameters=PAGE_PARAMETERS)
def list_partners():
    """Vendor roles see every partner; partner users their own."""
    stmt = (
        scoped(Partner)
        .options(
            selectinload(Partner.agreements)
            .selectinload(Agreement.product_minimums)
            .selectinload(ProductMinimum.product)
        )
        .order_by(Partner.name)
    )
    page = paginate(stmt)
    # Compliance for the whole page at once: the counters answer every partner together.
    compliance = compliance_by_partner(page["items"])
    page["items"] = [serialise_partner(p, compliance[p.id]) for p in page["items"]]
    return page


@blp.get("/partners/<int:partner_id>")
@signed_in
@blp.response(200, PartnerDetailSchema)
@blp.doc(security=SECURITY)
def get_partner(partner_id: int):
    """One partner with its agreement in force and its compliance per product."""
    partner = get_visible_or_404(Partner, partner_id)
    rows = compliance_for(partner)
    return {
        **serialise_partner(partner, rows),
        "region": partner.region,
        "agreement": partner.agreement_in_force,
        "compliance": rows,
    }


@blp.get("/partners/<int:partner_id>/technicians")
@signed_in
@blp.response(200, page_schema(TechnicianSchema))
@blp.doc(security=SECURITY, parameters=PAGE_PARAMETERS)
def list_technicians(partner_id: int):
    """The partner's technicians, with their certifications (read for the page at once)."""
    partner = get_visible_or_404(Partner, partner_id)
    stmt = (
        scoped(User)
        .where(User.partner_id == partner.id, User.role == TECHNICIAN)
        .order_by(User.name, User.id)
    )
    page = paginate(stmt)
    certifications = certifications_of_users(page["items"])
    page["items"] = [
        {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "status": user.status,
            "certifications": certifications.get(user.id, []),
        }
        for user in page["items"]
    ]
    return page


@blp.get("/partners/<int:partner_id>/customers")
@signed_in
@blp.response(200, page_schema(CustomerSchema))
@blp.doc(security=SECURITY, parameters=PAGE_PARAMETERS)
def list_customers(partner_id: int):
    """The partner's end-customers with their seats."""
    partner = get_visible_or_404(Partner, partner_id)
    stmt = scoped(Customer).where(Customer.partner_id == partner.id).order_by(Customer.name)
    return paginate(stmt, lambda c: {"id": c.id, "name": c.name, "seats": c.seats})

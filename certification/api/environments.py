"""GET /partners/{id}/environments: a partner's reproduction environments in use.

Vendor roles read any partner's; a partner's users read their own; another partner's is
a 404, as on every partner endpoint. Retired environments are left out: an escalation
can no longer name them.
"""

from marshmallow import Schema, fields

from certification.api import blp
from certification.currency import ENVIRONMENT_STATES, environment_state, last_verified_on
from certification.environment_scope import EnvironmentFilters, environments_stmt
from certification.models import ReproductionEnvironment
from portal.access import current_principal, get_visible_or_404, signed_in
from portal.api.pagination import PAGE_PARAMETERS, page_schema, paginate
from portal.models import Partner
from portal.models.base import utcnow

SECURITY = [{"bearerAuth": []}]


class EnvironmentSchema(Schema):
    id = fields.Integer()
    product = fields.String(metadata={"description": "Product slug"})
    release = fields.String(metadata={"description": "The release it runs (version)"})
    description = fields.String(
        metadata={"description": "What it runs: name, operating system, database, build"}
    )
    last_verified_on = fields.Date(
        metadata={"description": "The later of the partner's attestation and the vendor's check"}
    )
    name = fields.String()
    state = fields.String(
        metadata={"enum": [s for s in ENVIRONMENT_STATES if s != "retired"]},
    )
    verified_by_vendor = fields.Boolean()


def describe(environment: ReproductionEnvironment) -> str:
    """One readable line: "Lab-2: Debian 12, PostgreSQL 15, build 4.2.0+118"."""
    runs = [environment.operating_system]
    if environment.database:
        runs.append(environment.database)
    runs.append(f"build {environment.product_build}")
    return f"{environment.name}: {', '.join(runs)}"


@blp.get("/partners/<int:partner_id>/environments")
@signed_in
@blp.response(200, page_schema(EnvironmentSchema))
@blp.doc(security=SECURITY, parameters=PAGE_PARAMETERS)
def list_environments(partner_id: int):
    """The partner's reproduction environments that are not retired, by name."""
    partner = get_visible_or_404(Partner, partner_id)
    today = utcnow().date()
    stmt = environments_stmt(
        current_principal(), EnvironmentFilters(partner_id=partner.id), today
    ).order_by(ReproductionEnvironment.name, ReproductionEnvironment.id)

    def serialise(environment: ReproductionEnvironment) -> dict:
        return {
            "id": environment.id,
            "product": environment.release.product.slug,
            "release": environment.release.version,
            "description": describe(environment),
            "last_verified_on": last_verified_on(environment),
            "name": environment.name,
            "state": environment_state(environment, today),
            "verified_by_vendor": environment.verified_at is not None,
        }

    return paginate(stmt, serialise)

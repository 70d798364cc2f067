"""Which reproduction environments a list shows: the principal's scope, then the filters.

Partner users see their own partner's (the tenant rule of `portal.access.scoped`); vendor
staff see every partner's and may filter by partner. The page and the API both read
through here, and load what they show in the same query.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from certification.currency import ENVIRONMENT_STATES, state_clause
from certification.models import ReproductionEnvironment
from portal.access import scoped
from portal.extensions import db
from portal.ids import as_id
from portal.models import Partner, Product, Release
from portal.sorting import SortColumn, SortOptions

#: The state filter: "in use" (not retired, the default), one state, or everything.
STATE_FILTERS = ("in_use", *ENVIRONMENT_STATES, "all")
STATE_FILTER_LABELS = {
    "in_use": "In use (not retired)",
    "current": "Current",
    "stale": "Stale",
    "unsupported": "Release no longer supported",
    "retired": "Retired",
    "all": "All, retired included",
}

LAST_VERIFIED = case(
    (
        ReproductionEnvironment.verified_at > ReproductionEnvironment.attested_at,
        ReproductionEnvironment.verified_at,
    ),
    else_=ReproductionEnvironment.attested_at,
)
ENVIRONMENT_SORT = SortOptions(
    SortColumn("name", func.lower(ReproductionEnvironment.name)),
    SortColumn("partner", func.lower(Partner.name), func.lower(ReproductionEnvironment.name)),
    SortColumn(
        "release",
        func.lower(Product.name),
        Release.released_on.desc(),
        func.lower(ReproductionEnvironment.name),
    ),
    SortColumn("last_verified", LAST_VERIFIED, default_dir="desc"),
    default="name",
    tiebreak=ReproductionEnvironment.id,
)


@dataclass(frozen=True)
class EnvironmentFilters:
    partner_id: int | None = None
    product_id: int | None = None
    state: str = "in_use"

    @classmethod
    def from_args(cls, args) -> "EnvironmentFilters":
        """From a query string; anything unknown reads as no filter."""
        state = args.get("state", "in_use")
        return cls(
            partner_id=as_id(args.get("partner")),
            product_id=as_id(args.get("product")),
            state=state if state in STATE_FILTERS else "in_use",
        )

    @property
    def active(self) -> bool:
        return self != EnvironmentFilters()


def environments_stmt(principal, filters: EnvironmentFilters, today: date):
    """The visible environments matching `filters`, with partner, release and product."""
    stmt = (
        scoped(ReproductionEnvironment, principal)
        .join(Partner, Partner.id == ReproductionEnvironment.partner_id)
        .join(Release, Release.id == ReproductionEnvironment.release_id)
        .join(Product, Product.id == Release.product_id)
        .options(
            contains_eager(ReproductionEnvironment.partner),
            contains_eager(ReproductionEnvironment.release).contains_eager(Release.product),
        )
    )
    if filters.partner_id is not None:
        stmt = stmt.where(ReproductionEnvironment.partner_id == filters.partner_id)
    if filters.product_id is not None:
        stmt = stmt.where(ReproductionEnvironment.product_id == filters.product_id)
    if filters.state == "in_use":
        stmt = stmt.where(ReproductionEnvironment.retired_at.is_(None))
    elif filters.state != "all":
        stmt = stmt.where(state_clause(filters.state, today))
    return stmt


def with_people(stmt):
    """Also load who attested and who verified (for the page's "by" notes)."""
    return stmt.options(
        joinedload(ReproductionEnvironment.attested_by),
        joinedload(ReproductionEnvironment.verified_by),
    )


def filter_choices(principal) -> dict:
    """The partners (vendor staff only) and products the filter form offers."""
    products = db.session.execute(
        select(Product.id, Product.name).order_by(func.lower(Product.name))
    ).all()
    partners = []
    if principal.is_vendor:
        partners = db.session.execute(
            select(Partner.id, Partner.name).order_by(func.lower(Partner.name))
        ).all()
    return {"partners": partners, "products": products}

"""The public directory of certified partners: who customers can turn to, per product.

Listed: active partners whose stored tier is `certified` or `premier` (the tier that
`compliance.refresh_partner` keeps up to date on every event); a suspended partner is
never listed, nor anything of a `registered` one. For each: its region, tier, the
products it is certified on (at least one active certified technician and a current
reproduction environment, by the same counters as compliance) and its number of
certified technicians. A page costs the same few queries whatever its size.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, exists, func, select

from certification.counts import certified_counts, counting_technician_clause, current_environments
from certification.currency import as_of, current_environment_clause
from certification.models import Certification, ReproductionEnvironment
from certification.status import current_clause
from portal.extensions import db
from portal.ids import as_id
from portal.models import Partner, Product, Release, User
from portal.sorting import SortColumn, SortOptions

LISTED_TIERS = ("premier", "certified")
TIER_LABELS = {"premier": "Premier", "certified": "Certified"}


def certified_technicians(today: date):
    """SQL: a partner's active technicians holding a current certification (correlated)."""
    return (
        select(func.count(func.distinct(Certification.user_id)))
        .join(User, counting_technician_clause())
        .where(Certification.partner_id == Partner.id, current_clause(today))
        .correlate(Partner)
        .scalar_subquery()
    )


def directory_sort(today: date) -> SortOptions:
    return SortOptions(
        SortColumn("name", func.lower(Partner.name)),
        SortColumn("region", func.lower(Partner.region), func.lower(Partner.name)),
        SortColumn(
            "tier",
            case((Partner.tier == "premier", 0), else_=1),
            func.lower(Partner.name),
        ),
        SortColumn(
            "technicians",
            certified_technicians(today),
            func.lower(Partner.name),
            default_dir="desc",
        ),
        default="tier",
        tiebreak=Partner.id,
    )


@dataclass(frozen=True)
class DirectoryFilters:
    region: str = ""
    product_id: int | None = None
    tier: str = ""

    @classmethod
    def from_args(cls, args) -> "DirectoryFilters":
        tier = args.get("tier", "")
        return cls(
            region=(args.get("region") or "").strip()[:60],
            product_id=as_id(args.get("product")),
            tier=tier if tier in LISTED_TIERS else "",
        )

    @property
    def active(self) -> bool:
        return self != DirectoryFilters()


def listed_clause():
    return Partner.status == "active", Partner.tier.in_(LISTED_TIERS)


def directory_stmt(filters: DirectoryFilters, today: date):
    """The listed partners matching `filters` (order it with `directory_sort`)."""
    stmt = select(Partner).where(*listed_clause())
    if filters.region:
        stmt = stmt.where(Partner.region == filters.region)
    if filters.tier:
        stmt = stmt.where(Partner.tier == filters.tier)
    if filters.product_id is not None:
        stmt = stmt.where(_certified_on(filters.product_id, today))
    return stmt


def _certified_on(product_id: int, today: date):
    """SQL: the partner is certified on the product (a technician and an environment)."""
    technician = exists(
        select(Certification.id)
        .join(User, counting_technician_clause())
        .where(
            Certification.partner_id == Partner.id,
            Certification.product_id == product_id,
            current_clause(today),
        )
    )
    environment = exists(
        select(ReproductionEnvironment.id)
        .join(Release, Release.id == ReproductionEnvironment.release_id)
        .where(
            ReproductionEnvironment.partner_id == Partner.id,
            ReproductionEnvironment.product_id == product_id,
            current_environment_clause(today),
        )
    )
    return technician & environment


@dataclass(frozen=True)
class DirectoryEntry:
    partner: Partner
    products: tuple[Product, ...]
    technicians: int


def entries_for(partners: list[Partner], today: date) -> list[DirectoryEntry]:
    """The page's partners with their certified products and technicians (3 queries)."""
    if not partners:
        return []
    products = db.session.scalars(select(Product).order_by(func.lower(Product.name))).all()
    pairs = [(partner.id, product.id) for partner in partners for product in products]
    with as_of(today):
        certified = certified_counts(pairs)
        environments = current_environments(pairs)
    technicians = dict(
        db.session.execute(
            select(Certification.partner_id, func.count(func.distinct(Certification.user_id)))
            .join(User, counting_technician_clause())
            .where(
                Certification.partner_id.in_([partner.id for partner in partners]),
                current_clause(today),
            )
            .group_by(Certification.partner_id)
        ).all()
    )
    return [
        DirectoryEntry(
            partner=partner,
            products=tuple(
                product
                for product in products
                if certified.get((partner.id, product.id), 0) > 0
                and (partner.id, product.id) in environments
            ),
            technicians=technicians.get(partner.id, 0),
        )
        for partner in partners
    ]


def filter_choices() -> dict:
    """The regions of listed partners and every product, for the filter form."""
    regions = db.session.scalars(
        select(Partner.region)
        .where(*listed_clause(), Partner.region != "")
        .distinct()
        .order_by(Partner.region)
    ).all()
    products = db.session.execute(
        select(Product.id, Product.name).order_by(func.lower(Product.name))
    ).all()
    return {"regions": regions, "products": products}

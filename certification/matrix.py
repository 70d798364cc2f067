"""The partner's certification matrix: active technicians x products, with status and end.

Columns are the products the agreement in force sets a minimum for, then any other product
a technician of the partner is certified on. Each cell is the technician's standing
certification of the product (the one no renewal replaced), or none. Each column carries
how many active technicians count today against the agreement's minimum, over the whole
partner, not only the page shown. A page of technicians costs the same queries for 2 of
them or 200.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import joinedload

from certification.models import Certification
from certification.status import current_clause, ends_on, is_expiring_soon, status_of
from portal.extensions import db
from portal.models import Agreement, Partner, Product, User
from portal.roles import TECHNICIAN
from portal.sorting import SortColumn, SortOptions

TECHNICIAN_SORT = SortOptions(
    SortColumn("name", func.lower(User.name)), default="name", tiebreak=User.id
)


@dataclass(frozen=True)
class Cell:
    certification: Certification | None
    status: str  # valid / expiring / expired / lapsed / revoked / none
    ends_on: date | None = None

    @property
    def label(self) -> str:
        return CELL_LABELS[self.status]


CELL_LABELS = {
    "valid": "Valid",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "lapsed": "Lapsed",
    "revoked": "Revoked",
    "none": "Not certified",
}


@dataclass(frozen=True)
class Column:
    product: Product
    minimum: int
    certified: int

    @property
    def meets_minimum(self) -> bool:
        return self.certified >= self.minimum

    @property
    def shortfall(self) -> int:
        return max(self.minimum - self.certified, 0)


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[tuple[User, list[Cell]]] = field(default_factory=list)


def active_technicians(partner: Partner):
    """SQL: the partner's technicians who count for it (active)."""
    return select(User).where(
        User.partner_id == partner.id, User.role == TECHNICIAN, User.status == "active"
    )


def cell_for(certification: Certification | None, today: date) -> Cell:
    if certification is None:
        return Cell(None, "none")
    status = status_of(certification, today)
    if status == "valid" and is_expiring_soon(certification, today):
        status = "expiring"
    return Cell(certification, status, ends_on(certification))


def _minimums(partner: Partner) -> dict[int, int]:
    agreement = db.session.scalar(
        select(Agreement)
        .options(joinedload(Agreement.product_minimums))
        .where(Agreement.partner_id == partner.id, Agreement.status == "in_force")
    )
    if agreement is None:
        return {}
    return {m.product_id: m.minimum for m in agreement.product_minimums}


def _columns(partner: Partner, today: date) -> list[Column]:
    minimums = _minimums(partner)
    held = set(
        db.session.scalars(
            select(Certification.product_id)
            .distinct()
            .join(User, User.id == Certification.user_id)
            .where(
                Certification.partner_id == partner.id,
                User.partner_id == partner.id,
                User.status == "active",
            )
        )
    )
    product_ids = set(minimums) | held
    if not product_ids:
        return []
    products = db.session.scalars(select(Product).where(Product.id.in_(product_ids))).all()
    certified = dict(
        db.session.execute(
            select(Certification.product_id, func.count(distinct(Certification.user_id)))
            .join(User, User.id == Certification.user_id)
            .where(
                Certification.partner_id == partner.id,
                Certification.product_id.in_(product_ids),
                User.partner_id == partner.id,
                User.status == "active",
                User.role == TECHNICIAN,
                current_clause(today),
            )
            .group_by(Certification.product_id)
        ).all()
    )
    # Products the agreement binds first (the most demanding first), then the others.
    ordered = sorted(
        products,
        key=lambda p: (p.id not in minimums, -minimums.get(p.id, 0), p.name.lower()),
    )
    return [Column(p, minimums.get(p.id, 0), certified.get(p.id, 0)) for p in ordered]


def matrix_for(partner: Partner, technicians: list[User], today: date) -> Matrix:
    """The matrix of `technicians` (one page of `active_technicians`)."""
    columns = _columns(partner, today)
    standing = {}
    if technicians and columns:
        rows = db.session.scalars(
            select(Certification)
            .options(joinedload(Certification.release))
            .where(
                Certification.partner_id == partner.id,
                Certification.user_id.in_([t.id for t in technicians]),
                Certification.superseded_by_id.is_(None),
            )
            .order_by(Certification.issued_on, Certification.id)
        ).all()
        for certification in rows:  # the newest standing one wins
            standing[certification.user_id, certification.product_id] = certification
    return Matrix(
        columns=columns,
        rows=[
            (t, [cell_for(standing.get((t.id, c.product.id)), today) for c in columns])
            for t in technicians
        ],
    )

"""What a partner must do to be compliant again on a product: recertify whom, register or
re-attest which environment. The compliance notices and the partner admin's home page
both say it from here, in three queries whatever the number of products.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certification.currency import environment_state, stale_on
from certification.models import Certification, ReproductionEnvironment
from certification.status import ends_on, status_of
from portal.extensions import db
from portal.models import Partner, User
from portal.partners.compliance import ProductCompliance
from portal.roles import TECHNICIAN


@dataclass(frozen=True)
class Recertification:
    """An active technician whose certification on the product no longer counts."""

    user: User
    status: str  # expired, lapsed or revoked
    ended_on: date | None


@dataclass(frozen=True)
class StaleEnvironment:
    environment: ReproductionEnvironment
    state: str  # stale or unsupported
    stale_since: date | None


@dataclass(frozen=True)
class Remedy:
    """One product's compliance and, when it falls short, what fixes it."""

    compliance: ProductCompliance
    recertify: tuple[Recertification, ...] = field(default_factory=tuple)
    #: Active technicians never certified on the product: candidates for the quiz.
    uncertified: tuple[User, ...] = field(default_factory=tuple)
    stale_environments: tuple[StaleEnvironment, ...] = field(default_factory=tuple)

    @property
    def product(self):
        return self.compliance.product

    @property
    def needs_technicians(self) -> bool:
        return self.compliance.shortfall > 0

    @property
    def needs_environment(self) -> bool:
        return self.compliance.minimum > 0 and not self.compliance.environment_ok


def remedies_for(partner: Partner, rows: list[ProductCompliance], today: date) -> list[Remedy]:
    """A `Remedy` per row of `compliance_for(partner)`; details only where one falls short."""
    short = [row for row in rows if not row.compliant]
    if not short:
        return [Remedy(row) for row in rows]
    product_ids = {row.product.id for row in short}
    technicians = db.session.scalars(
        select(User)
        .where(
            User.partner_id == partner.id,
            User.role == TECHNICIAN,
            User.status == "active",
        )
        .order_by(User.name, User.id)
    ).all()
    certifications = db.session.scalars(
        select(Certification).where(
            Certification.partner_id == partner.id,
            Certification.product_id.in_(product_ids),
            Certification.user_id.in_([user.id for user in technicians] or [0]),
        )
    ).all()
    environments = db.session.scalars(
        select(ReproductionEnvironment)
        .options(joinedload(ReproductionEnvironment.release))
        .where(
            ReproductionEnvironment.partner_id == partner.id,
            ReproductionEnvironment.product_id.in_(product_ids),
            ReproductionEnvironment.retired_at.is_(None),
        )
        .order_by(ReproductionEnvironment.name, ReproductionEnvironment.id)
    ).all()
    remedies = []
    for row in rows:
        if row.compliant:
            remedies.append(Remedy(row))
            continue
        mine = [c for c in certifications if c.product_id == row.product.id]
        remedies.append(
            Remedy(
                row,
                recertify=_recertifications(technicians, mine, today) if row.shortfall else (),
                uncertified=_never_certified(technicians, mine) if row.shortfall else (),
                stale_environments=_stale(environments, row.product.id, today)
                if not row.environment_ok
                else (),
            )
        )
    return remedies


def _recertifications(technicians, certifications, today) -> tuple[Recertification, ...]:
    found = []
    for user in technicians:
        held = [c for c in certifications if c.user_id == user.id]
        if not held or any(status_of(c, today) == "valid" for c in held):
            continue
        latest = max(held, key=lambda c: (c.issued_on, c.id))
        status = status_of(latest, today)
        ended = latest.revoked_at.date() if status == "revoked" else ends_on(latest)
        found.append(Recertification(user, status, ended))
    return tuple(found)


def _never_certified(technicians, certifications) -> tuple[User, ...]:
    holders = {c.user_id for c in certifications}
    return tuple(user for user in technicians if user.id not in holders)


def _stale(environments, product_id, today) -> tuple[StaleEnvironment, ...]:
    found = []
    for environment in environments:
        if environment.product_id != product_id:
            continue
        state = environment_state(environment, today)
        if state == "stale":
            found.append(StaleEnvironment(environment, state, stale_on(environment)))
        elif state == "unsupported":
            found.append(StaleEnvironment(environment, state, None))
    return tuple(found)

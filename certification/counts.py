"""The counters `portal.partners.compliance` asks for, registered when the package loads.

Each batch form answers any number of (partner, product) pairs in one query; the
one-pair forms are the batch forms called with one pair. They read the day from
`currency.as_of` (today unless a caller set one).
"""

from sqlalchemy import func, select

from certification.currency import compliance_day, current_environment_clause
from certification.models import Certification, ReproductionEnvironment
from certification.status import current_clause
from portal.extensions import db
from portal.models import Release, User
from portal.partners.compliance import register_providers
from portal.roles import TECHNICIAN

Pair = tuple[int, int]


def counting_technician_clause():
    """SQL: the certification's holder still counts for the certification's partner."""
    return (
        (User.id == Certification.user_id)
        & (User.partner_id == Certification.partner_id)
        & (User.status == "active")
        & (User.role == TECHNICIAN)
    )


def certified_counts(pairs: list[Pair]) -> dict[Pair, int]:
    """Active technicians with a current certification, per (partner, product)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    rows = db.session.execute(
        select(
            Certification.partner_id,
            Certification.product_id,
            func.count(func.distinct(Certification.user_id)),
        )
        .join(User, counting_technician_clause())
        .where(
            Certification.partner_id.in_({partner for partner, _ in wanted}),
            Certification.product_id.in_({product for _, product in wanted}),
            current_clause(compliance_day()),
        )
        .group_by(Certification.partner_id, Certification.product_id)
    ).all()
    return {(p, q): n for p, q, n in rows if (p, q) in wanted}


def current_environments(pairs: list[Pair]) -> set[Pair]:
    """The (partner, product) pairs with at least one current reproduction environment."""
    if not pairs:
        return set()
    wanted = set(pairs)
    rows = db.session.execute(
        select(ReproductionEnvironment.partner_id, ReproductionEnvironment.product_id)
        .join(Release, Release.id == ReproductionEnvironment.release_id)
        .where(
            ReproductionEnvironment.partner_id.in_({partner for partner, _ in wanted}),
            ReproductionEnvironment.product_id.in_({product for _, product in wanted}),
            current_environment_clause(compliance_day()),
        )
        .distinct()
    ).all()
    return {(p, q) for p, q in rows if (p, q) in wanted}


def certified_count(partner_id: int, product_id: int) -> int:
    return certified_counts([(partner_id, product_id)]).get((partner_id, product_id), 0)


def has_current_environment(partner_id: int, product_id: int) -> bool:
    return (partner_id, product_id) in current_environments([(partner_id, product_id)])


def register() -> None:
    register_providers(
        certified=certified_count,
        environment=has_current_environment,
        certified_counts=certified_counts,
        current_environments=current_environments,
    )

"""A holder's certifications, read with what `advice.advise` needs (bounded queries)."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certification.models import Certification
from portal.access import scoped
from portal.extensions import db
from portal.models import AuditEntry, Product


def _with_releases():
    return (
        joinedload(Certification.release),
        joinedload(Certification.product).selectinload(Product.releases),
    )


def holder_certifications(user):
    """SQL: every certification the user holds for their partner, standing ones first,
    then the newest."""
    return (
        select(Certification)
        .options(*_with_releases())
        .where(Certification.user_id == user.id, Certification.partner_id == user.partner_id)
        .order_by(
            Certification.superseded_by_id.is_not(None),
            Certification.issued_on.desc(),
            Certification.id.desc(),
        )
    )


def standing_of_holder(user) -> list[Certification]:
    """The holder's certifications that no renewal replaced (one per product)."""
    return list(
        db.session.scalars(
            holder_certifications(user).where(Certification.superseded_by_id.is_(None))
        ).unique()
    )


def renewal_chain(certification: Certification) -> list[Certification]:
    """Every certification of the same holder and product, the newest first."""
    return list(
        db.session.scalars(
            select(Certification)
            .options(joinedload(Certification.release))
            .where(
                Certification.user_id == certification.user_id,
                Certification.product_id == certification.product_id,
                Certification.partner_id == certification.partner_id,
            )
            .order_by(Certification.issued_on.desc(), Certification.id.desc())
        )
    )


def audit_entries_about(certification_ids: list[int]) -> list:
    """The audit entries of these certifications the principal may read, oldest first."""
    if not certification_ids:
        return []
    return list(
        db.session.scalars(
            scoped(AuditEntry)
            .where(
                AuditEntry.object_type == "Certification",
                AuditEntry.object_id.in_(certification_ids),
            )
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    )

"""The fee discount each tier earns, set by the vendor admin.

A tier without a row earns no discount. Percentages are Decimals from 0 to 100 with at
most two decimals (the column is numeric(5, 2)); every change is audited.
"""

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.models import TierDiscount
from portal.models.partners import PARTNER_TIERS

NO_DISCOUNT = Decimal("0.00")
HUNDRED = Decimal("100")


def tier_discounts() -> dict[str, Decimal]:
    """Every tier's discount percentage (0.00 where none is set), in tier order."""
    stored = dict(
        db.session.execute(select(TierDiscount.tier, TierDiscount.discount_percent)).all()
    )
    return {
        tier: Decimal(stored.get(tier, NO_DISCOUNT)).quantize(NO_DISCOUNT) for tier in PARTNER_TIERS
    }


def discount_for(tier: str) -> Decimal:
    return tier_discounts().get(tier, NO_DISCOUNT)


def _checked(tier: str, value) -> Decimal:
    if tier not in PARTNER_TIERS:
        raise DomainError(
            "validation_error", f"Unknown tier {tier!r}.", fields={tier: "Unknown tier."}
        )
    try:
        percent = Decimal(str(value)).normalize() if value is not None else None
    except (InvalidOperation, ValueError):
        percent = None
    if percent is None or not percent.is_finite():
        raise DomainError(
            "validation_error",
            "A discount is a number.",
            fields={tier: "Enter a percentage from 0 to 100."},
        )
    if not NO_DISCOUNT <= percent <= HUNDRED:
        raise DomainError(
            "validation_error", "A discount is from 0 to 100 %.", fields={tier: "From 0 to 100."}
        )
    if percent.as_tuple().exponent < -2:
        raise DomainError(
            "validation_error",
            "At most two decimals.",
            fields={tier: "At most two decimals, such as 12.5."},
        )
    return percent.quantize(NO_DISCOUNT)


def set_tier_discounts(values: dict[str, object], *, actor) -> list[str]:
    """Set the given tiers' discounts; the tiers whose discount changed. All or nothing."""
    checked, errors = {}, {}
    for tier, value in values.items():
        try:
            checked[tier] = _checked(tier, value)
        except DomainError as exc:
            errors.update(exc.fields)
    if errors:
        raise DomainError("validation_error", "Some discounts are not valid.", fields=errors)
    current = tier_discounts()
    rows = {row.tier: row for row in db.session.scalars(select(TierDiscount))}
    changed = []
    for tier, percent in checked.items():
        if percent == current[tier]:
            continue
        row = rows.get(tier)
        if row is None:
            row = TierDiscount(tier=tier)
            db.session.add(row)
        row.discount_percent = percent
        changed.append(tier)
        record_change(
            "tier_discount.changed",
            row,
            partner_id=None,
            actor=actor,
            before={"tier": tier, "discount_percent": current[tier]},
            after={"tier": tier, "discount_percent": percent},
            summary=f"{tier.title()} tier: {current[tier]} % → {percent} % discount",
        )
    return changed

"""The escalation quality the premier tier asks for; its threshold is the vendor admin's.

A compliant partner is premier when, over the last `WINDOW_DAYS`, it submitted at least
`MINIMUM_ESCALATIONS` escalations (fewer say too little about how it escalates) and the
share of them the vendor rejected as unwarranted is strictly below the threshold: a
percentage from 0 to 100 with at most two decimals, `DEFAULT_THRESHOLD` until the vendor
admin sets one. escalations/ counts the rates (it registers compliance's
`premier_quality` provider); portal keeps the rule. A change of the threshold is audited
and moves, at once, the tiers it changes.
"""

from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Agreement, Partner, PremierRequirement, ProductMinimum
from portal.partners.compliance import refresh_tiers

DEFAULT_THRESHOLD = Decimal("10.00")
WINDOW_DAYS = 365
MINIMUM_ESCALATIONS = 10
#: The tiers a change of escalation quality can move (a registered partner is not
#: compliant, whatever its escalations).
QUALITY_TIERS = ("certified", "premier")

_CENTS = Decimal("0.01")


def premier_threshold() -> Decimal:
    """The unwarranted rate (a percentage) a premier partner stays below."""
    stored = db.session.scalar(select(PremierRequirement.unwarranted_below_percent))
    return Decimal(stored if stored is not None else DEFAULT_THRESHOLD).quantize(_CENTS)


def _checked(value) -> Decimal:
    text = str(value).strip().replace(",", ".") if value is not None else ""
    try:
        percent = Decimal(text).normalize() if text else None
    except (InvalidOperation, ValueError):
        percent = None
    if percent is None or not percent.is_finite():
        raise DomainError(
            "validation_error",
            "The threshold is a number.",
            fields={"threshold": "Enter a percentage from 0 to 100."},
        )
    if not Decimal(0) <= percent <= Decimal(100):
        raise DomainError(
            "validation_error",
            "The threshold is from 0 to 100 %.",
            fields={"threshold": "From 0 to 100."},
        )
    if percent.as_tuple().exponent < -2:
        raise DomainError(
            "validation_error",
            "At most two decimals.",
            fields={"threshold": "At most two decimals, such as 7.5."},
        )
    return percent.quantize(_CENTS)


def set_premier_threshold(value, *, actor) -> bool:
    """Set the threshold, audit it and refresh the tiers it moves; False when unchanged.

    :raises DomainError: `validation_error` when `value` is not a percentage from 0 to 100
        with at most two decimals (nothing is written).
    """
    percent = _checked(value)
    current = premier_threshold()
    if percent == current:
        return False
    row = db.session.get(PremierRequirement, 1)
    if row is None:
        row = PremierRequirement(id=1)
        db.session.add(row)
    row.unwarranted_below_percent = percent
    db.session.flush()
    record_change(
        "premier_requirement.changed",
        row,
        partner_id=None,
        actor=actor,
        before={"unwarranted_below_percent": current},
        after={"unwarranted_below_percent": percent},
        summary=f"Premier tier: unwarranted rate below {current} % → below {percent} %",
    )
    partners = db.session.scalars(
        select(Partner)
        .options(
            selectinload(Partner.agreements)
            .selectinload(Agreement.product_minimums)
            .selectinload(ProductMinimum.product)
        )
        .where(Partner.tier.in_(QUALITY_TIERS))
        .order_by(Partner.id)
    ).all()
    refresh_tiers(partners, actor=actor)
    return True

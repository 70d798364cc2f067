"""Compliance of a partner per product, and the tier that follows from it.

A partner is compliant on a product when its active certified technicians reach the
agreement's minimum and it has a current reproduction environment. Certifications and
environments belong to `certification/`, which registers the two counters below when
it loads; `portal/` never imports it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from portal.models import Partner, Product

CertifiedCounter = Callable[[int, int], int]  # (partner_id, product_id) -> active certified
EnvironmentCheck = Callable[[int, int], bool]  # (partner_id, product_id) -> has current env
CertificationList = Callable[[object], list[dict]]  # user -> [{product, release, ...}]

_providers: dict[str, Callable] = {
    "certified": lambda partner_id, product_id: 0,
    "environment": lambda partner_id, product_id: False,
    "certifications": lambda user: [],
    # partner_id -> True when escalation quality earns the premier tier (escalations/).
    "premier_quality": lambda partner_id: False,
}


def register_providers(
    certified: CertifiedCounter | None = None,
    environment: EnvironmentCheck | None = None,
    certifications: CertificationList | None = None,
    premier_quality: Callable[[int], bool] | None = None,
) -> None:
    for name, provider in (
        ("certified", certified),
        ("environment", environment),
        ("certifications", certifications),
        ("premier_quality", premier_quality),
    ):
        if provider is not None:
            _providers[name] = provider


def certifications_of(user) -> list[dict]:
    """A technician's certifications as API dicts (none until certification is installed)."""
    return _providers["certifications"](user)


@dataclass(frozen=True)
class ProductCompliance:
    product: Product
    certified_active: int
    minimum: int
    environment_ok: bool

    @property
    def compliant(self) -> bool:
        # A minimum of 0 means the partner is not bound to support the product.
        if self.minimum == 0:
            return True
        return self.certified_active >= self.minimum and self.environment_ok

    @property
    def shortfall(self) -> int:
        return max(self.minimum - self.certified_active, 0)


def compliance_for(partner: Partner) -> list[ProductCompliance]:
    """One row per product the agreement in force sets a minimum for."""
    agreement = partner.agreement_in_force
    if agreement is None:
        return []
    rows = []
    for minimum in sorted(agreement.product_minimums, key=lambda m: m.product.name):
        rows.append(
            ProductCompliance(
                product=minimum.product,
                certified_active=_providers["certified"](partner.id, minimum.product_id),
                minimum=minimum.minimum,
                environment_ok=_providers["environment"](partner.id, minimum.product_id),
            )
        )
    return rows


def is_compliant(partner: Partner) -> bool:
    rows = compliance_for(partner)
    return bool(rows) and all(row.compliant for row in rows)


def compute_tier(partner: Partner) -> str:
    """`registered` until compliant on every product; `premier` when also of good quality."""
    if not is_compliant(partner):
        return "registered"
    return "premier" if _providers["premier_quality"](partner.id) else "certified"


def refresh_tier(partner: Partner, *, actor=None) -> str:
    """Store the computed tier, auditing a change. Called when compliance inputs change."""
    from portal.audit import record_change

    tier = compute_tier(partner)
    if tier != partner.tier:
        record_change("partner.tier_changed", partner, partner_id=partner.id, actor=actor,
                      before={"tier": partner.tier}, after={"tier": tier},
                      summary=f"{partner.name} is now {tier}")
        partner.tier = tier
    return tier

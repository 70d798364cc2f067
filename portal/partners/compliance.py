"""Compliance of a partner per product, and the tier that follows from it.

A partner is compliant on a product when its active certified technicians reach the
agreement's minimum and it has a current reproduction environment. Certifications and
environments belong to `certification/`, which registers the two counters below when
it loads; `portal/` never imports it. Pages that list many partners (the home pages)
ask for all of them at once through `compliance_by_partner`; certification should also
register the batch forms (`certified_counts`, `current_environments`) so that such a
page runs the same queries for 2 partners or 200.
"""

from collections.abc import Callable
from dataclasses import dataclass

from portal.models import Partner, Product

CertifiedCounter = Callable[[int, int], int]  # (partner_id, product_id) -> active certified
EnvironmentCheck = Callable[[int, int], bool]  # (partner_id, product_id) -> has current env
CertificationList = Callable[[object], list[dict]]  # user -> [{product, release, ...}]
Pair = tuple[int, int]  # (partner_id, product_id)
CertifiedCounts = Callable[[list[Pair]], dict[Pair, int]]  # batch form of CertifiedCounter
CurrentEnvironments = Callable[[list[Pair]], set[Pair]]  # batch form of EnvironmentCheck
CertificationLists = Callable[[list], dict[int, list[dict]]]  # users -> {user id: [...]}
#: (partner, its compliance rows) -> what fixes each gap, as home-page items (StepItem)
ComplianceActions = Callable[[Partner, list], list]
#: partner ids -> those whose escalation quality earns premier (batch form of premier_quality)
PremierPartners = Callable[[list[int]], set[int]]

_providers: dict[str, Callable] = {
    "certified": lambda partner_id, product_id: 0,
    "environment": lambda partner_id, product_id: False,
    "certifications": lambda user: [],
    # partner_id -> True when escalation quality earns the premier tier (escalations/).
    "premier_quality": lambda partner_id: False,
}
#: Batch providers; without them, the one-pair providers above answer pair by pair.
_batch_providers: dict[str, Callable | None] = {
    "certified_counts": None,
    "current_environments": None,
    "certifications_by_user": None,
    # Read from certification's own rows, so set aside with the counters by tests that fake
    # those: what fixes a partner's gaps, named (recertify whom, re-attest which lab).
    "compliance_actions": None,
    "premier_partners": None,
}


def register_providers(
    certified: CertifiedCounter | None = None,
    environment: EnvironmentCheck | None = None,
    certifications: CertificationList | None = None,
    premier_quality: Callable[[int], bool] | None = None,
    certified_counts: CertifiedCounts | None = None,
    current_environments: CurrentEnvironments | None = None,
    certifications_by_user: CertificationLists | None = None,
    compliance_actions: ComplianceActions | None = None,
    premier_partners: PremierPartners | None = None,
) -> None:
    for name, provider in (
        ("certified", certified),
        ("environment", environment),
        ("certifications", certifications),
        ("premier_quality", premier_quality),
    ):
        if provider is not None:
            _providers[name] = provider
    for name, provider in (
        ("certified_counts", certified_counts),
        ("current_environments", current_environments),
        ("certifications_by_user", certifications_by_user),
        ("compliance_actions", compliance_actions),
        ("premier_partners", premier_partners),
    ):
        if provider is not None:
            _batch_providers[name] = provider


def compliance_actions(partner: Partner, rows: list) -> list | None:
    """What fixes each of the partner's gaps, as certification words it; None without it."""
    provider = _batch_providers["compliance_actions"]
    return None if provider is None else provider(partner, rows)


def certifications_of(user) -> list[dict]:
    """A technician's certifications as API dicts (none until certification is installed)."""
    return _providers["certifications"](user)


def certifications_of_users(users: list) -> dict[int, list[dict]]:
    """`certifications_of` for a page of users, in one go when a batch form is registered."""
    batch = _batch_providers["certifications_by_user"]
    if batch is not None:
        return batch(users)
    return {user.id: certifications_of(user) for user in users}


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
    return compliance_by_partner([partner])[partner.id]


def compliance_by_partner(partners: list[Partner]) -> dict[int, list[ProductCompliance]]:
    """`compliance_for` of many partners, asking the providers once for all of them.

    Load the partners with their agreements' minimums and products (see
    `portal.partners.blueprint.agreement_history_options`) to keep this to a fixed
    number of queries.
    """
    minimums = {
        partner.id: sorted(
            partner.agreement_in_force.product_minimums if partner.agreement_in_force else [],
            key=lambda m: m.product.name,
        )
        for partner in partners
    }
    pairs = [(partner_id, m.product_id) for partner_id, rows in minimums.items() for m in rows]
    certified = _certified_counts(pairs)
    environments = _current_environments(pairs)
    return {
        partner_id: [
            ProductCompliance(
                product=m.product,
                certified_active=certified.get((partner_id, m.product_id), 0),
                minimum=m.minimum,
                environment_ok=(partner_id, m.product_id) in environments,
            )
            for m in rows
        ]
        for partner_id, rows in minimums.items()
    }


def _certified_counts(pairs: list[Pair]) -> dict[Pair, int]:
    if not pairs:
        return {}
    batch = _batch_providers["certified_counts"]
    if batch is not None:
        return batch(pairs)
    return {pair: _providers["certified"](*pair) for pair in pairs}


def _current_environments(pairs: list[Pair]) -> set[Pair]:
    if not pairs:
        return set()
    batch = _batch_providers["current_environments"]
    if batch is not None:
        return batch(pairs)
    return {pair for pair in pairs if _providers["environment"](*pair)}


def is_compliant(partner: Partner) -> bool:
    rows = compliance_for(partner)
    return bool(rows) and all(row.compliant for row in rows)


def compute_tier(partner: Partner) -> str:
    """`registered` until compliant on every product; `premier` when also of good quality."""
    if not is_compliant(partner):
        return "registered"
    return "premier" if _providers["premier_quality"](partner.id) else "certified"


def compute_tiers(partners: list[Partner]) -> dict[int, str]:
    """`compute_tier` of many partners, asking the providers once for all of them."""
    rows = compliance_by_partner(partners)
    compliant = {p.id for p in partners if rows[p.id] and all(r.compliant for r in rows[p.id])}
    premier = _premier_partners(sorted(compliant))
    return {
        partner.id: (
            ("premier" if partner.id in premier else "certified")
            if partner.id in compliant
            else "registered"
        )
        for partner in partners
    }


def _premier_partners(partner_ids: list[int]) -> set[int]:
    if not partner_ids:
        return set()
    batch = _batch_providers["premier_partners"]
    if batch is not None:
        return batch(partner_ids)
    return {partner_id for partner_id in partner_ids if _providers["premier_quality"](partner_id)}


def _store_tier(partner: Partner, tier: str, *, actor) -> bool:
    """Store `tier`, auditing a change; True when it changed."""
    from portal.audit import record_change

    if tier == partner.tier:
        return False
    record_change(
        "partner.tier_changed",
        partner,
        partner_id=partner.id,
        actor=actor,
        before={"tier": partner.tier},
        after={"tier": tier},
        summary=f"{partner.name} is now {tier}",
    )
    partner.tier = tier
    return True


def refresh_tier(partner: Partner, *, actor=None) -> str:
    """Store the computed tier, auditing a change. Called when compliance inputs change."""
    tier = compute_tier(partner)
    _store_tier(partner, tier, actor=actor)
    return tier


def refresh_tiers(partners: list[Partner], *, actor=None) -> list[Partner]:
    """`refresh_tier` of many partners (loaded as `compliance_by_partner` asks); the
    partners whose tier changed."""
    tiers = compute_tiers(partners)
    return [partner for partner in partners if _store_tier(partner, tiers[partner.id], actor=actor)]

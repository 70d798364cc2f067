"""The home page's next steps that `portal/` owns: agreements, compliance, technicians.

Vendor staff see the partners whose agreement or compliance needs them; a partner admin
sees its own proposal to decide, its compliance gaps and the technicians who have not
signed in yet. Every provider runs a fixed number of queries (the partners of a request
are loaded once and shared by the providers through `flask.g`).
"""

from dataclasses import dataclass

from flask import g, has_request_context, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from portal import next_steps
from portal.access import scoped
from portal.extensions import db
from portal.models import Agreement, Partner, ProductMinimum, User
from portal.next_steps import NextStep, StepItem, first_items
from portal.partners.compliance import (
    ProductCompliance,
    compliance_actions,
    compliance_by_partner,
)
from portal.roles import PARTNER_ADMIN, SUPPORT_MANAGER, TECHNICIAN, VENDOR_ADMIN

#: How much of a partner's comments a returned proposal's item quotes.
COMMENT_EXCERPT = 140


@dataclass(frozen=True)
class PartnerStanding:
    """A partner with what the home page needs to know about its agreement and compliance."""

    partner: Partner
    in_force: Agreement | None
    proposed: Agreement | None
    returned: Agreement | None  # the latest version, when the partner sent it back
    compliance: list[ProductCompliance]

    @property
    def gaps(self) -> list[ProductCompliance]:
        return [row for row in self.compliance if not row.compliant]

    @property
    def short(self) -> list[ProductCompliance]:
        return [row for row in self.compliance if row.shortfall]

    @property
    def in_negotiation(self) -> bool:
        return self.proposed is not None or self.returned is not None


def partner_standings(principal) -> list[PartnerStanding]:
    """Every partner the principal may see, by name, loaded once per request."""
    cached = g.get("_partner_standings") if has_request_context() else None
    if cached is not None:
        return cached
    open_versions = Agreement.status.in_(("in_force", "proposed"))
    partners = db.session.scalars(
        scoped(Partner, principal)
        .options(
            selectinload(Partner.support_manager),
            selectinload(Partner.agreements.and_(open_versions))
            .selectinload(Agreement.product_minimums)
            .selectinload(ProductMinimum.product),
        )
        .order_by(Partner.name)
    ).all()
    returned = {a.partner_id: a for a in _latest_versions_returned(principal)}
    compliance = compliance_by_partner(partners)
    standings = [
        PartnerStanding(
            partner=p,
            in_force=p.agreement_in_force,
            proposed=p.pending_agreement,
            returned=returned.get(p.id),
            compliance=compliance[p.id],
        )
        for p in partners
    ]
    if has_request_context():
        g._partner_standings = standings
    return standings


def _latest_versions_returned(principal) -> list[Agreement]:
    """Agreements sent back by the partner and not revised since (no later version)."""
    later = aliased(Agreement)
    newer_exists = (
        select(later.id)
        .where(later.partner_id == Agreement.partner_id, later.version > Agreement.version)
        .exists()
    )
    return db.session.scalars(
        scoped(Agreement, principal).where(Agreement.status == "returned", ~newer_exists)
    ).all()


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= COMMENT_EXCERPT else text[: COMMENT_EXCERPT - 1] + "…"


def _step(key, title, hint, action, rows, to_item, urgency="soon", more_url=None) -> NextStep:
    return NextStep(
        key=key,
        title=title,
        hint=hint,
        action=action,
        items=first_items(rows, to_item),
        urgency=urgency,
        total=len(rows),
        more_url=more_url,
    )


def _gap_text(row: ProductCompliance) -> str:
    needs = []
    if row.shortfall:
        needs.append(f"{row.certified_active} of {row.minimum} certified technicians")
    if not row.environment_ok:
        needs.append("no reproduction environment")
    return f"{row.product.name}: {' and '.join(needs)}"


# --- Vendor admin ------------------------------------------------------------------------


def vendor_admin_steps(principal) -> list[NextStep]:
    standings = partner_standings(principal)
    partners_url = url_for("partners.index")
    returned = [s for s in standings if s.returned is not None]
    proposed = [s for s in standings if s.proposed is not None]
    unbound = [s for s in standings if s.in_force is None and not s.in_negotiation]
    short = [s for s in standings if s.short]
    return [
        _step(
            "revise_returned_proposals",
            "Revise the proposals partners sent back",
            "The partner admin returned these versions with comments; propose a revision.",
            "Revise",
            returned,
            lambda s: StepItem(
                f"{s.partner.name} · version {s.returned.version}",
                url_for(
                    "partners.propose_version",
                    partner_id=s.partner.id,
                    **{"from": s.returned.id},
                ),
                f"“{_excerpt(s.returned.partner_comments)}”" if s.returned.partner_comments else "",
            ),
            urgency="now",
        ),
        _step(
            "partners_without_agreement",
            "Propose an agreement",
            "These partners have no agreement in force and none in negotiation: no minimums "
            "or SLA targets apply until one is accepted.",
            "Propose",
            unbound,
            lambda s: StepItem(
                s.partner.name,
                url_for("partners.propose_version", partner_id=s.partner.id),
                f"Support manager: {s.partner.support_manager.name}"
                if s.partner.support_manager
                else "No support manager assigned",
            ),
            more_url=partners_url,
        ),
        _step(
            "partners_below_minimum",
            "Partners below their certified minimum",
            "Fewer active certified technicians than the agreement requires: agree with the "
            "partner who recertifies, or who is reassigned.",
            "Review",
            short,
            lambda s: StepItem(
                s.partner.name,
                url_for("partners.detail", partner_id=s.partner.id, _anchor="compliance-heading"),
                "; ".join(
                    f"{row.product.name}: {row.certified_active} of {row.minimum} certified"
                    for row in s.short
                ),
            ),
            more_url=partners_url,
        ),
        _step(
            "proposals_awaiting_partner",
            "Proposals awaiting the partner",
            "Each comes into force when the partner admin accepts it; the previous version "
            "stays in force until then.",
            "View",
            proposed,
            lambda s: StepItem(
                f"{s.partner.name} · version {s.proposed.version}",
                url_for("partners.agreement", partner_id=s.partner.id, agreement_id=s.proposed.id),
                f"Proposed on {s.proposed.created_at:%Y-%m-%d}",
            ),
            urgency="when_convenient",
        ),
    ]


# --- Support manager ---------------------------------------------------------------------


def _attention_reasons(standing: PartnerStanding) -> list[str]:
    reasons = []
    if standing.partner.status == "suspended":
        reasons.append("Suspended")
    if standing.in_force is None:
        reasons.append(
            "No agreement in force" + (" (a proposal is open)" if standing.in_negotiation else "")
        )
    reasons.extend(_gap_text(row) for row in standing.gaps)
    return reasons


def support_manager_steps(principal) -> list[NextStep]:
    needing = [s for s in partner_standings(principal) if _attention_reasons(s)]
    # The partners this manager looks after come first.
    needing.sort(key=lambda s: s.partner.support_manager_id != principal.id)
    return [
        _step(
            "partners_needing_attention",
            "Partners needing attention",
            "Not compliant, or without an agreement in force. Agree with each partner what "
            "must happen: recertify or reassign technicians, register an environment, "
            "accept the agreement.",
            "Review",
            needing,
            lambda s: StepItem(
                s.partner.name
                + (" · yours" if s.partner.support_manager_id == principal.id else ""),
                url_for("partners.detail", partner_id=s.partner.id),
                "; ".join(_attention_reasons(s)),
            ),
            more_url=url_for("partners.index"),
        )
    ]


# --- Partner admin -----------------------------------------------------------------------


def partner_admin_steps(principal) -> list[NextStep]:
    standing = next(
        (s for s in partner_standings(principal) if s.partner.id == principal.partner_id), None
    )
    if standing is None:
        return []
    partner = standing.partner
    steps = []
    if standing.proposed is not None:
        steps.append(
            _step(
                "decide_agreement",
                "Accept or return the proposed agreement",
                "Nothing changes until you decide: accept it to bring it into force, or return "
                "it with comments and the vendor revises it.",
                "Decide",
                [standing.proposed],
                lambda a: StepItem(
                    f"Version {a.version}",
                    url_for("partners.agreement", partner_id=partner.id, agreement_id=a.id),
                    f"Proposed on {a.created_at:%Y-%m-%d}",
                ),
                urgency="now",
            )
        )
    elif standing.in_force is None:
        manager = partner.support_manager
        contact = f"{manager.name} ({manager.email})" if manager else "the vendor"
        steps.append(
            _step(
                "no_agreement",
                "No agreement in force",
                "The vendor proposes the agreement; you accept it or return it with comments.",
                "Read",
                [partner],
                lambda p: StepItem(
                    "Your agreement",
                    url_for("partners.my_agreement"),
                    f"You returned version {standing.returned.version}: {contact} is revising it"
                    if standing.returned
                    else f"Ask {contact} for a proposal",
                ),
            )
        )
    steps.append(_compliance_step(standing))
    steps.append(_technicians_not_signed_in(principal))
    return steps


def _compliance_step(standing: PartnerStanding) -> NextStep:
    """One item per gap, each saying what must happen and linking to where it is done."""
    named = compliance_actions(standing.partner, standing.compliance)
    gaps = list(named) if named is not None else []
    for row in standing.gaps if named is None else ():
        if row.shortfall:
            gaps.append(
                StepItem(
                    f"{row.product.name}: {row.shortfall} more certified technician"
                    + ("s" if row.shortfall > 1 else ""),
                    url_for("partners.my_technicians"),
                    f"{row.certified_active} of {row.minimum} required are certified: have an "
                    "active technician certified, or recertify one whose certificate lapsed.",
                )
            )
        if not row.environment_ok:
            gaps.append(
                StepItem(
                    f"{row.product.name}: no reproduction environment",
                    url_for("partners.mine", _anchor="compliance-heading"),
                    "Register a lab on a supported release: without one, nobody can escalate "
                    "on this product.",
                )
            )
    return _step(
        "compliance_gaps",
        "Close your compliance gaps",
        "Below the agreement's minimum your tier drops and escalations on the product may be "
        "refused.",
        "Fix",
        gaps,
        lambda item: item,
        urgency="now",
    )


def _technicians_not_signed_in(principal) -> NextStep:
    never_signed_in = (
        scoped(User, principal)
        .where(
            User.partner_id == principal.partner_id,
            User.role == TECHNICIAN,
            User.status == "active",
            User.last_login_at.is_(None),
        )
        .order_by(User.created_at, User.id)
    )
    rows = db.session.scalars(never_signed_in.limit(next_steps.ITEMS_SHOWN)).all()
    total = db.session.scalar(never_signed_in.with_only_columns(func.count()).order_by(None))
    technicians_url = url_for("partners.my_technicians")
    return NextStep(
        key="technicians_not_signed_in",
        title="Technicians who have not signed in yet",
        hint="They were invited by e-mail but have not chosen a password. Remind them, or "
        "mark them as left if they will not join.",
        action="See",
        items=tuple(
            StepItem(t.name, technicians_url, f"{t.email} · invited on {t.created_at:%Y-%m-%d}")
            for t in rows
        ),
        urgency="when_convenient",
        total=total,
        more_url=technicians_url,
    )


def register() -> None:
    """Register this module's providers (called by `portal.home`)."""
    next_steps.register_providers(vendor_admin_steps, roles=(VENDOR_ADMIN,))
    next_steps.register_providers(support_manager_steps, roles=(SUPPORT_MANAGER,))
    next_steps.register_providers(partner_admin_steps, roles=(PARTNER_ADMIN,))

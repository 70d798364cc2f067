"""The onboarding checklist: what a new partner must have in place, computed from the data
(never ticked by hand), for many partners in a fixed number of queries.

1. people: it has a partner admin and a technician, and every active person has signed in;
2. agreement: an agreement is in force;
3. environment: a current reproduction environment on a supported release for every
   product the agreement asks it to support;
4. certified: the certified minimum met for every such product;
5. check_in: its first check-in with the vendor held;
6. procedures: its admin confirmed having read the agreement's responsibilities and the
   out-of-hours rules (for the agreement in force).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, func, select

from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.models import CheckIn, Partner, User
from portal.models.base import utcnow
from portal.partners.compliance import compliance_by_partner
from portal.roles import PARTNER_ADMIN, TECHNICIAN

ITEMS = (
    ("people", "Every person has an account and has signed in"),
    ("agreement", "The agreement is accepted"),
    ("environment", "A current environment on a supported release"),
    ("certified", "The certified minimum is met for each product"),
    ("check_in", "The first check-in is held"),
    ("procedures", "The responsibilities and out-of-hours rules are read"),
)


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str = ""


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        return all(item.done for item in self.items)

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    def item(self, key: str) -> ChecklistItem:
        return next(item for item in self.items if item.key == key)


def _people(partner_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per partner: active admins, active technicians, active people never signed in."""
    rows = db.session.execute(
        select(
            User.partner_id,
            func.sum((User.role == PARTNER_ADMIN).cast(Integer)),
            func.sum((User.role == TECHNICIAN).cast(Integer)),
            func.sum(User.last_login_at.is_(None).cast(Integer)),
        )
        .where(User.partner_id.in_(partner_ids), User.status == "active")
        .group_by(User.partner_id)
    )
    return {
        pid: {"admins": a or 0, "technicians": t or 0, "never": n or 0} for pid, a, t, n in rows
    }


def _check_ins(partner_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(CheckIn.partner_id).where(CheckIn.partner_id.in_(partner_ids)).distinct()
        )
    )


def checklists(partners: list[Partner]) -> dict[int, Checklist]:
    """The checklist of each partner (load their agreements with their minimums and
    products, as for `compliance_by_partner`, to keep the query count fixed)."""
    ids = [partner.id for partner in partners]
    if not ids:
        return {}
    people = _people(ids)
    held = _check_ins(ids)
    compliance = compliance_by_partner(partners)
    result = {}
    for partner in partners:
        counts = people.get(partner.id, {"admins": 0, "technicians": 0, "never": 0})
        agreement = partner.agreement_in_force
        rows = [row for row in compliance[partner.id] if row.minimum > 0]
        missing_env = [row.product.name for row in rows if not row.environment_ok]
        short = [row.product.name for row in rows if row.certified_active < row.minimum]
        done = {
            "people": counts["admins"] > 0 and counts["technicians"] > 0 and not counts["never"],
            "agreement": agreement is not None,
            "environment": agreement is not None and not missing_env,
            "certified": agreement is not None and not short,
            "check_in": partner.id in held,
            "procedures": agreement is not None and agreement.procedures_confirmed_at is not None,
        }
        details = {
            "people": _people_detail(counts),
            "environment": ", ".join(missing_env) and f"Missing for {', '.join(missing_env)}",
            "certified": ", ".join(short) and f"Below the minimum for {', '.join(short)}",
        }
        result[partner.id] = Checklist(
            tuple(
                ChecklistItem(key, label, done[key], "" if done[key] else details.get(key, ""))
                for key, label in ITEMS
            )
        )
    return result


def _people_detail(counts: dict[str, int]) -> str:
    if not counts["admins"]:
        return "No partner admin yet"
    if not counts["technicians"]:
        return "No technician yet"
    if counts["never"]:
        return f"{counts['never']} not signed in yet"
    return ""


def checklist_for(partner: Partner) -> Checklist:
    return checklists([partner])[partner.id]


def confirm_procedures(partner: Partner, actor) -> None:
    """The partner admin confirms having read the agreement's responsibilities and the
    out-of-hours rules. Does not commit."""
    if actor.role != PARTNER_ADMIN or actor.partner_id != partner.id:
        raise DomainError("forbidden", "Only the partner's admin confirms this.", status=403)
    agreement = partner.agreement_in_force
    if agreement is None:
        raise DomainError("no_agreement", "No agreement is in force yet.", status=409)
    if agreement.procedures_confirmed_at is not None:
        return
    agreement.procedures_confirmed_at = utcnow()
    agreement.procedures_confirmed_by_id = actor.id
    record_change(
        "agreement.procedures_confirmed",
        agreement,
        partner_id=partner.id,
        actor=actor,
        after={"procedures_confirmed_at": agreement.procedures_confirmed_at.isoformat()},
        summary=f"{partner.name} confirmed having read its responsibilities and the "
        "out-of-hours rules",
    )

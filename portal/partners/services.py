"""Partners and customers: creating and changing them, with an audit entry for each change."""

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select

from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Customer, Partner, User
from portal.models.partners import PARTNER_STATUSES
from portal.models.users import normalise_email
from portal.roles import SUPPORT_MANAGER

PARTNER_FIELDS = ("name", "slug", "region", "status", "support_manager_id")
CUSTOMER_FIELDS = ("name", "seats", "contact_email")
MAX_SEATS = 2_000_000_000  # within a 32-bit integer column
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class PartnerInput:
    name: str
    slug: str
    region: str = ""
    status: str = "active"
    support_manager_id: int | None = None


def _validate_partner(data: PartnerInput, existing: Partner | None) -> None:
    fields = {}
    if not data.name.strip():
        fields["name"] = "A name is required."
    if not SLUG_RE.match(data.slug or ""):
        fields["slug"] = "Lower-case letters, digits and single hyphens only."
    if data.status not in PARTNER_STATUSES:
        fields["status"] = "Unknown status."
    for column, value in (("name", data.name.strip()), ("slug", data.slug)):
        clash = db.session.scalar(select(Partner).where(getattr(Partner, column) == value))
        if clash is not None and clash is not existing:
            fields.setdefault(column, f"Another partner already has this {column}.")
    if data.support_manager_id is not None:
        manager = db.session.get(User, data.support_manager_id)
        if manager is None or manager.role != SUPPORT_MANAGER or not manager.is_active:
            fields["support_manager_id"] = "Choose an active partner-support manager."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)


def save_partner(data: PartnerInput, partner: Partner | None = None, *, actor=None) -> Partner:
    """Create a partner, or update one; audits the change."""
    data.name, data.region = data.name.strip(), (data.region or "").strip()
    _validate_partner(data, partner)
    before = snapshot(partner, PARTNER_FIELDS) if partner else None
    if partner is None:
        partner = Partner()
        db.session.add(partner)
    for name, value in asdict(data).items():
        setattr(partner, name, value)
    db.session.flush()
    after = snapshot(partner, PARTNER_FIELDS)
    if before != after:
        action = "partner.created" if before is None else "partner.updated"
        if before and before["status"] != after["status"]:
            action = f"partner.{after['status']}"
        record_change(
            action,
            partner,
            partner_id=partner.id,
            actor=actor,
            before=before,
            after=after,
            summary=f"{partner.name}: {action.split('.')[1]}",
        )
    return partner


def save_customer(
    partner: Partner,
    name: str,
    seats: int,
    customer: Customer | None = None,
    *,
    actor=None,
    contact_email: str | None = None,
) -> Customer:
    """Create or update one of the partner's customers."""
    name = (name or "").strip()
    fields = {}
    if not name:
        fields["name"] = "A name is required."
    if seats is None or seats < 0:
        fields["seats"] = "Seats must be zero or more."
    elif seats > MAX_SEATS:
        fields["seats"] = f"At most {MAX_SEATS:,} seats."
    if contact_email and ("@" not in contact_email or len(contact_email) > 254):
        fields["contact_email"] = "Enter an e-mail address."
    clash = db.session.scalar(
        select(Customer).where(Customer.partner_id == partner.id, Customer.name == name)
    )
    if clash is not None and clash is not customer:
        fields["name"] = "You already have a customer with this name."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)
    before = snapshot(customer, CUSTOMER_FIELDS) if customer else None
    if customer is None:
        customer = Customer(partner=partner)
        db.session.add(customer)
    customer.name, customer.seats = name, seats
    if contact_email is not None:  # None keeps it; "" clears it
        customer.contact_email = normalise_email(contact_email) or None
    db.session.flush()
    after = snapshot(customer, CUSTOMER_FIELDS)
    if before != after:
        record_change(
            "customer.created" if before is None else "customer.updated",
            customer,
            partner_id=partner.id,
            actor=actor,
            before=before,
            after=after,
            summary=f"Customer {customer.name}",
        )
    return customer

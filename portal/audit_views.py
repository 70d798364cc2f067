"""The audit log: vendor admins read every entry, partner admins their own partner's.

Entries are fetched only through `scoped(AuditEntry)`, and so are the filter choices
(the people who acted), so a partner admin never finds another partner's entries or
people in the list or in the filters. How an entry reads is `portal.audit_presentation`.
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import DateField, Form, SelectField
from wtforms.validators import Optional, ValidationError

from portal.access import current_principal, roles_required, scoped
from portal.audit_directory import OBJECT_KINDS, object_kind
from portal.audit_presentation import ACTION_LABELS, action_kind, action_label, present_entries
from portal.extensions import db
from portal.models import AuditEntry, Partner, User
from portal.pagination import paginate_rows
from portal.roles import PARTNER_ADMIN, ROLE_LABELS, VENDOR_ADMIN

bp = Blueprint("audit", __name__, url_prefix="/audit")

PER_PAGE = 25
SYSTEM = "system"
ACTION_KEY = re.compile(r"^[a-z0-9_]{1,40}(\.[a-z0-9_]{1,40})*$")  # fits the 60-char column


class AuditFilterForm(Form):
    """The GET filters of the audit log (no CSRF: they change nothing)."""

    actor = SelectField("Who", default="", invalid_choice_message="Choose someone from the list.")
    action = SelectField(
        "What happened", default="", invalid_choice_message="Choose an action from the list."
    )
    type = SelectField(
        "Object", default="", invalid_choice_message="Choose a kind of object from the list."
    )
    partner = SelectField(
        "Partner", default="", invalid_choice_message="Choose a partner from the list."
    )
    date_from = DateField("From", validators=[Optional()], format="%Y-%m-%d")
    date_to = DateField("To", validators=[Optional()], format="%Y-%m-%d")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")

    def valid(self, name: str):
        """A filter's value, or None when it is empty or was refused."""
        field = self._fields.get(name)
        if field is None or field.errors:
            return None
        return field.data or None

    @property
    def active(self) -> bool:
        return any(
            self.valid(name)
            for name in ("actor", "action", "type", "partner", "date_from", "date_to")
        )


def _readable_kinds(principal) -> list[str]:
    return [t for t, kind in OBJECT_KINDS.items() if principal.is_vendor or kind.partner_related]


def _actor_choices(principal) -> dict:
    """Everyone who made a change the reader may see, grouped by organisation.

    The people come from the users table, kept to those with an entry in the reader's scope
    (one EXISTS per person, on the actor index), so the list costs the same however long the
    history is. A partner admin's list holds only its own people and vendor staff.
    """
    acted = scoped(AuditEntry, principal).where(AuditEntry.actor_id == User.id).exists()
    stmt = (
        select(User).where(acted).options(selectinload(User.partner)).order_by(User.name, User.id)
    )
    if not principal.is_vendor:
        stmt = stmt.where(or_(User.partner_id == principal.partner_id, User.partner_id.is_(None)))
    groups: dict = {None: [("", "Anyone"), (SYSTEM, "System (automatic changes)")]}
    vendor_group = "Vendor staff"
    own_group = "Your organisation"
    groups[vendor_group] = []
    if not principal.is_vendor:
        groups[own_group] = []
    for user in db.session.scalars(stmt):
        label = f"{user.name} ({ROLE_LABELS.get(user.role, user.role)})"
        if user.partner is None:
            group = vendor_group
        elif principal.is_vendor:
            group = user.partner.name
        else:
            group = own_group
        groups.setdefault(group, []).append((str(user.id), label))
    return {group: choices for group, choices in groups.items() if choices}


def _action_choices(principal, current: str | None) -> dict:
    kinds = _readable_kinds(principal)
    groups: dict = {None: [("", "Anything")]}
    for action in ACTION_LABELS:
        kind = action_kind(action)
        if kind in kinds:
            group = groups.setdefault(object_kind(kind).label + "s", [])
            group.append((action, action_label(action)))
    # An action the catalogue does not know yet (a link to "entries like this one") stays
    # filterable; scoping still decides which entries it finds.
    known = {value for choices in groups.values() for value, _ in choices}
    if current and current not in known and len(current) <= 60 and ACTION_KEY.match(current):
        groups[None].append((current, action_label(current)))
    return groups


def _type_choices(principal, current: str | None) -> list:
    choices = [("", "Any object")]
    choices += [(t, OBJECT_KINDS[t].label) for t in _readable_kinds(principal)]
    if current and current not in OBJECT_KINDS and current.isidentifier() and len(current) <= 40:
        choices.append((current, object_kind(current).label))
    return choices


def _partner_choices() -> list:
    partners = db.session.execute(select(Partner.id, Partner.name).order_by(Partner.name))
    return [("", "Any partner")] + [(str(pid), name) for pid, name in partners]


def filter_form(principal) -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.actor.choices = _actor_choices(principal)
    form.action.choices = _action_choices(principal, request.args.get("action"))
    form.type.choices = _type_choices(principal, request.args.get("type"))
    if principal.is_vendor:
        form.partner.choices = _partner_choices()
    else:
        del form.partner  # a partner admin reads one partner's log
    form.validate()
    for field in (form.date_from, form.date_to):
        if field.process_errors:
            field.errors = ["Use a date such as 2026-03-31."]
    return form


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filtered_entries(form: AuditFilterForm, principal):
    stmt = scoped(AuditEntry, principal)
    actor = form.valid("actor")
    if actor == SYSTEM:
        stmt = stmt.where(AuditEntry.actor_id.is_(None))
    elif actor:
        stmt = stmt.where(AuditEntry.actor_id == int(actor))
    if action := form.valid("action"):
        stmt = stmt.where(AuditEntry.action == action)
    if object_type := form.valid("type"):
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if partner := form.valid("partner"):
        stmt = stmt.where(AuditEntry.partner_id == int(partner))
    if since := form.valid("date_from"):
        stmt = stmt.where(AuditEntry.created_at >= _day_start(since))
    if (until := form.valid("date_to")) and until < date.max:  # up to the end of that day
        stmt = stmt.where(AuditEntry.created_at < _day_start(until + timedelta(days=1)))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


@bp.get("/")
@roles_required(VENDOR_ADMIN, PARTNER_ADMIN)
def index():
    principal = current_principal()
    form = filter_form(principal)
    page = paginate_rows(filtered_entries(form, principal), per_page=PER_PAGE)
    return render_template(
        "audit/index.html",
        page=page,
        rows=present_entries(page.items, principal),
        filters=form,
        show_partner=principal.is_vendor,
        clear_url=url_for("audit.index"),
    )

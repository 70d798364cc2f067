"""How audit entries read on the audit page: sentences for actions, names for ids, words
for values.

Entries store what the services recorded (`partner.tier_changed`, `support_manager_id: 2`,
`{"S1": [60, 480]}`); this module turns a page of them into rows a person can read. The
objects they mention are named by `portal.audit_directory`, which loads them once per kind
for the whole page, so a page costs the same number of queries whatever its entries name.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.audit_directory import (
    NAME_ATTRIBUTES,
    Collector,
    Directory,
    ObjectRef,
    humanise,
    object_kind,
)
from portal.partners.presentation import (
    COVER_LABELS,
    COVERAGE_LABELS,
    FEE_PERIOD_LABELS,
    PARTY_LABELS,
    TERM_LABELS,
    days_text,
)
from portal.roles import ROLE_LABELS

# --- What happened: actions ------------------------------------------------------------------

#: The first part of an action key names the kind of object it is about.
ACTION_PREFIXES = {
    "partner": "Partner",
    "agreement": "Agreement",
    "customer": "Customer",
    "user": "User",
    "token": "ApiToken",
    "product": "Product",
    "release": "Release",
    "kb_article": "Article",
    "data_export": "DataExport",
}

ACTION_LABELS = {
    "partner.created": "Partner created",
    "partner.updated": "Partner details changed",
    "partner.suspended": "Partner suspended",
    "partner.active": "Partner reactivated",
    "partner.tier_changed": "Partner tier changed",
    "agreement.proposed": "Agreement version proposed",
    "agreement.accepted": "Agreement accepted and in force",
    "agreement.returned": "Agreement sent back with comments",
    "agreement.withdrawn": "Agreement proposal withdrawn",
    "customer.created": "Customer added",
    "customer.updated": "Customer details changed",
    "user.created": "Account created",
    "user.updated": "Account details changed",
    "user.role_changed": "Role changed",
    "user.active": "Account reactivated",
    "user.reassigned": "Marked as reassigned",
    "user.left": "Marked as having left",
    "user.password_changed": "Password changed",
    "user.password_set": "Password set from an e-mailed link",
    "user.signed_out_everywhere": "Signed out on every device",
    "token.created": "API token created",
    "token.revoked": "API token revoked",
    "product.created": "Product added",
    "product.updated": "Product details changed",
    "release.created": "Release added",
    "release.updated": "Release details changed",
    "kb_article.created": "Article created",
    "kb_article.updated": "Article edited",
    "kb_article.published": "Article published",
    "kb_article.unpublished": "Article withdrawn to draft",
    "kb_article.flagged_for_review": "Article flagged for review",
    "kb_article.reviewed": "Article marked as reviewed",
    "rating_request.issued": "Customer rating link issued",
    "rating_request.answered": "Customer rating received",
    "data_export.requested": "Data export requested",
    "data_export.ready": "Data export ready",
    "data_export.downloaded": "Data export downloaded",
    "data_export.expired": "Data export deleted after its keeping time",
}


def action_label(action: str) -> str:
    """A sentence-like label; an unknown key still reads: `fee_report.approved` ->
    'Fee report approved'."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    prefix, _, verb = action.partition(".")
    if not verb:
        return humanise(prefix) or "Change recorded"
    kind = ACTION_PREFIXES.get(prefix)
    noun = object_kind(kind).noun if kind else humanise(prefix)
    return f"{noun} {humanise(verb).lower()}"


def action_kind(action: str) -> str:
    """The object type an action is about (`kb_article.created` -> 'Article')."""
    prefix = action.partition(".")[0]
    return ACTION_PREFIXES.get(prefix) or "".join(w.capitalize() for w in prefix.split("_"))


# --- Changed fields: labels and values ---------------------------------------------------------

FIELD_LABELS = {
    "name": "Name",
    "slug": "Short name (in links)",
    "region": "Region",
    "status": "Status",
    "tier": "Tier",
    "support_manager_id": "Support manager",
    "email": "E-mail",
    "contact_email": "Contact e-mail",
    "sha256": "SHA-256",
    "file_name": "File name",
    "delivery": "Link delivered",
    "recipient": "Mailed to",
    "expires_at": "Valid until",
    "score": "Score (1-5)",
    "comment_length": "Comment length (characters)",
    "role": "Role",
    "partner_id": "Partner",
    "seats": "Seats",
    "description": "Description",
    "version": "Version",
    "released_on": "Release date",
    "major": "Major release",
    "supported": "Supported",
    "title": "Title",
    "kind": "Kind",
    "visibility": "Who may read it",
    "product_id": "Product",
    "revision_number": "Revision",
    "needs_review": "Needs review",
    "tags": "Tags",
    "release_versions": "Applies to releases",
    "in_force_version": "Version in force",
    "comments": "Comments",
    "revoked": "Revoked",
    "prefix": "Token starts with",
    **TERM_LABELS,
}
#: Fields holding the id of another object, by the kind of that object.
REFERENCE_FIELDS = {
    "partner_id": "Partner",
    "support_manager_id": "User",
    "user_id": "User",
    "author_id": "User",
    "assignee_id": "User",
    "technician_id": "User",
    "customer_id": "Customer",
    "product_id": "Product",
    "release_id": "Release",
    "agreement_id": "Agreement",
    "article_id": "Article",
}
MONEY_FIELDS = {"fixed_fee", "out_of_hours_extra_cost", "amount", "fee", "declared_fees"}
PERCENT_FIELDS = {"fee_percentage", "discount_percentage"}
MINUTE_FIELDS = {"out_of_hours_response_minutes"}
CHOICE_LABELS = {
    "customer_owner": PARTY_LABELS,
    "customer_billing": PARTY_LABELS,
    "fee_model": {"percentage": "Percentage of support fees", "fixed": "Fixed fee"},
    "fee_period": FEE_PERIOD_LABELS,
    "coverage": COVERAGE_LABELS,
    "out_of_hours_cover": COVER_LABELS,
    "role": ROLE_LABELS,
    "kind": {"how_to": "How-to"},
}
SLA_PARTS = ("first response", "resolution")
CODE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")  # an enumerated value: `volume_grew`
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
EMPTY = "—"


def reference_kind(name: str) -> str | None:
    field_name = name.rsplit(".", 1)[-1]
    if field_name in REFERENCE_FIELDS:
        return REFERENCE_FIELDS[field_name]
    return "User" if field_name.endswith("_by_id") else None


def duration_text(minutes) -> str:
    """SLA-style durations: '45 min', '1 h', '1.5 h', '3 days'."""
    minutes = int(minutes)
    if minutes < 60:
        return f"{minutes} min"
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")
    return f"{hours} h"


def money_text(value) -> str:
    return f"{Decimal(str(value)):,.2f}"


def percent_text(value) -> str:
    number = Decimal(str(value)).normalize()
    return f"{number:f} %"


def date_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{value.day} {value:%b %Y, %H:%M} UTC"
    return f"{value.day} {value:%b %Y}"


def _string_text(name: str, value: str) -> str:
    choices = CHOICE_LABELS.get(name)
    if choices and value in choices:
        return choices[value]
    if name == "business_days":
        return days_text(value)
    if ISO_DATE.match(value):
        return date_text(date.fromisoformat(value))
    if ISO_DATETIME.match(value):
        try:
            return date_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    if name in {"status", "tier", "kind", "visibility"} or CODE.match(value):
        return humanise(value)
    return value


def value_text(name: str, value, directory: Directory) -> str:
    """One recorded value as a reader sees it; `name` is the (possibly dotted) field."""
    field_name = name.rsplit(".", 1)[-1]
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    kind = reference_kind(name)
    if kind and isinstance(value, int):
        ref = directory.ref(kind, value)
        return ref.label if ref else directory.unknown(kind)
    try:
        if field_name in MONEY_FIELDS:
            return money_text(value)
        if field_name in PERCENT_FIELDS:
            return percent_text(value)
        if field_name in MINUTE_FIELDS or name.startswith("sla."):
            return duration_text(value)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if field_name == "certification_validity_months" and isinstance(value, int):
        return f"{value} month{'s' if value != 1 else ''}"
    if field_name == "in_force_version" and isinstance(value, int):
        return f"Version {value}"
    if isinstance(value, list):
        return ", ".join(value_text(name, v, directory) for v in value)
    if isinstance(value, dict):  # only reached for values nested deeper than we flatten
        return "; ".join(
            f"{humanise(str(k))}: {value_text(str(k), v, directory)}" for k, v in value.items()
        )
    if isinstance(value, int | float | Decimal):
        return f"{value:,}"
    return _string_text(field_name, str(value))


def field_label(name: str, directory: Directory) -> str:
    """The label of a (possibly dotted) field: 'S1 first response', 'Partner'."""
    parts = name.split(".")
    if parts[0] == "sla" and len(parts) == 3:
        return f"{parts[1]} {parts[2].replace('_', ' ')}"
    if parts[0] == "minimums" and len(parts) == 2:
        product = directory.ref("Product", int(parts[1])) if parts[1].isdigit() else None
        which = product.label if product else directory.unknown("Product")
        return f"Certified technicians needed: {which}"
    if len(parts) > 1:
        return ": ".join([field_label(parts[0], directory)] + [humanise(p) for p in parts[1:]])
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return humanise(name.removesuffix("_id"))


def flatten(values: dict | None) -> dict:
    """Nested values as dotted fields, so a change to one SLA target shows alone."""
    flat = {}
    for name, value in (values or {}).items():
        if name == "sla" and isinstance(value, dict):
            for severity, targets in value.items():
                if isinstance(targets, list | tuple) and len(targets) == len(SLA_PARTS):
                    for part, minutes in zip(SLA_PARTS, targets, strict=True):
                        flat[f"sla.{severity}.{part.replace(' ', '_')}"] = minutes
                else:
                    flat[f"sla.{severity}"] = targets
        elif isinstance(value, dict):
            for key, inner in flatten(value).items():
                flat[f"{name}.{key}"] = inner
        else:
            flat[str(name)] = value
    return flat


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str | None  # None: a value set (on a creation, or recorded on one side only)
    after: str | None  # None: a value the object held when it was removed


def field_changes(
    before: dict | None, after: dict | None, directory: Directory
) -> list[FieldChange]:
    """What changed, in the order the service recorded the fields.

    A creation lists the values set (empty ones left out); an update, the fields that
    differ, before and after. A field recorded on one side only (context such as a token's
    prefix, or the comments sent with a decision) is shown as a plain value.
    """
    old, new = flatten(before), flatten(after)
    names = list(new) + [n for n in old if n not in new]
    changes = []
    for name in names:
        label = field_label(name, directory)
        if name in old and name in new:
            if old[name] != new[name]:
                changes.append(
                    FieldChange(
                        label,
                        value_text(name, old[name], directory),
                        value_text(name, new[name], directory),
                    )
                )
            continue
        value = new[name] if name in new else old[name]
        if value in (None, "", []):
            continue
        text = value_text(name, value, directory)
        gone = after is None  # a removal: what the object held
        changes.append(FieldChange(label, text if gone else None, None if gone else text))
    return changes


# --- Notes: what the recorded summary adds ------------------------------------------------------

PREDATES = re.compile(r"predates (?P<release>.+)$")
SESSIONS_ENDED = re.compile(r"\((?P<count>\d+) sign-ins? ended\)")


def entry_note(action: str, summary: str) -> str:
    """The part of the recorded summary that the label, object and fields do not say.

    Known actions are fully told by their label and fields; for an unknown action the
    summary is all the reader has, so it is shown as it was recorded.
    """
    summary = summary or ""
    if action == "kb_article.flagged_for_review" and (match := PREDATES.search(summary)):
        return f"It applies only to releases before {match['release']}."
    if action == "user.signed_out_everywhere" and (match := SESSIONS_ENDED.search(summary)):
        count = int(match["count"])
        return f"{count} sign-in{'s' if count != 1 else ''} ended."
    return "" if action in ACTION_LABELS else summary


# --- A page of entries as rows ---------------------------------------------------------------


@dataclass
class AuditRow:
    entry_id: int
    created_at: datetime
    actor: ObjectRef
    action: str
    action_label: str
    kind_label: str
    subject: ObjectRef
    partner: ObjectRef | None
    note: str
    changes: list[FieldChange] = field(default_factory=list)
    created: bool = False  # the changes list the values an object was created with

    @property
    def day(self) -> str:
        return date_text(self.created_at.date())

    @property
    def time_of_day(self) -> str:
        return f"{self.created_at:%H:%M} UTC"


#: On a creation, fields that only repeat the object's name (shown already) are left out.
CREATION_NAMED_BY = {"Name", "Title"}


def _subject(entry, directory: Directory) -> ObjectRef:
    ref = directory.ref(entry.object_type, entry.object_id)
    if ref is not None:
        return ref
    recorded = {**(entry.before or {}), **(entry.after or {})}
    name = next((str(recorded[a]) for a in NAME_ATTRIBUTES if recorded.get(a)), None)
    if entry.object_type == "ApiToken" and recorded.get("prefix"):
        name = f"“{recorded.get('name') or 'API token'}” ({recorded['prefix']}…)"
    return ObjectRef(name or object_kind(entry.object_type).label)


def _actor(entry, directory: Directory) -> ObjectRef:
    if entry.actor_id is None and entry.actor_label not in ("", "system"):
        # Someone without an account, such as a customer through a rating link.
        return ObjectRef(entry.actor_label.capitalize(), detail="No account")
    if entry.actor_id is None:
        return ObjectRef("System", detail="Automatic change")
    user = directory.get("User", entry.actor_id)
    if user is None:  # gone, or of another partner now: what was recorded at the time
        return ObjectRef(entry.actor_label)
    detail = ROLE_LABELS.get(user.role, humanise(user.role))
    if directory.principal.is_vendor and user.partner is not None:
        detail = f"{detail}, {user.partner.name}"
    return ObjectRef(user.name, detail=detail)


def _rows(entries, directory: Directory) -> list[AuditRow]:
    rows = []
    for entry in entries:
        actor = _actor(entry, directory)
        partner = None
        if entry.partner_id is not None:
            partner = directory.ref("Partner", entry.partner_id) or ObjectRef(
                directory.unknown("Partner")
            )
        subject = _subject(entry, directory)
        created = entry.before is None and entry.after is not None
        changes = field_changes(entry.before, entry.after, directory)
        if created:  # the object's name is already in the row
            changes = [
                c
                for c in changes
                if not (c.label in CREATION_NAMED_BY and c.after == subject.label)
            ]
        rows.append(
            AuditRow(
                entry_id=entry.id,
                created_at=entry.created_at,
                actor=actor,
                action=entry.action,
                action_label=action_label(entry.action),
                kind_label=object_kind(entry.object_type).label,
                subject=subject,
                partner=partner,
                note=entry_note(entry.action, entry.summary),
                changes=changes,
                created=created,
            )
        )
    return rows


def present_entries(entries, principal) -> list[AuditRow]:
    """The page's entries as rows, with every name loaded in one query per kind of object.

    The rows are built twice: a first pass notes every object they mention, which are then
    loaded together, and the second pass names them.
    """
    collector = Collector(principal)
    _rows(entries, collector)
    directory = Directory(principal)
    directory.wanted = collector.wanted
    directory.load()
    return _rows(entries, directory)

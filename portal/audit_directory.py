"""Names and links for the objects audit entries mention, loaded once per page.

An audit entry records ids: its object's (`object_type`, `object_id`), its actor's, and those
in its changed fields (`partner_id`, `support_manager_id`, a product in an agreement's
minimums...). `Directory` loads every object a page of entries needs in one query per kind,
within what the reader may see (the tenant rule of `portal.access`), and answers with a name
and, where the reader's role may open it, a link.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import false, or_, select
from sqlalchemy.orm import selectinload

from portal.access import tenant_clause
from portal.extensions import db
from portal.navigation import can_use
from portal.roles import ROLE_LABELS

# --- What was changed: kinds of object ------------------------------------------------------


@dataclass(frozen=True)
class ObjectKind:
    label: str  # "Knowledge-base article": names the kind in the object filter
    noun: str  # "Article": starts a sentence ("Article archived")
    #: Entries about it can concern a partner, so partner admins may find them in their log.
    partner_related: bool


OBJECT_KINDS = {
    "Partner": ObjectKind("Partner", "Partner", True),
    "Agreement": ObjectKind("Agreement", "Agreement", True),
    "Customer": ObjectKind("Customer", "Customer", True),
    "User": ObjectKind("User account", "Account", True),
    "ApiToken": ObjectKind("API token", "API token", True),
    "DataExport": ObjectKind("Data export", "Data export", True),
    "Product": ObjectKind("Product", "Product", False),
    "Release": ObjectKind("Release", "Release", False),
    "Article": ObjectKind("Knowledge-base article", "Article", False),
}


def humanise(name: str) -> str:
    """`waiting_on_partner` -> 'Waiting on partner'; `FeeReport` -> 'Fee report'."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name or "").replace("_", " ").replace("-", " ")
    words = " ".join(words.split()).lower()
    return words[:1].upper() + words[1:]


def object_kind(object_type: str) -> ObjectKind:
    return OBJECT_KINDS.get(object_type) or ObjectKind(
        humanise(object_type), humanise(object_type), False
    )


# --- Names and links -------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectRef:
    label: str
    url: str | None = None
    detail: str = ""  # a second line: a user's role, a release's product...


def _mapped_class(object_type: str):
    """The model recorded under `object_type` (the class name), without importing its package."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == object_type:
            return mapper.class_
    return None


def _link(endpoint: str, **values) -> str | None:
    """A URL only when the reader's role may open the page (the view still checks scope)."""
    return url_for(endpoint, **values) if can_use(endpoint) else None


@dataclass(frozen=True)
class KindDisplay:
    """How one kind of object is named and linked, and what to load with it."""

    name: Callable
    links: Callable = lambda row: ()  # (endpoint, values) candidates, first usable wins
    detail: Callable = lambda row: ""
    options: Callable = lambda model: ()


def _user_links(user):
    yield "admin.edit_user", {"user_id": user.id}
    if user.partner_id is not None and user.role == "technician":
        yield "partners.technicians", {"partner_id": user.partner_id}


DISPLAYS = {
    "Partner": KindDisplay(
        name=lambda p: p.name,
        links=lambda p: [("partners.detail", {"partner_id": p.id})],
    ),
    "Agreement": KindDisplay(
        name=lambda a: f"Version {a.version}",
        links=lambda a: [
            ("partners.agreement", {"partner_id": a.partner_id, "agreement_id": a.id})
        ],
    ),
    "Customer": KindDisplay(
        name=lambda c: c.name,
        links=lambda c: [("partners.customers", {"partner_id": c.partner_id})],
    ),
    "User": KindDisplay(
        name=lambda u: u.name,
        links=_user_links,
        detail=lambda u: ROLE_LABELS.get(u.role, humanise(u.role)),
        options=lambda model: [selectinload(model.partner)],
    ),
    "ApiToken": KindDisplay(
        name=lambda t: f"“{t.name}” ({t.prefix}…)",
        detail=lambda t: f"of {t.user.name}",
        options=lambda model: [selectinload(model.user)],
    ),
    "DataExport": KindDisplay(
        name=lambda e: f"Export #{e.id}",
        links=lambda e: [("exports.index", {})],
    ),
    "Product": KindDisplay(
        name=lambda p: p.name,
        links=lambda p: [("admin.edit_product", {"product_id": p.id})],
    ),
    "Release": KindDisplay(
        name=lambda r: f"{r.product.name} {r.version}",
        links=lambda r: [("admin.edit_release", {"release_id": r.id})],
        options=lambda model: [selectinload(model.product)],
    ),
    "Article": KindDisplay(
        name=lambda a: a.title,
        links=lambda a: [("kb.article", {"slug": a.slug})],
    ),
}
#: What a kind without a display of its own is called by: its first attribute of these.
NAME_ATTRIBUTES = ("title", "name", "label", "email")


def _visible_clause(model, object_type: str, principal):
    """The rows of `model` whose names the reader may see.

    The tenant rule (portal.access) decides. Besides their own people, partner users see the
    names of vendor staff (who appear in their log as actors); tokens follow their owner; a
    model that declares no tenant rule is named to vendor staff only.
    """
    if principal.is_vendor:
        return tenant_clause(model, principal)
    if object_type == "User":
        return or_(tenant_clause(model, principal), model.partner_id.is_(None))
    if object_type == "ApiToken":
        owner = _mapped_class("User")
        return model.user_id.in_(select(owner.id).where(tenant_clause(owner, principal)))
    try:
        return tenant_clause(model, principal)
    except AttributeError:
        return false()


class Directory:
    """The names and links of the objects a page of entries mentions.

    `want()` every (type, id) first, then `load()` runs one query per kind; `ref()` answers
    from what was loaded. Rows the reader may not see are never loaded, so they cannot leak.
    """

    def __init__(self, principal):
        self.principal = principal
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.rows: dict[tuple[str, int], object] = {}

    def want(self, object_type: str, object_id) -> None:
        if isinstance(object_id, int) and not isinstance(object_id, bool):
            self.wanted[object_type].add(object_id)

    def load(self) -> None:
        for object_type, ids in sorted(self.wanted.items()):
            model = _mapped_class(object_type)
            if model is None or not ids:
                continue
            display = DISPLAYS.get(object_type, KindDisplay(name=None))
            stmt = (
                select(model)
                .where(
                    model.id.in_(sorted(ids)), _visible_clause(model, object_type, self.principal)
                )
                .options(*display.options(model))
            )
            for row in db.session.scalars(stmt):
                self.rows[(object_type, row.id)] = row

    def get(self, object_type: str, object_id):
        return self.rows.get((object_type, object_id))

    def ref(self, object_type: str, object_id) -> ObjectRef | None:
        """The loaded object as a name and link; None when it is gone or not visible."""
        row = self.get(object_type, object_id)
        if row is None:
            return None
        display = DISPLAYS.get(object_type)
        if display is None:
            label = next(
                (str(getattr(row, a)) for a in NAME_ATTRIBUTES if getattr(row, a, None)),
                object_kind(object_type).label,
            )
            return ObjectRef(label)
        url = next(
            (u for endpoint, values in display.links(row) if (u := _link(endpoint, **values))), None
        )
        return ObjectRef(display.name(row), url, display.detail(row))

    def unknown(self, object_type: str) -> str:
        """What a reference reads as when its object is gone or belongs to someone else."""
        if not self.principal.is_vendor:
            if object_type == "Partner":
                return "another partner"
            if object_type == "User":
                return "someone outside your organisation"
            return "not available"
        return f"{object_kind(object_type).noun.lower()} no longer on record"


class Collector(Directory):
    """A first pass that only notes which objects the page needs (see `present_entries`)."""

    def get(self, object_type: str, object_id):
        self.want(object_type, object_id)
        return None

    def ref(self, object_type: str, object_id) -> ObjectRef | None:
        self.want(object_type, object_id)
        return None

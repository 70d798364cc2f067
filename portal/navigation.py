"""The navigation bar, by role. Feature packages' entries are listed here by endpoint."""

from dataclasses import dataclass

from flask import current_app, request, url_for

from portal.roles import PARTNER_ADMIN, SUPPORT_MANAGER, TECHNICIAN, VENDOR_ADMIN, VENDOR_ENGINEER


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[str] | None  # None: everyone, signed in or not
    kwargs: tuple = ()
    #: Highlight the item on every page of its blueprint, not only on its own page.
    whole_section: bool = False

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **dict(self.kwargs))

    @property
    def is_current(self) -> bool:
        if request.endpoint == self.endpoint:
            return True
        return self.whole_section and request.blueprint == self.endpoint.split(".")[0]


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


VENDOR = _roles(VENDOR_ADMIN, SUPPORT_MANAGER, VENDOR_ENGINEER)

NAV_ITEMS = (
    # The partner-support manager's daily tool: every partner's figures and flags.
    NavItem(
        "Dashboard",
        "management.dashboard",
        _roles(SUPPORT_MANAGER, VENDOR_ADMIN),
        whole_section=True,
    ),
    NavItem("Partners", "partners.index", VENDOR, whole_section=True),
    NavItem("My partner", "partners.mine", _roles(PARTNER_ADMIN, TECHNICIAN)),
    # The partner admin's own review: its escalation figures, reasons, trends.
    NavItem("Our figures", "management.my_review", _roles(PARTNER_ADMIN)),
    # The vendor's queue; a partner's own escalations (technicians escalate from there).
    NavItem(
        "Escalations",
        "escalations.queue",
        VENDOR | _roles(PARTNER_ADMIN, TECHNICIAN),
        whole_section=True,
    ),
    NavItem("Technicians", "partners.my_technicians", _roles(PARTNER_ADMIN)),
    NavItem("Customers", "partners.my_customers", _roles(PARTNER_ADMIN)),
    NavItem("Agreement", "partners.my_agreement", _roles(PARTNER_ADMIN)),
    # The partner admin's matrix of their partner's certifications; a technician's own.
    NavItem("Certifications", "certification.my_partner_certifications", _roles(PARTNER_ADMIN)),
    NavItem("Certifications", "certification.my_certifications", _roles(TECHNICIAN)),
    # Training sessions: planned by the vendor admin, read by the other vendor roles.
    NavItem("Training", "certification.training_index", VENDOR | _roles(PARTNER_ADMIN, TECHNICIAN)),
    # Quizzes: those open to a technician; every quiz for the vendor admin who writes them.
    NavItem("Quizzes", "certification.quizzes", _roles(VENDOR_ADMIN, TECHNICIAN)),
    # Reproduction environments: the partner's labs; every partner's for vendor staff.
    NavItem(
        "Environments", "certification.environments", VENDOR | _roles(PARTNER_ADMIN, TECHNICIAN)
    ),
    NavItem("Products", "admin.products", _roles(VENDOR_ADMIN)),
    NavItem("Users", "admin.users", _roles(VENDOR_ADMIN)),
    NavItem("Tier discounts", "admin.tier_discounts_page", _roles(VENDOR_ADMIN)),
    NavItem("Knowledge base", "kb.index", None, whole_section=True),
    # Public: certified and premier partners, for customers choosing one.
    NavItem("Partner directory", "certification.directory", None),
    NavItem("Audit log", "audit.index", _roles(VENDOR_ADMIN, PARTNER_ADMIN)),
)


def navigation_for(principal) -> list[NavItem]:
    role = principal.role if principal.is_authenticated else None
    return [item for item in NAV_ITEMS if item.roles is None or role in item.roles]


def can_use(endpoint: str, principal=None) -> bool:
    """Whether the principal's role may call `endpoint`, as its access decorator declares.

    Templates use it (as `can(...)`) to show only the buttons and links that would work;
    the decorator on the view still decides. Tenant scope is checked by the view.
    """
    from portal.access import current_principal, declared_access

    principal = principal if principal is not None else current_principal()
    access = declared_access(current_app, endpoint)
    if access == "public":
        return True
    return bool(access) and principal.is_authenticated and principal.role in access

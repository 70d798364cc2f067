"""Who may do what, and who may see which rows: the one place for both.

Every view declares its access with `@public` or `@roles_required(...)` (a test
fails for a view that declares nothing; tests/test_route_access.py holds the
expected answers in a table of its own, so widening a role shows). Tenant-owned rows are fetched
only through `scoped()` / `get_visible_or_404()`, which filter by the principal's
partner, so a partner user asking for another partner's object gets a 404.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy import Select, false, select, true

from portal.extensions import db, login_manager
from portal.ids import as_id
from portal.roles import ALL_ROLES, VENDOR_ROLES


def current_principal():
    """The user acting in this request: the API token's user, or the session's user."""
    principal = g.get("principal")
    if principal is None:
        principal = current_user._get_current_object()
    # Outside a request (CLI, worker) nobody is signed in.
    return principal if principal is not None else Anonymous()


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _unauthenticated():
    if is_api_request():
        abort(401)
    return login_manager.unauthorized()


def roles_required(*roles: str) -> Callable:
    """Allow only signed-in principals holding one of `roles` (403 for others)."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            principal = current_principal()
            if not principal.is_authenticated:
                return _unauthenticated()
            if principal.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def signed_in(view):
    """Any signed-in principal, whatever its role."""
    return roles_required(*ALL_ROLES)(view)


def vendor_only(view):
    return roles_required(*VENDOR_ROLES)(view)


def public(view):
    """Mark a view as open to anonymous visitors (an explicit choice, checked by tests)."""
    view.allowed_roles = None
    view.is_public = True
    return view


# Endpoints served by extensions, open to everyone: static files and the OpenAPI document.
EXTENSION_PUBLIC_ENDPOINTS = frozenset({"static", "bootstrap.static", "api-docs.openapi_json"})


def declared_access(app, endpoint: str):
    """ "public", the frozenset of allowed roles, or None when a view declares nothing."""
    if endpoint in EXTENSION_PUBLIC_ENDPOINTS:
        return "public"
    view = app.view_functions[endpoint]
    if getattr(view, "is_public", False):
        return "public"
    return getattr(view, "allowed_roles", None)


# --- Tenant scoping -----------------------------------------------------------------


def tenant_clause(model, principal):
    """The WHERE clause limiting `model` to what `principal` may see.

    A model declares either `tenant_column` (the column holding its partner id) or a
    classmethod `tenant_clause(partner_id)`; models without either are not tenant-owned
    and must say so with `tenant_free = True`.
    """
    if getattr(model, "tenant_free", False):
        return true()
    if not principal.is_authenticated:
        return false()
    if principal.is_vendor:
        return true()
    if hasattr(model, "tenant_clause"):
        return model.tenant_clause(principal.partner_id)
    column = getattr(model, model.tenant_column)
    return column == principal.partner_id


def scoped(model, principal=None) -> Select:
    """`select(model)` limited to the rows the principal may see."""
    principal = principal if principal is not None else current_principal()
    return select(model).where(tenant_clause(model, principal))


def get_visible_or_404(model, object_id, principal=None):
    """Load one row within the principal's scope; absent and not-visible look the same."""
    object_id = as_id(object_id)
    if object_id is None:
        abort(404)
    row = db.session.scalar(scoped(model, principal).where(model.id == object_id))
    if row is None:
        abort(404)
    return row


def same_partner_or_vendor(partner_id: int | None, principal=None) -> bool:
    principal = principal if principal is not None else current_principal()
    return principal.is_vendor or (partner_id is not None and principal.partner_id == partner_id)


class Anonymous(AnonymousUserMixin):
    role = None
    partner_id = None
    is_vendor = False
    is_partner_user = False

"""Creating users and changing their role and status."""

from dataclasses import dataclass

from portal.audit import record_change, snapshot
from portal.auth.sessions import end_all_sessions
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner, User
from portal.models.users import USER_STATUSES, normalise_email
from portal.roles import ALL_ROLES, PARTNER_ROLES, TECHNICIAN
from portal.signals import user_status_changed

AUDITED_FIELDS = ("email", "name", "role", "partner_id", "status")


@dataclass
class UserInput:
    email: str
    name: str
    role: str
    partner_id: int | None = None


def _validate(data: UserInput, *, existing: User | None = None) -> None:
    fields = {}
    email = normalise_email(data.email)
    if not email or "@" not in email:
        fields["email"] = "A valid e-mail address is required."
    else:
        other = User.by_email(email)
        if other is not None and other is not existing:
            fields["email"] = "Another account already uses this e-mail address."
    if not (data.name or "").strip():
        fields["name"] = "A name is required."
    if not data.role:
        fields["role"] = "Choose a role."
    elif data.role not in ALL_ROLES:
        fields["role"] = "Unknown role."
    elif data.role in PARTNER_ROLES:
        if data.partner_id is None or db.session.get(Partner, data.partner_id) is None:
            fields["partner_id"] = "Partner roles belong to a partner."
    elif data.partner_id is not None:
        fields["partner_id"] = "Vendor roles do not belong to a partner."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)


def create_user(
    data: UserInput, *, password: str | None = None, actor=None, invite: bool = False
) -> User:
    """Create an account. Without a password, the user is invited to choose one by e-mail."""
    _validate(data)
    user = User(
        email=normalise_email(data.email),
        name=data.name.strip(),
        role=data.role,
        partner_id=data.partner_id if data.role in PARTNER_ROLES else None,
        status="active",
    )
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_change(
        "user.created",
        user,
        partner_id=user.partner_id,
        actor=actor,
        after=snapshot(user, AUDITED_FIELDS),
        summary=f"Account {user.email} created",
    )
    if invite or not password:
        from portal.auth.services import send_invitation

        send_invitation(user)
    return user


def update_user(user: User, data: UserInput, *, actor=None) -> User:
    """Change name, e-mail, role or partner (vendor admin)."""
    _validate(data, existing=user)
    before = snapshot(user, AUDITED_FIELDS)
    user.email = normalise_email(data.email)
    user.name = data.name.strip()
    user.role = data.role
    user.partner_id = data.partner_id if data.role in PARTNER_ROLES else None
    after = snapshot(user, AUDITED_FIELDS)
    if after != before:
        action = "user.role_changed" if before["role"] != after["role"] else "user.updated"
        record_change(
            action,
            user,
            partner_id=user.partner_id or before["partner_id"],
            actor=actor,
            before=before,
            after=after,
            summary=f"{user.email}: {before['role']} → {after['role']}"
            if action == "user.role_changed"
            else f"{user.email} updated",
        )
    return user


def set_status(user: User, status: str, *, actor=None) -> User:
    """Mark a user active, reassigned or left. Inactive users cannot sign in or use tokens.

    A technician who leaves or is reassigned keeps their history but no longer counts
    as certified for the partner (certification reads the status).
    """
    if status not in USER_STATUSES:
        raise DomainError("validation_error", "Unknown status.", fields={"status": "Unknown."})
    if actor is not None and getattr(actor, "id", None) == user.id and status != "active":
        raise DomainError(
            "cannot_deactivate_self", "You cannot deactivate your own account.", status=409
        )
    if user.status == status:
        return user
    before = snapshot(user, ("status",))
    user.status = status
    if not user.is_active:
        end_all_sessions(user)
    record_change(
        f"user.{status}",
        user,
        partner_id=user.partner_id,
        actor=actor,
        before=before,
        after=snapshot(user, ("status",)),
        summary=f"{user.email} marked {status}",
    )
    user_status_changed.send(user, before=before["status"], actor=actor)
    return user


def add_technician(partner: Partner, email: str, name: str, *, actor=None) -> User:
    """A partner admin adds a technician to its own partner; the technician is invited."""
    return create_user(
        UserInput(email=email, name=name, role=TECHNICIAN, partner_id=partner.id),
        actor=actor,
        invite=True,
    )

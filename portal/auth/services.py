"""Signing in, passwords and personal API tokens."""

import secrets
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from portal.audit import record_change
from portal.auth.sessions import end_all_sessions
from portal.errors import DomainError
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models.base import utcnow
from portal.models.users import ApiToken, User


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _spend_hash_work(password: str) -> None:
    """Check `password` against a decoy hash: a miss costs what a wrong password costs."""
    check_password_hash(
        _decoy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure).

    Unknown, inactive and password-less accounts cost the same hash work as a wrong
    password, so the answer's timing does not tell which accounts exist.
    """
    user = User.by_email(email)
    if user is None or not user.is_active or not user.password_hash:
        _spend_hash_work(password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the signed-in user's password; every other sign-in of theirs ends."""
    if not user.check_password(current):
        raise DomainError(
            "wrong_password",
            "The current password is not correct.",
            fields={"current_password": "Not correct."},
        )
    user.set_password(new)
    end_all_sessions(user, keep=user.session_key)
    record_change(
        "user.password_changed",
        user,
        partner_id=user.partner_id,
        actor=user,
        summary=f"{user.email} changed their password",
    )


def sign_out_everywhere(user: User) -> None:
    ended = end_all_sessions(user)
    record_change(
        "user.signed_out_everywhere",
        user,
        partner_id=user.partner_id,
        actor=user,
        summary=f"{user.email} signed out on every device ({ended} sign-ins ended)",
    )


# --- Password links (invitation and reset) -------------------------------------------
# The signed payload includes a fragment of the current password hash, so a link
# stops working once it has been used (the hash changes).


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-link")


def password_link_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "h": (user.password_hash or "")[-16:]})


def user_for_password_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_LINK_MAX_AGE_S"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or (user.password_hash or "")[-16:] != data.get("h"):
        return None
    return user


def _password_link(user: User) -> str:
    # Built from the URL map, not the request: a CLI command or the worker may invite too.
    path = current_app.url_map.bind("").build(
        "auth.set_password", {"token": password_link_token(user)}
    )
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def send_invitation(user: User) -> None:
    enqueue_mail(
        user.email,
        "Your Partner Support Portal account",
        "mail/invitation.txt",
        user=user,
        link=_password_link(user),
    )


def send_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; say nothing either way."""
    user = User.by_email(email)
    if user is not None and user.is_active:
        enqueue_mail(
            user.email,
            "Reset your Partner Support Portal password",
            "mail/password_reset.txt",
            user=user,
            link=_password_link(user),
        )


def set_password_from_link(user: User, new: str) -> None:
    """A password chosen from an e-mailed link ends every sign-in (it may follow a theft)."""
    user.set_password(new)
    end_all_sessions(user)
    record_change(
        "user.password_set",
        user,
        partner_id=user.partner_id,
        actor=user,
        summary=f"{user.email} set their password from an e-mailed link",
    )


# --- API tokens ---------------------------------------------------------------------


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    token, raw = ApiToken.issue(user, name.strip() or "API token")
    record_change(
        "token.created",
        token,
        partner_id=user.partner_id,
        actor=user,
        after={"name": token.name, "prefix": token.prefix},
    )
    return token, raw


def revoke_token(user: User, token: ApiToken) -> None:
    if token.user_id != user.id:
        raise DomainError("not_found", "No such token.", status=404)
    if token.is_revoked:
        return
    token.revoke()
    record_change(
        "token.revoked",
        token,
        partner_id=user.partner_id,
        actor=user,
        before={"revoked": False},
        after={"revoked": True, "prefix": token.prefix},
    )

"""Sign-ins that the server can end: the session key Flask-Login keeps in its cookies.

Flask-Login stores `user.get_id()` in the session cookie and, with "remember me", in
a long-lived cookie. Here that id is a session key, `<user id>.<random token>`, backed
by a `LoginSession` row. A new key is drawn at every sign-in (so remember-me cookies
rotate), and deleting rows ends sign-ins wherever their cookies were copied.
"""

import secrets

from flask import current_app
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models.base import utcnow
from portal.models.sessions import LoginSession
from portal.models.users import User, hash_token

_MAX_ID = 2**31 - 1


def start_session(user: User, *, remember: bool) -> str:
    """Record a new sign-in for `user` and return its session key (set on the user too)."""
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["LOGIN_SESSION_LIFETIME"]
    now = utcnow()
    # Each sign-in clears the user's expired rows, so the table stays small.
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=hash_token(raw),
            remember=remember,
            expires_at=now + lifetime,
        )
    )
    user.session_key = f"{user.id}.{raw}"
    return user.session_key


def _parse(key: str | None) -> tuple[int, str] | None:
    user_id, _, raw = (key or "").partition(".")
    if not (user_id.isascii() and user_id.isdigit()) or not raw or int(user_id) > _MAX_ID:
        return None
    return int(user_id), raw


def user_for_session_key(key: str | None) -> User | None:
    """The active user whose unexpired sign-in `key` names, or None (Flask-Login's loader)."""
    parsed = _parse(key)
    if parsed is None:
        return None
    user_id, raw = parsed
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            LoginSession.token_hash == hash_token(raw),
            LoginSession.expires_at > utcnow(),
        )
    )
    if user is None or not user.is_active:
        return None
    user.session_key = key
    return user


def end_session(key: str | None) -> None:
    """End one sign-in (signing out): its cookies stop working, copies included."""
    parsed = _parse(key)
    if parsed is not None:
        user_id, raw = parsed
        db.session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user_id, LoginSession.token_hash == hash_token(raw)
            )
        )


def end_all_sessions(user: User, *, keep: str | None = None) -> int:
    """End every sign-in of `user` except the one `keep` names; the number ended."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    parsed = _parse(keep)
    if parsed is not None:
        stmt = stmt.where(LoginSession.token_hash != hash_token(parsed[1]))
    return db.session.execute(stmt).rowcount


def active_session_count(user: User) -> int:
    """How many unexpired sign-ins `user` has (shown on the profile)."""
    return db.session.scalar(
        select(func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.expires_at > utcnow())
    )

"""Users of the portal and their personal API tokens."""

import hashlib
import secrets
import unicodedata
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check, utcnow
from portal.roles import ALL_ROLES, PARTNER_ROLES, ROLE_LABELS, VENDOR_ROLES

USER_STATUSES = ("active", "reassigned", "left")


def normalise_email(email: str) -> str:
    """The one spelling of an address: NFKC-normalised, trimmed and case-folded.

    So `Admin@Acme.example` and a fullwidth `ａｄｍｉｎ@acme.example` are one account.
    """
    return unicodedata.normalize("NFKC", email or "").strip().casefold()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", ALL_ROLES),
        enum_check("status", USER_STATUSES),
        # Partner roles belong to exactly one partner; vendor roles to none.
        CheckConstraint(
            "(role IN ('partner_admin', 'technician')) = (partner_id IS NOT NULL)",
            name="partner_matches_role",
        ),
        Index("ix_users_partner_role", "partner_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored normalised (`normalise_email`), so uniqueness ignores case and width.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partner = relationship("Partner", foreign_keys=[partner_id], back_populates="users")

    tenant_column = "partner_id"

    #: The sign-in this user object was loaded for or signed in with (see portal.auth.sessions);
    #: Flask-Login keeps it in its cookies. Not a column.
    session_key = None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    def get_id(self) -> str:
        """Flask-Login's id: the session key of this sign-in, never the bare user id."""
        if self.session_key is None:
            raise RuntimeError("start a login session (portal.auth.sessions) before login_user")
        return self.session_key

    # Flask-Login: only active accounts may sign in or use tokens.
    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def is_partner_user(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.email == normalise_email(email)))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(db.Model):
    """A personal bearer token. Only its SHA-256 is stored; the raw value is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

    TOKEN_PREFIX = "psp_"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        """Create a token for `user`; returns the row and the raw token (shown once)."""
        raw = cls.TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:10])
        db.session.add(token)
        return token, raw

    @classmethod
    def find_active(cls, raw: str) -> "ApiToken | None":
        return db.session.scalar(
            select(cls).where(cls.token_hash == hash_token(raw), cls.revoked_at.is_(None))
        )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        self.revoked_at = utcnow()


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))

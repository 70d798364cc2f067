"""Sign-ins: one row per browser session, so that any of them can be ended from the server."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column


class LoginSession(db.Model):
    """One sign-in of one user, carried by the session cookie and the remember-me cookie.

    Both cookies hold `<user id>.<raw token>`; only the token's SHA-256 is stored here.
    Deleting the row ends the sign-in at once, copies of its cookies included: signing
    out, changing the password, "sign out everywhere" and deactivation all do that.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

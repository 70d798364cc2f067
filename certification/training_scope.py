"""Which training sessions concern whom.

Vendor roles see every session. A partner's users see the sessions of the products its
agreement in force lists: those it must support (a minimum of certified technicians
above 0) first, then those listed with a minimum of 0, which it may support but need
not. A partner without an agreement in force has no products, hence no sessions.
(Sessions are the vendor's, not a partner's: a partner user opening a session of
another product by its link may read it, but cannot sign up for it.)
"""

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from certification.models import TrainingAttendee, TrainingSession
from portal.access import get_visible_or_404, scoped
from portal.extensions import db
from portal.models import Agreement, ProductMinimum, Release, User

WHEN = ("upcoming", "past")


def load_session(session_id: int) -> TrainingSession:
    """The session with what its pages show (sessions are the vendor's: none is hidden)."""
    return get_visible_or_404(TrainingSession, session_id)


def load_attendee(session: TrainingSession, attendee_id: int, principal=None) -> TrainingAttendee:
    """An attendee of `session` the principal may see (another partner's: 404)."""
    attendee = db.session.scalar(
        scoped(TrainingAttendee, principal).where(
            TrainingAttendee.id == attendee_id, TrainingAttendee.session_id == session.id
        )
    )
    if attendee is None:
        abort(404)
    return attendee


def load_user(user_id: int, principal=None) -> User:
    """A user the principal may see (a partner's users: their own partner's), else 404."""
    user = db.session.scalar(scoped(User, principal).where(User.id == user_id))
    if user is None:
        abort(404)
    return user


def agreement_products(partner_id: int | None) -> dict[int, int]:
    """{product id: minimum certified technicians} of the partner's agreement in force."""
    if partner_id is None:
        return {}
    rows = db.session.execute(
        select(ProductMinimum.product_id, ProductMinimum.minimum)
        .join(Agreement, Agreement.id == ProductMinimum.agreement_id)
        .where(Agreement.partner_id == partner_id, Agreement.status == "in_force")
    ).all()
    return {product_id: minimum for product_id, minimum in rows}


def sessions_for(
    principal,
    *,
    when: str,
    now: datetime,
    product_id: int | None = None,
    products: dict[int, int] | None = None,
) -> Select:
    """The sessions `principal` is shown, `when`: 'upcoming' (those under way too) soonest
    first, 'past' latest first. For a partner's users, `products` are its agreement's
    (`agreement_products`, read here when not given); their required products come first.
    """
    stmt = (
        select(TrainingSession)
        .join(Release, Release.id == TrainingSession.release_id)
        .options(
            selectinload(TrainingSession.release).selectinload(Release.product),
            selectinload(TrainingSession.quizzes),
        )
    )
    if product_id is not None:
        stmt = stmt.where(Release.product_id == product_id)
    if when == "past":
        stmt = stmt.where(TrainingSession.ends_at <= now)
        chronological = (TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    else:
        stmt = stmt.where(TrainingSession.ends_at > now)
        chronological = (TrainingSession.starts_at.asc(), TrainingSession.id.asc())
    order = []
    if not principal.is_vendor:
        if products is None:
            products = agreement_products(principal.partner_id)
        stmt = stmt.where(Release.product_id.in_(list(products)))
        required = [product for product, minimum in products.items() if minimum > 0]
        if required:
            order.append(case((Release.product_id.in_(required), 0), else_=1))
    return stmt.order_by(*order, *chronological)


@dataclass(frozen=True)
class SessionRow:
    """A session as a list shows it: how many attend (of the principal's partner, for
    partner users) and whether the principal is one of them."""

    session: TrainingSession
    attendees: int
    signed_up: bool
    required: bool


def session_rows(principal, sessions: list[TrainingSession], products) -> list[SessionRow]:
    """Rows for `sessions` in two queries, however many sessions and attendees."""
    ids = [session.id for session in sessions]
    counts, mine = {}, set()
    if ids:
        counts = dict(
            db.session.execute(
                scoped(TrainingAttendee, principal)
                .with_only_columns(TrainingAttendee.session_id, func.count())
                .where(TrainingAttendee.session_id.in_(ids))
                .group_by(TrainingAttendee.session_id)
            ).all()
        )
        if principal.is_partner_user:
            mine = set(
                db.session.scalars(
                    select(TrainingAttendee.session_id).where(
                        TrainingAttendee.session_id.in_(ids),
                        TrainingAttendee.user_id == principal.id,
                    )
                )
            )
    return [
        SessionRow(
            session=session,
            attendees=counts.get(session.id, 0),
            signed_up=session.id in mine,
            required=products is None or products.get(session.release.product_id, 0) > 0,
        )
        for session in sessions
    ]


def attendees_of(session: TrainingSession, principal) -> Select:
    """The session's attendees `principal` may see (a partner's users: their own partner's)."""
    return (
        scoped(TrainingAttendee, principal)
        .join(User, User.id == TrainingAttendee.user_id)
        .where(TrainingAttendee.session_id == session.id)
        .options(
            selectinload(TrainingAttendee.user).selectinload(User.partner),
        )
        .order_by(func.lower(User.name), TrainingAttendee.id)
    )

"""Knowledge capture: a resolved escalation starts a draft KB article, linked both ways.

The link (`KnowledgeCapture`) belongs to the escalation's package: the knowledge base
knows nothing of escalations, and its article page asks `origin_of(article)` (a template
global) where an article came from. An escalation starts at most one article, and an
article comes from at most one escalation (unique indexes, so two clicks at once make
one article).

A rejection as `documented_in_kb` names its article (`Escalation.rejection_article`);
`rejection_article_shown` says whether the submitter had been shown it while writing.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from escalations.models import Comment, Escalation, EscalationEvent, _through_escalation
from escalations.scope import visible_escalations
from knowledge_base.models import Article
from knowledge_base.services import EDITOR_ROLES, ArticleInput, create_article, visible_articles
from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import created_at_column
from portal.models.users import User

#: The states whose outcome is known, so worth writing down.
CAPTURABLE = ("resolved", "closed")
#: The kind and audience a captured article starts with (its editor may change both).
ARTICLE_KIND = "known_issue"
ARTICLE_VISIBILITY = "partners"


class KnowledgeCapture(db.Model):
    """The KB article started from an escalation."""

    __tablename__ = "escalation_kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), unique=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), unique=True
    )
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    escalation = relationship(Escalation)
    article = relationship(Article)
    started_by = relationship(User)

    @classmethod
    def tenant_clause(cls, partner_id):
        return _through_escalation(cls.escalation_id, partner_id)


def may_start_article(escalation: Escalation, principal) -> bool:
    """Whether `principal` may start a KB article from `escalation` now."""
    return (
        principal.is_authenticated
        and principal.role in EDITOR_ROLES
        and escalation.status in CAPTURABLE
    )


def captured_article(escalation: Escalation, principal) -> Article | None:
    """The article started from `escalation`, if `principal` may read it."""
    return db.session.scalar(
        visible_articles(principal)
        .join(KnowledgeCapture, KnowledgeCapture.article_id == Article.id)
        .where(KnowledgeCapture.escalation_id == escalation.id)
    )


def origin_of(article: Article, principal=None) -> Escalation | None:
    """The escalation `article` was started from, if the reader may see that escalation."""
    from portal.access import current_principal

    principal = principal if principal is not None else current_principal()
    if not principal.is_authenticated:
        return None
    return db.session.scalar(
        visible_escalations(principal)
        .join(KnowledgeCapture, KnowledgeCapture.escalation_id == Escalation.id)
        .where(KnowledgeCapture.article_id == article.id)
    )


def _resolution(escalation: Escalation) -> str:
    """How it was resolved, in partner-visible words: the resolve note, else the last
    partner-visible vendor comment (internal notes never leave the vendor)."""
    note = db.session.scalar(
        select(EscalationEvent.note)
        .where(
            EscalationEvent.escalation_id == escalation.id,
            EscalationEvent.action == "resolve",
            EscalationEvent.note != "",
        )
        .order_by(EscalationEvent.at.desc(), EscalationEvent.id.desc())
        .limit(1)
    )
    if note:
        return note
    body = db.session.scalar(
        select(Comment.body)
        .join(User, User.id == Comment.author_id)
        .where(
            Comment.escalation_id == escalation.id,
            Comment.internal.is_(False),
            User.partner_id.is_(None),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(1)
    )
    return body or ""


def _section(heading: str, text: str) -> str:
    return f"## {heading}\n\n{(text or '').strip() or '_To be written._'}\n"


def article_draft(escalation: Escalation) -> ArticleInput:
    """The draft's content, prefilled from the escalation (never its partner or customer)."""
    release = escalation.release
    applies = f"{release.product.name} {release.version}" if release is not None else "—"
    body = "\n".join(
        (
            f"Applies to: {applies}\n",
            _section("Symptoms", escalation.actual_result),
            _section("Steps to reproduce", escalation.steps_to_reproduce),
            _section("Expected result", escalation.expected_result),
            _section("Resolution", _resolution(escalation)),
        )
    )
    return ArticleInput(
        title=escalation.title,
        body=body,
        kind=ARTICLE_KIND,
        visibility=ARTICLE_VISIBILITY,
        product_id=escalation.product_id,
        release_ids=[escalation.release_id] if escalation.release_id else [],
        note=f"Started from escalation #{escalation.id}",
    )


def start_article(escalation: Escalation, actor) -> Article:
    """A draft KB article prefilled from `escalation`, linked to it both ways.

    :raises DomainError: `forbidden` (403) for a role that does not write articles,
        `invalid_transition` (409) before the escalation is resolved, `already_captured`
        (409) when an article was already started from it.
    """
    if actor.role not in EDITOR_ROLES:
        raise DomainError("forbidden", "Only the KB's writers start articles.", status=403)
    if escalation.status not in CAPTURABLE:
        raise DomainError(
            "invalid_transition",
            "An article is started from a resolved escalation, once its outcome is known.",
            status=409,
        )
    existing = db.session.scalar(
        select(Article)
        .join(KnowledgeCapture, KnowledgeCapture.article_id == Article.id)
        .where(KnowledgeCapture.escalation_id == escalation.id)
    )
    if existing is not None:
        raise DomainError(
            "already_captured",
            f"An article was already started from this escalation: “{existing.title}”.",
            status=409,
        )
    article = create_article(article_draft(escalation), actor=actor)
    capture = KnowledgeCapture(
        escalation_id=escalation.id, article_id=article.id, started_by_id=actor.id
    )
    db.session.add(capture)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(
            "already_captured",
            "Someone started an article from this escalation at the same moment.",
            status=409,
        ) from None
    record_change(
        "escalation.kb_article_started",
        escalation,
        partner_id=escalation.partner_id,
        actor=actor,
        after={"article": article.slug},
        summary=f"Escalation #{escalation.id}: KB article draft “{article.title}” started",
    )
    return article


def rejection_article_shown(escalation: Escalation, deflections: list[dict]) -> dict | None:
    """For a rejection naming an article: whether the submitter was shown it while writing.

    `deflections` is the escalation's deflection log (`records.deflection_log`). Returns
    None when the rejection names no article, else `{"shown", "opened", "reviewed"}`.
    """
    article = escalation.rejection_article
    if article is None:
        return None
    entry = next((d for d in deflections if d["slug"] == article.slug), None)
    return {
        "shown": entry is not None and entry["suggested"],
        "opened": entry is not None and entry["opened"],
        "reviewed": entry is not None and entry["reviewed"],
    }

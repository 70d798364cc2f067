"""The knowledge base's items on the home page of the roles that write articles.

Registered with `portal.next_steps` when the package loads (see `__init__`).
"""

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from knowledge_base.models import Article
from knowledge_base.services import EDITOR_ROLES
from portal import next_steps
from portal.extensions import db
from portal.next_steps import NextStep, StepItem
from portal.roles import VENDOR_ENGINEER


def _first_and_total(stmt) -> tuple[list[Article], int]:
    rows = db.session.scalars(
        stmt.options(selectinload(Article.product), selectinload(Article.author)).limit(
            next_steps.ITEMS_SHOWN
        )
    ).all()
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None))
    return rows, total


def _note(article: Article, *parts: str) -> str:
    product = article.product.name if article.product else "Every product"
    return " · ".join((product, *parts, f"updated {article.updated_at:%Y-%m-%d}"))


def articles_to_review(principal) -> list[NextStep]:
    """Articles a new major release left applying only to older releases."""
    rows, total = _first_and_total(
        select(Article)
        .where(Article.needs_review.is_(True))
        .order_by(Article.updated_at.desc(), Article.id.desc())
    )
    return [
        NextStep(
            key="kb_articles_to_review",
            title="Knowledge-base articles flagged for review",
            hint="A new major release is out: check that each still applies, update it, then "
            "mark it reviewed.",
            action="Review",
            items=tuple(
                StepItem(a.title, url_for("kb.article", slug=a.slug), _note(a)) for a in rows
            ),
            total=total,
            more_url=url_for("kb.index", review="1"),
        )
    ]


def drafts(principal) -> list[NextStep]:
    """Unpublished articles: the engineers' all of them (own first), others their own."""
    stmt = select(Article).where(Article.status == "draft")
    if principal.role != VENDOR_ENGINEER:
        stmt = stmt.where(Article.author_id == principal.id)
    rows, total = _first_and_total(
        stmt.order_by(
            Article.author_id != principal.id, Article.updated_at.desc(), Article.id.desc()
        )
    )
    return [
        NextStep(
            key="kb_drafts",
            title="Drafts to finish and publish",
            hint="Readers see an article only once it is published.",
            action="Edit",
            items=tuple(
                StepItem(
                    a.title,
                    url_for("kb.edit", slug=a.slug),
                    _note(a, f"by {a.author.name}" if a.author else "author unknown"),
                )
                for a in rows
            ),
            urgency="when_convenient",
            total=total,
            more_url=url_for("kb.index", status="draft"),
        )
    ]


def register() -> None:
    next_steps.register_providers(articles_to_review, drafts, roles=EDITOR_ROLES)

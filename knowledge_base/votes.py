"""“Was this helpful”: one vote per signed-in reader and article; counts for vendor roles."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from knowledge_base.models import Article, Vote
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow


def vote(article: Article, reader, helpful: bool) -> Vote:
    """Record the reader's answer; a reader has one vote per article (a new one replaces it)."""
    if not reader.is_authenticated:
        raise DomainError("sign_in_required", "Sign in to rate articles.", status=401)
    existing = db.session.scalar(
        select(Vote).where(Vote.article_id == article.id, Vote.user_id == reader.id)
    )
    if existing is None:
        existing = Vote(article_id=article.id, user_id=reader.id, helpful=helpful)
        try:
            with db.session.begin_nested():
                db.session.add(existing)
        except IntegrityError:  # the same reader's concurrent vote won the race
            existing = db.session.scalar(
                select(Vote).where(Vote.article_id == article.id, Vote.user_id == reader.id)
            )
    existing.helpful = helpful
    existing.updated_at = utcnow()
    db.session.flush()
    return existing


@dataclass(frozen=True)
class VoteCounts:
    helpful: int
    not_helpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


def vote_counts(article: Article) -> VoteCounts:
    yes, no = db.session.execute(
        select(
            func.count().filter(Vote.helpful.is_(True)),
            func.count().filter(Vote.helpful.is_(False)),
        ).where(Vote.article_id == article.id)
    ).one()
    return VoteCounts(helpful=yes, not_helpful=no)


def vote_of(article: Article, reader) -> bool | None:
    if not reader.is_authenticated:
        return None
    return db.session.scalar(
        select(Vote.helpful).where(Vote.article_id == article.id, Vote.user_id == reader.id)
    )


def counts_for(article: Article, reader) -> VoteCounts | None:
    """The counts, for vendor staff only: partners and the public see no tallies."""
    if not (reader.is_authenticated and reader.is_vendor):
        return None
    return vote_counts(article)

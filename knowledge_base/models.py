"""Knowledge-base articles, their revisions, tags, affected releases and helpful votes.

The full-text search machinery (FTS5 tables on SQLite; a generated `tsvector` column
with a GIN index and a vocabulary table on PostgreSQL; triggers on both) is created by
the migrations, not declared here: it differs per database. `UNMANAGED_SEARCH_OBJECTS`
tells Alembic's autogenerate (migrations/env.py) to leave those objects alone.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check, utcnow
from portal.models.users import User

KINDS = ("how_to", "known_issue", "release_note", "training_material")
KIND_LABELS = {
    "how_to": "How-to",
    "known_issue": "Known issue",
    "release_note": "Release note",
    "training_material": "Training material",
}
VISIBILITIES = ("public", "partners", "internal")
VISIBILITY_LABELS = {
    "public": "Public",
    "partners": "Partners",
    "internal": "Internal",
}
STATUSES = ("draft", "published")
#: Who an article is for, as the search vocabulary and the tag counts group articles:
#: a published article's visibility, or "draft" (editors only) for any draft.
AUDIENCES = ("public", "partners", "internal", "draft")

# Database objects the search machinery adds outside the models (fnmatch patterns:
# tables by name, columns as "table.column", indexes by name).
UNMANAGED_SEARCH_OBJECTS = (
    "kb_articles_fts",
    "kb_articles_fts_*",
    "kb_articles_words",
    "kb_articles_words_*",
    "kb_articles.search_vector",
    "kb_articles.title_vector",
    "ix_kb_articles_search_vector",
    "kb_search_words",
)
db.metadata.info.setdefault("unmanaged_objects", set()).update(UNMANAGED_SEARCH_OBJECTS)


class Article(db.Model):
    """One knowledge-base article. Its `slug` never changes, so links to it stay valid."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        enum_check("kind", KINDS),
        enum_check("visibility", VISIBILITIES),
        enum_check("status", STATUSES),
        Index("ix_kb_articles_status_visibility", "status", "visibility"),
        Index("ix_kb_articles_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The Markdown source.
    body: Mapped[str] = mapped_column(Text)
    #: The rendered body as plain text: what search indexes and snippets quote.
    body_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    kind: Mapped[str] = mapped_column(String(20), index=True)
    visibility: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    #: The tags joined by spaces, for the search index (the tag rows are the truth).
    tags_text: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Set when a new major release leaves this article applying only to older releases.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: The number of the latest revision; editors send it back to detect concurrent saves.
    revision_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product = relationship("Product")
    author = relationship("User", foreign_keys=[author_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    tag_rows = relationship(
        "ArticleTag", cascade="all, delete-orphan", order_by="ArticleTag.tag", lazy="selectin"
    )
    releases = relationship(
        "Release", secondary="kb_article_releases", order_by="Release.released_on", lazy="selectin"
    )
    revisions = relationship(
        "Revision",
        back_populates="article",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Revision.number.desc()",
    )

    @classmethod
    def tenant_clause(cls, partner_id: int):
        """Never wider than `visible_articles`: `scoped(Article)` is safe, but use that helper."""
        return and_(cls.status == "published", cls.visibility.in_(("public", "partners")))

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def visibility_label(self) -> str:
        return VISIBILITY_LABELS[self.visibility]

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def audience(self) -> str:
        return audience_of(self.status, self.visibility)


def audience_of(status: str, visibility: str) -> str:
    """The audience of an article (see AUDIENCES); the migrations' triggers say the same."""
    return visibility if status == "published" else "draft"


class ArticleTag(db.Model):
    __tablename__ = "kb_article_tags"
    __table_args__ = (Index("ix_kb_article_tags_tag", "tag"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    tenant_free = True  # a tag says nothing without its article, which is filtered


class TagCount(db.Model):
    """How many articles of one audience carry a tag: the KB index's topics, read without
    counting every article. Kept by database triggers on `kb_article_tags` and
    `kb_articles` (migration 0004); `search.reindex()` rebuilds it."""

    __tablename__ = "kb_tag_counts"
    __table_args__ = (enum_check("audience", AUDIENCES),)

    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    audience: Mapped[str] = mapped_column(String(10), primary_key=True)
    articles: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    tenant_free = True  # counts per audience; read only for the reader's own audiences


class ArticleRelease(db.Model):
    """A release an article applies to (none listed: every release of the product)."""

    __tablename__ = "kb_article_releases"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), primary_key=True, index=True)

    tenant_free = True


class Revision(db.Model):
    """The article as one save left it: kept for ever, with its author and time."""

    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_kb_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    release_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: What this save changed, in the author's words (optional).
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    article = relationship("Article", back_populates="revisions")
    author = relationship("User")
    product = relationship("Product")

    @classmethod
    def tenant_clause(cls, partner_id: int):
        return cls.article_id.in_(select(Article.id).where(Article.tenant_clause(partner_id)))


class Vote(db.Model):
    """One reader's "was this helpful" answer; a second vote changes the first."""

    __tablename__ = "kb_votes"
    __table_args__ = (UniqueConstraint("article_id", "user_id", name="uq_kb_votes_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @classmethod
    def tenant_clause(cls, partner_id: int):
        return cls.user_id.in_(select(User.id).where(User.partner_id == partner_id))

"""The knowledge base's rules: who sees which article, saving with revisions, review.

`visible_articles(principal)` is the one place that decides what a reader may see;
pages, search, suggestions, related articles and the API all go through it.
Services flush and audit; the caller commits once.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import and_, exists, false, func, select, true
from sqlalchemy.exc import IntegrityError

from knowledge_base.models import (
    AUDIENCES,
    KINDS,
    VISIBILITIES,
    Article,
    ArticleRelease,
    ArticleTag,
    Revision,
)
from knowledge_base.rendering import plain_text, render_markdown
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Product, Release
from portal.models.base import utcnow
from portal.roles import VENDOR_ADMIN, VENDOR_ENGINEER

#: The roles that write articles; they also see drafts.
EDITOR_ROLES = (VENDOR_ADMIN, VENDOR_ENGINEER)

TITLE_MIN, TITLE_MAX = 3, 200
BODY_MAX = 100_000
NOTE_MAX = 200
TAG_MAX_LENGTH, TAGS_MAX = 40, 12
_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")
AUDITED_FIELDS = (
    "title",
    "kind",
    "visibility",
    "status",
    "product_id",
    "tags",
    "release_versions",
    "revision_number",
    "needs_review",
)


# --- Who sees what -------------------------------------------------------------------


def is_editor(principal) -> bool:
    return bool(principal.is_authenticated and principal.role in EDITOR_ROLES)


def visibility_clause(principal):
    """The WHERE clause limiting articles to what `principal` may read.

    Anonymous readers: published public articles. Partner users: published public
    and partner articles. Vendor roles: every published article; the roles that write
    articles also see drafts.
    """
    published = Article.status == "published"
    if not principal.is_authenticated:
        return and_(published, Article.visibility == "public")
    if principal.is_vendor:
        return true() if is_editor(principal) else published
    if principal.is_partner_user:
        return and_(published, Article.visibility.in_(("public", "partners")))
    return false()


def readable_audiences(principal) -> tuple[str, ...]:
    """The audiences (models.AUDIENCES) of the articles `principal` may read: the same
    rule as `visibility_clause`, for what is kept per audience rather than per article
    (the search vocabulary, the tag counts)."""
    if not principal.is_authenticated:
        return ("public",)
    if principal.is_vendor:
        return AUDIENCES if is_editor(principal) else ("public", "partners", "internal")
    if principal.is_partner_user:
        return ("public", "partners")
    return ()


def visible_articles(principal):
    """`select(Article)` limited to the articles `principal` may read."""
    return select(Article).where(visibility_clause(principal))


def get_visible_article_or_404(slug: str, principal) -> Article:
    """Load an article by slug; one the reader may not see is as absent as a wrong slug."""
    article = db.session.scalar(visible_articles(principal).where(Article.slug == slug))
    if article is None:
        abort(404)
    return article


# --- Saving ----------------------------------------------------------------------------


@dataclass
class ArticleInput:
    title: str
    body: str
    kind: str
    visibility: str
    product_id: int | None = None
    release_ids: list[int] = field(default_factory=list)
    tags: list[str] | str = field(default_factory=list)
    note: str = ""


def normalise_tags(raw: list[str] | str) -> list[str]:
    """ "Single sign-on, LDAP" -> ["ldap", "single-sign-on"] (sorted, without duplicates)."""
    items = raw.split(",") if isinstance(raw, str) else raw
    tags = {"-".join(item.strip().lower().split()) for item in items}
    return sorted(tag for tag in tags if tag)


def _validate(data: ArticleInput) -> tuple[dict, list[str], list[Release]]:
    fields: dict[str, str] = {}
    title = (data.title or "").strip()
    if len(title) < TITLE_MIN:
        fields["title"] = f"A title of at least {TITLE_MIN} characters is required."
    elif len(title) > TITLE_MAX:
        fields["title"] = f"At most {TITLE_MAX} characters."
    body = data.body or ""
    if not body.strip():
        fields["body"] = "The article needs some text."
    elif len(body) > BODY_MAX:
        fields["body"] = f"At most {BODY_MAX:,} characters."
    if data.kind not in KINDS:
        fields["kind"] = "Choose a kind of article."
    if data.visibility not in VISIBILITIES:
        fields["visibility"] = "Choose who may read the article."
    if len(data.note or "") > NOTE_MAX:
        fields["note"] = f"At most {NOTE_MAX} characters."
    tags = normalise_tags(data.tags)
    bad = [t for t in tags if len(t) > TAG_MAX_LENGTH or not _TAG_RE.match(t)]
    if bad:
        fields["tags"] = (
            f"Tags are words of letters, digits, '.', '+' or '-' (at most "
            f"{TAG_MAX_LENGTH} characters): {', '.join(bad)[:80]}."
        )
    elif len(tags) > TAGS_MAX:
        fields["tags"] = f"At most {TAGS_MAX} tags."
    product = db.session.get(Product, data.product_id) if data.product_id else None
    if data.product_id and product is None:
        fields["product_id"] = "Unknown product."
    release_ids = sorted(set(data.release_ids or []))
    releases = []
    if release_ids:
        releases = db.session.scalars(select(Release).where(Release.id.in_(release_ids))).all()
        if product is None:
            fields["release_ids"] = "Choose the product before its releases."
        elif len(releases) != len(release_ids) or any(r.product_id != product.id for r in releases):
            fields["release_ids"] = f"Choose releases of {product.name} only."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)
    return (
        {"title": title, "body": body, "product_id": product.id if product else None},
        tags,
        releases,
    )


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = "-".join(words)[:100].strip("-")
    return slug or "article"


def _unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(
        db.session.scalars(
            select(Article.slug).where((Article.slug == base) | Article.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _audit_state(article: Article) -> dict:
    state = snapshot(article, [f for f in AUDITED_FIELDS if f not in ("tags", "release_versions")])
    state["tags"] = article.tags
    state["release_versions"] = [r.version for r in article.releases]
    return state


def _content_state(article: Article) -> tuple:
    return (
        article.title,
        article.body,
        article.kind,
        article.visibility,
        article.status,
        article.product_id,
        tuple(article.tags),
        tuple(r.id for r in article.releases),
    )


def _add_revision(article: Article, actor, note: str) -> Revision:
    article.revision_number += 1
    revision = Revision(
        article=article,
        number=article.revision_number,
        title=article.title,
        body=article.body,
        kind=article.kind,
        visibility=article.visibility,
        status=article.status,
        product_id=article.product_id,
        tags=list(article.tags),
        release_ids=[r.id for r in article.releases],
        note=(note or "").strip()[:NOTE_MAX],
        author_id=actor.id if getattr(actor, "is_authenticated", False) else None,
    )
    db.session.add(revision)
    return revision


def _touch(article: Article, actor) -> None:
    article.updated_at = utcnow()
    article.updated_by_id = actor.id if getattr(actor, "is_authenticated", False) else None


def _set_tags(article: Article, tags: list[str]) -> None:
    current = {row.tag: row for row in article.tag_rows}
    for tag in set(current) - set(tags):
        article.tag_rows.remove(current[tag])
    for tag in sorted(set(tags) - set(current)):
        article.tag_rows.append(ArticleTag(tag=tag))
    article.tag_rows.sort(key=lambda row: row.tag)
    article.tags_text = " ".join(tags)


def _set_body(article: Article, body: str) -> None:
    article.body = body
    article.body_text = plain_text(render_markdown(body))


def _check_not_stale(article: Article, expected_revision: int | None) -> None:
    if expected_revision is not None and expected_revision != article.revision_number:
        raise DomainError(
            "edit_conflict",
            "Someone else saved this article while you were editing it. Your text is "
            "below; compare it with the latest revision before saving again.",
            status=409,
        )


def create_article(data: ArticleInput, *, actor, publish: bool = False) -> Article:
    """A new article (a draft unless `publish`), with its first revision."""
    values, tags, releases = _validate(data)
    article = Article(
        slug=_unique_slug(values["title"]),
        title=values["title"],
        kind=data.kind,
        visibility=data.visibility,
        product_id=values["product_id"],
        status="published" if publish else "draft",
        author_id=actor.id if getattr(actor, "is_authenticated", False) else None,
        revision_number=0,
        needs_review=False,
    )
    _set_body(article, values["body"])
    _set_tags(article, tags)
    article.releases = releases
    if publish:
        article.published_at = utcnow()
    _touch(article, actor)
    db.session.add(article)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(
            "slug_taken",
            "Another article was saved with the same title at the same moment; please save again.",
            status=409,
        ) from None
    _add_revision(article, actor, data.note or "Created")
    record_change(
        "kb_article.created",
        article,
        partner_id=None,
        actor=actor,
        after=_audit_state(article),
        summary=f"Article “{article.title}”",
    )
    return article


def update_article(
    article: Article,
    data: ArticleInput,
    *,
    actor,
    expected_revision: int | None = None,
    publish: bool = False,
) -> bool:
    """Apply an edit; returns False (and records nothing) when nothing changed."""
    _check_not_stale(article, expected_revision)
    values, tags, releases = _validate(data)
    before_state, before = _content_state(article), _audit_state(article)
    article.title, article.kind, article.visibility = values["title"], data.kind, data.visibility
    article.product_id = values["product_id"]
    if article.body != values["body"]:
        _set_body(article, values["body"])
    _set_tags(article, tags)
    article.releases = releases
    if publish and article.status != "published":
        article.status, article.published_at = "published", utcnow()
    if _content_state(article) == before_state:
        return False
    _touch(article, actor)
    _add_revision(article, actor, data.note)
    record_change(
        "kb_article.updated",
        article,
        partner_id=None,
        actor=actor,
        before=before,
        after=_audit_state(article),
        summary=f"Article “{article.title}”",
    )
    return True


def _set_status(article: Article, status: str, *, actor, note: str) -> None:
    if article.status == status:
        raise DomainError("invalid_state", f"The article is already {status}.", status=409)
    before = _audit_state(article)
    article.status = status
    if status == "published":
        article.published_at = utcnow()
    _touch(article, actor)
    _add_revision(article, actor, note)
    record_change(
        f"kb_article.{'published' if status == 'published' else 'unpublished'}",
        article,
        partner_id=None,
        actor=actor,
        before=before,
        after=_audit_state(article),
        summary=f"Article “{article.title}”",
    )


def publish_article(article: Article, *, actor) -> None:
    _set_status(article, "published", actor=actor, note="Published")


def unpublish_article(article: Article, *, actor) -> None:
    _set_status(article, "draft", actor=actor, note="Withdrawn to draft")


# --- Revisions ---------------------------------------------------------------------------


def revisions_of(article: Article) -> list[Revision]:
    return db.session.scalars(
        select(Revision).where(Revision.article_id == article.id).order_by(Revision.number.desc())
    ).all()


def get_revision_or_404(article: Article, number: int) -> Revision:
    revision = db.session.scalar(
        select(Revision).where(Revision.article_id == article.id, Revision.number == number)
    )
    if revision is None:
        abort(404)
    return revision


def restore_revision(
    article: Article, revision: Revision, *, actor, expected_revision: int | None = None
) -> Revision:
    """Bring back an earlier revision's content as a new revision.

    Title, text, kind, product, releases and tags come back; who may read the article
    (visibility) and whether it is published stay as they are now, so a restore never
    exposes or hides an article by surprise.
    """
    if revision.article_id != article.id:
        abort(404)
    if revision.number == article.revision_number:
        raise DomainError("invalid_state", "This is already the current revision.", status=409)
    _check_not_stale(article, expected_revision)
    existing_release_ids = set(
        db.session.scalars(select(Release.id).where(Release.id.in_(revision.release_ids or [])))
    )
    data = ArticleInput(
        title=revision.title,
        body=revision.body,
        kind=revision.kind,
        visibility=article.visibility,
        product_id=revision.product_id if revision.product_id else None,
        release_ids=[i for i in revision.release_ids or [] if i in existing_release_ids],
        tags=list(revision.tags or []),
        note=f"Restored revision {revision.number}",
    )
    if not update_article(article, data, actor=actor):
        raise DomainError(
            "invalid_state", "The article already reads like this revision.", status=409
        )
    return get_revision_or_404(article, article.revision_number)


# --- Review after a major release ---------------------------------------------------------


def flag_articles_for_major_release(release: Release, *, actor=None) -> list[Article]:
    """Flag for review the product's articles that apply only to releases older than
    `release` (a new major release). Articles listing no release apply to all of them
    and are left alone. Returns the articles newly flagged."""
    if not release.major:
        return []
    lists_releases = exists().where(ArticleRelease.article_id == Article.id)
    applies_to_current = (
        exists()
        .where(ArticleRelease.article_id == Article.id)
        .where(ArticleRelease.release_id == Release.id)
        .where((Release.released_on >= release.released_on) | (Release.id == release.id))
    )
    articles = db.session.scalars(
        select(Article)
        .where(Article.product_id == release.product_id, Article.needs_review.is_(False))
        .where(lists_releases, ~applies_to_current)
        .order_by(Article.id)
    ).all()
    for article in articles:
        before = _audit_state(article)
        article.needs_review = True
        record_change(
            "kb_article.flagged_for_review",
            article,
            partner_id=None,
            actor=actor,
            before=before,
            after=_audit_state(article),
            summary=f"Article “{article.title}” predates {release.label}",
        )
    return articles


def mark_reviewed(article: Article, *, actor) -> None:
    if not article.needs_review:
        raise DomainError("invalid_state", "The article is not flagged for review.", status=409)
    before = _audit_state(article)
    article.needs_review = False
    record_change(
        "kb_article.reviewed",
        article,
        partner_id=None,
        actor=actor,
        before=before,
        after=_audit_state(article),
        summary=f"Article “{article.title}” reviewed",
    )


# --- Related articles ----------------------------------------------------------------------


def related_articles(article: Article, principal, limit: int = 5) -> list[Article]:
    """Visible articles of the same product, most shared tags first."""
    tags = article.tags
    shared = func.count(ArticleTag.tag)
    stmt = (
        visible_articles(principal)
        .outerjoin(
            ArticleTag, and_(ArticleTag.article_id == Article.id, ArticleTag.tag.in_(tags or [""]))
        )
        .where(Article.id != article.id)
        .group_by(Article.id)
        .order_by(shared.desc(), Article.updated_at.desc(), Article.id)
        .limit(limit)
    )
    if article.product_id is not None:
        stmt = stmt.where(Article.product_id == article.product_id)
    elif tags:
        stmt = stmt.having(shared > 0)
    else:
        return []
    return db.session.scalars(stmt).all()

"""The knowledge-base articles handed out at a training session.

Only articles every attendee can open make sense: published, for partners or the
public, of the kinds written for training (training material, release notes), about
the session's product or about every product. An article that later stops being
readable stays listed for the vendor, flagged, and disappears from partners' pages
(they read materials through the knowledge base's own visibility rule).
"""

from sqlalchemy import case, func, select

from certification.models import TrainingMaterial, TrainingSession
from knowledge_base.models import KIND_LABELS, Article, ArticleRelease
from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db

#: What may be handed out, and to whom it must be readable: every attendee.
MATERIAL_KINDS = ("training_material", "release_note")
MATERIAL_VISIBILITIES = ("public", "partners")


def material_problem(article: Article, session: TrainingSession) -> str | None:
    """Why `article` cannot be handed out at `session`; None when it can."""
    if article.kind not in MATERIAL_KINDS:
        return (
            f"A {KIND_LABELS[article.kind].lower()} cannot be handed out: choose training "
            "material or release notes."
        )
    if article.status != "published":
        return "It is a draft: attendees could not open it. Publish it first."
    if article.visibility not in MATERIAL_VISIBILITIES:
        return "It is internal: attendees could not open it."
    product_id = session.release.product_id
    if article.product_id is not None and article.product_id != product_id:
        return (
            f"It is about {article.product.name}, and the session about "
            f"{session.release.product.name}."
        )
    return None


def material_candidates(session: TrainingSession, search: str = ""):
    """`select(Article)`: the articles that may be added to `session`, best first.

    The session's product's articles (and those for every product), readable by every
    attendee, not yet added; those naming the session's release first, then by title.
    """
    added = select(TrainingMaterial.article_id).where(TrainingMaterial.session_id == session.id)
    stmt = select(Article).where(
        Article.kind.in_(MATERIAL_KINDS),
        Article.status == "published",
        Article.visibility.in_(MATERIAL_VISIBILITIES),
        (Article.product_id == session.release.product_id) | Article.product_id.is_(None),
        Article.id.not_in(added),
    )
    search = " ".join(search.split())
    if search:
        stmt = stmt.where(
            Article.title.icontains(search, autoescape=True)
            | Article.tags_text.icontains(search, autoescape=True)
        )
    names_release = (
        select(ArticleRelease.article_id)
        .where(
            ArticleRelease.article_id == Article.id,
            ArticleRelease.release_id == session.release_id,
        )
        .exists()
    )
    return stmt.order_by(case((names_release, 0), else_=1), func.lower(Article.title), Article.id)


def add_material(session: TrainingSession, article_id: int | None, *, actor) -> Article:
    """Hand out an article at the session.

    :raises DomainError: the article is unknown, already handed out, or not one every
        attendee may read (`material_problem`).
    """
    article = db.session.get(Article, article_id) if article_id else None
    if article is None:
        raise DomainError("not_found", "That article does not exist.", status=404)
    if any(m.article_id == article.id for m in session.materials):
        raise DomainError(
            "already_added", f"“{article.title}” is already a material of this session.", status=409
        )
    problem = material_problem(article, session)
    if problem:
        raise DomainError(
            "not_a_material", f"“{article.title}” cannot be added. {problem}", fields={}
        )
    position = max((m.position for m in session.materials), default=0) + 1
    session.materials.append(TrainingMaterial(article_id=article.id, position=position))
    record_change(
        "training_session.material_added",
        session,
        partner_id=None,
        actor=actor,
        after={"article_id": article.id, "title": article.title},
        summary=f"“{article.title}” handed out at “{session.title}”",
    )
    return article


def remove_material(session: TrainingSession, article_id: int | None, *, actor) -> None:
    material = next((m for m in session.materials if m.article_id == article_id), None)
    if material is None:
        raise DomainError(
            "not_found", "That article is not a material of this session.", status=404
        )
    title = material.article.title
    session.materials.remove(material)
    record_change(
        "training_session.material_removed",
        session,
        partner_id=None,
        actor=actor,
        before={"article_id": article_id, "title": title},
        summary=f"“{title}” no longer handed out at “{session.title}”",
    )

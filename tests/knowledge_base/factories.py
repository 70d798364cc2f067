"""Articles for tests, made through the services (so revisions and the index are real)."""

from itertools import count

from knowledge_base.models import Article
from knowledge_base.services import ArticleInput, create_article
from portal.extensions import db

_seq = count(1)


def make_article(
    author,
    *,
    title: str | None = None,
    body: str = "Some useful text.",
    kind: str = "how_to",
    visibility: str = "public",
    publish: bool = True,
    product=None,
    releases=(),
    tags=(),
    commit: bool = True,
) -> Article:
    """A saved article; `releases` are Release objects of `product`."""
    article = create_article(
        ArticleInput(
            title=title or f"Article number {next(_seq)}",
            body=body,
            kind=kind,
            visibility=visibility,
            product_id=product.id if product is not None else None,
            release_ids=[r.id for r in releases],
            tags=list(tags),
        ),
        actor=author,
        publish=publish,
    )
    if commit:
        db.session.commit()
    return article

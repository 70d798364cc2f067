"""The knowledge-base index as a compact list: its sortable columns and its helpful counts.

The index shows articles as cards (title, snippet, tags) or, for scanning many, as a
table with one row per article. Either can be sorted: by relevance (with a query) or by
date updated, title, kind or product; vendor staff, who see the helpful tallies, also by
helpfulness. Like ranking, sorting covers the first RESULTS_MAX matches (the most
recently updated), so that its cost does not grow with the knowledge base.
"""

from dataclasses import dataclass

from sqlalchemy import Select, func, literal_column, select

from knowledge_base.models import Article, Vote
from portal.extensions import db
from portal.models import Product
from portal.sorting import SortColumn, Sorting, SortOptions

VIEWS = ("cards", "list")
RELEVANCE, UPDATED = "relevance", "updated"
#: The words a results summary uses for each order.
ORDER_WORDS = {
    (RELEVANCE, "desc"): "best first",
    (RELEVANCE, "asc"): "best first",
    (UPDATED, "desc"): "most recently updated first",
    (UPDATED, "asc"): "least recently updated first",
    ("title", "asc"): "by title, A to Z",
    ("title", "desc"): "by title, Z to A",
    ("kind", "asc"): "by kind",
    ("kind", "desc"): "by kind, in reverse",
    ("product", "asc"): "by product, A to Z",
    ("product", "desc"): "by product, Z to A",
    ("helpful", "desc"): "most helpful first",
    ("helpful", "asc"): "least helpful first",
}


def helpful_votes():
    """The article's "helpful" votes: a correlated count, for at most RESULTS_MAX rows."""
    return (
        select(func.count())
        .where(Vote.article_id == Article.id, Vote.helpful.is_(True))
        .correlate(Article)
        .scalar_subquery()
    )


def _columns(*, ranked: bool, tallies: bool) -> list[SortColumn]:
    columns = [
        # Relevance is the search's own order (knowledge_base.search), not an expression.
        *([SortColumn(RELEVANCE, literal_column("0"), default_dir="desc")] if ranked else []),
        SortColumn(UPDATED, Article.updated_at, default_dir="desc"),
        SortColumn("title", func.lower(Article.title)),
        # The stored kinds sort as their labels do (How-to, Known issue, Release note, ...).
        SortColumn("kind", Article.kind, Article.updated_at.desc()),
        # Articles for every product (no product) come last, whichever the direction.
        SortColumn("product", func.lower(Product.name), Article.updated_at.desc()),
    ]
    if tallies:
        columns.append(
            SortColumn("helpful", helpful_votes(), Article.updated_at.desc(), default_dir="desc")
        )
    return columns


_OPTIONS = {
    (ranked, tallies): SortOptions(
        *_columns(ranked=ranked, tallies=tallies),
        default=RELEVANCE if ranked else UPDATED,
        tiebreak=Article.id,
    )
    for ranked in (True, False)
    for tallies in (True, False)
}


def shows_tallies(reader) -> bool:
    """Helpful counts are for vendor staff (knowledge_base.votes.counts_for says the same)."""
    return bool(reader.is_authenticated and reader.is_vendor)


def sort_options(reader, *, ranked: bool) -> SortOptions:
    return _OPTIONS[(ranked, shows_tallies(reader))]


def is_search_order(sorting: Sorting | None) -> bool:
    """Whether `sorting` is the search's own order: relevance, or newest first when browsing."""
    if sorting is None:
        return True
    return sorting.key == RELEVANCE or (sorting.key, sorting.direction) == (UPDATED, "desc")


def in_order(candidates, sorting: Sorting, *columns) -> Select:
    """`candidates` (a subquery with an `id` column, at most RESULTS_MAX + 1 rows) in the
    order of `sorting`: their ids, the given columns and how many there are."""
    return (
        select(candidates.c.id, *columns, func.count().over().label("matched"))
        .select_from(candidates)
        .join(Article, Article.id == candidates.c.id)
        .outerjoin(Product, Product.id == Article.product_id)
        .order_by(*sorting.clauses)
    )


@dataclass(frozen=True)
class Tally:
    helpful: int
    total: int


def tallies_for(article_ids: list[int]) -> dict[int, Tally]:
    """The helpful votes of a page of articles, in one query."""
    if not article_ids:
        return {}
    rows = db.session.execute(
        select(Vote.article_id, func.count().filter(Vote.helpful.is_(True)), func.count())
        .where(Vote.article_id.in_(article_ids))
        .group_by(Vote.article_id)
    ).all()
    return {article_id: Tally(helpful, total) for article_id, helpful, total in rows}

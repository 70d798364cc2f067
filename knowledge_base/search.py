"""Ranked full-text search over the articles a reader may see, on SQLite and PostgreSQL.

- SQLite: an FTS5 table `kb_articles_fts(title, tags_text, body_text)` (rowid = article
  id) with the `porter unicode61` tokenizer, kept in sync with `kb_articles` by triggers;
  ranked by `bm25` with the title weighted above tags and tags above the body;
  snippets by `snippet()`.
- PostgreSQL: a stored generated `tsvector` column `kb_articles.search_vector` (title
  weight A, tags B, body C, punctuation read as spaces like SQLite does) with a GIN
  index, and a small stored `title_vector` to put title matches first; ranked by
  `ts_rank`, snippets by `ts_headline`.

The reader's words are read by `knowledge_base.query` (web-search syntax) and written out
for each database, so the same data gives the same results on both. A search forgives:
numbers and units match joined or apart, the last word also matches as the start of a
longer word, all words are preferred but any word is accepted when all of them find
nothing (`SearchResults.matched`), and when nothing matches at all the reader is offered
the query spelt with words of their own articles (`SearchResults.did_you_mean`).

The cost of a search depends on how many articles match, up to a bound, not on the
size of the knowledge base: matching starts from the full-text index (the newest
matches first), each match is checked for visibility by its primary key, and at most
RESULTS_MAX matches are counted and ranked ("1,000+"). Snippets are made for the page
shown only. Every query goes through `visibility_clause`, or the reader's audiences for
what is kept per audience, so counts, snippets, completions and corrections only ever
come from articles the reader may see.
"""

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import func, select, text
from sqlalchemy.orm import defer, joinedload, lazyload, selectinload

from knowledge_base import listing, spelling
from knowledge_base.models import KINDS, STATUSES, Article, ArticleTag, TagCount
from knowledge_base.query import (
    QUERY_MAX,
    STOP_WORDS,
    ParsedQuery,
    parse_query,
    words_of,
)
from knowledge_base.rendering import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    excerpt,
    highlighted,
    plain_text,
    render_markdown,
)
from knowledge_base.search_backends import SearchBackend, backend_for_session, dialect
from knowledge_base.services import is_editor, readable_audiences, visibility_clause
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Product
from portal.sorting import Sorting

#: At most this many matches are counted and ranked; more show as "1,000+".
RESULTS_MAX = 1000
SUGGEST_TEXT_MAX = 1000
SUGGEST_WORDS_MAX = 30
#: Results lists matched every word ("all") or, none having them all, some ("any").
MATCHED_ALL, MATCHED_ANY = "all", "any"
#: Characters of an article's text loaded to make its excerpt when browsing.
OPENING_CHARS = 400


def suggestion_words(text_: str) -> list[str]:
    words = [w for w in words_of((text_ or "")[:SUGGEST_TEXT_MAX]) if w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:SUGGEST_WORDS_MAX]


# --- Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    product: str | None = None  # product slug
    kind: str | None = None
    tag: str | None = None
    status: str | None = None  # editors only: "draft" or "published"
    needs_review: bool = False  # editors only

    def validate(self) -> None:
        fields = {}
        if self.kind and self.kind not in KINDS:
            fields["kind"] = f"One of {', '.join(KINDS)}."
        if self.status and self.status not in STATUSES:
            fields["status"] = f"One of {', '.join(STATUSES)}."
        if fields:
            raise DomainError("invalid_query", "Invalid search filters.", status=400, fields=fields)


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: Markup
    #: The title, with the words that matched marked.
    title: Markup
    score: float | None = None


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit]
    #: How many articles match, counted up to RESULTS_MAX (see `more`).
    total: int
    page: int
    per_page: int
    #: More than `total` articles match.
    more: bool = False
    #: MATCHED_ALL: the hits have every word; MATCHED_ANY: none had all, these have some.
    matched: str = MATCHED_ALL
    #: When nothing matched: the query spelt with words of the reader's articles.
    did_you_mean: spelling.Correction | None = None

    @property
    def ranked(self) -> bool:
        return bool(self.query.strip())

    @property
    def total_label(self) -> str:
        """ "37", or "1,000+" when there are more than can be counted."""
        return f"{self.total:,}{'+' if self.more else ''}"


def _filter_clauses(filters: SearchFilters, reader) -> list:
    clauses = []
    if filters.product:
        clauses.append(
            Article.product_id
            == select(Product.id).where(Product.slug == filters.product).scalar_subquery()
        )
    if filters.kind:
        clauses.append(Article.kind == filters.kind)
    if filters.tag:
        tag = "-".join(filters.tag.strip().lower().split())
        # A list computed once from the tag index, not a probe per article.
        clauses.append(Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag == tag)))
    if is_editor(reader):
        if filters.status:
            clauses.append(Article.status == filters.status)
        if filters.needs_review:
            clauses.append(Article.needs_review.is_(True))
    return clauses


def _backend() -> SearchBackend:
    return backend_for_session()


def _dialect() -> str:
    return dialect()


def _marked_title(title: str, marked: str | None) -> Markup:
    """The title with its matches marked, unless the database changed more than marks
    (PostgreSQL's headline drops tag-like words such as "<b>")."""
    if marked and marked.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "") == title:
        return highlighted(marked)
    return Markup.escape(title)


def _with_completions(parsed: ParsedQuery, reader) -> ParsedQuery:
    """The last word, if unfinished, completed by words of the reader's articles."""
    last = parsed.last_term
    if not (last and last.prefix):
        return parsed
    completions = spelling.completions(last.words[-1], reader)
    if completions is None:
        return parsed.with_last_word(finished=True)
    return parsed.with_last_word(finished=False, completions=completions)


def _listing_options(entity) -> tuple:
    """Load what a list of results shows, in as few queries as it takes: not the text
    (the snippet or opening comes with the row), nor the tag rows (lists read the tags
    from `tags_text`)."""
    # Releases by their own query: joined in, SQLite would build the whole
    # article-release join for every page.
    return (
        joinedload(entity.product),
        selectinload(entity.releases),
        lazyload(entity.tag_rows),
        defer(entity.body),
        defer(entity.body_text),
    )


def _count(backend: SearchBackend, parsed: ParsedQuery, visible: list) -> int:
    matches, _, _ = backend.candidates(parsed, visible, RESULTS_MAX + 1)
    return db.session.scalar(select(func.count()).select_from(matches))


def _ranked_page(
    backend: SearchBackend,
    parsed: ParsedQuery,
    visible: list,
    *,
    limit: int,
    offset: int = 0,
    sorting: Sorting | None = None,
) -> tuple[list[SearchHit], int]:
    """One page of hits, best first (or in the order of `sorting`), and how many matched
    (up to RESULTS_MAX + 1)."""
    matches, title_rank, score_order = backend.candidates(parsed, visible, RESULTS_MAX + 1)
    if listing.is_search_order(sorting):
        rank = title_rank.label("title_rank")
        ordered = select(
            matches.c.id, matches.c.score, rank, func.count().over().label("matched")
        ).order_by(rank, score_order, matches.c.id.desc())
    else:
        ordered = listing.in_order(matches, sorting, matches.c.score)
    page = db.session.execute(ordered.limit(limit).offset(offset)).all()
    if not page:
        return [], (_count(backend, parsed, visible) if offset else 0)
    scores = {row.id: float(row.score) for row in page}
    rows = backend.page_rows(parsed, list(scores)).options(*_listing_options(Article))
    loaded = {row.Article.id: row for row in db.session.execute(rows)}
    hits = [
        SearchHit(
            article=loaded[i].Article,
            snippet=highlighted(loaded[i].snippet or ""),
            title=_marked_title(loaded[i].Article.title, loaded[i].marked_title),
            score=scores[i],
        )
        for i in scores
        if i in loaded
    ]
    return hits, page[0].matched


def _page_limit(per_page: int, offset: int) -> int:
    """Pages stop with the RESULTS_MAX-th result: the last one counted and ranked."""
    return min(per_page, max(RESULTS_MAX - offset, 0))


def search_articles(
    query: str,
    reader,
    *,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 20,
    sorting: Sorting | None = None,
) -> SearchResults:
    """One page of the articles `reader` may see that match `query`, best first.

    Articles with every word if there are any, else those with some of the words; when
    none has any, `did_you_mean` may offer a spelling. Without a query, the articles
    matching the filters, most recently updated first. Another order (`sorting`, from
    `listing.sort_options`) sorts the same matches, the RESULTS_MAX first of them.
    """
    filters = filters or SearchFilters()
    filters.validate()
    query = " ".join((query or "").split())[:QUERY_MAX]
    page, per_page = max(page, 1), max(min(per_page, 200), 1)
    offset = (page - 1) * per_page
    clauses = _filter_clauses(filters, reader)
    if not query:
        return _browse(reader, clauses, page, per_page, by_tag=bool(filters.tag), sorting=sorting)
    parsed = parse_query(query, prefix_last=True)
    results = SearchResults(query=query, hits=[], total=0, page=page, per_page=per_page)
    if parsed.is_empty:
        return results
    backend, visible = _backend(), [visibility_clause(reader), *clauses]
    parsed = _with_completions(parsed, reader)
    limit = _page_limit(per_page, offset)
    hits, matched = _ranked_page(
        backend, parsed, visible, limit=limit, offset=offset, sorting=sorting
    )
    if not matched and parsed.has_several_words:
        results.matched = MATCHED_ANY
        hits, matched = _ranked_page(
            backend, parsed.any_word(), visible, limit=limit, offset=offset, sorting=sorting
        )
    results.hits, results.total = hits, min(matched, RESULTS_MAX)
    results.more = matched > RESULTS_MAX
    if not matched:
        results.matched = MATCHED_ALL
    if results.matched == MATCHED_ANY or not matched:
        results.did_you_mean = _did_you_mean(
            backend, query, parsed, reader, visible, every_word=bool(matched)
        )
    return results


def _did_you_mean(
    backend: SearchBackend,
    query: str,
    parsed: ParsedQuery,
    reader,
    visible: list,
    *,
    every_word: bool,
) -> spelling.Correction | None:
    """The query with misspelt words corrected, if it finds articles: with `every_word`,
    articles with all its words (what the reader's query could not find)."""
    correction = spelling.correction_for(query, parsed, reader)
    if correction is None:
        return None
    corrected = _with_completions(parse_query(correction.query, prefix_last=True), reader)
    if not every_word:
        corrected = corrected.any_word()
    if corrected.is_empty or not _count(backend, corrected, visible):
        return None
    return correction


def _browse(
    reader, clauses, page: int, per_page: int, *, by_tag: bool, sorting: Sorting | None = None
) -> SearchResults:
    visible = [visibility_clause(reader), *clauses]
    capped = select(Article.id).where(*visible).limit(RESULTS_MAX + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped))
    newest = _backend().newest(visible, by_tag=by_tag)
    entity = newest.column_descriptions[0]["entity"]
    newest = newest.order_by(entity.updated_at.desc(), entity.id.desc())
    limit, offset = _page_limit(per_page, (page - 1) * per_page), (page - 1) * per_page
    if listing.is_search_order(sorting):
        rows = db.session.execute(
            newest.add_columns(func.substr(entity.body_text, 1, OPENING_CHARS).label("opening"))
            .options(*_listing_options(entity))
            .limit(limit)
            .offset(offset)
        ).all()
    else:
        rows = _sorted_rows(newest, entity, sorting, limit=limit, offset=offset)
    hits = [
        SearchHit(
            article=article,
            snippet=Markup.escape(excerpt(opening)),
            title=Markup.escape(article.title),
        )
        for article, opening in rows
    ]
    return SearchResults(
        query="",
        hits=hits,
        total=min(total, RESULTS_MAX),
        page=page,
        per_page=per_page,
        more=total > RESULTS_MAX,
    )


def _sorted_rows(newest, entity, sorting: Sorting, *, limit: int, offset: int) -> list:
    """A page of (article, opening) in the order of `sorting`, among the RESULTS_MAX most
    recently updated of the articles `newest` lists."""
    candidates = newest.with_only_columns(entity.id.label("id")).limit(RESULTS_MAX).subquery()
    ids = [
        row.id
        for row in db.session.execute(
            listing.in_order(candidates, sorting).limit(limit).offset(offset)
        )
    ]
    if not ids:
        return []
    opening = func.substr(Article.body_text, 1, OPENING_CHARS).label("opening")
    loaded = {
        article.id: (article, text_)
        for article, text_ in db.session.execute(
            select(Article, opening).where(Article.id.in_(ids)).options(*_listing_options(Article))
        )
    }
    return [loaded[i] for i in ids if i in loaded]


# --- The service other packages call -------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    id: int
    slug: str
    title: str
    kind: str
    snippet: Markup
    title_marked: Markup


def suggest(text_: str, reader, limit: int = 5) -> list[Suggestion]:
    """Articles `reader` may see that match any word of `text_`, best first.

    Made for text being typed (an escalation's title and symptoms): every word counts
    but none is required, and the last word also matches as a prefix while it is
    still being written.
    """
    words = suggestion_words(text_)
    if not words or limit < 1:
        return []
    still_typing = bool(text_) and not text_[-1].isspace()
    parsed = parse_query(" ".join(words), prefix_last=still_typing)
    if parsed.is_empty:
        return []
    parsed = _with_completions(parsed, reader).any_word()
    hits, _ = _ranked_page(_backend(), parsed, [visibility_clause(reader)], limit=min(limit, 50))
    return [
        Suggestion(
            id=h.article.id,
            slug=h.article.slug,
            title=h.article.title,
            kind=h.article.kind,
            snippet=h.snippet,
            title_marked=h.title,
        )
        for h in hits
    ]


def popular_tags(reader, limit: int = 16) -> list[tuple[str, int]]:
    """The tags most used by the articles the reader may see, with how many use each.

    Read from the counts the database keeps per audience (`TagCount`), so the cost
    depends on the number of tags, not of articles.
    """
    audiences = readable_audiences(reader)
    if not audiences:
        return []
    articles = func.sum(TagCount.articles)
    rows = db.session.execute(
        select(TagCount.tag, articles)
        .where(TagCount.audience.in_(audiences))
        .group_by(TagCount.tag)
        .having(articles > 0)
        .order_by(articles.desc(), TagCount.tag)
        .limit(limit)
    ).all()
    return [(tag, int(n)) for tag, n in rows]


# --- Maintenance -------------------------------------------------------------------------------

_SQLITE_REBUILD = (
    "DELETE FROM kb_articles_fts",
    "INSERT INTO kb_articles_fts(rowid, title, tags_text, body_text) "
    "SELECT id, title, tags_text, body_text FROM kb_articles",
    "INSERT INTO kb_articles_words(kb_articles_words) VALUES ('delete-all')",
    "INSERT INTO kb_articles_words(rowid, public, partners, internal, draft) "
    "SELECT id, "
    + ", ".join(
        f"CASE WHEN status = 'published' AND visibility = '{v}' "
        "THEN title || ' ' || tags_text || ' ' || body_text END"
        for v in ("public", "partners", "internal")
    )
    + ", CASE WHEN status <> 'published' "
    "THEN title || ' ' || tags_text || ' ' || body_text END FROM kb_articles",
    "DELETE FROM kb_tag_counts",
    "INSERT INTO kb_tag_counts(tag, audience, articles) "
    "SELECT t.tag, CASE WHEN a.status = 'published' THEN a.visibility ELSE 'draft' END, "
    "count(*) FROM kb_article_tags t JOIN kb_articles a ON a.id = t.article_id GROUP BY 1, 2",
)
_POSTGRES_REBUILD = (
    "REINDEX INDEX ix_kb_articles_search_vector",
    "DELETE FROM kb_search_words",
    "INSERT INTO kb_search_words (word, audience, articles) "
    "SELECT w.word, kb_audience(a.status, a.visibility), count(*) FROM kb_articles a, "
    "kb_article_words(a.title, a.tags_text, a.body_text) AS w(word) GROUP BY 1, 2",
    "DELETE FROM kb_tag_counts",
    "INSERT INTO kb_tag_counts (tag, audience, articles) "
    "SELECT t.tag, kb_audience(a.status, a.visibility), count(*) "
    "FROM kb_article_tags t JOIN kb_articles a ON a.id = t.article_id GROUP BY 1, 2",
)


def reindex() -> int:
    """Recompute every article's indexed text and rebuild the search index, the
    vocabulary and the tag counts.

    Run after changing the rendering rules, or if the index is suspected to be out of
    step (for instance after restoring a table from a backup). Returns the number of
    articles.
    """
    count = 0
    for article in db.session.scalars(select(Article).order_by(Article.id)):
        article.body_text = plain_text(render_markdown(article.body))
        article.tags_text = " ".join(article.tags)
        count += 1
    db.session.flush()
    for statement in _POSTGRES_REBUILD if _dialect() == "postgresql" else _SQLITE_REBUILD:
        db.session.execute(text(statement))
    return count

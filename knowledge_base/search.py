"""Ranked full-text search over the articles a reader may see, on SQLite and PostgreSQL.

- SQLite: an FTS5 table `kb_articles_fts(title, tags_text, body_text)` (rowid = article
  id) with the `porter unicode61` tokenizer, kept in sync with `kb_articles` by triggers;
  ranked by `bm25` with the title weighted above tags and tags above the body;
  snippets by `snippet()`.
- PostgreSQL: a stored generated `tsvector` column `kb_articles.search_vector`
  (title weight A, tags B, body C) with a GIN index; queries by
  `websearch_to_tsquery('english', …)`, ranked by `ts_rank`, snippets by `ts_headline`.

Both read the reader's text with the same web-search syntax: words are all required,
"quoted phrases" match in order, `or` between words gives alternatives and `-word`
excludes. English stop words are ignored on both, so the same data gives the same
results. Every query goes through `visibility_clause`, so counts, snippets and
suggestions only ever come from articles the reader may see.
"""

import re
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import case, column, exists, func, literal_column, select, table, text
from sqlalchemy.orm import selectinload

from knowledge_base.models import KINDS, STATUSES, Article, ArticleTag
from knowledge_base.rendering import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    excerpt,
    highlighted,
    plain_text,
    render_markdown,
)
from knowledge_base.services import is_editor, visibility_clause
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Product

QUERY_MAX = 200
SUGGEST_TEXT_MAX = 1000
SUGGEST_WORDS_MAX = 30
# bm25 weights per FTS5 column (title, tags_text, body_text); ts_rank uses the
# default weights of the A (title), B (tags) and C (body) labels.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
SNIPPET_TOKENS = 24
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
TITLE_HEADLINE_OPTIONS = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, HighlightAll=true"

# PostgreSQL's English stop words (tsearch_data/english.stop): ignored on SQLite too.
_STOP_WORDS_TEXT = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his "
    "himself she her hers herself it its itself they them their theirs themselves what which "
    "who whom this that these those am is are was were be been being have has had having do "
    "does did doing a an the and but if or because as until while of at by for with about "
    "against between into through during before after above below to from up down in out on "
    "off over under again further then once here there when where why how all any both each "
    "few more most other some such no nor not only own same so than too very s t can will "
    "just don should now"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


# --- Reading the reader's query ------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    negated: bool = False

    def fts5(self) -> str:
        return '"' + " ".join(self.words) + '"'


@dataclass
class ParsedQuery:
    """Alternatives (OR) of groups of terms that must all match (AND)."""

    groups: list[list[Term]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(any(not t.negated for t in group) for group in self.groups)

    def fts5(self) -> str:
        """The query as an FTS5 expression; every word quoted, so no input is syntax."""
        alternatives = []
        for group in self.groups:
            positives = [t.fts5() for t in group if not t.negated]
            if not positives:
                continue  # FTS5 has no unary NOT; such a group matches nothing here
            expression = "(" + " AND ".join(positives) + ")"
            for term in group:
                if term.negated:
                    expression = f"({expression} NOT {term.fts5()})"
            alternatives.append(expression)
        return " OR ".join(alternatives)


def _words(chunk: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(chunk)]


def parse_query(query: str) -> ParsedQuery:
    """Read web-search syntax the way PostgreSQL's websearch_to_tsquery does."""
    parsed = ParsedQuery(groups=[[]])
    for match in _QUERY_TOKEN.finditer((query or "")[:QUERY_MAX]):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        chunk = match.group(2) if quoted else match.group(4)
        if not quoted and not negated and chunk.lower() == "or":
            if parsed.groups[-1]:
                parsed.groups.append([])
            continue
        words = _words(chunk)
        if not quoted and len(words) == 1 and words[0] in STOP_WORDS:
            continue
        # A phrase keeps its stop words (they sit between its other words in the text),
        # unless it has nothing else.
        if all(w in STOP_WORDS for w in words):
            continue
        if words:
            parsed.groups[-1].append(Term(tuple(words), negated))
    parsed.groups = [g for g in parsed.groups if g]
    return parsed


def suggestion_words(text_: str) -> list[str]:
    words = [w for w in _words((text_ or "")[:SUGGEST_TEXT_MAX]) if w not in STOP_WORDS]
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
            raise DomainError("invalid_query", "Invalid search filters.", status=400,
                              fields=fields)


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
    total: int
    page: int
    per_page: int

    @property
    def ranked(self) -> bool:
        return bool(self.query.strip())


def _filter_clauses(filters: SearchFilters, reader) -> list:
    clauses = []
    if filters.product:
        clauses.append(Article.product_id == select(Product.id)
                       .where(Product.slug == filters.product).scalar_subquery())
    if filters.kind:
        clauses.append(Article.kind == filters.kind)
    if filters.tag:
        tag = "-".join(filters.tag.strip().lower().split())
        clauses.append(exists().where(ArticleTag.article_id == Article.id, ArticleTag.tag == tag))
    if is_editor(reader):
        if filters.status:
            clauses.append(Article.status == filters.status)
        if filters.needs_review:
            clauses.append(Article.needs_review.is_(True))
    return clauses


def _dialect() -> str:
    return db.session.get_bind().dialect.name


class _Backend:
    """How one database matches and ranks.

    `search` and `any_words` return a select of (Article, score, snippet) limited to
    the matches, and the ORDER BY clauses that put the best first: articles whose
    title matches come before those matching only in tags or text, then by the
    database's relevance score.
    """

    def search(self, parsed: ParsedQuery, raw_query: str):
        raise NotImplementedError

    def any_words(self, words: list[str], prefix_last: bool):
        raise NotImplementedError


class _SQLiteBackend(_Backend):
    fts = table("kb_articles_fts", column("rowid"))
    fts_name = literal_column("kb_articles_fts")

    def _select(self, match_expression: str):
        score = func.bm25(self.fts_name, *BM25_WEIGHTS)
        snippet = func.snippet(self.fts_name, 2, HIGHLIGHT_START, HIGHLIGHT_END, "…",
                               SNIPPET_TOKENS)
        marked_title = func.highlight(self.fts_name, 0, HIGHLIGHT_START, HIGHLIGHT_END)
        title_match = Article.id.in_(
            select(self.fts.c.rowid)
            .where(self.fts_name.op("MATCH")(f"title : ({match_expression})"))
        )
        stmt = (
            select(Article, score.label("score"), snippet.label("snippet"),
                   marked_title.label("marked_title"))
            .select_from(self.fts)
            .join(Article, Article.id == self.fts.c.rowid)
            .where(self.fts_name.op("MATCH")(match_expression))
        )
        return stmt, [case((title_match, 0), else_=1), score.asc()]

    def search(self, parsed: ParsedQuery, raw_query: str):
        return self._select(parsed.fts5())

    def any_words(self, words: list[str], prefix_last: bool):
        terms = [f'"{w}"' for w in words]
        if prefix_last:
            terms[-1] += "*"
        return self._select(" OR ".join(terms))


class _PostgresBackend(_Backend):
    vector = literal_column("kb_articles.search_vector")
    config = literal_column("'english'::regconfig")

    def _select(self, tsquery):
        score = func.ts_rank(self.vector, tsquery)
        snippet = func.ts_headline(self.config, Article.body_text, tsquery, HEADLINE_OPTIONS)
        marked_title = func.ts_headline(self.config, Article.title, tsquery,
                                        TITLE_HEADLINE_OPTIONS)
        title_match = func.to_tsvector(self.config, Article.title).op("@@")(tsquery)
        stmt = (
            select(Article, score.label("score"), snippet.label("snippet"),
                   marked_title.label("marked_title"))
            .where(self.vector.op("@@")(tsquery))
        )
        return stmt, [case((title_match, 0), else_=1), score.desc()]

    def search(self, parsed: ParsedQuery, raw_query: str):
        return self._select(func.websearch_to_tsquery(self.config, raw_query[:QUERY_MAX]))

    def any_words(self, words: list[str], prefix_last: bool):
        terms = [f"'{w}'" for w in words]  # words hold letters and digits only
        if prefix_last:
            terms[-1] += ":*"
        return self._select(func.to_tsquery(self.config, " | ".join(terms)))


def _backend() -> _Backend:
    return _PostgresBackend() if _dialect() == "postgresql" else _SQLiteBackend()


def _run_ranked(stmt, order, reader, clauses, *, limit: int, offset: int = 0):
    stmt = (
        stmt.where(visibility_clause(reader), *clauses)
        .options(selectinload(Article.product))
        .order_by(*order, Article.title, Article.id)
        .limit(limit)
        .offset(offset)
    )
    return [SearchHit(article=row.Article, snippet=highlighted(row.snippet or ""),
                      title=_marked_title(row.Article.title, row.marked_title),
                      score=float(row.score))
            for row in db.session.execute(stmt)]


def _marked_title(title: str, marked: str | None) -> Markup:
    """The title with its matches marked, unless the database changed more than marks
    (PostgreSQL's headline drops tag-like words such as "<b>")."""
    if marked and marked.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "") == title:
        return highlighted(marked)
    return Markup.escape(title)


def _count(stmt, reader, clauses) -> int:
    inner = stmt.where(visibility_clause(reader), *clauses).with_only_columns(Article.id)
    return db.session.scalar(select(func.count()).select_from(inner.subquery()))


def search_articles(query: str, reader, *, filters: SearchFilters | None = None,
                    page: int = 1, per_page: int = 20) -> SearchResults:
    """One page of the articles `reader` may see that match `query`, best first.

    Without a query, the articles matching the filters, most recently updated first.
    """
    filters = filters or SearchFilters()
    filters.validate()
    query = " ".join((query or "").split())[:QUERY_MAX]
    page, per_page = max(page, 1), max(min(per_page, 200), 1)
    offset = (page - 1) * per_page
    clauses = _filter_clauses(filters, reader)
    if not query:
        return _browse(reader, clauses, page, per_page)
    parsed = parse_query(query)
    if parsed.is_empty:
        return SearchResults(query=query, hits=[], total=0, page=page, per_page=per_page)
    stmt, order = _backend().search(parsed, query)
    hits = _run_ranked(stmt, order, reader, clauses, limit=per_page, offset=offset)
    total = _count(stmt, reader, clauses)
    return SearchResults(query=query, hits=hits, total=total, page=page, per_page=per_page)


def _browse(reader, clauses, page: int, per_page: int) -> SearchResults:
    stmt = select(Article).where(visibility_clause(reader), *clauses)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    articles = db.session.scalars(
        stmt.options(selectinload(Article.product))
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    hits = [SearchHit(article=a, snippet=Markup.escape(excerpt(a.body_text)),
                      title=Markup.escape(a.title)) for a in articles]
    return SearchResults(query="", hits=hits, total=total, page=page, per_page=per_page)


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
    stmt, order = _backend().any_words(words, prefix_last=still_typing)
    hits = _run_ranked(stmt, order, reader, [], limit=min(limit, 50))
    return [Suggestion(id=h.article.id, slug=h.article.slug, title=h.article.title,
                       kind=h.article.kind, snippet=h.snippet, title_marked=h.title)
            for h in hits]


# --- Maintenance -------------------------------------------------------------------------------


def reindex() -> int:
    """Recompute every article's indexed text and rebuild the search index.

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
    if _dialect() == "postgresql":
        db.session.execute(text("REINDEX INDEX ix_kb_articles_search_vector"))
    else:
        db.session.execute(text("DELETE FROM kb_articles_fts"))
        db.session.execute(text(
            "INSERT INTO kb_articles_fts(rowid, title, tags_text, body_text) "
            "SELECT id, title, tags_text, body_text FROM kb_articles"
        ))
    return count

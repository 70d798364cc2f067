"""How each database matches, ranks, quotes and lists knowledge-base articles.

`knowledge_base.search` decides what to search for and holds the rules; this module
writes it for SQLite FTS5 (bm25, snippet) or PostgreSQL full-text search (ts_rank,
ts_headline), each shaped so that the database starts from the full-text matches.
"""

import json
from functools import cache

from sqlalchemy import Integer, case, column, exists, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import aliased

from knowledge_base.models import Article
from knowledge_base.query import ParsedQuery
from knowledge_base.rendering import HIGHLIGHT_END, HIGHLIGHT_START
from portal.extensions import db

# bm25 weights per FTS5 column (title, tags_text, body_text); ts_rank uses the
# default weights of the A (title), B (tags) and C (body) labels.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
SNIPPET_TOKENS = 24
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
TITLE_HEADLINE_OPTIONS = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, HighlightAll=true"


def dialect() -> str:
    return db.session.get_bind().dialect.name


class SearchBackend:
    """How one database matches, ranks, quotes and lists.

    `candidates` returns a subquery of (id, score) over at most `limit` visible matches,
    newest first, with the expression putting title matches first (0: the title matches
    the query, 1: only the tags or text do) and the ORDER BY of the score; `page_rows`
    loads the page's articles with their snippet and marked title; `newest` lists the
    visible articles, to be ordered newest first.
    """

    def candidates(self, parsed: ParsedQuery, visible: list, limit: int):
        raise NotImplementedError

    def page_rows(self, parsed: ParsedQuery, ids: list[int]):
        raise NotImplementedError

    def newest(self, visible: list, *, by_tag: bool):
        return select(Article).where(*visible)


class _SQLiteBackend(SearchBackend):
    fts = table("kb_articles_fts", column("rowid"))
    fts_name = literal_column("kb_articles_fts")

    def _match(self, expression: str):
        return self.fts_name.op("MATCH")(expression)

    def _in_title(self, ids, expression: str):
        # Evaluated once, as a list of the articles whose title matches.
        return ids.in_(select(self.fts.c.rowid).where(self._match(f"title : ({expression})")))

    def candidates(self, parsed: ParsedQuery, visible: list, limit: int):
        score = func.bm25(self.fts_name, *BM25_WEIGHTS)
        # Start from the full-text matches; check each one's visibility by primary key
        # (a join would let the planner start from the articles instead).
        matches = (
            select(self.fts.c.rowid.label("id"), score.label("score"))
            .where(
                self._match(parsed.fts5()), exists().where(Article.id == self.fts.c.rowid, *visible)
            )
            .order_by(self.fts.c.rowid.desc())
            .limit(limit)
            .subquery("matches")
        )
        title_rank = case((self._in_title(matches.c.id, parsed.fts5()), 0), else_=1)
        return matches, title_rank, matches.c.score.asc()

    def page_rows(self, parsed: ParsedQuery, ids: list[int]):
        snippet = func.snippet(
            self.fts_name, 2, HIGHLIGHT_START, HIGHLIGHT_END, "…", SNIPPET_TOKENS
        )
        marked_title = func.highlight(self.fts_name, 0, HIGHLIGHT_START, HIGHLIGHT_END)
        # The ids as one JSON parameter: the same statement, cached, for every page.
        listed = select(column("value")).select_from(func.json_each(json.dumps(ids)))
        return (
            select(Article, snippet.label("snippet"), marked_title.label("marked_title"))
            .select_from(self.fts)
            .join(Article, Article.id == self.fts.c.rowid)
            .where(self._match(parsed.fts5()), self.fts.c.rowid.in_(listed.scalar_subquery()))
        )

    def newest(self, visible: list, *, by_tag: bool):
        if by_tag:
            return super().newest(visible, by_tag=by_tag)  # few articles: from the tag index
        # Walk the articles newest first and check each one's visibility by primary key,
        # so the planner cannot choose to sort every visible article instead.
        listed = _listed_article()
        return select(listed).where(exists().where(Article.id == listed.id, *visible))


@cache
def _listed_article():
    return aliased(Article, name="listed")


class _PostgresBackend(SearchBackend):
    vector = literal_column("kb_articles.search_vector")
    title_vector = literal_column("kb_articles.title_vector")
    config = literal_column("'english'::regconfig")

    def _tsquery(self, expression: str):
        return func.to_tsquery(self.config, expression)

    def candidates(self, parsed: ParsedQuery, visible: list, limit: int):
        query = self._tsquery(parsed.tsquery())
        title_rank = case((self.title_vector.op("@@")(query), 0), else_=1)
        matches = (
            select(
                Article.id.label("id"),
                func.ts_rank(self.vector, query).label("score"),
                title_rank.label("title_rank"),
            )
            .where(self.vector.op("@@")(query), *visible)
            .order_by(Article.id.desc())
            .limit(limit)
            .subquery("matches")
        )
        return matches, matches.c.title_rank, matches.c.score.desc()

    def page_rows(self, parsed: ParsedQuery, ids: list[int]):
        query = self._tsquery(parsed.tsquery())
        snippet = func.ts_headline(self.config, Article.body_text, query, HEADLINE_OPTIONS)
        marked_title = func.ts_headline(self.config, Article.title, query, TITLE_HEADLINE_OPTIONS)
        return select(Article, snippet.label("snippet"), marked_title.label("marked_title")).where(
            Article.id == func.any(array(ids, type_=Integer))
        )


def backend_for_session():
    return _PostgresBackend() if dialect() == "postgresql" else _SQLiteBackend()

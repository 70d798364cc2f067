"""Ranked keyword search over the escalations a principal may see, and similar earlier ones.

Each escalation's title, reproduction (steps, expected and actual result, business
impact) and comments are indexed by the triggers of migration 0009_escalation_search:
SQLite FTS5 ranked by bm25, PostgreSQL tsvectors ranked by ts_rank (see
`escalations.search_backends`). Queries are read as the knowledge base reads them
(`knowledge_base.query`: web-search syntax, every word quoted, so no input is ever
syntax to the database); an escalation matches when it has every word.

Tenant scoping: a search narrows a statement that starts from
`escalations.scope.visible_escalations(principal)`, so it never reaches further than
the principal's list. Vendor-internal comments are a separate part of the index that
only vendor roles' searches read: a partner never finds an escalation, not even its
own, by the words of an internal note.

Results: title matches first, then by score, then newest; the newest RESULTS_MAX
matches are ranked, so a search costs what matches up to that bound, not what the
history holds.
"""

from sqlalchemy import Select, false, true
from sqlalchemy.orm import joinedload

from escalations.models import Escalation
from escalations.scope import visible_escalations
from escalations.search_backends import backend_for_session
from knowledge_base.query import QUERY_MAX, STOP_WORDS, ParsedQuery, parse_query, words_of
from portal.extensions import db

#: At most this many matches (the newest) are ranked.
RESULTS_MAX = 1000
#: Words of a title that similar escalations are looked up by.
SIMILAR_WORDS_MAX = 12

# Database objects of 0009_escalation_search that the models do not declare (they differ
# per database); the migrations' drift check leaves them alone.
UNMANAGED_SEARCH_OBJECTS = ("escalations_fts", "escalations_fts_*", "escalation_search")
db.metadata.info.setdefault("unmanaged_objects", set()).update(UNMANAGED_SEARCH_OBJECTS)


def cleaned_query(query: str | None) -> str:
    """The query as searched: blanks collapsed, at most QUERY_MAX characters."""
    return " ".join((query or "").split())[:QUERY_MAX]


def ranked(stmt: Select, query: str | ParsedQuery, principal) -> Select:
    """`stmt`'s escalations that match `query`, best first.

    `stmt` selects escalations within the principal's scope (`visible_escalations`),
    with any filters as WHERE clauses. A query without a word to search for matches
    nothing.
    """
    parsed = query if isinstance(query, ParsedQuery) else parse_query(cleaned_query(query))
    if parsed.is_empty:
        return stmt.where(false())
    where = stmt.whereclause if stmt.whereclause is not None else true()
    matches, score_order = backend_for_session().candidates(
        parsed, where, internal=principal.is_vendor, limit=RESULTS_MAX
    )
    return (
        stmt.join(matches, matches.c.id == Escalation.id)
        .order_by(None)
        .order_by(matches.c.title_rank, score_order, Escalation.id.desc())
    )


def search_escalations(query: str, principal, *, limit: int = 20) -> list[Escalation]:
    """The escalations `principal` may see that match `query`, best first."""
    stmt = ranked(visible_escalations(principal), query, principal)
    return list(db.session.scalars(stmt.limit(limit)))


def title_words(title: str) -> list[str]:
    """The words of a title worth looking up: no stop words, each once."""
    words = [w for w in words_of(title or "") if w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:SIMILAR_WORDS_MAX]


def similar_escalations(escalation: Escalation, principal, limit: int = 5) -> list[Escalation]:
    """Earlier escalations of the same product that share words with its title, among
    those `principal` may see (drafts aside), best first: candidates for a duplicate.

    The caller has loaded `escalation` within the principal's scope (its page did)."""
    words = title_words(escalation.title)
    if escalation.product_id is None or escalation.id is None or not words or limit < 1:
        return []
    parsed = parse_query(" ".join(words)).any_word()
    stmt = (
        visible_escalations(principal)
        .where(
            Escalation.product_id == escalation.product_id,
            Escalation.id < escalation.id,
            Escalation.status != "draft",
        )
        .options(joinedload(Escalation.partner))
    )
    return list(db.session.scalars(ranked(stmt, parsed, principal).limit(limit)))

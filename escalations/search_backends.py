"""How each database matches and ranks escalations (the index of 0009_escalation_search).

`escalations.search` decides what to search for and for whom; this module writes it for
SQLite FTS5 (bm25) or PostgreSQL full-text search (ts_rank). Internal comments are read
only when the search is for vendor staff (`internal=True`): a partner's query is limited
to the other columns (SQLite) or reads a vector without them (PostgreSQL), so neither
its matches, its exclusions (`-word`) nor its ranking depend on internal text.
"""

from sqlalchemy import case, column, func, literal_column, select, table

from escalations.models import Escalation
from knowledge_base.query import ParsedQuery
from portal.extensions import db

#: bm25 weights of (title, reproduction, comments, internal); a partner's query gives
#: internal comments no weight (its column filter already leaves them out).
BM25_VENDOR = (10.0, 3.0, 1.0, 1.0)
BM25_PARTNER = (10.0, 3.0, 1.0, 0.0)
PARTNER_COLUMNS = "{title reproduction comments}"


def _escalation_where(*clauses):
    """SQL: the escalation named by the match satisfies `clauses`. The escalations table
    is this subquery's own, never the enclosing statement's, however deep it sits."""
    return select(Escalation.id).where(*clauses).correlate_except(Escalation).exists()


class EscalationSearchBackend:
    """`candidates` returns a subquery of (id, score, title_rank) over at most `limit`
    matching escalations that satisfy `where` (newest first), and the ORDER BY of the
    score; title_rank is 0 when the title alone matches the query, else 1."""

    def candidates(self, parsed: ParsedQuery, where, *, internal: bool, limit: int):
        raise NotImplementedError


class _SQLiteBackend(EscalationSearchBackend):
    fts = table("escalations_fts", column("rowid"))
    fts_name = literal_column("escalations_fts")

    def _match(self, expression: str):
        return self.fts_name.op("MATCH")(expression)

    def candidates(self, parsed: ParsedQuery, where, *, internal: bool, limit: int):
        expression = parsed.fts5()
        if not internal:
            expression = f"{PARTNER_COLUMNS} : ({expression})"
        score = func.bm25(self.fts_name, *(BM25_VENDOR if internal else BM25_PARTNER))
        in_title = self.fts.c.rowid.in_(
            select(self.fts.c.rowid).where(self._match(f"title : ({parsed.fts5()})"))
        )
        # Start from the full-text matches and check each by primary key, so the planner
        # cannot start from the escalations instead.
        matches = (
            select(
                self.fts.c.rowid.label("id"),
                score.label("score"),
                case((in_title, 0), else_=1).label("title_rank"),
            )
            .where(
                self._match(expression), _escalation_where(Escalation.id == self.fts.c.rowid, where)
            )
            .order_by(self.fts.c.rowid.desc())
            .limit(limit)
            .subquery("matches")
        )
        return matches, matches.c.score.asc()


class _PostgresBackend(EscalationSearchBackend):
    documents = table(
        "escalation_search",
        column("escalation_id"),
        column("title_vector"),
        column("partner_vector"),
        column("vendor_vector"),
    )
    config = literal_column("'english'::regconfig")

    def candidates(self, parsed: ParsedQuery, where, *, internal: bool, limit: int):
        documents = self.documents
        vector = documents.c.vendor_vector if internal else documents.c.partner_vector
        query = func.to_tsquery(self.config, parsed.tsquery())
        matches = (
            select(
                documents.c.escalation_id.label("id"),
                func.ts_rank(vector, query).label("score"),
                case((documents.c.title_vector.op("@@")(query), 0), else_=1).label("title_rank"),
            )
            .where(
                vector.op("@@")(query),
                _escalation_where(Escalation.id == documents.c.escalation_id, where),
            )
            .order_by(documents.c.escalation_id.desc())
            .limit(limit)
            .subquery("matches")
        )
        return matches, matches.c.score.desc()


def backend_for_session() -> EscalationSearchBackend:
    dialect = db.session.get_bind().dialect.name
    return _PostgresBackend() if dialect == "postgresql" else _SQLiteBackend()

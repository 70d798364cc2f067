"""escalation search: full-text index over each escalation's title, reproduction and comments, with vendor-internal comments apart

Each escalation has one search document, kept by triggers, in four parts: the title,
the reproduction (steps, expected and actual result, business impact), the
partner-visible comments and the vendor-internal comments. Internal comments are a
part of their own so that a partner's query can leave them out entirely.

- SQLite: an FTS5 table escalations_fts(title, reproduction, comments, internal)
  (rowid = escalation id, the `porter unicode61` tokenizer), ranked by bm25. A
  partner's query is limited to the first three columns by a column filter.
- PostgreSQL: a table escalation_search (escalation_id, the four texts) with stored
  generated tsvectors (english, punctuation read as spaces through kb_search_text()
  of 0005_kb_search, as the knowledge base does): partner_vector (title weight A,
  reproduction B, comments C), vendor_vector (the same and the internal comments) and
  title_vector, the first two with a GIN index. A partner's query only ever reads
  partner_vector.

The triggers are on escalations and escalation_comments. A later revision that rebuilds
the escalations table on SQLite (batch_alter_table with recreate) must create the
triggers of this revision again.

Revision ID: 0009_escalation_search
Revises: 0008_escalations
Create Date: 2026-12-02

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0009_escalation_search"
down_revision = "0008_escalations"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()
    else:
        raise NotImplementedError(f"escalation search has no support for {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        _postgresql_downgrade()


SPACE = "' '"


def _reproduction(row: str, joined: str) -> str:
    """SQL: the reproduction text of `row` ('new' or a table alias), parts joined by `joined`."""
    parts = ("steps_to_reproduce", "expected_result", "actual_result", "business_impact")
    return f" || {joined} || ".join(f"coalesce({row}.{part}, '')" for part in parts)


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_comments(escalation_id: str, internal: bool) -> str:
    return (
        "(SELECT coalesce(group_concat(c.body, ' '), '') FROM escalation_comments c "
        f"WHERE c.escalation_id = {escalation_id} AND c.internal = {int(internal)})"
    )


def _sqlite_refresh_comments(escalation_id: str) -> str:
    return (
        f"UPDATE escalations_fts SET comments = {_sqlite_comments(escalation_id, False)}, "
        f"internal = {_sqlite_comments(escalation_id, True)} WHERE rowid = {escalation_id};"
    )


def _sqlite_document(row: str) -> str:
    """The values of (rowid, title, reproduction, comments, internal) for `row`."""
    return (
        f"{row}.id, {row}.title, {_reproduction(row, SPACE)}, "
        f"{_sqlite_comments(f'{row}.id', False)}, {_sqlite_comments(f'{row}.id', True)}"
    )


_SQLITE_COLUMNS = "rowid, title, reproduction, comments, internal"

_SQLITE_TRIGGERS = {
    "escalations_fts_insert": f"""
        CREATE TRIGGER escalations_fts_insert AFTER INSERT ON escalations BEGIN
          INSERT INTO escalations_fts({_SQLITE_COLUMNS}) VALUES ({_sqlite_document("new")});
        END""",
    "escalations_fts_delete": """
        CREATE TRIGGER escalations_fts_delete AFTER DELETE ON escalations BEGIN
          DELETE FROM escalations_fts WHERE rowid = old.id;
        END""",
    "escalations_fts_update": f"""
        CREATE TRIGGER escalations_fts_update AFTER UPDATE OF title, steps_to_reproduce,
        expected_result, actual_result, business_impact ON escalations BEGIN
          DELETE FROM escalations_fts WHERE rowid = old.id;
          INSERT INTO escalations_fts({_SQLITE_COLUMNS}) VALUES ({_sqlite_document("new")});
        END""",
    "escalations_fts_comment_insert": f"""
        CREATE TRIGGER escalations_fts_comment_insert AFTER INSERT ON escalation_comments BEGIN
          {_sqlite_refresh_comments("new.escalation_id")}
        END""",
    "escalations_fts_comment_delete": f"""
        CREATE TRIGGER escalations_fts_comment_delete AFTER DELETE ON escalation_comments BEGIN
          {_sqlite_refresh_comments("old.escalation_id")}
        END""",
    "escalations_fts_comment_update": f"""
        CREATE TRIGGER escalations_fts_comment_update AFTER UPDATE OF body, internal,
        escalation_id ON escalation_comments BEGIN
          {_sqlite_refresh_comments("old.escalation_id")}
          {_sqlite_refresh_comments("new.escalation_id")}
        END""",
}


def _sqlite_upgrade():
    op.execute(
        "CREATE VIRTUAL TABLE escalations_fts USING fts5("
        "title, reproduction, comments, internal, "
        "tokenize='porter unicode61 remove_diacritics 0')"
    )
    for ddl in _SQLITE_TRIGGERS.values():
        op.execute(ddl)
    op.execute(
        f"INSERT INTO escalations_fts({_SQLITE_COLUMNS}) "
        f"SELECT {_sqlite_document('e')} FROM escalations e"
    )


def _sqlite_downgrade():
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS escalations_fts")


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_vector(column: str, weight: str) -> str:
    return f"setweight(to_tsvector('english'::regconfig, kb_search_text({column})), '{weight}')"


_PG_PARTNER_VECTOR = " || ".join(
    [_pg_vector("title", "A"), _pg_vector("reproduction", "B"), _pg_vector("comments", "C")]
)

_PG_FUNCTIONS = {
    "escalation_search_refresh_comments(integer)": """
        CREATE FUNCTION escalation_search_refresh_comments(integer) RETURNS void
        LANGUAGE sql AS $$
          UPDATE escalation_search SET
            comments = coalesce((SELECT string_agg(c.body, ' ' ORDER BY c.id)
                                 FROM escalation_comments c
                                 WHERE c.escalation_id = $1 AND NOT c.internal), ''),
            internal = coalesce((SELECT string_agg(c.body, ' ' ORDER BY c.id)
                                 FROM escalation_comments c
                                 WHERE c.escalation_id = $1 AND c.internal), '')
          WHERE escalation_id = $1
        $$""",
    "escalation_search_written()": f"""
        CREATE FUNCTION escalation_search_written() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO escalation_search AS s (escalation_id, title, reproduction)
          VALUES (NEW.id, coalesce(NEW.title, ''), {_reproduction("NEW", SPACE)})
          ON CONFLICT (escalation_id) DO UPDATE
            SET title = excluded.title, reproduction = excluded.reproduction;
          RETURN NULL;
        END $$""",
    "escalation_search_comments_changed()": """
        CREATE FUNCTION escalation_search_comments_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM escalation_search_refresh_comments(OLD.escalation_id);
          END IF;
          IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM escalation_search_refresh_comments(NEW.escalation_id);
          END IF;
          RETURN NULL;
        END $$""",
}

_PG_TRIGGERS = {
    ("escalation_search_written", "escalations"): (
        "AFTER INSERT OR UPDATE OF title, steps_to_reproduce, expected_result, actual_result, "
        "business_impact ON escalations FOR EACH ROW EXECUTE FUNCTION escalation_search_written()"
    ),
    ("escalation_search_comments_changed", "escalation_comments"): (
        "AFTER INSERT OR DELETE OR UPDATE OF body, internal, escalation_id "
        "ON escalation_comments FOR EACH ROW "
        "EXECUTE FUNCTION escalation_search_comments_changed()"
    ),
}


def _postgresql_upgrade():
    op.execute(
        "CREATE TABLE escalation_search ("
        "escalation_id integer NOT NULL, "
        "title text NOT NULL DEFAULT '', "
        "reproduction text NOT NULL DEFAULT '', "
        "comments text NOT NULL DEFAULT '', "
        "internal text NOT NULL DEFAULT '', "
        "title_vector tsvector GENERATED ALWAYS AS ("
        "to_tsvector('english'::regconfig, kb_search_text(title))) STORED, "
        f"partner_vector tsvector GENERATED ALWAYS AS ({_PG_PARTNER_VECTOR}) STORED, "
        "vendor_vector tsvector GENERATED ALWAYS AS ("
        f"{_PG_PARTNER_VECTOR} || {_pg_vector('internal', 'C')}) STORED, "
        "CONSTRAINT pk_escalation_search PRIMARY KEY (escalation_id), "
        "CONSTRAINT fk_escalation_search_escalation_id_escalations FOREIGN KEY (escalation_id) "
        "REFERENCES escalations (id) ON DELETE CASCADE)"
    )
    op.execute(
        "CREATE INDEX ix_escalation_search_partner_vector ON escalation_search "
        "USING gin (partner_vector)"
    )
    op.execute(
        "CREATE INDEX ix_escalation_search_vendor_vector ON escalation_search "
        "USING gin (vendor_vector)"
    )
    for ddl in _PG_FUNCTIONS.values():
        op.execute(ddl)
    for (name, _table), definition in _PG_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")
    op.execute(
        "INSERT INTO escalation_search (escalation_id, title, reproduction) "
        f"SELECT e.id, coalesce(e.title, ''), {_reproduction('e', SPACE)} FROM escalations e"
    )
    op.execute("SELECT escalation_search_refresh_comments(id) FROM escalations")


def _postgresql_downgrade():
    for (name, table), _definition in _PG_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for signature in _PG_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute("DROP TABLE IF EXISTS escalation_search")

"""knowledge-base search that forgives: a vocabulary per audience, tag counts kept by triggers, PostgreSQL text normalised like SQLite's

- kb_tag_counts (both databases): how many articles of each audience carry each tag,
  kept by triggers on kb_article_tags and kb_articles (on PostgreSQL, per statement
  where rows come in batches), so the KB index reads its topics without counting every
  article. An article's audience is its visibility when it is
  published, else 'draft' (knowledge_base.models.audience_of).
- The vocabulary that spelling suggestions and word completion draw from, per audience,
  so that no reader is ever offered a word found only in articles they may not read:
  - SQLite: a contentless FTS5 table kb_articles_words(public, partners, internal,
    draft) without stemming, each article's words in its audience's column, kept by
    triggers; read through the fts5vocab table kb_articles_words_vocab (type 'col').
  - PostgreSQL: a table kb_search_words(word, audience, articles), kept by
    statement-level triggers with transition tables (one aggregated write per
    statement); rows that fall to 0 stay until the next reindex.
- PostgreSQL: search_vector is regenerated over kb_search_text(), which turns
  punctuation (ASCII and the common Unicode ranges) into spaces, so that PostgreSQL's
  parser sees the same words as SQLite's unicode61 tokenizer and the queries written by
  knowledge_base.query (quoted words of letters and digits) match alike on both.
  A small stored title_vector (the title alone) tells title matches apart for ranking
  without unpacking each match's whole search_vector.

This revision does not rebuild kb_articles (no batch_alter_table), so the triggers of
0002 stay in place. Article text rendered before this revision keeps its old plain
text (table cells ran together) until `flask --app app reindex` is run.

Revision ID: 0005_kb_search
Revises: 0004_audit_filter_indexes
Create Date: 2026-12-01 14:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_kb_search"
down_revision = "0004_audit_filter_indexes"
branch_labels = None
depends_on = None

AUDIENCES = ("public", "partners", "internal", "draft")


def upgrade():
    op.create_table(
        "kb_tag_counts",
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("articles", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "audience IN ('public', 'partners', 'internal', 'draft')",
            name=op.f("ck_kb_tag_counts_audience_valid"),
        ),
        sa.PrimaryKeyConstraint("tag", "audience", name=op.f("pk_kb_tag_counts")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()
    else:
        raise NotImplementedError(f"knowledge-base search has no support for {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        _postgresql_downgrade()
    op.drop_table("kb_tag_counts")


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_audience_texts(row: str) -> str:
    """The four column values of kb_articles_words for `row` ('new', 'old' or an alias)."""
    text = f"{row}.title || ' ' || {row}.tags_text || ' ' || {row}.body_text"
    published = f"{row}.status = 'published'"
    return ", ".join(
        [
            f"CASE WHEN {published} AND {row}.visibility = '{v}' THEN {text} END"
            for v in AUDIENCES[:3]
        ]
        + [f"CASE WHEN NOT ({published}) THEN {text} END"]
    )


_SQLITE_AUDIENCE = "CASE WHEN {row}.status = 'published' THEN {row}.visibility ELSE 'draft' END"


def _sqlite_triggers() -> dict[str, str]:
    columns = "rowid, public, partners, internal, draft"
    words_insert = (
        f"INSERT INTO kb_articles_words({columns}) "
        f"VALUES (new.id, {_sqlite_audience_texts('new')});"
    )
    words_delete = (
        f"INSERT INTO kb_articles_words(kb_articles_words, {columns}) "
        f"VALUES ('delete', old.id, {_sqlite_audience_texts('old')});"
    )
    old_audience = _SQLITE_AUDIENCE.format(row="old")
    new_audience = _SQLITE_AUDIENCE.format(row="new")
    return {
        "kb_articles_words_insert": f"""
            CREATE TRIGGER kb_articles_words_insert AFTER INSERT ON kb_articles BEGIN
              {words_insert}
            END""",
        "kb_articles_words_delete": f"""
            CREATE TRIGGER kb_articles_words_delete AFTER DELETE ON kb_articles BEGIN
              {words_delete}
            END""",
        "kb_articles_words_update": f"""
            CREATE TRIGGER kb_articles_words_update
            AFTER UPDATE OF title, tags_text, body_text, status, visibility ON kb_articles BEGIN
              {words_delete}
              {words_insert}
            END""",
        "kb_tag_counts_tag_added": """
            CREATE TRIGGER kb_tag_counts_tag_added AFTER INSERT ON kb_article_tags BEGIN
              INSERT INTO kb_tag_counts(tag, audience, articles)
                SELECT new.tag, CASE WHEN a.status = 'published' THEN a.visibility ELSE 'draft' END, 1
                FROM kb_articles a WHERE a.id = new.article_id
              ON CONFLICT(tag, audience) DO UPDATE SET articles = articles + 1;
            END""",
        # After its article is gone (a cascade), the article's own trigger counted it.
        "kb_tag_counts_tag_removed": """
            CREATE TRIGGER kb_tag_counts_tag_removed AFTER DELETE ON kb_article_tags BEGIN
              UPDATE kb_tag_counts SET articles = articles - 1
               WHERE tag = old.tag AND audience = (
                 SELECT CASE WHEN a.status = 'published' THEN a.visibility ELSE 'draft' END
                 FROM kb_articles a WHERE a.id = old.article_id);
              DELETE FROM kb_tag_counts WHERE tag = old.tag AND articles <= 0;
            END""",
        "kb_tag_counts_article_removed": f"""
            CREATE TRIGGER kb_tag_counts_article_removed BEFORE DELETE ON kb_articles BEGIN
              UPDATE kb_tag_counts SET articles = articles - 1
               WHERE audience = {old_audience}
                 AND tag IN (SELECT tag FROM kb_article_tags WHERE article_id = old.id);
              DELETE FROM kb_tag_counts WHERE articles <= 0
                 AND tag IN (SELECT tag FROM kb_article_tags WHERE article_id = old.id);
            END""",
        "kb_tag_counts_article_moved": f"""
            CREATE TRIGGER kb_tag_counts_article_moved AFTER UPDATE OF status, visibility
            ON kb_articles WHEN ({old_audience}) IS NOT ({new_audience}) BEGIN
              UPDATE kb_tag_counts SET articles = articles - 1
               WHERE audience = {old_audience}
                 AND tag IN (SELECT tag FROM kb_article_tags WHERE article_id = new.id);
              DELETE FROM kb_tag_counts WHERE articles <= 0
                 AND tag IN (SELECT tag FROM kb_article_tags WHERE article_id = new.id);
              INSERT INTO kb_tag_counts(tag, audience, articles)
                SELECT tag, {new_audience}, 1 FROM kb_article_tags WHERE article_id = new.id
              ON CONFLICT(tag, audience) DO UPDATE SET articles = articles + 1;
            END""",
    }


def _sqlite_upgrade():
    op.execute(
        "CREATE VIRTUAL TABLE kb_articles_words USING fts5("
        "public, partners, internal, draft, content='', detail=column, columnsize=0, "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE kb_articles_words_vocab USING fts5vocab(kb_articles_words, col)"
    )
    for ddl in _sqlite_triggers().values():
        op.execute(ddl)
    op.execute(
        "INSERT INTO kb_articles_words(rowid, public, partners, internal, draft) "
        f"SELECT a.id, {_sqlite_audience_texts('a')} FROM kb_articles a"
    )
    op.execute(
        "INSERT INTO kb_tag_counts(tag, audience, articles) "
        f"SELECT t.tag, {_SQLITE_AUDIENCE.format(row='a')}, count(*) "
        "FROM kb_article_tags t JOIN kb_articles a ON a.id = t.article_id GROUP BY 1, 2"
    )


def _sqlite_downgrade():
    for name in _sqlite_triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS kb_articles_words_vocab")
    op.execute("DROP TABLE IF EXISTS kb_articles_words")


# --- PostgreSQL ---------------------------------------------------------------------------

# ASCII punctuation and symbols, Latin-1 punctuation (not its letters and digits), general
# punctuation, arrows and symbols, CJK and full-width punctuation.
_PUNCTUATION = (
    r"[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\u00a0-\u00a9\u00ab-\u00b1\u00b4\u00b6-\u00b8"
    r"\u00bb\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u2bff\u3000-\u303f\ufe30-\ufe4f"
    r"\uff01-\uff0f\uff1a-\uff20]+"
)

_PG_FUNCTIONS = {
    "kb_search_text(text)": rf"""
        CREATE FUNCTION kb_search_text(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT regexp_replace(coalesce(value, ''), '{_PUNCTUATION}', ' ', 'g')
        $$""",
    "kb_audience(text, text)": """
        CREATE FUNCTION kb_audience(status text, visibility text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE WHEN status = 'published' THEN visibility ELSE 'draft' END
        $$""",
    # Distinct lower-case words, unstemmed, without digits: what suggestions may offer.
    "kb_article_words(text, text, text)": """
        CREATE FUNCTION kb_article_words(title text, tags text, body text) RETURNS SETOF text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT word FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig,
            kb_search_text(coalesce(title, '') || ' ' || coalesce(tags, '') || ' '
                           || coalesce(body, ''))))) AS word
          WHERE length(word) BETWEEN 2 AND 40 AND word !~ '[0-9]'
        $$""",
}


def _pg_words_delta(sources: str) -> str:
    """Add to kb_search_words the (word, audience) changes of `sources`, a query giving
    (title, tags_text, body_text, status, visibility, change)."""
    return f"""
          INSERT INTO kb_search_words AS v (word, audience, articles)
          SELECT w.word, kb_audience(s.status, s.visibility), sum(s.change)
          FROM ({sources}) AS s, kb_article_words(s.title, s.tags_text, s.body_text) AS w(word)
          GROUP BY 1, 2 HAVING sum(s.change) <> 0 ORDER BY 1, 2
          ON CONFLICT (word, audience) DO UPDATE SET articles = v.articles + excluded.articles;"""


_PG_FIELDS = "title, tags_text, body_text, status, visibility"
_PG_CHANGED = f"""
    SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (o.title, o.tags_text, o.body_text, o.status, o.visibility)
          IS DISTINCT FROM (n.title, n.tags_text, n.body_text, n.status, n.visibility)"""

_PG_TRIGGER_FUNCTIONS = {
    "kb_search_words_added()": f"""
        CREATE FUNCTION kb_search_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {_pg_words_delta(f"SELECT {_PG_FIELDS}, 1 AS change FROM new_rows")}
          RETURN NULL;
        END $$""",
    "kb_search_words_removed()": f"""
        CREATE FUNCTION kb_search_words_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {_pg_words_delta(f"SELECT {_PG_FIELDS}, -1 AS change FROM old_rows")}
          RETURN NULL;
        END $$""",
    "kb_search_words_changed()": f"""
        CREATE FUNCTION kb_search_words_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {
        _pg_words_delta(
            f"SELECT {_PG_FIELDS}, -1 AS change FROM old_rows WHERE id IN ({_PG_CHANGED}) "
            f"UNION ALL SELECT {_PG_FIELDS}, 1 FROM new_rows WHERE id IN ({_PG_CHANGED})"
        )
    }
          RETURN NULL;
        END $$""",
    "kb_search_words_emptied()": """
        CREATE FUNCTION kb_search_words_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM kb_search_words;
          RETURN NULL;
        END $$""",
    # Per statement, over its transition table: one aggregated write for a batch of tags.
    # The statements that read kb_articles or kb_article_tags are planned on each call
    # (EXECUTE): a plan cached while the tables were small would scan them whole ever
    # after, on every row of a bulk load.
    "kb_tag_counts_tags_added()": """
        CREATE FUNCTION kb_tag_counts_tags_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE 'INSERT INTO kb_tag_counts AS c (tag, audience, articles)
            SELECT t.tag, kb_audience(a.status, a.visibility), count(*)
            FROM new_rows t JOIN kb_articles a ON a.id = t.article_id
            GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (tag, audience) DO UPDATE SET articles = c.articles + excluded.articles';
          RETURN NULL;
        END $$""",
    # Tags whose article is gone (a cascade) were counted by the article's own trigger.
    "kb_tag_counts_tags_removed()": """
        CREATE FUNCTION kb_tag_counts_tags_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE 'UPDATE kb_tag_counts c SET articles = c.articles - d.articles
            FROM (SELECT t.tag, kb_audience(a.status, a.visibility) AS audience,
                         count(*) AS articles
                  FROM old_rows t JOIN kb_articles a ON a.id = t.article_id
                  GROUP BY 1, 2) AS d
            WHERE c.tag = d.tag AND c.audience = d.audience';
          DELETE FROM kb_tag_counts
           WHERE articles <= 0 AND tag IN (SELECT tag FROM old_rows);
          RETURN NULL;
        END $$""",
    "kb_tag_counts_article_removed()": """
        CREATE FUNCTION kb_tag_counts_article_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE 'UPDATE kb_tag_counts c SET articles = c.articles - 1 FROM kb_article_tags t
            WHERE t.article_id = $1 AND c.tag = t.tag AND c.audience = $2'
            USING OLD.id, kb_audience(OLD.status, OLD.visibility);
          EXECUTE 'DELETE FROM kb_tag_counts c USING kb_article_tags t
            WHERE t.article_id = $1 AND c.tag = t.tag AND c.articles <= 0' USING OLD.id;
          RETURN OLD;
        END $$""",
    "kb_tag_counts_article_moved()": """
        CREATE FUNCTION kb_tag_counts_article_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE 'UPDATE kb_tag_counts c SET articles = c.articles - 1 FROM kb_article_tags t
            WHERE t.article_id = $1 AND c.tag = t.tag AND c.audience = $2'
            USING NEW.id, kb_audience(OLD.status, OLD.visibility);
          EXECUTE 'DELETE FROM kb_tag_counts c USING kb_article_tags t
            WHERE t.article_id = $1 AND c.tag = t.tag AND c.articles <= 0' USING NEW.id;
          EXECUTE 'INSERT INTO kb_tag_counts AS c (tag, audience, articles)
            SELECT t.tag, $2, 1 FROM kb_article_tags t WHERE t.article_id = $1 ORDER BY t.tag
            ON CONFLICT (tag, audience) DO UPDATE SET articles = c.articles + 1'
            USING NEW.id, kb_audience(NEW.status, NEW.visibility);
          RETURN NULL;
        END $$""",
    "kb_tag_counts_emptied()": """
        CREATE FUNCTION kb_tag_counts_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM kb_tag_counts;
          RETURN NULL;
        END $$""",
}

_PG_TRIGGERS = {
    (
        "kb_search_words_added",
        "kb_articles",
    ): "AFTER INSERT ON kb_articles REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_search_words_added()",
    (
        "kb_search_words_removed",
        "kb_articles",
    ): "AFTER DELETE ON kb_articles REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_search_words_removed()",
    (
        "kb_search_words_changed",
        "kb_articles",
    ): "AFTER UPDATE ON kb_articles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_search_words_changed()",
    (
        "kb_search_words_emptied",
        "kb_articles",
    ): "AFTER TRUNCATE ON kb_articles FOR EACH STATEMENT EXECUTE FUNCTION kb_search_words_emptied()",
    (
        "kb_tag_counts_tags_added",
        "kb_article_tags",
    ): "AFTER INSERT ON kb_article_tags REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_tag_counts_tags_added()",
    (
        "kb_tag_counts_tags_removed",
        "kb_article_tags",
    ): "AFTER DELETE ON kb_article_tags REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION kb_tag_counts_tags_removed()",
    (
        "kb_tag_counts_emptied",
        "kb_article_tags",
    ): "AFTER TRUNCATE ON kb_article_tags FOR EACH STATEMENT EXECUTE FUNCTION kb_tag_counts_emptied()",
    (
        "kb_tag_counts_article_removed",
        "kb_articles",
    ): "BEFORE DELETE ON kb_articles FOR EACH ROW EXECUTE FUNCTION kb_tag_counts_article_removed()",
    (
        "kb_tag_counts_article_moved",
        "kb_articles",
    ): "AFTER UPDATE OF status, visibility ON kb_articles FOR EACH ROW "
    "WHEN (kb_audience(OLD.status, OLD.visibility) IS DISTINCT FROM "
    "kb_audience(NEW.status, NEW.visibility)) "
    "EXECUTE FUNCTION kb_tag_counts_article_moved()",
}


def _pg_search_vector(text_of) -> str:
    return (
        "ALTER TABLE kb_articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        f"setweight(to_tsvector('english'::regconfig, {text_of('title')}), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, {text_of('tags_text')}), 'B') || "
        f"setweight(to_tsvector('english'::regconfig, {text_of('body_text')}), 'C')"
        ") STORED"
    )


def _pg_replace_search_vector(text_of):
    op.execute("DROP INDEX IF EXISTS ix_kb_articles_search_vector")
    op.execute("ALTER TABLE kb_articles DROP COLUMN IF EXISTS search_vector")
    op.execute(_pg_search_vector(text_of))
    op.execute("CREATE INDEX ix_kb_articles_search_vector ON kb_articles USING gin (search_vector)")


def _postgresql_upgrade():
    for ddl in _PG_FUNCTIONS.values():
        op.execute(ddl)
    _pg_replace_search_vector(lambda column: f"kb_search_text({column})")
    op.execute(
        "ALTER TABLE kb_articles ADD COLUMN title_vector tsvector GENERATED ALWAYS AS ("
        "to_tsvector('english'::regconfig, kb_search_text(title))) STORED"
    )
    op.execute(
        'CREATE TABLE kb_search_words (word text COLLATE "C" NOT NULL, '
        "audience varchar(10) NOT NULL, articles integer NOT NULL, "
        "CONSTRAINT pk_kb_search_words PRIMARY KEY (word, audience))"
    )
    for ddl in _PG_TRIGGER_FUNCTIONS.values():
        op.execute(ddl)
    for (name, _table), definition in _PG_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")
    op.execute(
        "INSERT INTO kb_search_words (word, audience, articles) "
        "SELECT w.word, kb_audience(a.status, a.visibility), count(*) FROM kb_articles a, "
        "kb_article_words(a.title, a.tags_text, a.body_text) AS w(word) GROUP BY 1, 2"
    )
    op.execute(
        "INSERT INTO kb_tag_counts (tag, audience, articles) "
        "SELECT t.tag, kb_audience(a.status, a.visibility), count(*) "
        "FROM kb_article_tags t JOIN kb_articles a ON a.id = t.article_id GROUP BY 1, 2"
    )


def _postgresql_downgrade():
    for (name, table), _definition in _PG_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for signature in _PG_TRIGGER_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute("DROP TABLE IF EXISTS kb_search_words")
    op.execute("ALTER TABLE kb_articles DROP COLUMN IF EXISTS title_vector")
    _pg_replace_search_vector(lambda column: f"coalesce({column}, '')")
    for signature in reversed(list(_PG_FUNCTIONS)):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")

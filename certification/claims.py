"""Insert a row unless its key is already taken, and say whether this call inserted it.

The worker's notices and the compliance verdicts are claimed this way: with two
processes racing, the primary key lets exactly one insert win (on PostgreSQL the other
waits for the winner's commit, then inserts nothing). `INSERT ... ON CONFLICT DO
NOTHING` needs no savepoint: on SQLite, whose driver opens transactions only before a
write, a savepoint that is the first statement of a transaction commits on release,
which would separate a claim from the mail it announces.
"""

from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_once(model, **values) -> bool:
    """Insert `values` into `model`'s table; False when a row with that key exists."""
    insert = _INSERTS[db.session.get_bind().dialect.name]
    table = model.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    # RETURNING gives the row only when it went in (rowcount is not reliable here: the
    # psycopg driver answers -1 for this statement).
    return db.session.execute(statement).first() is not None

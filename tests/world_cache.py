"""A cache of the test worlds (`world`, `esc`): built once a session, then restored.

The first test of a session that asks for a world builds it through the real services
and commits; the cache then reads what the build left in the database: the rows of every
non-empty table, the sequence positions (PostgreSQL) and the ids of the objects the
world's dataclass holds. Each later test gets the same rows back by a bulk INSERT a table
(in foreign-key order, values exactly as read: raw driver values, JSON as its text), the
sequences set where the build left them, and the dataclass loaded by id in the test's
session, then a commit: the test sees what a fresh build would have given it, with the
same ids. A world built on another (`esc` on `world`) keeps only what its build added or
changed: rows inserted and rows updated.

A test gets a fresh build, and the cache is left alone, when the database is not as the
cached build found it (a fixture wrote before the world, or between `world` and `esc`),
when a monkeypatch is active as the world is asked for, or when the cache is turned off
with TEST_WORLD_CACHE=0. The cache key holds the day (the worlds hold certifications
issued days before today) and the app's configuration.

Tables kept by triggers (the search tables) cannot be restored by inserting rows, as the
triggers would write their rows a second time: a world that writes to a table with a
trigger, or to a table outside the models, is refused loudly.
"""

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import JSON, event, select, text

from portal.extensions import db
from portal.models.base import utcnow

ENABLED = os.environ.get("TEST_WORLD_CACHE", "1") != "0"

#: (world name, its base's snapshot, dialect, day, configuration) -> the snapshot, or
#: None when the build cannot be replayed.
_snapshots: dict[tuple, "Snapshot | None"] = {}
#: Snapshots kept of a world, at most: one a configuration the tests share.
_KEYS_PER_WORLD = 6
#: Per test: world name -> (its snapshot, the write count when the database held exactly it).
_STATE = pytest.StashKey[dict]()


@dataclass
class Snapshot:
    ids: Any
    #: table name -> {primary key: row}, the whole database after the build.
    rows: dict[str, dict[tuple, tuple]]
    #: What to write on top of the base world: [(table, rows)] in foreign-key order.
    inserts: list[tuple[Any, list[tuple]]] = field(default_factory=list)
    updates: list[tuple[Any, list[tuple]]] = field(default_factory=list)
    sequences: list[tuple[str, int]] = field(default_factory=list)


class _Writes:
    """Counts the statements that write, on the app's engine."""

    count = 0
    engine = None

    @classmethod
    def watch(cls) -> None:
        if cls.engine is not db.engine:
            cls.engine = db.engine
            event.listen(db.engine, "before_cursor_execute", cls._seen)

    @classmethod
    def _seen(cls, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:8].upper().startswith(("INSERT", "UPDATE", "DELETE", "TRUNCATE")):
            cls.count += 1


def cached(
    request,
    name: str,
    build: Callable[[], Any],
    ids_of: Callable[[Any], Any],
    load: Callable[[Any], Any],
    base: str | None = None,
) -> Any:
    """The world `name`: restored from the cache, or built by `build()` (and cached).

    `ids_of(world)` gives what `load(ids)` needs to give the world back (ids, loaded in
    the test's session); `base` names the cached world this one is built on, which the
    test must already hold, untouched.
    """
    if not ENABLED:
        return build()
    _Writes.watch()
    state = request.node.stash.setdefault(_STATE, {})
    if base is None:
        base_snapshot = None
        untouched = _database_is_empty()
    else:
        base_snapshot, writes = state.get(base, (None, -1))
        untouched = base_snapshot is not None and writes == _Writes.count
    if not untouched or _monkeypatched(request):
        return build()
    key = (name, id(base_snapshot), db.engine.dialect.name, utcnow().date(), _config_key(request))
    if key in _snapshots:
        snapshot = _snapshots[key]
        if snapshot is None:
            return build()
        _restore(snapshot)
        world = load(snapshot.ids)
        db.session.commit()
    elif sum(k[0] == name for k in _snapshots) >= _KEYS_PER_WORLD:
        return build()  # a configuration of one test's own (a random signing key, say)
    else:
        world = build()
        snapshot = _capture(ids_of(world), base_snapshot)
        _snapshots[key] = snapshot
        db.session.commit()
        if snapshot is None:
            return world
    state[name] = (snapshot, _Writes.count)
    return world


def load_by_id(model, ids: Iterable[int]) -> dict[int, Any]:
    """`model`'s rows with these ids, loaded in one query: {id: object}."""
    ids = set(ids)
    objects = {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids)))}
    assert set(objects) == ids, f"{model.__name__} {ids - set(objects)} missing"
    return objects


# --- Preconditions ----------------------------------------------------------------------


def _monkeypatched(request) -> bool:
    """Whether a monkeypatch is in force already (it might change what the build does)."""
    if "monkeypatch" not in request.fixturenames:
        return False
    patch = request.getfixturevalue("monkeypatch")
    return bool(patch._setattr or patch._setitem or patch._cwd or patch._savesyspath)


def _config_key(request) -> int:
    app = request.getfixturevalue("app")
    return hash(tuple(sorted((k, repr(v)) for k, v in app.config.items())))


def _database_is_empty() -> bool:
    """No row in any table and, on PostgreSQL, no sequence used: as after the teardown."""
    conn = db.session.connection()
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in _all_tables(conn)
    )
    if conn.dialect.name == "postgresql":
        probe += (
            " UNION ALL SELECT sequencename::text FROM pg_sequences "
            "WHERE schemaname = 'public' AND last_value IS NOT NULL"
        )
    return not conn.execute(text(probe)).first()


_catalog: dict[str, Any] = {}


def _all_tables(conn) -> list[str]:
    """Every table the migrations made, except alembic_version and SQLite's full-text
    tables (some cannot be scanned; their shadow tables hold rows even when empty): the
    triggers keep them from kb_articles and escalations, which are probed."""
    if conn.dialect.name not in _catalog:
        if conn.dialect.name == "postgresql":
            names = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        else:
            rows = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            ).all()
            virtual = [n for n, sql in rows if sql and sql.upper().startswith("CREATE VIRTUAL")]
            names = [
                n
                for n, _ in rows
                if not n.startswith("sqlite_") and not any(n.startswith(v) for v in virtual)
            ]
        _catalog[conn.dialect.name] = sorted(set(names) - {"alembic_version"})
    return _catalog[conn.dialect.name]


def _tables_with_triggers(conn) -> set[str]:
    if conn.dialect.name == "postgresql":
        query = "SELECT DISTINCT event_object_table FROM information_schema.triggers"
    else:
        query = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'"
    return set(conn.execute(text(query)).scalars())


# --- Capture and restore ----------------------------------------------------------------


def _columns(table) -> list:
    return list(table.columns)


def _is_json(column) -> bool:
    return isinstance(column.type, JSON)


def _select_sql(conn, table) -> str:
    """The raw rows of `table`: driver values, JSON as its text (SQL NULL stays NULL)."""
    q = conn.dialect.identifier_preparer.quote
    pg = conn.dialect.name == "postgresql"
    cols = ", ".join(
        f"{q(c.name)}::text" if pg and _is_json(c) else q(c.name) for c in _columns(table)
    )
    return f"SELECT {cols} FROM {q(table.name)}"


def _placeholder(conn, column) -> str:
    if conn.dialect.name == "postgresql":
        return "%s::json" if _is_json(column) else "%s"
    return "?"


def _assignment(conn, column) -> str:
    return f"{conn.dialect.identifier_preparer.quote(column.name)} = {_placeholder(conn, column)}"


def _capture(ids, base: Snapshot | None) -> Snapshot | None:
    """What the build left in the database, as a delta on `base` (None if it cannot be
    replayed: the build deleted a row of its base)."""
    conn = db.session.connection()
    models = {t.name: t for t in db.metadata.sorted_tables}
    written = {
        name
        for name in _all_tables(conn)
        if conn.execute(text(f"SELECT 1 FROM {name} LIMIT 1")).first()
    }
    outside = written - set(models)
    triggered = written & _tables_with_triggers(conn)
    assert not outside and not triggered, (
        f"a cached test world wrote to tables kept by triggers ({sorted(triggered)}) or "
        f"outside the models ({sorted(outside)}): inserting its rows again would make the "
        "triggers write twice. Keep such rows out of the world, or run with "
        "TEST_WORLD_CACHE=0."
    )
    if conn.dialect.name == "sqlite":
        assert not conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first(), "a table uses AUTOINCREMENT: the cache would have to keep sqlite_sequence"
    snapshot = Snapshot(ids=ids, rows={})
    base_rows = base.rows if base else {}
    for table in db.metadata.sorted_tables:
        if table.name not in written:
            continue
        positions = [i for i, c in enumerate(_columns(table)) if c.primary_key]
        rows = {}
        for row in conn.exec_driver_sql(_select_sql(conn, table)):
            rows[tuple(row[i] for i in positions) or tuple(row)] = tuple(row)
        snapshot.rows[table.name] = rows
        before = base_rows.get(table.name, {})
        if set(before) - set(rows):
            return None
        inserted = [row for pk, row in rows.items() if pk not in before]
        changed = [row for pk, row in rows.items() if pk in before and before[pk] != row]
        if inserted:
            snapshot.inserts.append((table, inserted))
        if changed:
            snapshot.updates.append((table, changed))
    if any(name not in snapshot.rows for name in base_rows):
        return None
    if conn.dialect.name == "postgresql":
        snapshot.sequences = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), "
                    "last_value FROM pg_sequences WHERE last_value IS NOT NULL"
                )
            )
        ]
    return snapshot


def _restore(snapshot: Snapshot) -> None:
    conn = db.session.connection()
    q = conn.dialect.identifier_preparer.quote
    for table, rows in snapshot.inserts:
        columns = _columns(table)
        conn.exec_driver_sql(
            f"INSERT INTO {q(table.name)} ({', '.join(q(c.name) for c in columns)}) "
            f"VALUES ({', '.join(_placeholder(conn, c) for c in columns)})",
            rows,
        )
    for table, rows in snapshot.updates:
        columns = _columns(table)
        keys = [i for i, c in enumerate(columns) if c.primary_key]
        values = [i for i, c in enumerate(columns) if not c.primary_key]
        assignments = ", ".join(_assignment(conn, columns[i]) for i in values)
        where = " AND ".join(_assignment(conn, columns[i]) for i in keys)
        conn.exec_driver_sql(
            f"UPDATE {q(table.name)} SET {assignments} WHERE {where}",
            [tuple(row[i] for i in values + keys) for row in rows],
        )
    if snapshot.sequences:
        names, positions = zip(*snapshot.sequences, strict=True)
        conn.execute(
            text(
                "SELECT setval(name::regclass, position, true) "
                "FROM unnest(CAST(:names AS text[]), CAST(:positions AS bigint[])) "
                "AS s(name, position)"
            ),
            {"names": list(names), "positions": list(positions)},
        )

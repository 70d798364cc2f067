"""The test worlds' cache (tests/world_cache.py) gives back what a fresh build gives: the
same rows with the same ids, the same sequence positions, the same dataclasses."""

import pytest
from sqlalchemy import text

from portal.extensions import db
from tests.conftest import _empty_all_tables
from tests.escalations.support import build_escalation_world, escalation_world
from tests.factories import build_world, load_world, world_ids
from tests.world_cache import ENABLED, _select_sql, cached


def database() -> dict:
    """Every row of every table by primary key, as the driver gives it, and (PostgreSQL)
    every sequence used."""
    conn = db.session.connection()
    rows = {}
    for table in db.metadata.sorted_tables:
        order = ", ".join(str(i + 1) for i, c in enumerate(table.columns) if c.primary_key)
        rows[table.name] = [
            tuple(row)
            for row in conn.exec_driver_sql(f"{_select_sql(conn, table)} ORDER BY {order}")
        ]
    if conn.dialect.name == "postgresql":
        rows["sequences"] = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE last_value IS NOT NULL ORDER BY 1"
                )
            )
        ]
    db.session.commit()
    return rows


def start_again() -> None:
    db.session.remove()
    _empty_all_tables()


def differences(a: dict, b: dict) -> set[tuple[str, int, int]]:
    """(table, row, column) where `a` and `b` differ, the same tables and row counts."""
    assert a.keys() == b.keys()
    found = set()
    for table in a:
        assert len(a[table]) == len(b[table]), table
        for r, (row_a, row_b) in enumerate(zip(a[table], b[table], strict=True)):
            found |= {
                (table, r, c) for c, (x, y) in enumerate(zip(row_a, row_b, strict=True)) if x != y
            }
    return found


def ids(world, esc) -> tuple:
    return (
        world_ids(world),
        {slug: env.id for slug, env in esc.environments.items()},
        {key: user.id for key, user in world.users.items()},
    )


def fresh() -> tuple[dict, tuple]:
    world = build_world()
    esc = build_escalation_world(world)
    return database(), ids(world, esc)


@pytest.mark.skipif(not ENABLED, reason="TEST_WORLD_CACHE=0 turns the cache off")
def test_a_restored_world_and_escalation_world_are_what_a_fresh_build_gives(request, count_queries):
    built, built_ids = fresh()
    start_again()
    rebuilt, rebuilt_ids = fresh()
    assert built_ids == rebuilt_ids
    # What differs between two builds (when rows were written, the password hashes'
    # salts): a restore may differ there only.
    volatile = differences(built, rebuilt)
    names = {(table, list(db.metadata.tables[table].columns)[c].name) for table, _, c in volatile}
    assert {
        (table, column)
        for table, column in names
        if not column.endswith("_at") and column != "in_force_from"
    } <= {
        ("users", "password_hash"),  # salted
        ("users", "name"),  # "User <n>", from the factories' counter
        ("certifications", "code"),  # random
        ("audit_entries", "after"),  # holds the times and the code
        ("outbox_messages", "body"),  # holds the code
    }

    for _ in range(2):  # the first may fill the cache (if no test did), the second restores
        start_again()
        with count_queries() as queries:
            world = cached(request, "world", build_world, world_ids, load_world)
            esc = escalation_world(request, world)
        restored = database()
        assert differences(restored, rebuilt) <= volatile
        assert ids(world, esc) == rebuilt_ids
    assert queries.count <= 40, "the worlds were built, not restored"
    assert list(world.users) == [
        "vendor_admin",
        "support_manager",
        "vendor_engineer",
        "acme_admin",
        "acme_tech",
        "globex_admin",
        "globex_tech",
        "acme_newbie",
        "acme_colleague",
        "globex_newbie",
        "globex_colleague",
    ]
    assert world.user("globex_newbie").email == "newbie@globex.example"
    assert esc.environments["globex"].partner is world.globex
    assert esc.release.version == "4.1.0"


def test_a_world_asked_for_over_rows_written_before_is_built_afresh(request):
    start_again()
    db.session.execute(text("INSERT INTO products (slug, name) VALUES ('first', 'First')"))
    db.session.commit()
    world = cached(request, "world", build_world, world_ids, load_world)
    assert world.product.id == 2
    assert world.users["vendor_admin"].id == 1

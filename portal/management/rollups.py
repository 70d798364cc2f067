"""The escalation roll-ups, kept in the same transaction as the escalations.

A `before_flush` hook on every session sees each escalation about to be written (new,
changed or deleted), reads what it contributed before from the database, works out what
it contributes now (`portal.management.tally.contribution`) and adds the difference to
its month's roll-up rows with one upsert per row (`INSERT ... ON CONFLICT DO UPDATE SET
n = n + excluded.n`), in key order so that two transactions never wait on each other in
a cycle. Whatever writes an escalation (the services, the API, the demo, a test) keeps
the roll-ups right, and a rolled-back transaction takes its roll-up changes with it.

`check()` sums every escalation's contribution again and lists where the roll-ups
differ; `rebuild()` replaces them with that sum (`flask rollups check|rebuild`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalations.models import Escalation
from portal.extensions import db
from portal.management.tally import COUNTS, FIELDS, Tally, contribution
from portal.models.rollups import EscalationRollup, EscalationRollupCount

Key = tuple[int, int, date]
_ROLLUPS = EscalationRollup.__table__
_COUNTS = EscalationRollupCount.__table__
_ESCALATIONS = Escalation.__table__
#: Attributes whose change can move an escalation's contribution.
_WATCHED = (*FIELDS, "partner", "product")


def _values(escalation: Escalation) -> dict:
    """The contribution fields of an escalation as the flush is about to write them.

    Foreign keys set through a relationship (`escalation.product = p`) are not copied to
    the column until the flush itself, so they are read from the related object.
    """
    state = escalation.__dict__
    values = {name: state.get(name) for name in FIELDS}
    for column, relation in (("partner_id", "partner"), ("product_id", "product")):
        related = state.get(relation)
        if related is not None:
            values[column] = related.id
    return values


def _changed(escalation: Escalation) -> bool:
    attrs = inspect(escalation).attrs
    return any(attrs[name].history.has_changes() for name in _WATCHED)


def _stored_values(connection, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    columns = [_ESCALATIONS.c.id, *(_ESCALATIONS.c[name] for name in FIELDS)]
    rows = connection.execute(select(*columns).where(_ESCALATIONS.c.id.in_(ids)))
    return {row.id: dict(row._mapping) for row in rows}


def _deltas(session: Session) -> dict[Key, Tally]:
    escalations = [obj for obj in session.new if isinstance(obj, Escalation)]
    changed = [
        obj
        for obj in session.dirty
        if isinstance(obj, Escalation) and obj.id is not None and _changed(obj)
    ]
    deleted = [obj for obj in session.deleted if isinstance(obj, Escalation)]
    if not (escalations or changed or deleted):
        return {}
    before = _stored_values(session.connection(), [obj.id for obj in changed + deleted])
    deltas: dict[Key, Tally] = defaultdict(Tally)
    for obj in escalations + changed:
        after = contribution(_values(obj))
        if after is not None:
            deltas[after[0]].add(after[1])
    for obj in changed + deleted:
        old = before.get(obj.id)
        previous = contribution(old) if old is not None else None
        if previous is not None:
            deltas[previous[0]].add(previous[1], sign=-1)
    return {key: tally for key, tally in deltas.items() if not tally.is_empty()}


def _insert(connection, table):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def apply_deltas(connection, deltas: dict[Key, Tally]) -> None:
    """Add each key's counts to its roll-up rows, creating them when missing."""
    for (partner_id, product_id, month), tally in sorted(deltas.items()):
        key = {"partner_id": partner_id, "product_id": product_id, "month": month}
        statement = _insert(connection, _ROLLUPS).values(
            **key, **{name: getattr(tally, name) for name in COUNTS}
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["partner_id", "product_id", "month"],
                set_={name: _ROLLUPS.c[name] + statement.excluded[name] for name in COUNTS},
            )
        )
        for kind in ("reason", "triage", "resolve"):
            for name, count in sorted(tally.breakdown(kind).items()):
                if not count:
                    continue
                statement = _insert(connection, _COUNTS).values(
                    **key, kind=kind, key=name, count=count
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=["partner_id", "product_id", "month", "kind", "key"],
                        set_={"count": _COUNTS.c.count + statement.excluded.count},
                    )
                )


@event.listens_for(Session, "before_flush")
def _keep_rollups(session: Session, flush_context, instances) -> None:
    deltas = _deltas(session)
    if deltas:
        apply_deltas(session.connection(), deltas)


# Checking and rebuilding ---------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    key: Key
    field: str
    stored: int
    recomputed: int

    def __str__(self) -> str:
        partner_id, product_id, month = self.key
        return (
            f"partner {partner_id}, product {product_id}, {month:%Y-%m}: {self.field} "
            f"is {self.stored}, the escalations say {self.recomputed}"
        )


def recompute() -> dict[Key, Tally]:
    """Every submitted escalation's contribution, summed per roll-up key."""
    columns = [_ESCALATIONS.c[name] for name in FIELDS]
    rows = db.session.execute(
        select(*columns)
        .where(_ESCALATIONS.c.submitted_at.is_not(None))
        .execution_options(yield_per=2000)
    )
    sums: dict[Key, Tally] = defaultdict(Tally)
    for row in rows:
        result = contribution(dict(row._mapping))
        if result is not None:
            sums[result[0]].add(result[1])
    return dict(sums)


def stored() -> dict[Key, Tally]:
    """The roll-ups as they are."""
    sums: dict[Key, Tally] = defaultdict(Tally)
    for row in db.session.execute(select(_ROLLUPS)):
        tally = sums[(row.partner_id, row.product_id, row.month)]
        for name in COUNTS:
            setattr(tally, name, getattr(row, name))
    for row in db.session.execute(select(_COUNTS)):
        tally = sums[(row.partner_id, row.product_id, row.month)]
        tally.breakdown(row.kind)[row.key] = row.count
    return dict(sums)


def _flatten(tally: Tally) -> dict[str, int]:
    flat = {name: getattr(tally, name) for name in COUNTS}
    for kind in ("reason", "triage", "resolve"):
        for name, count in tally.breakdown(kind).items():
            flat[f"{kind}:{name}"] = count
    return {name: count for name, count in flat.items() if count}


def compare(left: dict[Key, Tally], right: dict[Key, Tally]) -> list[Difference]:
    differences = []
    for key in sorted(set(left) | set(right)):
        a, b = _flatten(left.get(key, Tally())), _flatten(right.get(key, Tally()))
        for name in sorted(set(a) | set(b)):
            if a.get(name, 0) != b.get(name, 0):
                differences.append(Difference(key, name, a.get(name, 0), b.get(name, 0)))
    return differences


def check() -> list[Difference]:
    """Where the roll-ups differ from the escalations (empty when they agree)."""
    return compare(stored(), recompute())


def rebuild() -> list[Difference]:
    """Replace the roll-ups by a recomputation; returns what was wrong. Does not commit.

    On PostgreSQL the escalations are locked against writers for the rest of the
    transaction, so that no change slips between the recomputation and the rewrite.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE escalations IN SHARE MODE"))
    fresh = recompute()
    differences = compare(stored(), fresh)
    db.session.execute(delete(_COUNTS))
    db.session.execute(delete(_ROLLUPS))
    apply_deltas(db.session.connection(), fresh)
    return differences

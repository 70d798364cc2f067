"""Demo seeding: rows written through the services dated on the day they happened."""

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def dated(moment: datetime, *models: type):
    """Rows of `models` first written inside the block are created at `moment`, not at the
    seeding's now (their `created_at` is stamped as they are flushed)."""
    session = db.session()

    def stamp(session, flush_context, instances):
        for row in session.new:
            if isinstance(row, models) and row.created_at is None:
                row.created_at = moment

    event.listen(session, "before_flush", stamp)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "before_flush", stamp)

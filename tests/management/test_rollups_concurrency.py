"""Two requests changing escalations of the same month at once both count (PostgreSQL)."""

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from escalations.models import Escalation
from portal.extensions import db
from portal.management import rollups
from portal.models.base import utcnow
from portal.models.rollups import EscalationRollup
from tests.management.rollup_support import placed

pytestmark = pytest.mark.skipif(
    "postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
    reason="concurrent writers run against PostgreSQL (the embedded SQLite serves one)",
)


def test_two_rejections_at_once_are_both_counted(app, esc):
    moment = utcnow() - timedelta(days=1)
    ids = [placed(esc, moment).id, placed(esc, moment).id]
    db.session.commit()
    both_changed = threading.Barrier(2, timeout=20)
    errors = []

    def reject(escalation_id):
        try:
            with app.app_context():
                escalation = db.session.get(Escalation, escalation_id)
                escalation.status = "rejected"
                escalation.rejection_reason = "duplicate"
                both_changed.wait()  # both read the roll-up's old figures before writing
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            both_changed.abort()

    threads = [threading.Thread(target=reject, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(EscalationRollup.rejected)) == 2
    assert rollups.check() == []

"""`current_clause` (SQL) and `status_of` (Python) agree, on generated certifications and days."""

from datetime import UTC, date, datetime, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from certification.models import Certification
from certification.status import current_clause, status_of
from portal.extensions import db
from tests.certification.lifecycle_support import product_with_releases
from tests.factories import make_partner, make_user

BASE = date(2026, 1, 1)
_codes = count(1)

offsets = st.integers(min_value=0, max_value=60)
certifications = st.lists(
    st.fixed_dictionaries(
        {
            "issued": offsets,
            "length": st.integers(min_value=0, max_value=40),
            "lapse": st.none() | offsets,
            "revoked": st.booleans(),
        }
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(generated=certifications, day=offsets)
def test_sql_and_python_agree_on_what_counts(app, generated, day):
    partner = make_partner()
    user = make_user("technician", partner)
    product = product_with_releases(("1.0", date(2025, 1, 1), True))
    rows = []
    for spec in generated:
        issued = BASE + timedelta(days=spec["issued"])
        row = Certification(
            code=f"PROP-{next(_codes)}",
            user_id=user.id,
            partner_id=partner.id,
            product_id=product.id,
            release_id=product.releases[0].id,
            issued_on=issued,
            expires_on=issued + timedelta(days=spec["length"]),
            lapses_on=None if spec["lapse"] is None else BASE + timedelta(days=spec["lapse"]),
            revoked_at=datetime(2026, 1, 1, tzinfo=UTC) if spec["revoked"] else None,
            revoked_reason="left the partner" if spec["revoked"] else None,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    today = BASE + timedelta(days=day)
    try:
        in_sql = set(
            db.session.scalars(
                select(Certification.id).where(
                    current_clause(today), Certification.user_id == user.id
                )
            )
        )
        in_python = {row.id for row in rows if status_of(row, today) == "valid"}
        assert in_sql == in_python
    finally:
        db.session.rollback()  # nothing was committed: each example starts empty

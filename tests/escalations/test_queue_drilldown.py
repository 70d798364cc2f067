"""The queue's drill-down filters (the partner review links each count to them): the
rejection reason and the days of submission, checked, and read through an index."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from escalations.queue_views import QueueFilters, queue_stmt
from portal.extensions import db
from tests.factories import signed_in
from tests.management.rollup_support import placed


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@pytest.fixture
def rejected(esc):
    """acme: customisation on 31 Aug 23:59, 1 Sep 00:00 and 30 Sep 23:59, duplicate on
    10 Sep, customisation on 1 Oct 00:00; globex: customisation on 10 Sep."""
    made = {
        "aug31": placed(esc, at("2026-08-31", 23, 59), "rejected", reason="customization"),
        "sep1": placed(esc, at("2026-09-01", 0), "rejected", reason="customization"),
        "sep30": placed(esc, at("2026-09-30", 23, 59), "rejected", reason="customization"),
        "dup": placed(esc, at("2026-09-10"), "rejected", reason="duplicate"),
        "oct1": placed(esc, at("2026-10-01", 0), "rejected", reason="customization"),
        "globex": placed(esc, at("2026-09-10"), "rejected", "globex", reason="customization"),
    }
    db.session.commit()
    return {key: e.id for key, e in made.items()}


def listed(client, **query) -> set[int]:
    response = client.get("/escalations", query_string=query)
    assert response.status_code == 200
    return {int(i) for i in re.findall(r'data-escalation="(\d+)"', response.get_data(as_text=True))}


SEPTEMBER = {"status": "rejected", "submitted_from": "2026-09-01", "submitted_to": "2026-09-30"}


def test_a_reason_and_a_month_of_submission_list_exactly_their_escalations(app, esc, rejected):
    client = signed_in(app, esc.user("support_manager"))
    acme = esc.world.acme.id
    found = listed(client, partner=acme, reason="customization", **SEPTEMBER)
    # Both ends of the month are in (UTC days); the days around it are out.
    assert found == {rejected["sep1"], rejected["sep30"]}
    assert listed(client, partner=acme, reason="duplicate", **SEPTEMBER) == {rejected["dup"]}
    everything = listed(client, partner=acme, **SEPTEMBER)
    assert everything == {rejected["sep1"], rejected["sep30"], rejected["dup"]}
    assert listed(client, reason="customization", **SEPTEMBER) == {
        rejected["sep1"],
        rejected["sep30"],
        rejected["globex"],
    }
    only_from = listed(client, partner=acme, status="rejected", submitted_from="2026-09-30")
    assert only_from == {rejected["sep30"], rejected["oct1"]}


def test_a_partners_user_drills_into_its_own_escalations_only(app, esc, rejected):
    client = signed_in(app, esc.user("globex_admin"))
    # The partner filter is the vendor's: globex's admin naming acme still sees globex's.
    found = listed(client, partner=esc.world.acme.id, reason="customization", **SEPTEMBER)
    assert found == {rejected["globex"]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"reason": "bogus"}, "Rejection reason: Not a rejection reason."),
        ({"submitted_from": "2026-02-30"}, "Submitted from: A day written YYYY-MM-DD"),
        ({"submitted_to": "1999-12-31"}, "Submitted to: A day written YYYY-MM-DD"),
        ({"submitted_from": "yesterday"}, "Submitted from: A day written YYYY-MM-DD"),
        (
            {"submitted_from": "2026-10-01", "submitted_to": "2026-09-01"},
            "Submitted to: The range ends on or after the day it starts.",
        ),
    ],
)
def test_a_filter_that_is_not_valid_is_named_and_left_out(app, esc, rejected, query, message):
    client = signed_in(app, esc.user("support_manager"))
    response = client.get("/escalations", query_string={"status": "rejected", **query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="filter-problems"' in html
    assert message in html
    # The other filters still apply: every rejected escalation is listed.
    assert len(re.findall(r'data-escalation="\d+"', html)) == len(rejected)


def test_the_filters_are_parsed_from_the_query_string():
    filters = QueueFilters.from_args(
        {"reason": "duplicate", "submitted_from": "2026-09-01", "submitted_to": "2026-09-30"}
    )
    assert (filters.reason, filters.submitted_from, filters.submitted_to) == (
        "duplicate",
        date(2026, 9, 1),
        date(2026, 9, 30),
    )
    assert filters.problems == ()


def test_the_drill_down_reads_through_an_index(app, esc, rejected):
    sent = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    filters = QueueFilters.from_args(
        {"partner": str(esc.world.acme.id), "reason": "customization", **SEPTEMBER}
    )
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        db.session.scalars(queue_stmt(esc.user("support_manager"), filters)).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = sent[-1]
    connection = db.session.connection()
    index = r"ix_escalations_(partner_status|submitted_at|status\w*)"
    if db.engine.dialect.name == "sqlite":
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        text = " ".join(row[-1] for row in plan)
        assert re.search(rf"SEARCH escalations USING INDEX {index}", text), text
    else:
        # A small table would be read whole; ask that an index serves the read (which
        # one the planner prefers depends on the statistics other tests left).
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        text = "\n".join(row[0] for row in plan)
        assert "Seq Scan on escalations" not in text, text
        scan = rf"(Index (Only )?Scan using {index} on escalations|Bitmap Index Scan on {index})"
        assert re.search(scan, text), text

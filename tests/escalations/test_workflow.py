"""The escalation workflow: who may take which action in which state.

TRANSITION_TABLE is written by hand from the contract's transitions table (action, who,
from -> to), not read from escalations.workflow, so widening or narrowing a rule fails
here. Outcomes: ok (the escalation moves to TARGETS[action]), 403 (the role may never
take this action), 409 invalid_transition (the role may, but not in this state).
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from escalations import services
from escalations.models import Escalation, EscalationEvent
from escalations.workflow import allowed_actions, apply_transition
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.base import utcnow
from tests.escalations.support import escalation_in, reload, service_input
from tests.factories import bearer
from tests.knowledge_base.factories import make_article
from tests.support import api_error

ROLES = {
    "v_adm": "vendor_admin",
    "s_mgr": "support_manager",
    "v_eng": "vendor_engineer",
    "a_adm": "acme_admin",
    "a_tec": "acme_tech",
}

TRANSITION_TABLE = """
# action       state               v_adm s_mgr v_eng a_adm a_tec
  accept       draft               409   403   409   403   403
  accept       submitted           ok    403   ok    403   403
  accept       accepted            409   403   409   403   403
  accept       waiting_on_partner  409   403   409   403   403
  accept       rejected            409   403   409   403   403
  accept       resolved            409   403   409   403   403
  accept       closed              409   403   409   403   403
  accept       withdrawn           409   403   409   403   403

  request_info draft               409   403   409   403   403
  request_info submitted           ok    403   ok    403   403
  request_info accepted            ok    403   ok    403   403
  request_info waiting_on_partner  409   403   409   403   403
  request_info rejected            409   403   409   403   403
  request_info resolved            409   403   409   403   403
  request_info closed              409   403   409   403   403
  request_info withdrawn           409   403   409   403   403

  respond      draft               403   403   403   409   409
  respond      submitted           403   403   403   409   409
  respond      accepted            403   403   403   409   409
  respond      waiting_on_partner  403   403   403   ok    ok
  respond      rejected            403   403   403   409   409
  respond      resolved            403   403   403   409   409
  respond      closed              403   403   403   409   409
  respond      withdrawn           403   403   403   409   409

  reject       draft               409   403   409   403   403
  reject       submitted           ok    403   ok    403   403
  reject       accepted            ok    403   ok    403   403
  reject       waiting_on_partner  409   403   409   403   403
  reject       rejected            409   403   409   403   403
  reject       resolved            409   403   409   403   403
  reject       closed              409   403   409   403   403
  reject       withdrawn           409   403   409   403   403

  resolve      draft               409   403   409   403   403
  resolve      submitted           409   403   409   403   403
  resolve      accepted            ok    403   ok    403   403
  resolve      waiting_on_partner  409   403   409   403   403
  resolve      rejected            409   403   409   403   403
  resolve      resolved            409   403   409   403   403
  resolve      closed              409   403   409   403   403
  resolve      withdrawn           409   403   409   403   403

  reopen       draft               403   403   403   409   409
  reopen       submitted           403   403   403   409   409
  reopen       accepted            403   403   403   409   409
  reopen       waiting_on_partner  403   403   403   409   409
  reopen       rejected            403   403   403   409   409
  reopen       resolved            403   403   403   ok    ok
  reopen       closed              403   403   403   409   409
  reopen       withdrawn           403   403   403   409   409

  close        draft               409   409   409   409   409
  close        submitted           409   409   409   409   409
  close        accepted            409   409   409   409   409
  close        waiting_on_partner  409   409   409   409   409
  close        rejected            409   409   409   409   409
  close        resolved            ok    ok    ok    ok    ok
  close        closed              409   409   409   409   409
  close        withdrawn           409   409   409   409   409

  withdraw     draft               403   403   403   409   409
  withdraw     submitted           403   403   403   ok    ok
  withdraw     accepted            403   403   403   ok    ok
  withdraw     waiting_on_partner  403   403   403   ok    ok
  withdraw     rejected            403   403   403   409   409
  withdraw     resolved            403   403   403   409   409
  withdraw     closed              403   403   403   409   409
  withdraw     withdrawn           403   403   403   409   409
"""

#: Where each allowed action leads (`respond` returns to the state before waiting).
TARGETS = {
    "accept": "accepted",
    "request_info": "waiting_on_partner",
    "respond": "submitted",  # the table's waiting escalation waited from `submitted`
    "reject": "rejected",
    "resolve": "resolved",
    "reopen": "accepted",
    "close": "closed",
    "withdraw": "withdrawn",
}


def _table() -> dict[str, dict[tuple[str, str], str]]:
    """state -> {(action, role key): outcome}."""
    by_state: dict[str, dict] = {}
    for line in TRANSITION_TABLE.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        action, state, *outcomes = line.split()
        assert len(outcomes) == len(ROLES), line
        for role, outcome in zip(ROLES, outcomes, strict=True):
            by_state.setdefault(state, {})[(action, role)] = outcome
    return by_state


TABLE = _table()


def test_the_table_covers_every_action_state_and_role():
    assert len(TABLE) == 8
    assert all(len(cells) == len(TARGETS) * len(ROLES) for cells in TABLE.values())


def _in_state(esc, state: str) -> Escalation:
    if state == "draft":
        draft = services.save_draft(esc.user("acme_newbie"), service_input(esc))
        db.session.commit()
        return draft
    return escalation_in(esc, state)


def _outcome(escalation: Escalation, user, action: str) -> str:
    """Take `action` in a savepoint, report what happened, and undo it."""
    savepoint = db.session.begin_nested()
    try:
        apply_transition(escalation, user, action, reason="duplicate", note="Fixed in 4.1.1")
        db.session.flush()
        outcome = "ok" if escalation.status == TARGETS[action] else f"moved to {escalation.status}"
    except DomainError as refused:
        outcome = str(refused.status)
        if refused.status == 409:
            assert refused.code == "invalid_transition", refused.code
        if refused.status == 403:
            assert refused.code == "forbidden", refused.code
    finally:
        savepoint.rollback()
    return outcome


@pytest.mark.parametrize("state", list(TABLE))
def test_each_action_is_allowed_or_refused_by_role_and_state(esc, state):
    escalation = _in_state(esc, state)
    seen, buttons = {}, {}
    for action, role in TABLE[state]:
        user = esc.user(ROLES[role])
        seen[(action, role)] = _outcome(escalation, user, action)
        assert escalation.status == state  # the savepoint undid it
    for role in ROLES:
        buttons[role] = allowed_actions(escalation, esc.user(ROLES[role]))
    assert seen == TABLE[state]
    # The page's buttons offer exactly the allowed actions.
    for role in ROLES:
        expected = [a for (a, r), outcome in TABLE[state].items() if r == role and outcome == "ok"]
        assert buttons[role] == expected, role


def test_respond_returns_to_where_it_was_waiting_from(esc):
    escalation = escalation_in(esc, "accepted")
    apply_transition(escalation, esc.user("vendor_engineer"), "request_info", note="Logs?")
    assert (escalation.status, escalation.resumes_to) == ("waiting_on_partner", "accepted")
    apply_transition(escalation, esc.user("acme_tech"), "respond", note="Attached.")
    db.session.commit()
    escalation = reload(escalation)
    assert (escalation.status, escalation.resumes_to) == ("accepted", None)


def test_a_rejection_needs_one_of_the_unwarranted_reasons(esc):
    escalation = escalation_in(esc, "submitted")
    engineer = esc.user("vendor_engineer")
    for reason in (None, "", "because"):
        with pytest.raises(DomainError) as refused:
            apply_transition(escalation, engineer, "reject", reason=reason)
        assert refused.value.code == "reason_required"
        assert "reason" in refused.value.fields
    assert escalation.status == "submitted"
    apply_transition(escalation, engineer, "reject", reason="documented_in_kb")
    db.session.commit()
    assert reload(escalation).rejection_reason == "documented_in_kb"


def test_resolving_needs_a_note(esc):
    escalation = escalation_in(esc, "accepted")
    with pytest.raises(DomainError) as refused:
        apply_transition(escalation, esc.user("vendor_engineer"), "resolve", note="  ")
    assert refused.value.code == "note_required"
    assert escalation.status == "accepted"


@pytest.mark.parametrize(("days", "allowed"), [(13, True), (15, False)])
def test_reopen_only_within_fourteen_days_of_resolution(esc, days, allowed):
    resolved_at = utcnow() - timedelta(days=days)
    escalation = escalation_in(esc, "resolved", now=resolved_at)
    technician = esc.user("acme_tech")
    assert ("reopen" in allowed_actions(escalation, technician)) is allowed
    if allowed:
        apply_transition(escalation, technician, "reopen", note="It is back.")
        assert escalation.status == "accepted" and escalation.resolved_at is None
    else:
        with pytest.raises(DomainError) as refused:
            apply_transition(escalation, technician, "reopen")
        assert refused.value.code == "reopen_window_passed"
        assert escalation.status == "resolved"


def test_each_transition_is_audited_and_on_the_timeline(esc):
    escalation = escalation_in(esc, "submitted")
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    apply_transition(escalation, esc.user("vendor_engineer"), "accept", note="Looking.")
    db.session.commit()
    events = db.session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.id)
    ).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("submit", None, "submitted"),
        ("accept", "submitted", "accepted"),
    ]
    assert events[-1].note == "Looking."
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "escalation.accept")
    ).one()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
    assert entry.partner_id == esc.world.acme.id


# --- Through the API: the same rules, with the contract's codes ------------------------


def _transition(client, escalation, user, **body):
    return client.post(
        f"/api/v1/escalations/{escalation.id}/transitions", json=body, headers=bearer(user)
    )


def test_the_api_moves_an_escalation_and_shows_it_on_the_timeline(client, esc):
    escalation = escalation_in(esc, "submitted")
    engineer, technician = esc.user("vendor_engineer"), esc.user("acme_tech")
    response = _transition(client, escalation, engineer, action="request_info", note="Logs?")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "waiting_on_partner" and body["sla"]["paused"] is True
    response = _transition(client, escalation, technician, action="respond", note="Sent.")
    body = response.get_json()
    assert body["status"] == "submitted" and body["sla"]["paused"] is False
    assert [(e["action"], e["from"], e["to"]) for e in body["timeline"]] == [
        ("submit", None, "submitted"),
        ("request_info", "submitted", "waiting_on_partner"),
        ("respond", "waiting_on_partner", "submitted"),
    ]


def test_the_api_answers_the_contracts_codes(client, esc):
    escalation = escalation_in(esc, "submitted")
    engineer, technician = esc.user("vendor_engineer"), esc.user("acme_tech")
    api_error(
        _transition(client, escalation, engineer, action="resolve", note="x"),
        409,
        "invalid_transition",
    )
    api_error(_transition(client, escalation, technician, action="accept"), 403, "forbidden")
    api_error(_transition(client, escalation, engineer, action="reject"), 422, "reason_required")
    api_error(_transition(client, escalation, engineer, action="dance"), 422, "unknown_action")
    api_error(_transition(client, escalation, engineer), 422, "unknown_action")
    api_error(
        _transition(client, escalation, engineer, action="reject", reason="documented_in_kb"),
        422,
        "article_required",
    )
    unknown = {"action": "reject", "reason": "documented_in_kb", "article": "no-such-article"}
    api_error(_transition(client, escalation, engineer, **unknown), 422, "validation_error")
    assert reload(escalation).status == "submitted"
    assert reload(escalation).rejection_reason is None


def test_a_documented_in_kb_rejection_through_the_api_names_its_article(client, esc):
    escalation = escalation_in(esc, "submitted")
    article = make_article(esc.user("vendor_engineer"), title="Known spooler issue")
    body = {"action": "reject", "reason": "documented_in_kb", "article": article.slug}
    response = _transition(client, escalation, esc.user("vendor_engineer"), **body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rejection_article"] == article.slug
    assert reload(escalation).rejection_article_id == article.id


@pytest.mark.parametrize("outsider", ["globex_tech", "globex_admin"])
def test_another_partner_cannot_move_an_escalation_it_cannot_see(client, esc, outsider):
    escalation = escalation_in(esc, "submitted")
    response = _transition(client, escalation, esc.user(outsider), action="withdraw")
    api_error(response, 404)
    assert reload(escalation).status == "submitted"

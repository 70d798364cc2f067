"""Drafts: any technician of the partner saves one (no gate yet); a certified colleague
submits it and the gates apply to the submitter; drafts stay within their partner."""

import pytest
from werkzeug.exceptions import NotFound

from escalations import services
from escalations.gate import GateRefusal
from escalations.scope import visible_escalations
from portal.errors import DomainError
from portal.extensions import db
from tests.escalations.support import reload, service_input
from tests.factories import bearer
from tests.support import api_error


def _draft(esc, **overrides):
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, **overrides))
    db.session.commit()
    return draft


def test_an_uncertified_technician_saves_an_incomplete_draft(esc):
    draft = _draft(esc, steps="", reproduced_on_vanilla=False, environment_id=None)
    assert draft.status == "draft" and draft.submitter_id is None
    assert draft.first_response_due is None


def test_a_certified_colleague_submits_a_newcomers_draft(esc):
    draft = _draft(esc)
    colleague = esc.user("acme_colleague")
    escalation = services.submit_escalation(colleague, service_input(esc), draft=draft)
    db.session.commit()
    escalation = reload(escalation)
    assert escalation.id == draft.id and escalation.status == "submitted"
    assert escalation.submitter_id == colleague.id
    assert escalation.drafted_by_id == esc.user("acme_newbie").id
    assert escalation.first_response_due is not None


def test_the_gates_apply_to_the_submitter_not_the_drafter(esc):
    draft = _draft(esc)
    with pytest.raises(GateRefusal) as refused:
        services.submit_escalation(esc.user("acme_newbie"), service_input(esc), draft=draft)
    assert refused.value.code == "not_certified"
    db.session.rollback()
    assert reload(draft).status == "draft"


def test_another_partners_technician_cannot_touch_a_draft(esc):
    draft = _draft(esc)
    with pytest.raises(NotFound):
        services.submit_escalation(esc.user("globex_tech"), service_input(esc), draft=draft)
    with pytest.raises(NotFound):
        services.save_draft(esc.user("globex_tech"), service_input(esc), escalation=draft)
    db.session.rollback()
    assert reload(draft).status == "draft"


def test_a_submitted_escalation_is_no_longer_a_draft_to_edit(esc):
    draft = _draft(esc)
    services.submit_escalation(esc.user("acme_tech"), service_input(esc), draft=draft)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.save_draft(esc.user("acme_tech"), service_input(esc), escalation=draft)
    assert refused.value.code == "invalid_transition"


def test_drafts_are_visible_to_their_partner_only(client, esc):
    draft = _draft(esc)
    for key, sees in [
        ("acme_tech", True),
        ("acme_admin", True),
        ("vendor_engineer", False),
        ("vendor_admin", False),
        ("globex_tech", False),
    ]:
        visible = db.session.scalars(visible_escalations(esc.user(key))).all()
        assert (draft in visible) is sees, key
        response = client.get(f"/api/v1/escalations/{draft.id}", headers=bearer(esc.user(key)))
        if sees:
            assert response.status_code == 200
        else:
            api_error(response, 404)

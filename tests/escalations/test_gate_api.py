"""POST /escalations: a valid submission, and each gate's refusal through the API, each
leaving nothing behind (no escalation, no timeline, no file, no mail, no audit entry)."""

import pytest

from escalations.models import Escalation
from portal.extensions import db
from tests.escalations.support import WRITTEN_BY_ESCALATIONS, api_body
from tests.factories import bearer
from tests.support import api_error, row_counts


def _written(before: dict) -> dict:
    after = row_counts()
    return {t: after[t] - before[t] for t in WRITTEN_BY_ESCALATIONS if after[t] != before[t]}


def test_certified_technician_submits_an_escalation(client, esc):
    response = client.post(
        "/api/v1/escalations", json=api_body(esc), headers=bearer(esc.user("acme_tech"))
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["partner"] == "acme"
    assert body["reproduction"]["reproduced_on_vanilla"] is True
    assert body["sla"]["first_response_due"].endswith("Z")
    assert [e["action"] for e in body["timeline"]] == ["submit"]
    escalation = db.session.get(Escalation, body["id"])
    assert escalation.submitter_id == escalation.drafted_by_id == esc.user("acme_tech").id


def _mark_s1(esc):
    return {"severity": "S1", "business_impact": ""}


def _suspend(esc):
    esc.world.acme.status = "suspended"
    db.session.commit()
    return {}


def _uncertified(esc):
    return "acme_newbie"


REFUSALS = [
    # (code, status, technician, body overrides or a function of the world)
    ("not_certified", 403, "acme_newbie", {}),
    ("partner_suspended", 403, "acme_tech", _suspend),
    ("release_not_supported", 422, "acme_tech", {"release": "9.9.9"}),
    ("release_not_supported", 422, "acme_tech", {"product": "no-such-product"}),
    ("reproduction_required", 422, "acme_tech", {"reproduction": {"steps": "  "}}),
    ("reproduction_required", 422, "acme_tech", {"reproduction": {"expected": ""}}),
    ("reproduction_required", 422, "acme_tech", {"reproduction": {"actual": ""}}),
    (
        "reproduction_required",
        422,
        "acme_tech",
        {"reproduction": {"reproduced_on_vanilla": False}},
    ),
    (
        "customization_involved",
        422,
        "acme_tech",
        {"reproduction": {"customization_involved": True}},
    ),
    ("environment_missing", 422, "acme_tech", {"reproduction": {"environment_id": None}}),
    ("business_impact_required", 422, "acme_tech", _mark_s1),
]


@pytest.mark.parametrize(
    ("code", "status", "technician", "change"),
    REFUSALS,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSALS)],
)
def test_each_gate_refuses_with_its_code_and_writes_nothing(
    client, esc, code, status, technician, change
):
    overrides = change(esc) if callable(change) else change
    headers = bearer(esc.user(technician))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=api_body(esc, **overrides), headers=headers)
    error = api_error(response, status, code)
    assert error["message"]
    assert _written(before) == {}


def test_an_unsupported_release_is_refused(client, esc):
    release = esc.release
    release.supported = False
    db.session.commit()
    headers = bearer(esc.user("acme_tech"))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=api_body(esc), headers=headers)
    # The lab on that release is no longer current either; the release is named first.
    api_error(response, 422, "release_not_supported")
    assert _written(before) == {}


def test_a_lab_on_another_release_is_environment_missing(client, esc):
    from tests.factories import make_product

    other = make_product("other", releases=("1.0.0",))
    db.session.commit()
    body = api_body(esc, product=other.slug, release="1.0.0")
    from certification.certifications import issue_certification
    from portal.models.base import utcnow

    issue_certification(esc.user("acme_tech"), other.releases[0], today=utcnow().date())
    db.session.commit()
    headers = bearer(esc.user("acme_tech"))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=body, headers=headers)
    error = api_error(response, 422, "environment_missing")
    assert "reproduction.environment_id" in error["fields"]
    assert _written(before) == {}


def test_a_stale_lab_is_environment_missing(client, esc):
    from datetime import timedelta

    lab = esc.environments["acme"]
    lab.attested_at = lab.attested_at - timedelta(days=400)
    db.session.commit()
    headers = bearer(esc.user("acme_tech"))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=api_body(esc), headers=headers)
    api_error(response, 422, "environment_missing")
    assert _written(before) == {}


def test_an_s1_with_a_business_impact_passes(client, esc):
    body = api_body(esc, severity="S1", business_impact="All 400 seats are down.")
    response = client.post("/api/v1/escalations", json=body, headers=bearer(esc.user("acme_tech")))
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("field", ["customer_id", "environment_id"])
def test_another_partners_customer_or_lab_is_not_found(client, esc, field):
    body = api_body(esc)
    if field == "customer_id":
        body["customer_id"] = esc.world.globex_customer.id
    else:
        body["reproduction"]["environment_id"] = esc.environments["globex"].id
    headers = bearer(esc.user("acme_tech"))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=body, headers=headers)
    api_error(response, 404)
    assert _written(before) == {}
    # An id that names nothing answers the same.
    if field == "customer_id":
        body["customer_id"] = 999_999
    else:
        body["reproduction"]["environment_id"] = 999_999
    response = client.post("/api/v1/escalations", json=body, headers=headers)
    api_error(response, 404)


def test_a_lapsed_technician_of_the_partner_who_left_is_not_certified(client, esc):
    technician = esc.user("acme_tech")
    headers = bearer(technician)
    from certification.models import Certification

    for certification in db.session.scalars(
        db.select(Certification).where(Certification.user_id == technician.id)
    ):
        from datetime import date

        certification.expires_on = date(2020, 1, 1)
        certification.issued_on = date(2019, 1, 1)
    db.session.commit()
    before = row_counts()
    response = client.post("/api/v1/escalations", json=api_body(esc), headers=headers)
    error = api_error(response, 403, "not_certified")
    assert "quiz" in error["message"].lower() or "certified" in error["message"].lower()
    assert _written(before) == {}


@pytest.mark.parametrize("role", ["vendor_engineer", "acme_admin"])
def test_only_technicians_create(client, esc, role):
    headers = bearer(esc.user(role))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=api_body(esc), headers=headers)
    api_error(response, 403)
    assert _written(before) == {}


@pytest.mark.parametrize(
    "body",
    [
        {"title": 5},
        {"severity": "S9"},
        {"customer_id": "abc"},
        {"reproduction": "steps"},
        {"title": ""},
        {"title": "x" * 201},
    ],
)
def test_malformed_bodies_are_refused_with_fields(client, esc, body):
    merged = {**api_body(esc), **body}
    headers = bearer(esc.user("acme_tech"))
    before = row_counts()
    response = client.post("/api/v1/escalations", json=merged, headers=headers)
    error = api_error(response, 422)
    assert error["fields"]
    assert _written(before) == {}


def test_the_refusal_says_how_to_get_there(esc, app):
    from escalations.gate import GateRefusal, check_submission
    from tests.escalations.support import service_input

    with app.test_request_context():
        with pytest.raises(GateRefusal) as refused:
            check_submission(esc.user("acme_newbie"), service_input(esc))
        assert refused.value.code == "not_certified"
        assert "quiz" in refused.value.how_to
        assert refused.value.how_to_url
        with pytest.raises(GateRefusal) as refused:
            check_submission(esc.user("acme_tech"), service_input(esc, environment_id=None))
        assert refused.value.code == "environment_missing"
        assert refused.value.how_to_url.endswith("/environments/new")

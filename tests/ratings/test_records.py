"""A rating is recorded once even when sent twice at the same moment, and both the
request and the rating are in the partner's audit log (on SQLite and PostgreSQL)."""

import threading

from sqlalchemy import func, select

from escalations.ratings.models import RatingRequest
from escalations.ratings.services import CUSTOMER_LABEL, record_rating, token_for
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.ratings.support import CUSTOMER_EMAIL, agreement_terms, request_of, resolved

THREADS = 4


def _at_once(work, count: int = THREADS) -> list:
    """Run `work(i)` in `count` threads released together; their results."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(i):
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # read by the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def test_two_customers_sending_at_once_record_one_rating(esc, app):
    _, request = resolved(esc)
    token = token_for(request)

    def send(i):
        with app.app_context():
            try:
                record_rating(token, i + 1, f"Sent by {i}")
                db.session.commit()
                return "recorded"
            except DomainError as error:
                db.session.rollback()
                return error.status
            finally:
                db.session.remove()

    results = _at_once(send)
    assert sorted(results, key=str) == sorted(["recorded"] + [410] * (THREADS - 1), key=str), (
        results
    )
    rated = request_of(request.escalation)
    assert rated.comment == f"Sent by {rated.score - 1}"
    assert len(_entries("rating_request.answered")) == 1
    assert db.session.scalar(select(func.count()).select_from(RatingRequest)) == 1


def test_the_audit_log_says_how_the_link_went_and_when_it_was_answered(esc):
    agreement_terms(esc, vendor_may_contact=True)
    escalation, mailed = resolved(esc, "acme")
    agreement_terms(esc, "globex", vendor_may_contact=False)
    _, handed = resolved(esc, "globex")
    issued = _entries("rating_request.issued")
    assert [(e.object_id, e.partner_id) for e in issued] == [
        (mailed.id, esc.world.acme.id),
        (handed.id, esc.world.globex.id),
    ]
    assert issued[0].after["delivery"] == "mail" and issued[0].after["recipient"] == CUSTOMER_EMAIL
    assert issued[1].after == {
        "delivery": "partner",
        "recipient": None,
        "expires_at": handed.expires_at.isoformat(),
    }
    # The engineer who resolved the escalation is named for the request.
    assert issued[0].actor_label == esc.user("vendor_engineer").email

    record_rating(token_for(mailed), 4, "Fine")
    db.session.commit()
    (answered,) = _entries("rating_request.answered")
    assert answered.partner_id == esc.world.acme.id and answered.object_id == mailed.id
    assert answered.actor_id is None and answered.actor_label == CUSTOMER_LABEL
    assert answered.after == {"score": 4, "comment_length": 4}
    assert f"#{escalation.id} rated 4/5" in answered.summary


def test_a_customers_contact_address_is_kept_checked_and_audited(esc):
    import pytest

    from portal.partners.services import save_customer

    acme, customer = esc.world.acme, esc.world.acme_customer
    admin = esc.user("acme_admin")
    save_customer(acme, customer.name, 10, customer, actor=admin, contact_email="IT@Cust.Example")
    db.session.commit()
    assert customer.contact_email == "it@cust.example"
    entry = _entries("customer.updated")[-1]
    assert (entry.before["contact_email"], entry.after["contact_email"]) == (
        None,
        "it@cust.example",
    )
    save_customer(acme, customer.name, 12, customer, actor=admin)  # None: kept
    assert customer.contact_email == "it@cust.example"
    with pytest.raises(DomainError) as refused:
        save_customer(acme, customer.name, 12, customer, actor=admin, contact_email="nobody")
    assert "contact_email" in refused.value.fields
    db.session.rollback()
    save_customer(acme, customer.name, 12, customer, actor=admin, contact_email="")  # cleared
    db.session.commit()
    assert customer.contact_email is None

"""Every destructive or binding action is confirmed first, by one mechanism (portal.confirm).

For each action: the page's button carries the question and its consequence (for the
dialog of js/confirm.js); a POST without `confirmed=yes` (no JavaScript) changes nothing
and answers with the confirmation page, which says the same and posts back confirmed;
that second POST acts. The browser side is in tests/browser/test_confirmations.py.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from knowledge_base.models import Article
from knowledge_base.services import ArticleInput, update_article
from portal.auth.services import create_token
from portal.extensions import db
from portal.models import Agreement, LoginSession, User
from portal.models.users import ApiToken
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.factories import Browser, signed_in
from tests.knowledge_base.factories import make_article
from tests.support import database_text


@dataclass
class Case:
    principal: str
    page: str  # where the button is
    action: str  # where it posts
    data: dict
    says: tuple[str, ...]  # phrases the question and consequence must hold
    done: Callable[[], bool]


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _technician_status(world, status):
    tech = world.user("acme_tech")
    return Case(
        "acme_admin",
        "/partners/mine/technicians",
        f"/partners/{world.acme.id}/technicians/{tech.id}/status",
        {"status": status},
        (
            f"Mark {tech.name} as {status}?",
            "can no longer sign in",
            "no longer count as certified for Acme",
        ),
        lambda: _user(tech.id).status == status,
    )


def _deactivate(world):
    tech = world.user("globex_tech")
    return Case(
        "vendor_admin",
        "/admin/users",
        f"/admin/users/{tech.id}/status",
        {"status": "left"},
        (
            f"Deactivate {tech.name}?",
            "can no longer sign in or use API tokens",
            "no longer count as certified for Globex",
        ),
        lambda: _user(tech.id).status == "left",
    )


def _revoke(world):
    token, _ = create_token(world.user("acme_tech"), "CI sync")
    db.session.commit()
    token_id = token.id

    def revoked():
        db.session.expire_all()
        return db.session.get(ApiToken, token_id).is_revoked

    return Case(
        "acme_tech",
        "/profile",
        f"/profile/tokens/{token_id}/revoke",
        {},
        ("Revoke the API token “CI sync”?", f"starting with {token.prefix}", "cannot be restored"),
        revoked,
    )


def _sign_out_everywhere(world):
    user_id = world.user("acme_tech").id

    def ended():
        db.session.expire_all()
        count = select(func.count()).select_from(LoginSession)
        return db.session.scalar(count.where(LoginSession.user_id == user_id)) == 0

    return Case(
        "acme_tech",
        "/profile",
        "/profile/sign-out-everywhere",
        {},
        ("Sign out everywhere?", "1 sign-in end on every device", "API tokens keep working"),
        ended,
    )


def _proposal(world) -> Agreement:
    proposal = propose_agreement(
        world.acme, AgreementTerms(fee_percentage=Decimal("25")), actor=world.user("vendor_admin")
    )
    db.session.commit()
    return proposal


def _status_of(agreement_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Agreement, agreement_id).status


def _decision(world, action, principal, data, says, status):
    proposal = _proposal(world)
    page = f"/partners/{world.acme.id}/agreements/{proposal.id}"
    return Case(
        principal, page, f"{page}/{action}", data, says, lambda: _status_of(proposal.id) == status
    )


def _accept(world):
    return _decision(
        world,
        "accept",
        "acme_admin",
        {},
        (
            "Accept version 2 of the agreement?",
            "comes into force at once",
            "binds Acme and the vendor",
            "version 1, in force today, is superseded",
        ),
        "in_force",
    )


def _return(world):
    return _decision(
        world,
        "return",
        "acme_admin",
        {"comments": "25 % is too much."},
        (
            "Send version 2 back to the vendor?",
            "will not come into force",
            "Version 1 stays in force",
        ),
        "returned",
    )


def _withdraw(world):
    return _decision(
        world,
        "withdraw",
        "vendor_admin",
        {},
        (
            "Withdraw version 2?",
            "Acme can no longer accept or return version 2",
            "version 1 stays in force",
            "cannot be proposed again",
        ),
        "withdrawn",
    )


def _article(world, body="Set HTTP_PROXY.") -> Article:
    return make_article(
        world.user("vendor_engineer"), title="Proxy settings", body=body, visibility="partners"
    )


def _unpublish(world):
    article = _article(world)

    def unpublished():
        db.session.expire_all()
        return db.session.get(Article, article.id).status == "draft"

    return Case(
        "vendor_engineer",
        f"/kb/articles/{article.slug}",
        f"/kb/articles/{article.slug}/unpublish",
        {},
        ("Unpublish “Proxy settings”?", "partner users can no longer open it"),
        unpublished,
    )


def _restore(world):
    article = _article(world)
    update_article(
        article,
        ArticleInput(
            title=article.title, body="Set HTTPS_PROXY.", kind="how_to", visibility="partners"
        ),
        actor=world.user("vendor_engineer"),
    )
    db.session.commit()

    def restored():
        db.session.expire_all()
        current = db.session.get(Article, article.id)
        return (current.revision_number, current.body) == (3, "Set HTTP_PROXY.")

    return Case(
        "vendor_engineer",
        f"/kb/articles/{article.slug}/history",
        f"/kb/articles/{article.slug}/revisions/1/restore",
        {"revision": "2"},
        (
            "Restore revision 1 of “Proxy settings”?",
            "saved as revision 3",
            "Revision 2 stays in the history",
        ),
        restored,
    )


CASES = {
    "technician left": lambda w: _technician_status(w, "left"),
    "technician reassigned": lambda w: _technician_status(w, "reassigned"),
    "user deactivated": _deactivate,
    "token revoked": _revoke,
    "signed out everywhere": _sign_out_everywhere,
    "agreement accepted": _accept,
    "agreement returned": _return,
    "agreement withdrawn": _withdraw,
    "article unpublished": _unpublish,
    "revision restored": _restore,
}


def _form_posting_to(page: str, action: str, data: dict | None = None) -> str:
    """The opening tag of the form on `page` posting to `action` (with `data`'s hidden values)."""
    pattern = rf'(<form method="post" action="{re.escape(action)}"[^>]*>)(.*?)</form>'
    for match in re.finditer(pattern, page, re.S):
        hidden = _hidden_inputs(match.group(2))
        if all(hidden.get(name, value) == value for name, value in (data or {}).items()):
            return match.group(1)
    raise AssertionError(f"no form posting {data} to {action}")


def _attribute(tag: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', tag)
    assert match, f"{name} missing from {tag}"
    return html.unescape(match.group(1))


def _hidden_inputs(form_html: str) -> dict[str, str]:
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html
        )
    }


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request, world) -> Case:
    return CASES[request.param](world)


def test_the_button_states_the_consequence(app, world, case):
    client = signed_in(app, world.user(case.principal))
    page = client.get(case.page).get_data(as_text=True)
    form = _form_posting_to(page, case.action, case.data)
    words = (
        _attribute(form, "data-confirm-question")
        + " "
        + _attribute(form, "data-confirm-consequence")
    )
    for phrase in case.says:
        assert phrase in words, phrase
    assert _attribute(form, "data-confirm-action")


def test_an_unconfirmed_post_asks_and_changes_nothing_then_confirming_acts(app, world, case):
    client = signed_in(app, world.user(case.principal))
    button = _form_posting_to(client.get(case.page).get_data(as_text=True), case.action, case.data)
    before = database_text()

    asked = Browser(client).post(case.action, case.data)

    assert asked.status_code == 200
    assert database_text() == before and not case.done()
    page = html.unescape(asked.get_data(as_text=True))
    assert 'data-testid="confirm-page"' in page and "Nothing has changed yet." in page
    for phrase in case.says:
        assert phrase in page, phrase
    # The page and the dialog say the same.
    assert _attribute(button, "data-confirm-question") in page
    assert _attribute(button, "data-confirm-consequence") in page

    # Its button posts the same values back, confirmed (what a browser without JS does).
    start = page.index(f'action="{case.action}"')
    values = _hidden_inputs(page[start : page.index("</form>", start)])
    assert values.pop("confirmed") == "yes"
    assert {k: v for k, v in values.items() if k != "csrf_token"} == {
        **case.data,
        **({"back": ""} if case.action.startswith("/admin/users/") else {}),
    }
    response = client.post(case.action, data={**values, "confirmed": "yes"})
    assert response.status_code == 302
    assert case.done()


def test_giving_access_back_is_not_asked(app, world):
    tech = world.user("acme_tech")
    tech.status = "left"
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    page = client.get("/partners/mine/technicians").get_data(as_text=True)
    action = f"/partners/{world.acme.id}/technicians/{tech.id}/status"
    assert "data-confirm" not in _form_posting_to(page, action)  # "Make active"
    response = Browser(client).post(action, {"status": "active"})
    assert response.status_code == 302 and _user(tech.id).status == "active"


def test_a_refused_action_is_not_asked_but_refused(app, world):
    proposal = _proposal(world)
    client = signed_in(app, world.user("acme_admin"))
    path = f"/partners/{world.acme.id}/agreements/{proposal.id}"
    response = Browser(client).post(f"{path}/return", {"comments": "  "}, form_page=path)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Say what should change." in page and "confirm-page" not in page

    admin = signed_in(app, world.user("vendor_admin"))
    me = world.user("vendor_admin")
    response = Browser(admin).post(f"/admin/users/{me.id}/status", {"status": "left"})
    assert response.status_code == 302  # refused with a message, never asked
    assert "You cannot deactivate your own account." in admin.get("/admin/users").get_data(
        as_text=True
    )


def test_a_decision_on_a_version_no_longer_proposed_is_refused_without_asking(app, world):
    in_force = world.acme.agreement_in_force
    client = signed_in(app, world.user("acme_admin"))
    path = f"/partners/{world.acme.id}/agreements/{in_force.id}"
    response = Browser(client).post(f"{path}/accept", form_page=path)
    assert response.status_code == 302
    assert "not awaiting a decision" in client.get(path).get_data(as_text=True)


def test_the_confirmation_page_is_not_cached(app, world):
    case = _revoke(world)
    client = signed_in(app, world.user(case.principal))
    response = Browser(client).post(case.action, case.data)
    assert response.headers["Cache-Control"] == "no-store"

"""The home page of each role lists what to do next, each item linking to where it is done."""

import re

import pytest

from portal import next_steps
from portal.extensions import db
from portal.next_steps import NextStep, StepItem
from portal.partners import compliance
from portal.partners.agreements import AgreementTerms, propose_agreement, return_agreement
from portal.roles import TECHNICIAN
from tests.factories import make_partner, make_user, signed_in
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def steps_on(html: str) -> dict[str, str]:
    """The next-step cards of a home page (and its search form), by key, each as its HTML."""
    steps = {}
    for match in re.finditer(r'data-step="([a-z_]+)"', html):
        end = min(
            i for i in (html.find(tag, match.end()) for tag in ("</section>", "</form>")) if i > 0
        )
        steps[match.group(1)] = html[match.start() : end]
    return steps


def home(app, user) -> str:
    """The page a user lands on at / (the support manager's is the partner dashboard)."""
    response = signed_in(app, user).get("/", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def returned_proposal(partner, vendor_admin, partner_admin, comments="Fees too high"):
    proposal = propose_agreement(partner, AgreementTerms(), actor=vendor_admin)
    return_agreement(proposal, comments, actor=partner_admin)
    db.session.commit()
    return proposal


@pytest.fixture
def providers():
    """Compliance providers for one test (as certification/ will register them)."""
    saved = dict(compliance._providers)
    saved_batch = dict(compliance._batch_providers)
    # The fakes answer pair by pair: set aside the batch forms certification registers.
    compliance._batch_providers.update(dict.fromkeys(saved_batch))
    yield compliance.register_providers
    compliance._providers.clear()
    compliance._providers.update(saved)
    compliance._batch_providers.update(saved_batch)


# --- Vendor admin --------------------------------------------------------------------------


def test_vendor_admin_home_shows_work_not_counters(app, world):
    admin = world.user("vendor_admin")
    returned = returned_proposal(world.globex, admin, world.user("globex_admin"))
    awaiting = propose_agreement(world.acme, AgreementTerms(), actor=admin)
    unbound = make_partner("initech", name="Initech Partners")
    db.session.commit()

    html = home(app, admin)
    steps = steps_on(html)
    assert "stat-value" not in html

    revise = steps["revise_returned_proposals"]
    assert f"Globex · version {returned.version}" in revise
    assert f'href="/partners/{world.globex.id}/agreements/new?from={returned.id}"' in revise
    assert "Fees too high" in revise

    awaiting_step = steps["proposals_awaiting_partner"]
    assert f'href="/partners/{world.acme.id}/agreements/{awaiting.id}"' in awaiting_step

    proposal_needed = steps["partners_without_agreement"]
    assert f'href="/partners/{unbound.id}/agreements/new"' in proposal_needed
    assert "Acme" not in proposal_needed and "Globex" not in proposal_needed

    # Both partners require one certified technician and have none.
    below = steps["partners_below_minimum"]
    assert "Acme" in below and "Globex" in below and "Initech" not in below
    assert "Orbit: 0 of 1 certified" in below
    assert f'href="/partners/{world.acme.id}#compliance-heading"' in below


def test_a_revised_proposal_leaves_the_vendor_admins_list(app, world):
    admin = world.user("vendor_admin")
    returned_proposal(world.globex, admin, world.user("globex_admin"))
    propose_agreement(world.globex, AgreementTerms(), actor=admin)  # the revision
    db.session.commit()
    steps = steps_on(home(app, admin))
    assert "revise_returned_proposals" not in steps
    assert "Globex" in steps["proposals_awaiting_partner"]


def test_partners_meeting_their_minimum_are_not_listed(app, world, providers):
    providers(certified=lambda partner_id, product_id: 1 if partner_id == world.acme.id else 0)
    below = steps_on(home(app, world.user("vendor_admin")))["partners_below_minimum"]
    assert "Globex" in below and "Acme" not in below


def test_a_step_lists_its_first_items_and_links_to_the_rest(app, world):
    for n in range(next_steps.ITEMS_SHOWN + 2):
        make_partner(f"unbound-{n}", name=f"Unbound {n}")
    db.session.commit()
    step = steps_on(home(app, world.user("vendor_admin")))["partners_without_agreement"]
    assert step.count("/agreements/new") == next_steps.ITEMS_SHOWN
    assert re.search(r'<a href="/partners/">and 2 more</a>', step)


# --- Support manager -----------------------------------------------------------------------


def test_support_manager_sees_the_partners_needing_attention_own_first(app, world):
    manager = world.user("support_manager")
    world.globex.support_manager_id = manager.id
    make_partner("initech", name="Initech Partners")
    db.session.commit()

    html = home(app, manager)
    attention = steps_on(html)["partners_needing_attention"]
    names = re.findall(r'<span class="fw-semibold">([^<]+)</span>', attention)
    assert names[0] == "Globex · yours"
    assert set(names[1:]) == {"Acme", "Initech Partners"}
    assert "No agreement in force" in attention  # Initech
    assert "Orbit: 0 of 1 certified technicians and no reproduction environment" in attention
    assert f'href="/partners/{world.globex.id}"' in attention
    # The steps come before the dashboard's table.
    assert html.index('data-testid="next-steps"') < html.index('data-partner="globex"')


def test_support_manager_has_nothing_to_do_when_every_partner_complies(app, world, providers):
    providers(certified=lambda *pair: 1, environment=lambda *pair: True)
    html = home(app, world.user("support_manager"))
    assert steps_on(html) == {}
    # The dashboard shows no empty "what to do next" block.
    assert 'data-testid="next-steps"' not in html


# --- Partner admin -------------------------------------------------------------------------


def test_partner_admin_is_asked_to_decide_a_proposal(app, world):
    proposal = propose_agreement(world.acme, AgreementTerms(), actor=world.user("vendor_admin"))
    db.session.commit()
    decide = steps_on(home(app, world.user("acme_admin")))["decide_agreement"]
    assert f"Version {proposal.version}" in decide
    assert f'href="/partners/{world.acme.id}/agreements/{proposal.id}"' in decide
    assert "Needs you now" in decide


def test_partner_admin_sees_compliance_gaps_with_what_must_happen(app, world, providers):
    providers(environment=lambda partner_id, product_id: False)
    gaps = steps_on(home(app, world.user("acme_admin")))["compliance_gaps"]
    assert "Orbit: 1 more certified technician" in gaps
    assert "have an active technician certified" in gaps
    assert 'href="/partners/mine/technicians"' in gaps
    assert "Orbit: no reproduction environment" in gaps
    assert "Register a lab on a supported release" in gaps


def test_partner_admin_sees_only_its_own_technicians_not_signed_in(app, world):
    make_user(TECHNICIAN, world.globex, name="Globex Newcomer")
    make_user(TECHNICIAN, world.acme, name="Acme Newcomer")
    make_user(TECHNICIAN, world.acme, name="Acme Leaver", status="left")
    db.session.commit()
    step = steps_on(home(app, world.user("acme_admin")))["technicians_not_signed_in"]
    assert "Acme Newcomer" in step and world.user("acme_tech").name in step
    assert "Globex Newcomer" not in step and "Acme Leaver" not in step
    assert 'href="/partners/mine/technicians"' in step


def test_a_technician_who_signed_in_is_no_longer_listed(app, world):
    signed_in(app, world.user("acme_tech"))
    steps = steps_on(home(app, world.user("acme_admin")))
    assert "technicians_not_signed_in" not in steps


def test_partner_admin_without_an_agreement_is_told_who_proposes_one(app, world):
    partner = make_partner("initech", name="Initech Partners")
    manager = world.user("support_manager")
    partner.support_manager_id = manager.id
    admin = make_user("partner_admin", partner)
    db.session.commit()
    step = steps_on(home(app, admin))["no_agreement"]
    assert f"Ask {manager.name} (manager@vendor.example) for a proposal" in step
    assert 'href="/partners/mine/agreement"' in step


def test_partner_admin_with_everything_in_order_has_nothing_waiting(app, world, providers):
    providers(certified=lambda *pair: 1, environment=lambda *pair: True)
    signed_in(app, world.user("acme_tech"))
    html = home(app, world.user("acme_admin"))
    assert set(steps_on(html)) == {"search_kb"}
    assert "Nothing is waiting for you." in html


# --- Technician and the extension point ----------------------------------------------------


def test_technician_is_sent_to_the_knowledge_base_first(app, world):
    html = home(app, world.user("acme_tech"))
    assert 'action="/kb/"' in html and "before you escalate" in html
    assert set(steps_on(html)) == {"search_kb"}
    assert "stat-value" not in html


def test_a_feature_package_adds_its_own_steps(app, world):
    def certification_steps(principal):
        return [
            NextStep(
                key="take_quiz",
                title="Take the Orbit 4.1 quiz",
                hint="Your certification lapses otherwise.",
                action="Start",
                items=(StepItem(f"Quiz for {principal.name}", "/certification/quiz/1"),),
                urgency="now",
            )
        ]

    next_steps.register_providers(certification_steps, roles=(TECHNICIAN,))
    try:
        tech_steps = steps_on(home(app, world.user("acme_tech")))
        admin_steps = steps_on(home(app, world.user("acme_admin")))
    finally:
        next_steps.unregister_provider(certification_steps)
    assert 'href="/certification/quiz/1"' in tech_steps["take_quiz"]
    assert "take_quiz" not in admin_steps


def test_anonymous_visitors_get_the_public_welcome(client):
    html = client.get("/").get_data(as_text=True)
    assert "Sign in" in html and "data-step" not in html

"""The technician's certifications page, the partner's matrix, a certification's history,
and the home pages' certification steps."""

import re
from datetime import date, timedelta

import pytest

from certification.revocation import revoke_certification
from portal.extensions import db
from portal.models.base import utcnow
from portal.products.services import save_release
from tests.certification.lifecycle_support import certify, product_with_releases
from tests.factories import make_agreement, make_user, signed_in
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

DAY = timedelta(days=1)


def today() -> date:
    return utcnow().date()


def _text(response) -> str:
    """The page's text, tags and repeated spaces removed."""
    inline = re.sub(r"</?(span|strong|a)\b[^>]*>", "", response.get_data(as_text=True))
    html = re.sub(r"<[^>]+>", " ", inline)
    return re.sub(r"\s+", " ", html)


def _age(certification, days: int) -> None:
    """Move a certification `days` into the past (issue and expiry together)."""
    certification.issued_on -= days * DAY
    certification.expires_on -= days * DAY


# --- The technician's page ---------------------------------------------------------------


def test_the_technician_sees_each_certification_and_what_to_do_to_keep_it(app, world):
    tech = world.user("acme_tech")
    certification = certify(tech, world.product, "4.1.0", today())
    _age(certification, 350)  # ends in 15 days or so
    db.session.commit()
    response = signed_in(app, tech).get("/certifications")
    assert response.status_code == 200
    text = _text(response)
    end = certification.expires_on
    assert "Orbit 4.1.0" in text
    assert "Expiring soon" in text
    assert f"Take the Orbit 4.1.0 quiz before {end:%Y-%m-%d} to keep it." in text
    assert "Needs your attention" in text


def test_a_lapsed_certification_says_which_release_ended_it_and_what_to_take(app, world):
    product = product_with_releases(
        ("4.0.0", today() - 900 * DAY, True),
        ("5.0.0", today() - 500 * DAY, True),
        ("6.0.0", today() - 200 * DAY, True),
        ("6.1.0", today() - 50 * DAY, False),
    )
    tech = world.user("acme_tech")
    certification = certify(tech, product, "4.0.0", today() - 60 * DAY)
    db.session.commit()
    assert certification.lapses_on == today() - 110 * DAY
    text = _text(signed_in(app, tech).get("/certifications"))
    assert "Lapsed" in text
    assert "when 6.0.0 had been out 90 days" in text
    assert f"Take the quiz of the newest release ({product.name} 6.1.0)" in text


def test_a_revoked_certification_says_it_stays_revoked(app, world):
    tech = world.user("acme_tech")
    certification = certify(tech, world.product, "4.1.0", today())
    revoke_certification(
        certification, "Shared answers", actor=world.user("vendor_admin"), today=today()
    )
    db.session.commit()
    text = _text(signed_in(app, tech).get("/certifications"))
    assert "Revoked" in text and "Shared answers" in text
    assert "stays revoked, even if you become active again" in text


def test_a_renewed_certification_asks_for_nothing(app, world):
    tech = world.user("acme_tech")
    certify(tech, world.product, "4.0.0", today() - 30 * DAY)
    certify(tech, world.product, "4.1.0", today())
    db.session.commit()
    text = _text(signed_in(app, tech).get("/certifications"))
    assert "Renewed" in text
    assert "Replaced by a newer certification" in text
    assert "Needs your attention" not in text


def test_a_technician_sees_only_their_own(app, world):
    certify(make_user("technician", world.acme, name="Colleague"), world.product, "4.0.0", today())
    db.session.commit()
    text = _text(signed_in(app, world.user("acme_tech")).get("/certifications"))
    assert "You hold no certification yet." in text


# --- The partner's matrix ------------------------------------------------------------------


MATRIX_ACCESS = {
    # principal: (acme's matrix by id, their own matrix under /partners/mine)
    "vendor_admin": (200, 403),
    "support_manager": (200, 403),
    "vendor_engineer": (200, 403),
    "acme_admin": (200, 200),
    "acme_tech": (403, 403),
    "globex_admin": (404, 200),
    "globex_tech": (403, 403),
}


@pytest.mark.parametrize(("principal", "expected"), MATRIX_ACCESS.items())
def test_who_sees_acmes_matrix(app, world, principal, expected):
    certify(world.user("acme_tech"), world.product, "4.1.0", today())
    db.session.commit()
    client = signed_in(app, world.user(principal))
    by_id = client.get(f"/partners/{world.acme.id}/certifications")
    mine = client.get("/partners/mine/certifications")
    assert (by_id.status_code, mine.status_code) == expected
    if by_id.status_code == 200:
        assert "tech@acme.example" in by_id.get_data(as_text=True)
    if principal == "globex_admin":
        assert "tech@acme.example" not in mine.get_data(as_text=True)


def test_the_matrix_shows_status_in_words_expiry_and_counts_against_the_minimum(app, world):
    mobile = product_with_releases(("2.0.0", date(2025, 5, 5), True), name="Orbit Mobile")
    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        minimums={world.product.id: 2, mobile.id: 1},
        fee_percentage=22,
    )
    tech = world.user("acme_tech")
    valid = certify(tech, world.product, "4.1.0", today())
    soon = certify(make_user("technician", world.acme, name="Ada Soon"), mobile, "2.0.0", today())
    _age(soon, 350)
    left = make_user("technician", world.acme, name="Gone Away")
    certify(left, world.product, "4.1.0", today())
    left.status = "left"
    db.session.commit()
    response = signed_in(app, world.user("acme_admin")).get("/partners/mine/certifications")
    page = response.get_data(as_text=True)
    text = _text(response)
    assert "Gone Away" not in text  # only technicians who count for the partner
    assert "1 certified of 2 required" in text and "1 more certified technician needed" in text
    assert "1 certified of 1 required" in text and "Meets the agreement’s minimum" in text
    row = _row(page, "tech@acme.example")
    assert 'data-status="valid">Valid<' in row
    assert f'ends <span class="text-nowrap">{valid.expires_on:%Y-%m-%d}</span>' in row
    assert 'data-status="none">Not certified<' in row
    assert 'data-status="expiring">Expiring soon<' in _row(page, soon.user.email)


def _row(page: str, email: str) -> str:
    match = re.search(rf'<tr data-technician="{re.escape(email)}">.*?</tr>', page, re.S)
    assert match, email
    return match.group(0)


def test_the_matrix_sorts_by_name_and_pages_by_technicians(app, world):
    for name in ("Zed", "Amy", "Bob"):
        make_user("technician", world.acme, name=name)
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    app.config["PER_PAGE"] = 2
    try:
        first = _names(client.get("/partners/mine/certifications"))
        second = _names(client.get("/partners/mine/certifications?page=2"))
        backwards = _names(client.get("/partners/mine/certifications?sort=name&dir=desc"))
    finally:
        app.config["PER_PAGE"] = 25
    everyone = sorted(["Zed", "Amy", "Bob", world.user("acme_tech").name], key=str.lower)
    assert first + second == everyone
    assert backwards == everyone[::-1][:2]


def _names(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(
        r'<span class="technician-name">([^<]+)<',
        response.get_data(as_text=True),
    )


def test_the_matrix_runs_the_same_queries_for_2_or_8_technicians_each_with_their_own_rows(
    app, world, count_queries
):
    """Each technician is certified on a product and release of their own, so no row's
    certification, product or release is already in the session for the next one."""
    client = signed_in(app, world.user("vendor_admin"))

    def add(n: int) -> None:
        product = product_with_releases((f"{n}.0.0", date(2025, 1, n), True), name=f"Prod {n}")
        tech = make_user("technician", world.acme, name=f"Tech {n}")
        certify(tech, product, f"{n}.0.0", today() - n * DAY)
        certify(tech, world.product, "4.0.0" if n % 2 else "4.1.0", today())

    def queries(technicians: int) -> int:
        db.session.commit()
        with count_queries() as counter:
            response = client.get(f"/partners/{world.acme.id}/certifications")
        assert response.status_code == 200
        assert len(_names(response)) == technicians
        return counter.count

    add(1)
    add(2)
    two = queries(2 + 1)  # acme's own technician too
    for n in range(3, 9):
        add(n)
    assert queries(8 + 1) == two


# --- One certification's history -------------------------------------------------------


def test_the_history_tells_issue_renewal_and_revocation_with_the_audit(app, world):
    tech = world.user("acme_tech")
    old = certify(tech, world.product, "4.0.0", today() - 30 * DAY)
    new = certify(tech, world.product, "4.1.0", today())
    revoke_certification(new, "Policy breach", actor=world.user("vendor_admin"), today=today())
    db.session.commit()
    for principal in ("vendor_admin", "support_manager", "acme_admin"):
        response = signed_in(app, world.user(principal)).get(f"/certifications/{old.code}/history")
        assert response.status_code == 200
        text = _text(response)
        assert "Certification issued" in text
        assert "Certification superseded" in text
        assert "Certification revoked" in text and "Policy breach" in text
    assert (
        signed_in(app, world.user("globex_admin"))
        .get(f"/certifications/{old.code}/history")
        .status_code
        == 404
    )


# --- Home pages ----------------------------------------------------------------------------


def test_the_technicians_home_lists_what_to_renew(app, world):
    tech = world.user("acme_tech")
    soon = certify(tech, world.product, "4.1.0", today())
    _age(soon, 350)
    lapsing = product_with_releases(
        ("1.0.0", today() - 900 * DAY, True),
        ("2.0.0", today() - 500 * DAY, True),
        ("3.0.0", today() - 200 * DAY, True),
        name="Old Product",
    )
    certify(tech, lapsing, "1.0.0", today() - 100 * DAY)
    db.session.commit()
    page = signed_in(app, tech).get("/").get_data(as_text=True)
    assert 'data-step="certifications_expiring"' in page
    assert 'data-step="certifications_ended"' in page
    assert "Old Product 1.0.0" in page


def test_the_partner_admins_home_lists_technicians_whose_certification_ends_soon(
    app, world, count_queries
):
    client = signed_in(app, world.user("acme_admin"))

    def add(n: int) -> None:
        product = product_with_releases((f"{n}.0.0", date(2025, 1, n), True), name=f"Line {n}")
        certification = certify(
            make_user("technician", world.acme, name=f"Soon {n}"), product, f"{n}.0.0", today()
        )
        _age(certification, 340 + n)

    def queries() -> tuple[int, str]:
        db.session.commit()
        with count_queries() as counter:
            page = client.get("/").get_data(as_text=True)
        return counter.count, page

    add(1)
    add(2)
    two, page = queries()
    assert 'data-step="certifications_expiring_at_partner"' in page
    assert "Soon 1" in page and "Soon 2" in page
    for n in range(3, 9):
        add(n)
    eight, page = queries()
    assert eight == two
    assert "and 3 more" in page
    # Another partner's technicians never show.
    certification = certify(
        make_user("technician", world.globex, name="Globex Soon"), world.product, "4.0.0", today()
    )
    _age(certification, 350)
    assert "Globex Soon" not in queries()[1]


def test_a_new_major_release_shows_on_the_lapse_advice(app, world):
    tech = world.user("acme_tech")
    certify(tech, world.product, "4.0.0", today() - 10 * DAY)
    save_release(world.product, "5.0.0", today() - 5 * DAY, major=True, supported=True)
    save_release(world.product, "6.0.0", today() - 1 * DAY, major=True, supported=True)
    db.session.commit()
    text = _text(signed_in(app, tech).get("/certifications"))
    lapse = today() - DAY + 90 * DAY
    assert f"Lapses on {lapse:%Y-%m-%d}, 90 days after 6.0.0 came out." in text
    assert f"Take the Orbit 6.0.0 quiz before {lapse:%Y-%m-%d} to keep it." in text


@pytest.mark.parametrize(
    ("principal", "linked"),
    [("vendor_admin", True), ("support_manager", True), ("acme_admin", True), ("acme_tech", False)],
)
def test_the_partner_page_leads_to_the_matrix(app, world, principal, linked):
    page = signed_in(app, world.user(principal)).get(f"/partners/{world.acme.id}")
    link = f'href="/partners/{world.acme.id}/certifications"'
    assert (link in page.get_data(as_text=True)) is linked

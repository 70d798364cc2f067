"""Environment pages and API: who sees which labs, what the buttons do, bounded queries."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from certification.models import ReproductionEnvironment
from portal.extensions import db
from portal.models import AuditEntry, Partner, Release
from portal.models.base import utcnow
from tests.certification.compliance_support import environment
from tests.factories import Browser, bearer, make_partner, make_product, make_user, signed_in
from tests.support import SQLITE_PASS_ONLY, api_error, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def page(client, url="/environments") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def rows(html: str) -> dict[str, str]:
    """Environment id -> its row's state attribute."""
    return dict(re.findall(r'data-environment="(\d+)" data-state="([a-z]+)"', html))


@pytest.fixture
def labs(world):
    now = utcnow()
    labs = {
        "acme_current": environment(world.acme, world.product, name="Acme Lab", attested=now),
        "acme_stale": environment(
            world.acme, world.product, name="Acme Old", attested=now - timedelta(days=200)
        ),
        "globex": environment(world.globex, world.product, name="Globex Lab", attested=now),
    }
    db.session.commit()
    return labs


# Who sees whose labs on /environments, and which buttons: a truth table.
LIST_TABLE = {
    # principal: (sees acme's, sees globex's, manage buttons, verify button)
    "vendor_admin": (True, True, False, True),
    "support_manager": (True, True, False, True),
    "vendor_engineer": (True, True, False, True),
    "acme_admin": (True, False, True, False),
    "acme_tech": (True, False, False, False),
    "globex_admin": (False, True, True, False),
    "globex_tech": (False, True, False, False),
}


@pytest.mark.parametrize("principal", LIST_TABLE)
def test_each_principal_sees_the_labs_and_buttons_the_table_says(app, world, labs, principal):
    sees_acme, sees_globex, manage, verify = LIST_TABLE[principal]
    html = page(signed_in(app, world.user(principal)))
    shown = rows(html)
    assert (str(labs["acme_current"].id) in shown) is sees_acme
    assert (str(labs["globex"].id) in shown) is sees_globex
    assert bool(re.search(r"/environments/\d+/reattest", html)) is manage
    assert ("Register an environment" in html) is manage
    assert bool(re.search(r"/environments/\d+/verify", html)) is verify


def test_states_are_said_in_words(app, world, labs):
    html = page(signed_in(app, world.user("acme_admin")))
    stale_since = (labs["acme_stale"].attested_at.date() + timedelta(days=181)).isoformat()
    assert f"Stale since {stale_since}" in html
    assert ">Current<" in html
    assert rows(html) == {
        str(labs["acme_current"].id): "current",
        str(labs["acme_stale"].id): "stale",
    }


def test_vendor_staff_filter_by_partner_product_and_state(app, world, labs):
    other = make_product("beacon")
    beacon_lab = environment(world.globex, other, name="Beacon Lab")
    labs["acme_current"].retired_at = utcnow()
    db.session.commit()
    client = signed_in(app, world.user("support_manager"))

    assert set(rows(page(client, f"/environments?partner={world.acme.id}"))) == {
        str(labs["acme_stale"].id)
    }
    assert set(rows(page(client, f"/environments?product={other.id}"))) == {str(beacon_lab.id)}
    assert set(rows(page(client, "/environments?state=stale"))) == {str(labs["acme_stale"].id)}
    assert set(rows(page(client, "/environments?state=retired"))) == {str(labs["acme_current"].id)}
    assert len(rows(page(client, "/environments?state=all"))) == 4
    # Nonsense filters read as none.
    assert len(rows(page(client, "/environments?state=nope&partner=x&product=-1"))) == 3


def test_a_partner_user_cannot_filter_their_way_to_another_partners_labs(app, world, labs):
    client = signed_in(app, world.user("acme_tech"))
    html = page(client, f"/environments?partner={world.globex.id}&state=all")
    assert "Globex Lab" not in html
    assert str(labs["acme_current"].id) in rows(html)


def test_registering_through_the_form(app, world):
    client = signed_in(app, world.user("acme_admin"))
    form = page(client, "/environments/new")
    release = world.product.releases[0]
    assert f'<optgroup label="{world.product.name}">' in form
    response = client.post(
        "/environments/new",
        data={
            "csrf_token": token_of(form),
            "release_id": release.id,
            "name": "Lab-9",
            "operating_system": "Debian 12",
            "database": "",
            "product_build": "4.1.0",
            "notes": "",
            "attested": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    lab = db.session.scalar(
        select(ReproductionEnvironment).where(ReproductionEnvironment.name == "Lab-9")
    )
    assert lab.partner_id == world.acme.id and lab.release_id == release.id


def test_an_unsupported_release_is_not_offered_and_is_refused_if_posted(app, world):
    old = Release(
        product=world.product, version="3.9.0", released_on=utcnow().date(), supported=False
    )
    db.session.add(old)
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    form = page(client, "/environments/new")
    assert "3.9.0" not in form
    before = row_counts()
    response = client.post(
        "/environments/new",
        data={
            "csrf_token": token_of(form),
            "release_id": old.id,
            "name": "Lab-9",
            "operating_system": "Debian 12",
            "product_build": "3.9.0",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "no longer supported" in html
    assert "Attest that the environment runs the vanilla" in html
    assert row_counts() == before


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999", "-3"])
def test_a_malformed_release_is_a_form_error(app, world, value):
    client = signed_in(app, world.user("acme_admin"))
    form = page(client, "/environments/new")
    response = client.post(
        "/environments/new",
        data={
            "csrf_token": token_of(form),
            "release_id": value,
            "name": "L",
            "operating_system": "x",
            "product_build": "1",
            "attested": "y",
        },
    )
    assert response.status_code == 400
    assert "Choose the release the environment runs." in response.get_data(as_text=True)


def test_editing_shows_the_lab_and_saves_with_a_fresh_attestation(app, world, labs):
    lab = labs["acme_stale"]
    client = signed_in(app, world.user("acme_admin"))
    form = page(client, f"/environments/{lab.id}/edit")
    assert 'value="Acme Old"' in form
    assert 'id="attested"' in form and "checked" not in form.split('id="attested"')[1][:40]
    response = client.post(
        f"/environments/{lab.id}/edit",
        data={
            "csrf_token": token_of(form),
            "release_id": lab.release_id,
            "name": "Acme Old",
            "operating_system": "Debian 13",
            "product_build": lab.product_build,
            "attested": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert lab.operating_system == "Debian 13"
    assert lab.attested_at.date() == utcnow().date()


@pytest.mark.parametrize(
    ("action", "principal"),
    [("reattest", "acme_admin"), ("retire", "acme_admin"), ("verify", "vendor_engineer")],
)
def test_an_action_asks_first_and_acts_once_confirmed(app, world, labs, action, principal):
    lab = labs["acme_stale"]
    client = signed_in(app, world.user(principal))
    browser = Browser(client)
    token = browser.csrf_token("/environments")
    before = row_counts()

    asked = client.post(f"/environments/{lab.id}/{action}", data={"csrf_token": token})
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    assert row_counts() == before

    done = client.post(
        f"/environments/{lab.id}/{action}",
        data={"csrf_token": token, "confirmed": "yes", "next_url": "/environments?state=all"},
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/environments?state=all")
    db.session.expire_all()
    expected = {"reattest": "attested_at", "retire": "retired_at", "verify": "verified_at"}
    audited = {"reattest": "reattested", "retire": "retired", "verify": "verified"}
    assert getattr(lab, expected[action]).date() == utcnow().date()
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == f"environment.{audited[action]}")
    )


def test_a_next_url_off_the_list_is_ignored(app, world, labs):
    client = signed_in(app, world.user("acme_admin"))
    token = Browser(client).csrf_token("/environments")
    response = client.post(
        f"/environments/{labs['acme_stale'].id}/reattest",
        data={"csrf_token": token, "confirmed": "yes", "next_url": "https://evil.example/x"},
    )
    assert response.headers["Location"].endswith("/environments")


@pytest.mark.parametrize("action", ["reattest", "retire", "edit"])
def test_another_partners_admin_gets_a_404_and_changes_nothing(app, world, labs, action):
    client = signed_in(app, world.user("globex_admin"))
    token = Browser(client).csrf_token("/environments")
    before = row_counts()
    response = client.post(
        f"/environments/{labs['acme_current'].id}/{action}",
        data={"csrf_token": token, "confirmed": "yes", "name": "Hijacked", "attested": "y"},
    )
    assert response.status_code == 404
    assert row_counts() == before
    assert client.get(f"/environments/{labs['acme_current'].id}/edit").status_code == 404


def test_a_retired_lab_cannot_be_edited(app, world, labs):
    lab = labs["acme_current"]
    lab.retired_at = utcnow()
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    response = client.get(f"/environments/{lab.id}/edit")
    assert response.status_code == 302


# --- API -----------------------------------------------------------------------------------


def test_the_api_lists_a_partners_labs_in_use(app, world, labs):
    labs["acme_stale"].database = ""
    db.session.commit()
    response = app.test_client().get(
        f"/api/v1/partners/{world.acme.id}/environments",
        headers=bearer(world.user("acme_tech")),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 2)
    by_name = {item["name"]: item for item in body["items"]}
    current = by_name["Acme Lab"]
    assert set(current) >= {"id", "product", "release", "description", "last_verified_on"}
    assert current["product"] == world.product.slug
    assert current["release"] == labs["acme_current"].release.version
    assert (
        current["description"] == f"Acme Lab: Debian 12, PostgreSQL 15, build {current['release']}"
    )
    assert current["last_verified_on"] == utcnow().date().isoformat()
    assert current["state"] == "current"
    assert by_name["Acme Old"]["state"] == "stale"
    assert by_name["Acme Old"]["description"].startswith("Acme Old: Debian 12, build ")


def test_the_api_hides_another_partners_labs_behind_a_404(app, world, labs):
    response = app.test_client().get(
        f"/api/v1/partners/{world.acme.id}/environments",
        headers=bearer(world.user("globex_admin")),
    )
    api_error(response, 404)


def test_the_api_pages_and_refuses_bad_paging(app, world, labs):
    client = app.test_client()
    headers = bearer(world.user("vendor_admin"))
    body = client.get(
        f"/api/v1/partners/{world.acme.id}/environments?per_page=1&page=2", headers=headers
    ).get_json()
    assert (body["total"], len(body["items"])) == (2, 1)
    api_error(
        client.get(f"/api/v1/partners/{world.acme.id}/environments?per_page=0", headers=headers),
        400,
    )


# --- Bounded queries -----------------------------------------------------------------------


def _add_labs(n: int, vendor_admin) -> None:
    """n labs, each of its own partner, product and release, attested and verified by
    people of their own: nothing the identity map could answer for another row."""
    for i in range(n):
        partner = make_partner()
        admin = make_user("partner_admin", partner)
        product = make_product(releases=(f"{i}.0.0",))
        environment(
            partner,
            product,
            attested_by_id=admin.id,
            verified_by_id=make_user("vendor_engineer").id,
            verified_at=utcnow(),
        )


def test_the_vendor_list_runs_the_same_queries_for_2_or_12_labs(app, world, count_queries):
    vendor_admin = world.user("vendor_admin")
    _add_labs(2, vendor_admin)
    db.session.commit()
    client = signed_in(app, vendor_admin)

    def queries(expected: int) -> int:
        with count_queries() as counter:
            html = page(client)
        assert len(rows(html)) == expected
        return counter.count

    two = queries(2)
    _add_labs(10, vendor_admin)
    db.session.commit()
    assert queries(12) == two


def test_the_api_list_runs_the_same_queries_for_2_or_12_labs(app, world, count_queries):
    headers = bearer(world.user("vendor_admin"))
    partner_id = world.acme.id

    def add(n):
        for i in range(n):
            product = make_product(releases=(f"{i}.1.0",))
            environment(
                world.acme, product, attested_by_id=make_user("partner_admin", world.acme).id
            )
        db.session.commit()

    def queries(expected: int) -> int:
        client = app.test_client()
        client.get(f"/api/v1/partners/{partner_id}/environments", headers=headers)  # warm up
        with count_queries() as counter:
            body = client.get(
                f"/api/v1/partners/{partner_id}/environments", headers=headers
            ).get_json()
        assert body["total"] == expected
        return counter.count

    add(2)
    two = queries(2)
    add(10)
    assert queries(12) == two
    assert db.session.get(Partner, partner_id) is not None

"""Sortable lists: `?sort=&dir=` from a whitelist, accessible headers, kept across pages."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import column, select

from portal.admin.views import RELEASE_SORT, USER_SORT
from portal.extensions import db
from portal.partners.people_views import CUSTOMER_SORT, TECHNICIAN_SORT
from portal.partners.views import PARTNER_SORT
from portal.sorting import SortColumn, SortOptions
from tests.factories import make_customer, make_partner, make_user, signed_in

# --- The helper ------------------------------------------------------------------------------

OPTIONS = SortOptions(
    SortColumn("name", column("name")),
    SortColumn("seen", column("seen"), default_dir="desc"),
    default="name",
    tiebreak=column("id"),
)


def _sql(sorting) -> str:
    return str(sorting.apply(select(column("id")).order_by(column("other"))))


def test_a_known_column_and_direction_are_used():
    sorting = OPTIONS.choose("seen", "asc")
    assert (sorting.key, sorting.direction, sorting.explicit) == ("seen", "asc", True)
    assert "ORDER BY seen ASC NULLS LAST, id ASC" in _sql(sorting)
    assert "ORDER BY seen DESC NULLS LAST, id ASC" in _sql(OPTIONS.choose("seen", "desc"))
    assert "other" not in _sql(sorting)


@pytest.mark.parametrize(
    "sort, direction, expected",
    [
        (None, None, ("name", "asc", False)),
        ("password_hash", "desc", ("name", "desc", False)),
        ("name; DROP TABLE users", "asc", ("name", "asc", False)),
        ("seen", "sideways", ("seen", "desc", True)),  # the column's own default direction
        ("", "", ("name", "asc", False)),
    ],
)
def test_unknown_columns_and_directions_fall_back_to_the_default(sort, direction, expected):
    sorting = OPTIONS.choose(sort, direction)
    assert (sorting.key, sorting.direction, sorting.explicit) == expected


def test_only_the_sorted_column_has_aria_sort_and_a_click_reverses_it():
    sorting = OPTIONS.choose("name", "asc")
    assert sorting.aria_sort("name") == "ascending" and sorting.aria_sort("seen") is None
    assert sorting.next_direction("name") == "desc"
    assert sorting.next_direction("seen") == "desc"  # a new column starts in its default
    assert OPTIONS.choose("name", "desc").aria_sort("name") == "descending"


def test_ties_are_broken_in_ascending_order_unless_said_otherwise():
    options = SortOptions(
        SortColumn("kind", column("kind"), column("name"), column("day").desc()),
        default="kind",
    )
    sql = _sql(options.choose("kind", "desc"))
    assert "ORDER BY kind DESC NULLS LAST, name ASC, day DESC" in sql


def test_a_list_must_declare_a_known_default():
    with pytest.raises(ValueError):
        SortOptions(SortColumn("name", column("name")), default="nope")
    with pytest.raises(ValueError):
        SortColumn("name")


@pytest.mark.parametrize(
    "options", [PARTNER_SORT, USER_SORT, TECHNICIAN_SORT, CUSTOMER_SORT, RELEASE_SORT]
)
def test_every_list_breaks_ties_by_id(options):
    assert options.tiebreak is not None


# --- The pages -------------------------------------------------------------------------------


def _row_names(html: str, testid: str) -> list[str]:
    table = html[html.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<td class="[^"]*cell-primary[^"]*">(?:<a[^>]*>)?([^<]+)', table)


def _header(html: str, key: str) -> str:
    match = re.search(
        r'<th scope="col" class="sortable[^"]*"[^>]*>\s*<a[^>]*data-sort="' + key, html
    )
    assert match, f"no sortable header {key}"
    return html[match.start() : html.index("</th>", match.start())]


@pytest.fixture
def partners(world):
    """Four partners whose names, regions and managers sort differently."""
    manager_z = make_user("support_manager", name="Zoe Manager")
    manager_a = make_user("support_manager", name="adam manager")
    rows = {
        "acme": ("EMEA", manager_z),
        "globex": ("Americas", None),
    }
    for slug, (region, manager) in rows.items():
        partner = getattr(world, slug)
        partner.region, partner.support_manager_id = region, manager.id if manager else None
    beta = make_partner("beta", name="beta Partners")
    beta.region, beta.support_manager_id = "APAC", manager_a.id
    make_partner("delta", name="Delta Partners").region = "emea-north"
    db.session.commit()
    return world


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["Acme", "beta Partners", "Delta Partners", "Globex"]),
        ("?sort=name&dir=desc", ["Globex", "Delta Partners", "beta Partners", "Acme"]),
        ("?sort=region&dir=asc", ["Globex", "beta Partners", "Acme", "Delta Partners"]),
        # Partners without a manager come last in either direction.
        ("?sort=manager&dir=asc", ["beta Partners", "Acme", "Delta Partners", "Globex"]),
        ("?sort=manager&dir=desc", ["Acme", "beta Partners", "Delta Partners", "Globex"]),
        # Ties keep the names in alphabetical order.
        ("?sort=status&dir=desc", ["Acme", "beta Partners", "Delta Partners", "Globex"]),
        ("?sort=secret&dir=up", ["Acme", "beta Partners", "Delta Partners", "Globex"]),
    ],
)
def test_partner_list_sorts_by_the_chosen_column(app, partners, query, expected):
    html = signed_in(app, partners.user("vendor_admin")).get("/partners/" + query)
    assert html.status_code == 200
    assert _row_names(html.get_data(as_text=True), "partner-list") == expected


def test_sorted_header_has_aria_sort_and_its_link_reverses_the_order(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    html = client.get("/partners/?sort=region&dir=desc&q=a&page=1").get_data(as_text=True)
    region = _header(html, "region")
    assert 'aria-sort="descending"' in region
    assert "sort=region" in region and "dir=asc" in region and "q=a" in region
    assert "page=" not in region  # a new order starts at page 1
    assert "sort ascending" in region  # what a click does, for screen readers
    name = _header(html, "name")
    assert "aria-sort" not in name and "dir=asc" in name
    assert html.count("aria-sort=") == 1
    # The filter form keeps the order.
    assert '<input type="hidden" name="sort" value="region">' in html


def test_unknown_sort_values_are_ignored_not_an_error(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    for query in ("?sort=__class__", "?dir=%E2%86%91", "?sort=name&dir=DESC", "?sort[]=x&dir=asc"):
        response = client.get("/partners/" + query)
        assert response.status_code == 200, query
        assert 'aria-sort="ascending"' in _header(response.get_data(as_text=True), "name")


def test_pages_keep_the_sort_order(app, world):
    for n in range(5):
        make_partner(f"paged-{n}", name=f"Paged {n}")
    db.session.commit()
    app.config["PER_PAGE"], saved = 2, app.config["PER_PAGE"]
    try:
        client = signed_in(app, world.user("vendor_admin"))
        html = client.get("/partners/?sort=name&dir=desc").get_data(as_text=True)
        second = client.get("/partners/?sort=name&dir=desc&page=2").get_data(as_text=True)
    finally:
        app.config["PER_PAGE"] = saved
    assert _row_names(html, "partner-list") == ["Paged 4", "Paged 3"]
    assert _row_names(second, "partner-list") == ["Paged 2", "Paged 1"]
    pager = html[html.index('aria-label="Pages"') :]
    links = re.findall(r'class="page-link" href="([^"]+)"', pager)
    assert links and all("sort=name" in link and "dir=desc" in link for link in links)


def test_user_list_sorts_by_partner_with_vendor_staff_last(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    for direction in ("asc", "desc"):
        html = client.get(f"/admin/users?sort=partner&dir={direction}").get_data(as_text=True)
        partners = re.findall(
            r'data-label="Partner">(?:<a[^>]*>([^<]+)</a>|<span[^>]*>vendor)', html
        )
        names = [name or "vendor" for name in partners]
        expected = ["Acme", "Acme", "Globex", "Globex"]
        assert names[:4] == (expected if direction == "asc" else expected[::-1])
        assert set(names[4:]) == {"vendor"}


def test_technicians_sort_by_last_sign_in_with_never_last(app, world):
    early = make_user("technician", world.acme, name="Early Bird")
    early.last_login_at = datetime(2025, 1, 1, tzinfo=UTC)
    late = make_user("technician", world.acme, name="Late Riser")
    late.last_login_at = datetime(2025, 6, 1, tzinfo=UTC)
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    html = client.get("/partners/mine/technicians?sort=last_login").get_data(as_text=True)
    never = world.user("acme_tech").name
    assert _row_names(html, "technicians") == ["Late Riser", "Early Bird", never]
    assert 'aria-sort="descending"' in _header(html, "last_login")


def test_technicians_list_puts_active_people_first_by_default(app, world):
    make_user("technician", world.acme, name="Aaron Gone", status="left")
    db.session.commit()
    html = signed_in(app, world.user("acme_admin")).get("/partners/mine/technicians")
    names = _row_names(html.get_data(as_text=True), "technicians")
    assert names == [world.user("acme_tech").name, "Aaron Gone"]


def test_customers_sort_by_seats(app, world):
    make_customer(world.acme, "Small", seats=5)
    make_customer(world.acme, "Large", seats=5000)
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    html = client.get("/partners/mine/customers?sort=seats").get_data(as_text=True)
    assert _row_names(html, "customers") == ["Large", "Acme Customer", "Small"]
    html = client.get("/partners/mine/customers?sort=seats&dir=asc&q=a").get_data(as_text=True)
    assert _row_names(html, "customers") == ["Small", "Acme Customer", "Large"]


def test_releases_sort_within_each_product_and_headers_return_to_it(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    html = client.get("/admin/products?sort=released&dir=asc").get_data(as_text=True)
    section = html[html.index(f'id="product-{world.product.id}"') :]
    assert re.findall(r'cell-primary">([^<]+)', section)[:2] == ["4.0.0", "4.1.0"]
    assert f"#product-{world.product.id}" in _header(section, "version")
    html = client.get("/admin/products").get_data(as_text=True)
    section = html[html.index(f'id="product-{world.product.id}"') :]
    assert re.findall(r'cell-primary">([^<]+)', section)[:2] == ["4.1.0", "4.0.0"]


@pytest.mark.parametrize(
    "who, path, options",
    [
        ("vendor_admin", "/partners/", PARTNER_SORT),
        ("vendor_admin", "/admin/users", USER_SORT),
        ("vendor_admin", "/admin/products", RELEASE_SORT),
        ("acme_admin", "/partners/mine/technicians", TECHNICIAN_SORT),
        ("acme_admin", "/partners/mine/customers", CUSTOMER_SORT),
        ("support_manager", "/partners/{acme}/technicians", TECHNICIAN_SORT),
        ("support_manager", "/partners/{acme}/customers", CUSTOMER_SORT),
    ],
)
def test_every_whitelisted_column_sorts_both_ways(app, world, who, path, options):
    client = signed_in(app, world.user(who))
    path = path.format(acme=world.acme.id)
    for key in options.columns:
        for direction in ("asc", "desc"):
            response = client.get(f"{path}?sort={key}&dir={direction}")
            assert response.status_code == 200, (key, direction)
            header = _header(response.get_data(as_text=True), key)
            assert f'aria-sort="{"ascending" if direction == "asc" else "descending"}"' in header

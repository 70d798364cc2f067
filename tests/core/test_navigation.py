"""The navigation bar marks the section the reader is in."""

import re

from tests.factories import signed_in
from tests.knowledge_base.factories import make_article
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _current_links(html: str) -> list[str]:
    return re.findall(
        r'<a class="nav-link active"\s+aria-current="page"\s+href="[^"]*">([^<]+)</a>', html
    )


def test_knowledge_base_stays_current_on_article_pages(client, world):
    article = make_article(world.user("vendor_engineer"), title="Where am I")
    html = client.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    assert _current_links(html) == ["Knowledge base"]


def test_partners_stays_current_on_a_partner_page_for_vendor_staff(app, world):
    client = signed_in(app, world.user("support_manager"))
    html = client.get(f"/partners/{world.acme.id}").get_data(as_text=True)
    assert _current_links(html) == ["Partners"]


def test_partner_home_offers_a_knowledge_base_search(app, world):
    client = signed_in(app, world.user("acme_tech"))
    html = client.get("/").get_data(as_text=True)
    assert 'action="/kb/"' in html and 'name="q"' in html

"""`seed-demo` fills the knowledge base with realistic articles."""

from collections import Counter

from sqlalchemy import select

from knowledge_base import search
from knowledge_base.models import KINDS, VISIBILITIES, Article, Revision, Vote
from portal.access import Anonymous
from portal.demo import seed_demo
from portal.extensions import db
from tests.support import SQLITE_PASS_ONLY

# The demo's content; the PostgreSQL pass seeds the demo in tests/escalations/test_demo.py.
pytestmark = SQLITE_PASS_ONLY


def test_demo_seed_covers_products_kinds_and_visibilities(app):
    world = seed_demo()
    articles = db.session.scalars(select(Article)).all()
    assert len(articles) >= 20
    assert set(Counter(a.kind for a in articles)) == set(KINDS)
    assert set(Counter(a.visibility for a in articles)) == set(VISIBILITIES)
    assert {a.product.slug for a in articles if a.product} == {"orbit-server", "orbit-mobile"}
    assert any(a.status == "draft" for a in articles)
    assert any(a.needs_review for a in articles)
    assert db.session.scalar(select(db.func.max(Revision.number))) >= 2
    assert db.session.scalar(select(db.func.count()).select_from(Vote)) >= 3
    assert world["kb_articles"]

    public = search.search_articles("export", Anonymous())
    assert public.total >= 1 and all(h.article.visibility == "public" for h in public.hits)
    tech = world["users"]["tech@acme.example"]
    suggestions = search.suggest("export hangs on large files", tech)
    assert suggestions[0].slug == "export-hangs-on-files-larger-than-2-gb"


def test_demo_pages_render(app):
    seed_demo()
    client = app.test_client()
    assert client.get("/kb/").status_code == 200
    assert client.get("/kb/?q=sign+on").status_code == 200
    page = client.get("/kb/articles/configure-single-sign-on-with-saml-2-0")
    assert page.status_code == 200 and "Microsoft Entra ID" in page.get_data(as_text=True)

"""Fixtures of the knowledge-base tests."""

from dataclasses import dataclass

import pytest

from knowledge_base.models import Article
from tests.factories import World, signed_in
from tests.knowledge_base.factories import make_article

# Which of the five sample articles each principal may read.
EVERYTHING = {"pub_public", "pub_partners", "pub_internal", "draft_public", "draft_internal"}
PARTNER_VIEW = {"pub_public", "pub_partners"}
EXPECTED_VISIBLE = {
    "anonymous": {"pub_public"},
    "vendor_admin": EVERYTHING,
    "vendor_engineer": EVERYTHING,
    "support_manager": {"pub_public", "pub_partners", "pub_internal"},
    "acme_admin": PARTNER_VIEW,
    "acme_tech": PARTNER_VIEW,
    "globex_admin": PARTNER_VIEW,
    "globex_tech": PARTNER_VIEW,
}


@dataclass
class Library:
    """One article per (state, visibility) that matters, each with its own secret word."""

    articles: dict[str, Article]
    secrets: dict[str, str]

    def slug(self, key: str) -> str:
        return self.articles[key].slug


SAMPLES = {
    # key: (visibility, published, secret word)
    "pub_public": ("public", True, "aardvark"),
    "pub_partners": ("partners", True, "bluebell"),
    "pub_internal": ("internal", True, "cormorant"),
    "draft_public": ("public", False, "dandelion"),
    "draft_internal": ("internal", False, "eucalyptus"),
}


@pytest.fixture
def library(world: World) -> Library:
    author = world.user("vendor_engineer")
    articles, secrets = {}, {}
    for key, (visibility, published, secret) in SAMPLES.items():
        articles[key] = make_article(
            author,
            title=f"Zebrafish {secret} calibration",
            body=f"How to calibrate the zebrafish sensor. Codename {secret}.\n\n"
            f"The zebrafish module needs care.",
            visibility=visibility,
            publish=published,
            product=world.product,
            tags=["zebrafish", f"tag-{secret}"],
        )
        secrets[key] = secret
    return Library(articles=articles, secrets=secrets)


def principal_of(world: World, name: str):
    from portal.access import Anonymous

    return Anonymous() if name == "anonymous" else world.user(name)


def client_of(app, world: World, name: str):
    return app.test_client() if name == "anonymous" else signed_in(app, world.user(name))

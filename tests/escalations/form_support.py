"""The submission form as a browser posts it: its CSRF token, a valid body, files, and
what a refused post must leave unchanged."""

import io
import re

from knowledge_base.models import Article
from tests.escalations.support import WRITTEN_BY_ESCALATIONS
from tests.knowledge_base.factories import make_article
from tests.support import row_counts

LOG = b"2026-12-01T10:00:00Z ERROR export stalled at 99%\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60


def csrf_of(client, path: str = "/escalations/new") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def form_data(esc, partner: str = "acme", **overrides) -> dict:
    """What the form posts for a problem every gate accepts; None removes a field."""
    world = esc.world
    data = {
        "release_id": str(esc.release.id),
        "customer_id": str(getattr(world, f"{partner}_customer").id),
        "environment_id": str(esc.environments[partner].id),
        "title": "Export hangs on files over 2 GB",
        "severity": "S2",
        "business_impact": "",
        "steps": "1. Open a 3 GB file 2. Export",
        "expected": "The export finishes",
        "actual": "It hangs at 99%",
        "reproduced_on_vanilla": "y",
        "no_customization": "y",
    }
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def post_form(client, path: str, data: dict, files=(), token_from: str | None = None):
    """Post `data` with `files` ((name, bytes) pairs) as multipart, CSRF token included."""
    body = {**data, "csrf_token": csrf_of(client, token_from or path)}
    if files:
        body["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(path, data=body, content_type="multipart/form-data")


def changes(before: dict) -> dict:
    """Rows added or removed, per table an escalation writes to, since `before`."""
    after = row_counts()
    return {t: after[t] - before[t] for t in WRITTEN_BY_ESCALATIONS if after[t] != before[t]}


def kb_articles(esc) -> dict[str, Article]:
    """Published articles a partner's technician may read, and one it may not."""
    author = esc.user("vendor_engineer")
    product = esc.world.product

    def article(title, visibility="partners", publish=True):
        return make_article(
            author,
            title=title,
            body=f"{title}. Known causes and the workaround.",
            kind="known_issue",
            visibility=visibility,
            publish=publish,
            product=product,
        )

    return {
        "export": article("Export hangs on files larger than 2 GB", "public"),
        "sso": article("Configure single sign-on with SAML"),
        "internal": article("Export hangs: internal triage notes", "internal"),
        "draft": article("Export hangs: draft workaround", "partners", publish=False),
    }

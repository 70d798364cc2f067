"""A synthetic knowledge base of any size, for the search benchmark.

Text is varied (a few thousand words with a skewed frequency, sentences, lists, tables
and code) and reproducible (seeded). Three words have a fixed share of the articles, so
that a search for them finds a known fraction of the KB at every size:

- "export" in 1 % of the articles,
- "upgrade" and "cluster" in 0.5 % each (chosen independently),

and at least one public article has each of them. No other word of the corpus starts
with these words, so prefix matching does not widen them. Articles are written with
multi-row inserts (the search index, vocabulary and tag counts fill through the
database's own triggers) rather than through the services, which would take minutes for
revisions and audit entries the benchmark never reads.
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

TARGET_SHARES = {"export": 0.01, "upgrade": 0.005, "cluster": 0.005}
VISIBILITY_SHARES = (("public", 0.6), ("partners", 0.25), ("internal", 0.1))
DRAFT_SHARE = 0.05
KINDS = ("how_to", "known_issue", "release_note", "training_material")

_COMMON_LINES = (
    "server node database backup restore certificate password network latency timeout "
    "proxy gateway login session token account license quota disk memory processor "
    "thread worker queue index report dashboard mobile device sync push notification "
    "firewall port socket storage volume snapshot replica primary standby failover "
    "schedule job task batch import archive attachment document folder project "
    "workspace tenant user group role permission policy audit log trace metric alert "
    "threshold limit release patch version build install configure enable disable "
    "restart reload refresh delete rename move copy download upload browser client "
    "agent service daemon process container image registry mirror cache profile "
    "setting option parameter variable file path directory cookie header request "
    "response error warning failure crash hang freeze slow fast retry connection pool "
    "query transaction lock deadlock migration schema table column row field record "
    "entry value message mail address domain host name label tag filter search result "
    "page screen button dialog menu editor viewer printer scanner keyboard display "
    "monitor window theme font language locale region zone time date calendar holiday "
    "week month year minute hour second encryption key signature hash checksum secret "
    "vault identity provider directory ldap saml single sign oauth scope grant "
    "consent redirect callback endpoint webhook payload event "
)
_COMMON = tuple("".join(_COMMON_LINES).split())
_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "to",
    "vi",
    "ze",
    "bar",
    "dor",
    "fen",
    "gil",
    "hum",
    "jor",
    "kel",
    "lin",
    "mor",
    "nas",
    "pol",
    "quin",
    "ros",
    "sel",
    "tam",
    "ul",
    "var",
    "wen",
    "yor",
)
_FORBIDDEN_PREFIXES = tuple(TARGET_SHARES) + ("upgrad", "clust", "expor")


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = list(_COMMON)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen and not word.startswith(_FORBIDDEN_PREFIXES):
            seen.add(word)
            words.append(word)
    return words


class TextMaker:
    """Sentences drawn from a Zipf-like distribution over the vocabulary."""

    def __init__(self, seed: int = 13):
        self.rng = random.Random(seed)
        self.words = _vocabulary(self.rng)
        self.weights = [1 / (rank + 1) ** 0.9 for rank in range(len(self.words))]

    def _some(self, n: int) -> list[str]:
        return self.rng.choices(self.words, self.weights, k=n)

    def sentence(self, extra: str | None = None) -> str:
        words = self._some(self.rng.randint(7, 18))
        if extra:
            words.insert(self.rng.randrange(len(words) + 1), extra)
        if self.rng.random() < 0.15:
            amount = self.rng.choice((2, 4, 8, 16, 32, 500))
            unit = self.rng.choice(("GB", "MB", "ms"))
            words.insert(self.rng.randrange(len(words)), f"{amount}{unit}")
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def title(self, extra: str | None = None) -> str:
        words = self._some(self.rng.randint(3, 7))
        if extra:
            words.insert(self.rng.randrange(len(words) + 1), extra)
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def body(self, extras: list[str]) -> str:
        rng = self.rng
        blocks = []
        for heading in rng.sample(
            ("Symptoms", "Cause", "Workaround", "Steps", "Notes"), rng.randint(2, 4)
        ):
            blocks.append(f"## {heading}")
            blocks.append(" ".join(self.sentence() for _ in range(rng.randint(2, 5))))
        shape = rng.random()
        if shape < 0.2:
            rows = "\n".join(
                f"| {self._some(1)[0]} | {rng.randint(1, 64)} |" for _ in range(rng.randint(2, 5))
            )
            blocks.append(f"| Setting | Value |\n|---|---|\n{rows}")
        elif shape < 0.4:
            blocks.append("\n".join(f"{i}. {self.sentence()}" for i in range(1, rng.randint(3, 6))))
        elif shape < 0.5:
            blocks.append(f"```\n{' '.join(self._some(6))} --{self._some(1)[0]}\n```")
        for word in extras:
            blocks.insert(rng.randrange(1, len(blocks) + 1), self.sentence(extra=word))
        return "\n\n".join(blocks) + "\n"


def article_rows(count: int, product_id: int | None, seed: int = 13):
    """Yield (article values, tags) for `count` articles; ids are 1..count."""
    from knowledge_base.rendering import plain_text, render_markdown

    maker = TextMaker(seed)
    rng = maker.rng
    tag_pool = [w for w in maker.words[:400] if len(w) <= 20][:150]
    # Each target word goes to a fixed number of articles (at least one).
    placed = {
        word: set(rng.sample(range(count), max(1, round(count * share))))
        for word, share in TARGET_SHARES.items()
    }
    # One article per target word is public, so an anonymous reader finds it at any size.
    shown = {min(chosen) for chosen in placed.values()}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(count):
        targets = [word for word, chosen in placed.items() if i in chosen]
        in_title = [w for w in targets if rng.random() < 0.3]
        in_body = [w for w in targets if w not in in_title]
        title = maker.title(in_title[0] if in_title else None)
        if len(in_title) > 1:
            in_body += in_title[1:]
        body = maker.body(in_body)
        roll = rng.random()
        visibility = next(
            (v for v, share in VISIBILITY_SHARES if (roll := roll - share) < 0), "internal"
        )
        status = "draft" if rng.random() < DRAFT_SHARE else "published"
        if i in shown:
            visibility, status = "public", "published"
        tags = sorted(set(rng.sample(tag_pool, rng.randint(1, 4))))
        when = start + timedelta(minutes=37 * i)
        yield (
            {
                "id": i + 1,
                "slug": f"bench-{i + 1}",
                "title": title[:200],
                "body": body,
                "body_text": plain_text(render_markdown(body)),
                "kind": KINDS[i % len(KINDS)],
                "visibility": visibility,
                "status": status,
                "product_id": product_id,
                "tags_text": " ".join(tags),
                "needs_review": False,
                "revision_number": 1,
                "created_at": when,
                "updated_at": when,
                "published_at": when if status == "published" else None,
            },
            tags,
        )


def _insert(session, model, rows: list[dict]) -> None:
    """One multi-row INSERT, so statement-level triggers run once per batch."""
    session.execute(insert(model).values(rows))


def build(session, count: int, *, batch: int = 1000, progress=None) -> None:
    """Write `count` synthetic articles (with tags and a product) into an empty KB."""
    from knowledge_base.models import Article, ArticleTag
    from portal.models import Product

    product = Product(slug="orbit-server", name="Orbit Server")
    session.add(product)
    session.flush()
    articles, tags = [], []
    for values, article_tags in article_rows(count, product.id):
        articles.append(values)
        tags.extend({"article_id": values["id"], "tag": t} for t in article_tags)
        if len(articles) >= batch:
            _insert(session, Article, articles)
            _insert(session, ArticleTag, tags)
            articles, tags = [], []
            if progress:
                progress(values["id"])
    if articles:
        _insert(session, Article, articles)
        _insert(session, ArticleTag, tags)
    session.commit()

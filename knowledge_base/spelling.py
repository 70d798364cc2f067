"""The words of the articles a reader may see: completing a word, and "Did you mean …?".

The database keeps the vocabulary per audience (migration 0004): on SQLite an FTS5 table
without stemming, one column per audience, read through `fts5vocab`; on PostgreSQL a
table of (word, audience, articles) kept by triggers. Every lookup names the reader's
audiences (`services.readable_audiences`), so a completion or a correction only ever
comes from articles the reader may read, and is weighed by how many of those use it.

Lookups are by exact words and by ranges of words sharing a prefix, so their cost
depends on the words asked about, not on the size of the knowledge base.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import column, func, select, table, union_all

from knowledge_base.query import STOP_WORDS, ParsedQuery, words_of
from knowledge_base.services import readable_audiences
from portal.extensions import db

COMPLETIONS_MAX = 8
#: At most this many words of one query are looked up for a correction.
CORRECTIONS_MAX = 6
_CORRECTABLE = re.compile(r"^[^\W\d_]{3,40}$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class _Vocabulary:
    table: object
    word: object
    audience: object
    articles: object


def _vocabulary() -> _Vocabulary:
    if db.session.get_bind().dialect.name == "postgresql":
        words = table("kb_search_words", column("word"), column("audience"), column("articles"))
        return _Vocabulary(words, words.c.word, words.c.audience, words.c.articles)
    vocab = table("kb_articles_words_vocab", column("term"), column("col"), column("doc"))
    return _Vocabulary(vocab, vocab.c.term, vocab.c.col, vocab.c.doc)


def _is_word(word: str) -> bool:
    """Letters and digits only, as the query reader writes words (and quotes them)."""
    return words_of(word) == [word]


def _after_prefix(prefix: str) -> str:
    """The first string after every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _counted(vocabulary: _Vocabulary, audiences, *conditions):
    articles = func.sum(vocabulary.articles)
    return (
        select(vocabulary.word.label("word"), articles.label("articles"))
        .where(vocabulary.audience.in_(audiences), *conditions)
        .group_by(vocabulary.word)
        .having(articles > 0)
    )


def word_counts(words: list[str], prefixes: list[str], reader) -> dict[str, int]:
    """How many articles the reader may see use each of `words`, and each word starting
    with one of `prefixes` (words no such article uses are left out)."""
    audiences = readable_audiences(reader)
    if not audiences or not (words or prefixes):
        return {}
    vocabulary = _vocabulary()
    parts = []
    if words:
        parts.append(_counted(vocabulary, audiences, vocabulary.word.in_(sorted(set(words)))))
    for prefix in prefixes:
        parts.append(
            _counted(
                vocabulary,
                audiences,
                vocabulary.word >= prefix,
                vocabulary.word < _after_prefix(prefix),
            )
        )
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    return {word: int(n) for word, n in db.session.execute(stmt) if _is_word(word)}


def completions(prefix: str, reader, limit: int = COMPLETIONS_MAX) -> tuple[str, ...] | None:
    """The words the reader's articles use most that start with `prefix`; None when
    `prefix` is itself such a word (then it needs no completing)."""
    audiences = readable_audiences(reader)
    if not audiences or not prefix:
        return ()
    vocabulary = _vocabulary()
    articles = func.sum(vocabulary.articles)
    stmt = (
        _counted(
            vocabulary,
            audiences,
            vocabulary.word >= prefix,
            vocabulary.word < _after_prefix(prefix),
        )
        # The word itself first, then the most used.
        .order_by((vocabulary.word == prefix).desc(), articles.desc(), vocabulary.word)
        .limit(limit + 5)
    )
    words = [w for w, _ in db.session.execute(stmt) if _is_word(w)]
    if words and words[0] == prefix:
        return None
    return tuple(w for w in words if w not in STOP_WORDS)[:limit]


# --- Corrections -------------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that turn a into b."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _one_edit_away(word: str, within: int) -> set[str]:
    """The strings one edit away from `word` whose edit falls in its first `within`
    letters (edits further on keep the prefix, which a range lookup finds)."""
    letters = set(_ALPHABET) | set(word)
    splits = [(word[:i], word[i:]) for i in range(min(within, len(word)) + 1)]
    return (
        {a + b[1:] for a, b in splits[:-1] if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits[:-1] if len(b) > 1}
        | {a + c + b[1:] for a, b in splits[:-1] if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    )


def _prefix_of(word: str) -> str:
    return word[:2] if len(word) <= 5 else word[:3]


def _max_distance(word: str) -> int:
    return 1 if len(word) <= 4 else 2


def _best_correction(word: str, counts: dict[str, int]) -> str | None:
    limit = _max_distance(word)
    scored = []
    for candidate, articles in counts.items():
        if candidate == word or not _CORRECTABLE.match(candidate):
            continue
        if abs(len(candidate) - len(word)) > limit:
            continue
        distance = edit_distance(word, candidate)
        if distance <= limit:
            scored.append((distance, -articles, candidate))
    return min(scored)[2] if scored else None


@dataclass(frozen=True)
class Correction:
    """The reader's query with misspelt words replaced by words of their articles."""

    query: str
    #: The same text, escaped, with the replaced words in <strong>.
    marked: Markup


def _whole_word(word: str) -> str:
    return r"(?<![^\W_])" + re.escape(word) + r"(?![^\W_])"


def _rewrite(query: str, replacements: dict[str, str]) -> Correction:
    pattern = re.compile("|".join(_whole_word(w) for w in replacements), re.IGNORECASE)
    plain, marked, last = [], [], 0
    for match in pattern.finditer(query):
        replacement = replacements[match.group(0).lower()]
        plain += [query[last : match.start()], replacement]
        marked += [escape(query[last : match.start()]), Markup("<strong>%s</strong>") % replacement]
        last = match.end()
    plain.append(query[last:])
    marked.append(escape(query[last:]))
    return Correction(query="".join(plain), marked=Markup("").join(marked))


def correction_for(query: str, parsed: ParsedQuery, reader) -> Correction | None:
    """Replace each word of `query` that no article the reader may see uses by the
    closest word that such articles use (the more articles, the better); None when
    there is nothing to replace. The caller checks that the result finds something."""
    words = [w for w in parsed.positive_words() if _CORRECTABLE.match(w)][:CORRECTIONS_MAX]
    known = word_counts(words, [], reader) if words else {}
    unknown = [w for w in words if w not in known]  # the others are spelt right
    if not unknown:
        return None
    prefixes = {w: _prefix_of(w) for w in unknown}
    variants = {w: _one_edit_away(w, within=len(prefixes[w])) for w in unknown}
    counts = word_counts(
        [v for vs in variants.values() for v in vs], sorted(set(prefixes.values())), reader
    )
    replacements = {}
    for word in unknown:
        nearby = {
            c: n for c, n in counts.items() if c in variants[word] or c.startswith(prefixes[word])
        }
        best = _best_correction(word, nearby)
        if best:
            replacements[word] = best
    return _rewrite(query, replacements) if replacements else None

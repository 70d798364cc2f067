"""Reading the reader's query, and writing it out for SQLite FTS5 or a PostgreSQL tsquery.

The syntax is web search's, as PostgreSQL's `websearch_to_tsquery` reads it: words are
all required, "quoted phrases" match in order, `or` between words gives alternatives,
`-word` excludes. English stop words are ignored (PostgreSQL's list, on both databases).

Three kinds of forgiveness are decided here, the same way for both databases:

- **Numbers and units** match however they are written: "2GB" also finds "2 GB" and
  "2 GB" also finds "2GB" (a term carries the other spelling as an alternative), whether
  the text or the query has it joined.
- **The last word** is also read as the start of a longer word, as it may still be
  being typed ("upgrade clus"), unless the search finds it is a word of the reader's
  articles already; the search adds the vocabulary's words that complete it
  (`Term.completions`), because a stemmer does not always stem a fragment like the word.
- **Any word**: `ParsedQuery.any_word()` is the same query with every word optional, for
  when all the words together find nothing.

Every word reaching the database is made of letters and digits only and is quoted, so no
input is ever syntax to the database.
"""

import re
from dataclasses import dataclass, field, replace

QUERY_MAX = 200
#: A last word shorter than this is not read as a prefix: it would match most of the KB.
PREFIX_MIN = 3

# PostgreSQL's English stop words (tsearch_data/english.stop): ignored on SQLite too.
_STOP_WORDS_TEXT = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his "
    "himself she her hers herself it its itself they them their theirs themselves what which "
    "who whom this that these those am is are was were be been being have has had having do "
    "does did doing a an the and but if or because as until while of at by for with about "
    "against between into through during before after above below to from up down in out on "
    "off over under again further then once here there when where why how all any both each "
    "few more most other some such no nor not only own same so than too very s t can will "
    "just don should now"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_NUMBER_WITH_UNIT = re.compile(r"^(\d+)([^\W\d_]+)$")


def words_of(text: str) -> list[str]:
    """The words of `text` as the search index sees them: runs of letters and digits."""
    return [w.lower() for w in _WORD.findall(text)]


def _is_number(word: str) -> bool:
    return word.isdigit()


def _is_letters(word: str) -> bool:
    return bool(word) and not any(ch.isdigit() for ch in word)


@dataclass(frozen=True)
class Term:
    """Words that must all match, and the other ways the same words may be written."""

    words: tuple[str, ...]
    negated: bool = False
    #: The words may stand apart (a number and the word typed after it); else a phrase.
    loose: bool = False
    #: The same words with a number and its unit joined or split the other way.
    respelled: tuple[str, ...] | None = None
    #: The last word may be the start of a longer word.
    prefix: bool = False
    #: Words of the vocabulary that complete the last word (filled in by the search).
    completions: tuple[str, ...] = ()

    def spellings(self) -> list[tuple[tuple[str, ...], bool, bool]]:
        """The alternatives, any of which matches: (words, loose, last word is a prefix)."""
        forms = [(self.words, self.loose, False)]
        if self.respelled:
            forms.append((self.respelled, False, False))
        if self.prefix:
            forms += [(words, loose, True) for words, loose, _ in forms]
            forms += [(self.words[:-1] + (word,), self.loose, False) for word in self.completions]
        return forms


def _fts5_form(words: tuple[str, ...], loose: bool, prefix: bool) -> str:
    star = "*" if prefix else ""
    if loose:
        quoted = [f'"{w}"' for w in words]
        quoted[-1] += star
        return "(" + " AND ".join(quoted) + ")"
    return '"' + " ".join(words) + '"' + star


def _tsquery_form(words: tuple[str, ...], loose: bool, prefix: bool) -> str:
    lexemes = [f"'{w}'" for w in words]
    if prefix:
        lexemes[-1] += ":*"
    return "(" + (" & " if loose else " <-> ").join(lexemes) + ")"


def _alternatives(forms: list[str], separator: str) -> str:
    return forms[0] if len(forms) == 1 else "(" + separator.join(forms) + ")"


@dataclass
class ParsedQuery:
    """Alternatives (OR) of groups of terms that must all match (AND)."""

    groups: list[list[Term]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(any(not t.negated for t in group) for group in self.groups)

    def positive_terms(self) -> list[Term]:
        return [t for group in self.groups for t in group if not t.negated]

    def positive_words(self) -> list[str]:
        """Each word the reader asked for, once, in the order typed."""
        return list(dict.fromkeys(w for t in self.positive_terms() for w in t.words))

    @property
    def last_term(self) -> Term | None:
        return self.groups[-1][-1] if self.groups and self.groups[-1] else None

    def with_last_word(self, *, finished: bool, completions: tuple[str, ...] = ()):
        """The query whose last word is known to be a whole word (`finished`: no longer
        read as a prefix), or is also completed by `completions`."""
        last = self.last_term
        if not (last and last.prefix):
            return self
        groups = [list(g) for g in self.groups]
        groups[-1][-1] = (
            replace(last, prefix=False) if finished else replace(last, completions=completions)
        )
        return ParsedQuery(groups)

    def any_word(self) -> "ParsedQuery":
        """The same words, any one of them enough (exclusions still apply). A quoted
        phrase, or words typed as one ("e-mail"), stays one: the reader asked for it."""
        negatives = list(dict.fromkeys(t for g in self.groups for t in g if t.negated))
        alternatives = list(dict.fromkeys(self.positive_terms()))
        return ParsedQuery([[term, *negatives] for term in alternatives])

    @property
    def has_several_words(self) -> bool:
        return len(self.any_word().groups) > 1

    def _write(self, write_term, and_, not_, or_) -> str:
        alternatives = []
        for group in self.groups:
            positives = [write_term(t) for t in group if not t.negated]
            if not positives:
                continue  # nothing to exclude from: such a group matches nothing
            expression = "(" + and_.join(positives) + ")"
            for term in group:
                if term.negated:
                    expression = not_(expression, write_term(term))
            alternatives.append(expression)
        return or_.join(alternatives)

    def fts5(self) -> str:
        """The query as an FTS5 expression."""

        def term(t: Term) -> str:
            return _alternatives([_fts5_form(*s) for s in t.spellings()], " OR ")

        return self._write(term, " AND ", lambda e, t: f"({e} NOT {t})", " OR ")

    def tsquery(self) -> str:
        """The query in `to_tsquery` syntax (PostgreSQL stems each quoted word)."""

        def term(t: Term) -> str:
            return _alternatives([_tsquery_form(*s) for s in t.spellings()], " | ")

        return self._write(term, " & ", lambda e, t: f"({e} & !{t})", " | ")


def _respelling(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The words with a number and its unit split ("2gb" -> "2 gb") or, failing that,
    joined ("2 gb" -> "2gb"); None when there is no number next to a unit."""
    split: list[str] = []
    for word in words:
        match = _NUMBER_WITH_UNIT.match(word)
        split += [match.group(1), match.group(2)] if match else [word]
    if len(split) != len(words):
        return tuple(split)
    joined: list[str] = []
    for word in words:
        if joined and _is_number(joined[-1]) and _is_letters(word):
            joined[-1] += word
        else:
            joined.append(word)
    return tuple(joined) if len(joined) != len(words) else None


def _join_numbers_and_units(group: list[tuple[Term, bool]]) -> list[Term]:
    """A number typed apart from the word after it ("2 GB") also matches them joined."""
    terms: list[Term] = []
    pending: tuple[Term, bool] | None = None
    for term, quoted in group:
        if (
            pending
            and not quoted
            and not term.negated
            and len(term.words) == 1
            and _is_letters(term.words[0])
        ):
            words = pending[0].words + term.words
            terms[-1] = Term(words, loose=True, respelled=("".join(words),))
            pending = None
            continue
        terms.append(replace(term, respelled=_respelling(term.words)))
        single_number = len(term.words) == 1 and _is_number(term.words[0])
        pending = (term, quoted) if single_number and not quoted and not term.negated else None
    return terms


def parse_query(query: str, *, prefix_last: bool = False) -> ParsedQuery:
    """Read web-search syntax; with `prefix_last`, the last word may be unfinished."""
    groups: list[list[tuple[Term, bool]]] = [[]]
    for match in _QUERY_TOKEN.finditer((query or "")[:QUERY_MAX]):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        chunk = match.group(2) if quoted else match.group(4)
        if not quoted and not negated and chunk.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        words = words_of(chunk)
        if not quoted and len(words) == 1 and words[0] in STOP_WORDS:
            continue
        # A phrase keeps its stop words (they sit between its other words in the text),
        # unless it has nothing else.
        if all(w in STOP_WORDS for w in words):
            continue
        if words:
            groups[-1].append((Term(tuple(words), negated), quoted))
    last_quoted = bool(groups[-1]) and groups[-1][-1][1]
    parsed = ParsedQuery([_join_numbers_and_units(g) for g in groups if g])
    last = parsed.last_term
    if (
        prefix_last
        and last
        and not last.negated
        and not last_quoted
        and len(last.words[-1]) >= PREFIX_MIN
        and not last.words[-1].isdigit()
    ):
        parsed.groups[-1][-1] = replace(last, prefix=True)
    return parsed

"""Question banks in Moodle's GIFT format: the single- and multiple-choice subset.

    // A comment line. "$CATEGORY:" lines are ignored too.
    ::Backups::Where does Orbit Server keep its nightly backups? {
        =In the backup directory set in orbit.conf#Right: it is configurable.
        ~In /tmp#No: /tmp is cleared at boot.
        ####The backup directory is set by `backup.path`.
    }

    ::Ports::Which ports must be open? {
        ~%50%443  ~%50%8443  ~%-100%21
    }

Questions are separated by blank lines. A question whose answers include `=` is single
choice, `=` marking its right answer; one without is multiple choice, an answer being
right when its weight (`%50%`) is positive (graded all or nothing here). `#` starts an
answer's feedback, `####` the question's general feedback (kept as its explanation).
`\\` escapes `~ = # { } :` and itself; `\\n` is a line break. Moodle's format markers
(`[html]`, `[markdown]`, `[plain]`, `[moodle]`) are understood, HTML being read as text.
Other question types (true/false, short answer, matching, numerical, essay,
descriptions) are refused.

Importing is all or nothing: a file with any error is refused with every error's line
number, and nothing is written.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from html.parser import HTMLParser

from certification.models import Question, Quiz
from certification.quizzes import ChoiceInput, QuestionInput, add_questions, question_errors
from portal.errors import DomainError

MAX_ERRORS = 50
MAX_QUESTIONS = 1_000
ESCAPES = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
FORMATS = ("moodle", "html", "plain", "markdown")
_WEIGHT = re.compile(r"%(-?\d{1,3}(?:\.\d*)?)%")
_FORMAT_MARKER = re.compile(r"\[(" + "|".join(FORMATS) + r")\]")
_TRUE_FALSE = ("T", "TRUE", "F", "FALSE")


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class GiftFileError(DomainError):
    """The file is refused; `errors` says where and why (first line first)."""

    def __init__(self, errors: list[GiftError]):
        errors = sorted(errors, key=lambda e: e.line)[:MAX_ERRORS]
        first = errors[0]
        super().__init__(
            "invalid_gift",
            f"The file was not imported: {first}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            fields={f"line {e.line}": e.message for e in errors},
        )
        self.errors = errors


@dataclass(frozen=True)
class ParsedQuestion:
    line: int
    question: QuestionInput


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Char:
    """One character of a question, where it came from, and whether it was escaped
    (an escaped character is text, never syntax)."""

    char: str
    line: int
    escaped: bool = False


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.error = GiftError(line, message)


def decode(data: bytes) -> str:
    """The file's text (UTF-8, a byte-order mark allowed).

    :raises GiftFileError: not UTF-8, or holding a NUL character.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GiftFileError([GiftError(line, "This is not UTF-8 text.")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise GiftFileError([GiftError(line, "The file holds a NUL character.")])
    return text


def _blocks(text: str) -> list[list[_Char]]:
    """The questions' characters: lines trimmed, comments dropped, split at blank lines."""
    blocks, current = [], []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            if current:
                blocks.append(current)
            current = []
            continue
        if line.startswith("//") or line.startswith("$CATEGORY:"):
            continue
        if current:
            current.append(_Char("\n", number - 1))
        current.extend(_scan(line, number))
    if current:
        blocks.append(current)
    return blocks


def _scan(line: str, number: int) -> list[_Char]:
    chars, i = [], 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] in ESCAPES:
            chars.append(_Char(ESCAPES[line[i + 1]], number, escaped=True))
            i += 2
            continue
        chars.append(_Char(char, number))
        i += 1
    return chars


def _is_syntax(chars: list[_Char], at: int, syntax: str) -> bool:
    window = chars[at : at + len(syntax)]
    return len(window) == len(syntax) and all(
        not c.escaped and c.char == s for c, s in zip(window, syntax, strict=True)
    )


def _find(chars: list[_Char], syntax: str, start: int = 0) -> int:
    """Index of the first unescaped `syntax` (one or more characters) from `start`, or -1."""
    return next((i for i in range(start, len(chars)) if _is_syntax(chars, i, syntax)), -1)


def _rfind(chars: list[_Char], syntax: str) -> int:
    return next((i for i in range(len(chars) - 1, -1, -1) if _is_syntax(chars, i, syntax)), -1)


def _plain(chars: list[_Char]) -> str:
    return "".join(c.char for c in chars)


def _stripped(chars: list[_Char]) -> list[_Char]:
    start, end = 0, len(chars)
    while start < end and chars[start].char.isspace() and not chars[start].escaped:
        start += 1
    while end > start and chars[end - 1].char.isspace() and not chars[end - 1].escaped:
        end -= 1
    return chars[start:end]


class _TextOfHtml(HTMLParser):
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def _html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return unescape("\n".join(line for line in lines if line))


def _text(chars: list[_Char], default_format: str = "moodle") -> tuple[str, str]:
    """A piece of text and its format: a leading marker such as `[html]` sets the format."""
    chars = _stripped(chars)
    text_format = default_format
    raw = _plain(chars)
    marker = _FORMAT_MARKER.match(raw)
    if marker and not any(c.escaped for c in chars[: marker.end()]):
        text_format = marker.group(1)
        chars = chars[marker.end() :]
    text = _plain(_stripped(chars))
    if text_format == "html":
        text = _html_to_text(text)
    return text.strip(), text_format


def _unsupported_kind(answers: list[_Char]) -> str | None:
    """Moodle's reading of an answer block that is not multiple choice, or None if it is."""
    raw = _plain(_stripped(answers))
    if not raw:
        return "essay questions are not supported"
    if answers and _stripped(answers)[0].char == "#" and not _stripped(answers)[0].escaped:
        return "numerical questions are not supported"
    if _find(answers, "~") >= 0:
        return None
    if _find(answers, "=") >= 0 and _find(answers, "->") >= 0:
        return "matching questions are not supported"
    feedback_at = _find(answers, "#")
    head = _plain(_stripped(answers[:feedback_at] if feedback_at >= 0 else answers))
    if head in _TRUE_FALSE:
        return "true/false questions are not supported"
    return "short-answer questions are not supported"


def _parse_question(chars: list[_Char]) -> ParsedQuestion:
    first_line = chars[0].line
    title = ""
    if _find(chars[:2], "::") == 0:
        end = _find(chars, "::", 2)
        if end < 0:
            raise _Refused(first_line, "The title is not closed with “::”.")
        title = " ".join(_plain(chars[2:end]).split())
        chars = chars[end + 2 :]
    opening, closing = _find(chars, "{"), _find(chars, "}")
    if opening < 0 and closing < 0:
        raise _Refused(
            first_line,
            "No answers in braces { }: descriptions are not supported, only single- and "
            "multiple-choice questions.",
        )
    if closing < 0:
        raise _Refused(chars[opening].line, "The answers’ “{” is never closed with “}”.")
    if opening < 0 or closing < opening:
        where = chars[closing].line
        raise _Refused(where, "A “}” without its “{” (write \\} for a brace in the text).")
    nested = _find(chars, "{", opening + 1)
    if 0 <= nested < closing:
        raise _Refused(chars[nested].line, "A “{” inside the answers (write \\{ for a brace).")
    after = chars[closing + 1 :]
    stray = next((c for c in after if not c.escaped and c.char in "{}"), None)
    if stray is not None:
        raise _Refused(stray.line, "A question has one set of answers in braces.")
    before = chars[:opening]
    if _plain(_stripped(after)):
        blank = [_Char("_", chars[opening].line, escaped=True)] * 5
        before = before + blank + after  # Moodle's missing-word form
    text, text_format = _text(before)
    answers = chars[opening + 1 : closing]
    explanation = ""
    general = _rfind(answers, "####")
    if general >= 0:
        explanation, _ = _text(answers[general + 4 :], text_format)
        answers = answers[:general]
    if problem := _unsupported_kind(answers):
        raise _Refused(
            chars[opening].line,
            f"{problem[0].upper()}{problem[1:]}; only single- and multiple-choice questions.",
        )
    choices, kind = _parse_choices(answers, text_format)
    return ParsedQuestion(
        first_line,
        QuestionInput(
            kind=kind, text=text, title=title, explanation=explanation, choices=tuple(choices)
        ),
    )


def _parse_choices(answers: list[_Char], text_format: str) -> tuple[list[ChoiceInput], str]:
    marks = [i for i, c in enumerate(answers) if not c.escaped and c.char in "~="]
    leading = _stripped(answers[: marks[0]])
    if leading:
        raise _Refused(
            leading[0].line, "Text before the first answer: start each answer with = or ~."
        )
    single = any(answers[i].char == "=" for i in marks)
    choices = []
    for position, start in enumerate(marks):
        end = marks[position + 1] if position + 1 < len(marks) else len(answers)
        marker, body = answers[start], answers[start + 1 : end]
        weight = 100.0 if marker.char == "=" else 0.0
        raw = _plain(body).lstrip()
        leading_blank = len(_plain(body)) - len(raw)
        match = _WEIGHT.match(raw) if marker.char == "~" else None
        if match and not any(c.escaped for c in body[: leading_blank + match.end()]):
            weight = float(match.group(1))
            if not -100 <= weight <= 100:
                raise _Refused(marker.line, "A weight is between %-100% and %100%.")
            body = body[leading_blank + match.end() :]
        if single and marker.char == "~" and weight > 0:
            raise _Refused(
                marker.line,
                "Partial credit in a single-choice question: mark its right answer with = "
                "and the others with ~ (a question without = is multiple choice).",
            )
        feedback_at = _find(body, "#")
        answer_chars = body if feedback_at < 0 else body[:feedback_at]
        answer, answer_format = _text(answer_chars, text_format)
        feedback = _text(body[feedback_at + 1 :], answer_format)[0] if feedback_at >= 0 else ""
        if not answer:
            raise _Refused(marker.line, "An answer without text.")
        choices.append(ChoiceInput(text=answer, correct=weight > 0, feedback=feedback))
    return choices, "single" if single else "multiple"


def parse(text: str) -> list[ParsedQuestion]:
    """Every question of a GIFT file, checked as the bank would check it.

    :raises GiftFileError: with each error's line number, if anything is wrong.
    """
    parsed, errors = [], []
    for block in _blocks(text):
        try:
            question = _parse_question(block)
        except _Refused as refused:
            errors.append(refused.error)
        else:
            parsed.append(question)
            for path, message in question_errors(question.question).items():
                errors.append(GiftError(question.line, _where(path, message)))
        if len(errors) >= MAX_ERRORS:
            break
    if not errors and not parsed:
        errors.append(GiftError(1, "No questions found."))
    if len(parsed) > MAX_QUESTIONS:
        errors.append(
            GiftError(parsed[MAX_QUESTIONS].line, f"More than {MAX_QUESTIONS:,} questions.")
        )
    if errors:
        raise GiftFileError(errors)
    return parsed


def _where(path: str, message: str) -> str:
    parts = path.split(".")
    if parts[0] == "choices" and len(parts) == 3:
        return f"Answer {int(parts[1]) + 1}: {message}"
    return message


def import_bank(quiz: Quiz, text: str, *, actor) -> int:
    """Add a GIFT file's questions to the quiz's bank: all of them, or none.

    :raises GiftFileError: the file's errors, with their line numbers; nothing written.
    """
    questions = [p.question for p in parse(text)]
    return add_questions(quiz, questions, actor=actor, source="a GIFT file")


# --- Writing ---------------------------------------------------------------------------------


def _escaped(text: str, *, formatted: bool = True) -> str:
    """`text` as GIFT writes it; `formatted` text (not titles) may start with a marker."""
    out = []
    for char in text:
        if char == "\n":
            out.append("\\n")
        elif char in "~=#{}:\\":
            out.append("\\" + char)
        elif char != "\r":
            out.append(char)
    written = "".join(out)
    # Text that would read as a format marker keeps its brackets behind an explicit [plain].
    return "[plain]" + written if formatted and _FORMAT_MARKER.match(written) else written


def _weight(count: int) -> str:
    value = 100 / count
    return str(int(value)) if value == int(value) else f"{value:.5f}".rstrip("0")


def _choice_line(question: Question, choice, right_weight: str) -> str:
    text = _escaped(choice.text)
    if question.kind == "single":
        mark = "=" if choice.correct else ("~%0%" if text.startswith("%") else "~")
    else:
        mark = f"~%{right_weight}%" if choice.correct else "~%-100%"
    feedback = f"#{_escaped(choice.feedback)}" if choice.feedback else ""
    return f"\t{mark}{text}{feedback}"


def export_question(question: Question) -> str:
    text = _escaped(question.text)
    title = f"::{_escaped(question.title, formatted=False)}::" if question.title else ""
    if not title and text.startswith("//"):
        title = "::::"  # an empty title, so the line does not read as a comment
    right = sum(1 for c in question.choices if c.correct) or 1
    lines = [f"{title}{text} {{"]
    lines += [_choice_line(question, c, _weight(right)) for c in question.choices]
    if question.explanation:
        lines.append(f"\t####{_escaped(question.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def export_bank(quiz: Quiz, questions: list[Question], *, now: datetime) -> str:
    """The questions as a GIFT file (UTF-8 text) that Moodle and `import_bank` read."""
    header = [
        f"// {' '.join(quiz.title.split())}: question bank",
        f"// Exported {now:%Y-%m-%d %H:%M} UTC, {len(questions)} question(s), GIFT format.",
    ]
    return "\n".join(header) + "\n\n" + "\n\n".join(export_question(q) for q in questions) + "\n"

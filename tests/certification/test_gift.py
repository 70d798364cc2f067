"""GIFT import and export: the single- and multiple-choice subset of Moodle's format.

Export then import gives back the same bank (also for banks Hypothesis makes up, with
every character GIFT treats specially); a file with any error is refused with its line
numbers and writes nothing, through the service and through the page.
"""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification import gift
from certification.models import Question
from certification.quizzes import ChoiceInput, QuestionInput, normalise_text, question_errors
from portal.extensions import db
from tests.certification.quiz_support import make_quiz
from tests.factories import signed_in
from tests.support import row_counts

MOODLE_FILE = r"""// question: 101  name: Backups
// Exported by Moodle
$CATEGORY: $course$/top/Orbit Server

::Backups::Where does Orbit Server keep its nightly backups? {
	=In the directory set by backup.path#Right\: it is configurable.
	~In /tmp#No\: /tmp is cleared at boot.
	~Nowhere, backups are manual
	####backup.path in orbit.conf sets it; the default is /var/lib/orbit/backup.
}

::Ports::[html]<p>Which ports must be open on the <b>gateway</b>?</p>{
	~%50%443
	~%50%8443
	~%-100%21#FTP is not used.
}

Orbit Mobile {~pairs =syncs ~never talks} with the server every 15 minutes.

::Escapes::Which line is a literal \{brace\} and \~tilde \= sign \# hash? {
	=a\:b\\c
	~d
}
"""


def _bank(parsed) -> list[QuestionInput]:
    return [p.question.normalised() for p in parsed]


def test_a_moodle_file_reads_as_moodle_means_it():
    parsed = gift.parse(MOODLE_FILE)
    assert [p.line for p in parsed] == [5, 12, 18, 20]
    backups, ports, blank, escapes = _bank(parsed)
    assert backups == QuestionInput(
        kind="single",
        title="Backups",
        text="Where does Orbit Server keep its nightly backups?",
        explanation="backup.path in orbit.conf sets it; the default is /var/lib/orbit/backup.",
        choices=(
            ChoiceInput("In the directory set by backup.path", True, "Right: it is configurable."),
            ChoiceInput("In /tmp", False, "No: /tmp is cleared at boot."),
            ChoiceInput("Nowhere, backups are manual", False, ""),
        ),
    )
    assert ports.kind == "multiple"
    assert ports.text == "Which ports must be open on the gateway?"  # [html] read as text
    assert [(c.text, c.correct, c.feedback) for c in ports.choices] == [
        ("443", True, ""),
        ("8443", True, ""),
        ("21", False, "FTP is not used."),
    ]
    assert blank.text == "Orbit Mobile _____ with the server every 15 minutes."
    assert [c.correct for c in blank.choices] == [False, True, False]
    assert escapes.text == "Which line is a literal {brace} and ~tilde = sign # hash?"
    assert escapes.choices[0].text == "a:b\\c"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Q1 {=a ~b}\n\n\nGrant is buried in Grant's tomb.{TRUE}", 4, "True/false"),
        ("Who is buried there?{=no one =nobody}", 1, "Short-answer"),
        ("// c\nWhen was he born?{#1822:5}", 2, "Numerical"),
        ("Match them.{=Canada -> Ottawa =Italy -> Rome}", 1, "Matching"),
        ("Write an essay.{}", 1, "Essay"),
        ("A description without answers.", 1, "descriptions are not supported"),
        ("Q {=a ~b\n~c", 1, "never closed"),
        ("Q }=a ~b{", 1, "without its"),
        ("::Title Q {=a ~b}", 1, "title is not closed"),
        ("Q {=a {~b}", 1, "inside the answers"),
        ("Q {=a ~b} more {=c ~d}", 1, "one set of answers"),
        ("Q {stray =a ~b}", 1, "Text before the first answer"),
        ("Q {=best ~%50%ok ~bad}", 1, "Partial credit"),
        ("Q {=a ~#only feedback}", 1, "An answer without text"),
        ("Q {~%150%a ~b}", 1, "weight"),
        ("Q {=a ~b}\n\nR {=a =b ~c}", 3, "Short-answer" if False else "exactly one right"),
        ("Q {~a ~b}", 1, "at least one right"),
        ("Q {=only}", 1, "Short-answer"),
        ("Q {=x ~x}", 1, "Two choices say the same"),
        ("Q {=a ~b}\n\n\n\n// only a comment\n\n$CATEGORY: x", None, None),
        ("", 1, "No questions found"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_number(text, line, message):
    if line is None:
        assert len(gift.parse(text)) == 1
        return
    with pytest.raises(gift.GiftFileError) as refused:
        gift.parse(text)
    errors = refused.value.errors
    assert errors[0].line == line, errors
    assert message.lower() in errors[0].message.lower(), errors
    assert refused.value.code == "invalid_gift"


def test_every_error_of_a_file_is_reported_with_its_line():
    text = "Q1 {=a ~b}\n\nQ2 {TRUE}\n\nQ3 {=a ~b}\n\nQ4 {~a ~b}\n"
    with pytest.raises(gift.GiftFileError) as refused:
        gift.parse(text)
    assert [e.line for e in refused.value.errors] == [3, 7]
    assert str(refused.value.errors[0]).startswith("Line 3: ")


def test_bytes_that_are_not_utf8_are_refused_with_their_line():
    with pytest.raises(gift.GiftFileError) as refused:
        gift.decode(b"Q {=a ~b}\n\nQ2 \xff {=a ~b}")
    assert refused.value.errors[0].line == 3
    assert gift.decode("\ufeffQ {=é ~b}".encode()) == "Q {=é ~b}"
    with pytest.raises(gift.GiftFileError):
        gift.decode(b"Q {=a ~b\x00}")


# --- Round trips -----------------------------------------------------------------------------

SPECIAL = "~=#{}:\\%[]/$_-> \n"
TEXT = st.text(
    alphabet=st.sampled_from(list(SPECIAL) + list("abcXYZ019é€ "))
    | st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")),
    min_size=1,
    max_size=40,
).map(normalise_text)
TITLE = st.text(alphabet=st.sampled_from(list("~=#{}:\\% []ab /")), max_size=20).map(
    lambda t: " ".join(t.split())
)
MARKERS = st.sampled_from(["", "[html]", "[plain]", "[markdown]", "//", "$CATEGORY:", "%50%"])


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(["single", "multiple"]))
    texts = draw(
        st.lists(
            st.tuples(MARKERS, TEXT).map(lambda p: normalise_text(p[0] + p[1])),
            min_size=2,
            max_size=6,
            unique_by=str.casefold,
        ).filter(lambda ts: all(ts))
    )
    if kind == "single":
        right = {draw(st.integers(0, len(texts) - 1))}
    else:
        right = set(draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
    feedback = draw(
        st.lists(st.one_of(st.just(""), TEXT), min_size=len(texts), max_size=len(texts))
    )
    question = QuestionInput(
        kind=kind,
        title=draw(TITLE),
        text=normalise_text(draw(MARKERS) + draw(TEXT)),
        explanation=draw(st.one_of(st.just(""), TEXT)),
        choices=tuple(ChoiceInput(text, i in right, feedback[i]) for i, text in enumerate(texts)),
    )
    return question


class _Row:
    """A question as `export_question` reads it (no database needed)."""

    def __init__(self, q: QuestionInput):
        self.kind, self.title, self.text, self.explanation = q.kind, q.title, q.text, q.explanation
        self.choices = q.choices


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(questions().filter(lambda q: not question_errors(q)), min_size=1, max_size=4))
def test_export_then_import_gives_the_same_bank(bank):
    bank = [q.normalised() for q in bank]
    text = "// header\n\n" + "\n\n".join(gift.export_question(_Row(q)) for q in bank) + "\n"
    assert _bank(gift.parse(text)) == bank, text


def test_the_bank_survives_export_and_import_through_the_database(app, world):
    source = make_quiz(world, questions=5)
    target = make_quiz(world, questions=0)
    admin = world.user("vendor_admin")
    rows = db.session.scalars(
        db.select(Question).where(Question.quiz_id == source.id).order_by(Question.position)
    ).all()
    text = gift.export_bank(source, rows, now=source.created_at)
    assert gift.import_bank(target, text, actor=admin) == 5
    db.session.commit()
    copied = db.session.scalars(
        db.select(Question).where(Question.quiz_id == target.id).order_by(Question.position)
    ).all()
    assert [QuestionInput.of(q) for q in copied] == [QuestionInput.of(q) for q in rows]


# --- Through the pages -----------------------------------------------------------------------


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_import_page_refuses_a_bad_file_with_its_lines_and_writes_nothing(app, world):
    quiz = make_quiz(world, questions=2)
    client = signed_in(app, world.user("vendor_admin"))
    token = _csrf(client.get(f"/quizzes/{quiz.id}/import").get_data(as_text=True))
    before = row_counts()
    bad = "Q1 {=a ~b}\n\nQ2 {=c ~d}\n\n// then\nIs it true?{T}\n"
    response = client.post(
        f"/quizzes/{quiz.id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "bank.gift.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="gift-errors"' in page and "nothing was added" in page
    assert '<li data-line="6"><strong>Line 6:</strong> True/false' in page
    assert row_counts() == before


def test_the_import_page_adds_a_good_file_and_audits_it(app, world):
    quiz = make_quiz(world, questions=0)
    client = signed_in(app, world.user("vendor_admin"))
    token = _csrf(client.get(f"/quizzes/{quiz.id}/import").get_data(as_text=True))
    response = client.post(
        f"/quizzes/{quiz.id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(MOODLE_FILE.encode()), "moodle.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Question).where(Question.quiz_id == quiz.id)
        )
        == 4
    )
    from portal.models import AuditEntry

    entry = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.action == "quiz.questions_imported")
    )
    assert entry.after == {"questions": 4, "source": "a GIFT file"}


def test_the_import_page_refuses_no_file_and_a_file_too_large(app, world, monkeypatch):
    from certification import quiz_bank_views

    # A small limit keeps the test's upload in memory (the test client spools big ones).
    monkeypatch.setattr(quiz_bank_views, "GIFT_MAX_BYTES", 2048)
    quiz = make_quiz(world, questions=0)
    client = signed_in(app, world.user("vendor_admin"))
    token = _csrf(client.get(f"/quizzes/{quiz.id}/import").get_data(as_text=True))
    empty = client.post(f"/quizzes/{quiz.id}/import", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose a GIFT file" in empty.get_data(as_text=True)
    huge = client.post(
        f"/quizzes/{quiz.id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * 2049), "big.txt")},
        content_type="multipart/form-data",
    )
    assert huge.status_code == 400 and "At most 2 KB" in huge.get_data(as_text=True)


def test_the_export_is_a_plain_text_download_that_imports_back(app, world):
    quiz = make_quiz(world, questions=3)
    client = signed_in(app, world.user("vendor_admin"))
    response = client.get(f"/quizzes/{quiz.id}/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert f'filename="quiz-{quiz.id}.gift.txt"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert len(gift.parse(text)) == 3

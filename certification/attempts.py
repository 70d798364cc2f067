"""Taking a quiz: starting an attempt, saving answers, submitting, and grading it once.

- Starting draws `questions_per_attempt` of the bank's questions at random and shuffles
  each one's choices; both are frozen in the attempt's rows. The deadline is the
  server's: the start plus the quiz's time limit. A technician has one open attempt per
  quiz at a time (a partial unique index), at most `attempts_per_window` starts in any
  rolling window of `window_hours`, and waits `cooldown_minutes` after one attempt ends.
- Answers are saved as they are chosen, until the deadline plus a grace for latency
  (`QUIZ_GRACE_SECONDS`, 30 by default); after that they, and a submission, are refused.
- An attempt is graded once: on submission, or on its saved answers once its deadline
  and grace have passed (the worker's periodic check, or whoever looks first). Every
  writer first takes the attempt's row with a conditional UPDATE (`_claim`), so two
  submissions, or a submission and the worker, queue on the row and the second finds it
  graded; the grading itself is an UPDATE ... WHERE graded_at IS NULL whose row count
  says who won. The schema backs it: CHECK graded_together and one certification per
  attempt (UNIQUE attempt_id).
- A passed attempt earns its certification (`certifications.issue_for_passed_attempt`).

Correctness (`Choice.correct`, feedback, explanations) is read only to grade and to show
a graded attempt's result: `sheet_of` gives what an open attempt may show.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from certification.models import Attempt, AttemptQuestion, Choice, Question, Quiz
from certification.quizzes import active_question_count, is_listed_for, is_open
from portal.access import Anonymous
from portal.audit import record_change
from portal.db_errors import register_conflict_message
from portal.errors import DomainError
from portal.extensions import db
from portal.roles import TECHNICIAN

log = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 30
#: How many overdue attempts one run of the periodic check grades (the next run goes on).
OVERDUE_BATCH = 200
#: Who grades an abandoned attempt, in the audit log.
SYSTEM = Anonymous()

register_conflict_message(
    "uq_quiz_attempts_one_open", None, "An attempt of this quiz is already open: continue it."
)


def grace() -> timedelta:
    seconds = current_app.config.get("QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)
    return timedelta(seconds=int(seconds))


def cooldown_of(quiz: Quiz) -> timedelta:
    """The quiz's cooldown, unless configuration shortens every quiz's (tests, demos)."""
    override = current_app.config.get("QUIZ_COOLDOWN_OVERRIDE_S")
    if override is not None:
        return timedelta(seconds=int(override))
    return timedelta(minutes=quiz.cooldown_minutes)


def accepts_answers_until(attempt: Attempt) -> datetime:
    return attempt.deadline + grace()


def ended_at(attempt: Attempt) -> datetime | None:
    """When the attempt ended: its submission, else its deadline; None while open."""
    if attempt.graded_at is not None and attempt.graded_by == "submission":
        return attempt.graded_at
    if attempt.graded_at is not None:
        return attempt.deadline
    return None


class AttemptLimit(DomainError):
    """No attempt is allowed yet; `next_at` says from when."""

    def __init__(self, message: str, next_at: datetime):
        super().__init__("attempt_limit", message, status=429)
        self.next_at = next_at


# --- The rules of starting -------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """Where a technician stands with a quiz at a moment."""

    used: int  # attempts started within the current window
    allowed: int  # attempts allowed per window
    window_hours: int
    next_at: datetime | None  # None: an attempt may start now (or one is open)
    reason: str  # why not now ("" when it may start)
    open_attempt: Attempt | None

    @property
    def left(self) -> int:
        return max(self.allowed - self.used, 0)

    @property
    def may_start(self) -> bool:
        return self.open_attempt is None and self.next_at is None


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def allowance(quiz: Quiz, user, now: datetime) -> Allowance:
    """Attempts used and left in the rolling window, and when the next may start.

    One query: the technician's latest `attempts_per_window` attempts of the quiz are
    enough for both rules (the window, and the cooldown after the latest).
    """
    recent = db.session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(quiz.attempts_per_window)
    ).all()
    window = timedelta(hours=quiz.window_hours)
    used = sum(1 for a in recent if a.started_at > now - window)
    open_attempt = next(
        (a for a in recent if a.graded_at is None and now <= accepts_answers_until(a)), None
    )
    waits = []
    if len(recent) >= quiz.attempts_per_window and used >= quiz.attempts_per_window:
        frees_at = recent[quiz.attempts_per_window - 1].started_at + window
        waits.append(
            (
                frees_at,
                f"You have used your {quiz.attempts_per_window} attempt(s) allowed in "
                f"{quiz.window_hours} hours; the next is allowed from {_when(frees_at)}.",
            )
        )
    if recent and open_attempt is None:
        latest = recent[0]
        ended = ended_at(latest) or latest.deadline
        rested = ended + cooldown_of(quiz)
        if rested > now:
            waits.append(
                (
                    rested,
                    f"After an attempt, wait {_duration(cooldown_of(quiz))} before the next: "
                    f"the next is allowed from {_when(rested)}.",
                )
            )
    waits = [(at, why) for at, why in waits if at > now]
    next_at, reason = max(waits, key=lambda w: w[0]) if waits else (None, "")
    return Allowance(
        used=used,
        allowed=quiz.attempts_per_window,
        window_hours=quiz.window_hours,
        next_at=next_at,
        reason=reason,
        open_attempt=open_attempt,
    )


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        seconds = int(delta.total_seconds())
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _check_taker(user) -> None:
    if user.role != TECHNICIAN or not user.is_active or user.partner_id is None:
        raise DomainError(
            "not_a_technician", "Only an active partner technician takes quizzes.", status=403
        )


def check_may_start(quiz: Quiz, user, now: datetime) -> Allowance:
    """The technician's allowance, or why the quiz cannot be started at all.

    :raises DomainError: `not_a_technician` (403), `not_found` (404: not for a product
        the partner supports), `quiz_closed`, `quiz_not_ready` (422).
    """
    _check_taker(user)
    if not is_listed_for(quiz, user.partner_id):
        raise DomainError("not_found", "Not found, or not visible to you.", status=404)
    if not is_open(quiz, now):
        if quiz.opens_at is not None and now < quiz.opens_at:
            message = f"This quiz opens on {_when(quiz.opens_at)}."
        else:
            message = "This quiz is closed."
        raise DomainError("quiz_closed", message)
    if active_question_count(quiz) < quiz.questions_per_attempt:
        raise DomainError("quiz_not_ready", "This quiz's question bank is not ready yet.")
    return allowance(quiz, user, now)


def start_attempt(quiz: Quiz, user, now: datetime) -> tuple[Attempt, bool]:
    """Start an attempt, or give back the one already open: (attempt, started now).

    :raises AttemptLimit: 429 `attempt_limit`, with when the next attempt is allowed.
    :raises DomainError: see `check_may_start`.
    """
    state = check_may_start(quiz, user, now)
    if state.open_attempt is not None:
        return state.open_attempt, False
    if state.next_at is not None:
        raise AttemptLimit(state.reason, state.next_at)
    # One left open past its deadline is graded first: one open attempt per quiz.
    _grade_overdue_of(quiz, user, now)
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        partner_id=user.partner_id,
        started_at=now,
        deadline=now + timedelta(seconds=quiz.time_limit_s),
    )
    attempt.questions = _draw(quiz)
    db.session.add(attempt)
    db.session.flush()
    record_change(
        "quiz_attempt.started",
        attempt,
        partner_id=attempt.partner_id,
        actor=user,
        after={
            "quiz_id": quiz.id,
            "user_id": user.id,
            "deadline": attempt.deadline,
            "question_ids": [q.question_id for q in attempt.questions],
        },
        summary=f"{user.email} started “{quiz.title}” (until {_when(attempt.deadline)})",
    )
    return attempt, True


def _draw(quiz: Quiz) -> list[AttemptQuestion]:
    """The drawn questions in random order, each with its choices in random order."""
    pool = db.session.scalars(
        select(Question.id).where(Question.quiz_id == quiz.id, Question.archived.is_(False))
    ).all()
    chance = secrets.SystemRandom()
    drawn = chance.sample(pool, quiz.questions_per_attempt)
    choices: dict[int, list[int]] = {question_id: [] for question_id in drawn}
    for choice_id, question_id in db.session.execute(
        select(Choice.id, Choice.question_id).where(Choice.question_id.in_(drawn))
    ):
        choices[question_id].append(choice_id)
    rows = []
    for position, question_id in enumerate(drawn):
        order = choices[question_id]
        chance.shuffle(order)
        rows.append(
            AttemptQuestion(
                question_id=question_id,
                position=position,
                choice_order=",".join(map(str, order)),
                selected="",
            )
        )
    return rows


# --- Answers ---------------------------------------------------------------------------------


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def selected_ids(row: AttemptQuestion) -> list[int]:
    return _ids(row.selected)


def check_owner(attempt: Attempt, principal) -> None:
    """Only its technician acts on an attempt; to anyone else it does not exist."""
    if getattr(principal, "id", None) != attempt.user_id:
        raise DomainError("not_found", "Not found, or not visible to you.", status=404)


def _already_submitted() -> DomainError:
    return DomainError("already_submitted", "This attempt has already been submitted.", status=409)


def check_writable(attempt: Attempt, now: datetime) -> None:
    """:raises DomainError: `already_submitted` (409), `deadline_passed` (422)."""
    if attempt.graded_at is not None:
        raise _already_submitted()
    if now > accepts_answers_until(attempt):
        raise DomainError(
            "deadline_passed",
            f"The time for this attempt ended at {_when(attempt.deadline)}: it is graded on "
            "the answers saved before then.",
        )


def _rows_by_question(attempt: Attempt) -> dict[int, AttemptQuestion]:
    return {row.question_id: row for row in attempt.questions}


def checked_answers(attempt: Attempt, answers: dict) -> dict[int, list[int]]:
    """`{question_id: [choice_id, ...]}` checked against the drawn questions and choices.

    :raises DomainError: `invalid_answer` (422), naming each faulty question.
    """
    rows = _rows_by_question(attempt)
    if not answers:
        return {}
    kinds = dict(
        db.session.execute(
            select(Question.id, Question.kind).where(Question.id.in_(list(rows)))
        ).all()
    )
    errors, checked = {}, {}
    for key, choice_ids in answers.items():
        question_id = _as_int(key)
        path = f"answers.{key}"
        if question_id not in rows:
            errors[path] = "Not a question of this attempt."
            continue
        if not isinstance(choice_ids, list | tuple) or not all(
            _as_int(c) is not None for c in choice_ids
        ):
            errors[path] = "A list of choice ids."
            continue
        chosen = [_as_int(c) for c in choice_ids]
        offered = _ids(rows[question_id].choice_order)
        if len(set(chosen)) != len(chosen):
            errors[path] = "A choice is given twice."
        elif not set(chosen) <= set(offered):
            errors[path] = "Not a choice of this question."
        elif kinds[question_id] == "single" and len(chosen) > 1:
            errors[path] = "One choice at most: this is a single-choice question."
        else:
            checked[question_id] = [c for c in offered if c in chosen]  # in the order shown
    if errors:
        raise DomainError("invalid_answer", "Some answers are not valid.", fields=errors)
    return checked


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    return None


def _claim(attempt: Attempt) -> bool:
    """Take the attempt's row for this transaction if it is still ungraded.

    A conditional UPDATE that changes nothing: it waits for any other writer of the row
    (PostgreSQL's row lock, SQLite's write lock) and then matches only if the attempt is
    still open, so whoever comes second finds it graded.
    """
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.graded_at.is_(None))
        .values(graded_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _apply(attempt: Attempt, answers: dict[int, list[int]], now: datetime) -> int:
    rows = _rows_by_question(attempt)
    changed = 0
    for question_id, chosen in answers.items():
        value = ",".join(map(str, chosen))
        if rows[question_id].selected != value:
            rows[question_id].selected = value
            rows[question_id].answered_at = now
            changed += 1
    return changed


def _reload(attempt: Attempt) -> None:
    """Read the attempt and its rows again: another transaction may have just written them."""
    db.session.refresh(attempt)
    db.session.scalars(
        select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .execution_options(populate_existing=True)
    ).all()


def save_answers(attempt: Attempt, answers: dict, *, principal, now: datetime) -> int:
    """Save answers of an open attempt (`{question_id: [choice_id, ...]}`; an empty list
    clears one). Returns how many changed. Not audited one by one: the graded attempt
    records the answers it was graded on.

    :raises DomainError: `not_found`, `already_submitted`, `deadline_passed`, `invalid_answer`.
    """
    check_owner(attempt, principal)
    check_writable(attempt, now)
    checked = checked_answers(attempt, answers)
    if not _claim(attempt):
        raise _already_submitted()
    return _apply(attempt, checked, now)


# --- Grading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    score: int
    passed: bool
    certification: object | None  # certification.models.Certification


def submit_attempt(attempt: Attempt, answers: dict | None, *, principal, now: datetime) -> Grade:
    """Save the last answers, if any, and grade the attempt.

    :raises DomainError: `not_found` (404), `already_submitted` (409), `deadline_passed`
        and `invalid_answer` (422).
    """
    check_owner(attempt, principal)
    check_writable(attempt, now)
    checked = checked_answers(attempt, answers or {})
    if not _claim(attempt):
        raise _already_submitted()
    _reload(attempt)
    _apply(attempt, checked, now)
    if not grade(attempt, now=now, graded_by="submission", actor=principal):
        raise _already_submitted()
    return Grade(attempt.score, attempt.passed, certification_of(attempt))


def grade(attempt: Attempt, *, now: datetime, graded_by: str, actor) -> bool:
    """Grade the attempt on its saved answers, once; False if it was already graded.

    All or nothing per question: right when the chosen choices are exactly the right
    ones. The score is the percent of drawn questions right, rounded down; it passes at
    the quiz's pass mark.
    """
    if not _claim(attempt):
        return False
    db.session.flush()
    _reload(attempt)
    rows = list(attempt.questions)
    right = _right_choices([row.question_id for row in rows])
    verdicts = {row.question_id: set(selected_ids(row)) == right[row.question_id] for row in rows}
    score = 100 * sum(verdicts.values()) // len(rows)
    passed = score >= attempt.quiz.pass_mark
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.graded_at.is_(None))
        .values(graded_at=now, graded_by=graded_by, score=score, passed=passed)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(attempt)
    for row in rows:
        row.correct = verdicts[row.question_id]
    holder = attempt.user
    record_change(
        "quiz_attempt.graded",
        attempt,
        partner_id=attempt.partner_id,
        actor=actor,
        after={
            "score": score,
            "passed": passed,
            "graded_by": graded_by,
            "answers": {str(row.question_id): selected_ids(row) for row in rows},
        },
        summary=f"{holder.email}: {score}% on “{attempt.quiz.title}”, "
        f"{'passed' if passed else 'not passed'}"
        + (" (graded at its deadline)" if graded_by == "deadline" else ""),
    )
    if passed:
        _certify(attempt, now=now, graded_by=graded_by, actor=actor)
    return True


def _right_choices(question_ids: list[int]) -> dict[int, set[int]]:
    right: dict[int, set[int]] = {question_id: set() for question_id in question_ids}
    for choice_id, question_id in db.session.execute(
        select(Choice.id, Choice.question_id).where(
            Choice.question_id.in_(question_ids), Choice.correct.is_(True)
        )
    ):
        right[question_id].add(choice_id)
    return right


def _certify(attempt: Attempt, *, now: datetime, graded_by: str, actor) -> None:
    """Issue the certification a pass earns, if its holder still works for the partner."""
    from certification.certifications import issue_for_passed_attempt

    holder = attempt.user
    counts = holder.role == TECHNICIAN and holder.partner_id == attempt.partner_id
    if not (counts and holder.is_active):
        log.info("attempt %s passed, but its holder no longer counts: no certification", attempt.id)
        return
    day = (now if graded_by == "submission" else attempt.deadline).date()
    issue_for_passed_attempt(attempt, today=day, actor=actor)


def certification_of(attempt: Attempt):
    from certification.models import Certification

    return db.session.scalar(select(Certification).where(Certification.attempt_id == attempt.id))


def grade_if_overdue(attempt: Attempt, now: datetime) -> bool:
    """Grade an abandoned attempt on its saved answers once its deadline and grace passed."""
    if attempt.graded_at is not None or now <= accepts_answers_until(attempt):
        return False
    return grade(attempt, now=now, graded_by="deadline", actor=SYSTEM)


def _grade_overdue_of(quiz: Quiz, user, now: datetime) -> None:
    overdue = db.session.scalars(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user.id,
            Attempt.graded_at.is_(None),
            Attempt.deadline < now - grace(),
        )
    ).all()
    for attempt in overdue:
        grade_if_overdue(attempt, now)


def grade_overdue_attempts(now: datetime) -> int:
    """The worker's periodic check: grade every attempt left open past its deadline and
    grace. Safe with several workers: each attempt is graded by whoever claims it first,
    in deadline order so that two workers never wait on each other in a circle."""
    ids = db.session.scalars(
        select(Attempt.id)
        .where(Attempt.graded_at.is_(None), Attempt.deadline < now - grace())
        .order_by(Attempt.deadline, Attempt.id)
        .limit(OVERDUE_BATCH)
    ).all()
    graded = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and grade_if_overdue(attempt, now):
            graded += 1
    return graded


# --- What pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetChoice:
    id: int
    text: str


@dataclass(frozen=True)
class SheetQuestion:
    """A drawn question as the technician sees it while the attempt is open: no
    correctness, no feedback, no explanation."""

    id: int
    number: int
    kind: str
    text: str
    choices: tuple[SheetChoice, ...]
    selected: frozenset[int]


def _drawn_rows(attempt: Attempt) -> list[AttemptQuestion]:
    return db.session.scalars(
        select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .options(selectinload(AttemptQuestion.question).selectinload(Question.choices))
        .order_by(AttemptQuestion.position)
    ).all()


def sheet_of(attempt: Attempt) -> list[SheetQuestion]:
    """The attempt's questions in the drawn order, choices in the frozen order, with the
    saved answers (three queries, whatever the number of questions)."""
    sheet = []
    for number, row in enumerate(_drawn_rows(attempt), start=1):
        by_id = {c.id: c for c in row.question.choices}
        sheet.append(
            SheetQuestion(
                id=row.question_id,
                number=number,
                kind=row.question.kind,
                text=row.question.text,
                choices=tuple(SheetChoice(i, by_id[i].text) for i in _ids(row.choice_order)),
                selected=frozenset(selected_ids(row)),
            )
        )
    return sheet


@dataclass(frozen=True)
class ResultChoice:
    id: int
    text: str
    chosen: bool
    correct: bool
    feedback: str


@dataclass(frozen=True)
class ResultQuestion:
    number: int
    kind: str
    text: str
    correct: bool
    explanation: str
    choices: tuple[ResultChoice, ...]


def result_of(attempt: Attempt) -> list[ResultQuestion]:
    """A graded attempt's questions, what was chosen and what was right."""
    if attempt.graded_at is None:
        raise ValueError("an open attempt has no result")
    result = []
    for number, row in enumerate(_drawn_rows(attempt), start=1):
        by_id = {c.id: c for c in row.question.choices}
        chosen = set(selected_ids(row))
        result.append(
            ResultQuestion(
                number=number,
                kind=row.question.kind,
                text=row.question.text,
                correct=bool(row.correct),
                explanation=row.question.explanation,
                choices=tuple(
                    ResultChoice(i, by_id[i].text, i in chosen, by_id[i].correct, by_id[i].feedback)
                    for i in _ids(row.choice_order)
                ),
            )
        )
    return result


def attempts_query(quiz: Quiz | None, principal):
    """Attempts the principal may list (their own; a partner admin their partner's; vendor
    staff all), newest first, with the technician loaded."""
    from portal.access import scoped

    stmt = scoped(Attempt, principal).options(selectinload(Attempt.user))
    if quiz is not None:
        stmt = stmt.where(Attempt.quiz_id == quiz.id)
    if principal.role == TECHNICIAN:
        stmt = stmt.where(Attempt.user_id == principal.id)
    return stmt.order_by(Attempt.started_at.desc(), Attempt.id.desc())

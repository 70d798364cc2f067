"""API: quizzes and attempts (routes on certification.api.blp).

GET /quizzes lists what the caller may take; GET /quizzes/{id} is the vendor admin's
whole bank, with the right answers. A technician starts an attempt, saves answers and
submits; nothing the API answers before grading tells which choices are right.
"""

from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certification import attempts
from certification.api import blp
from certification.models import Attempt, Question, Quiz, TrainingSession
from certification.quizzes import quizzes_for
from portal.access import current_principal, get_visible_or_404, roles_required, signed_in
from portal.api.fields import Timestamp
from portal.api.pagination import PAGE_PARAMETERS, page_schema, paginate
from portal.errors import json_error
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow
from portal.roles import TECHNICIAN, VENDOR_ADMIN

SECURITY = [{"bearerAuth": []}]


class QuizSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    product = fields.String(metadata={"description": "Product slug"})
    release = fields.String(metadata={"description": "The release the quiz certifies on"})
    questions_per_attempt = fields.Integer()
    pass_mark = fields.Integer(metadata={"description": "Percent of the drawn questions"})
    time_limit_s = fields.Integer()
    attempts_per_window = fields.Integer()
    window_hours = fields.Integer()
    cooldown_minutes = fields.Integer()
    opens_at = Timestamp(allow_none=True)
    closes_at = Timestamp(allow_none=True)


class BankChoiceSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    correct = fields.Boolean()
    feedback = fields.String()


class BankQuestionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String(metadata={"description": "single or multiple"})
    text = fields.String()
    explanation = fields.String()
    archived = fields.Boolean()
    choices = fields.List(fields.Nested(BankChoiceSchema))


class QuizBankSchema(QuizSchema):
    show_feedback = fields.Boolean()
    questions = fields.List(fields.Nested(BankQuestionSchema))


class SheetChoiceSchema(Schema):
    id = fields.Integer()
    text = fields.String()


class SheetQuestionSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    kind = fields.String(metadata={"description": "single or multiple"})
    choices = fields.List(fields.Nested(SheetChoiceSchema))
    selected = fields.List(fields.Integer(), metadata={"description": "Choice ids saved so far"})


class AttemptStartSchema(Schema):
    attempt_id = fields.Integer()
    deadline = Timestamp()
    accepts_answers_until = Timestamp(
        metadata={"description": "The deadline plus a grace for latency"}
    )
    questions = fields.List(fields.Nested(SheetQuestionSchema))


class AnswersSchema(Schema):
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Integer()),
        load_default=dict,
        metadata={
            "description": "Choice ids by question id: "
            '`{"<question_id>": [choice_id, ...]}`; an empty list clears an answer'
        },
    )


class SavedSchema(Schema):
    saved = fields.Integer(metadata={"description": "Answers that changed"})
    accepts_answers_until = Timestamp()


class CertificationBriefSchema(Schema):
    code = fields.String()
    product = fields.String()
    release = fields.String()
    expires_on = fields.Date()


class GradeSchema(Schema):
    score = fields.Integer(metadata={"description": "Percent of the drawn questions right"})
    passed = fields.Boolean()
    certification = fields.Nested(CertificationBriefSchema, allow_none=True)


def _quiz_row(quiz: Quiz) -> dict:
    release = quiz.session.release
    return {
        "id": quiz.id,
        "title": quiz.title,
        "product": release.product.slug,
        "release": release.version,
        "questions_per_attempt": quiz.questions_per_attempt,
        "pass_mark": quiz.pass_mark,
        "time_limit_s": quiz.time_limit_s,
        "attempts_per_window": quiz.attempts_per_window,
        "window_hours": quiz.window_hours,
        "cooldown_minutes": quiz.cooldown_minutes,
        "opens_at": quiz.opens_at,
        "closes_at": quiz.closes_at,
    }


def _with_release():
    return (
        selectinload(Quiz.session)
        .selectinload(TrainingSession.release)
        .selectinload(Release.product)
    )


@blp.get("/quizzes")
@signed_in
@blp.response(200, page_schema(QuizSchema))
@blp.doc(security=SECURITY, parameters=PAGE_PARAMETERS)
def list_quizzes():
    """The quizzes the caller may take: open ones with a bank ready, for the products the
    caller's partner must support; vendor roles see every quiz."""
    stmt = quizzes_for(current_principal(), utcnow()).options(_with_release())
    return paginate(stmt.order_by(Quiz.id.desc()), _quiz_row)


@blp.get("/quizzes/<int:quiz_id>")
@roles_required(VENDOR_ADMIN)
@blp.response(200, QuizBankSchema)
@blp.alt_response(404, description="not_found")
@blp.doc(security=SECURITY)
def get_quiz(quiz_id: int):
    """The whole question bank with the right answers (for authoring), archived questions
    included."""
    quiz = get_visible_or_404(Quiz, quiz_id)
    questions = db.session.scalars(
        select(Question)
        .where(Question.quiz_id == quiz.id)
        .options(selectinload(Question.choices))
        .order_by(Question.archived, Question.position, Question.id)
    ).all()
    return {**_quiz_row(quiz), "show_feedback": quiz.show_feedback, "questions": questions}


def _sheet(attempt: Attempt) -> dict:
    return {
        "attempt_id": attempt.id,
        "deadline": attempt.deadline,
        "accepts_answers_until": attempts.accepts_answers_until(attempt),
        "questions": [
            {
                "id": q.id,
                "text": q.text,
                "kind": q.kind,
                "choices": [{"id": c.id, "text": c.text} for c in q.choices],
                "selected": sorted(q.selected),
            }
            for q in attempts.sheet_of(attempt)
        ],
    }


@blp.post("/quizzes/<int:quiz_id>/attempts")
@roles_required(TECHNICIAN)
@blp.response(201, AttemptStartSchema)
@blp.alt_response(200, schema=AttemptStartSchema, description="The attempt already open")
@blp.alt_response(404, description="not_found: no such quiz, or not for your partner")
@blp.alt_response(422, description="quiz_closed, quiz_not_ready")
@blp.alt_response(429, description="attempt_limit: see Retry-After and the message")
@blp.doc(security=SECURITY)
def start_attempt(quiz_id: int):
    """Start an attempt: the questions drawn for it, their choices in the order shown,
    and its deadline. With an attempt already open, that one (200)."""
    quiz = get_visible_or_404(Quiz, quiz_id)
    now = utcnow()
    try:
        attempt, started = attempts.start_attempt(quiz, current_principal(), now)
    except attempts.AttemptLimit as limit:
        response = json_error(429, limit.code, limit.message)
        response.headers["Retry-After"] = str(max(1, int((limit.next_at - now).total_seconds())))
        return response
    body = _sheet(attempt)
    db.session.commit()
    return body, 201 if started else 200, {"Cache-Control": "no-store"}


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = get_visible_or_404(Attempt, attempt_id)
    attempts.check_owner(attempt, current_principal())
    return attempt


@blp.post("/attempts/<int:attempt_id>/answers")
@roles_required(TECHNICIAN)
@blp.arguments(AnswersSchema)
@blp.response(200, SavedSchema)
@blp.alt_response(404, description="not_found: not your attempt")
@blp.alt_response(409, description="already_submitted")
@blp.alt_response(422, description="deadline_passed, invalid_answer")
@blp.doc(security=SECURITY)
def save_answers(body, attempt_id: int):
    """Save answers of your open attempt without submitting it."""
    attempt = _own_attempt(attempt_id)
    saved = attempts.save_answers(
        attempt, body["answers"], principal=current_principal(), now=utcnow()
    )
    db.session.commit()
    return {"saved": saved, "accepts_answers_until": attempts.accepts_answers_until(attempt)}


@blp.post("/attempts/<int:attempt_id>/submit")
@roles_required(TECHNICIAN)
@blp.arguments(AnswersSchema)
@blp.response(200, GradeSchema)
@blp.alt_response(404, description="not_found: not your attempt")
@blp.alt_response(409, description="already_submitted")
@blp.alt_response(422, description="deadline_passed, invalid_answer")
@blp.doc(security=SECURITY)
def submit_attempt(body, attempt_id: int):
    """Submit your attempt, with its last answers (saved ones count too): its score,
    whether it passed, and the certification a pass earns."""
    attempt = _own_attempt(attempt_id)
    grade = attempts.submit_attempt(
        attempt, body["answers"], principal=current_principal(), now=utcnow()
    )
    certification = grade.certification
    result = {
        "score": grade.score,
        "passed": grade.passed,
        "certification": None
        if certification is None
        else {
            "code": certification.code,
            "product": certification.product.slug,
            "release": certification.release.version,
            "expires_on": certification.expires_on,
        },
    }
    db.session.commit()
    return result

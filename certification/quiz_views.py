"""Quiz pages: the quizzes list, a quiz, taking an attempt, its result.

Technicians take quizzes; an attempt is its technician's alone (anyone else asking for
it gets a 404), its result is also read by the partner's admin and by vendor staff. The
attempt page shows only what an open attempt may show (`attempts.sheet_of`): no right
answers, feedback or explanations before grading. Authoring pages live in
`quiz_bank_views`.
"""

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from certification import attempts, quiz_bank_views  # noqa: F401  (registers its routes)
from certification import quiz_confirmations as _confirmations  # noqa: F401  (their words)
from certification.blueprint import bp
from certification.models import Attempt, Certification, Question, Quiz, TrainingSession
from certification.quiz_forms import ConfirmForm
from certification.quizzes import active_question_count, is_listed_for, quizzes_for
from portal.access import current_principal, get_visible_or_404, roles_required, signed_in
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError, json_error
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow
from portal.pagination import paginate_rows
from portal.roles import TECHNICIAN

ATTEMPTS_PER_PAGE = 20


def _quiz_or_404(quiz_id: int) -> Quiz:
    """A quiz the principal may open: vendor staff any; a partner's users those of their
    agreement's products."""
    quiz = get_visible_or_404(Quiz, quiz_id)
    principal = current_principal()
    if not principal.is_vendor and not is_listed_for(quiz, principal.partner_id):
        raise DomainError("not_found", "Not found, or not visible to you.", status=404)
    return quiz


def _attempt_or_404(attempt_id: int) -> Attempt:
    """An attempt the principal may read: its technician's own, their partner's (partner
    admin), any (vendor staff); the tenant rule first."""
    attempt = get_visible_or_404(Attempt, attempt_id)
    principal = current_principal()
    if principal.role == TECHNICIAN and attempt.user_id != principal.id:
        raise DomainError("not_found", "Not found, or not visible to you.", status=404)
    return attempt


def _with_release():
    return (
        selectinload(Quiz.session)
        .selectinload(TrainingSession.release)
        .selectinload(Release.product)
    )


# --- Lists and the quiz page -----------------------------------------------------------------


@bp.get("/quizzes")
@signed_in
def quizzes():
    """Vendor staff: every quiz. A partner's users: the quizzes open to them now."""
    principal = current_principal()
    now = utcnow()
    stmt = quizzes_for(principal, now).options(_with_release()).order_by(Quiz.id.desc())
    page = paginate_rows(stmt)
    quiz_ids = [quiz.id for quiz in page.items]
    active, best = {}, {}
    if quiz_ids:
        active = dict(
            db.session.execute(
                select(Question.quiz_id, func.count())
                .where(Question.quiz_id.in_(quiz_ids), Question.archived.is_(False))
                .group_by(Question.quiz_id)
            ).all()
        )
    if principal.role == TECHNICIAN and quiz_ids:
        best = dict(
            db.session.execute(
                select(Attempt.quiz_id, func.max(Attempt.score))
                .where(Attempt.user_id == principal.id, Attempt.quiz_id.in_(quiz_ids))
                .group_by(Attempt.quiz_id)
            ).all()
        )
    return render_template(
        "certification/quiz/index.html", page=page, active=active, best_scores=best, now=now
    )


@bp.get("/quizzes/<int:quiz_id>")
@signed_in
def quiz(quiz_id: int):
    """The quiz's rules; for a technician where they stand (attempts used and left, when
    the next may start) and the start button; for others, the attempts they may read."""
    quiz = _quiz_or_404(quiz_id)
    principal = current_principal()
    now = utcnow()
    standing = refusal = None
    if principal.role == TECHNICIAN:
        try:
            standing = attempts.check_may_start(quiz, principal, now)
        except DomainError as exc:
            refusal = exc.message
            standing = attempts.allowance(quiz, principal, now)
    page = paginate_rows(attempts.attempts_query(quiz, principal), ATTEMPTS_PER_PAGE)
    return render_template(
        "certification/quiz/quiz.html",
        quiz=quiz,
        release=quiz.session.release,
        standing=standing,
        refusal=refusal,
        page=page,
        active_count=active_question_count(quiz) if principal.is_vendor else None,
        confirm_form=ConfirmForm(),
        start_confirmation=confirmation("quiz.start", quiz=quiz, allowance=standing)
        if standing is not None and standing.may_start and not refusal
        else None,
        now=now,
    )


# --- Taking an attempt -----------------------------------------------------------------------


@bp.post("/quizzes/<int:quiz_id>/attempts")
@roles_required(TECHNICIAN)
def attempt_start(quiz_id: int):
    quiz = _quiz_or_404(quiz_id)
    principal = current_principal()
    back = url_for("certification.quiz", quiz_id=quiz.id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(back)
    now = utcnow()
    try:
        standing = attempts.check_may_start(quiz, principal, now)
        if standing.may_start and not is_confirmed():
            asked = confirmation("quiz.start", quiz=quiz, allowance=standing)
            return ask_to_confirm(asked, cancel_url=back)
        attempt, started = attempts.start_attempt(quiz, principal, now)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    db.session.commit()
    if not started:
        flash("Your attempt of this quiz is still open: carry on.", "info")
    return redirect(url_for("certification.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@signed_in
def attempt(attempt_id: int):
    """The attempt page: every drawn question in one form, answers saved as chosen."""
    attempt = _attempt_or_404(attempt_id)
    principal = current_principal()
    now = utcnow()
    result_url = url_for("certification.attempt_result", attempt_id=attempt.id)
    if attempt.user_id != principal.id or attempt.graded_at is not None:
        return redirect(result_url)
    if attempts.grade_if_overdue(attempt, now):
        db.session.commit()
        flash("The time was up: your attempt was graded on the answers you had saved.", "info")
        return redirect(result_url)
    if now > attempts.accepts_answers_until(attempt):
        return redirect(result_url)
    sheet = attempts.sheet_of(attempt)
    remaining = max(0, int((attempt.deadline - now).total_seconds()))
    page = render_template(
        "certification/quiz/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        sheet=sheet,
        remaining=remaining,
        answered=sum(1 for q in sheet if q.selected),
    )
    return page, 200, {"Cache-Control": "no-store"}


def _form_answers(attempt: Attempt) -> dict[int, list]:
    """Every drawn question's answer as the attempt form sends it (`q-<id>` fields); a
    question the form leaves blank is unanswered."""
    return {
        row.question_id: request.form.getlist(f"q-{row.question_id}") for row in attempt.questions
    }


def _json_refusal(exc: DomainError):
    return json_error(exc.status, exc.code, exc.message, exc.fields)


@bp.post("/attempts/<int:attempt_id>/answers")
@roles_required(TECHNICIAN)
def attempt_answers(attempt_id: int):
    """Save answers: one question as JSON (`{"question_id": 5, "choice_ids": [12]}`, from
    quiz.js as each answer is chosen), or the whole form ("Save answers", without script)."""
    attempt = _attempt_or_404(attempt_id)
    principal = current_principal()
    now = utcnow()
    if request.is_json:
        payload = request.get_json(silent=True)
        question_id = payload.get("question_id") if isinstance(payload, dict) else None
        if not isinstance(question_id, int | str) or isinstance(question_id, bool):
            return json_error(
                400,
                "validation_error",
                'Send {"question_id": <id>, "choice_ids": [<id>, ...]}.',
                {"question_id": "Required."},
            )
        answers = {question_id: payload.get("choice_ids", [])}
        try:
            attempts.save_answers(attempt, answers, principal=principal, now=now)
        except DomainError as exc:
            db.session.rollback()
            return _json_refusal(exc)
        db.session.commit()
        return jsonify(saved=True), 200, {"Cache-Control": "no-store"}
    try:
        attempts.save_answers(attempt, _form_answers(attempt), principal=principal, now=now)
    except DomainError as exc:
        db.session.rollback()
        return _after_refusal(attempt, exc, now)
    db.session.commit()
    flash("Your answers are saved. The clock keeps running.", "success")
    return redirect(url_for("certification.attempt", attempt_id=attempt.id))


def _after_refusal(attempt: Attempt, exc: DomainError, now):
    """A refused save or submission: too late (graded on saved answers), already graded, or
    an answer that is not one of the choices."""
    if exc.code in ("deadline_passed", "already_submitted"):
        if exc.code == "deadline_passed" and attempts.grade_if_overdue(attempt, now):
            db.session.commit()
        flash(exc.message, "error")
        return redirect(url_for("certification.attempt_result", attempt_id=attempt.id))
    if exc.status == 404:
        raise exc
    flash(f"{exc.message} Please choose again.", "error")
    return redirect(url_for("certification.attempt", attempt_id=attempt.id))


@bp.post("/attempts/<int:attempt_id>/submit")
@roles_required(TECHNICIAN)
def attempt_submit(attempt_id: int):
    """Submit the attempt with the form's answers: graded at once."""
    attempt = _attempt_or_404(attempt_id)
    now = utcnow()
    try:
        grade = attempts.submit_attempt(
            attempt, _form_answers(attempt), principal=current_principal(), now=now
        )
    except DomainError as exc:
        db.session.rollback()
        return _after_refusal(attempt, exc, now)
    db.session.commit()
    if grade.passed:
        flash(f"You passed with {grade.score}%.", "success")
    else:
        flash(f"You scored {grade.score}%: not enough to pass this time.", "info")
    return redirect(url_for("certification.attempt_result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@signed_in
def attempt_result(attempt_id: int):
    """A graded attempt's score and verdict; the questions gone wrong with their
    explanations when the quiz shows results in detail. An abandoned attempt is graded
    here if nobody has graded it yet."""
    attempt = _attempt_or_404(attempt_id)
    now = utcnow()
    if attempts.grade_if_overdue(attempt, now):
        db.session.commit()
    graded = attempt.graded_at is not None
    result = attempts.result_of(attempt) if graded and attempt.quiz.show_feedback else None
    certification = (
        db.session.scalar(select(Certification).where(Certification.attempt_id == attempt.id))
        if graded and attempt.passed
        else None
    )
    principal = current_principal()
    own = attempt.user_id == principal.id
    standing = attempts.allowance(attempt.quiz, principal, now) if own and graded else None
    return render_template(
        "certification/quiz/result.html",
        attempt=attempt,
        quiz=attempt.quiz,
        release=attempt.quiz.session.release,
        result=result,
        wrong=[q for q in result if not q.correct] if result else [],
        certification=certification,
        certificate_url=_certificate_url(certification),
        own=own,
        standing=standing,
        open_url=url_for("certification.attempt", attempt_id=attempt.id)
        if own and not graded
        else None,
    )


def _certificate_url(certification: Certification | None) -> str | None:
    """The certificate page, once the certificate pages exist."""
    if certification is None:
        return None
    if "certification.certificate" not in current_app.view_functions:
        return None
    return url_for("certification.certificate", code=certification.code)

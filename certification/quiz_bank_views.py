"""Authoring pages of the vendor admin: a quiz's settings, its question bank, GIFT files.

Each route loads, checks, calls one service of `certification.quizzes` or
`certification.gift`, then commits; a refusal re-renders the form with its messages.
"""

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from certification import gift, quizzes
from certification.blueprint import bp
from certification.models import AttemptQuestion, Question, Quiz, TrainingSession
from certification.quiz_forms import ConfirmForm, GiftImportForm, QuestionForm, QuizForm
from certification.quizzes import QuizSettings
from portal.access import current_principal, get_visible_or_404, roles_required
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow
from portal.pagination import paginate_rows
from portal.roles import VENDOR_ADMIN

#: The largest GIFT file accepted (a bank of a thousand long questions fits).
GIFT_MAX_BYTES = 1024 * 1024
BANK_PER_PAGE = 20


def _refused(exc: DomainError) -> int:
    return 409 if exc.status == 409 else 400


# --- Settings --------------------------------------------------------------------------------


def _render_settings(form: QuizForm, session: TrainingSession, quiz: Quiz | None, status=200):
    page = render_template(
        "certification/quiz/settings.html", form=form, session=session, quiz=quiz
    )
    return page, status


@bp.route("/training/<int:session_id>/quizzes/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def quiz_new(session_id: int):
    session = get_visible_or_404(TrainingSession, session_id)
    form = QuizForm()
    if not form.is_submitted():
        form.fill_from(QuizSettings(title=f"{session.release.label} certification quiz"))
        return _render_settings(form, session, None)
    if not form.validate():
        return _render_settings(form, session, None, 400)
    try:
        quiz = quizzes.create_quiz(session, form.settings(), actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        return _render_settings(form, session, None, _refused(exc))
    db.session.commit()
    flash(f"Quiz “{quiz.title}” created. Now add its questions.", "success")
    return redirect(url_for("certification.quiz_questions", quiz_id=quiz.id))


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def quiz_edit(quiz_id: int):
    quiz = get_visible_or_404(Quiz, quiz_id)
    form = QuizForm()
    if not form.is_submitted():
        form.fill_from(QuizSettings.of(quiz))
        return _render_settings(form, quiz.session, quiz)
    if not form.validate():
        return _render_settings(form, quiz.session, quiz, 400)
    try:
        changed = quizzes.update_quiz(quiz, form.settings(), actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        return _render_settings(form, quiz.session, quiz, _refused(exc))
    db.session.commit()
    flash("Settings saved." if changed else "Nothing changed.", "success" if changed else "info")
    return redirect(url_for("certification.quiz", quiz_id=quiz.id))


# --- The bank --------------------------------------------------------------------------------


@bp.get("/quizzes/<int:quiz_id>/questions")
@roles_required(VENDOR_ADMIN)
def quiz_questions(quiz_id: int):
    """The bank, a page at a time; `?archived=1` lists the archived questions."""
    quiz = get_visible_or_404(Quiz, quiz_id)
    archived = request.args.get("archived") == "1"
    page = paginate_rows(quizzes.bank_query(quiz, archived=archived), BANK_PER_PAGE)
    ids = [q.id for q in page.items]
    drawn = set(
        db.session.scalars(
            select(AttemptQuestion.question_id)
            .where(AttemptQuestion.question_id.in_(ids))
            .distinct()
        )
        if ids
        else []
    )
    return render_template(
        "certification/quiz/bank.html",
        quiz=quiz,
        page=page,
        archived=archived,
        drawn=drawn,
        active_count=quizzes.active_question_count(quiz),
        confirm_form=ConfirmForm(),
    )


def _render_question(form: QuestionForm, quiz: Quiz, question: Question | None, status=200):
    page = render_template(
        "certification/quiz/question_form.html",
        form=form,
        quiz=quiz,
        question=question,
        drawn=question is not None and quizzes.was_drawn(question),
    )
    return page, status


@bp.route("/quizzes/<int:quiz_id>/questions/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def question_new(quiz_id: int):
    quiz = get_visible_or_404(Quiz, quiz_id)
    form = QuestionForm()
    if not form.is_submitted():
        return _render_question(form, quiz, None)
    if not form.validate():
        return _render_question(form, quiz, None, 400)
    try:
        quizzes.add_question(quiz, form.question(), actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        return _render_question(form, quiz, None, _refused(exc))
    db.session.commit()
    flash("Question added to the bank.", "success")
    if request.form.get("then") == "another":
        return redirect(url_for("certification.question_new", quiz_id=quiz.id))
    return redirect(url_for("certification.quiz_questions", quiz_id=quiz.id))


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def question_edit(question_id: int):
    question = get_visible_or_404(Question, question_id)
    quiz = question.quiz
    form = QuestionForm()
    if not form.is_submitted():
        form.fill_from(question)
        return _render_question(form, quiz, question)
    if not form.validate():
        return _render_question(form, quiz, question, 400)
    try:
        saved = quizzes.update_question(question, form.question(), actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        return _render_question(form, quiz, question, _refused(exc))
    db.session.commit()
    if saved.id != question.id:
        flash(
            "Attempts had drawn this question: it stays as it was for them (archived), and "
            "your edit is saved as a new question in its place.",
            "info",
        )
    else:
        flash("Question saved.", "success")
    return redirect(url_for("certification.quiz_questions", quiz_id=quiz.id))


@bp.post("/questions/<int:question_id>/remove")
@roles_required(VENDOR_ADMIN)
def question_remove(question_id: int):
    question = get_visible_or_404(Question, question_id)
    back = url_for("certification.quiz_questions", quiz_id=question.quiz_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(back)
    if not is_confirmed():
        asked = confirmation(
            "quiz.question_remove", question=question, drawn=quizzes.was_drawn(question)
        )
        return ask_to_confirm(asked, cancel_url=back)
    outcome = quizzes.remove_question(question, actor=current_principal())
    db.session.commit()
    flash(f"Question {outcome}.", "success")
    return redirect(back)


@bp.post("/questions/<int:question_id>/restore")
@roles_required(VENDOR_ADMIN)
def question_restore(question_id: int):
    question = get_visible_or_404(Question, question_id)
    back = url_for("certification.quiz_questions", quiz_id=question.quiz_id, archived="1")
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(back)
    quizzes.restore_question(question, actor=current_principal())
    db.session.commit()
    flash("Question restored: attempts may draw it again.", "success")
    return redirect(back)


# --- GIFT files ------------------------------------------------------------------------------


def _render_import(form: GiftImportForm, quiz: Quiz, errors=(), status=200):
    page = render_template(
        "certification/quiz/import.html", form=form, quiz=quiz, errors=list(errors)
    )
    return page, status


@bp.route("/quizzes/<int:quiz_id>/import", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def quiz_import(quiz_id: int):
    quiz = get_visible_or_404(Quiz, quiz_id)
    form = GiftImportForm()
    if not form.is_submitted():
        return _render_import(form, quiz)
    if not form.validate():
        return _render_import(form, quiz, status=400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Choose a GIFT file (.txt or .gift)."]
        return _render_import(form, quiz, status=400)
    try:
        data = upload.read(GIFT_MAX_BYTES + 1)
    finally:
        upload.close()
    if len(data) > GIFT_MAX_BYTES:
        form.file.errors = [f"At most {GIFT_MAX_BYTES // 1024:,} KB."]
        return _render_import(form, quiz, status=400)
    try:
        count = gift.import_bank(quiz, gift.decode(data), actor=current_principal())
    except gift.GiftFileError as exc:
        db.session.rollback()
        return _render_import(form, quiz, exc.errors, 400)
    db.session.commit()
    flash(f"{count} question(s) imported into the bank.", "success")
    return redirect(url_for("certification.quiz_questions", quiz_id=quiz.id))


@bp.get("/quizzes/<int:quiz_id>/export")
@roles_required(VENDOR_ADMIN)
def quiz_export(quiz_id: int):
    """The bank (archived questions left out) as a GIFT file to download."""
    quiz = get_visible_or_404(Quiz, quiz_id)
    questions = db.session.scalars(quizzes.bank_query(quiz)).all()
    text = gift.export_bank(quiz, questions, now=utcnow())
    filename = f"quiz-{quiz.id}.gift.txt"
    return Response(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )

"""Training pages: the sessions list, a session, its .ics, planning and materials.

Vendor admins plan; every signed-in user reads (a partner's users, the sessions of their
agreement's products: `training_scope`). Who attends is changed in
`training_attendee_views`. Each route loads, checks, calls one service, then commits.
"""

from collections.abc import Callable

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from certification import (
    training_attendee_views,  # noqa: F401  (registers its routes)
    training_next_steps,
)
from certification import training_confirmations as _confirmations  # noqa: F401  (their words)
from certification.blueprint import bp
from certification.calendar import session_calendar
from certification.models import TrainingAttendee, TrainingMaterial, TrainingSession
from certification.training import (
    create_session,
    delete_session,
    has_attempts,
    session_state,
    update_session,
)
from certification.training_attendance import attendance_problem, attendee_of
from certification.training_forms import (
    AttendanceForm,
    EnrolByEmailForm,
    EnrolOwnTechnicianForm,
    MaterialForm,
    TrainingSessionForm,
)
from certification.training_materials import add_material, material_candidates, remove_material
from certification.training_presentation import (
    STATE_LABELS,
    link_if_usable,
    quiz_url,
    utc_text,
    when_text,
    zone_label,
)
from certification.training_scope import (
    WHEN,
    agreement_products,
    attendees_of,
    load_session,
    session_rows,
    sessions_for,
)
from knowledge_base.models import Article
from knowledge_base.services import visibility_clause
from portal.access import current_principal, roles_required, scoped, signed_in
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.ids import as_id
from portal.models import Product, Release, User
from portal.models.base import utcnow
from portal.pagination import paginate_rows
from portal.partners.forms import show_domain_errors
from portal.roles import PARTNER_ADMIN, TECHNICIAN, VENDOR_ADMIN
from portal.time_zones import zone_names

#: How many attendees a session page lists, and candidate materials the picker shows.
ATTENDEES_PER_PAGE = 50
CANDIDATES_PER_PAGE = 20
SEARCH_MAX = 100

training_next_steps.register()

bp.add_app_template_filter(when_text, "training_when")
bp.add_app_template_filter(zone_label, "training_zone")
bp.add_app_template_filter(utc_text, "training_utc")


# --- Reading -----------------------------------------------------------------------------


@bp.get("/training")
@signed_in
def training_index():
    principal = current_principal()
    when = request.args.get("when") if request.args.get("when") in WHEN else "upcoming"
    agreement = None if principal.is_vendor else agreement_products(principal.partner_id)
    products_stmt = select(Product).order_by(func.lower(Product.name))
    if agreement is not None:
        products_stmt = products_stmt.where(Product.id.in_(list(agreement)))
    products = db.session.scalars(products_stmt).all()
    chosen = next((p for p in products if p.slug == request.args.get("product")), None)
    stmt = sessions_for(
        principal,
        when=when,
        now=utcnow(),
        product_id=chosen.id if chosen else None,
        products=agreement,
    )
    page = paginate_rows(stmt)
    return render_template(
        "certification/training/index.html",
        page=page,
        rows=session_rows(principal, page.items, agreement),
        when=when,
        products=products,
        chosen=chosen,
        has_agreement=bool(agreement) or agreement is None,
        quiz_url=quiz_url,
    )


def _readable_materials(session: TrainingSession, principal) -> list[Article]:
    """The session's materials the reader may open (the KB's own visibility rule)."""
    return db.session.scalars(
        select(Article)
        .join(TrainingMaterial, TrainingMaterial.article_id == Article.id)
        .where(TrainingMaterial.session_id == session.id, visibility_clause(principal))
        .options(selectinload(Article.product))
        .order_by(TrainingMaterial.position, Article.id)
    ).all()


def _enrol_form(session: TrainingSession, principal):
    """The enrolment form the principal may use, with its choices; None if none."""
    if principal.role == VENDOR_ADMIN:
        return EnrolByEmailForm()
    if principal.role != PARTNER_ADMIN:
        return None
    already = select(TrainingAttendee.user_id).where(TrainingAttendee.session_id == session.id)
    form = EnrolOwnTechnicianForm()
    form.set_technicians(
        db.session.scalars(
            scoped(User)
            .where(User.role == TECHNICIAN, User.status == "active", User.id.not_in(already))
            .order_by(func.lower(User.name), User.id)
        ).all()
    )
    return form


@bp.get("/training/<int:session_id>")
@signed_in
def training_session(session_id: int):
    principal = current_principal()
    session = load_session(session_id)
    now = utcnow()
    state = session_state(session, now)
    mine = attendee_of(session, principal) if principal.role == TECHNICIAN else None
    sign_up_problem = None
    if principal.role == TECHNICIAN and mine is None:
        sign_up_problem = attendance_problem(session, principal, product_rule=True)
    return render_template(
        "certification/training/session.html",
        session=session,
        state=state,
        state_label=STATE_LABELS[state],
        materials=_readable_materials(session, principal),
        attendees=paginate_rows(attendees_of(session, principal), ATTENDEES_PER_PAGE),
        mine=mine,
        sign_up_problem=sign_up_problem,
        enrol_form=_enrol_form(session, principal)
        if state == "upcoming" or principal.is_vendor
        else None,
        attendance_form=AttendanceForm(),
        deletable=principal.role == VENDOR_ADMIN and not has_attempts(session),
        quiz_url=quiz_url,
        new_quiz_url=link_if_usable("certification.quiz_new", session_id=session.id),
    )


@bp.get("/training/<int:session_id>/session.ics")
@signed_in
def training_ics(session_id: int):
    session = load_session(session_id)
    body = session_calendar(session, materials=_readable_materials(session, current_principal()))
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="training-session-{session.id}.ics"',
            "Cache-Control": "private, no-cache",
        },
    )


# --- Planning ------------------------------------------------------------------------------


def _session_form() -> TrainingSessionForm:
    form = TrainingSessionForm()
    form.set_releases(
        db.session.scalars(
            select(Release)
            .join(Product, Product.id == Release.product_id)
            .options(selectinload(Release.product))
            .order_by(func.lower(Product.name), Release.released_on.desc(), Release.id.desc())
        ).all()
    )
    return form


def _render_form(form: TrainingSessionForm, session: TrainingSession | None, status: int):
    return render_template(
        "certification/training/form.html", form=form, session=session, zones=zone_names()
    ), status


def _save(form: TrainingSessionForm, save: Callable[[], TrainingSession], session=None):
    """Validate and save, or show the form again with every message next to its field."""
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            saved = save()
        except DomainError as exc:
            db.session.rollback()
            show_domain_errors(form, exc)
            status = 409 if exc.status == 409 else 400
        else:
            db.session.commit()
            return saved
    return _render_form(form, session, status)


@bp.route("/training/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def training_new():
    form = _session_form()
    if not form.is_submitted():
        form.timezone.data = "UTC"
        form.release_id.data = as_id(request.args.get("release", ""))
    principal = current_principal()
    saved = _save(form, lambda: create_session(form.to_input(), actor=principal))
    if not isinstance(saved, TrainingSession):
        return saved
    flash(f"“{saved.title}” is planned. Next: choose the materials to hand out.", "success")
    return redirect(url_for(".training_materials", session_id=saved.id))


@bp.route("/training/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def training_edit(session_id: int):
    session = load_session(session_id)
    form = _session_form()
    if not form.is_submitted():
        form.fill_from(session)
    principal = current_principal()
    changed = []

    def save():
        changed.append(update_session(session, form.to_input(), actor=principal, now=utcnow()))
        return session

    saved = _save(form, save, session)
    if not isinstance(saved, TrainingSession):
        return saved
    flash(
        f"“{session.title}” is saved." if changed[0] else "Nothing changed.",
        "success" if changed[0] else "info",
    )
    return redirect(url_for(".training_session", session_id=session.id))


@bp.post("/training/<int:session_id>/delete")
@roles_required(VENDOR_ADMIN)
def training_delete(session_id: int):
    session = load_session(session_id)
    now = utcnow()
    if not is_confirmed() and not has_attempts(session):
        return ask_to_confirm(
            confirmation("training.delete", session=session, upcoming=now < session.ends_at),
            cancel_url=url_for(".training_session", session_id=session.id),
        )
    title = session.title
    try:
        delete_session(session, actor=current_principal(), now=now)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".training_session", session_id=session_id))
    db.session.commit()
    flash(f"“{title}” is deleted.", "success")
    return redirect(url_for(".training_index"))


@bp.route("/training/<int:session_id>/materials", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def training_materials(session_id: int):
    session = load_session(session_id)
    search = " ".join(request.values.get("q", "").split())[:SEARCH_MAX]
    if request.method == "POST":
        _change_materials(session)
        page = as_id(request.form.get("page", "")) or 1
        return redirect(
            url_for(".training_materials", session_id=session.id, q=search or None, page=page)
        )
    candidates = paginate_rows(
        material_candidates(session, search).options(selectinload(Article.product)),
        CANDIDATES_PER_PAGE,
    )
    materials = db.session.scalars(
        select(TrainingMaterial)
        .where(TrainingMaterial.session_id == session.id)
        .options(selectinload(TrainingMaterial.article).selectinload(Article.product))
        .order_by(TrainingMaterial.position, TrainingMaterial.article_id)
    ).all()
    return render_template(
        "certification/training/materials.html",
        session=session,
        materials=materials,
        candidates=candidates,
        search=search,
    )


def _change_materials(session: TrainingSession) -> None:
    form = MaterialForm()
    principal = current_principal()
    try:
        if not form.validate_on_submit() or not (form.add.data or form.remove.data):
            raise DomainError("validation_error", "Choose an article to add or remove.")
        if form.add.data:
            article = add_material(session, as_id(form.add.data), actor=principal)
            message = f"“{article.title}” is handed out at this session."
        else:
            remove_material(session, as_id(form.remove.data), actor=principal)
            message = "The article is no longer handed out at this session."
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return
    db.session.commit()
    flash(message, "success")

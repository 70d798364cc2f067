"""Reproduction environment pages: the list, register, edit, re-attest, retire, verify.

Partner admins manage their own partner's labs; technicians read them; vendor staff read
every partner's, filter them, and mark one verified. Each route loads within the
principal's scope (another partner's environment is a 404), checks the role, calls one
service of `certification.environments`, then commits.
"""

from flask import flash, redirect, render_template, request, url_for

from certification import environment_confirmations as _confirmations  # noqa: F401
from certification.blueprint import bp
from certification.currency import (
    attestation_days,
    environment_state,
    last_verified_on,
    stale_on,
)
from certification.environment_forms import EnvironmentForm
from certification.environment_scope import (
    ENVIRONMENT_SORT,
    STATE_FILTER_LABELS,
    STATE_FILTERS,
    EnvironmentFilters,
    environments_stmt,
    filter_choices,
    with_people,
)
from certification.environments import (
    reattest_environment,
    register_environment,
    retire_environment,
    update_environment,
    verify_environment,
)
from certification.models import ReproductionEnvironment
from portal.access import current_principal, get_visible_or_404, roles_required
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner
from portal.models.base import utcnow
from portal.pagination import paginate_rows
from portal.partners.forms import show_domain_errors
from portal.roles import (
    PARTNER_ADMIN,
    SUPPORT_MANAGER,
    TECHNICIAN,
    VENDOR_ADMIN,
    VENDOR_ENGINEER,
    VENDOR_ROLES,
)

READ_ROLES = (VENDOR_ADMIN, SUPPORT_MANAGER, VENDOR_ENGINEER, PARTNER_ADMIN, TECHNICIAN)


def state_text(environment: ReproductionEnvironment, today) -> str:
    """The environment's state in words, with its date where one applies."""
    state = environment_state(environment, today)
    if state == "retired":
        return f"Retired on {environment.retired_at:%Y-%m-%d}"
    if state == "unsupported":
        return "Release no longer supported"
    if state == "stale":
        return f"Stale since {stale_on(environment):%Y-%m-%d}"
    return "Current"


def _back() -> str:
    """Where a button returns: the list page it was on (filters kept), or the list."""
    return request.form.get("next_url") if _safe_next() else url_for(".environments")


def _safe_next() -> bool:
    target = request.form.get("next_url", "")
    return target.startswith("/environments") and "//" not in target and "\\" not in target


@bp.get("/environments")
@roles_required(*READ_ROLES)
def environments():
    principal = current_principal()
    today = utcnow().date()
    filters = EnvironmentFilters.from_args(request.args)
    if principal.is_partner_user:
        filters = EnvironmentFilters(None, filters.product_id, filters.state)
    sorting = ENVIRONMENT_SORT.from_request()
    page = paginate_rows(sorting.apply(with_people(environments_stmt(principal, filters, today))))
    partner = db.session.get(Partner, principal.partner_id) if principal.is_partner_user else None
    return render_template(
        "certification/environments/index.html",
        page=page,
        sorting=sorting,
        filters=filters,
        choices=filter_choices(principal),
        state_filters=[(key, STATE_FILTER_LABELS[key]) for key in STATE_FILTERS],
        partner=partner,
        today=today,
        state_of=lambda environment: environment_state(environment, today),
        state_text=lambda environment: state_text(environment, today),
        last_verified_on=last_verified_on,
        attestation_days=attestation_days(),
    )


def _form_page(form, environment=None, status: int = 200):
    form.fill_releases()
    return render_template(
        "certification/environments/form.html", form=form, environment=environment
    ), status


@bp.route("/environments/new", methods=["GET", "POST"])
@roles_required(PARTNER_ADMIN)
def environment_new():
    principal = current_principal()
    partner = db.session.get(Partner, principal.partner_id)
    form = EnvironmentForm()
    if request.method == "GET":
        return _form_page(form)
    if form.validate_on_submit():
        try:
            environment = register_environment(partner, form.to_input(), actor=principal)
        except DomainError as exc:
            db.session.rollback()
            show_domain_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{environment.name} is registered and counts as current.", "success")
            return redirect(url_for(".environments"))
    return _form_page(form, status=400)


@bp.route("/environments/<int:environment_id>/edit", methods=["GET", "POST"])
@roles_required(PARTNER_ADMIN)
def environment_edit(environment_id):
    environment = get_visible_or_404(ReproductionEnvironment, environment_id)
    if environment.retired_at is not None:
        flash(f"{environment.name} is retired: register a new environment instead.", "error")
        return redirect(url_for(".environments"))
    if request.method == "GET":
        form = EnvironmentForm(obj=environment, attested=False)
        if not environment.release.supported:
            form.release_id.data = None
        return _form_page(form, environment)
    form = EnvironmentForm()
    if form.validate_on_submit():
        try:
            update_environment(environment, form.to_input(), actor=current_principal())
        except DomainError as exc:
            db.session.rollback()
            if exc.status == 409:
                flash(exc.message, "error")
                return redirect(url_for(".environments"))
            show_domain_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{environment.name} is saved and attested.", "success")
            return redirect(url_for(".environments"))
    return _form_page(form, environment, status=400)


def _act(environment_id: int, name: str, service, success: str):
    """A one-button action, confirmed first; a refusal is a message on the list."""
    environment = get_visible_or_404(ReproductionEnvironment, environment_id)
    if not is_confirmed():
        return ask_to_confirm(
            confirmation(name, environment=environment),
            cancel_url=_back(),
            values={"next_url": _back()},
        )
    try:
        service(environment, actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(success.format(name=environment.name), "success")
    return redirect(_back())


@bp.post("/environments/<int:environment_id>/reattest")
@roles_required(PARTNER_ADMIN)
def environment_reattest(environment_id):
    return _act(
        environment_id,
        "environment.reattest",
        reattest_environment,
        "{name} is attested again and counts as current.",
    )


@bp.post("/environments/<int:environment_id>/retire")
@roles_required(PARTNER_ADMIN)
def environment_retire(environment_id):
    return _act(environment_id, "environment.retire", retire_environment, "{name} is retired.")


@bp.post("/environments/<int:environment_id>/verify")
@roles_required(*VENDOR_ROLES)
def environment_verify(environment_id):
    return _act(
        environment_id, "environment.verify", verify_environment, "{name} is marked verified."
    )

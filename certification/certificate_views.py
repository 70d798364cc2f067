"""certificate_views: routes on certification.blueprint.bp."""

import click
from flask import jsonify, make_response, redirect, render_template, request, url_for

from certification import verification
from certification.blueprint import bp
from certification.certificate_pdf import certificate_filename, certificate_pdf
from certification.codes import normalise_code
from certification.lookup_limits import limit_lookups
from certification.signing_keys import new_private_jwk, published_keys, write_private_jwk
from portal.access import public, signed_in

# --- Certificates anyone can check -------------------------------------------------------
# The holder's certificate page and PDF, public verification by code, the JWKS that
# verifies the Open Badges credentials, and the command that makes the signing key.


def _not_indexed(response):
    """Verification pages name people: search engines must not list them."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/certifications/<code>")
@signed_in
def certificate(code: str):
    """One certificate for its holder, their partner's admin or vendor staff."""
    certification = verification.holder_certification_or_404(code)
    record = verification.public_record(certification, verification.today())
    return render_template(
        "certification/certificates/detail.html",
        record=record,
        partner_id=certification.partner_id,
        verify_url=verification.verify_url(certification.code),
    )


@bp.get("/certifications/<code>/certificate.pdf")
@signed_in
def certificate_pdf_download(code: str):
    certification = verification.holder_certification_or_404(code)
    response = make_response(certificate_pdf(certification, verification.today()))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate_filename(certification)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/verify")
@public
def verify_form():
    """Type a code to check it (a GET form: nothing changes, so no CSRF token is needed)."""
    typed = request.args.get("code")
    error = None
    if typed is not None:
        normalised = normalise_code(typed)
        if normalised is not None:
            return redirect(url_for("certification.verify", code=normalised))
        error = "A verification code has 24 letters and digits, like ABCD-EFGH-JKLM-NPQR-STUV-WXYZ."
    return render_template(
        "certification/certificates/verify_form.html", typed=typed or "", error=error
    )


@bp.get("/verify/<code>")
@public
@limit_lookups
def verify(code: str):
    """The public verification page: who holds the certification, for what, and its status."""
    certification = verification.certification_by_code(code)
    if certification is None:
        page = render_template("certification/certificates/unknown.html", code=code[:64])
        return _not_indexed(make_response(page, 404))
    record = verification.public_record(certification, verification.today())
    page = render_template("certification/certificates/verify.html", record=record)
    return _not_indexed(make_response(page))


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    """The public keys that verify the portal's Open Badges credentials."""
    response = jsonify({"keys": published_keys()})
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.cli.command("make-signing-key")
@click.option(
    "--out",
    "path",
    default="signing-key.jwk",
    show_default=True,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write the private key to (never over an existing file).",
)
def make_signing_key_command(path):
    """Write a new Ed25519 private key (JWK, mode 0600) that signs the credentials.

    Point CREDENTIAL_SIGNING_KEY_FILE at it (or put its contents in CREDENTIAL_SIGNING_KEY).
    Keep it out of version control.
    """
    jwk = new_private_jwk()
    try:
        write_private_jwk(path, jwk)
    except FileExistsError:
        raise click.ClickException(f"{path} exists: not overwritten.") from None
    click.echo(f"Wrote a new signing key to {path} (mode 0600).")
    click.echo(f"kid: {jwk['kid']}")


# --- Certification lifecycle: a technician's certifications, a partner's matrix, one
# --- certification's history and its revocation (lifecycle helper; keep this block together).

from flask import flash  # noqa: E402

from certification.advice import advise, open_quizzes, unbroken_dates  # noqa: E402
from certification.holdings import (  # noqa: E402
    audit_entries_about,
    holder_certifications,
    renewal_chain,
)
from certification.matrix import TECHNICIAN_SORT, active_technicians, matrix_for  # noqa: E402
from certification.revocation import revoke_certification  # noqa: E402
from certification.revocation_form import RevokeForm  # noqa: E402
from portal.access import (  # noqa: E402
    current_principal,
    get_visible_or_404,
    roles_required,
)
from portal.audit_presentation import action_label  # noqa: E402
from portal.confirm import ask_to_confirm, confirmation, is_confirmed  # noqa: E402
from portal.errors import DomainError  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Partner  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.pagination import paginate_rows  # noqa: E402
from portal.partners.forms import show_domain_errors  # noqa: E402
from portal.roles import (  # noqa: E402
    PARTNER_ADMIN,
    SUPPORT_MANAGER,
    TECHNICIAN,
    VENDOR_ADMIN,
    VENDOR_ENGINEER,
)

MATRIX_ROLES = (VENDOR_ADMIN, SUPPORT_MANAGER, VENDOR_ENGINEER, PARTNER_ADMIN)

bp.add_app_template_filter(unbroken_dates, "unbroken_dates")


@bp.get("/certifications")
@roles_required(TECHNICIAN)
def my_certifications():
    """The technician's certifications, and what to do to keep each."""
    principal = current_principal()
    now = utcnow()
    page = paginate_rows(holder_certifications(principal))
    releases = {r.id for c in page.items for r in c.product.releases}
    quizzes = open_quizzes(releases, now)
    advice = [advise(c, now.date(), c.product.releases, quizzes) for c in page.items]
    return render_template(
        "certification/lifecycle/my_certifications.html", page=page, advice=advice
    )


def _matrix_page(partner: Partner):
    sorting = TECHNICIAN_SORT.from_request()
    page = paginate_rows(sorting.apply(active_technicians(partner)))
    return render_template(
        "certification/lifecycle/partner_matrix.html",
        partner=partner,
        page=page,
        sorting=sorting,
        matrix=matrix_for(partner, list(page.items), utcnow().date()),
        list_endpoint=request.endpoint,
    )


@bp.get("/partners/mine/certifications")
@roles_required(PARTNER_ADMIN)
def my_partner_certifications():
    """The partner admin's own matrix (the navigation's entry)."""
    return _matrix_page(get_visible_or_404(Partner, current_principal().partner_id))


@bp.get("/partners/<int:partner_id>/certifications")
@roles_required(*MATRIX_ROLES)
def partner_certifications(partner_id: int):
    """Technicians x products: who is certified on what, until when."""
    return _matrix_page(get_visible_or_404(Partner, partner_id))


def _history_page(certification, form: RevokeForm, status: int = 200):
    chain = renewal_chain(certification)
    return render_template(
        "certification/lifecycle/history.html",
        certification=certification,
        record=verification.public_record(certification, verification.today()),
        chain=chain,
        entries=audit_entries_about([c.id for c in chain]),
        action_label=action_label,
        form=form,
    ), status


@bp.get("/certifications/<code>/history")
@roles_required(*MATRIX_ROLES)
def certification_history(code: str):
    """One certification's story: issued, renewed, revoked, with the audit entries."""
    certification = verification.holder_certification_or_404(code)
    return _history_page(certification, RevokeForm(formdata=None))


@bp.post("/certifications/<code>/revoke")
@roles_required(VENDOR_ADMIN)
def revoke(code: str):
    """A vendor admin revokes a certification, saying why (confirmed first)."""
    certification = verification.holder_certification_or_404(code)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _history_page(certification, form, 400)
    history_url = url_for("certification.certification_history", code=certification.code)
    try:
        if not is_confirmed():
            if certification.revoked_at is not None:
                raise DomainError(
                    "already_revoked", "This certification is already revoked.", status=409
                )
            return ask_to_confirm(
                confirmation("certification.revoke", certification=certification),
                cancel_url=history_url,
                values={"reason": form.reason.data},
            )
        revoke_certification(
            certification, form.reason.data, actor=current_principal(), today=verification.today()
        )
    except DomainError as error:
        db.session.rollback()
        if error.status == 409:
            flash(error.message, "error")
            return redirect(history_url)
        show_domain_errors(form, error)
        return _history_page(certification, form, 400)
    db.session.commit()
    flash(f"{certification.user.name}'s certification is revoked.", "success")
    return redirect(history_url)

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

"""The certificate as a one-page PDF: who, for what, when, its status, and how to verify it.

The QR code (segno, inline SVG) holds the public address of the verification page, so a
reader checks the certificate's current status rather than trusting the paper.
"""

from datetime import date

import segno
from flask import current_app, render_template
from markupsafe import Markup

from certification.models import Certification
from certification.verification import public_record, verify_url
from portal.pdf import render_pdf, static_asset


def qr_code_svg(payload: str, title: str) -> Markup:
    """`payload` as a QR code in an inline SVG that scales to its box."""
    code = segno.make(payload, error="m")
    return Markup(code.svg_inline(scale=1, omitsize=True, title=title, border=2))


def certificate_html(certification: Certification, day: date) -> str:
    record = public_record(certification, day)
    url = verify_url(record.code)
    return render_template(
        "certification/certificates/certificate_pdf.html",
        record=record,
        verify_url=url,
        qr_svg=qr_code_svg(url, f"Verify certificate {record.code}"),
        vendor_name=current_app.config["VENDOR_NAME"],
        stylesheet=static_asset("certificate.css"),
        mark=static_asset("favicon.svg"),
    )


def certificate_pdf(certification: Certification, day: date) -> bytes:
    """The certificate as it stands on `day` (a revoked or ended one says so)."""
    return render_pdf(certificate_html(certification, day))


def certificate_filename(certification: Certification) -> str:
    return f"certificate-{certification.code}.pdf"

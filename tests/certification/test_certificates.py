"""The certificate: its page and PDF for those who may hold it, the PDF's content and QR code,
and the PDF renderer that reads nothing but the app's static files."""

import io
import socket
from datetime import timedelta

import pytest
from pypdf import PdfReader

from certification.certificate_pdf import certificate_html
from certification.revocation import revoke_certification
from portal.extensions import db
from portal.pdf import ASSET_ORIGIN, ResourceRefused, StaticFilesOnly, render_pdf
from tests.certification.conftest import ISSUED_ON
from tests.certification.pdf_support import qr_payloads
from tests.factories import make_user, signed_in

# Who may open a certificate of acme's technician (page and PDF alike).
# acme_other_tech: another technician of the same partner, not the holder.
CERTIFICATE_ACCESS = {
    "anonymous": "login",
    "vendor_admin": 200,
    "support_manager": 200,
    "vendor_engineer": 200,
    "acme_admin": 200,
    "acme_tech": 200,
    "acme_other_tech": 404,
    "globex_admin": 404,
    "globex_tech": 404,
}


def _client_for(app, world, principal: str):
    if principal == "anonymous":
        return app.test_client()
    if principal == "acme_other_tech":
        other = make_user("technician", world.acme, name="Other Tech")
        db.session.commit()
        return signed_in(app, other)
    return signed_in(app, world.user(principal))


def _outcome(response):
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return "login"
    return response.status_code


@pytest.mark.parametrize(("principal", "expected"), CERTIFICATE_ACCESS.items())
@pytest.mark.parametrize("suffix", ["", "/certificate.pdf"])
def test_who_may_open_a_certificate(app, world, acme_certification, principal, expected, suffix):
    db.session.commit()
    client = _client_for(app, world, principal)
    response = client.get(f"/certifications/{acme_certification.code}{suffix}")
    assert _outcome(response) == expected
    if expected == 404:
        assert acme_certification.user.name not in response.get_data(as_text=True)


def test_the_holders_page_links_the_pdf_the_credential_and_the_public_page(
    app, world, acme_certification
):
    client = signed_in(app, world.user("acme_tech"))
    html = client.get(f"/certifications/{acme_certification.code.lower()}").text
    code = acme_certification.code
    assert f'href="/certifications/{code}/certificate.pdf"' in html
    assert f'href="/api/v1/certifications/{code}/credential"' in html
    assert f'href="http://127.0.0.1:5000/verify/{code}"' in html


def _pdf(client, code):
    response = client.get(f"/certifications/{code}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{code}.pdf"'
    )
    return response.data


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_the_pdf_holds_holder_partner_product_release_dates_and_code(
    app, world, acme_certification, freeze_today
):
    freeze_today(ISSUED_ON + timedelta(days=5))
    text = _text(_pdf(signed_in(app, world.user("acme_admin")), acme_certification.code))
    for expected in (
        acme_certification.user.name,
        "of Acme",
        "Orbit 4.1.0 Certified Technician",
        acme_certification.code,
        "Orbit Software",
    ):
        assert expected in text, expected
    # The labels are set in capitals by the stylesheet.
    assert f"verification code {acme_certification.code.lower()}" in text.lower()
    assert "issued on 2026-01-12" in text.lower()
    assert "expires on 2027-01-12" in text.lower()
    assert "revoked" not in text.lower() and "expired" not in text.lower()


def test_the_pdf_is_one_a4_landscape_page_styled_by_the_print_stylesheet(
    app, world, acme_certification
):
    reader = PdfReader(
        io.BytesIO(_pdf(signed_in(app, world.user("acme_tech")), acme_certification.code))
    )
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_the_qr_code_holds_the_public_verification_url(app, world, acme_certification, tmp_path):
    pdf = _pdf(signed_in(app, world.user("acme_tech")), acme_certification.code)
    assert qr_payloads(pdf, tmp_path) == [f"http://127.0.0.1:5000/verify/{acme_certification.code}"]


def test_the_qr_code_uses_the_configured_public_address(
    app, world, acme_certification, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://partners.example.com/")
    pdf = _pdf(signed_in(app, world.user("acme_tech")), acme_certification.code)
    assert qr_payloads(pdf, tmp_path) == [
        f"https://partners.example.com/verify/{acme_certification.code}"
    ]
    assert "https://partners.example.com/verify/" in _text(pdf)


def test_printed_links_never_take_the_address_a_request_came_in_on(app, acme_certification):
    with app.test_request_context("/", base_url="http://attacker.example/"):
        html = certificate_html(acme_certification, ISSUED_ON)
    assert "attacker.example" not in html
    assert f"http://127.0.0.1:5000/verify/{acme_certification.code}" in html


def test_a_revoked_certificate_says_so_on_the_pdf(app, world, acme_certification, freeze_today):
    revoke_certification(
        acme_certification, "internal reason", actor=world.user("vendor_admin"), today=ISSUED_ON
    )
    db.session.commit()
    freeze_today(ISSUED_ON + timedelta(days=1))
    text = _text(_pdf(signed_in(app, world.user("acme_tech")), acme_certification.code))
    revoked_on = acme_certification.revoked_at.date().isoformat()
    assert f"Revoked on {revoked_on}: withdrawn by the vendor." in text
    assert "internal reason" not in text


def test_an_expired_certificate_says_so_on_the_pdf(app, world, acme_certification, freeze_today):
    freeze_today(acme_certification.expires_on)
    text = _text(_pdf(signed_in(app, world.user("acme_tech")), acme_certification.code))
    assert "Expired on 2027-01-12" in text


# --- The PDF renderer fetches only the app's own static files ---------------------------


def test_the_fetcher_serves_the_apps_static_files_from_disk(app):
    fetcher = StaticFilesOnly(app)
    response = fetcher.fetch(f"{ASSET_ORIGIN}/static/certificate.css")
    assert b"A4 landscape" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:5000/static/certificate.css",  # the app, but over the network
        "file:///etc/passwd",
        "file:///work/portal/config.py",
        "data:text/css,body{color:red}",
        f"{ASSET_ORIGIN}/static/../config.py",
        f"{ASSET_ORIGIN}/static/%2e%2e/config.py",
        f"{ASSET_ORIGIN}/static/%2E%2E%2Fconfig.py",
        f"{ASSET_ORIGIN}/static//etc/passwd",
        f"{ASSET_ORIGIN}/static/no-such-file.css",
        f"{ASSET_ORIGIN}/config.py",
        f"{ASSET_ORIGIN}.evil.example/static/certificate.css",
        f"{ASSET_ORIGIN}@evil.example/static/certificate.css",
    ],
)
def test_the_fetcher_refuses_everything_else(app, url):
    fetcher = StaticFilesOnly(app)
    assert fetcher.local_path(url) is None
    with pytest.raises(ValueError, match="only the portal's static files"):
        fetcher.fetch(url)


def test_the_fetcher_refuses_a_file_url_to_a_static_file_too(app):
    url = f"file://{app.static_folder}/certificate.css"
    with pytest.raises(ValueError):
        StaticFilesOnly(app).fetch(url)


def test_rendering_never_opens_a_connection_for_a_foreign_resource(app, monkeypatch):
    connections, asked = [], []

    def refuse(self, address):
        connections.append(address)
        raise OSError("no network in this test")

    real_fetch = StaticFilesOnly.fetch

    def spied_fetch(self, url, headers=None):
        try:
            response = real_fetch(self, url, headers)
        except ResourceRefused:
            asked.append((url, "refused"))
            raise
        asked.append((url, "served"))
        return response

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(StaticFilesOnly, "fetch", spied_fetch)
    html = (
        '<link rel="stylesheet" href="https://example.com/evil.css">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/tracker.png" alt="">'
        '<img src="/static/favicon.svg" alt="">'
        "<p>Hello</p>"
    )
    assert render_pdf(html, app).startswith(b"%PDF")
    assert connections == []
    assert sorted(asked) == sorted(
        [
            ("https://example.com/evil.css", "refused"),
            ("file:///etc/passwd", "refused"),
            ("http://127.0.0.1:9/tracker.png", "refused"),
            (f"{ASSET_ORIGIN}/static/favicon.svg", "served"),
        ]
    )


@pytest.mark.parametrize(
    ("principal", "history_link"),
    [
        ("acme_tech", None),
        ("acme_admin", "History"),
        ("support_manager", "History"),
        ("vendor_admin", "History and revocation"),
    ],
)
def test_the_page_links_the_history_for_those_who_may_read_it(
    app, world, acme_certification, principal, history_link
):
    html = (
        signed_in(app, world.user(principal)).get(f"/certifications/{acme_certification.code}").text
    )
    link = f'href="/certifications/{acme_certification.code}/history">'
    if history_link is None:
        assert link not in html
    else:
        assert f"{link}{history_link}</a>" in html

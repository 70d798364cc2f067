"""The demo's uncertified technician earns a certificate anyone can check, in Chromium.

newbie@acme.example opens the quiz the home page offers, answers, reloads mid-attempt
and finds the answers saved, fails, sees the cooldown (shortened by configuration:
QUIZ_COOLDOWN_OVERRIDE_S), waits it out, passes, downloads the certificate PDF (its text
holds the verification code; its QR code, rendered by pdftoppm and read by zxing-cpp,
holds the verify URL) and opens that URL: the public page says the certification is
valid. The page never shows which answers are right: the test reads them from the
database, as the grader does.
"""

import io
import re
import time
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from certification.models import Attempt, Certification, Choice
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models.base import utcnow
from tests.browser.conftest import sign_in
from tests.certification.pdf_support import qr_payloads

pytestmark = pytest.mark.browser

COOLDOWN_S = 2
NEWBIE = "newbie@acme.example"


@pytest.fixture
def demo(app, live_server, monkeypatch):
    """The demo world, with a short cooldown and public URLs on the live server."""
    monkeypatch.setitem(app.config, "QUIZ_COOLDOWN_OVERRIDE_S", COOLDOWN_S)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    return seed_demo()


def _right_choices(question_ids: list[int]) -> dict[int, set[str]]:
    rows = db.session.execute(
        select(Choice.question_id, Choice.id).where(
            Choice.question_id.in_(question_ids), Choice.correct.is_(True)
        )
    ).all()
    right: dict[int, set[str]] = {}
    for question_id, choice_id in rows:
        right.setdefault(question_id, set()).add(str(choice_id))
    return right


def _questions(page) -> dict[int, object]:
    fieldsets = page.locator("fieldset[data-question]")
    return {int(fieldset.get_attribute("data-question")): fieldset for fieldset in fieldsets.all()}


def _choose(fieldset, values: set[str]) -> None:
    """Tick `values` in one question and wait until quiz.js says the answer is saved."""
    for value in sorted(values):
        fieldset.locator(f"input[value='{value}']").check()
        fieldset.locator("[data-save-state]", has_text="Saved").wait_for()


def _start(page) -> int:
    page.get_by_role("button", name="Start the quiz").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="Start the quiz").click()
    match = re.search(r"/attempts/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_the_uncertified_technician_fails_waits_passes_and_gets_a_verifiable_certificate(
    demo, live_server, page, tmp_path
):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    newbie = demo["users"][NEWBIE]
    quiz = demo["quizzes"]["orbit-server 4.0.0"]
    sign_in(page, live_server, newbie, DEMO_PASSWORD)

    # The home page offers the quiz of a product acme must support.
    offered = page.locator("[data-step=quiz_to_take] li", has_text="Orbit Server 4.0.0")
    offered.get_by_role("link", name=re.compile(r"^Open the quiz")).click()
    page.wait_for_url(f"{live_server}/quizzes/{quiz.id}")

    # First attempt: three answers, each wrong, saved as chosen and still there after a reload.
    first_id = _start(page)
    questions = _questions(page)
    right = _right_choices(list(questions))
    chosen: dict[int, str] = {}
    for question_id, fieldset in list(questions.items())[:3]:
        wrong = next(
            value
            for value in fieldset.locator("input").evaluate_all("els => els.map(e => e.value)")
            if value not in right[question_id]
        )
        _choose(fieldset, {wrong})
        chosen[question_id] = wrong
    assert "3 of 10 answered so far" in page.locator("[data-testid=save-note]").inner_text()
    page.reload()
    assert "3 of 10 answered so far" in page.locator("[data-testid=save-note]").inner_text()
    for question_id, fieldset in _questions(page).items():
        checked = set(
            fieldset.locator("input:checked").evaluate_all("els => els.map(e => e.value)")
        )
        assert checked == ({chosen[question_id]} if question_id in chosen else set())

    # Submitted: not passed, and the cooldown says when the next attempt may start.
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(f"**/attempts/{first_id}/result")
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "failed"
    assert page.get_by_test_id("score").inner_text() == "0%"
    cooldown = f"After an attempt, wait {COOLDOWN_S} seconds before the next"
    assert cooldown in page.get_by_test_id("next-attempt").inner_text()
    page.get_by_role("link", name="Back to the quiz").first.click()
    page.wait_for_url(f"**/quizzes/{quiz.id}")
    assert cooldown in page.get_by_test_id("next-attempt").inner_text()
    assert page.get_by_role("button", name="Start the quiz").count() == 0

    # Waited out: the quiz may start again.
    db.session.expire_all()
    ended = db.session.get(Attempt, first_id).graded_at
    time.sleep(max(0.0, (ended + timedelta(seconds=COOLDOWN_S) - utcnow()).total_seconds()))
    page.reload()
    assert page.get_by_test_id("next-attempt").count() == 0

    # Second attempt: every answer right (the choices marked correct in the bank).
    second_id = _start(page)
    assert second_id != first_id
    questions = _questions(page)
    right = _right_choices(list(questions))
    for question_id, fieldset in questions.items():
        _choose(fieldset, right[question_id])
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(f"**/attempts/{second_id}/result")
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "passed"
    assert page.get_by_test_id("score").inner_text() == "100%"

    db.session.expire_all()
    code = db.session.scalar(
        select(Certification.code).where(Certification.attempt_id == second_id)
    )
    assert code
    page.get_by_role("link", name="View the certificate").click()
    page.wait_for_url(f"{live_server}/certifications/{code}")

    # The PDF: its text holds the code, its QR code the verify URL.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{code}.pdf"
    pdf = download.path().read_bytes()
    text = _pdf_text(pdf)
    assert re.search(rf"verification code {re.escape(code)} ", text, re.IGNORECASE), text
    assert f"This certifies that {newbie.name} of Acme Integrations" in text
    verify_url = f"{live_server}/verify/{code}"
    assert qr_payloads(pdf, tmp_path) == [verify_url]

    # Whoever scans it, signed in or not (here not), reads that the certification is valid.
    page.context.clear_cookies()
    page.goto(verify_url)
    status = page.locator("main [role=status][data-status]")
    assert status.get_attribute("data-status") == "valid"
    assert status.locator("p").first.inner_text() == "Valid"
    public = page.locator("main").inner_text()
    for fact in (newbie.name, "Acme Integrations", "Orbit Server 4.0.0 Certified Technician", code):
        assert fact in public
    assert errors == []

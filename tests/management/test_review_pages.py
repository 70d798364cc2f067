"""The partner review as a page, a PDF and CSV: who reads which partner's, what each
reader sees, the drill-down links from a reason to its escalations, the window's
refusals, and the partner admin's way in ("Our figures")."""

import csv
import io
import re
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from portal.extensions import db
from portal.management import review_views
from portal.management.charts import PALETTE
from portal.management.metrics import next_month
from portal.management.tally import month_of
from portal.models.base import utcnow
from portal.models.checkins import CheckIn
from portal.pdf import ASSET_ORIGIN, StaticFilesOnly
from tests.factories import PRINCIPALS, signed_in
from tests.management.review_support import complete_onboarding, rated
from tests.management.rollup_support import placed
from tests.support import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY

#: A title only acme's escalations carry: it must never reach globex's admin.
CANARY = "Canary-acme-7731"

# Who gets what from acme's review (page, CSV): vendor staff and acme's admin read it;
# technicians have no review; globex's admin is told it does not exist.
ACME_REVIEW = {
    "anonymous": "login",
    "vendor_admin": 200,
    "support_manager": 200,
    "vendor_engineer": 200,
    "acme_admin": 200,
    "acme_tech": 403,
    "globex_admin": 404,
    "globex_tech": 403,
}


def this_month_at(day: int, hour: int = 10) -> datetime:
    today = utcnow()
    return datetime(today.year, today.month, min(day, today.day), hour, tzinfo=UTC)


@pytest.fixture
def acme_history(esc):
    """acme this month: two customisation rejections, one duplicate, one open with the
    canary title; globex: one accepted."""
    for _ in range(2):
        placed(esc, this_month_at(1), "rejected", reason="customization", triage_hours=2)
    placed(esc, this_month_at(1, 11), "rejected", reason="duplicate", triage_hours=5)
    placed(esc, this_month_at(1, 12), "submitted").title = CANARY
    placed(esc, this_month_at(1), "accepted", "globex", triage_hours=1)
    db.session.commit()
    return esc


def client_for(app, esc, who: str):
    return app.test_client() if who == "anonymous" else signed_in(app, esc.user(who))


def outcome(response):
    response.get_data()  # a streamed CSV runs to its end
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return "login"
    return response.status_code


@pytest.mark.parametrize("who", PRINCIPALS)
def test_who_reads_acmes_review_page_and_csv(app, acme_history, who):
    client = client_for(app, acme_history, who)
    assert outcome(client.get("/management/partners/acme")) == ACME_REVIEW[who]
    for table in ("reasons", "months", "technicians"):
        assert outcome(client.get(f"/management/partners/acme/{table}.csv")) == ACME_REVIEW[who]


@pytest.mark.parametrize("who", ["support_manager", "acme_admin", "globex_admin", "acme_tech"])
def test_who_gets_acmes_review_pdf(app, acme_history, who):
    response = client_for(app, acme_history, who).get("/management/partners/acme/review.pdf")
    assert outcome(response) == ACME_REVIEW[who]


def test_an_unknown_partner_or_table_is_not_found(app, acme_history):
    client = signed_in(app, acme_history.user("support_manager"))
    assert client.get("/management/partners/nobody").status_code == 404
    assert client.get("/management/partners/acme/secrets.csv").status_code == 404


def test_globex_admin_sees_its_own_figures_and_none_of_acmes(app, acme_history):
    client = signed_in(app, acme_history.user("globex_admin"))
    page = client.get("/management/partners/globex")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    pdf = client.get("/management/partners/globex/review.pdf")
    assert pdf.status_code == 200
    pdf_text = _pdf_text(pdf.data)
    csvs = "".join(
        client.get(f"/management/partners/globex/{table}.csv").get_data(as_text=True)
        for table in ("reasons", "months", "technicians")
    )
    for text in (html, pdf_text, csvs):
        assert CANARY not in text
        assert "tech@acme.example" not in text and "Acme" not in text
        assert "Vendor median" not in text and "vendor median" not in text.lower()
    assert 'data-figure="escalations">1<' in html
    assert 'data-figure="vendor-median"' not in html


def test_vendor_staff_see_the_rate_beside_the_vendor_median(app, acme_history):
    html = (
        signed_in(app, acme_history.user("support_manager"))
        .get("/management/partners/acme")
        .get_data(as_text=True)
    )
    # acme: 3 of 4 unwarranted (75.0 %); globex 0 of 1. Neither has the 5 escalations
    # the median needs by default: it is unknown.
    assert re.search(r'data-figure="unwarranted">3 <span[^>]*>\(75\.0 %\)', html)
    assert 'data-figure="vendor-median">—<' in html
    assert "Unwarranted rate above threshold" not in html  # fewer than 5 escalations
    assert CANARY in html  # acme's open escalations, listed


def test_each_reason_count_links_to_its_escalations_in_the_queue(app, acme_history):
    acme = acme_history.world.acme
    client = signed_in(app, acme_history.user("support_manager"))
    html = client.get("/management/partners/acme?window=30").get_data(as_text=True)
    month = month_of(utcnow())
    last = next_month(month) - timedelta(days=1)
    link = re.search(
        r'<td[^>]*data-reason="customization"[^>]*><a href="([^"]+)"[^>]*>2</a>',
        html.split(f'data-month="{month:%Y-%m}"')[1],
    )
    assert link, "the customisation count of this month links to the queue"
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith("/escalations?")
    for part in (
        f"partner={acme.id}",
        "status=rejected",
        "reason=customization",
        f"submitted_from={month.isoformat()}",
        f"submitted_to={last.isoformat()}",
    ):
        assert part in url
    queue = client.get(url).get_data(as_text=True)
    assert len(re.findall(r'data-escalation="\d+"', queue)) == 2


def test_the_charts_are_inline_svg_with_a_title_and_their_numbers(app, acme_history):
    html = (
        signed_in(app, acme_history.user("acme_admin"))
        .get("/management/partners/acme")
        .get_data(as_text=True)
    )
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert re.search(r'role="img" aria-labelledby="(chart-\w+-title)"', svg)
        assert '<title id="chart-' in svg
        assert "<script" not in svg and "<style" not in svg and "style=" not in svg
        assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) == {"http://www.w3.org/2000/svg"}
    for key in ("reasons", "volume", "rate", "triage"):
        assert f'data-testid="chart-numbers-{key}"' in html


def test_a_month_range_that_is_not_valid_is_explained(app, acme_history):
    client = signed_in(app, acme_history.user("support_manager"))
    html = client.get("/management/partners/acme?from=2026-13&to=2026-01").get_data(as_text=True)
    assert 'data-testid="window-error"' in html
    assert "A month written YYYY-MM" in html
    response = client.get("/management/partners/acme/months.csv?from=2026-05&to=2026-01")
    assert response.status_code == 400
    assert "The range ends on or after the month it starts." in response.get_data(as_text=True)
    assert client.get("/management/partners/acme/review.pdf?from=x").status_code == 400


def test_the_csv_tables(app, acme_history):
    client = signed_in(app, acme_history.user("acme_admin"))
    month = f"{month_of(utcnow()):%Y-%m}"
    response = client.get("/management/partners/acme/reasons.csv?window=30")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    current = next(row for row in rows if row["month"] == month)
    assert (current["customization"], current["duplicate"], current["unwarranted"]) == (
        "2",
        "1",
        "3",
    )
    assert current["out_of_scope"] == "0"  # every reason has its column
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/management/partners/acme/months.csv").get_data(as_text=True))
        )
    )
    current = next(row for row in rows if row["month"] == month)
    assert (current["escalations"], current["unwarranted"], current["per_100_seats"]) == (
        "4",
        "3",
        "4.00",
    )
    text = client.get("/management/partners/acme/technicians.csv").get_data(as_text=True)
    assert "tech@acme.example" in text and "orbit" in text


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_holds_the_review_with_its_charts(app, acme_history, tmp_path):
    response = signed_in(app, acme_history.user("support_manager")).get(
        "/management/partners/acme/review.pdf?window=30"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    for expected in (
        "Acme",
        "Why escalations were unwarranted",
        "Customisation",
        "Unwarranted escalations by reason and month",  # a chart's title, drawn
        "Median time to triage per month",
        "Technicians and certifications",
        "Agreement in force",
        "Latest check-ins",
        CANARY,
        "Vendor median",
    ):
        assert expected in text, expected
    # Drawn in colour: the first reason's bars (customisation) in the palette's first.
    (tmp_path / "review.pdf").write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", "review.pdf", "p1"],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / "p1.png") as page:
        colours = Counter(page.convert("RGB").get_flattened_data())
    assert sum(n for rgb, n in colours.items() if _near(rgb, PALETTE[0])) > 50


def _near(rgb: tuple, colour: str) -> bool:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= 12 for a, b in zip(rgb, target, strict=True))


def test_a_partner_admin_finds_its_figures_in_its_navigation(app, acme_history):
    client = signed_in(app, acme_history.user("acme_admin"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/management/our-figures"' in home
    response = client.get("/management/our-figures?window=365")
    assert response.status_code == 302
    assert response.headers["Location"] == "/management/partners/acme?window=365"
    html = client.get("/management/partners/acme").get_data(as_text=True)
    assert "Acme: our figures" in html
    for who in ("acme_tech", "support_manager"):
        assert (
            signed_in(app, acme_history.user(who)).get("/management/our-figures").status_code == 403
        )


def test_the_ratings_block_is_the_partners_own_on_page_and_pdf(app, acme_history):
    rated(acme_history, "acme", 4, "Acme-rating-canary", utcnow())
    rated(acme_history, "globex", 2, "Globex-rating-canary", utcnow())
    client = signed_in(app, acme_history.user("acme_admin"))
    html = client.get("/management/partners/acme").get_data(as_text=True)
    assert 'data-testid="ratings-summary"' in html
    assert 'data-testid="ratings-mean">4.0<' in html
    assert "Acme-rating-canary" in html and "Globex-rating-canary" not in html
    text = _pdf_text(client.get("/management/partners/acme/review.pdf").data)
    assert "Customer ratings" in text and "4.0 out of 5, from 1 rating" in text
    assert "Acme-rating-canary" in text and "Globex-rating-canary" not in text


def test_the_onboarding_checklist_shows_on_page_and_pdf_until_complete(app, acme_history):
    client = signed_in(app, acme_history.user("support_manager"))
    html = client.get("/management/partners/acme").get_data(as_text=True)
    assert 'data-testid="onboarding"' in html
    assert 'data-item="check_in" data-done="no"' in html
    assert "Onboarding not complete" in _pdf_text(
        client.get("/management/partners/acme/review.pdf").data
    )
    complete_onboarding(acme_history, acme_history.world.acme)
    html = client.get("/management/partners/acme").get_data(as_text=True)
    assert 'data-testid="onboarding"' not in html
    assert "Onboarding not complete" not in _pdf_text(
        client.get("/management/partners/acme/review.pdf").data
    )


def test_the_pdf_asks_for_its_stylesheet_only_whatever_the_partner_wrote(
    app, acme_history, monkeypatch
):
    """Titles, notes and comments are the partner's text: printed, never fetched."""
    hostile = (
        '<img src="http://127.0.0.1:9/t.png"><link rel="stylesheet" href="file:///etc/passwd">'
    )
    acme = acme_history.world.acme
    placed(acme_history, this_month_at(1, 13), "submitted").title = f"Escalation {hostile}"
    today = utcnow().date()
    db.session.add(
        CheckIn(
            partner_id=acme.id,
            held_on=today,
            channel="video",
            notes=f"Notes {hostile}",
            next_due_on=today + timedelta(days=90),
        )
    )
    db.session.commit()
    rated(acme_history, "acme", 3, f"Comment {hostile}", utcnow())
    asked = []
    real_fetch = StaticFilesOnly.fetch

    def spied_fetch(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(StaticFilesOnly, "fetch", spied_fetch)
    client = signed_in(app, acme_history.user("support_manager"))
    response = client.get("/management/partners/acme/review.pdf")
    assert response.status_code == 200
    assert asked == [f"{ASSET_ORIGIN}/static/review-print.css"]
    text = _pdf_text(response.data)
    for where in ("Escalation", "Notes", "Comment"):
        assert f'{where} <img src="http://127.0.0.1:9/t.png">' in text


def test_the_pdf_draws_the_very_svg_of_the_page(app, acme_history, monkeypatch):
    printed = []
    real_render = review_views.render_pdf

    def keep_html(html, *args, **kwargs):
        printed.append(html)
        return real_render(html, *args, **kwargs)

    monkeypatch.setattr(review_views, "render_pdf", keep_html)
    client = signed_in(app, acme_history.user("support_manager"))
    page = client.get("/management/partners/acme?window=90").get_data(as_text=True)
    assert client.get("/management/partners/acme/review.pdf?window=90").status_code == 200
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 4
    assert re.findall(r"<svg\b.*?</svg>", printed[0], re.S) == svgs


def test_an_open_check_in_action_past_its_due_day_is_marked_overdue(app, acme_history):
    from portal.management.checkins import ActionInput, CheckInInput, record_check_in

    today = utcnow().date()
    actions = [
        ActionInput("Retrain the new hires", "partner", "Acme Admin", today - timedelta(days=2)),
        ActionInput("Send the release notes", "vendor", "Max Manager", today + timedelta(days=5)),
    ]
    data = CheckInInput(
        today - timedelta(days=20), "video", "Manager", "Acme Admin", actions=actions
    )
    record_check_in(acme_history.world.acme, data, actor=acme_history.user("support_manager"))
    db.session.commit()
    client = signed_in(app, acme_history.user("support_manager"))
    html = client.get("/management/partners/acme").get_data(as_text=True)
    items = re.findall(r"<li>([^<]*)<span[^>]*>\([^)]*\)</span>(.*?)</li>", html, re.S)
    marked = {text.strip(): "action-overdue" in rest for text, rest in items}
    assert marked == {"Retrain the new hires": True, "Send the release notes": False}

"""The review's charts: pygal's SVG made safe for the page's Content-Security-Policy and
for a PDF (no script, no stylesheet, no comment, nothing to fetch), styled through
presentation attributes, titled, with the numbers they draw."""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date

import pygal

from portal.management.charts import (
    PALETTE,
    SVG_NS,
    _count_axis,
    clean_svg,
    reasons_chart,
    review_charts,
    triage_chart,
)
from portal.management.review import MonthFigures, PartnerReview
from portal.management.tally import Tally


def _review(months: list[MonthFigures]) -> PartnerReview:
    """A review holding only what the charts read."""
    reasons = sorted({reason for row in months for reason in row.tally.reasons})
    return PartnerReview(
        partner=None,
        choice=None,
        total=Tally(),
        seats=200,
        months=months,
        reasons=reasons,
        compliance=[],
        actions=[],
        technicians=[],
        certifications={},
        agreement=None,
        checkins=[],
        open_escalations=[],
        open_count=0,
    )


def _month(month: int, **reasons) -> MonthFigures:
    tally = Tally(submitted=sum(reasons.values()) + 1, rejected=sum(reasons.values()))
    tally.reasons = Counter(reasons)
    tally.triage = Counter({"2h": 1})  # one triaged in [1h, 2h): a median of 1.5 h
    return MonthFigures(date(2026, month, 1), tally, 200)


def test_pygals_style_script_and_comments_are_gone_and_nothing_is_fetched():
    graph = pygal.Bar(title="Raw")  # pygal's defaults: a script from a CDN, a stylesheet
    graph.add("a", [1, 2])
    raw = graph.render(is_unicode=True)
    assert "<script" in raw and "<style" in raw and "<!--" in raw
    svg = str(clean_svg(raw, "raw", "Raw"))
    assert "<script" not in svg and "<style" not in svg and "<!--" not in svg
    assert "style=" not in svg  # no inline style attribute either (the CSP refuses them)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) == {SVG_NS}
    assert svg.startswith(f'<svg xmlns="{SVG_NS}" ')


def test_the_svg_is_titled_for_assistive_technologies():
    graph = pygal.Bar(js=[], title="Shown title")
    graph.add("a", [1])
    root = ET.fromstring(str(clean_svg(graph.render(is_unicode=True), "k", "Spoken title")))
    first = root[0]
    assert first.tag == f"{{{SVG_NS}}}title" and first.text == "Spoken title"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == first.get("id") == "chart-k-title"
    assert [t.text for t in root.findall(f"{{{SVG_NS}}}title")] == ["Spoken title"]


def test_the_stylesheet_becomes_presentation_attributes():
    review = _review([_month(9, customization=2), _month(10, duplicate=1)])
    root = ET.fromstring(str(reasons_chart(review).svg))
    # Each series' bars take its colour from the palette, in the order of the reasons.
    for index, colour in enumerate(PALETTE[:2]):
        series = root.find(f".//*[@class='series serie-{index} color-{index}']")
        assert series is not None
        assert series.get("fill").lower() == colour.lower()
    texts = root.findall(f".//{{{SVG_NS}}}text")
    assert texts and all(t.get("font-family") for t in texts)


def test_each_chart_carries_the_numbers_it_draws():
    review = _review([_month(9, customization=2, duplicate=1), _month(10)])
    reasons = reasons_chart(review)
    assert reasons.headers == ("Month", "Customisation", "Duplicate")
    assert reasons.rows == (("Sep 2026", "2", "1"), ("Oct 2026", "0", "0"))
    triage = triage_chart(review)
    assert triage.rows == (("Sep 2026", "1.5"), ("Oct 2026", "1.5"))
    assert [chart.key for chart in review_charts(review)] == ["reasons", "volume", "rate", "triage"]


def test_an_axis_of_counts_is_whole_numbers():
    assert _count_axis(0) == [0, 1]
    assert _count_axis(3) == [0, 1, 2, 3]
    assert _count_axis(6) == [0, 1, 2, 3, 4, 5, 6]
    assert _count_axis(7) == [0, 2, 4, 6, 8]
    assert _count_axis(40) == [0, 7, 14, 21, 28, 35, 42]


def test_a_review_without_rejections_draws_its_charts_saying_so():
    review = _review([_month(9), _month(10)])
    charts = review_charts(review)
    assert "Nothing in this window" in str(charts[0].svg)
    assert charts[0].headers == ("Month",)


def test_a_years_month_labels_are_turned_to_end_under_their_own_month():
    review = _review([_month(m, customization=1) for m in range(1, 13)] + [_month(12)])
    for chart in review_charts(review):
        root = ET.fromstring(str(chart.svg))
        turned = [t for t in root.iter(f"{{{SVG_NS}}}text") if t.get("transform")]
        assert len(turned) == 13, chart.key
        # pygal's `:not(.web) text[transform].backwards` rule, applied as an attribute.
        assert {t.get("text-anchor") for t in turned} == {"end"}, chart.key


def test_the_charts_of_a_page_repeat_no_id_and_draw_in_solid_colours():
    review = _review([_month(9, customization=2, duplicate=1), _month(10, duplicate=1)])
    svgs = "".join(str(chart.svg) for chart in review_charts(review))
    ids = re.findall(r'\bid="([^"]+)"', svgs)
    assert len(ids) == len(set(ids)) == 8  # each chart's own id and its title's
    # The bars are the palette's colours as they are, not faded.
    assert not re.search(r'fill-opacity="\.\d+"', svgs)

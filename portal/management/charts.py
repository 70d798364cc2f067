"""The partner review's charts: pygal SVG rendered on the server, the same string in the
page and in the PDF.

pygal styles its SVG with a `<style>` element and references a script from the web.
Neither may stay: the page's Content-Security-Policy allows no inline style, and a
document must fetch nothing. So the script is switched off (`js=[]`) and the stylesheet
is applied here, once, as presentation attributes (`fill="..."`), which the policy
allows and WeasyPrint reads; comments (pygal's links to its site) go too. Each chart
carries its title (as the SVG's `<title>`, named by `aria-labelledby`) and the numbers
behind it, which the page and the PDF print as a table.
"""

from __future__ import annotations

import functools
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

import cssselect2
import pygal
import tinycss2
from markupsafe import Markup
from pygal.style import Style

from portal.management.review import MonthFigures, PartnerReview

# pygal appends to sys.meta_path a finder for its map plugins (`pygal.maps.*`, unused
# here) that has no find_spec: every later import that reaches it warns. Take it out.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: The CSS properties copied onto the elements as attributes (the rest, transitions and
#: the like, mean nothing without a browser's interaction).
PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "opacity",
        "font-family",
        "font-size",
        "text-anchor",
        "visibility",
    }
)
FONT = "system-ui, 'DejaVu Sans', sans-serif"
#: Okabe and Ito's palette: told apart with any colour vision.
PALETTE = ("#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000")
#: Escalations in blue, the unwarranted part in red, as the dashboard's sparklines.
VOLUME_COLOURS = ("#6f8fb8", "#b02a37")
WIDTH, HEIGHT = 720, 320
#: Up to this many months, each month's label is written under the chart.
LABEL_EVERY_MONTH = 18
#: Pseudo-classes of a pointer or a keyboard, which a printed chart never meets.
_INTERACTIVE = re.compile(r":(hover|focus|active|visited|link)\b")
#: Elements that go: the stylesheet (applied), scripts, and the tooltips' data.
_DROPPED = frozenset(f"{{{SVG_NS}}}{name}" for name in ("style", "script", "desc"))

REASON_LABELS = {
    "not_reproducible_on_vanilla": "Not reproducible on vanilla",
    "customization": "Customisation",
    "documented_in_kb": "Documented in the KB",
    "configuration_or_user_error": "Configuration or user error",
    "out_of_scope": "Out of scope",
    "duplicate": "Duplicate",
    "unknown": "No reason recorded",
}


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code.replace("_", " ").capitalize())


def month_label(month: date) -> str:
    return f"{month:%b %Y}"


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the table of the numbers it draws."""

    key: str
    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _style(colours: tuple[str, ...], stroke_width: float = 1) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#212529",
        foreground_strong="#212529",
        foreground_subtle="#6c757d",
        colors=colours,
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        tooltip_font_family=FONT,
        no_data_font_family=FONT,
        title_font_size=18,
        label_font_size=14,
        major_label_font_size=14,
        legend_font_size=15,
        no_data_font_size=18,
        # Solid colours: a faded palette loses the contrast it was chosen for.
        opacity="1",
        opacity_hover="1",
        stroke_opacity="1",
        stroke_opacity_hover="1",
        stroke_width=stroke_width,
        stroke_width_hover=stroke_width,
        transition="none",
    )


def _label_rotation(months: int) -> int:
    """Degrees to turn the month labels so that they do not run into each other."""
    # Turned back (more than 180 degrees, pygal anchors the label at its end): each label
    # ends under its own month and reads up towards it.
    return 0 if months <= 6 else 330


def _graph(
    kind,
    title: str,
    months: list[MonthFigures],
    colours: tuple[str, ...],
    stroke_width: float = 1,
    **config,
):
    rotation = _label_rotation(len(months))
    # A line's last month sits on the plot's right edge: leave room for its label there.
    room_right = 36 if kind is pygal.Line and not rotation else 0
    graph = kind(
        js=[],
        title=title,
        style=_style(colours, stroke_width),
        width=WIDTH,
        height=HEIGHT,
        explicit_size=False,
        disable_xml_declaration=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        x_label_rotation=rotation,
        # Past a year and a half, every third month is named (each still has its bar).
        x_labels_major_every=3 if len(months) > LABEL_EVERY_MONTH else None,
        show_minor_x_labels=len(months) <= LABEL_EVERY_MONTH,
        print_values=False,
        no_data_text="Nothing in this window",
        margin=12,
        margin_right=12 + room_right,
        # pygal leaves too little room under turned labels for the legend: add some.
        margin_bottom=12 + 32 * bool(rotation and config.get("show_legend", True)),
        **config,
    )
    graph.x_labels = [month_label(row.month) for row in months]
    return graph


def _line_graph(title: str, months: list[MonthFigures], colours: tuple[str, ...]):
    """One series as a line from zero, drawn thick enough to read on paper."""
    return _graph(
        pygal.Line,
        title,
        months,
        colours,
        show_legend=False,
        include_x_axis=True,
        stroke_width=2.5,
        dots_size=3.5,
    )


def _count_axis(maximum: int) -> list[int]:
    """Whole numbers for an axis of counts, about six of them, from 0 past `maximum`."""
    step = max(1, -(-maximum // 6))
    return list(range(0, max(maximum, 1) + step, step))


#: pygal prefixes every rule with the chart's own id; read as this one, the same style
#: compiles once (parsing and compiling the selectors is most of a chart's cost).
_CHART_ID = "chart-pygal"


def _applied_style(root: ET.Element) -> None:
    """Copy the rules of the SVG's stylesheets onto the elements they select, as
    attributes, in cascade order (specificity, then source order; `!important` last)."""
    css = "".join(style.text or "" for style in root.iter(f"{{{SVG_NS}}}style"))
    if chart_id := root.get("id"):
        css = css.replace(chart_id, _CHART_ID)
        root.set("id", _CHART_ID)
    matcher = _matcher(css)
    chosen: dict[ET.Element, dict[str, tuple]] = {}
    wrapper = cssselect2.ElementWrapper.from_xml_root(root)
    for element in wrapper.iter_subtree():
        for specificity, order, _pseudo, declarations in matcher.match(element):
            for name, value, important in declarations:
                rank = (important, specificity, order)
                current = chosen.setdefault(element.etree_element, {})
                if name not in current or current[name][0] <= rank:
                    current[name] = (rank, value)
    for element, values in chosen.items():
        for name, (_rank, value) in values.items():
            element.set(name, value)


@functools.lru_cache(maxsize=32)
def _matcher(css: str) -> cssselect2.Matcher:
    """The presentation rules of a stylesheet, compiled for matching."""
    matcher = cssselect2.Matcher()
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type != "qualified-rule":
            continue
        # No :hover without a pointer: the selectors of a list that have one are left out
        # (`:not(...)` stays: it places the rotated labels).
        selectors = [
            part.strip()
            for part in tinycss2.serialize(rule.prelude).split(",")
            if part.strip() and not _INTERACTIVE.search(part)
        ]
        if not selectors:
            continue
        declarations = [
            (decl.lower_name, tinycss2.serialize(decl.value).strip(), decl.important)
            for decl in tinycss2.parse_blocks_contents(
                rule.content, skip_whitespace=True, skip_comments=True
            )
            if decl.type == "declaration" and decl.lower_name in PRESENTATION
        ]
        if not declarations:
            continue
        for compiled in cssselect2.compile_selector_list(", ".join(selectors)):
            matcher.add_selector(compiled, declarations)
    return matcher


def clean_svg(svg: str, key: str, title: str) -> Markup:
    """pygal's SVG with its style applied as attributes; without style, script, comments
    or tooltip data; titled for assistive technologies."""
    root = ET.fromstring(svg)  # the parser drops comments
    _applied_style(root)
    for parent in list(root.iter()):
        for child in list(parent):
            # The tooltip layer is for pygal's script, which is not there.
            tooltips = "tooltip-overlay" in (child.get("class") or "").split()
            if tooltips or child.tag in _DROPPED:
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)
        # pygal's ids (`activate-serie-0`...) serve its script and would repeat from one
        # chart to the next on the same page.
        element.attrib.pop("id", None)
    for old in root.findall(f"{{{SVG_NS}}}title"):
        root.remove(old)
    title_element = ET.Element(f"{{{SVG_NS}}}title", {"id": f"chart-{key}-title"})
    title_element.text = title
    root.insert(0, title_element)
    root.set("id", f"chart-{key}")
    root.set("role", "img")
    root.set("aria-labelledby", f"chart-{key}-title")
    root.set("class", "review-chart")
    # The prefixes are global to ElementTree, and other libraries name the SVG namespace
    # too: set ours just before writing, so that the SVG reads as HTML expects it.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return Markup(ET.tostring(root, encoding="unicode"))


def _number(value) -> str:
    return "—" if value is None else str(value)


def reasons_chart(review: PartnerReview) -> Chart:
    title = "Unwarranted escalations by reason and month"
    months = review.months
    highest = max((row.unwarranted for row in months), default=0)
    # Without a series pygal draws "no data", and fails on labels for an axis it lacks.
    axis = {"y_labels": _count_axis(highest)} if review.reasons else {}
    graph = _graph(pygal.StackedBar, title, months, PALETTE, **axis)
    for reason in review.reasons:
        graph.add(reason_label(reason), [row.reason_count(reason) for row in months])
    rows = tuple(
        (month_label(row.month), *(str(row.reason_count(reason)) for reason in review.reasons))
        for row in months
    )
    return Chart(
        "reasons",
        title,
        clean_svg(graph.render(is_unicode=True), "reasons", title),
        ("Month", *(reason_label(reason) for reason in review.reasons)),
        rows,
    )


def volume_chart(review: PartnerReview) -> Chart:
    title = "Escalations and unwarranted escalations per month"
    months = review.months
    highest = max((row.escalations for row in months), default=0)
    graph = _graph(pygal.Bar, title, months, VOLUME_COLOURS, y_labels=_count_axis(highest))
    graph.add("Escalations", [row.escalations for row in months])
    graph.add("Unwarranted", [row.unwarranted for row in months])
    rows = tuple(
        (month_label(row.month), str(row.escalations), str(row.unwarranted)) for row in months
    )
    return Chart(
        "volume",
        title,
        clean_svg(graph.render(is_unicode=True), "volume", title),
        ("Month", "Escalations", "Unwarranted"),
        rows,
    )


def _plotted(values) -> list:
    """Decimals as the floats pygal positions points with (display only)."""
    return [None if value is None else float(value) for value in values]


def rate_chart(review: PartnerReview) -> Chart:
    title = "Escalations per 100 customer seats, per month"
    months = review.months
    graph = _line_graph(title, months, VOLUME_COLOURS[:1])
    graph.add("Per 100 seats", _plotted(row.per_100_seats for row in months))
    rows = tuple((month_label(row.month), _number(row.per_100_seats)) for row in months)
    return Chart(
        "rate",
        title,
        clean_svg(graph.render(is_unicode=True), "rate", title),
        ("Month", "Escalations per 100 seats"),
        rows,
    )


def triage_chart(review: PartnerReview) -> Chart:
    title = "Median time to triage per month (hours)"
    months = review.months
    graph = _line_graph(title, months, ("#0072B2",))
    graph.add("Median hours to triage", _plotted(row.median_triage_hours for row in months))
    rows = tuple((month_label(row.month), _number(row.median_triage_hours)) for row in months)
    return Chart(
        "triage",
        title,
        clean_svg(graph.render(is_unicode=True), "triage", title),
        ("Month", "Median hours to triage"),
        rows,
    )


def review_charts(review: PartnerReview) -> list[Chart]:
    """The review's charts, in the order the page and the PDF show them."""
    return [reasons_chart(review), volume_chart(review), rate_chart(review), triage_chart(review)]

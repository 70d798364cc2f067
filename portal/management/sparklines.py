"""A partner's escalation trend as a small inline SVG: a bar per month, its escalations in
blue and the unwarranted part of them in red, with the numbers in its title and label
for screen readers (the chart is never the only place they are)."""

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 96, 24
GAP = 1
#: Fill colours (presentation attributes: the page's CSP allows no inline style).
ALL_FILL, UNWARRANTED_FILL, BASE_STROKE = "#6f8fb8", "#b02a37", "#adb5bd"


def trend_description(trend: list[tuple[date, int, int]]) -> str:
    if not trend:
        return "No months"
    first, last = trend[0][0], trend[-1][0]
    escalations = ", ".join(str(count) for _, count, _ in trend)
    unwarranted = ", ".join(str(count) for _, _, count in trend)
    return (
        f"Escalations per month, {first:%b %Y} to {last:%b %Y}: {escalations}. "
        f"Unwarranted: {unwarranted}."
    )


def sparkline(trend: list[tuple[date, int, int]]) -> Markup:
    """The inline SVG of `trend`: (month, escalations, unwarranted) per month, oldest first."""
    description = trend_description(trend)
    highest = max((count for _, count, _ in trend), default=0) or 1
    step = WIDTH / max(len(trend), 1)
    bars = []
    for index, (_, count, unwarranted) in enumerate(trend):
        x = index * step
        for value, fill in ((count, ALL_FILL), (unwarranted, UNWARRANTED_FILL)):
            if value:
                height = max(1.0, (HEIGHT - 1) * value / highest)
                bars.append(
                    f'<rect fill="{fill}" x="{x:.1f}" y="{HEIGHT - height:.1f}" '
                    f'width="{step - GAP:.1f}" height="{height:.1f}"/>'
                )
    return Markup(
        f'<svg class="sparkline" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(description)}">'
        f"<title>{escape(description)}</title>"
        f'<line stroke="{BASE_STROKE}" x1="0" y1="{HEIGHT - 0.5}" x2="{WIDTH}" '
        f'y2="{HEIGHT - 0.5}"/>' + "".join(bars) + "</svg>"
    )

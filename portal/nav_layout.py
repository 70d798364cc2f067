"""Where each navigation entry goes, so that the bar never runs off the screen.

Below the `xl` breakpoint (1200 px) the bar is collapsed behind its toggler and every
entry is listed one per line. From 1200 px the bar is a row: the brand, the entries,
the user menu. The entries stay in the row, in their order, while an estimate of their
width fits the room the brand and the user menu leave at the narrowest width of a
range; the rest go into a "More" menu. From 1600 px there is more room, so more of them
stay in the row. The estimate is generous (a wide font); should it still fall short,
the row wraps rather than widening the page (portal.css).
"""

from dataclasses import dataclass

#: Where an entry is shown in a row: from 1200 px, from 1600 px, or only under "More".
XL, WIDE, MORE = "xl", "wide", "more"
#: The narrowest width of each range the row is laid out for (px), and whether the user
#: menu shows the role's badge there (from Bootstrap's xxl, 1400 px).
ROW_WIDTHS = ((XL, 1200, False), (XL, 1400, True), (WIDE, 1600, True))
#: The bar's padding and the brand with its margin; the "More" toggle.
BAR_PX, BRAND_PX, MORE_PX = 24, 220, 80
#: A link's text, per character (font size 1rem) and its padding; the user menu's caret
#: and the longest name it shows (11rem, then cut short); the role badge (0.75rem font).
CHAR_PX, LINK_PX = 9.5, 16
CARET_PX, NAME_MAX_PX = 24, 176
BADGE_CHAR_PX, BADGE_PX = 8, 20


def link_width(label: str) -> float:
    return len(label) * CHAR_PX + LINK_PX


def account_width(name: str, badge: str, *, with_badge: bool) -> float:
    """The user menu's toggle (or the "Sign in" link) in the row."""
    width = LINK_PX + CARET_PX + min(len(name) * CHAR_PX, NAME_MAX_PX)
    if with_badge and badge:
        width += len(badge) * BADGE_CHAR_PX + BADGE_PX
    return width


@dataclass(frozen=True)
class PlacedEntry:
    item: object  # a portal.navigation.NavItem
    #: XL: in the row from 1200 px; WIDE: in the row from 1600 px (under "More" below);
    #: MORE: always under "More" where the bar is a row.
    row_from: str

    @property
    def in_more_until_wide(self) -> bool:
        return self.row_from == WIDE


@dataclass(frozen=True)
class NavLayout:
    entries: tuple[PlacedEntry, ...]

    @property
    def in_more(self) -> list[PlacedEntry]:
        """The entries of the "More" menu (those in the row from 1600 px only below it)."""
        return [entry for entry in self.entries if entry.row_from != XL]

    @property
    def more_until_wide(self) -> bool:
        """Whether every entry is in the row from 1600 px, so "More" is not needed there."""
        return all(entry.row_from != MORE for entry in self.entries)

    @property
    def more_is_current(self) -> bool:
        return any(entry.item.is_current for entry in self.in_more)


def _fitting(widths: list[float], rooms: list[float]) -> int:
    """How many of the first entries fit in each of `rooms`: all of them, or as many as
    fit beside the "More" toggle."""
    if all(sum(widths) <= room for room in rooms):
        return len(widths)
    room, used = min(rooms) - MORE_PX, 0.0
    for count, width in enumerate(widths):
        used += width
        if used > room:
            return count
    return len(widths)


def nav_layout(items, name: str = "Sign in", badge: str = "") -> NavLayout:
    """Place `items` (in order) for a user menu showing `name` and the role's `badge`."""
    widths = [link_width(item.label) for item in items]
    rooms = {XL: [], WIDE: []}
    for tier, bar_width, with_badge in ROW_WIDTHS:
        account = account_width(name, badge, with_badge=with_badge)
        rooms[tier].append(bar_width - BAR_PX - BRAND_PX - account)
    in_row = _fitting(widths, rooms[XL])
    in_wide_row = max(_fitting(widths, rooms[WIDE]), in_row)
    entries = []
    for index, item in enumerate(items):
        row_from = XL if index < in_row else WIDE if index < in_wide_row else MORE
        entries.append(PlacedEntry(item, row_from))
    return NavLayout(tuple(entries))

"""Which navigation entries sit in the bar's row and which go under "More" (nav_layout)."""

from dataclasses import dataclass

from portal.nav_layout import MORE, WIDE, XL, nav_layout
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


@dataclass(frozen=True)
class Entry:
    label: str
    is_current: bool = False


def _rows(layout) -> list[str]:
    return [entry.row_from for entry in layout.entries]


def test_a_short_bar_is_all_in_the_row_without_more():
    layout = nav_layout([Entry("Partners"), Entry("Knowledge base")], "Vera Admin", "Vendor admin")
    assert _rows(layout) == [XL, XL]
    assert layout.in_more == []


def test_entries_keep_their_order_and_the_last_ones_go_under_more():
    labels = [f"Section number {i}" for i in range(10)]
    layout = nav_layout([Entry(label) for label in labels], "Vera Admin", "Vendor admin")
    rows = _rows(layout)
    assert rows == sorted(rows, key=[XL, WIDE, MORE].index), rows
    assert rows[0] == XL and rows[-1] == MORE
    assert [entry.item.label for entry in layout.in_more] == [
        label for label, row in zip(labels, rows, strict=True) if row != XL
    ]
    assert not layout.more_until_wide


def test_a_long_user_name_leaves_less_room_in_the_row():
    entries = [Entry(label) for label in ("Partners", "Training", "Environments", "Products")]
    entries += [Entry(label) for label in ("Users", "Knowledge base", "Partner directory")]
    short = nav_layout(entries, "Vera", "Vendor admin")
    long = nav_layout(entries, "Maximilian Alexander Longname-Featherstonehaugh", "Vendor admin")
    assert _rows(long).count(XL) < _rows(short).count(XL)


def test_more_is_current_when_the_current_page_is_under_it():
    entries = [Entry(f"Section number {i}") for i in range(9)] + [Entry("Audit", True)]
    layout = nav_layout(entries, "Vera Admin", "Vendor admin")
    assert layout.entries[-1].row_from != XL
    assert layout.more_is_current
    assert not nav_layout(entries[:-1] + [Entry("Audit")], "Vera Admin").more_is_current

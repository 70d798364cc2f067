"""Sortable list pages: `?sort=<column>&dir=asc|desc`, checked against a list's whitelist.

A list declares its columns once:

    PARTNER_SORT = SortOptions(
        SortColumn("name", func.lower(Partner.name)),
        SortColumn("region", func.lower(Partner.region)),
        default="name",
    )

and its view orders the query with `PARTNER_SORT.from_request().apply(stmt)`, passing
the `Sorting` to the template, whose headers use the `sort_header` macro
(macros/sorting.html). An unknown column or direction falls back to the default, never
an error; the pager keeps `sort` and `dir`, and a header link starts again at page 1.
"""

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select
from sqlalchemy.sql import operators

DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class SortColumn:
    """A column users may sort by: its `key` in the URL and the expressions it orders by.

    The first expression is the column itself, in the direction asked for; rows without
    a value come last either way. The others break ties, ascending unless given already
    ordered (`Release.released_on.desc()`); the list's unique tiebreak is added last, so
    paging never shows a row twice.
    """

    key: str
    expressions: tuple
    default_dir: str = "asc"

    def __init__(self, key: str, *expressions, default_dir: str = "asc"):
        if not expressions:
            raise ValueError(f"sort column {key!r} orders by nothing")
        if default_dir not in DIRECTIONS:
            raise ValueError(f"default_dir must be one of {DIRECTIONS}")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "expressions", expressions)
        object.__setattr__(self, "default_dir", default_dir)


class SortOptions:
    """The whitelist of one list's sortable columns, and its default order."""

    def __init__(self, *columns: SortColumn, default: str, tiebreak=None):
        self.columns = {column.key: column for column in columns}
        if default not in self.columns:
            raise ValueError(f"default sort {default!r} is not one of the columns")
        self.default = default
        #: The unique column that ends every ORDER BY (usually the model's id).
        self.tiebreak = tiebreak

    def choose(self, sort: str | None, direction: str | None) -> "Sorting":
        """The order asked for, or the default where the request names none we know."""
        key = sort if sort in self.columns else self.default
        column = self.columns[key]
        direction = direction if direction in DIRECTIONS else column.default_dir
        return Sorting(self, key, direction, explicit=sort in self.columns)

    def from_request(self) -> "Sorting":
        return self.choose(request.args.get("sort"), request.args.get("dir"))


@dataclass(frozen=True)
class Sorting:
    """The order a list page is shown in; templates read it through `sort_header`."""

    options: SortOptions
    key: str
    direction: str
    #: Whether the request asked for this order (the default keeps URLs short).
    explicit: bool = False

    @property
    def clauses(self) -> list:
        primary, *ties = self.options.columns[self.key].expressions
        ordered = primary.asc() if self.direction == "asc" else primary.desc()
        clauses = [ordered.nulls_last()]
        clauses.extend(tie if _is_ordered(tie) else tie.asc() for tie in ties)
        if self.options.tiebreak is not None:
            clauses.append(self.options.tiebreak.asc())
        return clauses

    def apply(self, stmt: Select) -> Select:
        """`stmt` ordered by this sorting (any earlier ORDER BY is replaced)."""
        return stmt.order_by(None).order_by(*self.clauses)

    def is_sorted_by(self, key: str) -> bool:
        return key == self.key

    def next_direction(self, key: str) -> str:
        """The direction a click on `key`'s header asks for."""
        if key == self.key:
            return "desc" if self.direction == "asc" else "asc"
        return self.options.columns[key].default_dir

    def aria_sort(self, key: str) -> str | None:
        """`aria-sort` for `key`'s header: only the column the rows are sorted by has one."""
        if key != self.key:
            return None
        return "ascending" if self.direction == "asc" else "descending"

    def link_args(self, key: str) -> dict:
        """The query arguments of `key`'s header link: the current ones, on page 1."""
        args = request.args.to_dict()
        args.pop("page", None)
        args.update(sort=key, dir=self.next_direction(key))
        return args


def _is_ordered(expression) -> bool:
    """Whether `expression` already says its direction (`.asc()` or `.desc()`)."""
    return getattr(expression, "modifier", None) in (operators.asc_op, operators.desc_op)

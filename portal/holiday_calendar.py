"""The days an agreement's business-hours calendar is closed besides its weekly rest days.

Two sources: the public holidays of a country (and optionally one of its subdivisions, a
state or province) as the maintained `holidays` library knows them, and the agreement's
own closed dates, written one ISO date (YYYY-MM-DD) per line.

The agreement form validates with `check_holiday_place` and `parse_closed_dates`; the SLA
arithmetic (`escalations.sla`) reads `public_holidays`, which is cached per country,
region and year so that a queue of escalations computes each year once.
"""

from datetime import date
from functools import lru_cache

import holidays

#: Years outside this range have no public holidays worth computing (nor closed dates).
FIRST_YEAR, LAST_YEAR = 1970, 2200
#: An agreement's own closed dates are a short list, not a second calendar.
MAX_CLOSED_DATES = 500


@lru_cache(maxsize=1)
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """ISO 3166-1 alpha-2 code -> the subdivision codes the library knows for it."""
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holidays.list_supported_countries().items()
        if len(code) == 2
    }


def check_holiday_place(country: str, region: str) -> dict[str, str]:
    """Messages keyed by `holiday_country` / `holiday_region`; empty when both are valid.

    No country means no public holidays (a region then makes no sense); a region is
    optional and must be one of the country's subdivisions.
    """
    if not country:
        return {"holiday_region": "Choose the country first."} if region else {}
    subdivisions = holiday_countries().get(country)
    if subdivisions is None:
        return {"holiday_country": "Unknown country: use a two-letter code such as DE or US."}
    if region and region not in subdivisions:
        known = ", ".join(subdivisions[:12]) + ("..." if len(subdivisions) > 12 else "")
        if not subdivisions:
            return {"holiday_region": f"{country} has no regions with their own holidays."}
        return {"holiday_region": f"Not a region of {country}; use one of {known}."}
    return {}


def parse_closed_dates(text: str) -> list[date]:
    """The closed dates written one ISO date per line, sorted, duplicates dropped.

    Blank lines are ignored. Raises ValueError naming the first line that is not a real
    date (2026-02-30 is not) or lies outside the years we compute.
    """
    days = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        value = line.strip()
        if not value:
            continue
        try:
            if len(value) != 10:
                raise ValueError
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"Line {number}: {value[:20]!r} is not a date; write one YYYY-MM-DD per line."
            ) from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"Line {number}: {value} is too far from today.")
        days.add(day)
    if len(days) > MAX_CLOSED_DATES:
        raise ValueError(f"At most {MAX_CLOSED_DATES} closed dates.")
    return sorted(days)


def format_closed_dates(days) -> str:
    """Closed dates as the text the agreement stores: one ISO date per line."""
    return "\n".join(d.isoformat() for d in sorted(set(days)))


@lru_cache(maxsize=512)
def public_holidays(country: str, region: str, year: int) -> frozenset[date]:
    """The public holidays of `country` (and `region`, if any) in `year`.

    Empty without a country, for a country or region the library does not know (an
    agreement saved before validation), and for years outside FIRST_YEAR..LAST_YEAR.
    """
    if not country or not FIRST_YEAR <= year <= LAST_YEAR:
        return frozenset()
    try:
        calendar = holidays.country_holidays(country, subdiv=region or None, years=year)
    except NotImplementedError:
        return frozenset()
    return frozenset(calendar.keys())

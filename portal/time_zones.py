"""The IANA time zones the portal accepts, read from the system's database once.

`zoneinfo.available_timezones()` walks the whole zone directory on every call (tens of
milliseconds); agreements, training sessions and their forms ask for it on every request
that shows or checks a time zone.
"""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every known zone name, UTC included, sorted (for a form's choices)."""
    return tuple(sorted(available_timezones() | {"UTC"}))


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zone_names())


def is_known_zone(name: str) -> bool:
    """Whether `name` is a zone of the system's database that loads."""
    if name not in _known():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True

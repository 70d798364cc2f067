"""SLA time: business-hours arithmetic in an agreement's calendar, and an escalation's clocks.

Pure functions over plain values: nothing here reads or writes the database, so the
escalation models, the queue, the API and the worker's periodic checks all share it.

Interface
---------
``Calendar``
    When the vendor's service time runs. ``Calendar(coverage="24x7")`` runs round the
    clock; ``coverage="business_hours"`` runs from ``start`` to ``end`` (local times) on
    ``working_days`` (0 = Monday ... 6 = Sunday) in ``timezone`` (an IANA name), except on
    the public holidays of ``holiday_country`` / ``holiday_region`` (ISO 3166 codes, via
    the ``holidays`` library) and on ``closed_dates``.
    ``Calendar.from_agreement(agreement)`` reads any object with the agreement's
    attributes (coverage, timezone, business_days "mon,tue,...", business_start and
    business_end "HH:MM", holiday_country, holiday_region, closed_dates "YYYY-MM-DD" per line).

``add_business_time(calendar, start_utc, seconds) -> datetime``
    The instant by which ``seconds`` of service time have passed after ``start_utc``.
    A start outside business hours counts from the next opening; a target that ends
    exactly at closing time is due at closing time (not at the next opening); 0 seconds
    is ``start_utc`` itself.

``business_seconds_between(calendar, a_utc, b_utc) -> int``
    Whole seconds of service time from ``a_utc`` to ``b_utc`` (0 when ``b_utc`` is not
    later). ``business_seconds_between(c, s, add_business_time(c, s, n)) == n``.

``add_service_minutes(agreement, start, minutes)`` / ``service_minutes_between(agreement, a, b)``
    The same in minutes, straight from an agreement (its calendar is built each call;
    public holidays are cached per country, region and year).

``sla_clock(calendar, submitted_at, targets, pauses, now, ...) -> SlaClock``
    One escalation's two clocks, first response and resolution: ``targets`` is a
    ``Targets(first_response_minutes, resolution_minutes)`` (the agreement's SLA target
    for the escalation's severity), ``pauses`` the ``Pause(start, end)`` intervals spent
    waiting on the partner (``end=None``: still waiting). Paused service time does not
    count. ``first_response_at`` / ``resolved_at`` stop the respective clock. The result
    holds, per clock, the due instant, the service seconds remaining (negative once
    overdue), ``met``, ``breached`` (the due instant passed before the clock stopped, or
    before ``now``) and ``nearly_due`` (running, not breached, and at most
    ``nearly_due_fraction`` of the target left, or ``nearly_due_minutes`` when given); and
    overall ``paused``, ``breached``, ``nearly_due``, ``first_response_due`` and
    ``resolution_due``. While paused, the due dates are those the clocks would have if
    the escalation resumed at ``now``, and nothing is nearly due.

Datetimes in and out are timezone-aware UTC (a naive datetime is read as UTC, as the
database hands them back on SQLite). Absurd inputs are refused, never looped over: a
negative duration, more than ``MAX_SECONDS`` of service time, or a span needing more
than ``MAX_DAYS`` calendar days raises ``SlaRangeError`` (a ValueError).

Efficiency: business hours are walked a day at a time (one opening window per local
day), never a minute at a time; a year is ~365 steps with a cached holiday lookup each.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.holiday_calendar import parse_closed_dates, public_holidays

WEEKDAY_NUMBERS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
#: More service time than this is a typo, not a target (agreements allow a year of minutes).
MAX_SECONDS = 2 * 366 * 24 * 3600
#: No computation walks further than this many calendar days.
MAX_DAYS = 20 * 366


class SlaRangeError(ValueError):
    """A duration or a span beyond what the SLA arithmetic computes."""


@dataclass(frozen=True)
class Calendar:
    coverage: str = "business_hours"
    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    start: time = time(9, 0)
    end: time = time(17, 0)
    holiday_country: str = ""
    holiday_region: str = ""
    closed_dates: frozenset[date] = frozenset()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.coverage not in ("24x7", "business_hours"):
            raise ValueError(f"Unknown coverage {self.coverage!r}.")
        object.__setattr__(self, "zone", ZoneInfo(self.timezone or "UTC"))
        if self.coverage == "business_hours":
            if not self.working_days or not set(self.working_days) <= set(range(7)):
                raise ValueError("Business hours need at least one working day (0-6).")
            if self.start >= self.end:
                raise ValueError("The working day must end after it starts.")

    @property
    def round_the_clock(self) -> bool:
        return self.coverage == "24x7"

    @classmethod
    def from_agreement(cls, agreement) -> "Calendar":
        """The calendar of an agreement (or any object with its attributes)."""
        if agreement.coverage == "24x7":
            return cls(coverage="24x7", timezone=agreement.timezone or "UTC")
        days = (agreement.business_days or "").split(",")
        return cls(
            coverage="business_hours",
            timezone=agreement.timezone or "UTC",
            working_days=frozenset(WEEKDAY_NUMBERS[d] for d in days if d),
            start=time.fromisoformat(agreement.business_start),
            end=time.fromisoformat(agreement.business_end),
            holiday_country=getattr(agreement, "holiday_country", "") or "",
            holiday_region=getattr(agreement, "holiday_region", "") or "",
            closed_dates=frozenset(parse_closed_dates(getattr(agreement, "closed_dates", ""))),
        )

    def is_open_on(self, day: date) -> bool:
        """Whether `day` (a local date) has business hours at all."""
        if self.round_the_clock:
            return True
        return (
            day.weekday() in self.working_days
            and day not in self.closed_dates
            and day not in public_holidays(self.holiday_country, self.holiday_region, day.year)
        )

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC instants the business hours of local `day` open and close, or None.

        Local wall times are converted through the time zone, so a window on the day the
        clocks change lasts the real time that passes (an hour more or less when the
        change falls inside the business hours).
        """
        if not self.is_open_on(day):
            return None
        opens = datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC)
        return (opens, closes) if closes > opens else None

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def add_business_time(calendar: Calendar, start_utc: datetime, seconds: float) -> datetime:
    """The instant by which `seconds` of the calendar's service time have passed."""
    if not 0 <= seconds <= MAX_SECONDS:
        raise SlaRangeError(f"{seconds} seconds is not a duration the SLA computes.")
    return _add(calendar, _utc(start_utc), timedelta(seconds=seconds))


def _add(calendar: Calendar, start: datetime, remaining: timedelta) -> datetime:
    if calendar.round_the_clock or not remaining:
        return start + remaining
    day = calendar.local_date(start) - timedelta(days=1)  # a window may open the day before
    for _ in range(MAX_DAYS):
        window = calendar.window(day)
        day += timedelta(days=1)
        if window is None or window[1] <= start:
            continue
        counted_from = max(window[0], start)
        available = window[1] - counted_from
        if remaining <= available:
            return counted_from + remaining
        remaining -= available
    raise SlaRangeError("The target lies beyond the calendar's horizon.")


def business_time_between(calendar: Calendar, a_utc: datetime, b_utc: datetime) -> timedelta:
    """Service time from `a_utc` to `b_utc` (zero when `b_utc` is not later)."""
    a, b = _utc(a_utc), _utc(b_utc)
    if b <= a:
        return timedelta(0)
    if calendar.round_the_clock:
        return b - a
    first, last = calendar.local_date(a) - timedelta(days=1), calendar.local_date(b)
    if (last - first).days > MAX_DAYS:
        raise SlaRangeError("The span lies beyond the calendar's horizon.")
    total = timedelta(0)
    day = first
    while day <= last:
        window = calendar.window(day)
        day += timedelta(days=1)
        if window is not None:
            overlap = min(window[1], b) - max(window[0], a)
            if overlap > timedelta(0):
                total += overlap
    return total


def business_seconds_between(calendar: Calendar, a_utc: datetime, b_utc: datetime) -> int:
    """Whole seconds of service time from `a_utc` to `b_utc` (0 when `b_utc` is not later)."""
    return int(business_time_between(calendar, a_utc, b_utc).total_seconds())


def add_service_minutes(agreement, start: datetime, minutes: int) -> datetime:
    """`minutes` of the agreement's service time after `start`."""
    return add_business_time(Calendar.from_agreement(agreement), start, minutes * 60)


def service_minutes_between(agreement, start: datetime, end: datetime) -> int:
    """Whole minutes of the agreement's service time from `start` to `end` (0 if not later)."""
    return business_seconds_between(Calendar.from_agreement(agreement), start, end) // 60


# --- An escalation's clocks --------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """The agreement's targets for one severity, in minutes of service time."""

    first_response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True)
class Pause:
    """A time spent waiting on the partner; `end` None while it still waits."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Clock:
    """One target's clock (first response or resolution)."""

    target_seconds: int
    due: datetime
    #: Service seconds left at `now` (or when the clock stopped); negative once overdue.
    remaining_seconds: int
    #: The clock stopped in time or late (the response was given, the escalation resolved).
    met: bool
    #: The due instant passed before the clock stopped (or before now, still running).
    breached: bool
    #: Running (not met, not paused, not breached) with little time left.
    nearly_due: bool


@dataclass(frozen=True)
class SlaClock:
    first_response: Clock
    resolution: Clock
    paused: bool

    @property
    def first_response_due(self) -> datetime:
        return self.first_response.due

    @property
    def resolution_due(self) -> datetime:
        return self.resolution.due

    @property
    def breached(self) -> bool:
        return self.first_response.breached or self.resolution.breached

    @property
    def nearly_due(self) -> bool:
        """A clock still running is close to its due date, and none is breached yet."""
        return not self.breached and (self.first_response.nearly_due or self.resolution.nearly_due)


def _merged_pauses(pauses: Iterable[Pause], after: datetime, now: datetime):
    """Pauses as sorted, non-overlapping (start, end) UTC pairs within [after, now];
    an open pause ends at `now`."""
    spans = []
    for pause in pauses:
        start = max(_utc(pause.start), after)
        end = min(_utc(pause.end) if pause.end is not None else now, now)
        if end > start:
            spans.append((start, end))
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _counted_time(calendar, submitted, pauses, moment) -> timedelta:
    """Service time from `submitted` to `moment`, paused time left out."""
    counted = business_time_between(calendar, submitted, moment)
    for start, end in pauses:
        if start >= moment:
            break
        counted -= business_time_between(calendar, start, min(end, moment))
    return counted


def _due(calendar, submitted, pauses, target: timedelta, now: datetime, still_paused: bool):
    """The instant the clock reaches `target`, skipping the pauses (resuming at `now` when
    still paused)."""
    cursor, remaining = submitted, target
    for start, end in pauses:
        before_pause = business_time_between(calendar, cursor, start)
        if remaining <= before_pause:
            break
        remaining -= before_pause
        cursor = end
    else:
        if still_paused:
            cursor = max(cursor, now)
    return _add(calendar, cursor, remaining)


def _clock(calendar, submitted, pauses, minutes, stopped_at, now, still_paused, nearly):
    target = timedelta(minutes=minutes)
    moment = min(_utc(stopped_at), now) if stopped_at is not None else now
    running_pauses = [p for p in pauses if p[0] < moment]
    paused_now = still_paused and stopped_at is None
    due = _due(calendar, submitted, running_pauses, target, moment, paused_now)
    remaining = target - _counted_time(calendar, submitted, running_pauses, moment)
    met = stopped_at is not None
    breached = moment > due
    threshold = nearly(target)
    return Clock(
        target_seconds=int(target.total_seconds()),
        due=due,
        remaining_seconds=int(remaining.total_seconds()),
        met=met,
        breached=breached,
        nearly_due=not (met or breached or paused_now) and remaining <= threshold,
    )


def sla_clock(
    calendar: Calendar,
    submitted_at: datetime,
    targets: Targets,
    pauses: Iterable[Pause],
    now: datetime,
    *,
    first_response_at: datetime | None = None,
    resolved_at: datetime | None = None,
    nearly_due_fraction: float = 0.25,
    nearly_due_minutes: int | None = None,
) -> SlaClock:
    """Both clocks of an escalation submitted at `submitted_at`, as they stand at `now`."""
    if not 0 <= nearly_due_fraction <= 1:
        raise ValueError("nearly_due_fraction is a fraction of the target, 0 to 1.")
    submitted, now = _utc(submitted_at), _utc(now)
    pauses = list(pauses)
    still_paused = any(p.end is None and _utc(p.start) <= now for p in pauses)
    merged = _merged_pauses(pauses, submitted, now)

    def nearly(target: timedelta) -> timedelta:
        if nearly_due_minutes is not None:
            return timedelta(minutes=nearly_due_minutes)
        return target * nearly_due_fraction

    def clock(minutes, stopped_at):
        return _clock(calendar, submitted, merged, minutes, stopped_at, now, still_paused, nearly)

    return SlaClock(
        first_response=clock(targets.first_response_minutes, first_response_at),
        resolution=clock(targets.resolution_minutes, resolved_at),
        paused=still_paused and resolved_at is None,
    )

"""SLA time in an agreement's calendar: business hours, weekends, public holidays of a
country and region, the agreement's own closed dates, daylight-saving changes, pauses,
24x7, and absurd durations refused rather than looped over.

Every expected instant is worked out by hand from a wall calendar and written here in
the agreement's local time.
"""

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.sla import (
    MAX_SECONDS,
    Calendar,
    Pause,
    SlaRangeError,
    Targets,
    add_business_time,
    add_service_minutes,
    business_seconds_between,
    service_minutes_between,
    sla_clock,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def at(zone, *parts) -> datetime:
    """A local wall time, as the UTC instant the functions take and give."""
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def local(instant: datetime, zone) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def berlin(**overrides) -> Calendar:
    return Calendar(timezone="Europe/Berlin", **overrides)


# --- Weekly business hours ---------------------------------------------------------------


def test_a_target_runs_over_the_weekend_to_monday():
    friday_4pm = at(BERLIN, 2026, 3, 20, 16)
    due = add_business_time(berlin(), friday_4pm, 2 * HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 23, 10)
    assert business_seconds_between(berlin(), friday_4pm, due) == 2 * HOUR


def test_a_start_before_opening_counts_from_opening():
    due = add_business_time(berlin(), at(BERLIN, 2026, 3, 17, 7), HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 17, 10)


def test_a_start_after_closing_counts_from_the_next_opening():
    due = add_business_time(berlin(), at(BERLIN, 2026, 3, 17, 18), HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 18, 10)


def test_a_start_on_a_saturday_counts_from_monday():
    due = add_business_time(berlin(), at(BERLIN, 2026, 3, 21, 11), HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 23, 10)


def test_a_target_that_ends_at_closing_time_is_due_at_closing_time():
    due = add_business_time(berlin(), at(BERLIN, 2026, 3, 16, 9), 8 * HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 16, 17)


def test_time_outside_business_hours_does_not_count():
    calendar = berlin()
    assert (
        business_seconds_between(calendar, at(BERLIN, 2026, 3, 16, 18), at(BERLIN, 2026, 3, 17, 8))
        == 0
    )
    assert (
        business_seconds_between(calendar, at(BERLIN, 2026, 3, 20, 17), at(BERLIN, 2026, 3, 23, 9))
        == 0
    )
    # Monday 08:00 to Tuesday 10:00: Monday's eight hours and Tuesday's first.
    assert (
        business_seconds_between(calendar, at(BERLIN, 2026, 3, 16, 8), at(BERLIN, 2026, 3, 17, 10))
        == 9 * HOUR
    )


def test_the_agreements_own_working_days_and_hours():
    calendar = Calendar(
        timezone="Europe/Berlin",
        working_days=frozenset({0, 1, 2, 3, 4, 5}),  # Saturday too
        start=time(8, 0),
        end=time(12, 30),
    )
    due = add_business_time(calendar, at(BERLIN, 2026, 3, 20, 12), HOUR)  # Friday 12:00
    assert local(due, BERLIN) == datetime(2026, 3, 21, 8, 30)


# --- Public holidays and closed dates ----------------------------------------------------


def test_german_public_holidays_are_skipped():
    # Good Friday (3 April 2026) and Easter Monday (6 April) are holidays across Germany.
    calendar = berlin(holiday_country="DE")
    due = add_business_time(calendar, at(BERLIN, 2026, 4, 2, 16), 2 * HOUR)
    assert local(due, BERLIN) == datetime(2026, 4, 7, 10)
    without_holidays = add_business_time(berlin(), at(BERLIN, 2026, 4, 2, 16), 2 * HOUR)
    assert local(without_holidays, BERLIN) == datetime(2026, 4, 3, 10)


def test_us_thanksgiving_is_skipped_in_new_york_time():
    calendar = Calendar(timezone="America/New_York", holiday_country="US")
    due = add_business_time(calendar, at(NEW_YORK, 2026, 11, 25, 16), 2 * HOUR)
    assert local(due, NEW_YORK) == datetime(2026, 11, 27, 10)


def test_a_regional_holiday_counts_only_in_its_region():
    # Epiphany (Tuesday 6 January 2026) is a holiday in Bavaria, not in Berlin.
    monday_4pm = at(BERLIN, 2026, 1, 5, 16)
    bavaria = berlin(holiday_country="DE", holiday_region="BY")
    berlin_state = berlin(holiday_country="DE", holiday_region="BE")
    assert local(add_business_time(bavaria, monday_4pm, 2 * HOUR), BERLIN) == datetime(
        2026, 1, 7, 10
    )
    assert local(add_business_time(berlin_state, monday_4pm, 2 * HOUR), BERLIN) == datetime(
        2026, 1, 6, 10
    )


def test_the_agreements_own_closed_dates_are_skipped():
    agreement = agreement_like(closed_dates="2026-12-31\n\n2026-12-29\n")
    calendar = Calendar.from_agreement(agreement)
    due = add_business_time(calendar, at(BERLIN, 2026, 12, 28, 16), 2 * HOUR)
    assert local(due, BERLIN) == datetime(2026, 12, 30, 10)
    due = add_business_time(calendar, at(BERLIN, 2026, 12, 30, 16), 2 * HOUR)
    assert local(due, BERLIN) == datetime(2027, 1, 1, 10)  # no country: New Year is open


# --- Daylight saving ---------------------------------------------------------------------


def test_berlin_clocks_going_forward_in_march_keep_local_opening_hours():
    # Summer time starts on Sunday 29 March 2026: Friday opens at 08:00 UTC, Monday at 07:00.
    friday_4pm = at(BERLIN, 2026, 3, 27, 16)
    due = add_business_time(berlin(), friday_4pm, 2 * HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 30, 10)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert business_seconds_between(berlin(), friday_4pm, due) == 2 * HOUR


def test_new_york_clocks_going_back_in_november_keep_local_opening_hours():
    # Standard time returns on Sunday 1 November 2026.
    calendar = Calendar(timezone="America/New_York")
    friday_4pm = at(NEW_YORK, 2026, 10, 30, 16)
    assert friday_4pm == datetime(2026, 10, 30, 20, tzinfo=UTC)
    due = add_business_time(calendar, friday_4pm, 2 * HOUR)
    assert due == datetime(2026, 11, 2, 15, tzinfo=UTC)  # 10:00 EST


def test_a_window_on_the_day_the_clocks_change_lasts_the_real_time():
    # Open all Sunday 29 March 2026 in Berlin: 00:00 CET to 23:00 CEST is 22 real hours.
    calendar = berlin(working_days=frozenset({6}), start=time(0, 0), end=time(23, 0))
    sunday = business_seconds_between(
        calendar, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    )
    assert sunday == 22 * HOUR


# --- Round the clock, zero and absurd durations ------------------------------------------


def test_24x7_counts_nights_weekends_and_holidays():
    calendar = Calendar(coverage="24x7", timezone="Europe/Berlin")
    christmas_eve_night = at(BERLIN, 2026, 12, 24, 23)
    assert add_business_time(
        calendar, christmas_eve_night, 48 * HOUR
    ) == christmas_eve_night + timedelta(hours=48)
    assert (
        business_seconds_between(
            calendar, christmas_eve_night, christmas_eve_night + timedelta(days=3)
        )
        == 72 * HOUR
    )


def test_24x7_across_a_daylight_saving_change_counts_real_hours():
    calendar = Calendar(coverage="24x7", timezone="Europe/Berlin")
    saturday_noon = at(BERLIN, 2026, 3, 28, 12)
    due = add_business_time(calendar, saturday_noon, 24 * HOUR)
    assert local(due, BERLIN) == datetime(2026, 3, 29, 13)  # an hour was skipped


def test_zero_time_is_due_at_once_and_no_time_passes_backwards():
    saturday = at(BERLIN, 2026, 3, 21, 11)
    assert add_business_time(berlin(), saturday, 0) == saturday
    assert business_seconds_between(berlin(), saturday, saturday) == 0
    assert (
        business_seconds_between(berlin(), at(BERLIN, 2026, 3, 17, 12), at(BERLIN, 2026, 3, 16, 12))
        == 0
    )


def test_a_year_of_target_minutes_is_computed_without_walking_minutes():
    start = at(BERLIN, 2026, 1, 5, 9)
    year = 366 * 24 * 60
    due = add_service_minutes(agreement_like(holiday_country="DE"), start, year)
    # Eight hours a weekday: 8784 hours are 1098 working days, over four calendar years.
    assert datetime(2030, 4, 1, tzinfo=UTC) < due < datetime(2030, 8, 1, tzinfo=UTC)
    assert service_minutes_between(agreement_like(holiday_country="DE"), start, due) == year


def test_absurd_durations_are_refused():
    start = at(BERLIN, 2026, 3, 16, 9)
    with pytest.raises(SlaRangeError):
        add_business_time(berlin(), start, -1)
    with pytest.raises(SlaRangeError):
        add_business_time(berlin(), start, MAX_SECONDS + 1)
    with pytest.raises(SlaRangeError):
        business_seconds_between(berlin(), start, start + timedelta(days=365 * 50))


def test_a_target_the_calendar_cannot_reach_is_refused_not_looped_over():
    one_minute_a_week = berlin(working_days=frozenset({0}), start=time(9, 0), end=time(9, 1))
    with pytest.raises(SlaRangeError):
        add_business_time(one_minute_a_week, at(BERLIN, 2026, 3, 16, 9), 366 * 24 * HOUR)


def test_a_naive_datetime_is_read_as_utc():
    aware = datetime(2026, 3, 16, 8, tzinfo=UTC)
    assert add_business_time(berlin(), aware.replace(tzinfo=None), HOUR) == add_business_time(
        berlin(), aware, HOUR
    )


# --- From an agreement -------------------------------------------------------------------


def agreement_like(**overrides):
    values = dict(
        coverage="business_hours",
        timezone="Europe/Berlin",
        business_days="mon,tue,wed,thu,fri",
        business_start="09:00",
        business_end="17:00",
        holiday_country="",
        holiday_region="",
        closed_dates="",
    )
    return SimpleNamespace(**(values | overrides))


def test_calendar_from_an_agreement():
    calendar = Calendar.from_agreement(
        agreement_like(
            business_days="mon,wed",
            business_start="08:30",
            business_end="12:00",
            holiday_country="DE",
            holiday_region="BY",
            closed_dates="2026-12-24",
        )
    )
    assert calendar.working_days == {0, 2}
    assert (calendar.start, calendar.end) == (time(8, 30), time(12))
    assert (calendar.holiday_country, calendar.holiday_region) == ("DE", "BY")
    assert not calendar.is_open_on(datetime(2026, 12, 24).date())
    assert Calendar.from_agreement(agreement_like(coverage="24x7")).round_the_clock


def test_a_calendar_without_working_days_or_with_a_backwards_day_is_refused():
    with pytest.raises(ValueError):
        berlin(working_days=frozenset())
    with pytest.raises(ValueError):
        berlin(start=time(17), end=time(9))


# --- An escalation's clocks --------------------------------------------------------------

MONDAY_9 = at(BERLIN, 2026, 3, 16, 9)
TARGETS = Targets(first_response_minutes=60, resolution_minutes=8 * 60)


def test_clocks_without_pauses():
    clock = sla_clock(berlin(), MONDAY_9, TARGETS, [], at(BERLIN, 2026, 3, 16, 9, 30))
    assert local(clock.first_response_due, BERLIN) == datetime(2026, 3, 16, 10)
    assert local(clock.resolution_due, BERLIN) == datetime(2026, 3, 16, 17)
    assert clock.first_response.remaining_seconds == 30 * 60
    assert not (clock.breached or clock.paused or clock.nearly_due)


def test_time_waiting_on_the_partner_is_not_counted_after_it_resumes():
    # Waiting on the partner from Monday 10:00 to Tuesday 10:00: seven business hours.
    pause = Pause(at(BERLIN, 2026, 3, 16, 10), at(BERLIN, 2026, 3, 17, 10))
    clock = sla_clock(berlin(), MONDAY_9, TARGETS, [pause], at(BERLIN, 2026, 3, 17, 11))
    assert local(clock.resolution_due, BERLIN) == datetime(2026, 3, 17, 17)
    assert clock.resolution.remaining_seconds == 6 * HOUR
    assert not clock.paused and not clock.resolution.breached


def test_a_clock_still_paused_is_due_as_if_resumed_now_and_never_nearly_due():
    pause = Pause(at(BERLIN, 2026, 3, 16, 16))  # an hour of resolution left, still waiting
    now = at(BERLIN, 2026, 3, 18, 11)
    clock = sla_clock(berlin(), MONDAY_9, TARGETS, [pause], now, first_response_at=MONDAY_9)
    assert clock.paused
    assert clock.resolution.remaining_seconds == HOUR
    assert local(clock.resolution_due, BERLIN) == datetime(2026, 3, 18, 12)
    assert not clock.nearly_due and not clock.breached


def test_pauses_overlapping_or_before_submission_count_once():
    pauses = [
        Pause(at(BERLIN, 2026, 3, 13, 9), at(BERLIN, 2026, 3, 16, 10)),  # from before submission
        Pause(at(BERLIN, 2026, 3, 16, 12), at(BERLIN, 2026, 3, 16, 14)),
        Pause(at(BERLIN, 2026, 3, 16, 13), at(BERLIN, 2026, 3, 16, 15)),
    ]
    clock = sla_clock(berlin(), MONDAY_9, TARGETS, pauses, at(BERLIN, 2026, 3, 17, 9))
    # Counted on Monday: 10:00-12:00 and 15:00-17:00, four hours of eight.
    assert clock.resolution.remaining_seconds == 4 * HOUR
    assert local(clock.resolution_due, BERLIN) == datetime(2026, 3, 17, 13)


def test_nearly_due_then_breached():
    near = sla_clock(berlin(), MONDAY_9, TARGETS, [], at(BERLIN, 2026, 3, 16, 9, 50))
    assert near.first_response.nearly_due and near.nearly_due and not near.breached
    late = sla_clock(berlin(), MONDAY_9, TARGETS, [], at(BERLIN, 2026, 3, 16, 10, 1))
    assert late.first_response.breached and late.breached and not late.nearly_due
    assert late.first_response.remaining_seconds == -60


def test_nearly_due_in_minutes_instead_of_a_fraction():
    now = at(BERLIN, 2026, 3, 16, 9, 30)
    assert not sla_clock(berlin(), MONDAY_9, TARGETS, [], now).nearly_due
    assert sla_clock(berlin(), MONDAY_9, TARGETS, [], now, nearly_due_minutes=30).nearly_due


def test_a_stopped_clock_is_met_and_breached_only_if_it_stopped_late():
    later = at(BERLIN, 2026, 3, 20, 9)
    in_time = sla_clock(
        berlin(), MONDAY_9, TARGETS, [], later, first_response_at=at(BERLIN, 2026, 3, 16, 9, 45)
    )
    assert in_time.first_response.met and not in_time.first_response.breached
    late = sla_clock(
        berlin(), MONDAY_9, TARGETS, [], later, first_response_at=at(BERLIN, 2026, 3, 16, 10, 30)
    )
    assert late.first_response.met and late.first_response.breached


def test_a_breach_before_waiting_on_the_partner_stays_a_breach():
    pause = Pause(at(BERLIN, 2026, 3, 16, 11))
    clock = sla_clock(berlin(), MONDAY_9, TARGETS, [pause], at(BERLIN, 2026, 3, 17, 9))
    assert clock.first_response.breached
    assert local(clock.first_response_due, BERLIN) == datetime(2026, 3, 16, 10)


def test_24x7_clocks_run_through_the_night():
    calendar = Calendar(coverage="24x7", timezone="Europe/Berlin")
    saturday_23 = at(BERLIN, 2026, 3, 21, 23)
    clock = sla_clock(calendar, saturday_23, TARGETS, [], saturday_23 + timedelta(minutes=61))
    assert clock.first_response_due == saturday_23 + timedelta(hours=1)
    assert clock.first_response.breached


# --- Properties --------------------------------------------------------------------------

CALENDARS = [
    berlin(holiday_country="DE", holiday_region="BY", closed_dates=frozenset()),
    Calendar(timezone="America/New_York", holiday_country="US", holiday_region="NY"),
    Calendar(
        timezone="Asia/Kolkata",
        working_days=frozenset({0, 1, 2, 3, 4, 5}),
        start=time(7, 30),
        end=time(19, 45),
    ),
    Calendar(coverage="24x7", timezone="Australia/Sydney"),
]
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=400 * 24 * HOUR // 3)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CALENDARS), instants, durations)
def test_counting_the_time_up_to_a_due_date_gives_back_the_duration(calendar, start, seconds):
    due = add_business_time(calendar, start, seconds)
    assert due >= start
    assert business_seconds_between(calendar, start, due) == seconds


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CALENDARS), instants, durations, durations)
def test_adding_in_two_steps_is_adding_at_once(calendar, start, first, second):
    in_steps = add_business_time(calendar, add_business_time(calendar, start, first), second)
    assert in_steps == add_business_time(calendar, start, first + second)

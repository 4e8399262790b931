from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nabar.sla.clock import (
    BusinessHours,
    add_business_time,
    business_time_between,
    is_open,
    next_opening,
)
from nabar.sla.holidays import easter_sunday, swedish_public_holidays

STHLM = ZoneInfo("Europe/Stockholm")
OFFICE = BusinessHours.from_spec(
    {
        "mon": [["08:00", "17:00"]],
        "tue": [["08:00", "17:00"]],
        "wed": [["08:00", "17:00"]],
        "thu": [["08:00", "17:00"]],
        "fri": [["08:00", "16:00"]],
    },
    tz="Europe/Stockholm",
    holidays=[d for y in (2026, 2027) for d in swedish_public_holidays(y)],
)

moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 11, 30), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=60 * 60 * 24 * 10).map(
    lambda s: timedelta(seconds=s)
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)


def test_time_runs_only_while_open():
    friday_afternoon = local(2026, 11, 20, 15, 0)

    due = add_business_time(friday_afternoon, timedelta(hours=2), OFFICE)

    assert due == local(2026, 11, 23, 9, 0)  # one hour on Friday, one on Monday


def test_a_case_on_a_holiday_at_2359_before_a_dst_change_waits_for_the_next_working_day():
    # Saturday 31 October 2026 is All Saints' Day; clocks go back that night.
    created = local(2026, 10, 31, 23, 59)

    due = add_business_time(created, timedelta(hours=4), OFFICE)

    assert due == local(2026, 11, 2, 12, 0)


def test_a_day_when_clocks_go_forward_has_an_hour_less_around_the_clock():
    always = BusinessHours.always("Europe/Stockholm")
    start = local(2026, 3, 29, 0, 0)

    assert add_business_time(start, timedelta(hours=24), always) == local(2026, 3, 30, 1, 0)


def test_swedish_holidays_include_the_moving_ones():
    holidays = swedish_public_holidays(2026)

    assert easter_sunday(2026) == date(2026, 4, 5)
    assert date(2026, 4, 3) in holidays  # Good Friday
    assert date(2026, 6, 19) in holidays  # Midsummer Eve
    assert date(2026, 10, 31) in holidays  # All Saints' Day
    assert date(2026, 12, 24) in holidays


def test_a_schedule_that_never_opens_is_an_error_not_a_hang():
    closed = BusinessHours.from_spec({}, tz="UTC")

    with pytest.raises(ValueError, match="never open"):
        add_business_time(datetime(2026, 1, 1, tzinfo=UTC), timedelta(minutes=1), closed)
    assert next_opening(datetime(2026, 1, 1, tzinfo=UTC), closed) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"monday": [["08:00", "17:00"]]}, "Unknown day"),
        ({"mon": [["17:00", "08:00"]]}, "not after"),
        ({"mon": [["8", "17:00"]]}, "not a time"),
    ],
)
def test_bad_opening_hours_are_explained(spec, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_spec(spec, tz="Europe/Stockholm")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 1, 1), timedelta(hours=1), OFFICE)


@settings(max_examples=150, deadline=None)
@given(start=moments, duration=durations)
def test_adding_then_measuring_gives_the_duration_back(start, duration):
    due = add_business_time(start, duration, OFFICE)

    assert business_time_between(start, due, OFFICE) == duration


@settings(max_examples=150, deadline=None)
@given(start=moments, duration=durations)
def test_around_the_clock_business_time_is_plain_time(start, duration):
    assert (
        add_business_time(start, duration, BusinessHours.always("Europe/Stockholm"))
        == start + duration
    )


@settings(max_examples=150, deadline=None)
@given(start=moments, duration=durations.filter(lambda d: d > timedelta(0)))
def test_a_positive_duration_never_ends_while_closed_or_before_it_started(start, duration):
    due = add_business_time(start, duration, OFFICE)

    assert due > start
    assert is_open(due - timedelta(seconds=1), OFFICE)

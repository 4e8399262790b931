from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nabar.sla.clock import (
    BusinessHours,
    add_business_time,
    business_time_between,
    due_at,
    is_open,
    merge_pauses,
    next_opening,
    resumed,
    running_time,
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


# Pauses: while a case waits on the customer its clocks rest. ---------------------------------

ALWAYS = BusinessHours.always("Europe/Stockholm")
HOURS = st.sampled_from([OFFICE, ALWAYS])


def _local_moment(day: date, minute: int) -> datetime:
    """A real instant ``minute`` minutes after local midnight, in UTC as the database gives it.

    Adding to a Stockholm wall time would make times that never exist (02:30 on the day the
    clocks go forward) and arithmetic that is not elapsed time; stored times are UTC instants.
    """
    midnight = datetime(day.year, day.month, day.day, tzinfo=STHLM).astimezone(UTC)
    return midnight + timedelta(minutes=minute)


# Moments where clocks are most often wrong: around the DST changes (last Sundays of March and
# October), at local midnight, and on holidays, beside moments anywhere in two years.
tricky_days = st.sampled_from(
    [
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 10, 24),
        date(2026, 10, 25),
        date(2026, 10, 31),  # All Saints' Day, a Saturday
        date(2026, 12, 24),
        date(2026, 12, 31),
        date(2027, 3, 27),
        date(2027, 3, 28),
        date(2027, 10, 30),
        date(2027, 10, 31),
    ]
)
near_midnight = st.sampled_from([0, 1, 59, 60, 119, 120, 179, 1439])
starts = st.one_of(
    moments,
    st.builds(_local_moment, tricky_days, near_midnight),
    st.builds(_local_moment, tricky_days, st.integers(min_value=0, max_value=1439)),
)
pauses = st.lists(
    st.tuples(
        st.integers(min_value=-3600, max_value=60 * 60 * 24 * 7),
        st.integers(min_value=0, max_value=60 * 60 * 24 * 3),
    ),
    max_size=4,
)


def _spans(start: datetime, raw: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    return [(start + timedelta(seconds=a), start + timedelta(seconds=a + n)) for a, n in raw]


@settings(max_examples=200, deadline=None)
@given(start=starts, target=durations, raw=pauses, hours=HOURS)
# Always open, a minute before the midnight that starts the 23-hour day of summer time: the due
# time falls a second into the local day after, which the running time once left out.
@example(
    start=datetime(2026, 3, 28, 22, 59, tzinfo=UTC),
    target=timedelta(seconds=82861),
    raw=[],
    hours=BusinessHours.always("Europe/Stockholm"),
)
def test_a_paused_clock_runs_exactly_its_target_by_the_due_time(start, target, raw, hours):
    paused = _spans(start, raw)

    due = due_at(start, target, hours, paused=paused)

    assert running_time(start, due, hours, paused=paused) == target


@settings(max_examples=200, deadline=None)
@given(start=starts, target=durations, raw=pauses, hours=HOURS)
def test_pausing_never_brings_the_due_time_earlier(start, target, raw, hours):
    assert due_at(start, target, hours, paused=_spans(start, raw)) >= add_business_time(
        start, target, hours
    )


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    target=durations.filter(lambda d: d > timedelta(0)),
    pause_at=st.integers(min_value=0, max_value=60 * 60 * 24 * 5),
    length=st.integers(min_value=0, max_value=60 * 60 * 24 * 4),
    hours=HOURS,
)
def test_resuming_a_stored_clock_gives_the_same_due_time_as_the_pure_clock(
    start, target, pause_at, length, hours
):
    # The database keeps a due time and "paused since"; on resume it moves the due time on.
    paused_since = start + timedelta(seconds=pause_at)
    resumed_at = paused_since + timedelta(seconds=length)
    stored = add_business_time(start, target, hours)

    moved = resumed(stored, paused_since=paused_since, resumed_at=resumed_at, hours=hours)

    assert moved == due_at(start, target, hours, paused=[(paused_since, resumed_at)])


@settings(max_examples=200, deadline=None)
@given(start=starts, target=durations, raw=pauses)
def test_around_the_clock_a_pause_adds_its_own_length_across_dst(start, target, raw):
    paused = _spans(start, raw)
    due = due_at(start, target, ALWAYS, paused=paused)
    rested = sum(
        (
            min(end, due) - max(begin, start)
            for begin, end in merge_pauses(paused, since=start)
            if begin < due
        ),
        timedelta(0),
    )

    assert due - start == target + rested


def test_a_case_on_a_holiday_at_2359_before_dst_paused_over_the_weekend():
    # Opened on All Saints' Day (a Saturday) at 23:59; the clocks go back at 03:00 that night.
    created = local(2026, 10, 31, 23, 59)
    # Waiting on the customer from Monday 09:00 to Tuesday 10:00: one hour on Monday was used.
    paused = [(local(2026, 11, 2, 9, 0), local(2026, 11, 3, 10, 0))]

    due = due_at(created, timedelta(hours=4), OFFICE, paused=paused)

    assert due == local(2026, 11, 3, 13, 0)
    assert running_time(created, due, OFFICE, paused=paused) == timedelta(hours=4)


def test_a_three_minute_live_clock_at_midnight_when_the_clocks_go_back():
    # 02:59 local (CEST), then 02:00-03:00 again in CET: three real minutes, not an hour.
    start = datetime(2026, 10, 25, 0, 59, tzinfo=UTC)  # 02:59 CEST

    assert due_at(start, timedelta(minutes=3), ALWAYS) == datetime(2026, 10, 25, 1, 2, tzinfo=UTC)


def test_overlapping_pauses_count_once():
    start = local(2026, 11, 23, 8, 0)
    paused = [
        (local(2026, 11, 23, 9, 0), local(2026, 11, 23, 11, 0)),
        (local(2026, 11, 23, 10, 0), local(2026, 11, 23, 12, 0)),
    ]

    assert due_at(start, timedelta(hours=2), OFFICE, paused=paused) == local(2026, 11, 23, 13, 0)

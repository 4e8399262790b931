from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nabar.sla.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 min", timedelta(minutes=3)),
        ("4h", timedelta(hours=4)),
        ("1 h 30 min", timedelta(hours=1, minutes=30)),
        ("1,5 timmar", timedelta(hours=1, minutes=30)),
        ("2 dagar", timedelta(days=2)),
        ("1:30", timedelta(hours=1, minutes=30)),
        ("3 minuter och 30 s", timedelta(minutes=3, seconds=30)),
    ],
)
def test_durations_are_read_as_people_write_them(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "tre minuter", "3", "3 x", "0 min", "-3 min", "400 d"])
def test_unreadable_durations_are_refused(text):
    with pytest.raises(ValueError, match=r"\w"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=60 * 60 * 24 * 365))
def test_a_written_duration_reads_back_the_same(seconds):
    value = timedelta(seconds=seconds)

    assert parse_duration(format_duration(value)) == value

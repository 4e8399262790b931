"""Working hours as people write them, in English or Swedish."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nabar.accounts.hours import DAYS, HoursError, format_week, parse_week


def test_weekdays_and_a_saturday() -> None:
    assert parse_week("mon-fri 08:00-17:00; sat 10-14") == {
        **{day: [["08:00", "17:00"]] for day in DAYS[:5]},
        "sat": [["10:00", "14:00"]],
    }


def test_swedish_day_names_lists_and_split_days() -> None:
    assert parse_week("Mån, ons 8:30–12:00, 13:00–16:30\nlördag 10-14") == {
        "mon": [["08:30", "12:00"], ["13:00", "16:30"]],
        "wed": [["08:30", "12:00"], ["13:00", "16:30"]],
        "sat": [["10:00", "14:00"]],
    }


def test_a_range_over_the_weekend_and_until_midnight() -> None:
    assert parse_week("fri-mon 18:00-24:00") == {
        day: [["18:00", "24:00"]] for day in ("mon", "fri", "sat", "sun")
    }


def test_empty_means_no_hours_of_ones_own() -> None:
    assert parse_week("  ") == {}
    assert format_week({}) == ""


@pytest.mark.parametrize(
    "text", ["mon-fri", "weekdays 8-17", "mon 17:00-08:00", "mon 25:00-26:00", "mon 8-17-18"]
)
def test_text_that_is_not_working_hours_names_the_part(text: str) -> None:
    with pytest.raises(HoursError) as error:
        parse_week(f"sat 10-14; {text}")
    assert error.value.part == text


@given(
    st.dictionaries(
        st.sampled_from(DAYS),
        st.tuples(st.integers(0, 11), st.integers(12, 24)).map(
            lambda t: [[f"{t[0]:02d}:00", f"{t[1]:02d}:00"]]
        ),
    )
)
def test_written_hours_read_back_the_same(week: dict[str, list[list[str]]]) -> None:
    assert parse_week(format_week(week)) == week

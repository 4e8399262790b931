"""Reading forecasts pasted from spreadsheets and CSV files."""

from __future__ import annotations

import pytest

from nabar.waits.erlang import Interval
from nabar.waits.forecast import MAX_INTERVALS, ForecastError, parse_csv, parse_pasted


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """These tests read the English messages; other tests may have left Swedish active."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_every_separator_a_spreadsheet_pastes_is_read():
    text = "Interval\tContacts\n09:00\t120\t300\n09:15 130\n09:30;140;280;90\n09:45,150,300\n"
    assert parse_pasted(text, handle_seconds=200) == [
        Interval("09:00", 120, 300),
        Interval("09:15", 130, 200),
        Interval("09:30", 140, 280, 90),
        Interval("09:45", 150, 300),
    ]


def test_decimal_commas_and_thousands_spaces():
    assert parse_pasted("10:00 4,5\n11:00;1\u00a0200;90,5", handle_seconds=60) == [
        Interval("10:00", 4.5, 60),
        Interval("11:00", 1200, 90.5),
    ]


def test_blank_and_comment_lines_are_skipped_but_counted():
    with pytest.raises(ForecastError) as caught:
        parse_pasted("# morning\n\n09:00 1 60\nnine 2 x", handle_seconds=None)
    assert caught.value.line == 4
    assert "“x” is not a handling time" in str(caught.value)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("09:00", "write an interval and a number of contacts"),
        ("09:00 -3", "cannot be negative"),
        ("09:00 3 0", "is not a handling time"),
        ("09:00 3 60 0", "is not a patience"),
        ("09:00 3 60 30 1", "too many columns"),
        ("x" * 41 + " 3", "longer than 40 characters"),
        ("09:00 nan", "is not a number of contacts"),
    ],
)
def test_each_mistake_names_its_line(line, reason):
    with pytest.raises(ForecastError, match=reason) as caught:
        parse_pasted(f"08:45 1\n{line}", handle_seconds=60)
    assert caught.value.line == 2
    assert str(caught.value).startswith("Line 2: ")


def test_a_forecast_has_a_bounded_length():
    text = "\n".join(f"{i} 1" for i in range(MAX_INTERVALS + 1))
    with pytest.raises(ForecastError, match="at most 500 intervals"):
        parse_pasted(text, handle_seconds=60)


def test_csv_columns_may_come_in_any_order_and_be_left_out():
    text = "contacts,interval\n12,08:00\n"
    assert parse_csv(text, handle_seconds=100, patience_seconds=30) == [
        Interval("08:00", 12, 100, 30)
    ]

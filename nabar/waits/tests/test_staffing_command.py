"""``manage.py staffing`` reads a forecast and prints the agents each interval needs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nabar.waits.erlang import agents_needed


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """These tests read the English messages; other tests may have left Swedish active."""
    from django.utils import translation

    with translation.override("en"):
        yield


def run(*args: str) -> str:
    out = StringIO()
    call_command("staffing", *args, stdout=out)
    return out.getvalue()


def test_a_csv_forecast_prints_a_row_per_interval(tmp_path):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(
        "interval,contacts,handle_seconds,patience_seconds\n"
        "08:00,40,300,\n"
        "08:15,120,300,90\n"
        "\n"
        "08:30,0,300,\n",
        encoding="utf-8",
    )
    output = run("--csv", str(forecast), "--target-seconds", "180", "--target-level", "0.95")
    lines = output.splitlines()
    assert lines[0].split()[:2] == ["interval", "contacts"]
    row = {line.split()[0]: line.split() for line in lines[1:4]}
    expected = agents_needed(
        contacts_per_hour=160, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert row["08:00"][4] == str(expected)
    assert row["08:15"][3] == "90"
    assert row["08:30"][4] == "0"
    assert row["08:30"][5] == "100.0%"
    assert "3 intervals of 15 min" in lines[-1]


def test_a_semicolon_csv_from_a_swedish_spreadsheet_is_read(tmp_path):
    forecast = tmp_path / "prognos.csv"
    forecast.write_text("\ufeffinterval;contacts\n09:00;12,5\n", encoding="utf-8")
    output = run("--csv", str(forecast), "--handle-seconds", "240", "--interval-minutes", "30")
    assert output.splitlines()[1].split()[:3] == ["09:00", "12.5", "240"]


def test_a_single_interval_from_arguments():
    output = run("--contacts", "120", "--handle-seconds", "300", "--label", "peak")
    expected = agents_needed(
        contacts_per_hour=480, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert output.splitlines()[1].split()[:5] == ["peak", "120", "300", "-", str(expected)]
    assert "1 interval of 15 min" in output


def test_patience_uses_erlang_a_and_needs_no_more_agents():
    without = run("--contacts", "120", "--handle-seconds", "300").splitlines()[1].split()
    with_patience = (
        run("--contacts", "120", "--handle-seconds", "300", "--patience-seconds", "60")
        .splitlines()[1]
        .split()
    )
    assert int(with_patience[4]) <= int(without[4])
    assert with_patience[7] != "0.0%"  # some give up


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interval,contacts,handle_seconds\n08:00,40,300\n08:15,lots,300\n", "line 3: “lots”"),
        ("interval,contacts,handle_seconds\n08:00,-4,300\n", "line 2: the number of contacts"),
        ("interval,contacts,handle_seconds\n08:00,4,0\n", "line 2: “0” is not a handling time"),
        ("interval,contacts\n08:00,4\n", "line 2: no handling time"),
        ("interval,contacts,handle_seconds\n08:00,4,300,7,9\n", "line 2: 5 columns"),
        ("when,how many\n08:00,4\n", "line 1: the heading row must name"),
        ("", "line 1: the file is empty"),
        ("interval,contacts,handle_seconds\n", "has no intervals"),
    ],
)
def test_malformed_csv_names_the_line_and_the_reason(tmp_path, content, message):
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("--csv", str(forecast))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give a forecast"),
        (("--contacts", "10"), "--contacts needs --handle-seconds"),
        (
            ("--contacts", "10", "--handle-seconds", "0"),
            "--handle-seconds must be a number above 0",
        ),
        (("--contacts", "-1", "--handle-seconds", "10"), "contacts_per_hour cannot be negative"),
        (
            ("--contacts", "10", "--handle-seconds", "10", "--target-level", "95"),
            "target_level must be between 0 and 1",
        ),
        (
            ("--contacts", "10", "--handle-seconds", "10", "--interval-minutes", "0"),
            "interval_minutes must be more than 0",
        ),
        (
            ("--contacts", "1200", "--handle-seconds", "300", "--max-agents", "10"),
            "Interval -: Even 10 agents cannot answer 95%",
        ),
        (("--csv", "/nonexistent/forecast.csv"), "Cannot read /nonexistent/forecast.csv"),
    ],
)
def test_bad_arguments_are_refused_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)

"""Durations written the way people write them: "3 min", "4 h", "1 h 30 min", "2 dagar". Pure."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS: dict[str, timedelta] = {}
for _names, _unit in (
    (("s", "sec", "secs", "second", "seconds", "sek", "sekund", "sekunder"), timedelta(seconds=1)),
    (("m", "min", "mins", "minute", "minutes", "minut", "minuter"), timedelta(minutes=1)),
    (("h", "hr", "hrs", "hour", "hours", "t", "tim", "timme", "timmar"), timedelta(hours=1)),
    (("d", "day", "days", "dag", "dagar", "dygn"), timedelta(days=1)),
):
    for _name in _names:
        UNITS[_name] = _unit

PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-zåäö]+)\.?", re.IGNORECASE)
SEPARATORS = {"", ",", "+", "och", "and"}
CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)$")
# Longer than this is surely a typing mistake (and would overflow some databases' intervals).
LONGEST = timedelta(days=365)


def parse_duration(text: str) -> timedelta:
    """A positive duration from "3 min", "4 h", "1 h 30 min", "2 dagar" or "1:30" (h:mm).

    Raises ValueError with a plain reason for anything else.
    """
    value = text.strip().lower()
    if not value:
        raise ValueError("empty")
    clock = CLOCK.match(value)
    if clock:
        total = timedelta(hours=int(clock.group(1)), minutes=int(clock.group(2)))
    else:
        total = timedelta(0)
        position = 0
        for match in PART.finditer(value):
            between = value[position : match.start()].strip()
            if between not in SEPARATORS:
                raise ValueError(f"cannot read {between!r}")
            unit = UNITS.get(match.group(2))
            if unit is None:
                raise ValueError(f"unknown unit {match.group(2)!r}")
            total += unit * float(match.group(1).replace(",", "."))
            position = match.end()
        if position == 0 or value[position:].strip():
            raise ValueError(f"cannot read {value[position:].strip() or value!r}")
    total = timedelta(seconds=round(total.total_seconds()))
    if total <= timedelta(0):
        raise ValueError("not positive")
    if total > LONGEST:
        raise ValueError("longer than a year")
    return total


def format_duration(value: timedelta) -> str:
    """The shortest plain form parse_duration reads back: "3 min", "4 h", "1 h 30 min"."""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{n} {unit}"
        for n, unit in ((days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s"))
        if n
    ]
    return " ".join(parts) or "0 s"

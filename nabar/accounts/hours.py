"""An agent's working hours written as people write them: "mon-fri 08:00-17:00; sat 10-14".

Pure: turns text into the opening-hours structure the SLA clock reads
(``{"mon": [["08:00", "17:00"]], ...}``) and back. English and Swedish day names both work.
"""

from __future__ import annotations

import re

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NAMES = {
    **{day: i for i, day in enumerate(DAYS)},
    **{day: i for i, day in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön"))},
    **{
        day: i
        for i, day in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{
        day: i
        for i, day in enumerate(
            ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
        )
    },
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
_DASH = re.compile(r"\s*[-–—]\s*")


class HoursError(ValueError):
    """Text that is not working hours; ``part`` is the piece that could not be read."""

    def __init__(self, part: str) -> None:
        self.part = part
        super().__init__(f"cannot read {part!r}")


def _time(text: str, part: str, *, end: bool = False) -> str:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(part)
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise HoursError(part)
    return f"{hours:02d}:{minutes:02d}"


def _days(text: str, part: str) -> list[int]:
    days: list[int] = []
    for piece in text.split(","):
        ends = _DASH.split(piece.strip().lower().rstrip("."))
        if not all(name in _NAMES for name in ends) or len(ends) > 2:
            raise HoursError(part)
        first, last = _NAMES[ends[0]], _NAMES[ends[-1]]
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        days.extend(day for day in span if day not in days)
    return days


def parse_week(text: str) -> dict[str, list[list[str]]]:
    """``"mon-fri 8-17; sat 10:00-14:00"`` → the opening-hours structure; "" → {} (no hours).

    Parts are separated by ";" or new lines; each is days then one or more time ranges
    separated by commas. Raises ``HoursError`` naming the part that cannot be read.
    """
    week: dict[str, list[list[str]]] = {}
    for raw_part in re.split(r"[;\n]", text):
        part = raw_part.strip()
        if not part:
            continue
        match = re.match(r"^(.*?)\s+(\d.*)$", part)
        if not match:
            raise HoursError(part)
        days = _days(match.group(1), part)
        ranges = []
        for span in match.group(2).split(","):
            ends = _DASH.split(span.strip())
            if len(ends) != 2:
                raise HoursError(part)
            start, stop = _time(ends[0], part), _time(ends[1], part, end=True)
            if stop <= start:
                raise HoursError(part)
            ranges.append([start, stop])
        for day in days:
            week.setdefault(DAYS[day], []).extend(ranges)
    for ranges in week.values():
        ranges.sort()
    return week


def format_week(week: dict[str, list[list[str]]]) -> str:
    """The structure as text ``parse_week`` reads back: consecutive equal days joined."""
    parts: list[str] = []
    day = 0
    while day < 7:
        ranges = week.get(DAYS[day]) or []
        last = day
        while last + 1 < 7 and (week.get(DAYS[last + 1]) or []) == ranges:
            last += 1
        if ranges:
            days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            parts.append(f"{days} " + ", ".join(f"{a}-{b}" for a, b in ranges))
        day = last + 1
    return "; ".join(parts)

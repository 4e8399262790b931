"""Business time: opening hours per weekday in a time zone, holidays closed. Pure, no ORM.

Intervals are local wall-clock times, so a day on which the clocks change has an hour more or
less of opening time. All results are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Looking further ahead than this for an opening means the schedule never opens.
HORIZON_DAYS = 3 * 366


@dataclass(frozen=True)
class BusinessHours:
    tz: str
    days: Mapping[int, tuple[tuple[time, time | None], ...]]  # None as an end means midnight
    holidays: frozenset[date] = field(default_factory=frozenset)
    # Each local day's open intervals in UTC, worked out once (``_day_intervals``).
    _days_utc: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def always(cls, tz: str = "UTC") -> BusinessHours:
        return cls(tz=tz, days={d: ((time(0), None),) for d in range(7)})

    @classmethod
    def from_spec(
        cls,
        spec: Mapping[str, Sequence[Sequence[str]]],
        *,
        tz: str,
        holidays: Iterable[date] = (),
    ) -> BusinessHours:
        try:
            ZoneInfo(tz)
        except Exception as exc:
            raise ValueError(f"Unknown time zone {tz!r}") from exc
        days: dict[int, tuple[tuple[time, time | None], ...]] = {}
        for key, spans in spec.items():
            if key not in DAY_KEYS:
                raise ValueError(f"Unknown day {key!r}; use one of {', '.join(DAY_KEYS)}")
            parsed = []
            for span in spans:
                if len(span) != 2:
                    raise ValueError(f"{key}: each interval needs an opening and a closing time")
                start, end = _parse_time(span[0], key), _parse_end(span[1], key)
                if end is not None and end <= start:
                    raise ValueError(f"{key}: {span[1]} is not after {span[0]}")
                parsed.append((start, end))
            parsed.sort(key=lambda s: s[0])
            days[DAY_KEYS.index(key)] = tuple(parsed)
        return cls(tz=tz, days=days, holidays=frozenset(holidays))

    def to_spec(self) -> dict[str, list[list[str]]]:
        return {
            DAY_KEYS[d]: [
                [s.strftime("%H:%M"), e.strftime("%H:%M") if e else "24:00"]
                for s, e in self.days.get(d, ())
            ]
            for d in range(7)
        }

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


def _parse_time(value: str, key: str) -> time:
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{key}: {value!r} is not a time like 08:30") from exc


def _parse_end(value: str, key: str) -> time | None:
    return None if value == "24:00" else _parse_time(value, key)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("business time needs timezone-aware datetimes")
    return at.astimezone(UTC)


def _intervals(
    start_day: date, hours: BusinessHours, days: int
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals in UTC, day by day from ``start_day`` (local), in order."""
    known = hours._days_utc
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        intervals = known.get(day)
        if intervals is None:
            intervals = known[day] = _day_intervals(day, hours)
        yield from intervals


def _day_intervals(day: date, hours: BusinessHours) -> tuple[tuple[datetime, datetime], ...]:
    if day in hours.holidays:
        return ()
    zone = hours.zone
    intervals = []
    for opens, closes in hours.days.get(day.weekday(), ()):
        begin = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
        if closes is None:
            end_local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            end_local = datetime.combine(day, closes, tzinfo=zone)
        end = end_local.astimezone(UTC)
        if end > begin:
            intervals.append((begin, end))
    return tuple(intervals)


def _from(
    at: datetime, hours: BusinessHours, days: int = HORIZON_DAYS
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals that end after ``at``, clipped to start no earlier than ``at``."""
    local_day = at.astimezone(hours.zone).date() - timedelta(days=1)
    for begin, end in _intervals(local_day, hours, days):
        if end <= at:
            continue
        yield max(begin, at), end


def is_open(at: datetime, hours: BusinessHours) -> bool:
    at = _aware(at)
    for begin, _end in _from(at, hours, days=3):
        return begin <= at
    return False


def next_opening(at: datetime, hours: BusinessHours) -> datetime | None:
    at = _aware(at)
    for begin, _end in _from(at, hours):
        return begin
    return None


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The moment ``duration`` of open time has passed after ``start``."""
    start = _aware(start)
    if duration <= timedelta(0):
        return start
    left = duration
    for begin, end in _from(start, hours):
        span = end - begin
        if span >= left:
            return begin + left
        left -= span
    raise ValueError("these opening hours never open: the time can never pass")


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    start, end = _aware(start), _aware(end)
    if end <= start:
        return -business_time_between(end, start, hours) if end < start else timedelta(0)
    total = timedelta(0)
    # Local days, not 24-hour spans: a day the clocks go forward has 23 hours, so 23 hours can
    # reach a third local day.
    zone = hours.zone
    days = (end.astimezone(zone).date() - start.astimezone(zone).date()).days + 3
    for begin, finish in _from(start, hours, days=days):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def merge_pauses(
    pauses: Sequence[tuple[datetime, datetime]], *, since: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """Pauses sorted, overlapping ones joined, empty ones dropped, clipped to start at ``since``."""
    spans = sorted((_aware(a), _aware(b)) for a, b in pauses)
    floor = _aware(since) if since is not None else None
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in spans:
        if floor is not None:
            begin = max(begin, floor)
        if end <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def due_at(
    start: datetime,
    target: timedelta,
    hours: BusinessHours,
    *,
    paused: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """When a clock started at ``start`` with ``target`` open time runs out, minus paused spans.

    Open time inside a pause does not count: what was left when a pause began runs on from
    its end. A pause that begins after the clock has run out changes nothing.
    """
    start = _aware(start)
    left, cursor = target, start
    for pause_start, pause_end in merge_pauses(paused, since=start):
        if pause_start >= add_business_time(cursor, left, hours):
            break
        left -= business_time_between(cursor, pause_start, hours)
        cursor = pause_end
    return add_business_time(cursor, left, hours)


def running_time(
    start: datetime,
    end: datetime,
    hours: BusinessHours,
    *,
    paused: Sequence[tuple[datetime, datetime]] = (),
) -> timedelta:
    """Open time a clock has run between ``start`` and ``end``, not counting paused spans."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return timedelta(0)
    total = business_time_between(start, end, hours)
    for pause_start, pause_end in merge_pauses(paused, since=start):
        if pause_start >= end:
            break
        total -= business_time_between(pause_start, min(pause_end, end), hours)
    return total


def resumed(
    moment: datetime, *, paused_since: datetime, resumed_at: datetime, hours: BusinessHours
) -> datetime:
    """A deadline after a pause: the open time that was left at the pause runs on from its end.

    A deadline already passed when the pause began stays where it was.
    """
    moment, paused_since = _aware(moment), _aware(paused_since)
    if moment <= paused_since:
        return moment
    left = business_time_between(paused_since, moment, hours)
    return add_business_time(max(_aware(resumed_at), paused_since), left, hours)


def warning_time(
    start: datetime, target: timedelta, window: timedelta, hours: BusinessHours
) -> datetime:
    """When only ``window`` of open time is left of a clock of ``target`` started at ``start``."""
    return add_business_time(start, max(target - window, timedelta(0)), hours)


def remaining(now: datetime, due: datetime, hours: BusinessHours) -> timedelta:
    """Open time left until ``due``; negative once breached."""
    return business_time_between(now, due, hours)

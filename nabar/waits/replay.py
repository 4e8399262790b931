"""Replay a log of live contacts through the wait predictors and measure each one.

Pure: rows of text in, figures out. Each contact that found every agent busy is told a wait by
each predictor, using only what was known at its arrival; the wait it really had is compared
with it. Only answered contacts count (the wait of one who gave up is unknown).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from nabar.waits.live import (
    NO_CALIBRATION,
    Calibration,
    Rates,
    calibrate,
    calibrated,
    estimate_rates,
    predict_live_wait,
)

COLUMNS = ("arrival", "answered", "ended", "abandoned", "agents_available")
PREDICTORS = ("ours", "last to enter service", "head of line", "moving average")
TRUE_WORDS = {"1", "true", "yes", "y", "t"}
FALSE_WORDS = {"", "0", "false", "no", "n", "f"}
# How often, in seconds of the log, the rates and the correction are estimated again.
ESTIMATE_EVERY = 300.0
ESTIMATE_WINDOW = 3600.0
ESTIMATE_AT_LEAST = 200
CALIBRATION_SAMPLES = 300
MOVING_AVERAGE = 10


class ReplayError(ValueError):
    """A line of the log cannot be used; says which line and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Contact:
    """One contact, times in seconds from the start of the log."""

    line: int
    arrival: float
    answered: float | None
    ended: float
    agents: int

    @property
    def abandoned(self) -> bool:
        return self.answered is None


@dataclass(frozen=True)
class Score:
    predictor: str
    count: int
    mean_absolute_error: float
    bias: float
    coverage: float


@dataclass(frozen=True)
class Replay:
    contacts: int
    delayed: int
    abandoned: int
    mean_wait: float
    scores: list[Score]


def _time(value: str, *, line: int, column: str, kind: list[str]) -> float:
    """Seconds: either a number of seconds from the start or an ISO 8601 time (one kind per file)."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        found = "seconds"
        seconds = number
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ReplayError(
                line, f"{column} {text!r} is neither seconds nor an ISO 8601 time"
            ) from None
        if moment.tzinfo is None:
            raise ReplayError(line, f"{column} {text!r} has no time zone (add Z or +01:00)")
        found = "iso"
        seconds = moment.timestamp()
    if not kind:
        kind.append(found)
    elif kind[0] != found:
        raise ReplayError(line, f"{column} mixes ISO times and seconds in one file")
    return seconds


def parse_rows(rows: Iterable[Sequence[str]]) -> list[Contact]:
    """Read the log: a header line naming the columns, then one contact per line.

    Raises ``ReplayError`` with the line number for anything that cannot be used.
    """
    iterator = iter(rows)
    try:
        header = [name.strip().lower() for name in next(iterator)]
    except StopIteration:
        raise ReplayError(1, "the file is empty") from None
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ReplayError(1, "missing column(s): " + ", ".join(missing))
    index = {name: header.index(name) for name in COLUMNS}
    kind: list[str] = []
    raw: list[tuple[int, float, float | None, float, int]] = []
    for number, row in enumerate(iterator, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise ReplayError(number, f"expected {len(header)} fields, found {len(row)}")
        cell = {name: row[i].strip() for name, i in index.items()}
        if not cell["arrival"]:
            raise ReplayError(number, "arrival is empty")
        arrival = _time(cell["arrival"], line=number, column="arrival", kind=kind)
        answered = (
            _time(cell["answered"], line=number, column="answered", kind=kind)
            if cell["answered"]
            else None
        )
        if not cell["ended"]:
            raise ReplayError(number, "ended is empty")
        ended = _time(cell["ended"], line=number, column="ended", kind=kind)
        flag = cell["abandoned"].lower()
        if flag not in TRUE_WORDS | FALSE_WORDS:
            raise ReplayError(number, f"abandoned {cell['abandoned']!r} is not yes/no or 1/0")
        abandoned = flag in TRUE_WORDS
        if abandoned and answered is not None:
            raise ReplayError(number, "a contact that gave up cannot have been answered")
        if not abandoned and answered is None:
            raise ReplayError(number, "answered is empty but the contact did not give up")
        if answered is not None and answered < arrival:
            raise ReplayError(number, "answered before it arrived")
        if ended < (answered if answered is not None else arrival):
            raise ReplayError(number, "ended before it was answered or arrived")
        try:
            agents = int(cell["agents_available"])
        except ValueError:
            raise ReplayError(
                number, f"agents_available {cell['agents_available']!r} is not a whole number"
            ) from None
        if agents < 0:
            raise ReplayError(number, "agents_available is negative")
        raw.append((number, arrival, answered, ended, agents))
    if not raw:
        raise ReplayError(2, "no contacts after the header")
    start = min(arrival for _, arrival, _, _, _ in raw)
    return sorted(
        (
            Contact(
                line=line,
                arrival=arrival - start,
                answered=None if answered is None else answered - start,
                ended=ended - start,
                agents=agents,
            )
            for line, arrival, answered, ended, agents in raw
        ),
        key=lambda c: (c.arrival, c.line),
    )


# Event kinds, in the order they are handled at the same moment: whoever leaves frees room for
# whoever arrives at that instant, and a contact arrives before it can be answered.
_SERVICE_END, _GAVE_UP, _ARRIVAL, _ANSWERED = range(4)


def replay(contacts: Sequence[Contact], *, target_seconds: float = 180.0) -> Replay:
    """Tell each delayed contact a wait by every predictor; score them against the real waits."""
    events: list[tuple[float, int, int]] = []
    for i, contact in enumerate(contacts):
        events.append((contact.arrival, _ARRIVAL, i))
        if contact.answered is None:
            events.append((contact.ended, _GAVE_UP, i))
        else:
            events.append((contact.answered, _ANSWERED, i))
            events.append((contact.ended, _SERVICE_END, i))
    events.sort()

    waiting: set[int] = set()
    head: list[tuple[float, int]] = []  # (arrival, contact) of those waiting, lazily cleaned
    in_service = 0
    last_wait = 0.0
    recent: deque[float] = deque(maxlen=MOVING_AVERAGE)
    handled: deque[tuple[float, float]] = deque()
    waited: deque[tuple[float, float, bool]] = deque()
    outcomes: deque[tuple[float, float, float]] = deque(maxlen=CALIBRATION_SAMPLES)
    told: dict[int, tuple[float, ...]] = {}
    raw: dict[int, tuple[float, float]] = {}
    rates: Rates = estimate_rates(handle_seconds=[], waited_seconds=[], abandoned=0)
    calibration: Calibration = NO_CALIBRATION
    next_estimate = -math.inf

    for now, kind, i in events:
        contact = contacts[i]
        if kind == _SERVICE_END:
            in_service -= 1
            assert contact.answered is not None
            handled.append((now, contact.ended - contact.answered))
        elif kind == _ANSWERED:
            waiting.discard(i)
            in_service += 1
            wait = now - contact.arrival
            last_wait = wait
            recent.append(wait)
            waited.append((now, wait, False))
            if i in raw:
                outcomes.append((*raw.pop(i), wait))
        elif kind == _GAVE_UP:
            waiting.discard(i)
            waited.append((now, now - contact.arrival, True))
            raw.pop(i, None)
        else:
            if now >= next_estimate:
                rates = _rates(handled, waited, now)
                calibration = calibrate(outcomes=outcomes)
                next_estimate = now + ESTIMATE_EVERY
            free = contact.agents - in_service
            ahead = len(waiting)
            if free > ahead:
                # Someone is free: no wait to announce.
                pass
            else:
                uncorrected = predict_live_wait(
                    ahead=ahead,
                    agents_now=contact.agents,
                    rates=rates,
                    target_seconds=target_seconds,
                )
                ours = calibrated(uncorrected, calibration)
                if uncorrected.enough_data:
                    raw[i] = (uncorrected.mean_seconds, uncorrected.p90_seconds)
                while head and head[0][1] not in waiting:
                    heapq.heappop(head)
                hol = now - head[0][0] if head else last_wait
                moving = sum(recent) / len(recent) if recent else 0.0
                told[i] = (ours.mean_seconds, last_wait, hol, moving, ours.p90_seconds)
            waiting.add(i)
            heapq.heappush(head, (contact.arrival, i))

    actual: list[float] = []
    predicted: list[tuple[float, ...]] = []
    for i, values in told.items():
        answered = contacts[i].answered
        if answered is None:
            continue
        actual.append(answered - contacts[i].arrival)
        predicted.append(values)
    scores = []
    for column, name in enumerate(PREDICTORS):
        errors = [p[column] - a for p, a in zip(predicted, actual, strict=True)]
        upper = [p[4] if column == 0 else p[column] for p in predicted]
        count = len(errors)
        scores.append(
            Score(
                predictor=name,
                count=count,
                mean_absolute_error=sum(abs(e) for e in errors) / count if count else math.nan,
                bias=sum(errors) / count if count else math.nan,
                coverage=(
                    sum(a <= u for a, u in zip(actual, upper, strict=True)) / count
                    if count
                    else math.nan
                ),
            )
        )
    return Replay(
        contacts=len(contacts),
        delayed=len(actual),
        abandoned=sum(1 for c in contacts if c.abandoned),
        mean_wait=sum(actual) / len(actual) if actual else math.nan,
        scores=scores,
    )


def _rates(
    handled: deque[tuple[float, float]], waited: deque[tuple[float, float, bool]], now: float
) -> Rates:
    since = now - ESTIMATE_WINDOW
    while len(handled) > ESTIMATE_AT_LEAST and handled[0][0] < since:
        handled.popleft()
    while len(waited) > ESTIMATE_AT_LEAST and waited[0][0] < since:
        waited.popleft()
    return estimate_rates(
        handle_seconds=[h for _, h in handled],
        waited_seconds=[w for _, w, _ in waited],
        abandoned=sum(1 for _, _, gave_up in waited if gave_up),
    )

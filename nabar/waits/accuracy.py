"""How close announced waits came to the real ones. Pure: plain rows in, figures out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One announced wait and what happened (``waited_seconds`` None: still waiting)."""

    channel: str
    median_seconds: float
    p90_seconds: float
    waited_seconds: float | None
    abandoned: bool = False


@dataclass(frozen=True)
class ChannelAccuracy:
    """Per channel: errors of the announced "most likely" wait over the answered contacts."""

    channel: str
    count: int
    mean_absolute_error: float
    bias: float
    within_upper: float
    waiting: int
    abandoned: int


def summarise(rows: Iterable[Outcome]) -> list[ChannelAccuracy]:
    """Per channel: MAE and bias (announced minus real, seconds) of the median, the share
    answered no later than the announced upper bound, and how many are still waiting or gave
    up (those have no real wait to compare with). Channels in alphabetical order."""
    errors: dict[str, list[float]] = defaultdict(list)
    within: dict[str, int] = defaultdict(int)
    waiting: dict[str, int] = defaultdict(int)
    abandoned: dict[str, int] = defaultdict(int)
    channels: set[str] = set()
    for row in rows:
        channels.add(row.channel)
        if row.abandoned:
            abandoned[row.channel] += 1
        elif row.waited_seconds is None:
            waiting[row.channel] += 1
        else:
            errors[row.channel].append(row.median_seconds - row.waited_seconds)
            within[row.channel] += row.waited_seconds <= row.p90_seconds
    summary = []
    for channel in sorted(channels):
        found = errors[channel]
        count = len(found)
        summary.append(
            ChannelAccuracy(
                channel=channel,
                count=count,
                mean_absolute_error=sum(abs(e) for e in found) / count if count else 0.0,
                bias=sum(found) / count if count else 0.0,
                within_upper=within[channel] / count if count else 0.0,
                waiting=waiting[channel],
                abandoned=abandoned[channel],
            )
        )
    return summary

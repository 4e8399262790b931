"""Wait-time prediction. Pure functions: plain values in, plain values out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from nabar.sla.clock import BusinessHours, add_business_time


def erlang_cdf(t: float, *, steps: int, rate: float) -> float:
    """P(the sum of ``steps`` exponential waits at ``rate`` is at most ``t``)."""
    if t <= 0:
        return 0.0
    x = rate * t
    term = math.exp(-x)
    total = term
    for i in range(1, steps):
        term *= x / i
        total += term
    return max(0.0, min(1.0, 1.0 - total))


def erlang_quantile(q: float, *, steps: int, rate: float) -> float:
    """The ``q`` quantile of that sum, by bisection (monotone, so this always converges)."""
    low, high = 0.0, (steps + 10 * math.sqrt(steps) + 10) / rate
    for _ in range(80):
        mid = (low + high) / 2
        if erlang_cdf(mid, steps=steps, rate=rate) < q:
            low = mid
        else:
            high = mid
    return high


@dataclass(frozen=True)
class WaitEstimate:
    """Seconds from now (wall clock) until a person most likely (median) and at the latest (p90) answers."""

    median_seconds: float
    p90_seconds: float
    mean_seconds: float
    basis: str
    enough_data: bool


def predict_written_wait(
    *,
    ahead: int,
    replies_per_hour: float | None,
    now: datetime,
    hours: BusinessHours,
    fallback: timedelta,
) -> WaitEstimate:
    """Backlog ahead over the measured reply rate, laid onto opening hours.

    Answering the ``ahead`` cases and then this one is modelled as ``ahead + 1`` exponential
    steps at the measured rate (a gamma distribution), giving a median and a 90th percentile
    in open hours, which are then walked through the opening hours.
    """
    if not replies_per_hour or replies_per_hour <= 0:
        latest = add_business_time(now, fallback, hours)
        likely = add_business_time(now, fallback / 2, hours)
        return WaitEstimate(
            median_seconds=(likely - now).total_seconds(),
            p90_seconds=(latest - now).total_seconds(),
            mean_seconds=(likely - now).total_seconds(),
            basis="too little reply history: the reply target",
            enough_data=False,
        )
    steps = ahead + 1
    scale = 1 / replies_per_hour
    median_h = erlang_quantile(0.5, steps=steps, rate=replies_per_hour)
    p90_h = erlang_quantile(0.9, steps=steps, rate=replies_per_hour)
    likely = add_business_time(now, timedelta(hours=median_h), hours)
    latest = add_business_time(now, timedelta(hours=p90_h), hours)
    return WaitEstimate(
        median_seconds=(likely - now).total_seconds(),
        p90_seconds=(latest - now).total_seconds(),
        mean_seconds=(
            add_business_time(now, timedelta(hours=steps * scale), hours) - now
        ).total_seconds(),
        basis=f"{ahead} ahead at {replies_per_hour:.1f} replies per open hour",
        enough_data=True,
    )

"""Wait-time prediction. Pure functions: plain values in, plain values out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from nabar.sla.clock import BusinessHours, add_business_time, business_time_between


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


def busy_open_hours(
    intervals: list[tuple[datetime, datetime]],
    *,
    since: datetime,
    until: datetime,
    hours: BusinessHours,
) -> float:
    """Open hours between ``since`` and ``until`` in which at least one interval was running.

    ``intervals``: (start, end) of each case's wait for its first reply. Overlapping waits
    count once: a person with three cases waiting is busy, not busy three times over.
    """
    clipped = sorted(
        (max(start, since), min(end, until)) for start, end in intervals if end > since
    )
    total = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, end in clipped:
        if end <= start:
            continue
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += business_time_between(current[0], current[1], hours).total_seconds()
        current = (start, end)
    if current is not None:
        total += business_time_between(current[0], current[1], hours).total_seconds()
    return total / 3600


@dataclass(frozen=True)
class WaitEstimate:
    """Seconds from now (wall clock) until a person most likely (median) and at the latest (p90) answers.

    ``open_median_hours`` and ``open_p90_hours`` are the same range in open hours as the queue
    model gave it, before any learnt correction: what ``calibrate_written`` later compares with
    the real wait. They are None when the estimate fell back to the reply target.
    """

    median_seconds: float
    p90_seconds: float
    mean_seconds: float
    basis: str
    enough_data: bool
    open_median_hours: float | None = None
    open_p90_hours: float | None = None


@dataclass(frozen=True)
class OpenTimeCalibration:
    """Factors for the median and the 90th percentile in open hours, learnt from outcomes."""

    median: float = 1.0
    upper: float = 1.0
    samples: int = 0
    min_samples: int = 30

    @property
    def learnt(self) -> bool:
        """Learnt from enough cases to be used (below that the factors stay 1)."""
        return self.samples >= self.min_samples


def _conformal(ratios: list[float], level: float) -> float:
    """The ⌈(n+1)·level⌉-th smallest ratio: at least ``level`` of the next ones fall below."""
    ordered = sorted(ratios)
    rank = min(len(ordered), math.ceil((len(ordered) + 1) * level))
    return ordered[rank - 1]


# The learnt factor of the likely time never goes below this.
MIN_MEDIAN_FACTOR = 0.1


def calibrate_written(
    outcomes: list[tuple[float, float, float]], *, min_samples: int = 30
) -> OpenTimeCalibration:
    """What recent written cases teach about the announced range.

    ``outcomes``: (announced median, announced 90th percentile, real wait) of answered cases,
    all three in open time (hours or seconds, the same unit), as announced before any
    correction. The measured reply rate counts replies, not the time agents could have
    replied, so in quiet hours it understates how fast a short queue is answered and after a
    quiet spell it understates the pace on a backlog; the factors correct the range for that.
    The latest time is only ever moved later: recent cases answered early do not shorten a
    promise that has to hold in the next, perhaps busier, hours (measured: moving it earlier by
    the same rule kept 80 to 90 % of the promises instead of 90 %, see docs/benchmarks.md).
    The likely time is never brought below a tenth of the model's (``MIN_MEDIAN_FACTOR``):
    replies that take no open time at all (written outside the opening hours) say more about
    the opening hours than about the pace.
    """
    usable = [(m, u, r) for m, u, r in outcomes if m > 0 and u > 0 and r >= 0]
    if len(usable) < min_samples:
        return OpenTimeCalibration(samples=len(usable), min_samples=min_samples)
    return OpenTimeCalibration(
        median=max(MIN_MEDIAN_FACTOR, _conformal([r / m for m, _, r in usable], 0.5)),
        upper=max(1.0, _conformal([r / u for _, u, r in usable], 0.9)),
        samples=len(usable),
        min_samples=min_samples,
    )


def predict_written_wait(
    *,
    ahead: int,
    replies_per_hour: float | None,
    now: datetime,
    hours: BusinessHours,
    fallback: timedelta,
    calibration: OpenTimeCalibration | None = None,
) -> WaitEstimate:
    """Backlog ahead over the measured reply rate, laid onto opening hours.

    Answering the ``ahead`` cases and then this one is modelled as ``ahead + 1`` exponential
    steps at the measured rate (a gamma distribution), giving a median and a 90th percentile
    in open hours, which are then walked through the opening hours. ``calibration`` (from
    ``calibrate_written``) scales both by how the announced ranges of recent cases turned out.
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
    plain_median_h = erlang_quantile(0.5, steps=steps, rate=replies_per_hour)
    plain_p90_h = erlang_quantile(0.9, steps=steps, rate=replies_per_hour)
    median_h, p90_h = plain_median_h, plain_p90_h
    basis = f"{ahead} ahead at {replies_per_hour:.1f} replies per open hour"
    if calibration is not None and calibration.learnt:
        median_h *= calibration.median
        p90_h = max(median_h, p90_h * calibration.upper)
        basis += (
            f", corrected ×{calibration.median:.2f} (likely) and ×{calibration.upper:.2f}"
            f" (latest) from {calibration.samples} answered cases"
        )
    likely = add_business_time(now, timedelta(hours=median_h), hours)
    latest = add_business_time(now, timedelta(hours=p90_h), hours)
    return WaitEstimate(
        median_seconds=(likely - now).total_seconds(),
        p90_seconds=(latest - now).total_seconds(),
        mean_seconds=(
            add_business_time(now, timedelta(hours=steps * scale), hours) - now
        ).total_seconds(),
        basis=basis,
        enough_data=True,
        open_median_hours=plain_median_h,
        open_p90_hours=plain_p90_h,
    )

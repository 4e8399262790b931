"""Weeks of written cases (e-mail, web form) against the announced reply range.

Cases arrive day and night (more in office hours); a team replies only in opening hours
(Mon-Fri 08:00-17:00, Europe/Stockholm), each agent taking the oldest unanswered case. Every case
is told a range when it arrives, by ``nabar.waits.predict.predict_written_wait`` with the cases
ahead of it and the reply rate measured as the product measures it (``nabar.tickets.expected``:
the last replies over the opening hours they took). A one-person setup stands for a case with an
owner, whose rate is also measured as the product measures an owner's: the faster of that and
the replies over the open hours in which a case was waiting. The real wait is the time to the
first reply.

    .venv/bin/python bench/written_week.py --weeks 8
"""

from __future__ import annotations

import argparse
import heapq
import math
import sys
import time
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabar.sla.clock import BusinessHours, add_business_time, business_time_between
from nabar.waits.predict import (
    OpenTimeCalibration,
    busy_open_hours,
    calibrate_written,
    predict_written_wait,
)

ZONE = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 11, 23, tzinfo=ZONE)  # a Monday
OFFICE = BusinessHours.from_spec(
    {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}, tz=ZONE.key
)
# As nabar.tickets.expected measures the reply rate.
RATE_WINDOW = timedelta(hours=8)
RATE_REPLIES = 200
MIN_REPLIES = 3
MIN_BUSY_HOURS = 1.0
FALLBACK = timedelta(hours=4)
WARM_UP = timedelta(days=7)


def arrivals_per_hour(at: datetime, scale: float) -> float:
    local = at.astimezone(ZONE)
    weekend = local.weekday() >= 5
    hour = local.hour
    if weekend:
        base = 2.0
    elif 8 <= hour < 17:
        base = 8.0
    elif 17 <= hour < 22 or 6 <= hour < 8:
        base = 3.0
    else:
        base = 1.0
    return base * scale


# As nabar.tickets.expected learns: the last 300 answered cases announced in the last 28 days.
CALIBRATION_SAMPLES = 300
CALIBRATION_DAYS = 28


def simulate(
    *, weeks: int, agents: int, handle_minutes: float, scale: float, seed: int, learn: bool
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    end = START + timedelta(weeks=weeks)
    # Arrivals by thinning at the highest rate.
    peak = 8.0 * scale
    arrivals: list[datetime] = []
    t = START
    while True:
        t += timedelta(hours=float(rng.exponential(1 / peak)))
        if t >= end:
            break
        if rng.uniform() < arrivals_per_hour(t, scale) / peak:
            arrivals.append(t)
    sigma = math.sqrt(math.log(1 + 0.8**2))
    handle = rng.lognormal(math.log(handle_minutes) - sigma**2 / 2, sigma, len(arrivals))

    replies: deque[datetime] = deque(maxlen=RATE_REPLIES)
    first_replies: deque[tuple[int, datetime]] = deque(maxlen=RATE_REPLIES)
    unanswered_cases: set[int] = set()
    answered_at: list[datetime | None] = [None] * len(arrivals)
    told: list[tuple[float, float, bool] | None] = [None] * len(arrivals)
    waiting: deque[int] = deque()  # not yet taken by an agent
    unanswered = 0  # cases with no reply yet (waiting or being written)
    free_agents = agents
    finishing: list[tuple[datetime, int]] = []  # (reply time, case)
    # Open-time (median, latest, real) of answered cases, as announced before correction.
    outcomes: deque[tuple[datetime, float, float, float]] = deque(maxlen=CALIBRATION_SAMPLES)
    announced: dict[int, tuple[float, float]] = {}
    calibration = OpenTimeCalibration()
    next_calibration = START

    def take_cases(now: datetime) -> None:
        nonlocal free_agents
        while free_agents and waiting:
            case = waiting.popleft()
            free_agents -= 1
            done = add_business_time(now, timedelta(minutes=float(handle[case])), OFFICE)
            heapq.heappush(finishing, (done, case))

    def reply_rate(now: datetime) -> float | None:
        since = now - timedelta(days=14)
        recent = [r for r in replies if r >= since]
        if len(recent) < MIN_REPLIES:
            return None
        open_time = business_time_between(recent[0], now, OFFICE)
        rate = len(recent) / (max(open_time, RATE_WINDOW).total_seconds() / 3600)
        if agents > 1:
            return rate
        # One person's own queue: replies over the open hours in which a case waited.
        answered = [(arrivals[c], at) for c, at in first_replies if at >= since]
        intervals = answered + [(arrivals[c], now) for c in unanswered_cases]
        start = max(since, min(s for s, _ in answered))
        busy = busy_open_hours(intervals, since=start, until=now, hours=OFFICE)
        return max(rate, len(answered) / max(busy, MIN_BUSY_HOURS))

    started = time.perf_counter()
    for index, now in enumerate(arrivals):
        while finishing and finishing[0][0] <= now:
            done, case = heapq.heappop(finishing)
            answered_at[case] = done
            replies.append(done)
            first_replies.append((case, done))
            unanswered_cases.discard(case)
            unanswered -= 1
            free_agents += 1
            take_cases(done)
            if case in announced:
                real = business_time_between(arrivals[case], done, OFFICE).total_seconds()
                outcomes.append((arrivals[case], *announced.pop(case), real))
        # As in the product, a team's queue learns; one person's own queue does not.
        if learn and agents > 1 and now >= next_calibration:
            since = now - timedelta(days=CALIBRATION_DAYS)
            calibration = calibrate_written([o[1:] for o in outcomes if o[0] >= since])
            next_calibration = now + timedelta(hours=1)
        rate = reply_rate(now)
        estimate = predict_written_wait(
            ahead=unanswered,
            replies_per_hour=rate,
            now=now,
            hours=OFFICE,
            fallback=FALLBACK,
            calibration=calibration,
        )
        if rate is not None:
            # The range as announced before any correction, in open time.
            plain = predict_written_wait(
                ahead=unanswered, replies_per_hour=rate, now=now, hours=OFFICE, fallback=FALLBACK
            )
            announced[index] = (
                business_time_between(
                    now, now + timedelta(seconds=plain.median_seconds), OFFICE
                ).total_seconds(),
                business_time_between(
                    now, now + timedelta(seconds=plain.p90_seconds), OFFICE
                ).total_seconds(),
            )
        told[index] = (estimate.median_seconds, estimate.p90_seconds, estimate.enough_data)
        unanswered += 1
        unanswered_cases.add(index)
        waiting.append(index)
        take_cases(now)
    while finishing:
        done, case = heapq.heappop(finishing)
        answered_at[case] = done
        free_agents += 1
        take_cases(done)

    real: list[float] = []
    median: list[float] = []
    upper: list[float] = []
    for at, reply, estimate in zip(arrivals, answered_at, told, strict=True):
        if at < START + WARM_UP or reply is None or estimate is None or not estimate[2]:
            continue
        real.append((reply - at).total_seconds())
        median.append(estimate[0])
        upper.append(estimate[1])
    r, m, u = np.array(real), np.array(median), np.array(upper)
    return {
        "cases": len(real),
        "mean_wait_h": float(r.mean()) / 3600,
        "below_median": float(np.mean(r <= m)),
        "below_upper": float(np.mean(r <= u)),
        "mae_h": float(np.abs(m - r).mean()) / 3600,
        "bias_h": float((m - r).mean()) / 3600,
        "seconds": time.perf_counter() - started,
    }


SETUPS = (
    ("4 agents, 15 min a reply", {"agents": 4, "handle_minutes": 15.0, "scale": 1.0}),
    ("3 agents, 12 min a reply (busier)", {"agents": 3, "handle_minutes": 12.0, "scale": 1.0}),
    ("10 agents, 15 min, 2.5x cases", {"agents": 10, "handle_minutes": 15.0, "scale": 2.5}),
    ("2 agents, 20 min, 0.4x cases", {"agents": 2, "handle_minutes": 20.0, "scale": 0.4}),
    ("1 agent, 10 min, 0.08x cases", {"agents": 1, "handle_minutes": 10.0, "scale": 0.08}),
    ("1 agent, 30 min, 0.15x cases", {"agents": 1, "handle_minutes": 30.0, "scale": 0.15}),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"# {args.weeks} weeks per setup (the first is warm-up), seed {args.seed}")
    print(
        f"{'setup':<38}{'cases':>7}{'mean h':>8}{'≤ likely':>10}{'≤ latest':>10}"
        f"{'MAE h':>8}{'bias h':>8}"
    )
    for learn in (False, True):
        print("\nlearning from answered cases" if learn else "as measured, no correction")
        for index, (name, setup) in enumerate(SETUPS):
            result = simulate(weeks=args.weeks, seed=args.seed + index, learn=learn, **setup)  # type: ignore[arg-type]
            print(
                f"{name:<38}{result['cases']:>7.0f}{result['mean_wait_h']:>8.2f}"
                f"{result['below_median']:>10.3f}{result['below_upper']:>10.3f}"
                f"{result['mae_h']:>8.2f}{result['bias_h']:>8.2f}"
            )
    print("target: about 0.5 answered by the likely time and 0.9 by the latest time told")


if __name__ == "__main__":
    main()

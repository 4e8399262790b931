"""A simulated contact-centre day that drives the live-channel wait predictor.

Time-varying Poisson arrivals, lognormal handling times, exponential patience, and a shift plan
from Erlang A staffing (``nabar.waits.erlang.agents_needed`` per half hour). Every customer who
finds all agents busy is told a wait by four predictors, and what happened is compared with it:

- ours: ``nabar.waits.live.predict_live_wait`` with the agents logged in now, the shift plan and
  rates estimated from the last hour (it never sees the outcome of a waiting customer);
- LES: the wait of the last customer to enter service;
- HOL: how long the customer at the head of the queue has waited (LES with nobody ahead);
- MA: the mean wait of the last 10 customers to enter service.

Only answered customers who had to wait count (the wait of one who gave up is unknown).

    .venv/bin/python bench/contact_centre.py --days 20
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabar.waits.erlang import agents_needed
from nabar.waits.live import (
    NO_CALIBRATION,
    Rates,
    calibrate,
    calibrated,
    estimate_rates,
    predict_live_wait,
)

OPEN_SECONDS = 12 * 3600  # 08:00-20:00
INTERVAL = 1800
HANDLE_MEAN = 240.0
HANDLE_CV = 1.0
PATIENCE_MEAN = 480.0
TARGET_SECONDS = 180.0
TARGET_LEVEL = 0.95
# Peak contacts per hour for the base centre.
PEAK_PER_HOUR = 150.0
ESTIMATE_EVERY = 300.0
ESTIMATE_WINDOW = 3600.0
# Rates come from the last hour, but from at least this many contacts (so a morning starts from
# yesterday's evening instead of from nothing).
ESTIMATE_AT_LEAST = 200
# The correction is learned from the outcomes of this many recently answered customers.
CALIBRATION_SAMPLES = 300
DAY = 86400.0
PREDICTORS = ("ours", "LES", "HOL", "MA")


@dataclass(frozen=True)
class Scenario:
    name: str
    size: float = 1.0
    staffing: float = 1.0
    demand: float = 1.0
    absence: float = 0.0
    correct_agents: bool = True


SCENARIOS = (
    Scenario("normal"),
    Scenario("85 % staffing", staffing=0.85),
    Scenario("demand +20 %", demand=1.2),
    Scenario("5x centre", size=5.0),
    Scenario("overload", demand=1.6),
    Scenario("15 % absent", absence=0.15, correct_agents=False),
)


def forecast_per_hour(hour: float, size: float) -> float:
    """The forecast: a morning and an afternoon peak (hour 0 = opening)."""
    shape = (
        0.35
        + 0.65 * math.exp(-(((hour - 2.5) / 1.4) ** 2))
        + 0.5 * math.exp(-(((hour - 7.0) / 1.8) ** 2))
    )
    return PEAK_PER_HOUR * size * shape


def shift_plan(size: float) -> list[int]:
    """Agents per half hour from Erlang A for the forecast."""
    plan = []
    for i in range(OPEN_SECONDS // INTERVAL):
        rate = forecast_per_hour((i + 0.5) * INTERVAL / 3600, size)
        plan.append(
            agents_needed(
                contacts_per_hour=rate,
                handle_seconds=HANDLE_MEAN,
                target_seconds=TARGET_SECONDS,
                target_level=TARGET_LEVEL,
                patience_seconds=PATIENCE_MEAN,
            )
        )
    return plan


@dataclass
class DayResult:
    actual: list[float] = field(default_factory=list)
    predicted: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PREDICTORS})
    upper: list[float] = field(default_factory=list)
    median: list[float] = field(default_factory=list)
    arrivals: int = 0
    within_target: int = 0
    abandoned: int = 0
    seconds: float = 0.0


@dataclass
class History:
    """What the centre remembers from one day to the next (times are absolute seconds)."""

    handled: deque[tuple[float, float]] = field(default_factory=deque)
    waited: deque[tuple[float, float, bool]] = field(default_factory=deque)
    outcomes: deque[tuple[float, float, float]] = field(
        default_factory=lambda: deque(maxlen=CALIBRATION_SAMPLES)
    )


def simulate_day(
    scenario: Scenario, seed: int, day: int, history: History, *, learn: bool = True
) -> DayResult:
    rng = np.random.default_rng(seed)
    offset = day * DAY
    plan = shift_plan(scenario.size)
    staffed = [max(1, round(n * scenario.staffing)) for n in plan]
    announced = staffed  # what the shift plan says
    present = [max(1, round(n * (1 - scenario.absence))) for n in staffed]

    # Arrivals by thinning a Poisson process at the highest rate.
    peak = max(forecast_per_hour(h / 10, scenario.size) for h in range(0, 121)) * scenario.demand
    count = rng.poisson(peak / 3600 * OPEN_SECONDS * 1.05)
    times = np.sort(rng.uniform(0, OPEN_SECONDS, count))
    keep = rng.uniform(0, 1, count) < np.array(
        [forecast_per_hour(t / 3600, scenario.size) * scenario.demand / peak for t in times]
    )
    arrivals = times[keep]
    n_arr = len(arrivals)
    sigma = math.sqrt(math.log(1 + HANDLE_CV**2))
    handle = rng.lognormal(math.log(HANDLE_MEAN) - sigma**2 / 2, sigma, n_arr)
    patience = rng.exponential(PATIENCE_MEAN, n_arr)

    result = DayResult(arrivals=n_arr)
    started = time.perf_counter()
    events: list[tuple[float, int, int, int]] = []  # (time, kind, seq, data)
    DEPART, ABANDON, SHIFT = 0, 1, 2
    seq = 0
    for i in range(1, len(present)):
        heapq.heappush(events, (i * INTERVAL, SHIFT, seq, i))
        seq += 1

    staying = present[0]  # agents logged in who take the next contact
    busy_staying = 0
    leaving_busy = 0  # agents finishing a last contact before logging off
    # Busy agents are tracked by a flag per service: 1 if that agent will stay.
    queue: deque[int] = deque()
    waiting = 0
    state = np.zeros(n_arr, dtype=np.int8)  # 0 new, 1 waiting, 2 served, 3 abandoned
    wait = np.full(n_arr, math.nan)
    predictions: dict[int, tuple[float, float, float, float, float, float]] = {}
    raw: dict[int, tuple[float, float]] = {}
    last_wait = 0.0
    recent_waits: deque[float] = deque(maxlen=10)
    history_handled = history.handled  # (end time, handle seconds)
    history_waited = history.waited  # (time, waited, gave up)
    rates = estimate_rates(handle_seconds=[], waited_seconds=[], abandoned=0)
    calibration = NO_CALIBRATION
    next_estimate = 0.0
    service_owner: dict[int, bool] = {}  # customer -> agent stays after this contact

    def start_service(customer: int, now: float) -> None:
        nonlocal seq, busy_staying, last_wait
        state[customer] = 2
        w = now - arrivals[customer]
        wait[customer] = w
        last_wait = w
        recent_waits.append(w)
        busy_staying += 1
        service_owner[customer] = True
        heapq.heappush(events, (now + handle[customer], DEPART, seq, customer))
        seq += 1
        if customer in raw:
            # Known now, so later predictions may learn from it.
            history.outcomes.append((*raw.pop(customer), w))

    def serve_queue(now: float) -> None:
        nonlocal waiting
        while busy_staying < staying and waiting > 0:
            customer = queue.popleft()
            if state[customer] != 1:
                continue
            waiting -= 1
            history_waited.append((offset + now, now - arrivals[customer], False))
            start_service(customer, now)

    def refresh_rates(now: float) -> Rates:
        since = offset + now - ESTIMATE_WINDOW
        while len(history_handled) > ESTIMATE_AT_LEAST and history_handled[0][0] < since:
            history_handled.popleft()
        while len(history_waited) > ESTIMATE_AT_LEAST and history_waited[0][0] < since:
            history_waited.popleft()
        return estimate_rates(
            handle_seconds=[h for _, h in history_handled],
            waited_seconds=[w for _, w, _ in history_waited],
            abandoned=sum(1 for _, _, gave_up in history_waited if gave_up),
            prior_handle_seconds=300.0,
            prior_patience_seconds=600.0,
        )

    arrival_index = 0
    while arrival_index < n_arr or events:
        next_arrival = arrivals[arrival_index] if arrival_index < n_arr else math.inf
        if events and events[0][0] <= next_arrival:
            now, kind, _, data = heapq.heappop(events)
            if kind == DEPART:
                history_handled.append((offset + now, float(handle[data])))
                if service_owner.pop(data):
                    busy_staying -= 1
                else:
                    leaving_busy -= 1
                serve_queue(now)
            elif kind == ABANDON:
                if state[data] == 1:
                    state[data] = 3
                    waiting -= 1
                    result.abandoned += 1
                    history_waited.append((offset + now, now - arrivals[data], True))
            else:
                target = present[data]
                if target > staying:
                    staying = target
                    serve_queue(now)
                elif target < staying:
                    # Idle agents log off at once; busy ones after their current contact.
                    idle = staying - busy_staying
                    drop = staying - target
                    from_idle = min(idle, drop)
                    from_busy = drop - from_idle
                    staying = target
                    if from_busy:
                        moved = 0
                        for customer, stays in service_owner.items():
                            if stays:
                                service_owner[customer] = False
                                moved += 1
                                if moved == from_busy:
                                    break
                        busy_staying -= moved
                        leaving_busy += moved
            continue
        now = next_arrival
        customer = arrival_index
        arrival_index += 1
        if now >= next_estimate:
            rates = refresh_rates(now)
            calibration = calibrate(outcomes=history.outcomes) if learn else NO_CALIBRATION
            next_estimate = now + ESTIMATE_EVERY
        if busy_staying < staying and waiting == 0:
            start_service(customer, now)
            continue
        # Everyone busy: this customer waits and is told how long.
        interval = min(int(now // INTERVAL), len(announced) - 1)
        steps = [(interval * INTERVAL - now, announced[interval])] + [
            (i * INTERVAL - now, announced[i])
            for i in range(interval + 1, min(interval + 5, len(announced)))
        ]
        uncorrected = predict_live_wait(
            ahead=waiting,
            agents_now=staying,
            rates=rates,
            plan=steps,
            target_seconds=TARGET_SECONDS,
        )
        ours = calibrated(uncorrected, calibration)
        if uncorrected.enough_data:
            raw[customer] = (uncorrected.mean_seconds, uncorrected.p90_seconds)
        while queue and state[queue[0]] != 1:
            queue.popleft()
        hol = now - arrivals[queue[0]] if queue else last_wait
        ma = sum(recent_waits) / len(recent_waits) if recent_waits else 0.0
        predictions[customer] = (
            ours.mean_seconds,
            last_wait,
            hol,
            ma,
            ours.p90_seconds,
            ours.median_seconds,
        )
        state[customer] = 1
        waiting += 1
        queue.append(customer)
        heapq.heappush(events, (now + patience[customer], ABANDON, seq, customer))
        seq += 1

    for customer, (mean, les, hol, ma, p90, median) in predictions.items():
        if state[customer] != 2:
            continue
        result.actual.append(float(wait[customer]))
        for name, value in zip(PREDICTORS, (mean, les, hol, ma), strict=True):
            result.predicted[name].append(value)
        result.upper.append(p90)
        result.median.append(median)
    answered = ~np.isnan(wait)
    result.within_target = int(np.sum(wait[answered] <= TARGET_SECONDS))
    result.seconds = time.perf_counter() - started
    return result


def run(
    scenario: Scenario, days: int, seed: int, learn: bool = True
) -> tuple[list[DayResult], float]:
    """Consecutive days of one centre: what it learnt yesterday it knows this morning.

    Returns the days and the processor time they took."""
    started = time.process_time()
    history = History()
    results = [
        simulate_day(scenario, seed * 1000 + day, day, history, learn=learn) for day in range(days)
    ]
    return results, time.process_time() - started


def report(scenario: Scenario, days: list[DayResult]) -> list[str]:
    actual = np.concatenate([d.actual for d in days])
    upper = np.concatenate([d.upper for d in days])
    median = np.concatenate([d.median for d in days])
    arrivals = sum(d.arrivals for d in days)
    within = sum(d.within_target for d in days)
    mean_wait = float(actual.mean()) if len(actual) else math.nan
    lines = [
        f"\n## {scenario.name}: {arrivals} contacts, {len(actual)} answered after waiting "
        f"(mean wait {mean_wait:.0f} s), {sum(d.abandoned for d in days)} gave up, "
        f"service level {within / arrivals:.3f} within {TARGET_SECONDS:.0f} s",
        f"{'predictor':<10} {'MAE s':>8} {'bias s':>8} {'bias %':>7} {'≤ upper':>8}",
    ]
    mae: dict[str, float] = {}
    bias: dict[str, float] = {}
    for name in PREDICTORS:
        predicted = np.concatenate([d.predicted[name] for d in days])
        error = predicted - actual
        mae[name] = float(np.abs(error).mean())
        bias[name] = float(error.mean())
        cover = float(np.mean(actual <= (upper if name == "ours" else predicted)))
        lines.append(
            f"{name:<10} {mae[name]:8.1f} {bias[name]:8.1f} {100 * bias[name] / mean_wait:6.1f}% "
            f"{cover:8.3f}"
        )
    median_mae = float(np.abs(median - actual).mean())
    coverage = float(np.mean(actual <= upper))
    lines.append(
        f"(ours, announced median as the point: MAE {median_mae:.1f} s, "
        f"bias {float((median - actual).mean()):.1f} s)"
    )
    ratio = mae["ours"] / mae["LES"]
    if scenario.correct_agents:
        checks = [
            (f"MAE ≤ 0.75 × LES ({ratio:.2f})", ratio <= 0.75),
            (
                f"|bias| < 5 % of mean wait ({100 * abs(bias['ours']) / mean_wait:.1f} %)",
                abs(bias["ours"]) < 0.05 * mean_wait,
            ),
            (f"p90 coverage in [0.88, 0.92] ({coverage:.3f})", 0.88 <= coverage <= 0.92),
        ]
    else:
        checks = [(f"p90 coverage ≥ 0.85 ({coverage:.3f})", coverage >= 0.85)]
    for text, met in checks:
        lines.append(f"target {text}: {'met' if met else 'NOT MET'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--no-learning",
        action="store_true",
        help="do not correct the predictions by how earlier ones turned out",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        # The largest centre first, so that both workers finish at about the same time.
        order = sorted(
            range(len(SCENARIOS)), key=lambda i: -SCENARIOS[i].size * SCENARIOS[i].demand
        )
        futures = {
            i: pool.submit(run, SCENARIOS[i], args.days, args.seed + i, not args.no_learning)
            for i in order
        }
        results = [futures[i].result() for i in range(len(SCENARIOS))]
    elapsed = time.perf_counter() - started
    print(
        f"# {args.days} simulated days per scenario, seed {args.seed}"
        + (", no learning from outcomes" if args.no_learning else "")
    )
    for scenario, (days, cpu) in zip(SCENARIOS, results, strict=True):
        print("\n".join(report(scenario, days)))
        print(f"(processor time {cpu:.1f} s)")
    cpu = sum(c for _, c in results)
    print(
        f"\nwall time {elapsed:.1f} s with {args.workers} workers, processor time {cpu:.1f} s "
        f"(target: 20 days under 120 s: {'met' if elapsed < 120 else 'NOT MET'})"
    )


if __name__ == "__main__":
    main()

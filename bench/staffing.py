"""Staffing calculator timings: a 96-interval day for a centre of about 500 agents at the peak.

Run: .venv/bin/python bench/staffing.py [--repeat 5]
Prints the time to staff the whole day with Erlang C and with Erlang A (mean patience 120 s),
and the time of one agents_needed call for centres of several sizes.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabar.waits.erlang import Interval, agents_needed, staffing_table


def day(*, peak_per_15_min: float, handle_seconds: float, patience: float | None) -> list[Interval]:
    """96 quarter hours: quiet at night, a morning and an afternoon peak."""
    intervals = []
    for i in range(96):
        hour = i / 4
        shape = math.exp(-((hour - 10) ** 2) / 6) + 0.8 * math.exp(-((hour - 14.5) ** 2) / 5)
        contacts = round(peak_per_15_min * max(0.01, shape))
        intervals.append(
            Interval(f"{int(hour):02d}:{i % 4 * 15:02d}", contacts, handle_seconds, patience)
        )
    return intervals


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # 1,500 contacts a quarter hour of 300 s each = 500 erlangs at the peak.
    print("| calculation | median | max | result |")
    print("| --- | --- | --- | --- |")
    for name, patience in (("Erlang C", None), ("Erlang A, patience 120 s", 120.0)):
        forecast = day(peak_per_15_min=1500, handle_seconds=300, patience=patience)
        median, worst, rows = timed(
            lambda forecast=forecast: staffing_table(
                forecast, interval_minutes=15, target_seconds=180, target_level=0.95
            ),
            args.repeat,
        )
        peak = max(row.agents for row in rows)  # type: ignore[attr-defined]
        print(
            f"| 96-interval day, {name}, 95 % in 180 s | {median * 1000:.0f} ms "
            f"| {worst * 1000:.0f} ms | peak {peak} agents |"
        )
    for per_hour in (100, 1000, 6000, 30000):
        for patience in (None, 120.0):
            median, worst, agents = timed(
                lambda per_hour=per_hour, patience=patience: agents_needed(
                    contacts_per_hour=per_hour,
                    handle_seconds=300,
                    target_seconds=180,
                    target_level=0.95,
                    patience_seconds=patience,
                    max_agents=10000,
                ),
                args.repeat,
            )
            model = "C" if patience is None else "A"
            print(
                f"| agents_needed, Erlang {model}, {per_hour} contacts/h of 300 s "
                f"| {median * 1000:.1f} ms | {worst * 1000:.1f} ms | {agents} agents |"
            )


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""SLA benchmark: the pure clock, and one sweep over many overdue clocks.

    .venv/bin/python bench/sla.py                          # SQLite in a temporary directory
    .venv/bin/python bench/sla.py --pg-url postgres://postgres@127.0.0.1:5432/nabar_bench_sla
    .venv/bin/python bench/sla.py --clocks 5000 --calls 20000

Prints microseconds per due-time computation (office hours with Swedish holidays, with and
without pauses) and the time of one sweep that warns about or escalates every clock.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def bench_clock(calls: int) -> None:
    from nabar.sla.clock import BusinessHours, due_at
    from nabar.sla.holidays import swedish_public_holidays

    office = BusinessHours.from_spec(
        {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        tz="Europe/Stockholm",
        holidays=[d for y in (2026, 2027, 2028) for d in swedish_public_holidays(y)],
    )
    rng = random.Random(1)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(0, 700 * 86400)) for _ in range(calls)]
    for label, pauses in (
        ("4 h, office hours", lambda s: ()),
        (
            "4 h, office hours, 2 pauses",
            lambda s: (
                (s + timedelta(hours=1), s + timedelta(hours=20)),
                (s + timedelta(days=2), s + timedelta(days=3)),
            ),
        ),
    ):
        samples = []
        for start in starts:
            t0 = time.perf_counter()
            due_at(start, timedelta(hours=4), office, paused=pauses(start))
            samples.append(time.perf_counter() - t0)
        samples.sort()
        print(
            f"due_at {label}: median {statistics.median(samples) * 1e6:.0f} µs, "
            f"p99 {samples[int(len(samples) * 0.99)] * 1e6:.0f} µs ({calls} calls)"
        )


def bench_sweep(clocks: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from nabar.accounts.models import Agent, Organisation, Team, User
    from nabar.customers.actions import find_or_create_customer
    from nabar.sla import actions
    from nabar.sla.models import CaseClock
    from nabar.tickets.models import Alert, Ticket

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(
        name="Bench", slug=f"bench-{os.getpid()}", email_address="b@example.se"
    )
    team = Team.objects.create(organisation=org, name="Team")
    lead_user = User.objects.create_user(username=f"lead{os.getpid()}", password="x")
    lead = Agent.objects.create(user=lead_user, organisation=org)
    team.lead = lead
    team.save()
    org.default_team = team
    org.save()
    customer = find_or_create_customer(org, name="Kund", email="kund@example.se")
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            organisation=org,
            number=1000 + i,
            requester=customer,
            team=team,
            owner=lead,
            channel="chat",
        )
        for i in range(clocks)
    )
    CaseClock.objects.bulk_create(
        CaseClock(
            ticket=t,
            kind=CaseClock.Kind.FIRST_RESPONSE,
            target=timedelta(minutes=3),
            hours="always",
            started_at=now - timedelta(minutes=4 if i % 2 else 2, seconds=30),
            due_at=now - timedelta(minutes=1, seconds=30) if i % 2 else now + timedelta(seconds=30),
            warn_at=now - timedelta(minutes=2) if i % 2 else now - timedelta(seconds=15),
        )
        for i, t in enumerate(tickets)
    )
    t0 = time.perf_counter()
    result = actions.sweep(now=now)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = actions.sweep(now=now)
    second = time.perf_counter() - t0
    print(
        f"sweep over {clocks} due clocks: {first:.2f} s "
        f"({result.warned} warned, {result.breached} breached, "
        f"{first / max(result.warned + result.breached, 1) * 1000:.2f} ms per clock); "
        f"a second sweep with nothing to do: {second * 1000:.0f} ms "
        f"({again.warned + again.breached} acted on); alerts {Alert.objects.filter(organisation=org).count()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--clocks", type=int, default=2000)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabar.settings")
    os.environ["NABAR_DATA_DIR"] = tempfile.mkdtemp(prefix="nabar-bench-sla-")
    if args.pg_url:
        os.environ["DATABASE_URL"] = args.pg_url
    else:
        os.environ.pop("DATABASE_URL", None)
    bench_clock(args.calls)
    bench_sweep(args.clocks)


if __name__ == "__main__":
    main()

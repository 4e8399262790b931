#!/usr/bin/env python
"""Where the time of one new case from e-mail goes: wall time per step, or a cProfile.

Stores and processes generated first-wave mail one message at a time (as the worker does, the
task queue left out) in a fresh database, after a warm-up, and prints the mean milliseconds per
message spent in each step. Steps nest: open_ticket includes the customer, owner and receipt.

    .venv/bin/python bench/mail_stages.py [--messages 300] [--profile out.prof]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nabar_mailbench_stages .venv/bin/python bench/mail_stages.py
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = {
    "nabar.mail.intake": [
        "store_raw",
        "store_many",
        "process_many",
        "_apply",
        "process_inbound",
        "parse_message",
        "_decide",
        "_too_many_receipts",
        "find_thread",
    ],
    "nabar.tickets.actions": [
        "open_ticket",
        "find_or_create_customer",
        "_next_number",
        "_customer_message",
        "_event",
        "_announce",
        "_send_receipt",
        "render_email",
        "queue_email",
    ],
    "nabar.tickets.expected": ["estimate_first_reply"],
    "nabar.routing.actions": ["decide", "record", "_classify", "agent_facts", "previous_owner"],
    "nabar.sla.actions": ["case_opened"],
    "nabar.routing.language": ["detect_language"],
    "nabar.lib.batch": ["_insert", "_update", "insert_now"],
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--profile", help="Write a cProfile of the measured messages here.")
    parser.add_argument("--queries", action="store_true", help="Count the SQL statements.")
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="Store and process the measured messages N at a time (the batch path), not one by one.",
    )
    parser.add_argument(
        "--replies",
        action="store_true",
        help="Measure the second wave instead: answers to the receipts of cases opened before.",
    )
    args = parser.parse_args()
    os.environ.setdefault("NABAR_DATA_DIR", tempfile.mkdtemp(prefix="nabar-stages-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "nabar.settings"
    os.environ["NABAR_TASK_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        from bench.mail_ingest import pg_recreate

        os.environ["DATABASE_URL"] = pg_recreate(url, url.rsplit("/", 1)[1])

    import importlib

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.mailgen import first_wave
    from nabar.accounts.models import Agent, Organisation, Team, User
    from nabar.mail import intake
    from nabar.mail.models import InboundEmail

    call_command("migrate", verbosity=0)
    spent: Counter[str] = Counter()

    def timed(name: str, function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    for module_name, names in STEPS.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, timed(name, getattr(module, name)))

    org = Organisation.objects.create(
        name="Bench",
        slug="bench",
        email_address="support@bench.example",
        opening_hours={
            d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    team = Team.objects.create(organisation=org, name="Support")
    org.default_team = team
    org.save()
    for i in range(5):
        user = User.objects.create_user(username=f"agent{i}", first_name=f"Agent{i}")
        Agent.objects.create(user=user, organisation=org, capacity=10_000).teams.add(team)
    mails = first_wave(args.messages * 2, support_address=org.email_address)
    mails = [m for m in mails if m.kind == "new"][: args.messages + 50]
    if args.replies:
        from bench.mail_ingest import collect_receipts
        from bench.mailgen import second_wave

        opened = intake.store_many(
            [m.raw for m in mails], source=InboundEmail.Source.IMPORT, organisation=org
        )
        for start in range(0, len(opened), 100):
            intake.process_many([m.pk for m, _new in opened[start : start + 100]])
        receipts, _first = collect_receipts()
        mails = [m for m in second_wave(receipts, len(receipts), support_address=org.email_address)]
        mails = [m for m in mails if m.kind == "reply"][: args.messages + 50]

    def one(raw: bytes) -> None:
        stored, _new = intake.store_raw(raw, source=InboundEmail.Source.IMPORT, organisation=org)
        intake.process_inbound(stored.pk)

    for mail in mails[:50]:  # warm-up: caches, prepared templates, a few cases in the queue
        one(mail.raw)
    spent.clear()
    profile = cProfile.Profile() if args.profile else None
    measured = mails[50:]
    started = time.perf_counter()
    if profile:
        profile.enable()
    statements: Counter[str] = Counter()

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[" ".join(sql.split()[:6])[:90]] += 1
        return execute(sql, params, many, context)

    if args.queries:
        connection.execute_wrappers.append(count)
    if args.batch:
        for start in range(0, len(measured), args.batch):
            chunk = measured[start : start + args.batch]
            stored = intake.store_many(
                [m.raw for m in chunk], source=InboundEmail.Source.IMPORT, organisation=org
            )
            intake.process_many([m.pk for m, _new in stored])
    else:
        for mail in measured:
            one(mail.raw)
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    total = time.perf_counter() - started
    n = len(measured)
    what = "replies" if args.replies else "new cases"
    print(f"{connection.vendor}: {n} {what}, {total / n * 1000:.1f} ms each ({n / total:.0f}/s)")
    for name, seconds in spent.most_common():
        print(f"  {name:<26} {seconds / n * 1000:6.2f} ms")
    if args.queries:
        print(f"SQL statements per message: {sum(statements.values()) / n:.1f}")
        for sql, times in statements.most_common(30):
            print(f"  {times / n:6.2f}  {sql}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""In-process timing of the agent inbox (or a case page) at 100,000 cases, with every query's time.

Loads the same data as bench/web.py into a fresh database, then requests the page through
Django's test client (no web server, no network) and prints the median and worst of 30 requests
and each query's time. ``--optimize`` first runs ``optimize_db``, as ``serve`` does at start.

    .venv/bin/python bench/profile_inbox.py                  # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nabar_bench .venv/bin/python bench/profile_inbox.py
    DATABASE_URL=... .venv/bin/python bench/profile_inbox.py --optimize --page case --requests 40
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--page", choices=["inbox", "case"], default="inbox")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--optimize", action="store_true", help="run optimize_db first")
    args = parser.parse_args()
    os.environ.setdefault("NABAR_DATA_DIR", tempfile.mkdtemp(prefix="nabar-profile-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabar.settings")
    os.environ.setdefault("NABAR_ALLOWED_HOSTS", "testserver")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)

    from bench.web import load

    load(args.cases)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from nabar.accounts.models import User
    from nabar.tickets.models import Ticket

    if args.optimize:
        call_command("optimize_db", verbosity=0)
    client = Client()
    agent = User.objects.get(username="agent0")
    client.force_login(agent)
    path = "/inbox/"
    if args.page == "case":
        case = Ticket.objects.filter(owner__user=agent).order_by("-pk").first()
        assert case is not None
        path = case.get_absolute_url()
    for _ in range(3):
        client.get(path)
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        f"{connection.vendor}, {args.cases:,} cases: {args.page} p50 "
        f"{times[len(times) // 2]:.1f} ms, worst {times[-1]:.1f} ms"
    )
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:5.1f} ms  {query['sql'][:110]}")


if __name__ == "__main__":
    main()

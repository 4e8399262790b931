#!/usr/bin/env python
"""Web benchmark: 100,000 cases, a production WSGI server, and wrk on this machine.

Measures requests per second and latency percentiles for the agent inbox, the agent case page
and contact-form submissions (each a real POST that opens a case, with CSRF and a fresh
submission key), on SQLite and on PostgreSQL, with granian and with gunicorn.

    .venv/bin/python bench/web.py                       # everything (about 6 minutes)
    .venv/bin/python bench/web.py --db sqlite --server granian --cases 20000 --seconds 5

Needs wrk (apt-get install wrk) and, for PostgreSQL, a server on 127.0.0.1:5432 (or --pg-url).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LUA_POST = r"""
local counter = 0
request = function()
  counter = counter + 1
  local key = string.format("bench-%d-%d-%d", math.random(1, 1e9), counter, os.time())
  local body = "csrfmiddlewaretoken=TOKEN&name=Bench+Kund&email=kund" .. counter .. "%40example.se" ..
    "&phone=&body=Min+faktura+%C3%A4r+fel%2C+kan+ni+titta%3F&submission_key=" .. key
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=TOKEN", ["Referer"] = "http://127.0.0.1:PORT/o/bench/"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(cases: int) -> dict[str, str]:
    """Fill the configured database with one organisation, 20 agents and ``cases`` cases."""
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from nabar.accounts.models import Agent, Organisation, Team, User
    from nabar.customers.models import ContactPoint, Customer
    from nabar.tickets.models import Message, Ticket, TicketEvent

    call_command("migrate", verbosity=0)
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
    agents = []
    for i in range(20):
        user = User.objects.create_user(
            username=f"agent{i}", password="x" * 12, first_name=f"Agent{i}"
        )
        agent = Agent.objects.create(user=user, organisation=org, capacity=10_000)
        agent.teams.add(team)
        agents.append(agent)
    rng = random.Random(7)
    now = timezone.now()
    # A helpdesk with history: most cases are solved or closed, about one in ten is open.
    statuses = ["new", "open", "waiting"] + ["solved"] * 7 + ["closed"] * 20
    batch = 5000
    words = [
        "faktura",
        "leverans",
        "konto",
        "lösenord",
        "bredband",
        "abonnemang",
        "flytt",
        "betalning",
        "app",
        "kort",
    ]
    for start in range(0, cases, batch):
        n = min(batch, cases - start)
        customers = Customer.objects.bulk_create(
            [Customer(organisation=org, name=f"Kund {start + i}", language="sv") for i in range(n)]
        )
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(
                    organisation=org, customer=c, kind="email", value=f"kund{start + i}@example.se"
                )
                for i, c in enumerate(customers)
            ]
        )
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    organisation=org,
                    number=1001 + start + i,
                    requester=c,
                    owner=agents[rng.randrange(len(agents))] if rng.random() < 0.95 else None,
                    team=team,
                    status=rng.choice(statuses),
                    channel="web",
                    subject=f"Fråga om {rng.choice(words)} {start + i}",
                    language="sv",
                    due_at=now + timedelta(minutes=rng.randrange(-5000, 5000)),
                )
                for i, c in enumerate(customers)
            ]
        )
        Message.objects.bulk_create(
            [
                Message(
                    ticket=t,
                    direction="in",
                    channel="web",
                    author_customer=t.requester,
                    author_name=t.requester.name,
                    body=f"Hej, jag har en fråga om {rng.choice(words)}.",
                )
                for t in tickets
            ]
            + [
                Message(
                    ticket=t,
                    direction="out",
                    channel="email",
                    written_by="automation",
                    author_name="Nåbar",
                    body="Vi har fått ditt ärende.",
                )
                for t in tickets
            ]
        )
        TicketEvent.objects.bulk_create(
            [TicketEvent(ticket=t, kind="created", actor_label=t.requester.name) for t in tickets]
        )
    Organisation.objects.filter(pk=org.pk).update(next_case_number=1001 + cases)
    call_command("optimize_db", verbosity=0)  # as `serve` does at start
    session = SessionStore()
    user = agents[0].user
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    mine = Ticket.objects.filter(owner=agents[0]).exclude(status__in=["solved", "closed"]).first()
    assert mine is not None
    return {"session": session.session_key or "", "case": str(mine.number)}


def wrk(
    url: str, *, seconds: int, headers: list[str], script: str | None = None, connections: int = 8
) -> dict[str, float]:
    cmd = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def run_server(
    server: str, port: int, env: dict[str, str], workers: int
) -> subprocess.Popen[bytes]:
    from nabar.lib.management.commands.serve import web_server_command

    cmd = web_server_command(
        server, host="127.0.0.1", port=port, workers=workers, log_level="error"
    )
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--server", choices=["granian", "gunicorn", "both"], default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "NABAR_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/nabar_bench"
        ),
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    servers = ["granian", "gunicorn"] if args.server == "both" else [args.server]
    rows = []
    for db in dbs:
        data_dir = tempfile.mkdtemp(prefix="nabar-bench-")
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "nabar.settings",
            "NABAR_DATA_DIR": data_dir,
            "NABAR_PUBLIC_RATE_PER_HOUR": "100000000",
            "NABAR_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "NABAR_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "NABAR_TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "NABAR_LOG_LEVEL": "ERROR",
        }
        if db == "postgresql":
            env["DATABASE_URL"] = args.pg_url
            name = args.pg_url.rsplit("/", 1)[1]
            admin = args.pg_url.rsplit("/", 1)[0] + "/postgres"
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        started = time.perf_counter()
        loaded = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import json, bench.web as w; print(json.dumps(w.load({args.cases})))",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        info = __import__("json").loads(loaded.stdout.strip().splitlines()[-1])
        print(
            f"[{db}] loaded {args.cases:,} cases in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        for server in servers:
            port = free_port()
            proc = run_server(server, port, env, args.workers)
            try:
                base = f"http://127.0.0.1:{port}"
                cookie = f"Cookie: sessionid={info['session']}"
                for url in (f"{base}/inbox/", f"{base}/cases/{info['case']}/"):
                    subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", cookie, url], check=True)
                results = {
                    # One connection: the latency one agent sees. Eight: throughput under load.
                    "inbox, 1 connection": wrk(
                        f"{base}/inbox/", seconds=args.seconds, headers=[cookie], connections=1
                    ),
                    "case page, 1 connection": wrk(
                        f"{base}/cases/{info['case']}/",
                        seconds=args.seconds,
                        headers=[cookie],
                        connections=1,
                    ),
                    "inbox": wrk(f"{base}/inbox/", seconds=args.seconds, headers=[cookie]),
                    "inbox search": wrk(
                        f"{base}/inbox/?q=faktura", seconds=args.seconds, headers=[cookie]
                    ),
                    "case page": wrk(
                        f"{base}/cases/{info['case']}/", seconds=args.seconds, headers=[cookie]
                    ),
                }
                token = "b" * 32
                with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                    script.write(LUA_POST.replace("TOKEN", token).replace("PORT", str(port)))
                results["contact form POST"] = wrk(
                    f"{base}/o/bench/",
                    seconds=args.seconds,
                    headers=[],
                    script=script.name,
                    connections=4,
                )
                for page, r in results.items():
                    rows.append((db, server, page, r))
                    print(
                        f"[{db}] {server:8} {page:18} {r['rps']:8.0f} req/s  p50 {r['p50']:6.1f} ms  "
                        f"p99 {r['p99']:6.1f} ms  non-2xx/3xx {r['errors']:.0f}",
                        flush=True,
                    )
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)
    print("\n| database | server | page | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|")
    for db, server, page, r in rows:
        print(f"| {db} | {server} | {page} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} |")


if __name__ == "__main__":
    main()

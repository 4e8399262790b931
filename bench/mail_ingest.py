#!/usr/bin/env python
"""Mail ingest benchmark: a generated mailbox end to end, against django-helpdesk's get_email.

Nåbar's path, timed per wave: ``import_mail`` stores the raw messages (in one transaction per
500, queueing one processing task per 250 in the database task queue), then worker processes
started before the clock runs, as a deployment runs them beside the web server, take the
inbound tasks with the database worker's own ``run_task`` until none is left: parse, thread,
customer, case and message rows, events, clocks, and a receipt in the outbox (queued, not
delivered: delivery is another task). One worker per core (``--workers N``; 0 runs the tasks
in the measuring process). On SQLite one batch writes at a time while another parses.
Between the two waves the second wave is written from the receipts in the outbox, untimed.

django-helpdesk (from PyPI, in a throwaway virtual environment under bench/out/, never in
requirements.txt) gets the same .eml files through its own ``get_email`` command, with a queue
whose mailbox is a local directory (``email_box_type="local"``): it reads, parses, threads by
In-Reply-To or the subject's tracking ID, writes the ticket and follow-up, renders its
"new ticket" mail and hands it to Django's dummy mail backend.

Every run (each system on each database) is its own process, so the peak memory is that run's:
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the resident set high-water mark, Django and
all included.

    .venv/bin/python bench/mail_ingest.py                          # 1,000 messages, both databases
    .venv/bin/python bench/mail_ingest.py --messages 10000 --database both
    .venv/bin/python bench/mail_ingest.py --messages 2000 --database sqlite --no-peer
    NABAR_BENCH_PROFILE=/tmp/ingest .venv/bin/python bench/mail_ingest.py --no-peer  # a cProfile per worker

PostgreSQL: a server on 127.0.0.1:5432 (or --pg-url); its two databases are made afresh each run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
PEER_VENV = OUT / "helpdesk-venv"
PEER_PACKAGES = ["django-helpdesk[teams]==2.6.1", "psycopg[binary]>=3.2"]
SUPPORT = "support@bench.example"
MESSAGE_ID_RE = re.compile(rb"(?im)^message-id:[ \t]*<([^<>\r\n]{1,240})>")


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pg_recreate(url: str, name: str) -> str:
    base = url.rstrip("/").rsplit("/", 1)[0]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
    return f"{base}/{name}"


def write_mailbox(directory: Path, mails: list[Any]) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for mail in mails:
        (directory / mail.name).write_bytes(mail.raw)


# --- Nåbar, in its own process -------------------------------------------------------------


INBOUND_TASKS = [
    "nabar.mail.tasks.process_inbound_email",
    "nabar.mail.tasks.process_inbound_batch",
]


def drain_inbound(worker_id: str = "bench") -> int:
    """Run the queued inbound-mail tasks as the database worker does, until none is ready."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ready = DBTaskResult.objects.ready().filter(backend_name="default", task_path__in=INBOUND_TASKS)
    done = 0
    while True:
        with exclusive_transaction(ready.db):
            row = ready.get_locked()
            if row is None:
                return done
            row.claim(worker.worker_id)
        worker.run_task(row)
        done += 1


def collect_receipts() -> tuple[list[Any], dict[int, str]]:
    """The receipts in the outbox as their customers see them, and each case's first Message-ID."""
    from bench.mailgen import Receipt
    from nabar.mail import tokens
    from nabar.mail.models import InboundEmail, OutboundEmail

    first_ids: dict[int, str] = {
        ticket_id: message_id
        for ticket_id, message_id in InboundEmail.objects.filter(
            status=InboundEmail.Status.NEW_CASE
        ).values_list("ticket_id", "header_message_id")
        if ticket_id is not None
    }
    receipts = [
        Receipt(
            to=o.to_address,
            from_address=o.from_address,
            from_name=o.from_name,
            reply_to=tokens.reply_address(o.from_address, o.ticket.pk),
            message_id=o.rfc_message_id,
            subject=o.subject,
            body=o.body_text,
            first_message_id=first_ids[o.ticket.pk],
            language=o.ticket.language,
        )
        for o in OutboundEmail.objects.filter(kind=OutboundEmail.Kind.RECEIPT)
        .select_related("ticket")
        .order_by("pk")
        if o.ticket is not None
    ]
    return receipts, first_ids


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    """A worker process, as ``db_worker`` runs beside the web server, taking only inbound mail.

    It warms up as a long-running worker would have (Django, the mail code, the language
    detector, the URL configuration), says "ready", then runs inbound tasks as they appear until the stop file exists
    and the queue is empty. Receipts stay in the outbox: delivering them is not measured.
    """
    import django

    django.setup()
    from django.urls import get_resolver

    from nabar.mail import tasks  # noqa: F401
    from nabar.routing.language import detect_language

    detect_language("Hej, jag undrar över min faktura från förra månaden.")
    get_resolver().url_patterns  # noqa: B018  (the receipt's link needs the URLs loaded)
    profile = None
    if os.environ.get("NABAR_BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
    print("ready", flush=True)
    stop = Path(args.workdir) / "stop-workers"
    done = 0
    while True:
        if profile is not None:
            profile.enable()
        ran = drain_inbound(worker_id=f"bench-{os.getpid()}")
        if profile is not None:
            profile.disable()
        done += ran
        if not ran:
            if stop.exists():
                if profile is not None:
                    profile.dump_stats(f"{os.environ['NABAR_BENCH_PROFILE']}-{os.getpid()}.prof")
                return {"tasks": done, "peak_rss_mib": peak_rss_mib()}
            time.sleep(0.01)


def start_workers(args: argparse.Namespace) -> list[subprocess.Popen[str]]:
    (Path(args.workdir) / "stop-workers").unlink(missing_ok=True)
    command = [sys.executable, __file__, "--child", "worker", "--workdir", args.workdir]
    workers = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(args.workers)
    ]
    for worker in workers:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise SystemExit("a bench worker did not start")
    return workers


def stop_workers(args: argparse.Namespace, workers: list[subprocess.Popen[str]]) -> list[float]:
    (Path(args.workdir) / "stop-workers").touch()
    peaks = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        peaks.append(json.loads(out.strip().splitlines()[-1])["peak_rss_mib"])
    return peaks


def wait_for_queue() -> int:
    """Wait until every inbound task has run; the number of tasks."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(task_path__in=INBOUND_TASKS)
    while tasks.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists():
        time.sleep(0.02)
    return tasks.count()


def setup_env(args: argparse.Namespace, *, fresh: bool) -> None:
    workdir = Path(args.workdir)
    data = workdir / "nabar-data"
    if fresh:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
    os.environ["NABAR_DATA_DIR"] = str(data)
    os.environ["DJANGO_SETTINGS_MODULE"] = "nabar.settings"
    os.environ["NABAR_TASK_BACKEND"] = "django_tasks_db.DatabaseBackend"
    if not fresh:
        return  # a worker: DATABASE_URL comes from the parent
    if args.database == "postgres":
        os.environ["DATABASE_URL"] = pg_recreate(args.pg_url, "nabar_mailbench_ingest")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data / 'nabar.sqlite3'}"


def run_nabar(args: argparse.Namespace) -> dict[str, Any]:
    setup_env(args, fresh=True)

    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db.models import Count

    from bench.mailgen import second_wave
    from nabar.accounts.models import Agent, Organisation, Team, User
    from nabar.mail.models import InboundEmail, OutboundEmail
    from nabar.tickets.models import Message, Ticket

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(
        name="Bench",
        slug="bench",
        email_address=SUPPORT,
        opening_hours={
            d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    team = Team.objects.create(organisation=org, name="Support")
    org.default_team = team
    org.save()
    for i in range(5):
        user = User.objects.create_user(username=f"agent{i}", first_name=f"Agent{i}")
        agent = Agent.objects.create(user=user, organisation=org, capacity=10_000)
        agent.teams.add(team)

    mailbox = Path(args.workdir) / "mailbox"
    rss_before = peak_rss_mib()
    waves = []
    workers = start_workers(args) if args.workers else []

    def ingest(directory: Path) -> dict[str, float]:
        started = time.perf_counter()
        call_command("import_mail", str(directory), organisation="bench", stdout=StringIO())
        stored = time.perf_counter()
        processed = wait_for_queue() if workers else drain_inbound()
        finished = time.perf_counter()
        return {
            "messages": len(list(directory.iterdir())),
            "processed": processed,
            "store_seconds": stored - started,
            "process_seconds": finished - stored,
            "seconds": finished - started,
            # The high-water mark so far: after the second wave it includes the bench's own
            # generation of that wave from the outbox, done in this process between the waves.
            "peak_rss_mib": peak_rss_mib(),
        }

    waves.append(ingest(mailbox / "wave1"))
    receipts, first_ids = collect_receipts()
    second = second_wave(receipts, args.second, support_address=SUPPORT)
    write_mailbox(mailbox / "wave2", second)
    waves.append(ingest(mailbox / "wave2"))
    worker_peaks = stop_workers(args, workers) if workers else []

    # Did the second wave land where a person would expect it?
    ticket_of_first = {mid: tid for tid, mid in first_ids.items()}
    landed = dict(InboundEmail.objects.values_list("header_message_id", "ticket_id"))
    expected = right = 0
    for mail in second:
        if mail.kind == "bounce" or not mail.thread:
            continue
        match = MESSAGE_ID_RE.search(mail.raw)
        assert match is not None
        expected += 1
        right += landed.get(match.group(1).decode()) == ticket_of_first.get(mail.thread)
    statuses = dict(
        InboundEmail.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "system": "nabar",
        "database": args.database,
        "waves": waves,
        "rss_before_mib": rss_before,
        "peak_rss_mib": max([peak_rss_mib(), *worker_peaks]),
        "workers": len(workers),
        "worker_peak_rss_mib": worker_peaks,
        "outcome": {
            **statuses,
            "cases": Ticket.objects.count(),
            "customer_messages": Message.objects.filter(
                direction=Message.Direction.INBOUND
            ).count(),
            "receipts_in_outbox": OutboundEmail.objects.filter(
                kind=OutboundEmail.Kind.RECEIPT
            ).count(),
            "bounced_receipts": OutboundEmail.objects.filter(
                status=OutboundEmail.Status.BOUNCED
            ).count(),
            "threaded": f"{right}/{expected}",
        },
    }


# --- The orchestrating process ---------------------------------------------------------------


def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import helpdesk, psycopg"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    uv = os.environ.get("UV") or shutil.which("uv") or "/work/main/.venv/bin/uv"
    subprocess.run([uv, "venv", "--quiet", str(PEER_VENV), "--python", sys.executable], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), *PEER_PACKAGES], check=True
    )
    return python


def child(command: list[str]) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-5000:])
        raise SystemExit(f"benchmark run failed: {' '.join(command[:4])}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # Kept as each run ends, so a long benchmark that is stopped early still has its figures.
    saved = OUT / f"result-{result['database']}-{result['system']}.json"
    saved.write_text(json.dumps(result, indent=1) + "\n")
    return result


def rate(result: dict[str, Any]) -> tuple[int, float, float]:
    messages = sum(int(w["messages"]) for w in result["waves"])
    seconds = sum(float(w["seconds"]) for w in result["waves"])
    return messages, seconds, messages / seconds if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-peer", action="store_true", help="Skip django-helpdesk.")
    parser.add_argument(
        "--workers",
        type=int,
        help="Worker processes taking the inbound tasks, as a deployment runs them (default: one"
        " per core); 0 runs the tasks in the measuring process itself.",
    )
    parser.add_argument("--child", choices=["nabar", "worker"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--second", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.messages < 10:
        parser.error("--messages must be at least 10")
    if args.child == "nabar":
        print(json.dumps(run_nabar(args)))
        return
    if args.child == "worker":
        setup_env(args, fresh=False)
        print(json.dumps(run_worker(args)))
        return

    from bench.mailgen import FIRST_WAVE_SHARE, first_wave

    first_count = round(args.messages * FIRST_WAVE_SHARE)
    second_count = args.messages - first_count
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    peer = None if args.no_peer else ensure_peer_venv()
    first = first_wave(first_count, support_address=SUPPORT)
    results = []
    for database in databases:
        workdir = OUT / f"mail-{database}"
        write_mailbox(workdir / "mailbox" / "wave1", first)
        shutil.rmtree(workdir / "mailbox" / "wave2", ignore_errors=True)
        common = ["--database", database, "--workdir", str(workdir), "--pg-url", args.pg_url]
        workers = args.workers if args.workers is not None else os.cpu_count() or 1
        nabar_command = [sys.executable, __file__, "--child", "nabar", "--workers", str(workers)]
        ours = child([*nabar_command, "--second", str(second_count), *common])
        results.append(ours)
        print(f"{database}: nabar {rate(ours)[2]:.0f} msg/s", file=sys.stderr)
        if peer is not None:
            theirs = child([str(peer), str(ROOT / "bench" / "helpdesk_peer.py"), *common])
            results.append(theirs)
            print(f"{database}: django-helpdesk {rate(theirs)[2]:.0f} msg/s", file=sys.stderr)
    report(results, args.messages)


def report(results: list[dict[str, Any]], messages: int) -> None:
    print(f"\nMail ingest, {messages:,} generated messages, end to end (commit {_commit()})\n")
    header = f"{'database':<9} {'system':<16} {'messages':>8} {'seconds':>8} {'msg/s':>7} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    by_db: dict[str, dict[str, float]] = {}
    for result in results:
        count, seconds, per_second = rate(result)
        by_db.setdefault(result["database"], {})[result["system"]] = per_second
        print(
            f"{result['database']:<9} {result['system']:<16} {count:>8,} {seconds:>8.1f}"
            f" {per_second:>7.1f} {result['peak_rss_mib']:>6.0f} MiB"
        )
    print()
    for database, rates in by_db.items():
        if "nabar" in rates and rates.get("django-helpdesk"):
            print(
                f"{database}: nabar / django-helpdesk = {rates['nabar'] / rates['django-helpdesk']:.1f}×"
            )
    for result in results:
        if result.get("workers"):
            peaks = ", ".join(f"{p:.0f}" for p in result["worker_peak_rss_mib"])
            print(
                f"{result['database']}: nabar ran the inbound tasks in {result['workers']} worker"
                f" processes (peak RSS {peaks} MiB each); the table shows the largest process"
            )
    print("\nPer wave (seconds): first wave = new mail, second wave = answers to the receipts")
    for result in results:
        waves = "; ".join(
            " + ".join(
                f"{k.split('_')[0]} {w[k]:.1f}"
                for k in ("store_seconds", "process_seconds")
                if k in w
            )
            or f"{w['seconds']:.1f}"
            for w in result["waves"]
        )
        print(f"  {result['database']:<9} {result['system']:<16} {waves}")
    print("\nOutcome")
    for result in results:
        outcome = ", ".join(f"{k} {v}" for k, v in result["outcome"].items())
        print(f"  {result['database']:<9} {result['system']:<16} {outcome}")
    print(
        "\nPeak RSS: resource.getrusage(RUSAGE_SELF).ru_maxrss of the run's own process"
        " (Django included)."
    )


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()

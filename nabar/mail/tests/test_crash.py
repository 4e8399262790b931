"""The intake killed with SIGKILL half-way through a batch, then restarted: nothing lost, nothing twice.

Real processes (``manage.py import_mail`` and ``process_mail``) against a file-based SQLite
database and against PostgreSQL, each in a database of its own, killed at several points.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
NEW_CASES = 150
FOLLOW_UPS = 50

SETUP = """
from nabar.accounts.models import Agent, Organisation, Team, User
org = Organisation.objects.create(name="Exempel", slug="exempel", email_address="kontakt@exempel.example",
    opening_hours={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
team = Team.objects.create(organisation=org, name="Kundtjänst")
org.default_team = team
org.save()
user = User.objects.create_user(username="alice", password="x", first_name="Alice")
agent = Agent.objects.create(user=user, organisation=org, capacity=1000)
agent.teams.add(team)
"""

SUMMARY = """
import json
from collections import Counter
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.tickets.models import Message, Ticket
rows = list(InboundEmail.objects.values_list("header_message_id", "status", "ticket__subject", "message_id"))
print(json.dumps({
    "inbound": [list(r) for r in rows],
    "tickets": list(Ticket.objects.values_list("subject", flat=True)),
    "customer_messages": Message.objects.filter(direction="in").count(),
    "receipts": Counter(OutboundEmail.objects.filter(kind="receipt").values_list("to_address", flat=True)),
    "owners": list(Ticket.objects.values_list("owner__user__username", flat=True).distinct()),
}))
"""


def write_mbox(path: Path) -> None:
    """150 new cases, then 50 replies to some of them (threaded by In-Reply-To)."""
    chunks = []
    for n in range(NEW_CASES + FOLLOW_UPS):
        if n < NEW_CASES:
            sender, subject, headers = n, f"Ärende {n}", ""
        else:
            sender = (n - NEW_CASES) * 3
            subject = f"Sv: Ärende {sender}"
            headers = f"In-Reply-To: <crash-{sender}@example.se>\n"
        chunks.append(
            f"From kund{sender}@example.se Mon Nov 30 10:00:00 2026\n"
            f"From: Kund {sender} <kund{sender}@example.se>\nTo: kontakt@exempel.example\n"
            f"Subject: {subject}\nMessage-ID: <crash-{n}@example.se>\n{headers}"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            f"Content-Transfer-Encoding: 8bit\n\nHej, det här är meddelande {n}.\n\n"
        )
    path.write_bytes("".join(chunks).encode())


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL: run the suite with DATABASE_URL=postgres://… to include it")
    import psycopg

    parts = urlsplit(base)
    name = f"{parts.path.lstrip('/') or 'nabar'}_crash_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def kill_after(env: dict[str, str], lines: int, *args: str) -> bool:
    """Start the command, SIGKILL it after it has reported ``lines`` messages; False if it ended first."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args, "--verbosity", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for seen, _line in enumerate(process.stdout, start=1):
        if seen >= lines:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=300)
    process.stdout.close()
    return process.returncode == -signal.SIGKILL


def test_a_batch_killed_mid_way_and_restarted_gives_every_message_exactly_once(
    database_url, tmp_path
):
    mbox = tmp_path / "batch.mbox"
    write_mbox(mbox)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NABAR_DATA_DIR": str(tmp_path / "data"),
        # Stored mail is queued in the database, as in production; process_mail works the queue.
        "NABAR_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "NABAR_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "shell", "-c", SETUP)
    import_args = ("import_mail", str(mbox), "--organisation", "exempel")

    assert kill_after(env, 60, *import_args)
    manage(env, *import_args)
    assert kill_after(env, 40, "process_mail")
    assert kill_after(env, 70, "process_mail")
    manage(env, "process_mail")
    manage(env, *import_args)  # the same file again changes nothing
    manage(env, "process_mail")

    summary = json.loads(manage(env, "shell", "-c", SUMMARY).stdout.strip().splitlines()[-1])
    inbound = summary["inbound"]
    ids = [row[0] for row in inbound]
    assert sorted(ids) == sorted(f"crash-{n}@example.se" for n in range(NEW_CASES + FOLLOW_UPS))
    statuses = {row[0]: row[1] for row in inbound}
    assert {statuses[f"crash-{n}@example.se"] for n in range(NEW_CASES)} == {"new_case"}
    assert {statuses[f"crash-{n}@example.se"] for n in range(NEW_CASES, 200)} == {"follow_up"}
    # Every reply is in the case of the message it answers.
    subjects = {row[0]: row[2] for row in inbound}
    for n in range(NEW_CASES, NEW_CASES + FOLLOW_UPS):
        assert subjects[f"crash-{n}@example.se"] == f"Ärende {(n - NEW_CASES) * 3}"
    assert sorted(summary["tickets"]) == sorted(f"Ärende {n}" for n in range(NEW_CASES))
    assert summary["customer_messages"] == NEW_CASES + FOLLOW_UPS
    assert len({row[3] for row in inbound}) == NEW_CASES + FOLLOW_UPS
    assert sorted(summary["receipts"].values()) == [1] * NEW_CASES
    assert summary["owners"] == ["alice"]

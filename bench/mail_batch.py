"""Time a batch of received mail through the real commands: import_mail, then process_mail.

Usage: .venv/bin/python bench/mail_batch.py [N]  (DATABASE_URL=postgres://…/nabar_bench for
PostgreSQL; the database is created fresh and dropped). Prints the wall time of each stage and
messages per second; N defaults to 500 (three quarters new cases, a quarter replies).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nabar.mail.tests.test_crash import SETUP  # noqa: E402


def mbox(path: Path, total: int) -> None:
    new = total * 3 // 4
    chunks = []
    for n in range(total):
        if n < new:
            sender, subject, headers = n, f"Ärende {n}", ""
        else:
            sender = (n - new) % new
            subject, headers = f"Sv: Ärende {sender}", f"In-Reply-To: <bench-{sender}@example.se>\n"
        chunks.append(
            f"From kund{sender}@example.se Mon Nov 30 10:00:00 2026\n"
            f"From: Kund {sender} <kund{sender}@example.se>\nTo: kontakt@exempel.example\n"
            f"Subject: {subject}\nMessage-ID: <bench-{n}@example.se>\n{headers}"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            f"Content-Transfer-Encoding: 8bit\n\nHej, meddelande {n}.\n\n"
        )
    path.write_bytes("".join(chunks).encode())


def run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    tmp = Path(tempfile.mkdtemp(prefix="nabar-bench-mail-"))
    base = os.environ.get("DATABASE_URL", "")
    admin = name = ""
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(base)
        name = f"{parts.path.lstrip('/') or 'nabar'}_bench_{uuid.uuid4().hex[:8]}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "NABAR_DATA_DIR": str(tmp / "data"),
        "NABAR_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "NABAR_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    try:
        run(env, "migrate", "--verbosity", "0")
        run(env, "shell", "-c", SETUP)
        mbox(tmp / "batch.mbox", total)
        imported = run(env, "import_mail", str(tmp / "batch.mbox"), "--organisation", "exempel")
        processed = run(env, "process_mail")
    finally:
        if name:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine = "PostgreSQL" if name else "SQLite"
    print(f"{engine}, {total} messages (each command includes ~1-2 s of Django start-up)")
    print(f"import_mail (store raw, queue): {imported:6.1f} s  {total / imported:6.1f} msg/s")
    print(f"process_mail (case or reply):   {processed:6.1f} s  {total / processed:6.1f} msg/s")


if __name__ == "__main__":
    main()

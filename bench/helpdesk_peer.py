"""django-helpdesk's side of bench/mail_ingest.py; runs in its own virtual environment.

A minimal Django project configured in code: django-helpdesk with its migrations (which load its
e-mail templates), one queue whose mailbox is a local directory, Django's dummy mail backend.
Each wave's .eml files are copied into the queue's directory (untimed) and the ``get_email``
command is timed; it deletes every file it turned into a ticket or follow-up.

    bench/out/helpdesk-venv/bin/python bench/helpdesk_peer.py --database sqlite --workdir DIR
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

SUPPORT = "support@bench.example"
# This script is also the project's URL configuration: helpdesk's mails link to its pages.
urlpatterns: list[Any] = []


def configure(database: str, workdir: Path, pg_url: str) -> None:
    from django.conf import settings

    if database == "postgres":
        base = pg_url.rstrip("/").rsplit("/", 1)[0]
        for sql in (
            "DROP DATABASE IF EXISTS nabar_mailbench_helpdesk",
            "CREATE DATABASE nabar_mailbench_helpdesk",
        ):
            subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
        user_host = base.split("://", 1)[1]
        user, host_port = user_host.split("@", 1)
        host, _, port = host_port.partition(":")
        db: dict[str, Any] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "nabar_mailbench_helpdesk",
            "USER": user,
            "HOST": host,
            "PORT": port or "5432",
        }
    else:
        path = workdir / "helpdesk.sqlite3"
        path.unlink(missing_ok=True)
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        DATABASES={"default": db},
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.sites",
            "django.contrib.messages",
            "django.contrib.humanize",
            "django.contrib.staticfiles",
            "rest_framework",
            "pinax.invitations",
            "pinax.teams",
            "account",
            "reversion",
            "helpdesk",
        ],
        SITE_ID=1,
        USE_TZ=True,
        TIME_ZONE="Europe/Stockholm",
        LANGUAGE_CODE="sv",
        MEDIA_ROOT=str(workdir / "helpdesk-media"),
        STATIC_URL="/static/",
        ROOT_URLCONF="__main__",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DEFAULT_FROM_EMAIL=SUPPORT,
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        MIDDLEWARE=[],
        LOGGING={"version": 1, "disable_existing_loggers": False},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    shutil.rmtree(workdir / "helpdesk-media", ignore_errors=True)
    configure(args.database, workdir, args.pg_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import include, path

    urlpatterns.append(path("helpdesk/", include("helpdesk.urls")))

    from helpdesk.models import FollowUp, Queue, Ticket

    call_command("migrate", verbosity=0)
    spool = workdir / "helpdesk-spool"
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir()
    Queue.objects.create(
        title="Support",
        slug="support",
        email_address=SUPPORT,
        email_box_type="local",
        email_box_local_dir=str(spool),
        email_box_interval=0,
        allow_email_submission=True,
        logging_type="none",
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    waves = []
    tickets_after_first = 0
    for wave in ("wave1", "wave2"):
        files = sorted((workdir / "mailbox" / wave).iterdir())
        for file in files:
            shutil.copyfile(file, spool / file.name)
        started = time.perf_counter()
        call_command("get_email", quiet=True)
        finished = time.perf_counter()
        waves.append(
            {
                "messages": len(files),
                "left_in_mailbox": len(list(spool.iterdir())),
                "seconds": finished - started,
            }
        )
        for leftover in spool.iterdir():
            leftover.unlink()
        if wave == "wave1":
            tickets_after_first = Ticket.objects.count()
    second = waves[1]["messages"] - waves[1]["left_in_mailbox"]
    new_in_second = Ticket.objects.count() - tickets_after_first
    print(
        json.dumps(
            {
                "system": "django-helpdesk",
                "database": args.database,
                "waves": waves,
                "rss_before_mib": rss_before,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "outcome": {
                    "tickets": Ticket.objects.count(),
                    "followups": FollowUp.objects.count(),
                    "not_processed": sum(w["left_in_mailbox"] for w in waves),
                    "threaded": f"{second - new_in_second}/{second}",
                },
            }
        )
    )


if __name__ == "__main__":
    main()

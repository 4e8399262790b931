"""Run Nåbar on one machine: the WSGI web server and the background worker, together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

SERVERS = ("granian", "gunicorn")


def web_server_command(
    server: str, *, host: str, port: int, workers: int, log_level: str = "warning"
) -> list[str]:
    """The production WSGI server's command line (granian by default; gunicorn on request)."""
    bin_dir = Path(sys.executable).parent
    if server == "granian":
        return [
            str(bin_dir / "granian"),
            *("--interface", "wsgi", "--host", host, "--port", str(port)),
            *("--workers", str(workers), "--blocking-threads", "4", "--no-ws"),
            *("--log-level", log_level, "nabar.wsgi:application"),
        ]
    return [
        str(bin_dir / "gunicorn"),
        *("--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4"),
        *("--log-level", log_level, "nabar.wsgi:application"),
    ]


class Command(BaseCommand):
    help = "Start the web server (granian, WSGI) and the task worker; stop both with Ctrl+C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("NABAR_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("NABAR_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("NABAR_WEB_WORKERS", "2")),
            help="Web server processes (default 2).",
        )
        parser.add_argument("--server", choices=SERVERS, default="granian")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the task worker."
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            default=int(os.environ.get("NABAR_TASK_WORKERS", "1")),
            help="Task worker processes (default 1; one per core takes bursts of mail faster).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        host, port, workers = options["host"], options["port"], options["workers"]
        web = web_server_command(options["server"], host=host, port=port, workers=workers)
        call_command("optimize_db", verbosity=0)
        processes: list[subprocess.Popen[bytes]] = []
        env = os.environ | {"DJANGO_SETTINGS_MODULE": "nabar.settings"}
        try:
            processes.append(subprocess.Popen(web, cwd=settings.BASE_DIR, env=env))
            if not options["no_worker"]:
                worker = [
                    sys.executable,
                    manage,
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--verbosity",
                    "0",
                ]
                for _ in range(max(options["task_workers"], 1)):
                    processes.append(subprocess.Popen(worker, cwd=settings.BASE_DIR, env=env))
                sweeper = [sys.executable, manage, "sweep", "--loop", "15", "--verbosity", "0"]
                processes.append(subprocess.Popen(sweeper, cwd=settings.BASE_DIR, env=env))
        except FileNotFoundError as exc:
            raise CommandError(
                f"Could not start {exc.filename}: is the virtualenv complete?"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Nåbar is running at http://{host}:{port}/"))
        self.stdout.write("Press Ctrl+C to stop.")
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping:
                if any(p.poll() is not None for p in processes):
                    self.stderr.write("A process stopped unexpectedly; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.terminate()
            for p in processes:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()

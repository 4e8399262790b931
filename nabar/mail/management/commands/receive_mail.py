"""Run the built-in SMTP receiver until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.mail.config import MailboxConfigError, load_from_environment
from nabar.mail.smtp_receiver import make_controller


class Command(BaseCommand):
    help = "Receive mail over SMTP for the organisations' published addresses (point MX or a forward here)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument(
            "--max-mb",
            type=int,
            default=None,
            help="Largest message accepted (MB); default NABAR_MAIL_MAX_BYTES (50 MB).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            load_from_environment()
        except MailboxConfigError as exc:
            raise CommandError(str(exc)) from None
        max_bytes = (
            options["max_mb"] * 1024 * 1024
            if options["max_mb"] is not None
            else settings.NABAR_MAIL_MAX_BYTES
        )
        controller = make_controller(
            host=options["host"], port=options["port"], max_bytes=max_bytes
        )
        controller.start()
        self.stdout.write(f"Receiving mail on {options['host']}:{options['port']}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        controller.stop()

"""Warn owners before a reply is due, alert team leads when it is overdue, once per clock."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from nabar.sla import actions


class Command(BaseCommand):
    help = (
        "Sweep the SLA clocks once, or every SECONDS with --loop. Several sweeps may run at "
        "once: every warning and breach is acted on once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="keep sweeping, this many seconds apart, until stopped (SIGTERM or Ctrl-C)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float | None = options["loop"]
        if interval is not None and interval <= 0:
            raise CommandError(f"--loop needs a positive number of seconds, not {interval:g}")
        stop = threading.Event()
        if interval is not None:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
        while True:
            close_old_connections()
            result = actions.sweep()
            if options["verbosity"] > 1 or interval is None or result.warned or result.breached:
                self.stdout.write(
                    f"warned {result.warned}, breached {result.breached}, "
                    f"moved to a stand-in {result.moved}"
                )
            if interval is None or stop.wait(interval):
                break

"""Run the periodic sweeps: stand-ins for absent owners, service-level warnings, re-announced
waits, and the classifier's scheduled retraining (queued as a task)."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Each is safe to run on several machines at once: every change is claimed under a lock.
SWEEPS = (
    "nabar.routing.sweep.hand_over_absent",
    "nabar.sla.actions.sweep",
    "nabar.tickets.sweep.reannounce_waits",
    "nabar.routing.sweep.retrain_due",
)


class Command(BaseCommand):
    help = "Run every periodic sweep once, or keep running them (--loop SECONDS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="Repeat this often.")

    def handle(self, *args: Any, **options: Any) -> None:
        sweeps: list[Callable[[], object]] = [import_string(path) for path in SWEEPS]
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        while True:
            for sweep in sweeps:
                try:
                    result = sweep()
                except Exception:  # one failing sweep must not stop the others
                    log.exception("sweep %s failed", sweep.__name__)
                    continue
                if options["verbosity"] > 1:
                    self.stdout.write(f"{sweep.__module__}.{sweep.__name__}: {result}")
            if not options["loop"] or self.stopping:
                return
            for _ in range(options["loop"]):
                if self.stopping:
                    return
                time.sleep(1)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

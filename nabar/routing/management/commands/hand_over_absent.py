"""Give the cases of owners who are away too long, or no longer work here, to their stand-ins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from nabar.routing.sweep import hand_over_absent


class Command(BaseCommand):
    help = (
        "Move open cases of owners away longer than the organisation's threshold, or "
        "deactivated, to their stand-in (or the team queue); customers are told."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", type=int, metavar="SECONDS", help="Keep running, sweeping this often."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            moved = hand_over_absent()
            if options["verbosity"] > 0:
                self.stdout.write(f"{moved} case(s) moved to a stand-in or the team queue.")
            if not options["loop"]:
                return
            time.sleep(options["loop"])

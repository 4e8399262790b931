"""Process stored mail that is waiting or failed: the same step the worker runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from nabar.mail.intake import process_inbound
from nabar.mail.models import InboundEmail


class Command(BaseCommand):
    help = "Process received mail that is still waiting (e.g. after a crash) or, with --failed, retry failed mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failed", action="store_true", help="Retry mail that failed.")

    def handle(self, *args: Any, **options: Any) -> None:
        statuses = [InboundEmail.Status.RECEIVED]
        if options["failed"]:
            statuses.append(InboundEmail.Status.FAILED)
        # A run that was killed mid-message left it "processing": give it back. Safe even if a
        # worker is busy with one: the decision is re-checked under a row lock.
        InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSING).update(
            status=InboundEmail.Status.RECEIVED
        )
        counts: dict[str, int] = {}
        for pk in (
            InboundEmail.objects.filter(status__in=statuses)
            .order_by("pk")
            .values_list("pk", flat=True)
        ):
            status = str(process_inbound(pk))
            counts[status] = counts.get(status, 0) + 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{pk}: {status}")
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "Nothing to process."
        )

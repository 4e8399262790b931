"""Send queued mail that is due: a safety net beside the worker's own retries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from nabar.mail import outbox
from nabar.mail.models import OutboundEmail


class Command(BaseCommand):
    help = "Send every queued or deferred e-mail whose time has come, now, in this process."

    def handle(self, *args: Any, **options: Any) -> None:
        stale = outbox.due_for_retry()
        # A mail left "sending" by a worker that died is given back to the queue.
        OutboundEmail.objects.filter(pk__in=stale, status=OutboundEmail.Status.SENDING).update(
            status=OutboundEmail.Status.DEFERRED, updated_at=timezone.now()
        )
        counts: dict[str, int] = {}
        for pk in stale:
            status = outbox.deliver(pk)
            counts[str(status)] = counts.get(str(status), 0) + 1
        self.stdout.write(f"{len(stale)} due: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

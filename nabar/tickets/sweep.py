"""Announced reply times that will not hold are announced again, before they are broken."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from nabar.tickets.models import Ticket

# Cases looked at per sweep, most urgent first; the next sweep takes the rest.
BATCH = 200


def reannounce_waits(*, now: datetime | None = None) -> int:
    """Re-estimate cases whose most likely reply time has passed without a person's reply."""
    from nabar.tickets.actions import reannounce_if_later

    now = now or timezone.now()
    at_risk = (
        Ticket.objects.awaiting_first_reply()
        .filter(expected_reply_from__lte=now, expected_reply_until__isnull=False)
        .order_by("expected_reply_until")[:BATCH]
    )
    return sum(reannounce_if_later(ticket) for ticket in at_risk)

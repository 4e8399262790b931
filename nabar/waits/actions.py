"""Writes of the waits app: announced waits are stored, and later what happened to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.lib import batch
from nabar.tickets.models import Ticket
from nabar.waits.models import WaitPrediction

# The predictor names stored with each prediction.
WRITTEN = "written"
LIVE = "live"


def record_prediction(
    organisation: Organisation,
    *,
    channel: str,
    predictor: str,
    median_seconds: float,
    p90_seconds: float,
    ticket: Ticket | None = None,
    predicted_at: datetime | None = None,
    enough_data: bool = True,
    open_median_seconds: float | None = None,
    open_p90_seconds: float | None = None,
) -> WaitPrediction:
    """Keep an announced wait so that it can be compared with the real one."""
    return batch.create(
        WaitPrediction(
            organisation=organisation,
            channel=channel,
            ticket=ticket,
            predictor=predictor,
            predicted_at=predicted_at or timezone.now(),
            median_seconds=max(0.0, median_seconds),
            p90_seconds=max(0.0, p90_seconds),
            enough_data=enough_data,
            open_median_seconds=open_median_seconds,
            open_p90_seconds=open_p90_seconds,
        )
    )


def record_announced_reply(
    ticket: Ticket,
    *,
    likely: datetime,
    latest: datetime,
    enough_data: bool,
    open_median_seconds: float | None = None,
    open_p90_seconds: float | None = None,
) -> WaitPrediction:
    """The expected first reply announced for a case (a range of times) is kept.

    ``open_median_seconds`` and ``open_p90_seconds``: the range in open time before any learnt
    correction, when the queue model gave it.
    """
    now = timezone.now()
    return record_prediction(
        ticket.organisation,
        channel=ticket.channel,
        predictor=WRITTEN,
        ticket=ticket,
        predicted_at=now,
        median_seconds=(likely - now).total_seconds(),
        p90_seconds=(latest - now).total_seconds(),
        enough_data=enough_data,
        open_median_seconds=open_median_seconds,
        open_p90_seconds=open_p90_seconds,
    )


def record_outcome(
    ticket: Ticket,
    *,
    answered_at: datetime,
    open_seconds_since: Callable[[datetime], float] | None = None,
) -> int:
    """A person answered: every open prediction for the case gets its real wait.

    ``open_seconds_since(start)``: the open time from ``start`` to the answer, in the hours the
    range was worked out in; stored for predictions that kept their range in open time.
    """
    pending = list(
        WaitPrediction.objects.filter(ticket=ticket, answered_at__isnull=True, abandoned=False)
    )
    for prediction in pending:
        prediction.answered_at = answered_at
        prediction.waited_seconds = max(
            0.0, (answered_at - prediction.predicted_at).total_seconds()
        )
        if open_seconds_since is not None and prediction.open_median_seconds is not None:
            prediction.open_waited_seconds = max(0.0, open_seconds_since(prediction.predicted_at))
    WaitPrediction.objects.bulk_update(
        pending, ["answered_at", "waited_seconds", "open_waited_seconds"]
    )
    return len(pending)


def record_abandoned(ticket: Ticket, *, at: datetime) -> int:
    """The customer gave up (a chat left, a callback cancelled) before a person answered."""
    pending = list(
        WaitPrediction.objects.filter(ticket=ticket, answered_at__isnull=True, abandoned=False)
    )
    for prediction in pending:
        prediction.abandoned = True
        prediction.waited_seconds = max(0.0, (at - prediction.predicted_at).total_seconds())
    WaitPrediction.objects.bulk_update(pending, ["abandoned", "waited_seconds"])
    return len(pending)

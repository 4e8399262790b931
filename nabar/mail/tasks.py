"""Background tasks for mail: delivering the outbox, understanding what was received."""

from __future__ import annotations

from django_tasks import task

from nabar.mail import intake, outbox


@task()
def send_outbound_email(*, outbound_id: int) -> str | None:
    status = outbox.deliver(outbound_id)
    return str(status) if status else None


@task()
def send_outbound_batch(*, outbound_ids: list[int]) -> dict[str, int]:
    """Deliver several queued mails; one that fails is retried on its own schedule."""
    counts: dict[str, int] = {}
    for outbound_id in outbound_ids:
        status = str(outbox.deliver(outbound_id))
        counts[status] = counts.get(status, 0) + 1
    return counts


@task()
def process_inbound_email(*, inbound_id: int) -> str | dict[str, int] | None:
    """One received message (the SMTP receiver queues one task per message); when more mail
    is waiting, as in a burst, it is all taken together as a batch."""
    waiting = intake.waiting_with(inbound_id)
    if len(waiting) > 1:
        return intake.process_many(waiting)
    status = intake.process_inbound(inbound_id)
    return str(status) if status else None


@task()
def process_inbound_batch(*, inbound_ids: list[int]) -> dict[str, int]:
    return intake.process_many(inbound_ids)

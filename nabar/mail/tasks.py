"""Background tasks for outbound mail."""

from __future__ import annotations

from django_tasks import task

from nabar.mail import intake, outbox


@task()
def send_outbound_email(*, outbound_id: int) -> str | None:
    status = outbox.deliver(outbound_id)
    return str(status) if status else None


@task()
def process_inbound_email(*, inbound_id: int) -> str | None:
    status = intake.process_inbound(inbound_id)
    return str(status) if status else None

"""Every change to a case goes through here: one transaction, one timeline event, mail on commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from nabar.accounts.models import Agent, Organisation
from nabar.customers.actions import find_or_create_customer
from nabar.customers.models import Customer
from nabar.mail.models import OutboundEmail
from nabar.mail.outbox import queue_email, render_email
from nabar.tickets import expected
from nabar.tickets.models import Attachment, Channel, Message, Ticket, TicketEvent
from nabar.waits.actions import record_announced_reply, record_outcome


@dataclass(frozen=True)
class NewCase:
    """What a customer told us when opening a case, already validated."""

    name: str
    email: str
    phone: str
    body: str
    language: str
    subject: str = ""
    quoted: str = ""


def _event(
    ticket: Ticket,
    kind: TicketEvent.Kind,
    *,
    agent: Agent | None = None,
    label: str = "",
    **data: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor_agent=agent,
        actor_label=label or (agent.name if agent else ""),
        data=data,
    )


def _store_attachments(message: Message, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        attachment = Attachment(
            message=message,
            filename=upload.name or "attachment",
            content_type=upload.content_type or "application/octet-stream",
            size=upload.size or 0,
        )
        attachment.file.save(upload.name or "attachment", upload, save=False)
        attachment.save()


def _customer_message(
    ticket: Ticket, customer: Customer, *, body: str, channel: str, quoted: str = ""
) -> Message:
    """A message the customer wrote, in any channel."""
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        channel=channel,
        written_by=Message.WrittenBy.PERSON,
        author_customer=customer,
        author_name=customer.name,
        body=body,
        quoted_text=quoted,
    )


def least_loaded_agent(organisation: Organisation) -> Agent | None:
    """The available agent of the default team with the fewest open cases (within capacity)."""
    agents = Agent.objects.filter(
        organisation=organisation,
        is_active=True,
        user__is_active=True,
        availability=Agent.Availability.AVAILABLE,
    )
    if organisation.default_team_id:
        agents = agents.filter(teams=organisation.default_team_id)
    candidates = list(agents.select_related("user").order_by("pk"))
    if not candidates:
        return None
    load = dict(
        Ticket.objects.open()
        .filter(owner__in=candidates)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    within = [a for a in candidates if load.get(a.pk, 0) < a.capacity]
    return min(within, key=lambda a: (load.get(a.pk, 0), a.pk), default=None)


def _next_number(organisation: Organisation) -> int:
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    number = org.next_case_number
    Organisation.objects.filter(pk=org.pk).update(next_case_number=F("next_case_number") + 1)
    return number


def case_link(ticket: Ticket) -> str:
    return settings.SITE_URL + ticket.get_public_url()


def open_ticket(
    organisation: Organisation,
    *,
    case: NewCase,
    channel: Channel,
    attachments: Sequence[UploadedFile] = (),
    submission_key: str = "",
    send_receipt: bool = True,
) -> tuple[Ticket, bool]:
    """Open a case with an owner and an announced reply time; send the receipt.

    Returns the case and whether it was created now. The same ``submission_key`` posted twice
    (a double click, a resent form) gives back the first case instead of a second one.
    """
    if submission_key:
        existing = Ticket.objects.filter(
            organisation=organisation, submission_key=submission_key
        ).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            ticket = _open_ticket(
                organisation,
                case=case,
                channel=channel,
                attachments=attachments,
                submission_key=submission_key,
                send_receipt=send_receipt,
            )
    except IntegrityError:
        if not submission_key:
            raise
        return Ticket.objects.get(organisation=organisation, submission_key=submission_key), False
    return ticket, True


def _open_ticket(
    organisation: Organisation,
    *,
    case: NewCase,
    channel: Channel,
    attachments: Sequence[UploadedFile],
    submission_key: str,
    send_receipt: bool = True,
) -> Ticket:
    customer = find_or_create_customer(
        organisation, name=case.name, email=case.email, phone=case.phone, language=case.language
    )
    number = _next_number(organisation)
    owner = least_loaded_agent(organisation)
    now = timezone.now()
    ticket = Ticket.objects.create(
        organisation=organisation,
        number=number,
        requester=customer,
        owner=owner,
        team_id=organisation.default_team_id,
        channel=channel,
        subject=case.subject or _subject_from(case.body),
        language=case.language,
        submission_key=submission_key,
        last_customer_message_at=now,
    )
    message = _customer_message(
        ticket, customer, body=case.body, channel=channel, quoted=case.quoted
    )
    _store_attachments(message, attachments)
    _event(
        ticket, TicketEvent.Kind.CREATED, label=case.name or customer.primary_email, channel=channel
    )
    if owner is not None:
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            label="Nåbar",
            owner=owner.name,
            owner_id=owner.pk,
            reason="least_loaded",
        )
    estimate = expected.estimate_first_reply(ticket)
    _announce(ticket, estimate)
    if send_receipt:
        _send_receipt(ticket, customer, estimate)
    return ticket


def _subject_from(body: str) -> str:
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return first_line[:80] + ("…" if len(first_line) > 80 else "")


def _announce(ticket: Ticket, estimate: expected.Estimate) -> None:
    record_announced_reply(
        ticket, likely=estimate.likely, latest=estimate.latest, enough_data=estimate.enough_data
    )
    ticket.expected_reply_from = estimate.likely
    ticket.expected_reply_until = estimate.latest
    ticket.due_at = estimate.due
    ticket.save(
        update_fields=["expected_reply_from", "expected_reply_until", "due_at", "updated_at"]
    )
    _event(
        ticket,
        TicketEvent.Kind.ESTIMATE,
        label="Nåbar",
        likely=estimate.likely.isoformat(),
        latest=estimate.latest.isoformat(),
        basis=estimate.basis,
    )


def _send_receipt(ticket: Ticket, customer: Customer, estimate: expected.Estimate) -> None:
    address = customer.primary_email
    context = {
        "ticket": ticket,
        "organisation": ticket.organisation,
        "customer": customer,
        "owner_name": ticket.owner.name if ticket.owner else "",
        "estimate": estimate,
        "link": case_link(ticket),
    }
    language = ticket.language or "sv"
    subject, text, html = render_email("receipt", context, language=language)
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        channel=Channel.EMAIL if address else ticket.channel,
        written_by=Message.WrittenBy.AUTOMATION,
        author_name="Nåbar",
        body=text,
    )
    if address:
        queue_email(
            ticket.organisation,
            to=address,
            subject=subject,
            text=text,
            html=html,
            kind=OutboundEmail.Kind.RECEIPT,
            automatic=True,
            ticket=ticket,
            message=message,
        )
        _event(ticket, TicketEvent.Kind.RECEIPT, label="Nåbar", to=address)


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("organisation", "owner__user")
        .get(pk=ticket.pk)
    )


def _set_status(
    ticket: Ticket, status: str, *, agent: Agent | None = None, label: str = ""
) -> None:
    if ticket.status == status:
        return
    old = ticket.status
    ticket.status = status
    now = timezone.now()
    if status == Ticket.Status.SOLVED:
        ticket.solved_at = now
    elif status == Ticket.Status.CLOSED:
        ticket.closed_at = now
    else:
        ticket.solved_at = None
        ticket.closed_at = None
    _event(ticket, TicketEvent.Kind.STATUS, agent=agent, label=label, old=old, new=status)


def reply_to_customer(
    ticket: Ticket,
    *,
    agent: Agent,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    status: str | None = None,
) -> Message:
    """An agent answers the customer; the customer gets it by e-mail with the case number."""
    with transaction.atomic():
        ticket = _lock(ticket)
        now = timezone.now()
        message = Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.OUTBOUND,
            channel=Channel.EMAIL,
            written_by=Message.WrittenBy.PERSON,
            author_agent=agent,
            author_name=agent.name,
            body=body,
        )
        _store_attachments(message, attachments)
        # Only a person's reply stops the first-response clock.
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            record_outcome(ticket, answered_at=now)
        _set_status(
            ticket,
            status or (Ticket.Status.OPEN if ticket.status == Ticket.Status.NEW else ticket.status),
            agent=agent,
        )
        ticket.due_at = None
        ticket.save()
        _event(ticket, TicketEvent.Kind.REPLIED, agent=agent, message_id=message.pk)
        address = ticket.requester.primary_email
        if address:
            context = {
                "ticket": ticket,
                "organisation": ticket.organisation,
                "agent_name": agent.name,
                "body": body,
                "link": case_link(ticket),
                "attachments": [a.filename for a in message.attachments.all()],
            }
            subject, text, html = render_email("reply", context, language=ticket.language or "sv")
            queue_email(
                ticket.organisation,
                to=address,
                subject=subject,
                text=text,
                html=html,
                kind=OutboundEmail.Kind.REPLY,
                automatic=False,
                ticket=ticket,
                message=message,
                from_name=f"{agent.name}, {ticket.organisation.name}",
            )
    return message


def add_note(ticket: Ticket, *, agent: Agent, body: str) -> Message:
    """An internal note: visible to agents only, never to the customer."""
    with transaction.atomic():
        ticket = _lock(ticket)
        message = Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.INTERNAL,
            channel=Channel.WEB,
            written_by=Message.WrittenBy.PERSON,
            author_agent=agent,
            author_name=agent.name,
            body=body,
        )
        ticket.save(update_fields=["updated_at"])
        _event(ticket, TicketEvent.Kind.NOTE, agent=agent, message_id=message.pk)
    return message


def change_status(ticket: Ticket, *, status: str, agent: Agent) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        _set_status(ticket, status, agent=agent)
        ticket.save()
    return ticket


def assign_ticket(
    ticket: Ticket, *, owner: Agent, agent: Agent | None, reason: str = "manual"
) -> Ticket:
    """Give the case to a named owner."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.owner_id == owner.pk:
            return ticket
        previous = ticket.owner
        ticket.owner = owner
        if previous is not None:
            ticket.handoff_count += 1
        ticket.save()
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            agent=agent,
            label="" if agent else "Nåbar",
            owner=owner.name,
            owner_id=owner.pk,
            previous=previous.name if previous else "",
            reason=reason,
        )
    return ticket


def add_customer_message(
    ticket: Ticket,
    *,
    body: str,
    channel: Channel,
    attachments: Sequence[UploadedFile] = (),
    quoted: str = "",
) -> Message:
    """The customer writes again; a solved or closed case reopens to the same owner."""
    with transaction.atomic():
        ticket = _lock(ticket)
        customer = ticket.requester
        message = _customer_message(ticket, customer, body=body, channel=channel, quoted=quoted)
        _store_attachments(message, attachments)
        ticket.last_customer_message_at = timezone.now()
        _event(ticket, TicketEvent.Kind.CUSTOMER_WROTE, label=customer.name, message_id=message.pk)
        if ticket.status != Ticket.Status.OPEN:
            if ticket.is_closed:
                _event(
                    ticket,
                    TicketEvent.Kind.REOPENED,
                    label=customer.name,
                    owner=_owner_name(ticket),
                )
            _set_status(ticket, Ticket.Status.OPEN, label=customer.name)
        ticket.save()
    return message


def add_automatic_message(ticket: Ticket, *, body: str, reason: str) -> Message:
    """An auto-reply or similar arrived on a case: shown, never answered, never reopens it."""
    with transaction.atomic():
        ticket = _lock(ticket)
        message = Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.INBOUND,
            channel=Channel.EMAIL,
            written_by=Message.WrittenBy.AUTOMATION,
            author_name=ticket.requester.name,
            body=body,
        )
        _event(
            ticket, TicketEvent.Kind.AUTOMATIC, label="Nåbar", reason=reason, message_id=message.pk
        )
    return message


def _owner_name(ticket: Ticket) -> str:
    return ticket.owner.name if ticket.owner else ""


def customer_verdict(ticket: Ticket, *, solved: bool, comment: str = "") -> Ticket:
    """The customer says whether the case is solved. "Not solved" reopens it to the same owner."""
    with transaction.atomic():
        ticket = _lock(ticket)
        customer = ticket.requester
        if comment:
            _customer_message(ticket, customer, body=comment, channel=Channel.WEB)
            ticket.last_customer_message_at = timezone.now()
        if solved:
            _set_status(ticket, Ticket.Status.SOLVED, label=customer.name)
        else:
            _event(
                ticket,
                TicketEvent.Kind.REOPENED,
                label=customer.name,
                owner=_owner_name(ticket),
                verdict="not_solved",
            )
            _set_status(ticket, Ticket.Status.OPEN, label=customer.name)
            # The customer waits for a person again: announce a fresh expected reply.
            ticket.first_response_at = None
            _announce(ticket, expected.estimate_first_reply(ticket))
        ticket.save()
    return ticket

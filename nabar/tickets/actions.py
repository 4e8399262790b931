"""Every change to a case goes through here: one transaction, one timeline event, mail on commit."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator

from nabar.accounts.models import Agent, Organisation, Strategy, Team
from nabar.customers.actions import find_or_create_customer, normalise_email, normalise_phone
from nabar.customers.models import ContactPoint, Customer
from nabar.lib import batch
from nabar.lib.templatetags.nabar_time import when
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.mail.outbox import queue_email, render_email, render_email_filled, thread_starts
from nabar.routing import actions as routing
from nabar.routing.rules import transfer_refusal
from nabar.sla import actions as sla
from nabar.tickets import expected
from nabar.tickets.alerts import raise_alert, team_leads
from nabar.tickets.models import (
    LANGUAGE_MISSING_TAG,
    Alert,
    Attachment,
    Channel,
    Message,
    Ticket,
    TicketEvent,
)
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
    # The Message-ID of the customer's e-mail, which the receipt answers.
    message_id: str = ""


def _event(
    ticket: Ticket,
    kind: TicketEvent.Kind,
    *,
    agent: Agent | None = None,
    label: str = "",
    **data: Any,
) -> TicketEvent:
    return batch.create(
        TicketEvent(
            ticket=ticket,
            kind=kind,
            actor_agent=agent,
            actor_label=label or (agent.name if agent else ""),
            data=data,
        )
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
        batch.create(attachment)  # the file is stored now, the row with the batch's rows


def _customer_message(
    ticket: Ticket,
    customer: Customer,
    *,
    body: str,
    channel: str,
    quoted: str = "",
) -> Message:
    """A message the customer wrote, in any channel (in a batch, written at the batch's end)."""
    return batch.create_keyed(
        Message(
            ticket=ticket,
            direction=Message.Direction.INBOUND,
            channel=channel,
            written_by=Message.WrittenBy.PERSON,
            author_customer=customer,
            author_name=customer.name,
            body=body,
            quoted_text=quoted,
        )
    )


def _next_number(organisation: Organisation) -> int:
    # A batch uses the numbers it reserved before its transaction began (``intake``); beyond
    # them, and outside a batch, a number is taken under the counter's lock.
    reserved: list[int] = batch.remember(("reserved-numbers", organisation.pk), list)
    if reserved:
        return reserved.pop(0)
    handed_on = (_handed_on.get() or {}).get(organisation.pk)
    if handed_on:
        return handed_on.pop(0)
    return reserve_numbers(organisation, 1)[0]


# Numbers reserved by a batch that failed, per organisation, for its messages one by one.
_handed_on: ContextVar[dict[int, list[int]] | None] = ContextVar("nabar_numbers", default=None)


@contextmanager
def numbers_from(unused: dict[int, list[int]]) -> Iterator[None]:
    """New cases opened in this block take these reserved numbers first, in order.

    A batch reserves its case numbers before its transaction; when it fails and its messages
    are processed one by one, they take the same numbers, so the failure leaves no gap (only
    a number for a message that fails on its own too is skipped).
    """
    token = _handed_on.set(unused)
    try:
        yield
    finally:
        _handed_on.reset(token)


def reserve_numbers(organisation: Organisation, count: int) -> list[int]:
    """Take ``count`` case numbers under the counter's lock (held until the transaction ends).

    Called outside a transaction it is a short one of its own, which is how a batch reserves
    its numbers: a batch that held the counter's lock until it commits would make every other
    writer of new cases wait for it. Numbers a batch reserved and did not use are skipped.
    FOR NO KEY UPDATE: the lock must not wait for (nor block) the key-share locks that every
    case inserted elsewhere holds on its organisation until it commits.
    """
    if count <= 0:
        return []
    with transaction.atomic(savepoint=False):
        org = Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)
        first = org.next_case_number
        Organisation.objects.filter(pk=org.pk).update(next_case_number=first + count)
    return list(range(first, first + count))


def case_link(ticket: Ticket) -> str:
    """The case page's full address, which the customer is sent."""
    token = ticket.public_token
    if not _URL_SAFE.fullmatch(token):
        return settings.SITE_URL + ticket.get_public_url()
    # A batch resolves the address once per organisation; each case's token is put into it.
    slug = ticket.organisation.slug
    before, after = batch.remember(("case-link", slug), lambda: _case_link_around(slug))
    return f"{before}{token}{after}"


_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def _case_link_around(slug: str) -> tuple[str, str]:
    """The case page's address for ``slug`` split where the token goes."""
    marker = "tokenmarker"
    url = settings.SITE_URL + reverse("contact:case", kwargs={"slug": slug, "token": marker})
    before, _, after = url.rpartition(marker)
    return before, after


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
        with batch.atomic():
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
    routed = routing.decide(
        organisation,
        customer=customer,
        channel=channel,
        text=f"{case.subject}\n{case.body}".strip(),
        language_hint=case.language,
    )
    owner = routed.owner
    now = timezone.now()
    ticket = batch.create_keyed(
        Ticket(
            organisation=organisation,
            number=number,
            requester=customer,
            owner=owner,
            owner_since=now if owner else None,
            team=routed.team,
            channel=channel,
            subject=case.subject or _subject_from(case.body),
            language=routed.language,
            priority=routed.priority,
            tags=routed.tags,
            category=routed.category,
            category_confidence=routed.category_confidence,
            category_set_by=routed.category_set_by,
            needs_triage=routed.needs_triage,
            submission_key=submission_key,
            last_customer_message_at=now,
        )
    )
    # A case opened in a batch has no mail yet, and its pending rows are written before
    # anything else in the batch touches it.
    thread_starts(ticket)
    batch.know(("opened", ticket.pk), True)
    share(ticket)
    message = _customer_message(
        ticket, customer, body=case.body, channel=channel, quoted=case.quoted
    )
    batch.know(("first-message", ticket.pk), message)
    _store_attachments(message, attachments)
    email = normalise_email(case.email) if case.email else ""
    given = [email, normalise_phone(case.phone)]
    _event(
        ticket,
        TicketEvent.Kind.CREATED,
        label=case.name or customer.primary_email,
        channel=channel,
        # The addresses written with the case, kept even when one is another customer's.
        given=[value for value in given if value],
    )
    routing.record(ticket, routed)
    if owner is not None:
        # The customer's next case in this batch goes to the same person.
        batch.know(("previous-owner", customer.pk), owner)
    if owner is not None:
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            label="Nåbar",
            owner=owner.name,
            owner_id=owner.pk,
            reason=routed.owner_reason.get("code", ""),
            because=routed.owner_reason,
        )
    estimate = expected.estimate_first_reply(ticket)
    _announce(ticket, estimate)
    sla.case_opened(ticket)
    if send_receipt:
        # To the address the writer gave, never to another address of the customer's.
        _send_receipt(ticket, customer, estimate, address=email, answering=case.message_id)
    return ticket


def _subject_from(body: str) -> str:
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return first_line[:80] + ("…" if len(first_line) > 80 else "")


def _announce(ticket: Ticket, estimate: expected.Estimate) -> None:
    record_announced_reply(
        ticket,
        likely=estimate.likely,
        latest=estimate.latest,
        enough_data=estimate.enough_data,
        open_median_seconds=estimate.open_median_seconds,
        open_p90_seconds=estimate.open_p90_seconds,
    )
    ticket.expected_reply_from = estimate.likely
    ticket.expected_reply_until = estimate.latest
    ticket.due_at = estimate.due
    batch.update(ticket, ["expected_reply_from", "expected_reply_until", "due_at", "updated_at"])
    _event(
        ticket,
        TicketEvent.Kind.ESTIMATE,
        label="Nåbar",
        likely=estimate.likely.isoformat(),
        latest=estimate.latest.isoformat(),
        basis=estimate.basis,
    )


def _send_receipt(
    ticket: Ticket,
    customer: Customer,
    estimate: expected.Estimate,
    *,
    address: str,
    answering: str = "",
) -> None:
    language = reply_language(ticket)
    with translation.override(language):
        likely, latest = when(estimate.likely), when(estimate.latest)
    mail = render_email_filled(
        "receipt",
        {
            "reference": ticket.reference,
            "organisation_name": ticket.organisation.name,
            "customer_name": customer.name,
            "owner_name": ticket.owner.name if ticket.owner else "",
            "language_missing": "yes" if ticket.language_missing else "",
            # Without an address the receipt is only kept on the case page: no mail to answer.
            "by_email": "yes" if address else "",
            "likely": likely,
            "latest": latest,
            "link": case_link(ticket),
        },
        language=language,
    )
    _write_to_customer(
        ticket,
        mail,
        address=address,
        kind=OutboundEmail.Kind.RECEIPT,
        automatic=True,
        answering=answering,
    )
    if address:
        _event(ticket, TicketEvent.Kind.RECEIPT, label="Nåbar", to=address)


def locking() -> QuerySet[Ticket]:
    """Cases to change: locked until the transaction ends, with what the actions read."""
    return Ticket.objects.select_for_update(of=("self",)).select_related(
        "organisation", "owner__user", "requester"
    )


def live_case(ticket_id: int) -> Ticket | None:
    """The case locked for change (None if there is no such case).

    In a batch every action on a case shares one locked copy, whose changes not yet written are
    the truth: a second message to the same case sees what the first one changed. ``share``
    tells the batch a copy it already holds."""
    return batch.remember(
        ("live-ticket", ticket_id), lambda: locking().filter(pk=ticket_id).first()
    )


def share(ticket: Ticket) -> None:
    """In a batch: the copy of the case every later action on it works on (see ``live_case``)."""
    batch.know(("live-ticket", ticket.pk), ticket)


def _lock(ticket: Ticket) -> Ticket:
    locked = live_case(ticket.pk)
    if locked is None:
        raise Ticket.DoesNotExist(f"case {ticket.pk} no longer exists")
    return locked


def _set_status(
    ticket: Ticket, status: str, *, agent: Agent | None = None, label: str = "", **data: Any
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
    _event(ticket, TicketEvent.Kind.STATUS, agent=agent, label=label, old=old, new=status, **data)
    sla.status_changed(ticket, old=old, new=status, at=now)


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
        if agent.pk == ticket.owner_id:
            ticket.handover_note = ""
        # Only a person's reply stops the first-response clock.
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            record_outcome(
                ticket,
                answered_at=now,
                open_seconds_since=lambda start: expected.open_seconds_between(ticket, start, now),
            )
        _set_status(
            ticket,
            status or (Ticket.Status.OPEN if ticket.status == Ticket.Status.NEW else ticket.status),
            agent=agent,
        )
        ticket.due_at = None
        ticket.save()
        sla.human_replied(ticket, at=now)
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
                # The reply that solves the case asks, as the case page does, whether it is.
                "solved": status == Ticket.Status.SOLVED,
                "owner_name": _owner_name(ticket),
            }
            subject, text, html = render_email("reply", context, language=reply_language(ticket))
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
        ticket.owner_since = timezone.now()
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
        if agent is not None and agent.pk != owner.pk:
            # Given by a person (a team lead): the new owner hears it, not only sees the inbox.
            raise_alert([owner], ticket=ticket, kind=Alert.Kind.HANDED, data={"by": agent.name})
    return ticket


def add_customer_message(
    ticket: Ticket,
    *,
    body: str,
    channel: Channel,
    attachments: Sequence[UploadedFile] = (),
    quoted: str = "",
    sender: str = "",
    sender_name: str = "",
) -> Message:
    """The customer writes again; a solved or closed case reopens to the same owner.

    Written to a case that was merged away (its link, its reply address), the message goes
    to the case it was merged into, where the conversation goes on.

    ``sender`` is the address a mail came from. When it is not one of the customer's
    addresses, anyone who has the case's reply address wrote it, so the message is kept
    under that sender's name and address, never the customer's (see ``_stranger_message``).
    """
    with batch.atomic():
        ticket = _live_surviving(_lock(ticket))
        customer = ticket.requester
        address = normalise_email(sender) if sender else ""
        if address and not _is_customers_address(customer, address):
            return _stranger_message(
                ticket,
                address=address,
                name=sender_name,
                body=body,
                channel=channel,
                attachments=attachments,
                quoted=quoted,
            )
        message = _customer_message(ticket, customer, body=body, channel=channel, quoted=quoted)
        _store_attachments(message, attachments)
        ticket.last_customer_message_at = timezone.now()
        _event(ticket, TicketEvent.Kind.CUSTOMER_WROTE, label=customer.name, message_id=message.pk)
        _bring_back(ticket, label=customer.name)
    return message


def _is_customers_address(customer: Customer, address: str) -> bool:
    return batch.remember(
        ("customer-address", customer.pk, address),
        lambda: ContactPoint.objects.filter(
            customer=customer, kind=ContactPoint.Kind.EMAIL, value=address
        ).exists(),
    )


def _bring_back(ticket: Ticket, *, label: str) -> None:
    """Someone wrote on the case: it is open again, and a reply is due."""
    if ticket.status != Ticket.Status.OPEN:
        if ticket.is_closed:
            _event(ticket, TicketEvent.Kind.REOPENED, label=label, owner=_owner_name(ticket))
        _set_status(ticket, Ticket.Status.OPEN, label=label)
    batch.update(ticket, ["last_customer_message_at", "status", "solved_at", "closed_at"])
    sla.customer_wrote(ticket, at=ticket.last_customer_message_at)


def _stranger_message(
    ticket: Ticket,
    *,
    address: str,
    name: str,
    body: str,
    channel: Channel,
    attachments: Sequence[UploadedFile],
    quoted: str,
) -> Message:
    """A mail to the case's reply address from an address that is not the customer's.

    It is kept (nothing is lost) under the sender's own name and address, and the case page
    flags it. On a case still open it counts as a message waiting for an answer, as the
    customer's would. A solved or closed case stays as it is: only the customer's word, or
    the owner's, reopens it, as a reply address can reach anyone the mail was forwarded to.
    The owner (the team lead of a case without one) is alerted instead, so the message does
    not go unseen. The case number in a subject (``find_thread``) is trusted only from the
    customer's addresses; the signed reply address does bring a stranger's mail here.
    """
    label = f"{name} <{address}>" if name else address
    message = batch.create_keyed(
        Message(
            ticket=ticket,
            direction=Message.Direction.INBOUND,
            channel=channel,
            written_by=Message.WrittenBy.PERSON,
            author_name=label[:200],
            body=body,
            quoted_text=quoted,
        )
    )
    _store_attachments(message, attachments)
    _event(
        ticket,
        TicketEvent.Kind.CUSTOMER_WROTE,
        label=label[:200],
        message_id=message.pk,
        stranger=address,
    )
    if ticket.is_closed:
        raise_alert(
            [ticket.owner] if ticket.owner else team_leads(ticket),
            ticket=ticket,
            kind=Alert.Kind.OTHER,
            data={"stranger": address},
        )
    else:
        ticket.last_customer_message_at = timezone.now()
        _bring_back(ticket, label=label[:200])
    return message


def add_automatic_message(ticket: Ticket, *, body: str, reason: str, kind: str = "") -> Message:
    """An auto-reply or similar arrived on a case: shown, never answered, never reopens it.

    ``kind`` says what sort of automatic mail it is (an ``InboundEmail.Reason`` code, shown in
    the reader's language); ``reason`` is the header or pattern that told. On a merged-away
    case it is shown on the case it was merged into.
    """
    with batch.atomic():
        ticket = _live_surviving(_lock(ticket))
        message = batch.create_keyed(
            Message(
                ticket=ticket,
                direction=Message.Direction.INBOUND,
                channel=Channel.EMAIL,
                written_by=Message.WrittenBy.AUTOMATION,
                author_name=ticket.requester.name,
                body=body,
            )
        )
        _event(
            ticket,
            TicketEvent.Kind.AUTOMATIC,
            label="Nåbar",
            auto_kind=kind,
            reason=reason,
            message_id=message.pk,
        )
    return message


def _owner_name(ticket: Ticket) -> str:
    return ticket.owner.name if ticket.owner else ""


def customer_verdict(ticket: Ticket, *, solved: bool, comment: str = "") -> Ticket:
    """The customer says whether the case is solved. "Not solved" reopens it to the same owner.

    Said of a case that was merged away, it is said of the case it was merged into. The event
    carries ``verdict``, so the case page knows the answer was judged and does not ask again,
    also when the owner had already marked the case solved.
    """
    with transaction.atomic():
        ticket = _live_surviving(_lock(ticket))
        customer = ticket.requester
        if comment:
            _customer_message(ticket, customer, body=comment, channel=Channel.WEB)
            ticket.last_customer_message_at = timezone.now()
        if solved and ticket.status == Ticket.Status.SOLVED:
            status = Ticket.Status.SOLVED
            _event(
                ticket,
                TicketEvent.Kind.STATUS,
                label=customer.name,
                old=status,
                new=status,
                verdict="solved",
            )
        elif solved:
            _set_status(ticket, Ticket.Status.SOLVED, label=customer.name, verdict="solved")
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
        sla.sync_due(ticket)
    return ticket


class TransferRefused(ValueError):
    """A hand-over that cannot go through, and why (``code``).

    "note": no hand-over note; "target": nobody chosen; "same": the case is with them already;
    "unavailable": the person is away or off (``stand_in`` names who stands in, if anyone can);
    "loop": they had the case before someone else did; "hops": handed over too many times.
    """

    def __init__(
        self, code: str, *, person: Agent | None = None, stand_in: Agent | None = None
    ) -> None:
        super().__init__(code)
        self.code = code
        self.person = person
        self.stand_in = stand_in


MAX_HANDOFFS = 3


def holders(ticket: Ticket) -> list[int | None]:
    """The owners the case has had, oldest first, from its timeline (None: a team queue)."""
    owners: list[int | None] = []
    for data in ticket.events.filter(
        kind__in=[TicketEvent.Kind.ASSIGNED, TicketEvent.Kind.TRANSFERRED]
    ).values_list("data", flat=True):
        owner = data.get("owner_id")
        if not owners or owners[-1] != owner:
            owners.append(owner)
    if not owners and ticket.owner_id:
        owners.append(ticket.owner_id)
    return owners


def available_stand_in(agent: Agent) -> Agent | None:
    """Who can take ``agent``'s cases now: their stand-in, when active and available."""
    stand_in = agent.stand_in
    if stand_in is None or not stand_in.is_active:
        return None
    return stand_in if stand_in.availability == Agent.Availability.AVAILABLE else None


def transfer_ticket(
    ticket: Ticket,
    *,
    agent: Agent,
    note: str,
    to_owner: Agent | None = None,
    to_team: Team | None = None,
    why: str = "",
) -> Ticket:
    """Hand the case to another person or team with a note; the customer is told who and why.

    The new owner sees the note at the top of the case. A person who is away or off is refused
    (the sweeper would move the case on to their stand-in at once and the customer would get
    two opposite notices). A transfer back to someone who had the case before is refused (the
    case would bounce), and so is a fourth hand-over; the team lead is alerted and can still
    give the case to anyone with a plain owner change. The third hand-off alerts the lead.
    """
    if not note.strip():
        raise TransferRefused("note")
    if to_owner is None and to_team is None:
        raise TransferRefused("target")
    if to_owner is not None and to_owner.availability != Agent.Availability.AVAILABLE:
        raise TransferRefused("unavailable", person=to_owner, stand_in=available_stand_in(to_owner))
    refused: tuple[str, Alert.Kind, dict[str, Any]] | None = None
    with transaction.atomic():
        ticket = _lock(ticket)
        if to_owner is None:
            assert to_team is not None
            to_owner = routing.owner_in_team(ticket, to_team)
        if (
            to_owner is not None
            and to_owner.pk == ticket.owner_id
            and to_team in (None, ticket.team)
        ):
            raise TransferRefused("same")
        refusal = (
            transfer_refusal(holders(ticket), to=to_owner.pk, max_hops=MAX_HANDOFFS)
            if to_owner is not None
            else None
        )
        if refusal == "loop":
            assert to_owner is not None
            refused = ("loop", Alert.Kind.BOUNCED, {"by": agent.name, "back_to": to_owner.name})
        elif refusal == "hops":
            refused = ("hops", Alert.Kind.HANDOFFS, {"handoffs": ticket.handoff_count})
        if refused is None:
            previous = ticket.owner
            previous_team = ticket.team
            ticket.owner = to_owner
            if to_team is not None:
                ticket.team = to_team
            elif to_owner is not None and ticket.team_id not in set(
                to_owner.teams.values_list("pk", flat=True)
            ):
                ticket.team = to_owner.teams.first() or ticket.team
            ticket.owner_since = timezone.now() if to_owner is not None else None
            ticket.handoff_count += 1
            ticket.handover_note = note.strip()
            ticket.handover_from = agent.name
            ticket.save()
            _event(
                ticket,
                TicketEvent.Kind.TRANSFERRED,
                agent=agent,
                owner=to_owner.name if to_owner else "",
                owner_id=to_owner.pk if to_owner else None,
                previous=previous.name if previous else "",
                team=ticket.team.name if ticket.team else "",
                previous_team=previous_team.name if previous_team else "",
                why=why,
                handoffs=ticket.handoff_count,
            )
            if ticket.handoff_count >= MAX_HANDOFFS:
                raise_alert(
                    team_leads(ticket),
                    ticket=ticket,
                    kind=Alert.Kind.HANDOFFS,
                    data={"handoffs": ticket.handoff_count},
                )
            if to_owner is None:
                _alert_nobody_available(ticket)
            elif to_owner.pk != agent.pk:
                raise_alert(
                    [to_owner], ticket=ticket, kind=Alert.Kind.HANDED, data={"by": agent.name}
                )
            _tell_customer_new_owner(ticket, why=why)
    if refused is not None:
        code, kind, data = refused
        raise_alert(team_leads(ticket), ticket=ticket, kind=kind, data=data)
        raise TransferRefused(code)
    return ticket


def take_ticket(ticket: Ticket, *, agent: Agent) -> Ticket:
    """An agent of the case's team takes it from the team queue; the customer is told who.

    Not a hand-over: nobody had the case, so it is not counted and needs no note. The access
    check (``access.may_take``) says who may; here a case someone took meanwhile is left alone.
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.owner_id is not None:
            raise TransferRefused("taken")
        ticket.owner = agent
        ticket.owner_since = timezone.now()
        ticket.save()
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            agent=agent,
            owner=agent.name,
            owner_id=agent.pk,
            previous="",
            reason="taken",
        )
        # The customer was told the first person free would take it: say who did.
        _tell_customer_new_owner(ticket, why="")
    return ticket


def _alert_nobody_available(ticket: Ticket) -> None:
    """The case waits in a team queue where nobody is free: the team lead decides."""
    raise_alert(
        team_leads(ticket),
        ticket=ticket,
        kind=Alert.Kind.NOBODY,
        data={"team": ticket.team.name if ticket.team else ""},
    )


def _notice_context(ticket: Ticket) -> dict[str, object]:
    """What every notice to the customer about their case names: case, owner, link, sender."""
    return {
        "ticket": ticket,
        "organisation": ticket.organisation,
        "owner_name": _owner_name(ticket),
        "link": case_link(ticket),
    }


def _tell_customer_new_owner(
    ticket: Ticket,
    *,
    why: str,
    away: bool = False,
    away_until: Any = None,
    previous_name: str = "",
) -> None:
    """A plain-words notice: who has the case now, why, and that nothing must be repeated."""
    context = _notice_context(ticket) | {
        "team_name": ticket.team.name if ticket.team else "",
        "why": why,
        "away": away,
        "away_until": away_until,
        "previous_name": previous_name,
    }
    if ticket.owner_id is None:
        # Nobody is free to take it: say so, with the same honest range as the receipt.
        estimate = expected.estimate_first_reply(ticket)
        with translation.override(reply_language(ticket)):
            context["likely"] = when(estimate.likely)
            context["latest"] = when(estimate.latest)
    _notify_customer(ticket, "handover", context, automatic=False)


def _notify_customer(
    ticket: Ticket, template: str, context: dict[str, object], *, automatic: bool
) -> None:
    """A notice from the organisation on the case's thread, and by e-mail when we have one."""
    _write_to_customer(
        ticket,
        render_email(template, context, language=reply_language(ticket)),
        address=ticket.requester.primary_email,
        kind=OutboundEmail.Kind.NOTICE,
        automatic=automatic,
    )


def _write_to_customer(
    ticket: Ticket,
    mail: tuple[str, str, str],
    *,
    address: str,
    kind: OutboundEmail.Kind,
    automatic: bool,
    answering: str = "",
) -> None:
    """Keep a mail rendered in the customer's language (subject, text, HTML) on the case as
    written by an automation, and send it when there is an address (as an answer to the mail
    with the Message-ID ``answering``, when it answers one the case does not hold yet).

    It is signed by the organisation, whom the customer hears from (the software is no one),
    and kept as an e-mail only when it is mailed: without an address it is only on the case
    page, in the case's own channel."""
    subject, text, html = mail
    message = batch.create(
        Message(
            ticket=ticket,
            direction=Message.Direction.OUTBOUND,
            channel=Channel.EMAIL if address else ticket.channel,
            written_by=Message.WrittenBy.AUTOMATION,
            author_name=ticket.organisation.name,
            body=text,
        )
    )
    if address:
        queue_email(
            ticket.organisation,
            to=address,
            subject=subject,
            text=text,
            html=html,
            kind=kind,
            automatic=automatic,
            ticket=ticket,
            message=message,
            answering=answering,
        )


def reply_language(ticket: Ticket) -> str:
    """The language we write to the customer in: theirs when we have it, else English."""
    language = (ticket.language or "sv")[:2]
    return language if language in {"sv", "en"} else "en"


def hand_to_stand_in(ticket: Ticket, *, reason: str, since: Any = None) -> Ticket:
    """The owner is away or gone: the stand-in (or the team queue) takes the case; customer told.

    ``since``: for an absence, only move the case if the owner has been away since before then
    (checked again under the lock, so a second sweep does not move it twice).
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        absent = ticket.owner
        if absent is None:
            return ticket
        if reason == "away" and (
            absent.availability == Agent.Availability.AVAILABLE
            or absent.away_since is None
            or (since is not None and absent.away_since > since)
        ):
            return ticket
        stand_in = available_stand_in(absent)
        ticket.owner = stand_in
        ticket.owner_since = timezone.now() if stand_in is not None else None
        ticket.handoff_count += 1
        ticket.handover_from = absent.name
        ticket.handover_note = ""
        ticket.save()
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            label="Nåbar",
            owner=stand_in.name if stand_in else "",
            owner_id=stand_in.pk if stand_in else None,
            previous=absent.name,
            reason=reason,
            back_on=absent.back_on.isoformat() if absent.back_on else "",
        )
        if stand_in is None:
            raise_alert(
                team_leads(ticket),
                ticket=ticket,
                kind=Alert.Kind.NOBODY,
                data={"absent": absent.name},
            )
        else:
            raise_alert(
                [stand_in],
                ticket=ticket,
                kind=Alert.Kind.HANDED,
                data={"absent": absent.name, "reason": reason},
            )
        # The customer always hears where the case went: to the stand-in while the owner is
        # away, to the stand-in for good, or to the team queue.
        if reason == "away" and stand_in is not None:
            _tell_customer_new_owner(
                ticket, why="", away=True, away_until=absent.back_on, previous_name=absent.name
            )
        else:
            _tell_customer_new_owner(ticket, why="")
    return ticket


def set_category(ticket: Ticket, *, agent: Agent, category: str) -> Ticket:
    """A person sets or corrects the category; it leaves the triage queue and trains the model."""
    category = category.strip()[:80]
    with transaction.atomic():
        ticket = _lock(ticket)
        old = ticket.category
        ticket.category = category
        ticket.category_set_by = "agent"
        ticket.category_confidence = None
        ticket.needs_triage = False
        team = routing.team_for_category(ticket.organisation, category)
        moved = team is not None and team != ticket.team and ticket.first_response_at is None
        if moved:
            # Nobody has answered yet: the case goes to the team for its category at once.
            assert team is not None
            previous = ticket.owner
            ticket.team = team
            ticket.owner = routing.owner_in_team(ticket, team)
            ticket.owner_since = timezone.now() if ticket.owner is not None else None
            if previous is not None and previous != ticket.owner:
                ticket.handoff_count += 1
        ticket.save()
        _event(ticket, TicketEvent.Kind.CATEGORY, agent=agent, old=old, new=category)
        if moved:
            _event(
                ticket,
                TicketEvent.Kind.TRANSFERRED,
                agent=agent,
                owner=_owner_name(ticket),
                owner_id=ticket.owner_id,
                previous=previous.name if previous else "",
                team=ticket.team.name if ticket.team else "",
                why=category,
                handoffs=ticket.handoff_count,
            )
            # As when routing a new case: a queue nobody can take from needs its lead.
            assert team is not None
            if ticket.owner is None and team.strategy != Strategy.MANUAL:
                _alert_nobody_available(ticket)
            _tell_customer_new_owner(ticket, why="")
    return ticket


class MergeRefused(ValueError):
    """A merge that would lose track of messages: see ``merge_tickets``."""


def set_priority(ticket: Ticket, *, agent: Agent, priority: str) -> Ticket:
    """A person corrects the priority triage or a rule gave; the service targets set when the
    case was opened stay as they were."""
    with transaction.atomic():
        ticket = _lock(ticket)
        old = ticket.priority
        if old == priority:
            return ticket
        ticket.priority = priority
        ticket.save(update_fields=["priority", "updated_at"])
        _event(ticket, TicketEvent.Kind.PRIORITY, agent=agent, old=old, new=priority)
    return ticket


def set_language(ticket: Ticket, *, agent: Agent, language: str) -> Ticket:
    """A person corrects the language detection gave: the customer is answered in it from now
    on, and the case is flagged again, or no longer, as written in a language nobody here writes.
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        old = ticket.language
        if old == language:
            return ticket
        tags = [tag for tag in ticket.tags if not str(tag).startswith(LANGUAGE_MISSING_TAG)]
        if not routing.someone_writes(ticket.organisation, language):
            tags.append(f"{LANGUAGE_MISSING_TAG}{language}")
        ticket.language = language
        ticket.tags = tags
        ticket.save(update_fields=["language", "tags", "updated_at"])
        _event(ticket, TicketEvent.Kind.LANGUAGE, agent=agent, old=old, new=language)
    return ticket


def surviving_case(ticket: Ticket) -> Ticket:
    """The case that holds what was written on ``ticket``: itself, or where it was merged into.

    A case merged into one that was later merged elsewhere is followed to the end of the
    chain. A chain that comes back on itself (which ``merge_tickets`` refuses to make) stops
    at the last case not seen before.
    """
    return _follow_merges(
        ticket,
        lambda pk: Ticket.objects.select_related("organisation").filter(pk=pk).first(),
    )


def _live_surviving(ticket: Ticket) -> Ticket:
    """``surviving_case`` for a locked case, each case of the chain locked as it is reached."""
    return _follow_merges(ticket, live_case)


def _follow_merges(ticket: Ticket, load: Callable[[int], Ticket | None]) -> Ticket:
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        following = load(ticket.merged_into_id)
        if following is None:
            break
        seen.add(following.pk)
        ticket = following
    return ticket


def merge_tickets(source: Ticket, *, into: Ticket, agent: Agent) -> Ticket:
    """Fold a duplicate case of the same customer into another; nothing is lost.

    Returns the case that now holds the messages. A case that was itself merged away is
    followed to the case it lives on in, so the messages never land in a closed duplicate.
    Refused (``MergeRefused``) with the code ``same`` (the case itself, also at the end of a
    chain), ``customer`` (another customer's case), ``merged`` (``source`` was merged away
    already: its messages are elsewhere) or ``cycle`` (``into`` was merged into ``source``).
    """
    if source.pk == into.pk:
        raise MergeRefused("same")
    with transaction.atomic():
        target = _live_surviving(_lock(into))
        source = _lock(source)
        if source.merged_into_id is not None:
            raise MergeRefused("merged")
        if target.pk == source.pk:
            raise MergeRefused("cycle")
        if source.requester_id != target.requester_id:
            raise MergeRefused("customer")
        moved_ids = list(Message.objects.filter(ticket=source).values_list("pk", flat=True))
        moved = Message.objects.filter(pk__in=moved_ids).update(ticket=target)
        # The received mail goes with its message: its original and its sender show there.
        InboundEmail.objects.filter(message_id__in=moved_ids).update(ticket=target)
        source.merged_into = target
        _set_status(source, Ticket.Status.CLOSED, agent=agent)
        source.save()
        target.save(update_fields=["updated_at"])
        _event(source, TicketEvent.Kind.MERGED, agent=agent, into=target.reference, messages=moved)
        _event(
            target, TicketEvent.Kind.MERGED, agent=agent, source=source.reference, messages=moved
        )
        # The customer hears which number lives on, so nothing they hold is a dead end.
        _notify_customer(
            target,
            "merged",
            _notice_context(target) | {"source_reference": source.reference},
            automatic=False,
        )
    return target


# How much of a split message its notice quotes, so the customer knows which one it was.
SPLIT_EXCERPT_CHARS = 300


def split_message(message: Message, *, agent: Agent) -> Ticket:
    """Move one customer message into a new case of its own, same customer and owner.

    Refused (``ValueError("only")``) when the case would keep no message from the customer:
    the receipt and other automatic messages do not count, as a case without the customer's
    words says nothing about what they asked.
    """
    if message.direction != Message.Direction.INBOUND:
        raise ValueError("direction")
    with transaction.atomic():
        source = _lock(message.ticket)
        others = source.messages.filter(
            direction=Message.Direction.INBOUND, written_by=Message.WrittenBy.PERSON
        ).exclude(pk=message.pk)
        if not others.exists():
            raise ValueError("only")
        now = timezone.now()
        new = Ticket.objects.create(
            organisation=source.organisation,
            number=_next_number(source.organisation),
            requester=source.requester,
            owner=source.owner,
            owner_since=now if source.owner_id else None,
            team=source.team,
            channel=message.channel,
            subject=_subject_from(message.body),
            language=source.language,
            last_customer_message_at=message.created_at,
            due_at=source.due_at,
        )
        Message.objects.filter(pk=message.pk).update(ticket=new)
        _event(new, TicketEvent.Kind.SPLIT, agent=agent, source=source.reference)
        sla.case_opened(new)
        _event(source, TicketEvent.Kind.SPLIT, agent=agent, new=new.reference)
        source.save(update_fields=["updated_at"])
        # The new case needs its number and link in the customer's hands, or their next
        # word about this message would land in the old case again.
        _notify_customer(
            new,
            "split",
            _notice_context(new)
            | {
                "source_reference": source.reference,
                "excerpt": Truncator(message.body.strip()).chars(SPLIT_EXCERPT_CHARS),
            },
            automatic=False,
        )
    return new


# A new estimate this much later than the announced latest time is announced again.
REANNOUNCE_AFTER = timedelta(minutes=30)


def reannounce_if_later(ticket: Ticket) -> bool:
    """Tell the customer a new range when the announced latest time will not hold.

    Only a range that moved materially later is sent: at least half an hour, or a quarter of
    the wait announced. The case page shows the new range; the customer gets it by e-mail.
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        old = ticket.expected_reply_until
        if old is None or ticket.first_response_at is not None or ticket.is_closed:
            return False
        fresh = expected.estimate_first_reply(ticket)
        slack = max(REANNOUNCE_AFTER, (old - ticket.created_at) / 4)
        if fresh.latest <= old + slack:
            return False
        _announce(ticket, fresh)
        sla.sync_due(ticket)
        _send_later_notice(ticket, fresh)
    return True


def _send_later_notice(ticket: Ticket, estimate: expected.Estimate) -> None:
    context = _notice_context(ticket) | {"estimate": estimate}
    _notify_customer(ticket, "later", context, automatic=True)

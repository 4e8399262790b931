"""Inbound mail: raw bytes are stored and committed first, then understood in a retryable task.

Every source (IMAP, the SMTP receiver, file import, provider webhooks) calls ``store_raw`` and
acknowledges the message to its source only after it returns. ``process_inbound`` then turns
the stored message into a new case, a follow-up on a case, a recognised automatic mail or
bounce, or a flagged message for a person: nothing is ever dropped.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.customers.models import ContactPoint
from nabar.mail import tokens
from nabar.mail.inbound import ParsedMail, parse_message
from nabar.mail.models import InboundEmail, Mailbox, OutboundEmail
from nabar.tickets import actions
from nabar.tickets.models import Channel, Message, Ticket, TicketEvent

log = logging.getLogger(__name__)

RAW_MESSAGE_ID_RE = re.compile(rb"(?im)^message-id:[ \t]*<([^<>\r\n]{1,240})>")
SUBJECT_NUMBER_RE = re.compile(r"\[([A-Z]{1,6})-(\d{1,9})\]")
# Receipts to one address at most this often: an autoresponder that sets no headers cannot loop.
RECEIPTS_PER_ADDRESS_PER_HOUR = 3
MAX_ATTEMPTS = 5


def organisation_for(recipients: Iterable[str]) -> tuple[Organisation | None, Mailbox | None]:
    """The organisation whose published address (or a mailbox address) received the mail."""
    plain = {re.sub(r"\+[^@]*@", "@", r.strip().lower()) for r in recipients if "@" in r}
    if not plain:
        return None, None
    mailbox = Mailbox.objects.select_related("organisation").filter(address__in=plain).first()
    if mailbox:
        return mailbox.organisation, mailbox
    return Organisation.objects.filter(email_address__in=plain).first(), None


def store_raw(
    raw: bytes,
    *,
    source: InboundEmail.Source,
    organisation: Organisation | None = None,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: Iterable[str] = (),
) -> tuple[InboundEmail, bool]:
    """Store the bytes once (the same message delivered twice is one message); commit; enqueue.

    Returns the stored message and whether it is new. Raises only when the database cannot
    store it, so the caller can answer its source with a temporary failure.
    """
    digest = hashlib.sha256(raw).hexdigest()
    match = RAW_MESSAGE_ID_RE.search(raw[:65536])
    header_id = match.group(1).decode("ascii", "replace") if match else ""
    envelope = ",".join(envelope_to)[:2000]
    if organisation is None and envelope:
        organisation, found_box = organisation_for(envelope.split(","))
        mailbox = mailbox or found_box
    existing = InboundEmail.objects.filter(sha256=digest).first()
    if existing is None and header_id:
        same_id = InboundEmail.objects.filter(header_message_id=header_id)
        if organisation is not None:
            same_id = same_id.filter(Q(organisation=organisation) | Q(organisation__isnull=True))
        existing = same_id.first()
    if existing is not None:
        if existing.status == InboundEmail.Status.RECEIVED:
            # Stored before a crash but never processed: delivering it again finishes the job.
            _enqueue(existing.pk)
        return existing, False
    try:
        with transaction.atomic():
            stored = InboundEmail.objects.create(
                organisation=organisation,
                mailbox=mailbox,
                source=source,
                raw=raw,
                size=len(raw),
                sha256=digest,
                header_message_id=header_id,
                envelope_from=envelope_from[:254],
                envelope_to=envelope,
            )
            transaction.on_commit(lambda: _enqueue(stored.pk))
    except IntegrityError:
        return InboundEmail.objects.get(sha256=digest), False
    return stored, True


def _enqueue(inbound_id: int) -> None:
    from nabar.mail.tasks import process_inbound_email

    process_inbound_email.enqueue(inbound_id=inbound_id)


def process_inbound(inbound_id: int) -> InboundEmail.Status | None:
    """Understand one stored message. Safe to run twice, or after a run killed half-way.

    The claim is a quick filter; the decision itself is taken under a row lock that is checked
    again inside the transaction that writes the case and the final status, so two runs (a
    worker and ``process_mail`` after a crash) never both act on the same message.
    """
    claimed = InboundEmail.objects.filter(
        pk=inbound_id,
        status__in=[InboundEmail.Status.RECEIVED, InboundEmail.Status.FAILED],
        ticket__isnull=True,
    ).update(status=InboundEmail.Status.PROCESSING)
    if not claimed:
        return None
    inbound = InboundEmail.objects.select_related("organisation", "mailbox").get(pk=inbound_id)
    parsed = parse_message(bytes(inbound.raw))
    undecided = [InboundEmail.Status.RECEIVED, InboundEmail.Status.PROCESSING]
    try:
        with transaction.atomic():
            current = (
                InboundEmail.objects.select_for_update()
                .filter(pk=inbound.pk, status__in=undecided, ticket__isnull=True)
                .values_list("pk", flat=True)
                .first()
            )
            if current is None:
                return None  # another run decided it meanwhile
            status, detail, ticket, message = _decide(inbound, parsed)
            InboundEmail.objects.filter(pk=inbound.pk).update(
                status=status,
                detail=detail[:2000],
                ticket=ticket,
                message=message,
                html=parsed.html or "",
                inline_images=_inline_images(parsed, message),
                from_address=(parsed.from_address or "")[:254],
                subject=parsed.subject[:300],
                processed_at=timezone.now(),
                attempts=inbound.attempts + 1,
            )
    except Exception as exc:
        log.exception("inbound mail %s could not be processed", inbound_id)
        InboundEmail.objects.filter(pk=inbound.pk, status__in=undecided).update(
            status=InboundEmail.Status.FAILED,
            detail=f"{type(exc).__name__}: {exc}"[:2000],
            from_address=(parsed.from_address or "")[:254],
            subject=parsed.subject[:300],
            attempts=inbound.attempts + 1,
        )
        return InboundEmail.Status.FAILED
    return status


def _decide(
    inbound: InboundEmail, parsed: ParsedMail
) -> tuple[InboundEmail.Status, str, Ticket | None, Message | None]:
    if not parsed.ok:
        return InboundEmail.Status.FAILED, "; ".join(parsed.defects), None, None
    organisation = inbound.organisation
    if organisation is None:
        organisation, _box = organisation_for(parsed.recipients)
        if organisation is None:
            return (
                InboundEmail.Status.FAILED,
                "no organisation receives mail at these addresses",
                None,
                None,
            )
        InboundEmail.objects.filter(pk=inbound.pk).update(organisation=organisation)
    if parsed.bounce is not None:
        return _record_bounce(organisation, parsed)
    ticket = find_thread(organisation, parsed, envelope=inbound.envelope_to)
    body = parsed.visible_text or parsed.text or parsed.subject
    files = _uploads(parsed)
    if parsed.auto:
        reason = f"{parsed.auto.kind}: {parsed.auto.reason}"
        if ticket is None:
            return InboundEmail.Status.AUTOMATIC, reason, None, None
        message = actions.add_automatic_message(ticket, body=body, reason=reason)
        return InboundEmail.Status.AUTOMATIC, reason, ticket, message
    if ticket is not None:
        message = actions.add_customer_message(
            ticket, body=body, channel=Channel.EMAIL, attachments=files, quoted=parsed.quoted_text
        )
        return InboundEmail.Status.FOLLOW_UP, "", ticket, message
    if not parsed.from_address:
        return InboundEmail.Status.FAILED, "no sender address to answer", None, None
    send_receipt = not _too_many_receipts(organisation, parsed.from_address)
    ticket, _created = actions.open_ticket(
        organisation,
        case=actions.NewCase(
            name=parsed.from_name,
            email=parsed.from_address,
            phone="",
            body=body,
            language=guess_language(f"{parsed.subject}\n{body}"),
            subject=parsed.subject,
            quoted=parsed.quoted_text,
        ),
        channel=Channel.EMAIL,
        attachments=files,
        send_receipt=send_receipt,
    )
    detail = "" if send_receipt else "receipt withheld: too many automatic mails to this address"
    return InboundEmail.Status.NEW_CASE, detail, ticket, ticket.messages.first()


def find_thread(
    organisation: Organisation, parsed: ParsedMail, *, envelope: str = ""
) -> Ticket | None:
    """The case this mail belongs to: reply token, our Message-IDs, then the case number."""
    addresses = [*parsed.recipients, *(a for a in envelope.split(",") if a)]
    ticket_id = tokens.ticket_id_from(addresses)
    if ticket_id:
        ticket = Ticket.objects.filter(pk=ticket_id, organisation=organisation).first()
        if ticket:
            return ticket
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if ids:
        sent = (
            OutboundEmail.objects.filter(organisation=organisation, rfc_message_id__in=ids)
            .exclude(ticket=None)
            .select_related("ticket")
            .first()
        )
        if sent:
            return sent.ticket
        received = (
            InboundEmail.objects.filter(organisation=organisation, header_message_id__in=ids)
            .exclude(ticket=None)
            .select_related("ticket")
            .first()
        )
        if received:
            return received.ticket
    match = SUBJECT_NUMBER_RE.search(parsed.subject)
    if match and match.group(1) == organisation.case_prefix and parsed.from_address:
        ticket = Ticket.objects.filter(
            organisation=organisation, number=int(match.group(2))
        ).first()
        # Only someone already on the case may add to it by quoting its number.
        if (
            ticket
            and ContactPoint.objects.filter(
                customer=ticket.requester_id,
                kind=ContactPoint.Kind.EMAIL,
                value=parsed.from_address,
            ).exists()
        ):
            return ticket
    return None


def _record_bounce(
    organisation: Organisation, parsed: ParsedMail
) -> tuple[InboundEmail.Status, str, Ticket | None, Message | None]:
    bounce = parsed.bounce
    assert bounce is not None
    sent = None
    if bounce.original_message_id:
        sent = OutboundEmail.objects.filter(
            organisation=organisation, rfc_message_id=bounce.original_message_id
        ).first()
    if sent is None and bounce.recipients:
        sent = (
            OutboundEmail.objects.filter(
                organisation=organisation, to_address__in=bounce.recipients
            )
            .order_by("-created_at")
            .first()
        )
    detail = f"{bounce.status} {bounce.diagnostic}".strip() or "bounce"
    if sent is None:
        return InboundEmail.Status.BOUNCE, detail + " (no matching outgoing mail)", None, None
    if bounce.permanent:
        OutboundEmail.objects.filter(pk=sent.pk).update(
            status=OutboundEmail.Status.BOUNCED, last_error=detail[:2000], updated_at=timezone.now()
        )
    if sent.ticket_id:
        TicketEvent.objects.create(
            ticket_id=sent.ticket_id,
            kind=TicketEvent.Kind.BOUNCED,
            actor_label=sent.to_address,
            data={
                "to": sent.to_address,
                "status": bounce.status,
                "permanent": bounce.permanent,
                "diagnostic": bounce.diagnostic[:300],
            },
        )
    return InboundEmail.Status.BOUNCE, detail, sent.ticket, None


def _too_many_receipts(organisation: Organisation, address: str) -> bool:
    since = timezone.now() - timedelta(hours=1)
    recent = OutboundEmail.objects.filter(
        organisation=organisation,
        to_address=address,
        kind=OutboundEmail.Kind.RECEIPT,
        created_at__gte=since,
    ).count()
    return recent >= RECEIPTS_PER_ADDRESS_PER_HOUR


def _inline_images(parsed: ParsedMail, message: Message | None) -> dict[str, int]:
    """Which stored attachment each ``cid:`` of the HTML refers to (files are stored in order)."""
    if message is None or not parsed.html:
        return {}
    sent = [a for a in parsed.attachments if a.data]
    stored = list(message.attachments.order_by("pk").values_list("pk", flat=True))
    if len(sent) != len(stored):
        return {}
    return {a.content_id: pk for a, pk in zip(sent, stored, strict=True) if a.content_id}


def _uploads(parsed: ParsedMail) -> list[SimpleUploadedFile]:
    """Every file the customer sent: the whole message was within NABAR_MAIL_MAX_BYTES."""
    return [
        SimpleUploadedFile(attachment.filename, attachment.data, attachment.content_type)
        for attachment in parsed.attachments
        if attachment.data
    ]


SWEDISH = {
    "och",
    "att",
    "det",
    "jag",
    "är",
    "på",
    "för",
    "inte",
    "med",
    "har",
    "hej",
    "vi",
    "ni",
    "min",
    "mitt",
    "kan",
    "tack",
    "om",
    "en",
    "ett",
}
ENGLISH = {
    "the",
    "and",
    "to",
    "is",
    "i",
    "you",
    "not",
    "for",
    "with",
    "have",
    "hello",
    "hi",
    "we",
    "my",
    "can",
    "thanks",
    "please",
    "a",
    "of",
    "it",
}


def guess_language(text: str) -> str:
    """Swedish or English, from common words; Swedish when unsure (the organisation's language)."""
    words = re.findall(r"[a-zåäöé]+", text.lower()[:5000])
    sv = sum(w in SWEDISH for w in words) + 2 * sum(ch in "åäö" for ch in text[:5000].lower())
    en = sum(w in ENGLISH for w in words)
    return "en" if en > sv else "sv"

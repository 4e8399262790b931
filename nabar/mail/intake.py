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
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.customers.models import ContactPoint
from nabar.lib import batch
from nabar.lib.redact import error_text
from nabar.mail import outbox, tokens
from nabar.mail.inbound import ParsedMail, parse_message
from nabar.mail.models import InboundEmail, Mailbox, OutboundEmail
from nabar.routing.language import detect_language
from nabar.sla import actions as sla
from nabar.tickets import actions
from nabar.tickets.models import Channel, Message, Ticket, TicketEvent

log = logging.getLogger(__name__)

RAW_MESSAGE_ID_RE = re.compile(rb"(?im)^message-id:[ \t]*<([^<>\r\n]{1,240})>")
SUBJECT_NUMBER_RE = re.compile(r"\[([A-Z]{1,6})-(\d{1,9})\]")
# Receipts to one address at most this often: an autoresponder that sets no headers cannot loop.
RECEIPTS_PER_ADDRESS_PER_HOUR = 3
MAX_ATTEMPTS = 5
# Messages processed together in one transaction (see ``process_many``).
BATCH_SIZE = 250
BATCH_BYTES = 32 * 1024 * 1024


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
    digest, header_id = _keys(raw)
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
            stored = _row(raw, digest, header_id, organisation, mailbox, source, envelope)
            stored.envelope_from = envelope_from[:254]
            stored.save(force_insert=True)
            transaction.on_commit(lambda: _enqueue(stored.pk))
    except IntegrityError:
        return InboundEmail.objects.get(sha256=digest), False
    return stored, True


def store_many(
    raws: Sequence[bytes],
    *,
    source: InboundEmail.Source,
    organisation: Organisation,
    mailbox: Mailbox | None = None,
    envelope_to: Iterable[str] = (),
) -> list[tuple[InboundEmail, bool]]:
    """``store_raw`` for many messages of one organisation in one transaction.

    The same message twice, in the batch or already stored, is one message, as with
    ``store_raw``. The new ones are processed together, ``BATCH_SIZE`` per task. Returns one
    (stored message, is new) pair per raw message, in order.
    """
    envelope = ",".join(envelope_to)[:2000]
    keys = [_keys(raw) for raw in raws]
    by_digest = {
        row.sha256: row
        for row in InboundEmail.objects.filter(sha256__in={d for d, _ in keys}).defer("raw")
    }
    by_header = {
        row.header_message_id: row
        for row in InboundEmail.objects.filter(
            Q(organisation=organisation) | Q(organisation__isnull=True),
            header_message_id__in={h for _, h in keys if h},
        ).defer("raw")
    }
    results: list[tuple[InboundEmail, bool]] = []
    fresh: list[InboundEmail] = []
    waiting: list[tuple[int, int]] = []
    for raw, (digest, header_id) in zip(raws, keys, strict=True):
        existing = by_digest.get(digest) or (by_header.get(header_id) if header_id else None)
        if existing is not None:
            if existing.status == InboundEmail.Status.RECEIVED and existing.pk:
                waiting.append((existing.pk, existing.size))  # stored, never processed
            results.append((existing, False))
            continue
        stored = _row(raw, digest, header_id, organisation, mailbox, source, envelope)
        by_digest[digest] = stored
        if header_id:
            by_header[header_id] = stored
        fresh.append(stored)
        results.append((stored, True))
    try:
        with batch.one_writer(), transaction.atomic():
            batch.insert_now(fresh)
            sized = sorted({*((m.pk, m.size) for m in fresh), *waiting})
            transaction.on_commit(lambda: _enqueue_many(sized))
    except IntegrityError:
        # Another source stored one of them meanwhile: store them one by one instead.
        return [
            store_raw(
                raw,
                source=source,
                organisation=organisation,
                mailbox=mailbox,
                envelope_to=envelope_to,
            )
            for raw in raws
        ]
    return results


def _keys(raw: bytes) -> tuple[str, str]:
    """What makes two deliveries the same message: the content hash and the Message-ID."""
    match = RAW_MESSAGE_ID_RE.search(raw[:65536])
    header_id = match.group(1).decode("ascii", "replace") if match else ""
    return hashlib.sha256(raw).hexdigest(), header_id


def _row(
    raw: bytes,
    digest: str,
    header_id: str,
    organisation: Organisation | None,
    mailbox: Mailbox | None,
    source: InboundEmail.Source,
    envelope: str,
) -> InboundEmail:
    return InboundEmail(
        organisation=organisation,
        mailbox=mailbox,
        source=source,
        raw=raw,
        size=len(raw),
        sha256=digest,
        header_message_id=header_id,
        envelope_to=envelope,
    )


def _enqueue(inbound_id: int) -> None:
    from nabar.mail.tasks import process_inbound_email

    process_inbound_email.enqueue(inbound_id=inbound_id)


def _enqueue_many(sized: Sequence[tuple[int, int]]) -> None:
    """One task per ``BATCH_SIZE`` messages, or fewer when they are large: a batch holds its
    messages in memory while it works, so at most ``BATCH_BYTES`` of them (a larger message
    goes alone)."""
    from nabar.mail.tasks import process_inbound_batch

    with transaction.atomic():
        for chunk in _batches(sized):
            process_inbound_batch.enqueue(inbound_ids=chunk)


def _batches(sized: Iterable[tuple[int, int]]) -> list[list[int]]:
    """(id, bytes) pairs in batches of at most ``BATCH_SIZE`` and ``BATCH_BYTES``."""
    chunks: list[list[int]] = []
    size = 0
    for pk, nbytes in sized:
        if not chunks or len(chunks[-1]) >= BATCH_SIZE or size + nbytes > BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(pk)
        size += nbytes
    return chunks


def waiting_with(inbound_id: int) -> list[int]:
    """This message and the mail stored before it that still waits, up to a batch's size."""
    others = (
        InboundEmail.objects.filter(status=InboundEmail.Status.RECEIVED, ticket__isnull=True)
        .exclude(pk=inbound_id)
        .order_by("pk")
        .values_list("pk", "size")[: BATCH_SIZE - 1]
    )
    own = InboundEmail.objects.filter(pk=inbound_id).values_list("pk", "size")
    return _batches([*own, *others])[0] if own else [inbound_id]


def process_many(inbound_ids: Sequence[int]) -> dict[str, int]:
    """Understand many stored messages in one transaction; counts by outcome.

    The messages are parsed first, outside the transaction; then each is decided as
    ``process_inbound`` decides it, inside one transaction that writes the batch's timeline
    events, clocks and outgoing mail together at its end (:mod:`nabar.lib.batch`). If anything
    in the batch fails, nothing of it is kept and every message goes through ``process_inbound``
    on its own, so one bad message costs only speed.
    """
    undecided = [InboundEmail.Status.RECEIVED, InboundEmail.Status.PROCESSING]
    InboundEmail.objects.filter(
        pk__in=inbound_ids,
        status__in=[InboundEmail.Status.RECEIVED, InboundEmail.Status.FAILED],
        ticket__isnull=True,
    ).update(status=InboundEmail.Status.PROCESSING)
    claimed = list(
        InboundEmail.objects.filter(
            pk__in=inbound_ids, status=InboundEmail.Status.PROCESSING, ticket__isnull=True
        )
        .select_related("organisation", "mailbox")
        .order_by("pk")
    )
    counts: dict[str, int] = {}
    # Numbers the batch reserved, handed on to its messages one by one if it fails.
    unused: dict[int, list[int]] = {}
    try:
        parsed = {inbound.pk: parse_message(bytes(inbound.raw)) for inbound in claimed}
        samples = {pk: _likely_case_text(mail) for pk, mail in parsed.items()}
        # Language detection is the costliest step of routing and needs no database: done
        # here, before the transaction, another worker can write meanwhile.
        languages = {sample: detect_language(sample) for sample in samples.values() if sample}
        reserved = _reserve_numbers(claimed, parsed, samples)
        unused = {organisation_id: list(numbers) for organisation_id, numbers in reserved.items()}
        with batch.one_writer(), transaction.atomic(), batch.collecting():
            for organisation_id, numbers in reserved.items():
                batch.know(("reserved-numbers", organisation_id), numbers)
            still = set(
                InboundEmail.objects.select_for_update()
                .filter(pk__in=parsed, status__in=undecided, ticket__isnull=True)
                .values_list("pk", flat=True)
            )
            _prefetch_senders(claimed, parsed)
            _lock_answered(claimed, parsed)
            for sample, guess in languages.items():
                batch.know(("language", sample), guess)
            for inbound in claimed:
                if inbound.pk not in still:
                    continue  # another run decided it meanwhile
                status = _apply(inbound, parsed[inbound.pk])
                counts[status] = counts.get(status, 0) + 1
    except Exception:
        log.exception(
            "a batch of %s inbound mails failed; processing them one by one", len(claimed)
        )
        InboundEmail.objects.filter(
            pk__in=[inbound.pk for inbound in claimed], status=InboundEmail.Status.PROCESSING
        ).update(status=InboundEmail.Status.RECEIVED)
        counts = {}
        with actions.numbers_from(unused):  # so the failure leaves no gaps in case numbers
            for inbound in claimed:
                try:
                    one = process_inbound(inbound.pk)
                except Exception:  # it stays waiting for `process_mail`; the others go on
                    log.exception("inbound mail %s could not be processed", inbound.pk)
                    continue
                if one is not None:
                    counts[str(one)] = counts.get(str(one), 0) + 1
    return counts


def _body(parsed: ParsedMail) -> str:
    return parsed.visible_text or parsed.text or parsed.subject


def _likely_case_text(parsed: ParsedMail) -> str:
    """The text routing reads if this message opens a case ("" for one that threads or is automatic)."""
    if not parsed.ok or parsed.auto or parsed.bounce is not None:
        return ""
    if parsed.in_reply_to or parsed.references or SUBJECT_NUMBER_RE.search(parsed.subject):
        return ""
    return f"{parsed.subject}\n{_body(parsed)}".strip()[:600]


def _reserve_numbers(
    claimed: list[InboundEmail], parsed: dict[int, ParsedMail], samples: dict[int, str]
) -> dict[int, list[int]]:
    """Case numbers for the messages that will open cases, taken before the batch's transaction.

    ``samples`` holds, per message, the text a new case would route on ("" for mail that
    threads or is automatic)."""
    wanted: dict[int, tuple[Organisation, int]] = {}
    for inbound in claimed:
        mail = parsed[inbound.pk]
        if inbound.organisation is None or not mail.from_address or not samples[inbound.pk]:
            continue
        if tokens.ticket_id_from([*mail.recipients, *inbound.envelope_to.split(",")]):
            continue
        organisation, count = wanted.get(inbound.organisation.pk, (inbound.organisation, 0))
        wanted[organisation.pk] = (organisation, count + 1)
    return {
        pk: actions.reserve_numbers(organisation, count)
        for pk, (organisation, count) in wanted.items()
    }


def _prefetch_senders(claimed: list[InboundEmail], parsed: dict[int, ParsedMail]) -> None:
    """The batch's senders and their previous owners, in two queries per organisation."""
    from nabar.customers.actions import prefetch_by_email
    from nabar.routing.actions import prefetch_previous_owners

    by_organisation: dict[int, tuple[Organisation, set[str]]] = {}
    for inbound in claimed:
        address = parsed[inbound.pk].from_address
        if inbound.organisation is not None and address:
            entry = by_organisation.setdefault(
                inbound.organisation.pk, (inbound.organisation, set())
            )
            entry[1].add(address)
    since = timezone.now() - timedelta(hours=1)
    for organisation, addresses in by_organisation.values():
        customers = prefetch_by_email(organisation, addresses)
        prefetch_previous_owners(organisation, customers)
        receipts = dict(
            OutboundEmail.objects.filter(
                organisation=organisation,
                to_address__in=addresses,
                kind=OutboundEmail.Kind.RECEIPT,
                created_at__gte=since,
            )
            .values("to_address")
            .annotate(n=Count("pk"))
            .values_list("to_address", "n")
        )
        for address in addresses:
            batch.know(("receipts-to", organisation.pk, address), [receipts.get(address, 0)])


def _lock_answered(claimed: list[InboundEmail], parsed: dict[int, ParsedMail]) -> None:
    """Lock the cases the batch's replies belong to, in one query (in key order, as every batch
    locks them, so that two batches never wait for each other in a circle), and read what the
    replies' Message-IDs point to once; ``find_thread`` then finds both in the batch's memory.

    Only reply addresses and Message-IDs are read ahead; a case named by its number in the
    subject is looked up when its message comes."""
    wanted = set()
    asked: dict[int, list[str]] = {}
    for inbound in claimed:
        mail = parsed[inbound.pk]
        if not mail.ok or mail.bounce is not None or inbound.organisation_id is None:
            continue
        ticket_id = tokens.ticket_id_from(
            [*mail.recipients, *(a for a in inbound.envelope_to.split(",") if a)]
        )
        if ticket_id:
            wanted.add(ticket_id)
        elif mail.in_reply_to or mail.references:
            asked[inbound.pk] = [*mail.in_reply_to, *reversed(mail.references)]
    if asked:
        batch.know("message-ids", _message_id_rows({i for ids in asked.values() for i in ids}))
        for inbound in claimed:
            if inbound.pk in asked and inbound.organisation_id is not None:
                ticket_id = _thread_of(inbound.organisation_id, asked[inbound.pk])
                if ticket_id is not None:
                    wanted.add(ticket_id)
    if wanted:
        found = list(actions.locking().filter(pk__in=sorted(wanted)).order_by("pk"))
        for ticket in found:
            actions.share(ticket)
        sla.prefetch_responding([ticket.pk for ticket in found])


def _apply(inbound: InboundEmail, parsed: ParsedMail) -> str:
    """Decide one message and record the outcome on its row (inside the caller's transaction)."""
    status, reason, detail, ticket, message = _decide(inbound, parsed)
    outcome = {
        "status": status,
        "reason": reason,
        "detail": detail[:2000],
        "ticket": ticket,
        "message": message,
        "html": parsed.html or "",
        "inline_images": _inline_images(parsed, message),
        "from_address": (parsed.from_address or "")[:254],
        "subject": parsed.subject[:300],
        "processed_at": timezone.now(),
        "attempts": inbound.attempts + 1,
    }
    if batch.current() is None:
        InboundEmail.objects.filter(pk=inbound.pk).update(**outcome)
    else:
        for name, value in outcome.items():
            setattr(inbound, name, value)
        batch.update(inbound, list(outcome))
        if ticket is not None and inbound.header_message_id and inbound.organisation_id:
            # A later message of the batch answering this one finds the case from memory.
            batch.know(("received", inbound.organisation_id, inbound.header_message_id), ticket)
    return str(status)


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
            status = InboundEmail.Status(_apply(inbound, parsed))
    except Exception as exc:
        log.exception("inbound mail %s could not be processed", inbound_id)
        InboundEmail.objects.filter(pk=inbound.pk, status__in=undecided).update(
            status=InboundEmail.Status.FAILED,
            reason=InboundEmail.Reason.ERROR,
            detail=error_text(exc),
            from_address=(parsed.from_address or "")[:254],
            subject=parsed.subject[:300],
            attempts=inbound.attempts + 1,
        )
        return InboundEmail.Status.FAILED
    return status


class Decision(NamedTuple):
    """What became of one message: its status, why (a reason code and the technical
    particulars), and the case and message it made or joined."""

    status: InboundEmail.Status
    reason: str
    detail: str
    ticket: Ticket | None
    message: Message | None


# The reason shown for each kind of automatic mail ``detect_auto`` recognises.
AUTO_REASONS = {
    "auto_reply": InboundEmail.Reason.AUTO_REPLY,
    "auto_generated": InboundEmail.Reason.AUTO_GENERATED,
    "bulk": InboundEmail.Reason.BULK,
    "list": InboundEmail.Reason.LIST,
    "bounce": InboundEmail.Reason.DELIVERY_REPORT,
}


def _decide(inbound: InboundEmail, parsed: ParsedMail) -> Decision:
    Status, Reason = InboundEmail.Status, InboundEmail.Reason
    if not parsed.ok:
        return Decision(Status.FAILED, Reason.UNREADABLE, "; ".join(parsed.defects), None, None)
    organisation = inbound.organisation
    if organisation is None:
        organisation, _box = organisation_for(parsed.recipients)
        if organisation is None:
            recipients = ", ".join(parsed.recipients)
            return Decision(Status.FAILED, Reason.NO_ORGANISATION, recipients, None, None)
        InboundEmail.objects.filter(pk=inbound.pk).update(organisation=organisation)
    if parsed.bounce is not None:
        return _record_bounce(organisation, parsed)
    ticket = find_thread(organisation, parsed, envelope=inbound.envelope_to)
    if ticket is not None:
        batch.settle(("opened", ticket.pk))  # its clocks and events are written before it moves
    body = _body(parsed)
    files = _uploads(parsed)
    if parsed.auto:
        reason = AUTO_REASONS.get(parsed.auto.kind, Reason.AUTO_GENERATED)
        if ticket is None:
            return Decision(Status.AUTOMATIC, reason, parsed.auto.reason, None, None)
        message = actions.add_automatic_message(
            ticket, body=body, kind=reason, reason=parsed.auto.reason
        )
        return Decision(Status.AUTOMATIC, reason, parsed.auto.reason, ticket, message)
    if ticket is not None:
        message = actions.add_customer_message(
            ticket,
            body=body,
            channel=Channel.EMAIL,
            attachments=files,
            quoted=parsed.quoted_text,
            sender=parsed.from_address or "",
            sender_name=parsed.from_name,
        )
        if parsed.message_id:
            outbox.received_in_thread(ticket, parsed.message_id)
        return Decision(Status.FOLLOW_UP, "", "", ticket, message)
    if not parsed.from_address:
        return Decision(Status.FAILED, Reason.NO_SENDER, "", None, None)
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
            message_id=parsed.message_id or "",
        ),
        channel=Channel.EMAIL,
        attachments=files,
        send_receipt=send_receipt,
    )
    withheld = "" if send_receipt else Reason.RECEIPT_WITHHELD
    first = batch.remember(("first-message", ticket.pk), lambda: ticket.messages.first())
    return Decision(Status.NEW_CASE, withheld, "", ticket, first)


# Per Message-ID, the (row key, organisation, case) of each mail we sent or received with it.
MessageIdRows = dict[str, list[tuple[int, int | None, int]]]


def _message_id_rows(ids: Iterable[str]) -> tuple[MessageIdRows, MessageIdRows]:
    """The mails we sent and received under these Message-IDs that belong to a case.

    Looked up by Message-ID alone, the organisation checked by the caller: with the organisation
    in the query SQLite may walk every mail of the organisation instead of the index."""
    sent: MessageIdRows = {}
    received: MessageIdRows = {}
    ids = list(ids)
    tables: list[tuple[MessageIdRows, type[OutboundEmail] | type[InboundEmail], str]] = [
        (sent, OutboundEmail, "rfc_message_id"),
        (received, InboundEmail, "header_message_id"),
    ]
    for rows, model, column in tables:
        for start in range(0, len(ids), 500):
            for message_id, *row in (
                model.objects.filter(**{f"{column}__in": ids[start : start + 500]})
                .exclude(ticket=None)
                .order_by()
                .values_list(column, "pk", "organisation_id", "ticket_id")
            ):
                rows.setdefault(message_id, []).append(tuple(row))
    return sent, received


def _thread_of(organisation_id: int, ids: list[str]) -> int | None:
    """The case of the first mail we sent under one of these Message-IDs, else of the first we
    received (a customer answering their own mail). In a batch, from what it read at its start."""
    current = batch.current()
    known = current.memo.get("message-ids") if current is not None else None
    sent, received = known if known is not None else _message_id_rows(ids)
    for rows in (sent, received):
        mine = [row for i in ids for row in rows.get(i, ()) if row[1] == organisation_id]
        if mine:
            return min(mine)[2]
    return None


def _case(ticket_id: int) -> Ticket | None:
    """A case by key; in a batch locked, and shared by the actions of all its messages."""
    if batch.current() is None:
        return Ticket.objects.filter(pk=ticket_id).first()
    batch.settle(("opened", ticket_id))
    return actions.live_case(ticket_id)


def find_thread(
    organisation: Organisation, parsed: ParsedMail, *, envelope: str = ""
) -> Ticket | None:
    """The case this mail belongs to: reply token, our Message-IDs, then the case number.

    Mail to a case that was merged away belongs to the case it was merged into.
    """
    return _surviving(_named_case(organisation, parsed, envelope=envelope))


def _surviving(ticket: Ticket | None) -> Ticket | None:
    """The case the conversation of ``ticket`` goes on in (see ``actions.merge_tickets``)."""
    seen: set[int] = set()
    while ticket is not None and ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        following = _case(ticket.merged_into_id)
        if following is None:
            break
        ticket = following
    return ticket


def _named_case(organisation: Organisation, parsed: ParsedMail, *, envelope: str) -> Ticket | None:
    addresses = [*parsed.recipients, *(a for a in envelope.split(",") if a)]
    ticket_id = tokens.ticket_id_from(addresses)
    if ticket_id:
        # Looked up by key alone: with the organisation in the query PostgreSQL may choose the
        # organisation's index and read every case of it.
        ticket = _case(ticket_id)
        if ticket is not None and ticket.organisation_id == organisation.pk:
            return ticket
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    current = batch.current()
    if current is not None:
        for message_id in ids:
            # Received earlier in this batch: its row is written when the batch ends.
            earlier: Ticket | None = current.memo.get(("received", organisation.pk, message_id))
            if earlier is not None:
                return earlier
    if ids:
        ticket_id = _thread_of(organisation.pk, ids)
        if ticket_id is not None:
            return _case(ticket_id)
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


def _record_bounce(organisation: Organisation, parsed: ParsedMail) -> Decision:
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
    detail = f"{bounce.status} {bounce.diagnostic}".strip()
    Status, Reason = InboundEmail.Status, InboundEmail.Reason
    if sent is None:
        return Decision(Status.BOUNCE, Reason.BOUNCE_UNMATCHED, detail, None, None)
    if bounce.permanent:
        OutboundEmail.objects.filter(pk=sent.pk).update(
            status=OutboundEmail.Status.BOUNCED,
            last_error=(detail or "bounce")[:2000],
            updated_at=timezone.now(),
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
    return Decision(Status.BOUNCE, Reason.BOUNCE, detail, sent.ticket, None)


def _too_many_receipts(organisation: Organisation, address: str) -> bool:
    """Whether this address had its hourly share of receipts; else counts the one to be sent."""
    sent = batch.remember(
        ("receipts-to", organisation.pk, address),
        lambda: [_receipts_last_hour(organisation, address)],
    )
    if sent[0] >= RECEIPTS_PER_ADDRESS_PER_HOUR:
        return True
    sent[0] += 1  # a batch writes its receipts at its end: count them as they are decided
    return False


def _receipts_last_hour(organisation: Organisation, address: str) -> int:
    since = timezone.now() - timedelta(hours=1)
    return OutboundEmail.objects.filter(
        organisation=organisation,
        to_address=address,
        kind=OutboundEmail.Kind.RECEIPT,
        created_at__gte=since,
    ).count()


def _inline_images(parsed: ParsedMail, message: Message | None) -> dict[str, int]:
    """Which stored attachment each ``cid:`` of the HTML refers to (files are stored in order)."""
    if message is None or not parsed.html or not any(a.content_id for a in parsed.attachments):
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

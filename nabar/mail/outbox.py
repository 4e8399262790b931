"""Queue and deliver outbound e-mail with retries.

``queue_email`` is called inside the transaction of the change that causes the mail, so the mail
exists exactly when the change does. ``deliver`` claims a row with a conditional UPDATE, so two
workers never send the same mail twice.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
from collections.abc import Mapping
from datetime import timedelta
from email.utils import formataddr
from functools import lru_cache

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from nabar.accounts.models import Organisation
from nabar.lib import batch
from nabar.lib.redact import error_text
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.mail.tokens import reply_address
from nabar.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

# Minutes to wait after the n-th failed attempt; after the last one the mail is marked failed.
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720, 1440)


def new_message_id(organisation: Organisation) -> str:
    domain = organisation.email_address.rsplit("@", 1)[-1] or "nabar.invalid"
    return f"nb.{secrets.token_hex(12)}@{domain}"


def render_email(name: str, context: dict[str, object], *, language: str) -> tuple[str, str, str]:
    """Render ``emails/<name>.subject.txt``, ``.txt`` and ``.html`` in the given language."""
    context = {**context, "LANGUAGE_CODE": language}
    with translation.override(language):
        subject = render_to_string(f"emails/{name}.subject.txt", context).strip()
        text = render_to_string(f"emails/{name}.txt", context)
        html: str = render_to_string(f"emails/{name}.html", context)
    subject = " ".join(subject.split())
    if html.lstrip()[:9].lower() != "<!doctype":
        # A template written as a fragment becomes a whole document, so that a mail reader
        # (and a screen reader in it) knows the mail's language and title.
        html = (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{escape(subject)}</title></head><body>\n{html}</body></html>\n"
        )
    return subject, text, html


# A slot for one value in a template rendered once per shape (see render_email_filled).
_SLOT = re.compile("\ue000([a-z_]+)\ue001")


@lru_cache(maxsize=128)
def _shaped(name: str, language: str, shape: tuple[tuple[str, bool], ...]) -> tuple[str, str, str]:
    context: dict[str, object] = {
        key: f"\ue000{key}\ue001" if given else "" for key, given in shape
    }
    return render_email(name, context, language=language)


def render_email_filled(
    name: str, values: Mapping[str, str], *, language: str
) -> tuple[str, str, str]:
    """``render_email`` for a template whose every variable is a plain string printed as it is
    (no attributes, no filters): the same mail, ten times faster.

    The template is rendered once per language and per set of empty values (its ``{% if %}``
    branches), with a slot for each value; the slots are then filled, escaped for the HTML
    part. The receipt, written for every new case, is rendered this way; ``test_outbox`` checks
    that both ways give the same mail.
    """
    shape = tuple(sorted((key, bool(value)) for key, value in values.items()))
    subject, text, html = _shaped(name, language, shape)

    def fill(rendered: str, as_html: bool) -> str:
        return _SLOT.sub(
            lambda m: escape(values[m.group(1)]) if as_html else values[m.group(1)], rendered
        )

    return " ".join(fill(subject, False).split()), fill(text, False), fill(html, True)


def queue_email(
    organisation: Organisation,
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: OutboundEmail.Kind,
    automatic: bool,
    ticket: Ticket | None = None,
    message: Message | None = None,
    from_name: str = "",
    answering: str = "",
) -> OutboundEmail:
    """Write one outgoing mail to the outbox; it is sent after the transaction commits.

    On a case it answers the case's latest mail, ours or the customer's, and names the ones
    before it (In-Reply-To, References), so that it joins the thread in the customer's mail
    client. ``answering`` is the Message-ID of a received mail the case does not hold yet (the
    one a receipt answers).
    """
    references = ""
    in_reply_to = ""
    earlier: list[str] = []
    if ticket is not None:
        earlier = batch.remember(_thread_key(ticket), lambda: thread_ids(ticket))
        if answering and answering not in earlier:
            earlier.append(answering)
        if earlier:
            in_reply_to = earlier[-1]
            references = " ".join(f"<{mid}>" for mid in earlier[-10:])
    outbound = batch.create(
        OutboundEmail(
            organisation=organisation,
            ticket=ticket,
            message=message,
            kind=kind,
            automatic=automatic,
            from_name=from_name or organisation.name,
            from_address=organisation.email_address,
            to_address=to,
            subject=subject,
            body_text=text,
            body_html=html,
            rfc_message_id=new_message_id(organisation),
            in_reply_to=in_reply_to,
            references=references,
        )
    )
    if batch.current() is not None:
        earlier.append(outbound.rfc_message_id)  # the batch's next mail on this case follows it
    batch.on_commit_many("send-outbound", outbound, _enqueue_all)
    return outbound


def thread_starts(ticket: Ticket) -> None:
    """Tell the batch that this case, opened in it, has no mail yet."""
    batch.know(_thread_key(ticket), [])


def _thread_key(ticket: Ticket) -> tuple[str, int]:
    """Where a batch keeps the case's ``thread_ids`` as its mail goes out and comes in."""
    return ("thread-ids", ticket.pk)


# Received mail a person wrote on a case (the outcomes ``thread_ids`` reads).
CUSTOMER_WROTE = (InboundEmail.Status.NEW_CASE, InboundEmail.Status.FOLLOW_UP)


def received_in_thread(ticket: Ticket, message_id: str) -> None:
    """A batch's later mail on this case answers this received one too (outside a batch the
    case's mail is read afresh each time)."""
    current = batch.current()
    known = current.memo.get(_thread_key(ticket)) if current is not None else None
    if known is not None and message_id not in known:
        known.append(message_id)


def thread_ids(ticket: Ticket) -> list[str]:
    """The Message-IDs of the case's mail, sent and written by the customer, oldest first
    (an out-of-office reply or a bounce on the case is not what we answer)."""
    sent = OutboundEmail.objects.filter(ticket=ticket).values_list("created_at", "rfc_message_id")
    received = (
        InboundEmail.objects.filter(ticket=ticket, status__in=CUSTOMER_WROTE)
        .exclude(header_message_id="")
        .values_list("received_at", "header_message_id")
    )
    ids: list[str] = []
    for _at, mid in sorted([*sent, *received], key=lambda row: row[0]):
        if mid not in ids:
            ids.append(mid)
    return ids


# Mails handed to one delivery task when a batch queues many (each keeps its own retries).
DELIVERY_BATCH = 50


def _enqueue_all(outbounds: list[OutboundEmail]) -> None:
    from nabar.mail.tasks import send_outbound_batch

    if len(outbounds) == 1:
        _enqueue(outbounds[0].pk)
        return
    ids = [outbound.pk for outbound in outbounds]
    for start in range(0, len(ids), DELIVERY_BATCH):
        send_outbound_batch.enqueue(outbound_ids=ids[start : start + DELIVERY_BATCH])


def _enqueue(outbound_id: int, *, delay: timedelta | None = None) -> None:
    from nabar.mail.tasks import send_outbound_email

    task = send_outbound_email
    if delay is not None:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(outbound_id=outbound_id)


def _build(outbound: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<{outbound.rfc_message_id}>"}
    if outbound.ticket_id:
        # Replies come back to the case even if the subject is changed or the thread is lost.
        headers["Reply-To"] = reply_address(outbound.from_address, outbound.ticket_id)
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
        headers["References"] = outbound.references
    # RFC 3834: only mail that no person wrote is marked as automatic.
    if outbound.automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMultiAlternatives(
        subject=outbound.subject,
        body=outbound.body_text,
        from_email=formataddr((outbound.from_name, outbound.from_address)),
        to=[outbound.to_address],
        headers=headers,
        connection=get_connection(),
    )
    if outbound.body_html:
        email.attach_alternative(outbound.body_html, "text/html")
    return email


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def deliver(outbound_id: int) -> OutboundEmail.Status | None:
    """Send one queued mail. Returns its new status, or None if another worker has it."""
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=outbound_id,
        status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.DEFERRED],
    ).update(status=OutboundEmail.Status.SENDING, updated_at=now)
    if not claimed:
        return None
    outbound = OutboundEmail.objects.get(pk=outbound_id)
    try:
        _build(outbound).send(fail_silently=False)
    except Exception as exc:  # any failure of the mail server is retried or recorded
        attempts = outbound.attempts + 1
        permanent = _is_permanent(exc) or attempts > len(RETRY_MINUTES)
        status = OutboundEmail.Status.FAILED if permanent else OutboundEmail.Status.DEFERRED
        delay = None if permanent else timedelta(minutes=RETRY_MINUTES[attempts - 1])
        OutboundEmail.objects.filter(pk=outbound_id).update(
            status=status,
            attempts=attempts,
            last_error=error_text(exc),
            next_attempt_at=(now + delay) if delay else None,
            updated_at=timezone.now(),
        )
        log.warning(
            "mail %s to %s: attempt %s failed (%s)",
            outbound_id,
            "<recipient>",
            attempts,
            type(exc).__name__,
        )
        if delay is not None:
            _enqueue(outbound_id, delay=delay)
        return status
    OutboundEmail.objects.filter(pk=outbound_id).update(
        status=OutboundEmail.Status.SENT,
        attempts=outbound.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return OutboundEmail.Status.SENT


def due_for_retry() -> list[int]:
    """Mails that should have been sent by now (e.g. the worker was down when they were queued)."""
    moment = timezone.now()
    stale = moment - timedelta(minutes=10)
    return list(
        OutboundEmail.objects.filter(
            Q(status=OutboundEmail.Status.QUEUED, created_at__lte=stale)
            | Q(status=OutboundEmail.Status.DEFERRED, next_attempt_at__lte=moment)
            | Q(status=OutboundEmail.Status.SENDING, updated_at__lte=stale)
        ).values_list("pk", flat=True)
    )

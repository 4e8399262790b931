"""What became of each e-mail to the customer, in words an agent understands.

``describe`` is pure: it takes the outbox row's fields and returns what the case page shows:
queued, sent (delivered to the mail server), deferred (and when it is tried again), bounced or
failed, with the reason translated from SMTP codes into plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from nabar.mail.models import OutboundEmail

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_BASIC = re.compile(r"(?<!\d)([45]\d\d)(?!\d)")
_NO_USER = re.compile(
    r"user unknown|unknown user|no such user|does not exist|not exist|mailbox not found|"
    r"mailbox unavailable|invalid recipient|recipient address rejected|address rejected|"
    r"no mailbox|unknown recipient",
    re.IGNORECASE,
)
_FULL = re.compile(r"mailbox (is )?full|over quota|quota exceeded|insufficient storage", re.I)
_NO_DOMAIN = re.compile(r"host unknown|domain not found|no mx|name or service not known", re.I)
_SPAM = re.compile(r"spam|blocked|blacklist|blocklist|policy|rejected for|dmarc|spf", re.I)


@dataclass(frozen=True)
class Delivery:
    """One line of the case page's list of e-mails to the customer."""

    pk: int
    kind: str
    to: str
    subject: str
    state: str
    label: str
    reason: str
    technical: str
    when: datetime | None
    retry_at: datetime | None


def plain_reason(technical: str) -> str:
    """Why a mail did not arrive, in plain words, from an SMTP reply or a delivery report."""
    enhanced = _ENHANCED.search(technical)
    basic = _BASIC.search(technical)
    subject, detail = (int(enhanced.group(2)), int(enhanced.group(3))) if enhanced else (None, None)
    if (subject, detail) in {(1, 1), (1, 0), (1, 6)} or _NO_USER.search(technical):
        return _("the customer's address does not exist")
    if (subject, detail) in {(1, 2), (1, 10), (4, 4)} or _NO_DOMAIN.search(technical):
        return _("the customer's mail domain does not exist or takes no mail")
    if (subject, detail) == (2, 2) or _FULL.search(technical):
        return _("the customer's mailbox is full")
    if (subject, detail) == (2, 1):
        return _("the customer's mailbox is closed")
    if (subject, detail) in {(2, 3), (3, 4)}:
        return _("the mail was too large for the customer's mail server")
    if subject == 7 or _SPAM.search(technical):
        return _("the customer's mail server refused it as unwanted mail (a spam filter or policy)")
    if (enhanced and enhanced.group(1) == "4") or (basic and basic.group(1).startswith("4")):
        return _("the customer's mail server is busy or unreachable for now")
    if "timed out" in technical.lower() or "connection refused" in technical.lower():
        return _("our mail server could not be reached")
    if enhanced or basic:
        return _("the customer's mail server refused it")
    return _("the reason was not given") if not technical.strip() else technical.strip()[:200]


def describe(
    *,
    pk: int,
    kind: str,
    to: str,
    subject: str,
    status: str,
    last_error: str,
    created_at: datetime,
    sent_at: datetime | None,
    updated_at: datetime,
    next_attempt_at: datetime | None,
) -> Delivery:
    status_enum = OutboundEmail.Status
    labels: dict[str, str] = {
        status_enum.QUEUED: _("Queued, not yet sent"),
        status_enum.SENDING: _("Being sent"),
        status_enum.SENT: _("Delivered to the mail server"),
        status_enum.DEFERRED: _("Deferred, will retry"),
        status_enum.BOUNCED: _("Bounced"),
        status_enum.FAILED: _("Could not be sent"),
    }
    reason = ""
    if status in {status_enum.DEFERRED, status_enum.BOUNCED, status_enum.FAILED}:
        reason = plain_reason(last_error)
    when: datetime | None = updated_at
    if status == status_enum.QUEUED:
        when = created_at
    elif status == status_enum.SENT:
        when = sent_at
    return Delivery(
        pk=pk,
        kind=str(dict(OutboundEmail.Kind.choices).get(kind, kind)),
        to=to,
        subject=subject,
        state=status,
        label=labels.get(status, status),
        reason=reason,
        technical=last_error.strip()[:500],
        when=when,
        retry_at=next_attempt_at if status == status_enum.DEFERRED else None,
    )


def deliveries_for(ticket_id: int) -> list[Delivery]:
    """Every e-mail to the customer of one case, oldest first, in one query."""
    rows = (
        OutboundEmail.objects.filter(ticket_id=ticket_id)
        .order_by("created_at", "pk")
        .values(
            "pk",
            "kind",
            "to_address",
            "subject",
            "status",
            "last_error",
            "created_at",
            "sent_at",
            "updated_at",
            "next_attempt_at",
        )
    )
    return [
        describe(
            pk=row["pk"],
            kind=row["kind"],
            to=row["to_address"],
            subject=row["subject"],
            status=row["status"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            sent_at=row["sent_at"],
            updated_at=row["updated_at"],
            next_attempt_at=row["next_attempt_at"],
        )
        for row in rows
    ]

"""Recognising bounces: RFC 3464 delivery reports and the non-standard ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

BOUNCE_SUBJECT = re.compile(
    r"(undeliver|undelivered|delivery (status notification|failure|has failed|problem)|"
    r"returned mail|return(ed)? to sender|mail delivery (failed|failure|system|subsystem)|"
    r"failure notice|non[- ]?delivery|delivery notification|could not be delivered|"
    r"unzustellbar|kunde inte levereras|olevererbar|nicht zugestellt|message not delivered|"
    r"mail system error|delivery report|rejected|nondeliverable|mail failure|"
    r"warning: could not send|permanent error|delivery failed|message delivery failure|"
    r"unable to deliver|not delivered|error sending|mail could not|failed delivery|delayed|"
    r"could not send|errors from|delivery status|\berror\b|not member|failure|エラー|"
    r"bounce)",
    re.IGNORECASE,
)
BOUNCE_SENDER = re.compile(
    r"^(mailer-daemon|post_?master|mail-daemon|mailerdaemon|mail\.delivery\.system|"
    r"mdaemon|bounce[s]?|returned|nobody|daemon)([+@-])",
    re.IGNORECASE,
)
BODY_SIGNS = re.compile(
    r"(this is the mail system at|could not be delivered to one or more|delivery to the "
    r"following recipient|permanent fatal errors|was not delivered|undeliverable|"
    r"i'm sorry to have to inform you|delivery has failed|user unknown|no such user|"
    r"mailbox (unavailable|full|not found|is full)|recipient address rejected|"
    r"unknown user|does not exist|message could not be delivered|returned to sender|"
    r"delivery failed|the following addresses had permanent|this is an automatically "
    r"generated delivery status|hi\. this is the qmail-send program|your message (was|could)|"
    r"over quota|quota exceeded|host unknown|unrouteable|relay(ing)? denied|"
    r"mailbox is full|not a member of|this is the mailer-daemon|error has occurred while|"
    r"invalid (user|recipient|address)|notificationtype\W+bounce|envelope expired|"
    r"could not be delivered|delivery to the following|message delayed)",
    re.IGNORECASE,
)
STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
SMTP_CODE = re.compile(r"(?<!\d)([45]\d\d)[ -]")
ADDRESS = re.compile(r"[A-Za-z0-9._%+'=/-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MESSAGE_ID = re.compile(r"^\s*message-id\s*:\s*<([^<>\s]{1,240})>", re.IGNORECASE | re.M)
_RECIPIENT_FIELD = re.compile(
    r"^(final|original)-recipient\s*:\s*(?:rfc822\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.I | re.M
)
_DIAGNOSTIC = re.compile(r"^diagnostic-code\s*:\s*(?:smtp\s*;)?\s*(.+)$", re.IGNORECASE | re.M)
_ACTION = re.compile(r"^action\s*:\s*(\w+)", re.IGNORECASE | re.M)
_STATUS_FIELD = re.compile(r"^status\s*:\s*([245]\.\d{1,3}\.\d{1,3})", re.IGNORECASE | re.M)


@dataclass(frozen=True)
class Bounce:
    """A failed delivery: who, why, whether for good, and which of our messages it was."""

    recipients: tuple[str, ...]
    status: str
    diagnostic: str
    permanent: bool
    original_message_id: str | None


def detect_bounce(
    message: Message,
    *,
    from_address: str | None,
    subject: str,
    text: str,
    report: str,
    original_headers: str,
    own_addresses: tuple[str, ...] = (),
    feedback: str = "",
) -> Bounce | None:
    """A Bounce when the message is a delivery failure report, else None.

    ``report`` is the text of any message/delivery-status part; ``original_headers`` the
    headers of an attached original (message/rfc822 or text/rfc822-headers), ``feedback``
    the text of a message/feedback-report part (an abuse complaint, RFC 5965: the recipient
    does not want our mail, which for the sender is as final as a bounce).
    """
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type") or "").lower()
    is_dsn = content_type == "multipart/report" and "delivery-status" in report_type
    is_dsn = is_dsn or bool(report)
    if (content_type == "multipart/report" and "feedback-report" in report_type) or feedback:
        return _complaint(feedback, original_headers)
    signs = 0
    if BOUNCE_SENDER.match(from_address or "") or not from_address:
        signs += 1
    if BOUNCE_SUBJECT.search(subject):
        signs += 1
    if original_headers:
        signs += 1
    if not is_dsn and signs == 0:
        return None  # the body alone is one sign at most, and two are needed
    body = text[:200_000]
    if BODY_SIGNS.search(body):
        signs += 1
    if not is_dsn and signs < 2:
        return None
    if is_dsn:
        actions = [a.lower() for a in _ACTION.findall(report)]
        if actions and all(a in {"delivered", "relayed", "expanded"} for a in actions):
            return None
    source = report + "\n" + body
    recipients = _recipients(report, body, exclude={*own_addresses, (from_address or "")})
    status_match = _STATUS_FIELD.search(report) or STATUS.search(source)
    status = status_match.group(1) if status_match else ""
    if not status:
        code = SMTP_CODE.search(body)
        status = {"4": "4.0.0", "5": "5.0.0"}[code.group(1)[0]] if code else "5.0.0"
    diagnostic_match = _DIAGNOSTIC.search(report)
    diagnostic = diagnostic_match.group(1).strip() if diagnostic_match else _first_reason(body)
    id_match = MESSAGE_ID.search(original_headers) or MESSAGE_ID.search(body)
    return Bounce(
        recipients=recipients,
        status=status,
        diagnostic=diagnostic[:500],
        permanent=not status.startswith("4"),
        original_message_id=id_match.group(1) if id_match else None,
    )


def _recipients(report: str, body: str, *, exclude: set[str]) -> tuple[str, ...]:
    found = [m.group(2) for m in _RECIPIENT_FIELD.finditer(report)]
    if not found:
        head = body[:20_000].split("\n-----", 1)[0]
        found = ADDRESS.findall(head)[:20]
    seen: dict[str, None] = {}
    for address in found:
        clean = address.strip("<>.,;:'\"").lower()
        if clean and clean not in exclude and not BOUNCE_SENDER.match(clean):
            seen.setdefault(clean, None)
    return tuple(seen)[:20]


def _first_reason(body: str) -> str:
    for line in body.splitlines()[:400]:
        if SMTP_CODE.search(line) or STATUS.search(line):
            return " ".join(line.split())
    return ""


_FEEDBACK_TYPE = re.compile(r"^feedback-type\s*:\s*(\S+)", re.IGNORECASE | re.M)
_FEEDBACK_RCPT = re.compile(
    r"^(original-rcpt-to|removal-recipient)\s*:\s*<?([^\s<>]+@[^\s<>]+)>?", re.I | re.M
)


def _complaint(feedback: str, original_headers: str) -> Bounce:
    kind = _FEEDBACK_TYPE.search(feedback)
    recipients = tuple(dict.fromkeys(m.group(2).lower() for m in _FEEDBACK_RCPT.finditer(feedback)))
    id_match = MESSAGE_ID.search(original_headers) or MESSAGE_ID.search(feedback)
    return Bounce(
        recipients=recipients,
        status="",
        diagnostic=f"complaint: {kind.group(1) if kind else 'abuse'}",
        permanent=True,
        original_message_id=id_match.group(1) if id_match else None,
    )

"""parse_message: any bytes in, a ParsedMail out, never an exception."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from nabar.mail.inbound.attachments import (
    ParsedAttachment,
    is_tnef,
    safe_filename,
    unpack_tnef,
)
from nabar.mail.inbound.autoreply import AutoMail, detect_auto
from nabar.mail.inbound.bounce import Bounce, detect_bounce
from nabar.mail.inbound.charsets import decode_bytes, decode_header_value
from nabar.mail.inbound.html import html_to_text, sanitise
from nabar.mail.inbound.quotes import split_reply

MAX_PARTS = 200
MAX_DEPTH = 20
MAX_TEXT_CHARS = 500_000
MAX_IDS = 100
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,240})>")
_BARE_ID = re.compile(r"^[^<>\s@]{1,200}@[^<>\s@]{1,100}$")


@dataclass(frozen=True)
class ParsedMail:
    """What a received message says, decoded and cleaned; see the package docstring."""

    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    from_name: str = ""
    from_address: str | None = None
    reply_to: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    html: str | None = None
    visible_text: str = ""
    quoted_text: str = ""
    attachments: tuple[ParsedAttachment, ...] = ()
    auto: AutoMail | None = None
    bounce: Bounce | None = None
    defects: tuple[str, ...] = ()
    ok: bool = True


@dataclass
class _Walk:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    original_headers: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parts: int = 0


def parse_message(raw: bytes) -> ParsedMail:
    """Understand a received message; what could not be understood is noted, never raised."""
    try:
        return _parse(raw)
    except Exception as error:
        return ParsedMail(defects=(f"could not be parsed: {type(error).__name__}",), ok=False)
    except RecursionError:
        return ParsedMail(defects=("could not be parsed: nested too deeply",), ok=False)


def _parse(raw: bytes) -> ParsedMail:
    if not isinstance(raw, bytes | bytearray | memoryview):
        return ParsedMail(defects=("input is not bytes",), ok=False)
    raw = bytes(raw)
    walk = _Walk()
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")
        walk.defects.append("NUL bytes removed")
    if not raw.strip():
        return ParsedMail(defects=("empty message",), ok=False)
    try:
        message = email.message_from_bytes(raw, policy=email_policy.compat32)
    except RecursionError:
        parser = BytesParser(policy=email_policy.compat32)
        message = parser.parsebytes(raw, headersonly=True)
        walk.defects.append("MIME nested too deeply to read: body kept as raw text")
    if not any(k.lower() in {"from", "to", "subject", "date", "message-id"} for k in message):
        walk.defects.append("no recognisable mail headers")
    for defect in message.defects[:10]:
        walk.defects.append(f"MIME: {type(defect).__name__}")

    subject = _header_text(message, "Subject", walk)
    from_name, from_address = _from(message, walk)
    _walk(message, walk, depth=0)

    text = "\n\n".join(part for part in walk.plain if part.strip())
    html_raw = "\n".join(walk.html)
    html = sanitise(html_raw) if html_raw.strip() else None
    if not text.strip() and html_raw.strip():
        text = html_to_text(html_raw)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        walk.defects.append("text cut at 500,000 characters")
    visible, quoted = split_reply(text)

    to = _addresses(message, "To", walk)
    cc = _addresses(message, "Cc", walk)
    envelope = _addresses(message, "Delivered-To", walk) + _addresses(
        message, "X-Original-To", walk
    )
    auto = detect_auto(message, from_address=from_address, subject=subject)
    bounce = detect_bounce(
        message,
        from_address=from_address,
        subject=subject,
        text=text,
        report="\n".join(walk.report),
        original_headers="\n".join(walk.original_headers),
        own_addresses=tuple(dict.fromkeys(to + envelope)),
        feedback="\n".join(walk.feedback),
    )
    if bounce is not None:
        auto = AutoMail(kind="bounce", reason=auto.reason if auto else "delivery report")
    message_id = _ids(message, "Message-ID", walk)
    if not message_id:
        walk.defects.append("no Message-ID")
    readable = bool(text.strip() or walk.attachments or from_address or subject)
    return ParsedMail(
        message_id=message_id[0] if message_id else None,
        in_reply_to=_ids(message, "In-Reply-To", walk),
        references=_ids(message, "References", walk),
        from_name=from_name,
        from_address=from_address,
        reply_to=_addresses(message, "Reply-To", walk),
        to=to,
        cc=cc,
        recipients=tuple(dict.fromkeys(to + cc + envelope)),
        subject=subject,
        date=_date(message, walk),
        text=text,
        html=html,
        visible_text=visible,
        quoted_text=quoted,
        attachments=tuple(walk.attachments),
        auto=auto,
        bounce=bounce,
        defects=tuple(dict.fromkeys(walk.defects)),
        ok=readable,
    )


def _walk(part: Message, walk: _Walk, *, depth: int) -> None:
    walk.parts += 1
    if walk.parts == MAX_PARTS + 1:
        walk.defects.append(f"more than {MAX_PARTS} MIME parts: the rest ignored")
    if walk.parts > MAX_PARTS:
        return
    if depth > MAX_DEPTH:
        walk.defects.append(f"MIME nested deeper than {MAX_DEPTH}: the rest ignored")
        return
    content_type = part.get_content_type()
    if content_type in {"message/rfc822", "text/rfc822-headers"} and depth > 0:
        walk.original_headers.append(_original_headers(part))
        return
    if content_type in {"message/delivery-status", "message/global-delivery-status"}:
        walk.report.append(_report_text(part, walk))
        return
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            return
        parts = [child for child in children if isinstance(child, Message)]
        if content_type == "multipart/alternative":
            parts = _preferred_alternative(parts)
        for child in parts:
            if isinstance(child, Message):
                _walk(child, walk, depth=depth + 1)
        return
    if content_type == "message/feedback-report":
        walk.feedback.append(_payload_text(part, walk))
        return
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    filename = _filename(part, walk)
    if content_type in {"text/plain", "text/html"} and disposition != "attachment":
        body = _payload_text(part, walk)
        (walk.plain if content_type == "text/plain" else walk.html).append(body)
        return
    if content_type.startswith("multipart/"):
        walk.defects.append("broken multipart boundary: body kept as text")
        walk.plain.append(_payload_text(part, walk))
        return
    _attachment(part, walk, content_type=content_type, filename=filename, disposition=disposition)


def _preferred_alternative(children: list[Message]) -> list[Message]:
    """Of alternatives keep the plain text (for the thread) and the HTML (for display)."""
    kinds = {c.get_content_type(): c for c in children if isinstance(c, Message)}
    chosen = [kinds[k] for k in ("text/plain", "text/html") if k in kinds]
    if chosen:
        related = [c for c in children if c.get_content_type().startswith("multipart/")]
        if "text/html" not in kinds:
            return chosen + related[-1:]
        return chosen
    return children[-1:]


def _attachment(
    part: Message, walk: _Walk, *, content_type: str, filename: str, disposition: str
) -> None:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = b""
    content_id = str(part.get("Content-ID") or "").strip().strip("<>") or None
    name = safe_filename(filename, content_type=content_type)
    if is_tnef(name, content_type):
        unpacked, notes = unpack_tnef(data)
        walk.defects.extend(notes)
        if unpacked:
            walk.attachments.extend(unpacked)
            return
    walk.attachments.append(
        ParsedAttachment(
            filename=name,
            content_type=content_type,
            data=data,
            content_id=content_id,
            inline=disposition == "inline"
            or (content_id is not None and disposition != "attachment"),
        )
    )


def _payload_text(part: Message, walk: _Walk) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    charset = part.get_param("charset")
    label = charset if isinstance(charset, str) else None
    text, notes = decode_bytes(data, label)
    walk.defects.extend(notes)
    return text


def _report_text(part: Message, walk: _Walk) -> str:
    """A delivery-status part: the email package splits it into header blocks."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [
            "\n".join(f"{k}: {v}" for k, v in block.items()[:50])
            for block in payload[:100]
            if isinstance(block, Message)
        ]
        return "\n\n".join(blocks)
    return _payload_text(part, walk)


def _original_headers(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
        return "\n".join(f"{k}: {v}" for k, v in inner.items()[:100])
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return decode_bytes(data[:100_000])[0]
    return str(payload)[:100_000]


def _filename(part: Message, walk: _Walk) -> str:
    try:
        name = part.get_filename()
    except Exception:
        walk.defects.append("unreadable attachment name")
        return ""
    if not name:
        return ""
    return _decoded(name, walk)


def _header_text(message: Message, name: str, walk: _Walk) -> str:
    try:
        value = message.get(name)
    except Exception:
        walk.defects.append(f"unreadable {name} header")
        return ""
    return _decoded(value, walk)


def _decoded(value: object, walk: _Walk) -> str:
    text, notes = decode_header_value(value)
    walk.defects.extend(notes)
    return text


def _from(message: Message, walk: _Walk) -> tuple[str, str | None]:
    raw = message.get("From")
    if raw is None:
        walk.defects.append("no From address")
        return "", None
    name, address = parseaddr(_decoded(raw, walk))
    address = address.strip().lower()
    if "@" not in address:
        walk.defects.append("From has no valid address")
        return name, None
    return name.strip(), address


def _addresses(message: Message, name: str, walk: _Walk) -> tuple[str, ...]:
    values = [_decoded(v, walk) for v in (message.get_all(name) or [])[:20]]
    try:
        pairs = getaddresses(values)
    except Exception:
        walk.defects.append(f"unreadable {name} header")
        return ()
    found = dict.fromkeys(a.strip().lower() for _, a in pairs if "@" in a)
    return tuple(found)[:200]


def _ids(message: Message, name: str, walk: _Walk) -> tuple[str, ...]:
    value = _decoded(message.get(name), walk)
    ids = _MESSAGE_ID.findall(value)
    if not ids and _BARE_ID.match(value.strip()):
        ids = [value.strip()]
    return tuple(dict.fromkeys(ids))[-MAX_IDS:]


def _date(message: Message, walk: _Walk) -> datetime | None:
    value = message.get("Date")
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        walk.defects.append("unreadable Date")
        return None
    if parsed.tzinfo is None:
        walk.defects.append("Date without time zone")
        return None
    return parsed

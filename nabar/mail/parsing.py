"""Understanding a received e-mail: robust, bounded, and never raising.

Any bytes at all go in; a ``ParsedMail`` comes out. What could not be understood is noted in
``defects`` and ``ok`` is False: the caller then keeps the raw message and flags it for a person.
Python's email package is used with its lenient ``compat32`` policy, and everything it leaves to
chance is done here: payload charsets (unknown labels, Windows-1252 sold as ISO-8859-1, 8-bit
text without a label), encoded-word headers, nesting limits, HTML to text, quoted history.
"""

from __future__ import annotations

import codecs
import email
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy as email_policy
from email.header import Header, decode_header
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

import nh3
from mailparser_reply import EmailReplyParser

# Bounds: a hostile or broken message cannot make parsing take unbounded time or memory.
MAX_PARTS = 500
MAX_DEPTH = 30
MAX_HEADER_CHARS = 8_000
MAX_TEXT_CHARS = 500_000

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan"},
    "th": {"colspan"},
}

MESSAGE_ID_RE = re.compile(r"<([^<>\s]{1,240})>")
VACATION_SUBJECT_RE = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|svar)|automatiskt svar|autosvar|frånvaro|"
    r"out of (the )?office|on vacation|abwesenheit|vacation reply|i am away|jag är (borta|ledig))",
    re.IGNORECASE,
)
BOUNCE_SUBJECT_RE = re.compile(
    r"(undeliver|delivery (status notification|failure|has failed)|returned mail|mail delivery "
    r"(failed|failure|system)|failure notice|non[- ]?delivery|delivery notification|"
    r"unzustellbar|kunde inte levereras|olevererbar|nicht zugestellt|message not delivered)",
    re.IGNORECASE,
)
DAEMON_RE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
NOREPLY_RE = re.compile(r"^(no-?reply|do-?not-?reply|noreply-[^@]*)@", re.IGNORECASE)
STATUS_RE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
ADDRESS_RE = re.compile(r"[A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

REPLY_PARSER = EmailReplyParser(languages=["sv", "en", "de", "da", "fi", "es", "pl"])


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[str, ...]
    status: str
    diagnostic: str
    permanent: bool
    original_message_id: str | None


@dataclass(frozen=True)
class ParsedMail:
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
    auto: str | None = None  # why this is automatic mail (a header or pattern), or None
    bounce: Bounce | None = None
    defects: tuple[str, ...] = ()
    ok: bool = True


@dataclass
class _Walk:
    text_parts: list[str] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    delivery_status: list[str] = field(default_factory=list)
    original_headers: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parts: int = 0


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text whatever its label says: unknown labels, wrong labels and none at all."""
    data = data.replace(b"\x00", b"")
    label = (charset or "").strip().strip('"').lower()
    if label in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso8859-1"}:
        label = "cp1252"  # what such mail almost always really is; a superset for printable text
    if label:
        try:
            codecs.lookup(label)
            return data.decode(label, errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    for fallback in ("utf-8", "cp1252"):
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(value: Any) -> str:
    """RFC 2047 encoded words, raw 8-bit headers and broken encodings, bounded in length."""
    if value is None:
        return ""
    try:
        if isinstance(value, Header):  # compat32 hands 8-bit headers over as Header objects
            pieces = decode_header(value)
        else:
            raw = str(value)[:MAX_HEADER_CHARS]
            if any("\udc80" <= ch <= "\udcff" for ch in raw):  # raw 8-bit bytes in the header
                raw = decode_bytes(raw.encode("utf-8", "surrogateescape"), None)
            pieces = decode_header(raw)
    except Exception:
        return " ".join(str(value)[:MAX_HEADER_CHARS].split())
    out = []
    for piece, charset in pieces[:MAX_HEADER_CHARS]:
        out.append(decode_bytes(piece, charset) if isinstance(piece, bytes) else piece)
    return " ".join("".join(out)[:MAX_HEADER_CHARS].replace("\x00", "").split())


def _header(msg: Message, name: str) -> str:
    try:
        return decode_header_value(msg.get(name))
    except Exception:
        return ""


def _ids(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(MESSAGE_ID_RE.findall(value or "")))[:50]


def _addresses(msg: Message, *names: str) -> tuple[str, ...]:
    values = []
    for name in names:
        for item in msg.get_all(name, []) or []:
            values.append(decode_header_value(item))
    found = [addr.strip().lower() for _name, addr in getaddresses(values) if "@" in addr]
    return tuple(dict.fromkeys(found))


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    markup = re.sub(r"(?i)</(p|div|tr|li|h[1-6]|blockquote)>", "\n", markup)
    markup = re.sub(r"(?i)<li\b[^>]*>", "- ", markup)
    text = nh3.clean(markup, tags=set())
    text = html_lib.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitise_html(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        name = part.get_param("name")  # type: ignore[assignment]
        if isinstance(name, tuple):
            name = collapse_rfc2231_value(name)
    name = decode_header_value(name) if name else ""
    name = re.sub(r"[\\/\x00-\x1f]", "_", name).strip(". ")[:200]
    return name


def _walk(part: Message, walk: _Walk, depth: int) -> None:
    walk.parts += 1
    if walk.parts > MAX_PARTS:
        if walk.parts == MAX_PARTS + 1:
            walk.defects.append(f"more than {MAX_PARTS} parts: the rest was not read")
        return
    if depth > MAX_DEPTH:
        if not any("nested" in d for d in walk.defects):
            walk.defects.append(
                f"parts nested deeper than {MAX_DEPTH}: the deeper ones were not read"
            )
        return
    ctype = (part.get_content_type() or "text/plain").lower()
    if ctype in {"message/delivery-status", "message/global-delivery-status"}:
        payload = part.get_payload()
        if isinstance(payload, list):  # parsed as blocks of header fields
            walk.delivery_status.append("\n\n".join(str(block) for block in payload))
        else:
            walk.delivery_status.append(_payload_text(part, walk))
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = (
            [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
        )
        if not children:
            # A boundary that never appears: the text is all in the preamble.
            walk.defects.append("a multipart message whose boundary never appears")
            leftover = "\n".join(t for t in (part.preamble, part.epilogue) if t)
            if leftover.strip():
                walk.text_parts.append(leftover)
        for child in children:
            _walk(child, walk, depth + 1)
        return
    if ctype in {"text/rfc822-headers", "message/rfc822-headers"}:
        walk.original_headers.append(_payload_text(part, walk))
        return
    if ctype == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            walk.original_headers.append(str(inner[0].get("Message-ID", "")))
        return
    if ctype.startswith("multipart/"):  # declared multipart, but no part could be found
        walk.defects.append("a multipart message whose boundary never appears")
        walk.text_parts.append(_payload_text(part, walk))
        return
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    filename = _filename(part)
    if (
        ctype in {"text/plain", "text/html"}
        and disposition != "attachment"
        and not (filename and disposition == "inline" and ctype != "text/plain")
    ):
        text = _payload_text(part, walk)
        (walk.text_parts if ctype == "text/plain" else walk.html_parts).append(text)
        return
    data = _payload_bytes(part, walk)
    if (
        ctype in {"application/ms-tnef", "application/vnd.ms-tnef"}
        or filename.lower() == "winmail.dat"
    ):
        walk.attachments.extend(_unpack_tnef(data, walk))
        return
    content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
    walk.attachments.append(
        ParsedAttachment(
            filename=filename or f"attachment-{len(walk.attachments) + 1}",
            content_type=ctype,
            data=data,
            content_id=content_id,
            inline=disposition == "inline"
            or (content_id is not None and disposition != "attachment"),
        )
    )


def _payload_bytes(part: Message, walk: _Walk) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        walk.defects.append(f"a part could not be decoded ({type(exc).__name__}); kept as sent")
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _payload_text(part: Message, walk: _Walk) -> str:
    data = _payload_bytes(part, walk)
    return decode_bytes(data, part.get_content_charset())[:MAX_TEXT_CHARS]


def _unpack_tnef(data: bytes, walk: _Walk) -> list[ParsedAttachment]:
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
        found = [
            ParsedAttachment(
                filename=decode_bytes(a.name, None)
                if isinstance(a.name, bytes)
                else str(a.long_filename() or a.name),
                content_type="application/octet-stream",
                data=a.data,
            )
            for a in tnef.attachments
        ]
        if found:
            return found
    except Exception as exc:
        walk.defects.append(f"winmail.dat could not be unpacked ({type(exc).__name__}); kept whole")
    return [ParsedAttachment(filename="winmail.dat", content_type="application/ms-tnef", data=data)]


def _automatic(msg: Message, from_address: str | None, subject: str) -> str | None:
    auto_submitted = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (msg.get("Precedence") or "").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in (
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
        "X-AutoReply-From",
        "X-Mail-Autoreply",
    ):
        if msg.get(name):
            return name
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if msg.get(name):
            return f"mailing list ({name})"
    if from_address and DAEMON_RE.match(from_address):
        return "sent by a mail system"
    if from_address and NOREPLY_RE.match(from_address):
        return "sent from a no-reply address"
    if VACATION_SUBJECT_RE.search(subject):
        return "vacation or automatic-reply subject"
    return None


def _bounce(
    msg: Message, walk: _Walk, from_address: str | None, subject: str, body: str
) -> Bounce | None:
    report = (msg.get_content_type() == "multipart/report") or bool(walk.delivery_status)
    daemon = bool(from_address and DAEMON_RE.match(from_address))
    if not (
        report
        or ((daemon or not from_address) and BOUNCE_SUBJECT_RE.search(subject))
        or (daemon and BOUNCE_SUBJECT_RE.search(body[:3000]))
    ):
        return None
    status_text = "\n".join(walk.delivery_status)
    recipients: list[str] = []
    for line in status_text.splitlines():
        if line.lower().startswith(("final-recipient:", "original-recipient:")):
            recipients += [a.lower() for a in ADDRESS_RE.findall(line)]
    if not recipients:
        header_recipient = msg.get("X-Failed-Recipients") or ""
        recipients = [a.lower() for a in ADDRESS_RE.findall(str(header_recipient))]
    if not recipients:
        recipients = [a.lower() for a in ADDRESS_RE.findall(body[:5000]) if not DAEMON_RE.match(a)][
            :3
        ]
    statuses = STATUS_RE.findall(status_text) or STATUS_RE.findall(body[:5000])
    status = statuses[0] if statuses else ""
    diagnostic = ""
    for line in status_text.splitlines():
        if line.lower().startswith("diagnostic-code:"):
            diagnostic = line.split(":", 1)[1].strip()
            break
    original_id = None
    for block in (*walk.original_headers, body):
        match = re.search(r"(?im)^\s*Message-ID:\s*<([^<>\s]+)>", block)
        if match:
            original_id = match.group(1)
            break
    permanent = not status.startswith("4") and "delay" not in subject.lower()
    return Bounce(
        recipients=tuple(dict.fromkeys(recipients)),
        status=status,
        diagnostic=diagnostic[:500],
        permanent=permanent,
        original_message_id=original_id,
    )


def fold_quotes(text: str) -> tuple[str, str]:
    """Split a reply into what the person wrote now and the quoted history below it."""
    if not text.strip():
        return "", ""
    try:
        visible = REPLY_PARSER.parse_reply(text) or ""
    except Exception:
        visible = ""
    if not visible.strip():
        visible = text
    visible = visible.strip()
    lines = [line for line in visible.splitlines() if not line.startswith(">")]
    visible = "\n".join(lines).strip() or visible
    start = text.find(visible[:40]) if visible else -1
    rest = text[start + len(visible) :] if start >= 0 else ""
    quoted = rest.strip() if len(rest.strip()) > 0 and visible != text.strip() else ""
    return visible, quoted


def parse_message(raw: bytes) -> ParsedMail:
    """Parse any bytes into a ParsedMail; never raises."""
    try:
        return _parse(raw)
    except Exception as exc:  # the caller keeps the raw bytes and flags the message
        return ParsedMail(
            defects=(f"could not be parsed: {type(exc).__name__}: {exc}"[:300],), ok=False
        )


def _parse(raw: bytes) -> ParsedMail:
    raw = raw.replace(b"\x00", b"")
    msg = email.message_from_bytes(raw, policy=email_policy.compat32)
    walk = _Walk()
    defects = [type(d).__name__ for d in (msg.defects or [])][:10]
    _walk(msg, walk, 0)
    from_name, parsed_address = parseaddr(_header(msg, "From"))
    from_address: str | None = parsed_address.strip().lower() or None
    if from_address and "@" not in from_address:
        from_address = None
    subject = _header(msg, "Subject")[:300]
    html = "\n".join(walk.html_parts) if walk.html_parts else None
    text = "\n\n".join(t.strip() for t in walk.text_parts if t.strip())
    if not text and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT_CHARS]
    date: datetime | None = None
    try:
        date_header = msg.get("Date")
        date = parsedate_to_datetime(str(date_header)) if date_header else None
        if date is not None and date.tzinfo is None:
            date = None
    except Exception:
        date = None
    visible, quoted = fold_quotes(text)
    message_ids = _ids(str(msg.get("Message-ID", "")))
    ok = bool(text or walk.attachments or subject or walk.delivery_status)
    if not ok:
        defects.append("no readable text, subject or attachment")
    return ParsedMail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=_ids(str(msg.get("In-Reply-To", ""))),
        references=_ids(" ".join(str(r) for r in msg.get_all("References", []) or [])),
        from_name=decode_header_value(from_name),
        from_address=from_address,
        reply_to=_addresses(msg, "Reply-To"),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        recipients=_addresses(msg, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"),
        subject=subject,
        date=date,
        text=text,
        html=sanitise_html(html) if html else None,
        visible_text=visible,
        quoted_text=quoted,
        attachments=tuple(walk.attachments),
        auto=_automatic(msg, from_address, subject),
        bounce=_bounce(msg, walk, from_address, subject, text),
        defects=tuple([*defects, *walk.defects]),
        ok=ok,
    )

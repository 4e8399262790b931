"""Recognising automatic mail (RFC 3834 and common practice) so it is never answered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

AUTO_KINDS = frozenset({"auto_reply", "bulk", "list", "bounce", "auto_generated"})

VACATION_SUBJECT = re.compile(
    r"^\s*(\[?auto(matic)?[ -]?(reply|response|svar|antwort)|automatiskt svar|autosvar|"
    r"frånvaro|fr=c3=a5nvaro|out of (the )?office|on vacation|abwesenheit|vacation reply|"
    r"i am away|jag är (borta|ledig)|réponse automatique|risposta automatica|"
    r"respuesta automática|automatisch antwoord|autoreply)",
    re.IGNORECASE,
)
DAEMON_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|mail\.delivery\.system)@", re.I
)
NOREPLY_SENDER = re.compile(r"^(no-?reply|do-?not-?reply|noreply-[^@]*|no_reply)@", re.I)


@dataclass(frozen=True)
class AutoMail:
    """Why a message is automatic: its kind and the header or pattern that told."""

    kind: str
    reason: str


def detect_auto(message: Message, *, from_address: str | None, subject: str) -> AutoMail | None:
    """The first sign that the message was sent by a machine, or None for a person's mail."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        kind = "auto_reply" if auto_submitted.startswith("auto-replied") else "auto_generated"
        return AutoMail(kind=kind, reason=f"Auto-Submitted: {auto_submitted[:60]}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(message, name):
            return AutoMail(kind="auto_reply", reason=name)
    precedence = _header(message, "Precedence").lower()
    if precedence in {"bulk", "junk"}:
        return AutoMail(kind="bulk", reason=f"Precedence: {precedence}")
    if precedence == "list":
        return AutoMail(kind="list", reason="Precedence: list")
    if precedence == "auto_reply":
        return AutoMail(kind="auto_reply", reason="Precedence: auto_reply")
    if _header(message, "X-Auto-Response-Suppress") and VACATION_SUBJECT.match(subject):
        return AutoMail(kind="auto_reply", reason="X-Auto-Response-Suppress")
    if VACATION_SUBJECT.match(subject):
        return AutoMail(kind="auto_reply", reason="vacation subject")
    if _header(message, "X-Auto-Response-Suppress"):
        return AutoMail(kind="auto_generated", reason="X-Auto-Response-Suppress")
    for name in ("List-Id", "List-Unsubscribe"):
        if _header(message, name):
            return AutoMail(kind="list", reason=name)
    address = from_address or ""
    if DAEMON_SENDER.match(address):
        return AutoMail(kind="bounce", reason="sender " + address.split("@")[0])
    if NOREPLY_SENDER.match(address):
        return AutoMail(kind="auto_generated", reason="sender " + address.split("@")[0])
    return None


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:
        return ""
    return " ".join(str(value).split()) if value is not None else ""

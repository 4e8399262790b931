"""Secrets kept out of what Nåbar stores about a failure and out of its log.

An error's text is stored for admins to read (a mail that could not be processed, a mail that
could not be sent, a mailbox that could not be read) and written to the log. It comes from
outside: a mail server's answer, a library's message. So before it is stored or logged, any
secret Nåbar knows is replaced by ``***``: the Django secret key, the SMTP and database
passwords, the value of every environment variable whose name marks it as secret (as
``NABAR_IMAP_PASSWORD``, which a mailbox's ``password_env`` names), and the password part of
any URL written ``scheme://user:password@host``.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib

from django.conf import settings

MASK = "***"
# The names Django's error reports treat as secret (SafeExceptionReporterFilter).
SECRET_NAME = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE", re.IGNORECASE)
URL_PASSWORD = re.compile(r"(?P<start>[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE)
# Shorter values ("1", "yes") would mask ordinary words of a message, not hide anything.
SHORTEST_SECRET = 6


def secret_values() -> list[str]:
    """The secrets this process knows, longest first (so a secret within another goes too)."""
    found = {
        str(getattr(settings, "SECRET_KEY", "") or ""),
        str(getattr(settings, "EMAIL_HOST_PASSWORD", "") or ""),
    }
    for database in getattr(settings, "DATABASES", {}).values():
        found.add(str(database.get("PASSWORD") or ""))
    found.update(value for name, value in os.environ.items() if SECRET_NAME.search(name))
    return sorted((v for v in found if len(v) >= SHORTEST_SECRET), key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every known secret and every password in a URL replaced by ``***``."""
    text = URL_PASSWORD.sub(lambda match: f"{match['start']}{MASK}@", text)
    for secret in secret_values():
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _decoded(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer


def _message(exc: BaseException) -> str:
    """The exception's message; a mail server's answer as the server wrote it, not as bytes."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decoded(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_decoded(answer)}"
            for address, (code, answer) in exc.recipients.items()
        )
    return str(exc)


def error_text(exc: BaseException, *, limit: int = 2000) -> str:
    """An exception as stored for an admin to read: its type and message, secrets masked."""
    return redact(f"{type(exc).__name__}: {_message(exc)}")[:limit]


class RedactingFormatter(logging.Formatter):
    """The log's formatter: a record, its traceback included, with secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

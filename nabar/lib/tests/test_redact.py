"""What is stored and logged about a failure never shows a secret Nåbar knows."""

from __future__ import annotations

import logging
import smtplib
import sys

from nabar.lib.redact import RedactingFormatter, error_text, redact


def test_a_password_from_the_environment_is_masked(monkeypatch) -> None:
    monkeypatch.setenv("NABAR_IMAP_PASSWORD", "hemligt-lösen-42")

    text = error_text(RuntimeError("LOGIN support hemligt-lösen-42 refused"))

    assert text == "RuntimeError: LOGIN support *** refused"


def test_the_smtp_password_and_the_secret_key_are_masked(settings) -> None:
    settings.EMAIL_HOST_PASSWORD = "smtp-lösenord-1"
    settings.SECRET_KEY = "django-nyckel-" + "x" * 40

    text = redact(f"auth smtp-lösenord-1 with {settings.SECRET_KEY} failed")

    assert text == "auth *** with *** failed"


def test_the_password_in_a_url_is_masked_and_the_rest_kept() -> None:
    text = redact("could not connect to postgres://nabar:pa55word@db.internal:5432/nabar")

    assert text == "could not connect to postgres://nabar:***@db.internal:5432/nabar"


def test_ordinary_text_and_short_values_are_left_alone(monkeypatch) -> None:
    # A variable named like a secret but holding a word of the message masks nothing.
    monkeypatch.setenv("NABAR_USE_PASSWORD_LOGIN", "yes")
    text = "550 5.1.1 <kund@example.se>: yes, mailbox unavailable; see https://example.se/help"

    assert redact(text) == text


def test_the_log_masks_secrets_in_messages_and_tracebacks(monkeypatch) -> None:
    monkeypatch.setenv("NABAR_IMAP_PASSWORD", "hemligt-lösen-42")
    (formatter,) = {
        handler.formatter
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, RedactingFormatter)
    }
    try:
        raise RuntimeError("login with hemligt-lösen-42 failed")
    except RuntimeError:
        record = logging.LogRecord(
            "nabar.mail",
            logging.ERROR,
            __file__,
            1,
            "mailbox %s: %s",
            ("support", "hemligt-lösen-42"),
            sys.exc_info(),
        )

    line = formatter.format(record)

    assert "hemligt-lösen-42" not in line
    assert "mailbox support: ***" in line
    assert "RuntimeError: login with *** failed" in line


def test_a_mail_servers_answer_reads_as_the_server_wrote_it() -> None:
    refused = smtplib.SMTPRecipientsRefused(
        {"kund@example.se": (550, "5.1.1 Användaren finns inte".encode())}
    )

    assert error_text(smtplib.SMTPDataError(451, b"4.3.0 Try again later")) == (
        "SMTPDataError: 451 4.3.0 Try again later"
    )
    assert error_text(refused) == (
        "SMTPRecipientsRefused: kund@example.se: 550 5.1.1 Användaren finns inte"
    )

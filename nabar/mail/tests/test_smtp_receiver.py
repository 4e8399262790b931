"""The built-in SMTP receiver, fed by Python's smtplib and by swaks."""

from __future__ import annotations

import shutil
import smtplib
import subprocess

import pytest

from nabar.mail.models import InboundEmail
from nabar.mail.smtp_receiver import make_controller
from nabar.mail.tests.smtp_sink import free_port
from nabar.tickets.models import Ticket

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]

MESSAGE = (
    "From: Karin Lund <karin@example.se>\r\nTo: kontakt@exempel.example\r\n"
    "Subject: Hej via SMTP\r\nMessage-ID: <smtp-1@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Min faktura är fel.\r\n"
).encode()


@pytest.fixture
def receiver(organisation, alice):
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port, max_bytes=1024 * 1024)
    controller.start()
    yield port
    controller.stop()


def test_a_message_is_accepted_only_after_it_is_stored_and_becomes_a_case(receiver):
    with smtplib.SMTP("127.0.0.1", receiver) as smtp:
        refused = smtp.sendmail("karin@example.se", ["kontakt@exempel.example"], MESSAGE)

    assert refused == {}
    stored = InboundEmail.objects.get()
    assert bytes(stored.raw).endswith(MESSAGE)
    assert stored.source == InboundEmail.Source.SMTP
    assert Ticket.objects.get().subject == "Hej via SMTP"


def test_an_unknown_recipient_is_refused_permanently(receiver):
    with (
        smtplib.SMTP("127.0.0.1", receiver) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        smtp.sendmail("karin@example.se", ["nobody@elsewhere.example"], MESSAGE)

    assert refused.value.recipients["nobody@elsewhere.example"][0] == 550
    assert InboundEmail.objects.count() == 0


def test_a_message_over_the_size_limit_is_refused_for_good(receiver):
    big = MESSAGE + b"x" * (2 * 1024 * 1024)

    with (
        smtplib.SMTP("127.0.0.1", receiver) as smtp,
        pytest.raises(smtplib.SMTPException) as refused,
    ):
        smtp.sendmail("karin@example.se", ["kontakt@exempel.example"], big)

    assert "552" in str(refused.value) or getattr(refused.value, "smtp_code", 0) == 552
    assert InboundEmail.objects.count() == 0


@pytest.mark.skipif(
    shutil.which("swaks") is None, reason="swaks is not installed (./nabarctl test installs it)"
)
def test_swaks_delivers_to_the_plus_address(receiver):
    result = subprocess.run(
        [
            "swaks",
            "--server",
            f"127.0.0.1:{receiver}",
            "--from",
            "emma@example.com",
            "--to",
            "kontakt+anything@exempel.example",
            "--header",
            "Subject: Hello from swaks",
            "--body",
            "Hello, my parcel has not arrived.",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert Ticket.objects.get().subject == "Hello from swaks"

"""A 30 MB attachment through the real SMTP receiver and through import: kept whole, or refused."""

from __future__ import annotations

import hashlib
import smtplib
from email import policy
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from nabar.mail.models import InboundEmail
from nabar.mail.smtp_receiver import make_controller
from nabar.mail.tests.smtp_sink import free_port
from nabar.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
DATA = hashlib.sha256(b"nabar").digest() * (30 * MB // 32)  # 30 MB that do not compress


def big_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Karin Lund <karin@example.se>"
    message["To"] = "kontakt@exempel.example"
    message["Subject"] = "Ritningar till bygglovet"
    message["Message-ID"] = "<big-1@example.se>"
    message.set_content("Hej, här kommer ritningarna.")
    message.add_attachment(
        DATA, maintype="application", subtype="pdf", filename="ritningar våning 2.pdf"
    )
    return message.as_bytes(policy=policy.SMTP)


def assert_kept_whole() -> None:
    ticket = Ticket.objects.get()
    assert ticket.subject == "Ritningar till bygglovet"
    (attachment,) = Attachment.objects.filter(message__ticket=ticket)
    assert attachment.filename == "ritningar våning 2.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(DATA) == 30 * MB - 30 * MB % 32
    with attachment.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(DATA).digest()


@pytest.fixture
def receiver(organisation, alice, settings):
    def start(limit: int) -> int:
        settings.NABAR_MAIL_MAX_BYTES = limit
        port = free_port()
        controller = make_controller(
            host="127.0.0.1", port=port, max_bytes=settings.NABAR_MAIL_MAX_BYTES
        )
        controller.start()
        started.append(controller)
        return port

    started: list = []
    yield start
    for controller in started:
        controller.stop()


@pytest.mark.mailserver
def test_a_30_mb_attachment_sent_over_smtp_is_kept_with_its_name_and_type(receiver):
    port = receiver(50 * MB)

    with smtplib.SMTP("127.0.0.1", port, timeout=300) as smtp:
        refused = smtp.sendmail("karin@example.se", ["kontakt@exempel.example"], big_mail())

    assert refused == {}
    assert_kept_whole()


@pytest.mark.mailserver
def test_a_message_over_the_configured_limit_is_refused_with_552_and_not_stored(receiver):
    port = receiver(20 * MB)

    with (
        smtplib.SMTP("127.0.0.1", port, timeout=300) as smtp,
        pytest.raises(smtplib.SMTPException) as refused,
    ):
        smtp.sendmail("karin@example.se", ["kontakt@exempel.example"], big_mail())

    code = getattr(refused.value, "smtp_code", None)
    assert code == 552 or "552" in str(refused.value)
    assert InboundEmail.objects.count() == 0


def test_a_30_mb_attachment_imported_from_an_eml_file_is_kept(organisation, alice, tmp_path):
    path = tmp_path / "big.eml"
    path.write_bytes(big_mail())

    call_command("import_mail", str(path), organisation="exempel")

    assert_kept_whole()


def test_an_imported_message_over_the_limit_is_flagged_and_not_imported(
    organisation, alice, tmp_path, settings, capsys
):
    settings.NABAR_MAIL_MAX_BYTES = 20 * MB
    small = tmp_path / "a-small.eml"
    small.write_bytes(
        b"From: a@example.se\r\nTo: kontakt@exempel.example\r\nSubject: liten\r\n\r\nhej\r\n"
    )
    big = tmp_path / "b-big.eml"
    big.write_bytes(big_mail())

    call_command("import_mail", str(tmp_path), organisation="exempel")

    out = capsys.readouterr()
    size = big.stat().st_size / MB
    assert f"{big}: {size:.1f} MB is over the 20.0 MB limit" in out.err
    assert "1 over the size limit were not imported" in out.out
    assert Ticket.objects.get().subject == "liten"

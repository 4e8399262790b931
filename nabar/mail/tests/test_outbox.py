"""Outbound mail through a real SMTP exchange: sent once, retried on failure, never lost."""

from __future__ import annotations

import pytest

from nabar.mail import outbox
from nabar.mail.models import OutboundEmail
from nabar.mail.tests.smtp_sink import SmtpSink, free_port
from nabar.tickets import actions
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_receipt_and_a_reply_reach_a_real_smtp_server(smtp, organisation, alice):
    ticket = open_case(organisation, email="carol@example.se")
    actions.reply_to_customer(ticket, agent=alice, body="Hej Carol, det är fixat.")

    receipt, reply = smtp.messages
    assert receipt["To"] == "carol@example.se"
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert "NB-1001" in receipt["Subject"]
    assert reply["Auto-Submitted"] is None
    assert reply["In-Reply-To"] == receipt["Message-ID"]
    assert "Hej Carol, det är fixat." in reply.get_body(("plain",)).get_content()
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {
        OutboundEmail.Status.SENT
    }


def test_a_mail_server_that_is_down_defers_and_a_retry_delivers(settings, organisation, alice):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens here
    settings.EMAIL_TIMEOUT = 2

    open_case(organisation, email="carol@example.se")

    queued = OutboundEmail.objects.get()
    assert queued.status == OutboundEmail.Status.DEFERRED
    assert queued.attempts == 1
    assert queued.next_attempt_at is not None
    assert "ConnectionRefused" in queued.last_error

    with SmtpSink() as sink:
        settings.EMAIL_PORT = sink.port
        OutboundEmail.objects.filter(pk=queued.pk).update(next_attempt_at=None)
        assert outbox.deliver(queued.pk) == OutboundEmail.Status.SENT
    assert len(sink.messages) == 1


def test_a_temporary_refusal_is_retried_and_a_permanent_one_fails(smtp, organisation, alice):
    smtp.handler.answer = "451 Try again later"
    open_case(organisation, email="carol@example.se")
    first = OutboundEmail.objects.get()
    assert first.status == OutboundEmail.Status.DEFERRED

    smtp.handler.answer = "550 No such user here"
    OutboundEmail.objects.filter(pk=first.pk).update(next_attempt_at=None)
    assert outbox.deliver(first.pk) == OutboundEmail.Status.FAILED
    first.refresh_from_db()
    assert "550" in first.last_error


def test_a_mail_is_never_sent_twice(smtp, organisation, alice):
    open_case(organisation, email="carol@example.se")
    sent = OutboundEmail.objects.get()

    assert outbox.deliver(sent.pk) is None  # already sent: a second worker does nothing
    assert len(smtp.messages) == 1


def test_a_header_injection_attempt_never_reaches_the_headers(smtp, organisation, alice):
    ticket = open_case(
        organisation, email="carol@example.se", body="Faktura\r\nBcc: victim@example.se"
    )
    actions.reply_to_customer(ticket, agent=alice, body="Svar")

    for message in smtp.messages:
        assert message["Bcc"] is None
        assert "victim" not in str(message["Subject"])

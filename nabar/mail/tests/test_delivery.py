"""The agent sees what became of every e-mail to the customer, in plain words, on the case page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from nabar.mail.delivery import plain_reason
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.tickets import actions
from nabar.tickets.tests.factories import open_case


@pytest.mark.parametrize(
    ("technical", "words"),
    [
        ("5.1.1 <gone@example.se>: Recipient address rejected", "address does not exist"),
        ("SMTPRecipientsRefused: {'a@b.se': (550, b'No such user here')}", "does not exist"),
        ("5.2.2 mailbox full", "mailbox is full"),
        ("4.2.2 over quota", "mailbox is full"),
        ("5.7.1 Message rejected as spam", "unwanted mail"),
        ("5.1.2 Host unknown", "mail domain does not exist"),
        ("SMTPDataError: (451, b'Try again later')", "busy or unreachable for now"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "could not be reached"),
    ],
)
def test_smtp_answers_become_plain_words(technical: str, words: str) -> None:
    with translation.override("en"):
        assert words in plain_reason(technical)


def case_page(client, ticket) -> str:  # type: ignore[no-untyped-def]
    url = reverse("tickets:detail", kwargs={"number": ticket.number})
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_a_mail_waiting_for_the_worker_shows_as_queued(alice_client, organisation, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ticket = open_case(organisation, email="carol@example.se")

    html = case_page(alice_client, ticket)

    assert "Queued, not yet sent" in html
    assert "to carol@example.se" in html


@pytest.mark.django_db(transaction=True)
def test_a_delivered_and_a_deferred_mail_are_told_apart_with_the_next_attempt(
    alice_client, organisation, alice, smtp
):
    ticket = open_case(organisation, email="carol@example.se")
    smtp.handler.answer = "451 4.3.0 Try again later"
    actions.reply_to_customer(ticket, agent=alice, body="Hej Carol.")

    html = case_page(alice_client, ticket)

    receipt, reply = OutboundEmail.objects.order_by("created_at")
    assert (receipt.status, reply.status) == ("sent", "deferred")
    assert f'id="delivery-{receipt.pk}"' in html
    section = html.split(f'id="delivery-{reply.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Deferred, will retry" in section
    assert "Next attempt at" in section
    assert "busy or unreachable for now" in section
    receipt_section = html.split(f'id="delivery-{receipt.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Delivered to the mail server" in receipt_section


@pytest.mark.django_db(transaction=True)
def test_a_bounce_shows_the_reason_in_plain_words(alice_client, organisation, alice):
    ticket = open_case(organisation, email="gone@example.se")
    receipt = OutboundEmail.objects.get()
    bounce = (
        "From: MAILER-DAEMON@mx.example.se\r\nTo: kontakt@exempel.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.se\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.se\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{receipt.rfc_message_id}>\r\n--R--\r\n"
    ).encode()

    store_raw(bounce, source=InboundEmail.Source.SMTP, envelope_to=["kontakt@exempel.example"])

    html = case_page(alice_client, ticket)
    section = html.split(f'id="delivery-{receipt.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Bounced" in section
    assert "Why: the customer&#x27;s address does not exist." in section
    assert "User unknown" in section  # the technical answer, one click away

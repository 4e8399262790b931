"""Done when: a mailbox configured in the environment, a customer's mail fetched over IMAP, the
receipt over real SMTP, an agent's reply, and the customer's answer to it back in the same case."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from imapclient import IMAPClient

from nabar.mail import tokens
from nabar.mail.models import InboundEmail, Mailbox
from nabar.mail.tests import dovecot
from nabar.tickets.models import Message, Ticket

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


def append(server: dovecot.Dovecot, message: EmailMessage) -> None:
    """Put the message into the mailbox as a mail client would: IMAP APPEND."""
    with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
        client.login(dovecot.USER, dovecot.PASSWORD)
        client.append("INBOX", message.as_bytes(policy=policy.SMTP))


def test_a_customer_mails_gets_a_receipt_an_answer_and_replies_into_the_same_case(
    imap_server, smtp, organisation, alice, alice_client, monkeypatch
):
    monkeypatch.setenv("NABAR_E2E_IMAP_PASSWORD", dovecot.PASSWORD)
    monkeypatch.setenv(
        "NABAR_MAILBOXES",
        f"imap://{dovecot.USER}@127.0.0.1:{imap_server.port}/INBOX"
        "?organisation=exempel&password_env=NABAR_E2E_IMAP_PASSWORD"
        f"&address={organisation.email_address}",
    )
    first = EmailMessage()
    first["From"] = "Emma Berg <emma@example.com>"
    first["To"] = organisation.email_address
    first["Subject"] = "My parcel has not arrived"
    first["Message-ID"] = "<emma-1@example.com>"
    first.set_content("Hello, I ordered a lamp two weeks ago and it has not arrived. Can you help?")
    append(imap_server, first)

    call_command("fetchmail")

    mailbox = Mailbox.objects.get()
    assert (mailbox.imap_port, mailbox.password_env) == (
        imap_server.port,
        "NABAR_E2E_IMAP_PASSWORD",
    )
    ticket = Ticket.objects.get()
    (receipt,) = smtp.messages
    assert receipt["To"] == "emma@example.com"
    assert f"[{ticket.reference}]" in receipt["Subject"]
    text = receipt.get_body(("plain",)).get_content()
    assert ticket.reference in text
    assert "Alice owns your case and will answer you." in text
    assert "most likely answer by" in text
    assert "at the latest by" in text
    assert settings.SITE_URL + ticket.get_public_url() in text
    assert tokens.ticket_id_from([receipt["Reply-To"]]) == ticket.pk

    response = alice_client.post(
        reverse("tickets:reply", kwargs={"number": ticket.number}),
        {"body": "Hello Emma, the parcel is on its way again and arrives on Thursday."},
    )
    assert response.status_code == 302

    reply = smtp.messages[-1]
    assert "arrives on Thursday" in reply.get_body(("plain",)).get_content()
    assert reply["Auto-Submitted"] is None
    answer = EmailMessage()
    answer["From"] = "Emma Berg <emma@example.com>"
    answer["To"] = reply["Reply-To"]
    answer["Subject"] = f"Re: {reply['Subject']}"
    answer["Message-ID"] = "<emma-2@example.com>"
    answer["In-Reply-To"] = reply["Message-ID"]
    answer["References"] = f"{reply['References'] or ''} {reply['Message-ID']}".strip()
    quoted = "\n".join(
        "> " + line for line in reply.get_body(("plain",)).get_content().splitlines()
    )
    answer.set_content(f"Thank you, that is great!\n\nOn Thursday Alice wrote:\n{quoted}\n")
    append(imap_server, answer)

    call_command("fetchmail")

    assert Ticket.objects.count() == 1
    latest = InboundEmail.objects.get(header_message_id="emma-2@example.com")
    assert latest.status == InboundEmail.Status.FOLLOW_UP
    assert latest.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.owner == alice
    said = ticket.messages.filter(direction=Message.Direction.INBOUND).last()
    assert said.body == "Thank you, that is great!"
    assert "arrives on Thursday" in said.quoted_text
    assert len(smtp.messages) == 2  # no second receipt for a reply

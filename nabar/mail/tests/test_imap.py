"""Fetching from a real IMAP server (a throwaway Dovecot), flagging only what is stored."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from nabar.mail import imap
from nabar.mail.models import InboundEmail, Mailbox
from nabar.mail.tests import dovecot
from nabar.tickets.models import Ticket

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mailbox(imap_server, organisation, alice, monkeypatch):
    monkeypatch.setenv("NABAR_TEST_IMAP_PASSWORD", dovecot.PASSWORD)
    return Mailbox.objects.create(
        organisation=organisation,
        name="support",
        address="kontakt@exempel.example",
        imap_host="127.0.0.1",
        imap_port=imap_server.port,
        imap_tls=False,
        imap_username=dovecot.USER,
        password_env="NABAR_TEST_IMAP_PASSWORD",
    )


def message(n: int) -> bytes:
    return (
        f"From: Kund {n} <kund{n}@example.se>\r\nTo: kontakt@exempel.example\r\nSubject: Ärende {n}\r\n"
        f"Message-ID: <imap-{n}@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej, fråga nummer {n}.\r\n"
    ).encode()


def test_new_mail_is_fetched_once_and_flagged_after_it_is_stored(imap_server, mailbox):
    for n in range(3):
        imap_server.deliver(message(n))

    client = imap.connect(mailbox)
    first = imap.fetch_new(mailbox, client)
    second = imap.fetch_new(mailbox, client)
    flags = client.get_flags(client.search(["ALL"]))
    client.logout()

    assert (first.new, second.new) == (3, 0)
    assert Ticket.objects.count() == 3
    assert {t.subject for t in Ticket.objects.all()} == {"Ärende 0", "Ärende 1", "Ärende 2"}
    assert all(imap.STORED_FLAG in f for f in flags.values())


def test_a_message_stored_but_not_flagged_before_a_crash_is_not_stored_twice(imap_server, mailbox):
    imap_server.deliver(message(7))
    client = imap.connect(mailbox)
    imap.fetch_new(mailbox, client)
    client.remove_flags(client.search(["ALL"]), [imap.STORED_FLAG])  # as if the flag never came

    again = imap.fetch_new(mailbox, client)
    client.logout()

    assert (again.new, again.duplicates) == (0, 1)
    assert InboundEmail.objects.count() == 1


def test_the_fetchmail_command_reports_a_wrong_password_on_the_mailbox(
    imap_server, mailbox, monkeypatch, capsys
):
    monkeypatch.setenv("NABAR_TEST_IMAP_PASSWORD", "wrong")

    call_command("fetchmail")

    mailbox.refresh_from_db()
    assert "LoginError" in mailbox.last_error or "fail" in mailbox.last_error.lower()

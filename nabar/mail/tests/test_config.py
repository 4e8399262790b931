"""Mailboxes from the environment: read at start, never holding a password, clear about mistakes."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nabar.mail.config import MailboxConfigError, load_from_environment, parse_entries
from nabar.mail.models import Mailbox

ENV = {"NABAR_IMAP_PASSWORD": "s3cret-Ä"}


def test_an_imaps_entry_gives_server_port_user_folder_and_the_variable_name_only() -> None:
    (entry,) = parse_entries(
        "imaps://support@exempel.example@imap.example.com/Kundtj%C3%A4nst"
        "?organisation=exempel&password_env=NABAR_IMAP_PASSWORD",
        environ=ENV,
    )

    assert (entry.host, entry.port, entry.tls) == ("imap.example.com", 993, True)
    assert entry.username == "support@exempel.example"
    assert entry.folder == "Kundtjänst"
    assert entry.password_env == "NABAR_IMAP_PASSWORD"
    assert entry.name == "support"
    assert "s3cret" not in repr(entry)


def test_several_entries_on_lines_of_their_own_including_an_smtp_address() -> None:
    entries = parse_entries(
        """
        imap://inbox@127.0.0.1:1143?organisation=exempel&password_env=NABAR_IMAP_PASSWORD&name=first
        smtp://kontakt@exempel.example?organisation=exempel
        """,
        environ=ENV,
    )

    assert [(e.kind, e.name, e.port, e.tls) for e in entries] == [
        ("imap", "first", 1143, False),
        ("smtp", "kontakt", 0, True),
    ]
    assert entries[1].address == "kontakt@exempel.example"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("pop3://a@b?organisation=x", "must start with imaps://"),
        ("imaps://a@b/INBOX?password_env=NABAR_IMAP_PASSWORD", "organisation="),
        ("imaps://a@b/INBOX?organisation=x", "needs password_env="),
        ("imaps://a@b/INBOX?organisation=x&password_env=MISSING_VAR", "MISSING_VAR"),
        ("imaps://a@b/INBOX?organisation=x&password_env=NABAR_IMAP_PASSWORD&tls=1", "'tls'"),
        ("imaps://a@b:99999/?organisation=x&password_env=NABAR_IMAP_PASSWORD", "not a valid"),
        ("imaps:///INBOX?organisation=x&password_env=NABAR_IMAP_PASSWORD", "no IMAP server"),
        ("smtp://not-an-address?organisation=x", "give the address"),
    ],
)
def test_a_bad_entry_is_named_with_the_reason(text: str, reason: str) -> None:
    good = "smtp://kontakt@exempel.example?organisation=x"

    with pytest.raises(MailboxConfigError) as error:
        parse_entries(f"{good}\n{text}", environ=ENV)

    message = str(error.value)
    assert message.startswith("NABAR_MAILBOXES entry 2 (")
    assert reason in message


def test_a_password_written_in_the_entry_is_refused_without_repeating_it() -> None:
    with pytest.raises(MailboxConfigError) as error:
        parse_entries(
            "imaps://support:hunter2@imap.example.com/INBOX?organisation=x&password_env=V",
            environ={"V": "x"},
        )

    assert "hunter2" not in str(error.value)
    assert "support:***@imap.example.com" in str(error.value)
    assert "password_env" in str(error.value)


def test_two_entries_with_the_same_name_are_refused() -> None:
    with pytest.raises(MailboxConfigError, match=r"entry 2 .*already used by entry 1"):
        parse_entries(
            "imaps://support@a/?organisation=x&password_env=NABAR_IMAP_PASSWORD "
            "imaps://support@b/?organisation=x&password_env=NABAR_IMAP_PASSWORD",
            environ=ENV,
        )


@pytest.mark.django_db
def test_loading_creates_and_then_updates_the_mailboxes_without_a_password(organisation) -> None:
    text = "imaps://support@imap.example.com/INBOX?organisation=exempel&password_env=NABAR_IMAP_PASSWORD"
    load_from_environment({"NABAR_MAILBOXES": text, **ENV})
    (mailbox,) = load_from_environment(
        {"NABAR_MAILBOXES": text.replace("imap.example.com", "mail.example.com"), **ENV}
    )

    assert Mailbox.objects.count() == 1
    assert mailbox.imap_host == "mail.example.com"
    assert mailbox.address == organisation.email_address
    stored = " ".join(str(v) for v in Mailbox.objects.values().get().values())
    assert "s3cret" not in stored
    assert mailbox.password_env == "NABAR_IMAP_PASSWORD"


@pytest.mark.django_db
def test_an_unknown_organisation_stops_fetchmail_with_the_entry_named(
    organisation, monkeypatch
) -> None:
    monkeypatch.setenv("NABAR_IMAP_PASSWORD", "s3cret")
    monkeypatch.setenv(
        "NABAR_MAILBOXES",
        "smtp://kontakt@exempel.example?organisation=exempel "
        "imaps://support@imap.example.com/?organisation=nowhere&password_env=NABAR_IMAP_PASSWORD",
    )

    with pytest.raises(CommandError) as error:
        call_command("fetchmail")

    assert "NABAR_MAILBOXES entry 2" in str(error.value)
    assert "'nowhere'" in str(error.value)
    assert Mailbox.objects.count() == 0


@pytest.mark.django_db
def test_a_failed_login_is_reported_without_the_password(
    organisation, monkeypatch, capsys, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("NABAR_IMAP_PASSWORD", "s3cret-never-shown")
    # Nothing listens on port 9 of this machine: the connection fails at once.
    monkeypatch.setenv(
        "NABAR_MAILBOXES",
        "imap://support@127.0.0.1:9/INBOX?organisation=exempel&password_env=NABAR_IMAP_PASSWORD",
    )

    call_command("fetchmail")

    out = capsys.readouterr()
    mailbox = Mailbox.objects.get()
    assert mailbox.last_error
    for text in (out.out, out.err, caplog.text, mailbox.last_error):
        assert "s3cret-never-shown" not in text


@pytest.mark.django_db
def test_the_smtp_receiver_refuses_to_start_on_a_bad_entry(organisation, monkeypatch) -> None:
    monkeypatch.setenv("NABAR_MAILBOXES", "smtp://kontakt@exempel.example?organisation=exempel&x=1")

    with pytest.raises(CommandError, match=r"NABAR_MAILBOXES entry 1 .*unknown field 'x'"):
        call_command("receive_mail", port=0)

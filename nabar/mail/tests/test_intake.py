"""Inbound mail end to end: stored first, then a case, a follow-up, an automatic mail or a bounce."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from nabar.mail import tokens
from nabar.mail.intake import process_inbound, store_raw
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.tickets import actions
from nabar.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


def eml(
    *,
    sender="karin@example.se",
    to="kontakt@exempel.example",
    subject="Fråga om fakturan",
    body="Hej, min faktura är fel.",
    headers="",
    message_id=None,
) -> bytes:
    lines = [f"From: Karin Lund <{sender}>", f"To: {to}", f"Subject: {subject}"]
    if message_id:
        lines.append(f"Message-ID: <{message_id}>")
    if headers:
        lines.extend(headers.strip().splitlines())
    lines.append("Content-Type: text/plain; charset=utf-8")
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def receive(raw: bytes, organisation) -> InboundEmail:
    stored, _created = store_raw(raw, source=InboundEmail.Source.IMPORT, organisation=organisation)
    stored.refresh_from_db()
    return stored


def test_a_new_mail_opens_a_case_and_the_sender_gets_a_receipt_naming_the_owner(
    organisation, alice
):
    inbound = receive(eml(message_id="m1@example.se"), organisation)

    assert inbound.status == InboundEmail.Status.NEW_CASE
    ticket = inbound.ticket
    assert ticket.channel == "email"
    assert ticket.subject == "Fråga om fakturan"
    assert ticket.owner == alice
    (receipt,) = django_mail.outbox
    assert receipt.to == ["karin@example.se"]
    assert ticket.reference in receipt.subject
    assert "Alice" in receipt.body
    assert receipt.extra_headers["Auto-Submitted"] == "auto-replied"
    assert tokens.ticket_id_from([receipt.extra_headers["Reply-To"]]) == ticket.pk


def test_a_reply_to_our_mail_lands_in_the_same_case_with_the_same_owner(organisation, alice, bob):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket
    actions.reply_to_customer(ticket, agent=ticket.owner, body="Hej Karin, nu är det rättat.")
    our_reply = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).get()
    body = "Tack!\n\nDen mån 23 nov. 2026 kl 10:12 skrev Alice <kontakt@exempel.example>:\n> Hej Karin, nu är det rättat.\n"

    inbound = receive(
        eml(
            subject="Sv: något helt annat",
            body=body,
            headers=f"In-Reply-To: <{our_reply.rfc_message_id}>",
        ),
        organisation,
    )

    assert inbound.status == InboundEmail.Status.FOLLOW_UP
    assert inbound.ticket_id == ticket.pk
    latest = ticket.messages.filter(direction=Message.Direction.INBOUND).last()
    assert latest.body == "Tack!"
    assert "nu är det rättat" in latest.quoted_text
    ticket.refresh_from_db()
    assert ticket.owner_id == alice.pk or ticket.owner_id == bob.pk
    assert Ticket.objects.count() == 1


def test_our_mail_joins_the_customers_thread_in_their_mail_client(organisation, alice):
    """The receipt answers the customer's mail; each reply answers the latest mail of the case,
    ours or theirs, and names the ones before it (In-Reply-To, References)."""
    ticket = receive(eml(message_id="first@example.se"), organisation).ticket
    (receipt,) = django_mail.outbox
    receipt_id = receipt.extra_headers["Message-ID"].strip("<>")
    assert receipt.extra_headers["In-Reply-To"] == "<first@example.se>"
    assert receipt.extra_headers["References"] == "<first@example.se>"

    actions.reply_to_customer(ticket, agent=alice, body="Hej Karin, vilken faktura gäller det?")
    first_reply = django_mail.outbox[-1]
    first_reply_id = first_reply.extra_headers["Message-ID"].strip("<>")
    assert first_reply.extra_headers["In-Reply-To"] == f"<{receipt_id}>"
    assert first_reply.extra_headers["References"] == f"<first@example.se> <{receipt_id}>"

    receive(
        eml(
            to=tokens.reply_address("kontakt@exempel.example", ticket.pk),
            subject="Sv: Fråga om fakturan",
            body="Den från oktober.",
            message_id="second@example.se",
            headers=f"In-Reply-To: <{first_reply_id}>",
        ),
        organisation,
    )
    out_of_office = receive(
        eml(
            to=tokens.reply_address("kontakt@exempel.example", ticket.pk),
            subject="Frånvaro: Fråga om fakturan",
            body="Jag är på semester till måndag.",
            message_id="away@example.se",
            headers="Auto-Submitted: auto-replied",
        ),
        organisation,
    )
    assert out_of_office.status == InboundEmail.Status.AUTOMATIC
    assert out_of_office.ticket_id == ticket.pk
    # What we answer is what the customer wrote, not their out-of-office reply.
    actions.reply_to_customer(ticket, agent=alice, body="Tack, nu är den rättad.")
    second_reply = django_mail.outbox[-1]
    assert second_reply.extra_headers["In-Reply-To"] == "<second@example.se>"
    assert second_reply.extra_headers["References"] == (
        f"<first@example.se> <{receipt_id}> <{first_reply_id}> <second@example.se>"
    )


def test_the_reply_address_token_finds_the_case_without_any_headers(organisation, alice):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket

    inbound = receive(
        eml(
            to=tokens.reply_address("kontakt@exempel.example", ticket.pk),
            subject="Ny fråga",
            body="En sak till.",
        ),
        organisation,
    )

    assert inbound.ticket_id == ticket.pk


def test_a_forged_token_does_not_reach_the_case(organisation, alice):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket

    inbound = receive(
        eml(
            sender="mallory@example.com",
            to=f"kontakt+c{ticket.pk}x0123456789abcdef@exempel.example",
            body="Släpp in mig",
        ),
        organisation,
    )

    assert inbound.status == InboundEmail.Status.NEW_CASE
    assert inbound.ticket_id != ticket.pk


def test_the_case_number_in_the_subject_counts_only_for_someone_on_the_case(organisation, alice):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket

    own = receive(
        eml(subject=f"[{ticket.reference}] En sak till", body="Jag glömde en sak."), organisation
    )
    stranger = receive(
        eml(
            sender="mallory@example.com",
            subject=f"[{ticket.reference}] Hej",
            body="Jag är inte Karin.",
        ),
        organisation,
    )

    assert own.ticket_id == ticket.pk
    assert stranger.ticket_id != ticket.pk
    assert stranger.status == InboundEmail.Status.NEW_CASE


def test_the_same_message_delivered_twice_is_one_message(organisation, alice):
    raw = eml(message_id="twice@example.se")
    first, created_first = store_raw(
        raw, source=InboundEmail.Source.IMAP, organisation=organisation
    )
    again, created_again = store_raw(
        raw, source=InboundEmail.Source.SMTP, organisation=organisation
    )
    relayed, created_relayed = store_raw(
        b"Received: from relay\r\n" + raw,
        source=InboundEmail.Source.SMTP,
        organisation=organisation,
    )

    assert created_first
    assert not created_again
    assert not created_relayed
    assert first.pk == again.pk == relayed.pk
    assert Ticket.objects.count() == 1


def test_an_auto_reply_is_recognised_and_never_answered(organisation, alice):
    inbound = receive(
        eml(subject="Automatiskt svar: Fråga", headers="Auto-Submitted: auto-replied"), organisation
    )

    assert inbound.status == InboundEmail.Status.AUTOMATIC
    assert inbound.reason == InboundEmail.Reason.AUTO_REPLY
    assert inbound.detail == "Auto-Submitted: auto-replied"
    assert Ticket.objects.count() == 0
    assert django_mail.outbox == []


def test_an_auto_reply_on_a_case_is_shown_there_but_does_not_reopen_it(organisation, alice):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket
    actions.reply_to_customer(ticket, agent=alice, body="Klart.", status=Ticket.Status.SOLVED)
    our_reply = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).get()

    inbound = receive(
        eml(
            subject="Frånvaro",
            headers=f"In-Reply-To: <{our_reply.rfc_message_id}>",
            body="Jag är ledig till måndag.",
        ),
        organisation,
    )

    assert inbound.status == InboundEmail.Status.AUTOMATIC
    assert inbound.reason == InboundEmail.Reason.AUTO_REPLY
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    assert (
        ticket.messages.filter(
            written_by=Message.WrittenBy.AUTOMATION, direction=Message.Direction.INBOUND
        ).count()
        == 1
    )


def test_an_autoresponder_without_headers_cannot_start_a_mail_loop(organisation, alice):
    for i in range(10):
        receive(
            eml(
                sender="robot@example.com",
                subject=f"Re: Tack för ditt mejl {i}",
                body=f"Vi har tagit emot ditt mejl {i}.",
            ),
            organisation,
        )

    receipts = OutboundEmail.objects.filter(
        to_address="robot@example.com", kind=OutboundEmail.Kind.RECEIPT
    )
    assert receipts.count() == 3
    withheld = InboundEmail.objects.filter(reason=InboundEmail.Reason.RECEIPT_WITHHELD)
    assert withheld.count() == 7


def test_a_bounce_of_our_receipt_is_shown_on_the_case(organisation, alice):
    ticket = receive(
        eml(sender="nobody@example.se", message_id="m1@example.se"), organisation
    ).ticket
    receipt = OutboundEmail.objects.get()
    bounce = (
        "From: MAILER-DAEMON@mx.example.se\r\nTo: kontakt@exempel.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.se\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.se\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{receipt.rfc_message_id}>\r\n--R--\r\n"
    ).encode()

    inbound = receive(bounce, organisation)

    assert inbound.status == InboundEmail.Status.BOUNCE
    receipt.refresh_from_db()
    assert receipt.status == OutboundEmail.Status.BOUNCED
    event = ticket.events.get(kind=TicketEvent.Kind.BOUNCED)
    assert event.data["to"] == "nobody@example.se"
    assert Ticket.objects.count() == 1


def test_a_message_that_cannot_be_understood_is_kept_raw_and_flagged(organisation, alice):
    raw = b"\x00\x01\x02 not a mail at all"

    inbound = receive(raw, organisation)

    assert inbound.status == InboundEmail.Status.FAILED
    assert bytes(inbound.raw) == raw
    assert inbound.reason == InboundEmail.Reason.NO_SENDER  # nothing in it says who wrote
    assert Ticket.objects.count() == 0


def test_a_mail_without_a_sender_is_flagged_with_the_reason_in_the_readers_language(
    client, organisation, dave
):
    raw = b"To: kontakt@exempel.example\r\nSubject: Hej\r\n\r\nVem skrev detta?\r\n"
    inbound = receive(raw, organisation)

    assert inbound.status == InboundEmail.Status.FAILED
    assert inbound.reason == InboundEmail.Reason.NO_SENDER
    client.force_login(dave.user)
    url = reverse("admin:mail_inboundemail_changelist") + "?reason__exact=no_sender"
    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Ingen avsändaradress att svara till" in swedish
    assert "no sender address" not in swedish.lower()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No sender address to answer" in english


def test_an_auto_reply_on_a_case_says_what_it_was_in_the_agents_language(
    client, organisation, alice
):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket
    receipt = OutboundEmail.objects.get(kind=OutboundEmail.Kind.RECEIPT)
    receive(
        eml(
            subject="Frånvaro",
            headers=f"In-Reply-To: <{receipt.rfc_message_id}>\r\nAuto-Submitted: auto-replied",
            body="Jag är ledig till måndag.",
        ),
        organisation,
    )
    client.force_login(alice.user)

    swedish = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Automatisk e-post mottagen och inte besvarad: Autosvar eller frånvaromeddelande" in (
        swedish
    )
    english = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Automatic mail received and not answered: Auto-reply or out-of-office" in english
    assert "(Auto-Submitted: auto-replied)" in english


def test_a_processed_message_is_never_processed_twice(organisation, alice):
    inbound = receive(eml(message_id="retry@example.se"), organisation)
    InboundEmail.objects.filter(pk=inbound.pk).update(status=InboundEmail.Status.FAILED)

    assert process_inbound(inbound.pk) is None
    assert Ticket.objects.count() == 1


def test_a_flagged_message_succeeds_when_retried_after_the_cause_is_fixed(db, organisation, alice):
    stored, _ = store_raw(eml(to="ny@exempel.example"), source=InboundEmail.Source.SMTP)
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.FAILED
    organisation.email_address = "ny@exempel.example"
    organisation.save()

    assert process_inbound(stored.pk) == InboundEmail.Status.NEW_CASE
    assert Ticket.objects.count() == 1


def test_a_mail_to_an_address_no_organisation_uses_is_flagged(db, organisation):
    stored, _ = store_raw(eml(to="someone@elsewhere.example"), source=InboundEmail.Source.SMTP)

    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.FAILED
    assert stored.reason == InboundEmail.Reason.NO_ORGANISATION
    assert stored.detail == "someone@elsewhere.example"


def test_the_unprocessed_mail_list_speaks_the_admins_language(client, organisation, dave):
    store_raw(eml(to="someone@elsewhere.example"), source=InboundEmail.Source.SMTP)
    client.force_login(dave.user)
    url = reverse("admin:mail_inboundemail_changelist") + "?status__exact=failed"

    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    headings = ("Mottaget", "Från-adress", "Ämne", "Status", "Orsak", "Tekniska detaljer")
    for heading in (*headings, "Storlek (byte)"):
        assert f">{heading}<" in swedish, heading
    assert "Kunde inte behandlas" in swedish
    assert "Ingen organisation tar emot e-post på de här adresserna" in swedish  # the reason
    assert "Behandla den valda e-posten igen" in swedish  # the retry button

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    headings = ("Received", "From address", "Subject", "Reason", "Technical detail")
    for heading in (*headings, "Size (bytes)"):
        assert f">{heading}<" in english, heading
    assert "No organisation receives mail at these addresses" in english


def test_a_run_overtaken_by_a_restart_does_not_make_a_second_case(
    organisation, alice, monkeypatch, settings
):
    """A worker is slow on a message; process_mail (after a crash) gives it back and finishes it
    first. When the worker then decides, it finds the message decided and does nothing."""
    from nabar.mail import intake

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    stored, _ = store_raw(
        eml(message_id="slow@example.se"),
        source=InboundEmail.Source.SMTP,
        organisation=organisation,
    )
    parse = intake.parse_message
    overtaken = []

    def slow_parse(raw: bytes):  # type: ignore[no-untyped-def]
        if not overtaken:  # the first (slow) run is overtaken while it parses
            overtaken.append(True)
            InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSING).update(
                status=InboundEmail.Status.RECEIVED
            )
            assert process_inbound(stored.pk) == InboundEmail.Status.NEW_CASE
        return parse(raw)

    monkeypatch.setattr(intake, "parse_message", slow_parse)

    assert process_inbound(stored.pk) is None
    assert Ticket.objects.count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.RECEIPT).count() == 1


def test_a_mail_that_fails_keeps_the_error_without_secrets(organisation, alice, monkeypatch):
    monkeypatch.setenv("NABAR_IMAP_PASSWORD", "imap-lösen-99")

    def open_ticket(*args, **kwargs):
        raise RuntimeError("store at postgres://nabar:db-lösen@db/nabar refused imap-lösen-99")

    monkeypatch.setattr(actions, "open_ticket", open_ticket)

    inbound = receive(eml(message_id="broken@example.se"), organisation)

    assert inbound.status == InboundEmail.Status.FAILED
    assert inbound.reason == InboundEmail.Reason.ERROR
    assert inbound.detail == "RuntimeError: store at postgres://nabar:***@db/nabar refused ***"
    assert bytes(inbound.raw) == eml(message_id="broken@example.se")


def test_a_reply_to_a_merged_away_case_lands_in_the_case_it_was_merged_into(organisation, alice):
    first = receive(eml(message_id="m1@example.se", body="Första frågan."), organisation).ticket
    second = receive(eml(message_id="m2@example.se", body="Andra frågan."), organisation).ticket
    actions.merge_tickets(second, into=first, agent=alice)
    our_receipt = OutboundEmail.objects.get(ticket=second, kind=OutboundEmail.Kind.RECEIPT)

    by_token = receive(
        eml(to=tokens.reply_address("kontakt@exempel.example", second.pk), body="Svar ett."),
        organisation,
    )
    by_thread = receive(
        eml(
            subject="Sv: Fråga om fakturan",
            body="Svar två.",
            headers=f"In-Reply-To: <{our_receipt.rfc_message_id}>",
        ),
        organisation,
    )
    by_number = receive(
        eml(subject=f"[{second.reference}] En sak till", body="Svar tre."), organisation
    )

    assert [by_token.ticket_id, by_thread.ticket_id, by_number.ticket_id] == [first.pk] * 3
    bodies = set(first.messages.filter(direction="in").values_list("body", flat=True))
    assert {"Svar ett.", "Svar två.", "Svar tre."} <= bodies
    assert not second.messages.exists()
    second.refresh_from_db()
    assert second.status == Ticket.Status.CLOSED


def test_mail_from_a_stranger_to_the_reply_address_is_kept_under_the_strangers_name(
    organisation, alice, alice_client
):
    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket

    inbound = receive(
        eml(
            sender="stranger@example.com",
            to=tokens.reply_address("kontakt@exempel.example", ticket.pk),
            body="Jag är inte Karin.",
        ),
        organisation,
    )

    assert inbound.ticket_id == ticket.pk
    message = ticket.messages.get(body="Jag är inte Karin.")
    assert message.author_customer is None
    assert "stranger@example.com" in message.author_name
    html = alice_client.get(
        reverse("tickets:detail", kwargs={"number": ticket.number}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert (
        "Written from stranger@example.com, which is not one of this customer's addresses." in html
    )
    assert "wrote, from an address that is not this customer's" in html
    link = reverse("customers:link", kwargs={"number": ticket.number})
    assert f"{link}?address=stranger%40example.com" in html
    assert alice_client.get(link, {"address": "stranger@example.com"}).status_code == 200
    # The customer's own mail carries no such flag.
    assert html.count("which is not one of this customer") == 1


def test_mail_from_a_stranger_does_not_reopen_a_solved_case_but_alerts_the_owner(
    organisation, alice
):
    from nabar.tickets.models import Alert

    ticket = receive(eml(message_id="m1@example.se"), organisation).ticket
    actions.customer_verdict(ticket, solved=True)

    receive(
        eml(
            sender="stranger@example.com",
            to=tokens.reply_address("kontakt@exempel.example", ticket.pk),
            body="Öppna det här igen.",
        ),
        organisation,
    )

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    assert ticket.messages.filter(body="Öppna det här igen.").exists()
    alert = Alert.objects.get(recipient=ticket.owner, ticket=ticket)
    assert "stranger@example.com" in alert.text
    assert "not reopened" in alert.text

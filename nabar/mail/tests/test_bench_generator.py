"""The benchmark's generated mailbox stays realistic: it parses, and answers thread to their case."""

from __future__ import annotations

import re

import pytest

from bench.mail_ingest import collect_receipts
from bench.mailgen import GeneratedMail, first_wave, second_wave
from nabar.accounts.models import Organisation
from nabar.mail.inbound import parse_message
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.tickets.models import Message

SUPPORT = "kontakt@exempel.example"
MESSAGE_ID = re.compile(rb"(?im)^message-id:[ \t]*<([^<>\r\n]+)>")


def message_id(mail: GeneratedMail) -> str:
    match = MESSAGE_ID.search(mail.raw)
    assert match is not None, mail.name
    return match.group(1).decode()


def receive(mails: list[GeneratedMail], organisation: Organisation) -> None:
    for mail in mails:
        store_raw(mail.raw, source=InboundEmail.Source.IMPORT, organisation=organisation)


def test_first_wave_parses_in_both_languages_with_html_attachments_and_automatic_mail() -> None:
    mails = first_wave(80, support_address=SUPPORT, seed=11)

    assert len(mails) == 80
    assert len({message_id(m) for m in mails}) == 80
    kinds = {m.kind for m in mails}
    assert kinds == {"new", "automatic"}
    parsed = [parse_message(m.raw) for m in mails]
    assert all(p.ok and p.from_address and p.subject and p.visible_text for p in parsed)
    assert all(max(m.raw) < 128 for m in mails), "every message is 7-bit"
    new = [p for m, p in zip(mails, parsed, strict=True) if m.kind == "new"]
    assert all(p.auto is None and p.bounce is None for p in new)
    assert any("å" in p.text or "ä" in p.text or "ö" in p.text for p in new)
    assert any("Hello" in p.text or "Hi," in p.text for p in new)
    assert any(p.html for p in new)
    assert any(p.attachments for p in new)
    automatic = [p for m, p in zip(mails, parsed, strict=True) if m.kind == "automatic"]
    assert all(p.auto is not None for p in automatic)


@pytest.mark.django_db(transaction=True)
def test_answers_to_the_receipts_thread_to_their_case_and_bounces_mark_the_receipt(
    organisation: Organisation, alice: object
) -> None:
    first = first_wave(60, support_address=SUPPORT, seed=5)
    receive(first, organisation)
    receipts, first_ids = collect_receipts()
    new = [m for m in first if m.kind == "new"]
    assert len(receipts) == len(new) == len(first_ids)

    second = second_wave(receipts, 60, support_address=SUPPORT, seed=6)
    receive(second, organisation)

    case_of = {mid: ticket for ticket, mid in first_ids.items()}
    landed = dict(InboundEmail.objects.values_list("header_message_id", "ticket_id"))
    status = dict(InboundEmail.objects.values_list("header_message_id", "status"))
    kinds = {m.kind for m in second}
    assert {"reply", "bounce"} <= kinds
    for mail in second:
        if mail.kind == "bounce":
            assert status[message_id(mail)] == InboundEmail.Status.BOUNCE
            continue
        assert landed[message_id(mail)] == case_of[mail.thread], mail.kind
        expected = (
            InboundEmail.Status.AUTOMATIC
            if mail.kind == "out_of_office"
            else InboundEmail.Status.FOLLOW_UP
        )
        assert status[message_id(mail)] == expected, mail.kind
    bounced = OutboundEmail.objects.filter(status=OutboundEmail.Status.BOUNCED).count()
    assert bounced == sum(m.kind == "bounce" for m in second)
    # A reply's quoted receipt is folded away: the case shows what the customer wrote.
    reply = next(m for m in second if m.kind == "reply")
    shown = Message.objects.get(
        pk=InboundEmail.objects.get(header_message_id=message_id(reply)).message_id
    )
    assert "skrev" not in shown.body
    assert "wrote" not in shown.body
    assert shown.quoted_text

"""Mail processed in batches ends exactly as mail processed one message at a time.

An import, an IMAP fetch or a burst of mail is stored in one transaction and processed in
batches (``intake.process_many``); the per-message path (``intake.process_inbound``) remains
for the SMTP receiver, retries and ``process_mail``. Both must give the customer and the agent
the same cases, owners, receipts, timelines and clocks.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from bench.mailgen import first_wave
from nabar.accounts.models import Organisation, Team
from nabar.conftest import make_agent
from nabar.mail import intake, tokens
from nabar.mail.models import InboundEmail, OutboundEmail
from nabar.sla.models import CaseClock
from nabar.tickets import actions
from nabar.tickets.models import Attachment, Message, Ticket
from nabar.waits.models import WaitPrediction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _tasks_wait(settings):
    """Tasks are queued, not run: each test runs the path it compares itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def make_organisation(slug: str) -> Organisation:
    org = Organisation.objects.create(
        name="Exempelbolaget",
        slug=slug,
        email_address=f"kontakt@{slug}.example",
        opening_hours={
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    org.default_team = Team.objects.create(organisation=org, name="Kundtjänst")
    org.save()
    make_agent(org, f"alice-{slug}", "Alice")
    make_agent(org, f"bob-{slug}", "Bob")
    return org


def eml(
    to: str, *, sender: str, subject: str, body: str, message_id: str, extra: str = ""
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return (head + body + "\r\n").encode()


def mailbox(org: Organisation) -> list[bytes]:
    """New cases in Swedish and English, a returning customer, a customer answering her own
    first mail, a newsletter, a sender who writes five times, and generated realistic mail."""
    to = org.email_address
    tag = org.slug
    mails = [
        eml(
            to,
            sender="Karin Lund <karin@example.se>",
            subject="Fråga om fakturan",
            body="Hej, jag har fått en faktura som jag inte förstår. Kan ni hjälpa mig?",
            message_id=f"k1.{tag}@example.se",
        ),
        eml(
            to,
            sender="John Smith <john@example.com>",
            subject="Password reset",
            body="Hello, I cannot reset my password, the link in your e-mail has expired.",
            message_id=f"j1.{tag}@example.com",
        ),
        eml(
            to,
            sender="Karin Lund <karin@example.se>",
            subject="Ny fråga om mitt abonnemang",
            body="Hej igen, jag vill också byta abonnemang från och med nästa månad.",
            message_id=f"k2.{tag}@example.se",
        ),
        eml(
            to,
            sender="Karin Lund <karin@example.se>",
            subject="Re: Fråga om fakturan",
            body="Jag glömde skriva att fakturanumret är 123456.",
            message_id=f"k3.{tag}@example.se",
            extra=f"In-Reply-To: <k1.{tag}@example.se>\r\n",
        ),
        eml(
            to,
            sender="Butiken <news@shop.example>",
            subject="Veckans erbjudanden",
            body="Se veckans erbjudanden på vår webbplats.",
            message_id=f"n1.{tag}@shop.example",
            extra="Precedence: bulk\r\n",
        ),
    ]
    mails += [
        eml(
            to,
            sender="Loop <loop@example.net>",
            subject=f"Ärende nummer {n}",
            body=f"Det här är meddelande {n} från samma avsändare om samma sak.",
            message_id=f"l{n}.{tag}@example.net",
        )
        for n in range(5)
    ]
    mails += [mail.raw for mail in first_wave(24, support_address=to, seed=11)]
    return mails


def outcome(org: Organisation) -> dict[str, object]:
    """What the customers and the agents see, without ids and times that differ between runs."""
    number = re.compile(rf"{re.escape(org.case_prefix)}-\d+")
    cases = []
    for ticket in (
        Ticket.objects.filter(organisation=org)
        .select_related("owner__user", "team")
        .order_by("number")
    ):
        opened = ticket.created_at
        clocks = sorted(
            (c.kind, round((c.due_at - c.started_at) / timedelta(minutes=1)), c.stopped_at is None)
            for c in CaseClock.objects.filter(ticket=ticket)
        )
        cases.append(
            {
                "number": ticket.number,
                "owner": ticket.owner.name if ticket.owner else None,
                "team": ticket.team.name if ticket.team else None,
                "language": ticket.language,
                "priority": ticket.priority,
                "status": ticket.status,
                "tags": ticket.tags,
                "customer_messages": ticket.messages.filter(
                    direction=Message.Direction.INBOUND
                ).count(),
                "events": sorted(e.kind for e in ticket.events.all()),
                "clocks": clocks,
                "due_in": round((ticket.due_at - opened) / timedelta(minutes=1))
                if ticket.due_at
                else None,
                "reply_within": round((ticket.expected_reply_until - opened) / timedelta(minutes=1))
                if ticket.expected_reply_until
                else None,
                "announced": WaitPrediction.objects.filter(ticket=ticket).count(),
                "attachments": sorted(
                    (a.filename, a.content_type, a.size, hashlib.sha256(a.file.read()).hexdigest())
                    for a in Attachment.objects.filter(message__ticket=ticket)
                ),
            }
        )
    receipts = sorted(
        (
            o.to_address,
            number.sub("#", o.subject),
            # The customer's mail they answer, named as in "statuses" below.
            o.in_reply_to.split(".")[0],
            [ref.strip("<>").split(".")[0] for ref in o.references.split()],
        )
        for o in OutboundEmail.objects.filter(organisation=org, kind=OutboundEmail.Kind.RECEIPT)
    )
    statuses = sorted(
        (
            row.header_message_id.split(".")[0],
            row.status,
            row.reason,
            row.ticket.number if row.ticket else None,
        )
        for row in InboundEmail.objects.filter(organisation=org).select_related("ticket")
    )
    return {"cases": cases, "receipts": receipts, "statuses": statuses}


def one_by_one(org: Organisation, raws: list[bytes]) -> None:
    for raw in raws:
        stored, _new = intake.store_raw(raw, source=InboundEmail.Source.IMPORT, organisation=org)
        intake.process_inbound(stored.pk)


def together(org: Organisation, raws: list[bytes]) -> dict[str, int]:
    stored = intake.store_many(raws, source=InboundEmail.Source.IMPORT, organisation=org)
    return intake.process_many([message.pk for message, _new in stored])


def test_a_batch_gives_the_same_cases_owners_receipts_timelines_and_clocks_as_one_by_one(caplog):
    single, batched = make_organisation("ett"), make_organisation("tva")

    one_by_one(single, mailbox(single))
    caplog.clear()
    counts = together(batched, mailbox(batched))
    assert not [r for r in caplog.records if "one by one" in r.getMessage()]  # no fallback

    expected = outcome(single)
    assert outcome(batched) == expected
    assert counts["new_case"] == len(expected["cases"])
    # The things the comparison relies on really happened.
    karin = [c for c in expected["cases"] if c["customer_messages"] == 2]
    assert len(karin) == 1  # her answer to her own first mail is on that case
    owners = {c["owner"] for c in expected["cases"][:3]}
    assert owners == {"Alice", "Bob"}  # load-balanced, and Karin's second case kept her owner
    assert expected["cases"][0]["owner"] == expected["cases"][2]["owner"]
    loop = [r for r in expected["receipts"] if r[0] == "loop@example.net"]
    assert len(loop) == intake.RECEIPTS_PER_ADDRESS_PER_HOUR


def answers(org: Organisation) -> list[bytes]:
    """Customers answering their receipts by the reply address: two answers to one case, two to
    a solved case (the first reopens it), two to a case an agent has answered (the first starts
    the clock for the next answer), an out-of-office reply on a case; and two answers found by
    their In-Reply-To, to a receipt and to the customer's own earlier mail."""
    cases = list(Ticket.objects.filter(organisation=org).order_by("number"))
    first, second, third, fourth = cases[0], cases[1], cases[2], cases[3]
    actions.change_status(second, status=Ticket.Status.SOLVED, agent=second.owner)
    assert fourth.owner is not None
    actions.reply_to_customer(fourth, agent=fourth.owner, body="Vi tittar på det.")

    def to(ticket: Ticket) -> str:
        return tokens.reply_address(org.email_address, ticket.pk)

    return [
        eml(
            to(first),
            sender="Karin Lund <karin@example.se>",
            subject=f"Re: [{first.reference}] Fråga om fakturan",
            body="Tack! Fakturan gäller mars.",
            message_id=f"a1.{org.slug}@example.se",
        ),
        eml(
            to(second),
            sender="John Smith <john@example.com>",
            subject=f"Re: [{second.reference}] Password reset",
            body="Sorry, the new link does not work either.",
            message_id=f"a2.{org.slug}@example.com",
        ),
        eml(
            to(first),
            sender="Karin Lund <karin@example.se>",
            subject=f"Re: [{first.reference}] Fråga om fakturan",
            body="Och en sak till: den förfaller på fredag.",
            message_id=f"a3.{org.slug}@example.se",
        ),
        eml(
            to(third),
            sender="Karin Lund <karin@example.se>",
            subject="Frånvaro",
            body="Jag är på semester till och med måndag.",
            message_id=f"a4.{org.slug}@example.se",
            extra="Auto-Submitted: auto-replied\r\n",
        ),
        eml(
            to(second),
            sender="John Smith <john@example.com>",
            subject=f"Re: [{second.reference}] Password reset",
            body="I tried again in another browser, same thing.",
            message_id=f"a5.{org.slug}@example.com",
        ),
        *(
            eml(
                to(fourth),
                sender=f"Kund <{fourth.requester.primary_email}>",
                subject=f"Re: [{fourth.reference}]",
                body=f"Svar nummer {n} på ert svar.",
                message_id=f"a{6 + n}.{org.slug}@example.se",
            )
            for n in range(2)
        ),
        eml(  # an answer to the receipt from a client that kept only its Message-ID
            org.email_address,
            sender=f"Kund <{third.requester.primary_email}>",
            subject="Re: kvitto",
            body="Svar utan svarsadress.",
            message_id=f"a8.{org.slug}@example.se",
            extra=f"In-Reply-To: <{receipt_of(third)}>\r\n",
        ),
        eml(  # Karin answers her own mail of the earlier batch
            org.email_address,
            sender="Karin Lund <karin@example.se>",
            subject="Re: Ny fråga om mitt abonnemang",
            body="Det gäller från den första.",
            message_id=f"a9.{org.slug}@example.se",
            extra=f"In-Reply-To: <k2.{org.slug}@example.se>\r\n",
        ),
    ]


def receipt_of(ticket: Ticket) -> str:
    return OutboundEmail.objects.get(ticket=ticket, kind=OutboundEmail.Kind.RECEIPT).rfc_message_id


def test_answers_to_existing_cases_end_the_same_in_a_batch_as_one_by_one(caplog):
    single, batched = make_organisation("fem"), make_organisation("sex")
    one_by_one(single, mailbox(single))
    together(batched, mailbox(batched))

    one_by_one(single, answers(single))
    caplog.clear()
    counts = together(batched, answers(batched))
    assert not [r for r in caplog.records if "one by one" in r.getMessage()]  # no fallback

    expected = outcome(single)
    assert outcome(batched) == expected
    assert counts == {"follow_up": 8, "automatic": 1}
    landed = {prefix: number for prefix, _status, _reason, number in expected["statuses"]}
    assert landed["a8"] == expected["cases"][2]["number"]  # the receipt's case
    assert landed["a9"] == landed["k2"]  # Karin's second case
    first, second, fourth = expected["cases"][0], expected["cases"][1], expected["cases"][3]
    assert first["customer_messages"] == 3 + 1  # her own answer to her first mail, then two
    assert second["status"] == Ticket.Status.OPEN  # the answer reopened the solved case
    assert second["events"].count("status") == 2  # solved, then open again
    running = [kind for kind, _minutes, runs in fourth["clocks"] if runs]
    assert running.count("next_response") == 1  # one clock for the two answers


def test_a_batch_numbers_its_cases_without_gaps_and_goes_on_from_there():
    org = make_organisation("tre")
    first = org.next_case_number

    together(org, mailbox(org))
    one_by_one(
        org,
        [
            eml(
                org.email_address,
                sender="Eva <eva@example.se>",
                subject="Efteråt",
                body="Ett ärende som kommer efter importen, med SMTP.",
                message_id="after@example.se",
            )
        ],
    )

    numbers = list(
        Ticket.objects.filter(organisation=org).order_by("number").values_list("number", flat=True)
    )
    assert numbers == list(range(first, first + len(numbers)))


def test_a_message_that_fails_in_a_batch_costs_only_itself(monkeypatch):
    org = make_organisation("fyra")
    first = org.next_case_number
    real_open = actions.open_ticket

    def open_ticket(organisation, *, case, **kwargs):  # type: ignore[no-untyped-def]
        if "TRASIG" in case.subject:
            raise RuntimeError("the case store is broken for this one")
        return real_open(organisation, case=case, **kwargs)

    monkeypatch.setattr(actions, "open_ticket", open_ticket)
    raws = [
        eml(
            org.email_address,
            sender=f"Kund {n} <kund{n}@example.se>",
            subject="TRASIG" if n == 2 else f"Fråga {n}",
            body=f"Hej, det här är fråga nummer {n}.",
            message_id=f"f{n}@example.se",
        )
        for n in range(5)
    ]

    together(org, raws)

    rows = {r.header_message_id: r for r in InboundEmail.objects.filter(organisation=org)}
    assert rows["f2@example.se"].status == InboundEmail.Status.FAILED
    assert "broken" in rows["f2@example.se"].detail
    assert rows["f2@example.se"].reason == InboundEmail.Reason.ERROR
    others = [rows[f"f{n}@example.se"] for n in (0, 1, 3, 4)]
    assert {r.status for r in others} == {InboundEmail.Status.NEW_CASE}
    # Rolled back once and done again one by one: nothing twice, nothing for the failed mail.
    assert Ticket.objects.filter(organisation=org).count() == 4
    receipts = OutboundEmail.objects.filter(organisation=org, kind=OutboundEmail.Kind.RECEIPT)
    assert sorted(receipts.values_list("to_address", flat=True)) == [
        f"kund{n}@example.se" for n in (0, 1, 3, 4)
    ]
    # Done again one by one, they take the numbers the batch had reserved: no gap, in order.
    numbered = Ticket.objects.filter(organisation=org).order_by("number")
    assert [(t.number, t.requester.primary_email) for t in numbered] == [
        (first + i, f"kund{n}@example.se") for i, n in enumerate((0, 1, 3, 4))
    ]


def test_processing_a_batch_twice_changes_nothing():
    org = make_organisation("fem")
    stored = intake.store_many(mailbox(org), source=InboundEmail.Source.IMPORT, organisation=org)
    ids = [message.pk for message, _new in stored]
    intake.process_many(ids)
    before = outcome(org)

    assert intake.process_many(ids) == {}
    again = intake.store_many(mailbox(org), source=InboundEmail.Source.IMPORT, organisation=org)

    assert not any(new for _message, new in again)
    assert outcome(org) == before


def test_large_messages_are_processed_in_smaller_batches(monkeypatch):
    from django_tasks import default_task_backend

    org = make_organisation("sex")
    raws = [
        eml(
            org.email_address,
            sender=f"Kund {n} <kund{n}@example.se>",
            subject=f"Bilaga {n}",
            body="x" * 600,
            message_id=f"big{n}@example.se",
        )
        for n in range(3)
    ]
    monkeypatch.setattr(intake, "BATCH_BYTES", 1000)
    default_task_backend.clear()  # type: ignore[attr-defined]

    intake.store_many(raws, source=InboundEmail.Source.IMPORT, organisation=org)

    batches = [
        r.kwargs["inbound_ids"]
        for r in default_task_backend.results  # type: ignore[attr-defined]
        if r.task.name == "process_inbound_batch"
    ]
    assert [len(ids) for ids in batches] == [1, 1, 1]
    for ids in batches:
        intake.process_many(ids)
    assert Ticket.objects.filter(organisation=org).count() == 3


def test_a_burst_at_the_smtp_receiver_is_taken_as_one_batch():
    from nabar.mail.tasks import process_inbound_email

    org = make_organisation("sju")
    stored = [
        intake.store_raw(raw, source=InboundEmail.Source.SMTP, organisation=org)[0]
        for raw in mailbox(org)[:8]
    ]

    # The first message's task finds the others waiting and takes them along.
    process_inbound_email.call(inbound_id=stored[0].pk)

    statuses = set(InboundEmail.objects.filter(organisation=org).values_list("status", flat=True))
    assert InboundEmail.Status.RECEIVED not in statuses
    # Eight mails: six cases, Karin's answer to her own first mail, and a newsletter.
    assert Ticket.objects.filter(organisation=org).count() == 6
    # Their own tasks, run later, find nothing left to do.
    assert process_inbound_email.call(inbound_id=stored[5].pk) is None

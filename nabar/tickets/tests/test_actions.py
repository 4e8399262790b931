from __future__ import annotations

import pytest
from django.core import mail

from nabar.accounts.models import Agent
from nabar.tickets import actions
from nabar.tickets.models import Message, Ticket, TicketEvent
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_case_gets_the_least_loaded_available_agent(organisation, alice, bob):
    first = open_case(organisation, email="one@example.se")
    second = open_case(organisation, email="two@example.se")
    third = open_case(organisation, email="three@example.se")

    owners = [first.owner, second.owner, third.owner]
    assert owners[0] != owners[1]
    assert {o.pk for o in owners} == {alice.pk, bob.pk}


def test_an_agent_who_is_away_gets_no_new_cases(organisation, alice, bob):
    Agent.objects.filter(pk=alice.pk).update(availability=Agent.Availability.AWAY)

    cases = [open_case(organisation, email=f"c{i}@example.se") for i in range(3)]

    assert {case.owner_id for case in cases} == {bob.pk}


def test_case_numbers_are_short_sequential_and_per_organisation(organisation, alice):
    first = open_case(organisation)
    second = open_case(organisation, email="other@example.se")

    assert first.reference == "NB-1001"
    assert second.reference == "NB-1002"


def test_opening_a_case_writes_the_timeline(organisation, alice):
    ticket = open_case(organisation)

    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[:3] == [
        TicketEvent.Kind.CREATED,
        TicketEvent.Kind.ROUTED,
        TicketEvent.Kind.ASSIGNED,
    ]
    assert TicketEvent.Kind.RECEIPT in kinds


def test_the_receipt_mail_names_the_owner_case_number_range_and_link(organisation, alice):
    ticket = open_case(organisation, email="carol@example.se")

    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["carol@example.se"]
    assert "NB-1001" in receipt.subject
    assert "Alice" in receipt.body
    assert ticket.public_token in receipt.body
    assert receipt.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ticket.expected_reply_from <= ticket.expected_reply_until


def test_the_receipt_mail_says_in_both_parts_that_one_can_reply_to_it(organisation, alice):
    open_case(organisation, email="carol@example.se", language="en", body="My invoice is wrong.")

    receipt = mail.outbox[0]
    assert "Reply to this e-mail or use the link to add anything." in receipt.body
    assert "Reply to this e-mail or use the link to add anything." in receipt.alternatives[0][0]


def test_the_receipt_text_has_no_empty_line_between_the_owner_and_the_times(organisation, alice):
    open_case(organisation, email="carol@example.se", language="en", body="My invoice is wrong.")

    lines = mail.outbox[0].body.splitlines()
    owner = next(i for i, line in enumerate(lines) if "owns your case" in line)
    assert lines[owner + 1].startswith("A person will most likely answer by")


def test_a_receipt_kept_for_a_customer_without_e_mail_does_not_ask_for_a_reply_by_e_mail(
    organisation, alice
):
    ticket = open_case(
        organisation, email="", phone="070-111 22 33", language="en", body="Call me, please."
    )

    kept = ticket.messages.get(direction=Message.Direction.OUTBOUND)
    assert mail.outbox == []
    assert "e-mail" not in kept.body
    assert "Use the link to add anything." in kept.body


def test_the_receipt_is_recorded_as_written_by_an_automation(organisation, alice):
    ticket = open_case(organisation)

    automatic = ticket.messages.get(direction=Message.Direction.OUTBOUND)
    assert automatic.written_by == Message.WrittenBy.AUTOMATION
    assert automatic.author_name == organisation.name  # as every notice is signed


def test_the_same_submission_twice_is_one_case(organisation, alice):
    first = open_case(organisation, key="form-key-123456")
    second = open_case(organisation, key="form-key-123456")

    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_customer_with_a_known_address_is_the_same_customer(organisation, alice):
    first = open_case(organisation, email="Carol@Example.se")
    second = open_case(organisation, email="carol@example.se", phone="070-111 22 33")
    third = open_case(organisation, email="", phone="0701112233")

    assert first.requester_id == second.requester_id == third.requester_id


def test_only_a_persons_reply_stops_the_first_response_clock(organisation, alice):
    ticket = open_case(organisation)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # the automatic receipt does not count

    actions.reply_to_customer(ticket, agent=alice, body="Hej Carol, jag tittar på det nu.")

    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Ticket.Status.OPEN


def test_a_reply_is_mailed_with_the_case_number_and_the_agents_name(organisation, alice):
    ticket = open_case(organisation)
    mail.outbox.clear()

    actions.reply_to_customer(ticket, agent=alice, body="Fakturan är rättad.")

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert "[NB-1001]" in sent.subject
    assert "Fakturan är rättad." in sent.body
    assert "Alice" in sent.from_email
    assert "Auto-Submitted" not in sent.extra_headers
    assert sent.extra_headers["In-Reply-To"]  # threads under the receipt


def test_a_reply_that_solves_the_case_asks_the_customer_whether_it_is_solved(organisation, alice):
    ticket = open_case(organisation, language="en", body="My invoice is wrong.")
    mail.outbox.clear()

    actions.reply_to_customer(
        ticket, agent=alice, body="The invoice is corrected.", status=Ticket.Status.SOLVED
    )
    actions.reply_to_customer(ticket, agent=alice, body="And the reminder fee is gone too.")

    solving, later = mail.outbox
    verdict_link = actions.case_link(ticket) + "#verdict"
    assert "If it is not, tell us on your case page, and it goes back to Alice:" in solving.body
    assert verdict_link in solving.body
    html = solving.alternatives[0][0]
    assert f'href="{verdict_link}"' in html
    assert "tell us on your case page" not in later.body  # only the reply that solved it asks


def test_an_internal_note_is_never_mailed(organisation, alice):
    ticket = open_case(organisation)
    mail.outbox.clear()

    actions.add_note(ticket, agent=alice, body="Kunden har ringt två gånger förut.")

    assert mail.outbox == []
    assert ticket.messages.filter(direction=Message.Direction.INTERNAL).count() == 1


def test_not_solved_reopens_the_case_to_the_same_owner(organisation, alice, bob):
    ticket = open_case(organisation)
    owner = ticket.owner
    actions.reply_to_customer(ticket, agent=owner, body="Klart!", status=Ticket.Status.SOLVED)

    actions.customer_verdict(ticket, solved=False, comment="Nej, fakturan är fortfarande fel.")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.owner_id == owner.pk
    assert ticket.first_response_at is None  # the customer waits for a person again
    assert ticket.events.filter(kind=TicketEvent.Kind.REOPENED).exists()


def test_solved_by_the_customer_closes_the_loop(organisation, alice):
    ticket = open_case(organisation)

    actions.customer_verdict(ticket, solved=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    assert ticket.solved_at is not None


def test_writing_again_on_a_solved_case_reopens_it(organisation, alice):
    ticket = open_case(organisation)
    actions.change_status(ticket, status=Ticket.Status.SOLVED, agent=alice)

    actions.add_customer_message(ticket, body="En sak till.", channel=ticket.channel)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.owner_id == alice.pk


def test_changing_owner_counts_a_hand_off_and_names_both(organisation, alice, bob):
    ticket = open_case(organisation)
    new_owner = bob if ticket.owner_id == alice.pk else alice

    actions.assign_ticket(ticket, owner=new_owner, agent=alice)

    ticket.refresh_from_db()
    assert ticket.owner_id == new_owner.pk
    assert ticket.handoff_count == 1
    event = ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).last()
    assert event.data["owner"] == new_owner.name
    assert event.data["previous"]


def test_with_nobody_available_the_case_waits_in_the_queue(organisation, alice):
    Agent.objects.filter(pk=alice.pk).update(availability=Agent.Availability.OFF)

    ticket = open_case(organisation)

    assert ticket.owner is None
    assert "Alice" not in mail.outbox[0].body

"""Routing as a customer and an agent meet it: the right person first, the same person next time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from nabar.accounts.actions import set_availability
from nabar.accounts.models import Agent, Organisation, Team
from nabar.conftest import make_agent
from nabar.routing.models import RoutingRule
from nabar.routing.sweep import hand_over_absent
from nabar.tickets import actions
from nabar.tickets.models import Alert, Message, Ticket, TicketEvent
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)

INVOICE_SV = (
    "Hej! Jag har fått en faktura på 1200 kronor som jag redan har betalat. Kan ni hjälpa mig?"
)


@pytest.fixture
def billing(organisation: Organisation) -> Team:
    return Team.objects.create(organisation=organisation, name="Fakturor", skills=["invoice"])


@pytest.fixture
def berit(organisation: Organisation, billing: Team) -> Agent:
    """The billing agent who writes Swedish."""
    agent = make_agent(organisation, "berit", "Berit")
    agent.teams.set([billing])
    agent.languages = ["sv"]
    agent.save()
    return agent


@pytest.fixture
def erik(organisation: Organisation, billing: Team) -> Agent:
    """A billing agent who writes only English."""
    agent = make_agent(organisation, "erik", "Erik")
    agent.teams.set([billing])
    agent.languages = ["en"]
    agent.save()
    return agent


@pytest.fixture
def invoice_rule(organisation: Organisation, billing: Team) -> RoutingRule:
    return RoutingRule.objects.create(
        organisation=organisation,
        position=1,
        name="Invoices",
        conditions=[{"field": "keywords", "op": "contains_any", "value": "faktura, invoice"}],
        set_team=billing,
    )


def test_a_swedish_invoice_case_lands_with_the_billing_agent_who_writes_swedish(
    organisation, alice, erik, berit, invoice_rule
):
    # Erik has fewer cases, but does not write Swedish.
    ticket = open_case(organisation, body=INVOICE_SV)

    assert ticket.team.name == "Fakturor"
    assert ticket.owner == berit
    assert ticket.language == "sv"
    routed = ticket.events.get(kind=TicketEvent.Kind.ROUTED)
    assert routed.data["team"] == "Fakturor"
    assert routed.data["because"][0]["rule"] == "Invoices"
    assigned = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert assigned.data["reason"].startswith("language_")
    assert "Berit" in mail.outbox[0].body


def test_the_customer_writing_again_within_the_window_gets_the_same_person(
    organisation, alice, bob
):
    first = open_case(organisation, email="carol@example.se")
    owner = first.owner
    # Give the owner more open cases than the other agent: load alone would pick the other.
    for n in range(3):
        Ticket.objects.create(
            organisation=organisation,
            number=9000 + n,
            requester=first.requester,
            owner=owner,
            channel="web",
        )
    actions.change_status(first, status=Ticket.Status.SOLVED, agent=owner)

    with time_machine.travel(timezone.now() + timedelta(days=7)):
        second = open_case(organisation, email="carol@example.se", body="Hej igen, en ny fråga.")

    assert second.owner == owner
    assert second.events.get(kind=TicketEvent.Kind.ASSIGNED).data["reason"] == "continuity"


def test_after_the_window_load_decides_again(organisation, alice, bob):
    organisation.continuity_days = 3
    organisation.save()
    first = open_case(organisation, email="carol@example.se")
    actions.change_status(first, status=Ticket.Status.CLOSED, agent=first.owner)
    busy = open_case(organisation, email="someone.else@example.se")
    Ticket.objects.filter(pk=busy.pk).update(owner=first.owner)

    with time_machine.travel(timezone.now() + timedelta(days=7)):
        second = open_case(
            organisation, email="carol@example.se", body="En helt ny fråga om annat."
        )

    assert second.events.get(kind=TicketEvent.Kind.ASSIGNED).data["reason"] != "continuity"
    assert second.owner != first.owner  # the other agent has fewer open cases


def test_a_previous_owner_who_is_away_is_not_waited_for(organisation, alice, bob):
    first = open_case(organisation)
    set_availability(first.owner, availability=Agent.Availability.AWAY)

    second = open_case(organisation, body="Hej igen, har ni hunnit titta?")

    assert second.owner is not None
    assert second.owner != first.owner
    assert second.events.get(kind=TicketEvent.Kind.ASSIGNED).data["because"]["previous"] == (
        first.owner.name
    )


def test_an_agent_with_room_for_no_open_cases_is_given_no_new_case(organisation, alice, bob):
    Agent.objects.filter(pk=alice.pk).update(capacity=0)

    cases = [open_case(organisation, email=f"kund{i}@example.se") for i in range(3)]

    assert {case.owner for case in cases} == {bob}


def test_with_everyone_at_no_open_cases_the_case_waits_in_the_team_queue(organisation, alice):
    Agent.objects.filter(pk=alice.pk).update(capacity=0)

    ticket = open_case(organisation)

    assert ticket.owner is None
    assert ticket.team == organisation.default_team


def test_a_language_nobody_writes_goes_to_the_fallback_team_flagged_and_told(
    organisation, alice, bob
):
    fallback = Team.objects.create(organisation=organisation, name="Tolkstöd", lead=bob)
    bob.teams.add(fallback)
    organisation.language_fallback_team = fallback
    organisation.save()

    ticket = open_case(
        organisation,
        body="Waxaan rabaa inaan wax ka ogaado biilka aan helay bishan, fadlan i caawi.",
    )

    assert ticket.language == "so"
    assert ticket.team == fallback
    assert "language:so" in ticket.tags
    alert = Alert.objects.get(recipient=bob, kind=Alert.Kind.LANGUAGE, ticket=ticket)
    with translation.override("sv"):
        assert alert.message() == (
            f"{ticket.reference} är skrivet på ”Somaliska”, som ingen här skriver."
        )
    with translation.override("en"):
        assert alert.message() == (
            f"{ticket.reference} is written in “Somali”, which nobody here writes."
        )
    receipt = mail.outbox[0]
    assert "Nobody here writes your language" in receipt.body


@pytest.mark.parametrize("body", ["", "Hjälp", "?"])
def test_an_empty_or_one_word_message_still_opens_a_case_with_an_owner(organisation, alice, body):
    ticket = open_case(organisation, body=body or " ")

    assert ticket.owner == alice
    assert ticket.team == organisation.default_team


def test_when_everyone_is_away_the_case_waits_in_the_team_queue_and_the_lead_is_alerted(
    organisation, alice, bob
):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=bob)
    for agent in (alice, bob):
        set_availability(agent, availability=Agent.Availability.OFF)

    ticket = open_case(organisation)

    assert ticket.owner is None
    assert ticket.team == organisation.default_team
    alert = Alert.objects.get(recipient=bob, kind=Alert.Kind.NOBODY, ticket=ticket)
    team = organisation.default_team.name
    with translation.override("sv"):
        assert alert.message() == (
            f"{ticket.reference} väntar i kön hos {team}: ingen där är tillgänglig."
        )
    with translation.override("en"):
        assert alert.message() == (
            f"{ticket.reference} waits in the queue of {team}: nobody there is available."
        )
    assert ticket.expected_reply_until is not None
    assert "waits in the queue" in mail.outbox[0].body or "väntar i kön" in mail.outbox[0].body


@time_machine.travel("2026-12-02 10:00 +01:00", tick=False)  # a Wednesday
def test_when_everyone_is_away_until_a_known_day_the_receipt_counts_from_that_day(
    organisation, alice, bob
):
    for agent, back in ((alice, "2026-12-14"), (bob, "2026-12-16")):
        set_availability(agent, availability=Agent.Availability.AWAY)
        Agent.objects.filter(pk=agent.pk).update(back_on=back)

    ticket = open_case(organisation)

    assert ticket.owner is None
    # Alice, back first, is back on Monday the 14th: no reply can come before that day.
    assert timezone.localtime(ticket.expected_reply_from).date().isoformat() == "2026-12-14"
    assert timezone.localtime(ticket.expected_reply_until).date().isoformat() == "2026-12-14"
    assert "14 december" in mail.outbox[0].body


@time_machine.travel("2026-12-02 10:00 +01:00", tick=False)
def test_someone_away_without_a_day_may_be_back_any_time_so_the_target_holds_from_now(
    organisation, alice, bob
):
    set_availability(alice, availability=Agent.Availability.AWAY)
    Agent.objects.filter(pk=alice.pk).update(back_on="2026-12-14")
    set_availability(bob, availability=Agent.Availability.AWAY)  # no day given

    ticket = open_case(organisation)

    assert ticket.owner is None
    assert timezone.localtime(ticket.expected_reply_until).date().isoformat() == "2026-12-02"


def test_urgent_wording_raises_priority_and_alerts_the_lead(organisation, alice, bob):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=bob)

    ticket = open_case(organisation, body="Mitt konto är kapat och någon har tagit pengar!")

    assert ticket.priority == Ticket.Priority.URGENT
    alert = Alert.objects.get(recipient=bob, kind=Alert.Kind.URGENT, ticket=ticket)
    with translation.override("sv"):
        assert alert.message().startswith(f"{ticket.reference}: Kapat eller låst konto")
    with translation.override("en"):
        assert alert.message().startswith(f"{ticket.reference}: Hijacked or locked account")
    assert ticket.events.filter(kind=TicketEvent.Kind.URGENT).exists()


def test_round_robin_takes_turns(organisation, alice, bob):
    Team.objects.filter(pk=organisation.default_team_id).update(strategy="round_robin")

    owners = [
        open_case(organisation, email=f"c{n}@example.se", body=f"Fråga nummer {n} om något.").owner
        for n in range(4)
    ]

    assert owners[0] != owners[1]
    assert owners[0] == owners[2]
    assert owners[1] == owners[3]


def test_manual_assignment_leaves_the_case_in_the_team_queue(organisation, alice):
    Team.objects.filter(pk=organisation.default_team_id).update(strategy="manual")

    ticket = open_case(organisation)

    assert ticket.owner is None
    assert not Alert.objects.filter(kind=Alert.Kind.NOBODY).exists()


def test_a_transfer_needs_a_note_and_tells_the_customer_who_and_why(
    organisation, alice, berit, billing
):
    ticket = open_case(organisation, body="Jag har en fråga om min leverans.")
    assert ticket.owner == alice
    mail.outbox.clear()

    with pytest.raises(actions.TransferRefused):
        actions.transfer_ticket(ticket, agent=alice, note="  ", to_owner=berit)

    actions.transfer_ticket(
        ticket,
        agent=alice,
        note="Kunden har betalat två gånger, se bifogat kvitto.",
        to_owner=berit,
        why="Berit handles payments",
    )

    ticket.refresh_from_db()
    assert ticket.owner == berit
    assert ticket.team == billing
    assert ticket.handoff_count == 1
    assert ticket.handover_note.startswith("Kunden har betalat")
    notice = mail.outbox[-1]
    assert "Berit" in notice.body
    assert "Berit handles payments" in notice.body
    assert ticket.reference in notice.subject
    told = ticket.messages.filter(direction=Message.Direction.OUTBOUND).last()
    assert told is not None
    assert told.written_by == Message.WrittenBy.AUTOMATION
    # The new owner's reply clears the hand-over note from the top of the case.
    actions.reply_to_customer(ticket, agent=berit, body="Hej! Jag tittar på det nu.")
    ticket.refresh_from_db()
    assert ticket.handover_note == ""


def test_a_transfer_back_is_refused_and_the_third_hand_off_alerts_the_lead(
    organisation, alice, bob, berit
):
    dave = make_agent(organisation, "dave2", "Dave")
    Team.objects.filter(pk=organisation.default_team_id).update(lead=dave)
    ticket = open_case(organisation)
    first = ticket.owner
    second = bob if first == alice else alice

    actions.transfer_ticket(ticket, agent=first, note="Till dig.", to_owner=second)
    with pytest.raises(actions.TransferRefused, match="loop"):
        actions.transfer_ticket(ticket, agent=second, note="Tillbaka.", to_owner=first)
    loop = Alert.objects.get(recipient=dave, kind=Alert.Kind.BOUNCED)
    with translation.override("sv"):
        assert loop.message() == (
            f"{ticket.reference}: {second.name} försökte lämna tillbaka det till {first.name},"
            " som hade det förut. Överlämningen nekades."
        )
    Alert.objects.update(read_at=timezone.now())

    actions.transfer_ticket(ticket, agent=second, note="Fakturafråga.", to_owner=berit)
    actions.transfer_ticket(ticket, agent=berit, note="Behöver Dave.", to_owner=dave)

    ticket.refresh_from_db()
    assert ticket.handoff_count == 3
    third = Alert.objects.get(
        recipient=dave, kind=Alert.Kind.HANDOFFS, read_at__isnull=True, ticket=ticket
    )
    with translation.override("en"):
        assert third.message() == f"{ticket.reference} has been handed over 3 times."


def test_a_transfer_to_a_team_picks_someone_free_there(organisation, alice, berit, billing):
    ticket = open_case(organisation, body="Fråga om leverans.")

    actions.transfer_ticket(ticket, agent=alice, note="Fakturafråga egentligen.", to_team=billing)

    ticket.refresh_from_db()
    assert ticket.owner == berit
    assert ticket.team == billing


def test_an_owner_away_past_the_threshold_hands_cases_to_the_stand_in_once(
    organisation, alice, bob
):
    organisation.stand_in_after_hours = 4
    organisation.save()
    ticket = open_case(organisation)
    owner = ticket.owner
    stand_in = bob if owner == alice else alice
    owner.stand_in = stand_in
    owner.back_on = (timezone.now() + timedelta(days=10)).date()
    owner.save()
    set_availability(owner, availability=Agent.Availability.AWAY)
    mail.outbox.clear()

    assert hand_over_absent() == 0  # not away long enough yet
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert hand_over_absent() == 1
        assert hand_over_absent() == 0

    ticket.refresh_from_db()
    assert ticket.owner == stand_in
    assert len(mail.outbox) == 1
    assert stand_in.name in mail.outbox[0].body
    assert "borta" in mail.outbox[0].body  # the case is Swedish, so is the notice


def test_a_deactivated_or_deleted_owner_leaves_no_case_behind(organisation, alice, bob):
    first = open_case(organisation, email="a@example.se")
    owner = first.owner
    other = bob if owner == alice else alice
    owner.stand_in = other
    owner.save()
    Agent.objects.filter(pk=owner.pk).update(is_active=False)

    hand_over_absent()

    first.refresh_from_db()
    assert first.owner == other
    assert first.events.filter(kind=TicketEvent.Kind.ASSIGNED, data__reason="inactive").exists()

    second = open_case(organisation, email="b@example.se")
    assert second.owner == other
    other.user.delete()
    second.refresh_from_db()
    assert second.owner is None
    assert second.events.filter(kind=TicketEvent.Kind.ASSIGNED, data__reason="inactive").exists()


def test_merge_keeps_every_message_and_split_makes_a_new_case(organisation, alice):
    first = open_case(organisation, body="Min faktura är fel.")
    second = open_case(organisation, body="Och leveransen kom aldrig.")
    other_customer = open_case(organisation, email="someone@example.se")

    with pytest.raises(ValueError, match="customer"):
        actions.merge_tickets(other_customer, into=first, agent=alice)
    actions.merge_tickets(second, into=first, agent=alice)

    second.refresh_from_db()
    assert second.merged_into == first
    assert second.status == Ticket.Status.CLOSED
    bodies = list(first.messages.filter(direction="in").values_list("body", flat=True))
    assert "Och leveransen kom aldrig." in bodies

    moved = first.messages.get(body="Och leveransen kom aldrig.")
    new = actions.split_message(moved, agent=alice)
    assert new.requester == first.requester
    assert list(new.messages.filter(direction="in").values_list("body", flat=True)) == [
        "Och leveransen kom aldrig."
    ]
    assert not first.messages.filter(pk=moved.pk).exists()


def test_the_sweep_command_runs_the_stand_in_sweep(organisation, alice, bob):
    from django.core.management import call_command

    ticket = open_case(organisation)
    owner = ticket.owner
    owner.stand_in = bob if owner == alice else alice
    owner.save()
    Agent.objects.filter(pk=owner.pk).update(is_active=False)

    call_command("sweep", verbosity=0)

    ticket.refresh_from_db()
    assert ticket.owner == owner.stand_in


def _train(organisation: Organisation) -> None:
    from nabar.routing.training import train_from_rows

    invoices = [
        f"Fakturan för {month} är fel, jag har betalat {n} kronor för mycket"
        for n, month in enumerate(["januari", "februari", "mars", "april", "maj", "juni"] * 4)
    ]
    deliveries = [
        f"Paketet med order {n} har inte kommit, leveransen är sen sedan {day}"
        for n, day in enumerate(["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"] * 4)
    ]
    train_from_rows(
        organisation,
        texts=invoices + deliveries,
        labels=["invoice"] * len(invoices) + ["delivery"] * len(deliveries),
    )


def test_a_confident_category_routes_to_the_team_with_that_skill(
    organisation, alice, berit, billing
):
    _train(organisation)

    ticket = open_case(organisation, body="Min faktura för mars är fel, jag har betalat för mycket")

    assert ticket.category == "invoice"
    assert ticket.category_set_by == "model"
    assert ticket.team == billing
    assert ticket.owner == berit
    routed = ticket.events.get(kind=TicketEvent.Kind.ROUTED)
    assert routed.data["because"][0]["code"] == "category"


def test_an_unsure_category_goes_to_the_triage_queue_and_a_correction_is_training_data(
    organisation, alice, billing
):
    from nabar.routing.classifiers import labelled_cases

    _train(organisation)

    ticket = open_case(organisation, body="Hej, jag undrar över något helt annat.")

    assert ticket.needs_triage
    assert ticket.category == ""
    suggestions = ticket.events.get(kind=TicketEvent.Kind.ROUTED).data["suggestions"]
    assert {label for label, _ in suggestions} == {"invoice", "delivery"}

    actions.set_category(ticket, agent=alice, category="invoice")
    actions.change_status(ticket, status=Ticket.Status.SOLVED, agent=alice)

    ticket.refresh_from_db()
    assert not ticket.needs_triage
    assert ticket.team == billing
    learned = labelled_cases(organisation)
    assert learned.labels == ["invoice"]
    assert "helt annat" in learned.texts[0]


def test_a_case_on_saturday_goes_to_the_agent_who_works_saturdays(organisation, alice, bob):
    alice.working_hours = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    alice.save()
    bob.working_hours = {"sat": [["09:00", "15:00"]]}
    bob.save()
    open_case(organisation, email="first@example.se")  # Bob has more open cases than Alice
    Ticket.objects.update(owner=bob)

    saturday_noon = timezone.make_aware(timezone.datetime(2026, 12, 5, 12, 0))
    with time_machine.travel(saturday_noon):
        saturday = open_case(organisation, email="carol@example.se")
    monday_ten = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))
    with time_machine.travel(monday_ten):
        monday = open_case(organisation, email="erik@example.se")

    assert saturday.owner == bob
    assert monday.owner == alice


def test_a_case_for_an_owner_off_until_monday_announces_a_reply_after_monday_morning(
    organisation, alice
):
    alice.working_hours = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    alice.save()

    saturday_noon = timezone.make_aware(timezone.datetime(2026, 12, 5, 12, 0))
    with time_machine.travel(saturday_noon):
        ticket = open_case(organisation, email="carol@example.se")

    monday_eight = timezone.make_aware(timezone.datetime(2026, 12, 7, 8, 0))
    assert ticket.owner == alice
    assert ticket.expected_reply_from is not None
    assert ticket.expected_reply_from >= monday_eight
    # Her working hours move the announced time, not the organisation's service level.
    assert ticket.due_at is not None
    assert ticket.due_at < monday_eight

"""Hand-overs as agents, team leads and customers meet them: who can take a case, and who hears."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from nabar.accounts.actions import set_availability
from nabar.accounts.models import Agent, Organisation, Team
from nabar.conftest import make_agent
from nabar.routing.sweep import hand_over_absent
from nabar.tickets import actions
from nabar.tickets.models import Alert, Channel, Message, Ticket, TicketEvent
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lead(organisation: Organisation) -> Agent:
    """The team lead of Kundtjänst, who answers no cases (not in the team)."""
    agent = make_agent(organisation, "lena", "Lena")
    agent.teams.clear()
    Team.objects.filter(pk=organisation.default_team_id).update(lead=agent)
    organisation.default_team.refresh_from_db()
    return agent


@pytest.fixture
def billing(organisation: Organisation) -> Team:
    return Team.objects.create(organisation=organisation, name="Fakturor")


def _case_of(owner: Agent, organisation: Organisation, **kwargs: str) -> Ticket:
    """A new case that routing gave to ``owner`` (whoever it picked, the timeline says owner)."""
    ticket = open_case(organisation, **kwargs)
    ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).delete()
    Ticket.objects.filter(pk=ticket.pk).update(owner=None)
    return actions.assign_ticket(ticket, owner=owner, agent=None, reason="least_loaded")


def _go_away(agent: Agent, *, until: datetime.date | None = None, stand_in: Agent | None = None):  # type: ignore[no-untyped-def]
    agent.back_on = until
    agent.stand_in = stand_in
    agent.save()
    return set_availability(agent, availability=Agent.Availability.AWAY)


# 1. A hand-over to someone away or off


def test_the_hand_over_list_says_who_is_away_and_leaves_out_the_owner(
    alice_client, organisation, alice, bob
):
    ticket = _case_of(alice, organisation)
    _go_away(bob, until=datetime.date(2026, 12, 9))

    page = alice_client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    choices = page[page.index('name="to_owner"') : page.index("</select>", page.index("to_owner"))]
    assert "Bob (borta till 9 dec)" in choices
    assert "Alice" not in choices

    page = alice_client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bob (away until 9 Dec)" in page


def test_a_hand_over_to_someone_away_is_refused_naming_their_stand_in(
    alice_client, organisation, alice, bob, dave
):
    ticket = _case_of(alice, organisation)
    _go_away(bob, until=datetime.date(2026, 12, 9), stand_in=dave)
    mail.outbox.clear()

    response = alice_client.post(
        reverse("tickets:transfer", kwargs={"number": ticket.number}),
        {"to_owner": bob.pk, "note": "Kunden vill ha en kreditnota."},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "Bob cannot take the case now (away until 9 Dec)." in body
    assert "Dave stands in for them: hand it to Dave instead." in body
    assert "Kunden vill ha en kreditnota." in body  # the note is kept
    ticket.refresh_from_db()
    assert ticket.owner == alice
    assert mail.outbox == []


def test_a_hand_over_to_someone_away_whose_stand_in_has_the_case_asks_for_someone_else(
    alice_client, organisation, alice, bob
):
    ticket = _case_of(alice, organisation)
    _go_away(bob, until=datetime.date(2026, 12, 9), stand_in=alice)

    response = alice_client.post(
        reverse("tickets:transfer", kwargs={"number": ticket.number}),
        {"to_owner": bob.pk, "note": "Kunden vill ha en kreditnota."},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "hand it to Alice instead" not in body
    assert (
        "Bob cannot take the case now (away until 9 Dec), and Alice, who stands in for them, "
        "has it already. Keep it there, or hand it to someone else or to the team."
    ) in body


def test_a_hand_over_to_someone_off_without_a_stand_in_is_refused(organisation, alice, bob):
    ticket = _case_of(alice, organisation)
    set_availability(bob, availability=Agent.Availability.OFF)

    with pytest.raises(actions.TransferRefused) as refused:
        actions.transfer_ticket(ticket, agent=alice, note="Till dig.", to_owner=bob)

    assert refused.value.code == "unavailable"
    assert refused.value.stand_in is None
    ticket.refresh_from_db()
    assert ticket.owner == alice
    assert ticket.handoff_count == 0


def test_the_timeline_says_who_handed_their_own_case_to_whom(
    alice_client, organisation, alice, dave
):
    ticket = _case_of(alice, organisation)
    actions.transfer_ticket(ticket, agent=alice, note="Till dig.", to_owner=dave)

    html = alice_client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Alice handed the case to Dave" in html
    assert "handed the case from Alice" not in html


def test_the_timeline_names_the_owner_a_lead_took_a_case_from(client, organisation, alice, dave):
    ticket = _case_of(alice, organisation)
    actions.transfer_ticket(ticket, agent=dave, note="Jag tar den.", to_owner=dave)
    client.force_login(dave.user)

    html = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Dave handed the case from Alice to Dave" in html


# 2. Taking a case back from the team queue, and the limit of hand-overs


def test_an_agent_takes_back_a_case_she_handed_to_an_empty_team_queue(
    organisation, alice, bob, lead
):
    ticket = _case_of(alice, organisation)
    set_availability(bob, availability=Agent.Availability.AWAY)
    team = organisation.default_team
    actions.transfer_ticket(ticket, agent=alice, note="Någon annan?", to_team=team)
    ticket.refresh_from_db()
    assert ticket.owner is None

    actions.transfer_ticket(ticket, agent=alice, note="Jag tar den själv.", to_owner=alice)

    ticket.refresh_from_db()
    assert ticket.owner == alice


def test_an_agent_of_the_team_takes_a_queued_case_with_one_button(
    client, organisation, alice, bob, lead
):
    ticket = _case_of(alice, organisation)
    Ticket.objects.filter(pk=ticket.pk).update(owner=None)
    mail.outbox.clear()
    client.force_login(bob.user)

    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Take this case" in page
    response = client.post(reverse("tickets:take", kwargs={"number": ticket.number}))

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner == bob
    assert ticket.owner_since is not None
    assert ticket.handoff_count == 0
    assert ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED, data__reason="taken").exists()
    assert len(mail.outbox) == 1
    assert "Bob" in mail.outbox[0].body
    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Take this case" not in page


def test_taking_the_case_of_a_customer_without_e_mail_says_where_they_find_the_notice(
    client, organisation, alice, bob
):
    ticket = _case_of(alice, organisation, email="", phone="070-111 22 33")
    Ticket.objects.filter(pk=ticket.pk).update(owner=None)
    client.force_login(bob.user)

    response = client.post(
        reverse("tickets:take", kwargs={"number": ticket.number}),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    html = response.content.decode()
    assert "You have the case now." in html
    assert "The customer has no e-mail address; the notice is on their case page." in html
    notice = ticket.messages.filter(direction=Message.Direction.OUTBOUND).last()
    assert notice is not None
    assert "Bob" in notice.body
    assert notice.channel == Channel.WEB  # kept on the case page, not said to be mailed


def test_only_an_agent_of_the_team_takes_a_queued_case(client, organisation, alice, billing):
    ticket = _case_of(alice, organisation)
    Ticket.objects.filter(pk=ticket.pk).update(owner=None)
    outsider = make_agent(organisation, "olle", "Olle")
    outsider.teams.set([billing])
    client.force_login(outsider.user)

    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Take this case" not in page
    client.post(reverse("tickets:take", kwargs={"number": ticket.number}))

    ticket.refresh_from_db()
    assert ticket.owner is None


def test_the_team_lead_takes_a_queued_case_of_the_team_she_leads_without_being_in_it(
    client, organisation, alice, lead
):
    ticket = _case_of(alice, organisation)
    Ticket.objects.filter(pk=ticket.pk).update(owner=None)
    client.force_login(lead.user)

    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Take this case" in page
    client.post(reverse("tickets:take", kwargs={"number": ticket.number}))

    ticket.refresh_from_db()
    assert ticket.owner == lead


def test_the_lead_of_another_team_hands_over_with_a_note_like_everyone_else(
    client, organisation, alice, bob, billing
):
    ticket = _case_of(alice, organisation)
    other_lead = make_agent(organisation, "olle", "Olle")
    Team.objects.filter(pk=billing.pk).update(lead=other_lead)
    client.force_login(other_lead.user)

    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    refused = client.post(
        reverse("tickets:owner", kwargs={"number": ticket.number}), {"owner": bob.pk}
    )

    assert 'name="owner"' not in page
    assert "Hand over and tell the customer" in page
    assert refused.status_code == 403
    ticket.refresh_from_db()
    assert ticket.owner == alice


def test_the_lead_of_the_case_s_team_gives_it_to_anyone_directly(
    client, organisation, alice, bob, lead
):
    ticket = _case_of(alice, organisation)
    client.force_login(lead.user)

    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("tickets:owner", kwargs={"number": ticket.number}), {"owner": bob.pk})

    assert 'name="owner"' in page
    ticket.refresh_from_db()
    assert ticket.owner == bob


def test_a_fourth_hand_over_is_refused_for_what_it_is(alice_client, organisation, alice, bob):
    ticket = _case_of(alice, organisation)
    carl = make_agent(organisation, "carl", "Carl")
    dora = make_agent(organisation, "dora", "Dora")
    erik = make_agent(organisation, "erik", "Erik")
    actions.transfer_ticket(ticket, agent=alice, note="1", to_owner=bob)
    actions.transfer_ticket(ticket, agent=bob, note="2", to_owner=carl)
    actions.transfer_ticket(ticket, agent=carl, note="3", to_owner=dora)

    with pytest.raises(actions.TransferRefused, match="hops"):
        actions.transfer_ticket(ticket, agent=dora, note="4", to_owner=erik)
    alice_client.force_login(dora.user)
    response = alice_client.post(
        reverse("tickets:transfer", kwargs={"number": ticket.number}),
        {"to_owner": erik.pk, "note": "4"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.content.decode()
    assert "handed over too many times already" in body
    assert "back to someone who had it before" not in body
    ticket.refresh_from_db()
    assert ticket.owner == dora


# 3. When a person became the owner


def test_a_leads_owner_change_starts_the_owner_clock_and_an_empty_queue_does_not(
    organisation, alice, bob
):
    ticket = _case_of(alice, organisation)
    later = timezone.now() + timedelta(minutes=12)
    with time_machine.travel(later, tick=False):
        actions.assign_ticket(ticket, owner=bob, agent=alice)
    ticket.refresh_from_db()
    assert ticket.owner_since == later

    set_availability(alice, availability=Agent.Availability.AWAY)
    actions.transfer_ticket(ticket, agent=bob, note="Till kön.", to_team=organisation.default_team)
    ticket.refresh_from_db()
    assert ticket.owner is None
    assert ticket.owner_since is None


# 4. A hand-over into an empty queue


def test_a_hand_over_into_an_empty_queue_alerts_the_lead_and_tells_the_customer_honestly(
    organisation, alice, bob, lead
):
    ticket = _case_of(alice, organisation)
    set_availability(bob, availability=Agent.Availability.AWAY)
    mail.outbox.clear()

    actions.transfer_ticket(
        ticket, agent=alice, note="Till kön.", to_team=organisation.default_team
    )

    alert = Alert.objects.get(recipient=lead, ticket=ticket, kind=Alert.Kind.NOBODY)
    with translation.override("en"):
        assert alert.message() == (
            f"{ticket.reference} waits in the queue of Kundtjänst: nobody there is available."
        )
    notice = mail.outbox[-1].body
    assert "Ingen där är ledig just nu." in notice
    assert "troligen" in notice


def test_a_category_change_into_a_queue_nobody_can_take_from_alerts_its_lead(
    client, organisation, alice, lead
):
    billing = Team.objects.create(
        organisation=organisation, name="Fakturor", skills=["invoice"], lead=lead
    )
    Team.objects.create(
        organisation=organisation, name="Post", skills=["delivery"], lead=lead, strategy="manual"
    )
    ticket = _case_of(alice, organisation)
    sorted_by_hand = _case_of(alice, organisation, email="erik@example.se")
    client.force_login(alice.user)

    client.post(
        reverse("tickets:category", kwargs={"number": ticket.number}), {"category": "invoice"}
    )
    client.post(
        reverse("tickets:category", kwargs={"number": sorted_by_hand.number}),
        {"category": "delivery"},
    )

    ticket.refresh_from_db()
    assert ticket.team == billing
    assert ticket.owner is None
    alert = Alert.objects.get(recipient=lead, kind=Alert.Kind.NOBODY)
    assert alert.ticket == ticket
    with translation.override("en"):
        assert alert.message() == (
            f"{ticket.reference} waits in the queue of Fakturor: nobody there is available."
        )
    # A team that picks its cases by hand expects them to wait in its queue.
    assert not Alert.objects.filter(ticket=sorted_by_hand).exists()


# 5. A refused hand-over back has its own alert


def test_a_refused_hand_over_back_is_not_called_too_many_hand_overs(organisation, alice, bob, lead):
    ticket = _case_of(alice, organisation)
    actions.transfer_ticket(ticket, agent=alice, note="Till dig.", to_owner=bob)

    with pytest.raises(actions.TransferRefused, match="loop"):
        actions.transfer_ticket(ticket, agent=bob, note="Tillbaka.", to_owner=alice)

    alert = Alert.objects.get(recipient=lead, ticket=ticket)
    assert alert.kind == Alert.Kind.BOUNCED
    with translation.override("sv"):
        assert alert.get_kind_display() == "Överlämning tillbaka nekad"


# 6. A hand-over to a person of another team


def test_the_confirmation_says_the_case_moved_to_the_new_owners_team(
    alice_client, organisation, alice, billing
):
    ticket = _case_of(alice, organisation, body="Fråga om leverans.")
    berit = make_agent(organisation, "berit", "Berit")
    berit.teams.set([billing])

    response = alice_client.post(
        reverse("tickets:transfer", kwargs={"number": ticket.number}),
        {"to_owner": berit.pk, "note": "Fakturafråga."},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert (
        "Berit has the case now, in the team Fakturor. The customer has been told by e-mail."
        in (response.content.decode())
    )


# 7. The customer hears when an absent owner's case goes to the team queue


@pytest.mark.parametrize("stand_in", ["none", "away"])
def test_the_customer_hears_when_an_away_owners_case_goes_to_the_queue(
    organisation, alice, bob, lead, stand_in
):
    organisation.stand_in_after_hours = 4
    organisation.save()
    ticket = _case_of(alice, organisation)
    set_availability(bob, availability=Agent.Availability.AWAY)
    _go_away(alice, stand_in=bob if stand_in == "away" else None)
    mail.outbox.clear()

    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert hand_over_absent() == 1

    ticket.refresh_from_db()
    assert ticket.owner is None
    assert len(mail.outbox) == 1
    assert "har flyttats till Kundtjänst" in mail.outbox[0].body


def test_the_customer_hears_when_a_deactivated_owners_case_goes_to_the_queue(
    organisation, alice, bob
):
    ticket = _case_of(alice, organisation)
    set_availability(bob, availability=Agent.Availability.AWAY)
    Agent.objects.filter(pk=alice.pk).update(is_active=False)
    mail.outbox.clear()

    hand_over_absent()

    ticket.refresh_from_db()
    assert ticket.owner is None
    assert len(mail.outbox) == 1
    assert "har flyttats till Kundtjänst" in mail.outbox[0].body


def test_the_customer_hears_who_has_the_case_and_the_day_its_away_owner_is_back(
    organisation, alice, bob
):
    ticket = _case_of(alice, organisation, language="en", body="My invoice is wrong.")
    _go_away(alice, until=datetime.date(2026, 12, 18), stand_in=bob)
    mail.outbox.clear()

    actions.hand_to_stand_in(ticket, reason="away")

    # "Back on" is the day of return: not "until", which may or may not include that day.
    notice = mail.outbox[0].body
    assert "Your case NB-1001 is with Bob while Alice is away. Alice is back on 18 December." in (
        notice
    )


def test_a_swedish_customer_hears_whose_stand_in_has_the_case(organisation, alice, bob):
    ticket = _case_of(alice, organisation)
    _go_away(alice, stand_in=bob)
    mail.outbox.clear()

    actions.hand_to_stand_in(ticket, reason="away")

    assert "Ditt ärende NB-1001 ligger hos Bob medan Alice är borta." in mail.outbox[0].body


def _alerts_page(client, agent: Agent, language: str = "en") -> str:  # type: ignore[no-untyped-def]
    client.force_login(agent.user)
    return client.get(reverse("tickets:alerts"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_new_owner_is_alerted_to_a_hand_over_and_the_menu_counts_it(
    client, organisation, alice, bob
):
    ticket = _case_of(alice, organisation)

    actions.transfer_ticket(ticket, agent=alice, note="Bob kan fakturor.", to_owner=bob)

    page = _alerts_page(client, bob)
    assert "Alice handed NB-1001 to you." in page
    assert '<span class="count">(1 unread)</span>' in page
    assert "handed NB-1001" not in _alerts_page(client, alice)


def test_opening_the_case_marks_its_alerts_read_and_the_menu_count_drops(
    client, organisation, alice, bob
):
    ticket = _case_of(alice, organisation)
    other = _case_of(alice, organisation, email="erik@example.se")
    actions.transfer_ticket(ticket, agent=alice, note="Till dig.", to_owner=bob)
    actions.transfer_ticket(other, agent=alice, note="Och den här.", to_owner=bob)
    assert '<span class="count">(2 unread)</span>' in _alerts_page(client, bob)

    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<span class="count">(1 unread)</span>' in page
    alerts = _alerts_page(client, bob).split("Read earlier", 1)
    assert f"handed {ticket.reference} to you" in alerts[1]
    assert f"handed {other.reference} to you" in alerts[0]


def test_a_case_given_by_the_team_lead_alerts_its_new_owner(client, organisation, alice, bob, lead):
    ticket = _case_of(alice, organisation)

    actions.assign_ticket(ticket, owner=bob, agent=lead)

    assert "Lena lämnade över NB-1001 till dig." in _alerts_page(client, bob, "sv")


def test_the_stand_in_is_alerted_to_the_case_of_someone_away(client, organisation, alice, bob):
    ticket = _case_of(alice, organisation)
    _go_away(alice, stand_in=bob)

    actions.hand_to_stand_in(ticket, reason="away")

    assert "NB-1001 is yours while Alice is away." in _alerts_page(client, bob)


def test_taking_a_case_from_the_queue_alerts_nobody(client, organisation, alice, bob):
    ticket = _case_of(alice, organisation)
    Ticket.objects.filter(pk=ticket.pk).update(owner=None)

    actions.take_ticket(ticket, agent=bob)

    assert not Alert.objects.filter(kind=Alert.Kind.HANDED).exists()
    assert "Nothing needs your attention right now." in _alerts_page(client, bob)

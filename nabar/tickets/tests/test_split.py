"""Splitting a message off into a case of its own never leaves a case without the customer's words."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from nabar.tickets import actions
from nabar.tickets.models import Channel, Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)

SPLIT_BUTTON = "Make this message a case of its own"


def _detail(client, ticket: Ticket) -> str:
    return client.get(
        reverse("tickets:detail", kwargs={"number": ticket.number}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()


def test_a_case_with_one_message_from_the_customer_offers_no_split(
    alice_client, organisation, alice
):
    case = open_case(organisation)
    actions.reply_to_customer(case, agent=alice, body="Vi tittar på det.")
    assert case.messages.count() == 3  # the customer's, the receipt and the reply

    assert SPLIT_BUTTON not in _detail(alice_client, case)


def test_the_only_message_from_the_customer_cannot_be_split_off(alice_client, organisation, alice):
    case = open_case(organisation)
    actions.reply_to_customer(case, agent=alice, body="Vi tittar på det.")
    only = case.messages.get(direction=Message.Direction.INBOUND)

    with pytest.raises(ValueError, match="only"):
        actions.split_message(only, agent=alice)
    response = alice_client.post(
        reverse("tickets:split", kwargs={"number": case.number, "pk": only.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert "This is the only message from the customer in the case" in response.content.decode()
    assert Ticket.objects.count() == 1
    assert case.messages.filter(pk=only.pk).exists()


def test_the_customer_gets_the_number_and_link_of_the_case_split_off(organisation, alice):
    case = open_case(organisation, body="Min faktura är fel.")
    later = actions.add_customer_message(
        case, body="En annan sak: mitt lösenord fungerar inte.", channel=Channel.WEB
    )
    mail.outbox.clear()

    new = actions.split_message(later, agent=alice)

    (notice,) = mail.outbox
    assert new.reference in notice.subject
    assert (
        f"Ditt meddelande nedan är nu ett eget ärende, {new.reference}, så att det får ett eget "
        f"svar. Ditt ärende {case.reference} fortsätter som förut." in notice.body
    )
    assert '"En annan sak: mitt lösenord fungerar inte."' in notice.body
    assert actions.case_link(new) in notice.body
    assert actions.case_link(case) not in notice.body


def test_the_agent_hears_that_a_customer_without_e_mail_finds_the_notice_on_the_case_page(
    alice_client, organisation, alice
):
    case = open_case(organisation, email="", phone="070-111 22 33", body="Min faktura är fel.")
    later = actions.add_customer_message(case, body="Och en sak till.", channel=Channel.WEB)

    response = alice_client.post(
        reverse("tickets:split", kwargs={"number": case.number, "pk": later.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    new = Ticket.objects.get(messages=later)
    html = response.content.decode()
    assert f"The message is now case {new.reference}." in html
    assert "The customer has no e-mail address; the notice is on their case page." in html
    assert "ett eget ärende" in new.messages.filter(direction="out").get().body

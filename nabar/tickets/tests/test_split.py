"""Splitting a message off into a case of its own never leaves a case without the customer's words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from nabar.tickets import actions
from nabar.tickets.models import Message, Ticket
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

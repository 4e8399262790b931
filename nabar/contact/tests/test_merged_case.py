"""The customer's link to a case that was merged into another leads to the case that goes on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nabar.tickets import actions
from nabar.tickets.models import Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def merged(organisation, alice):
    """Eva's three cases: the second merged into the first, the third into the second."""
    first, second, third = (
        open_case(organisation, name="Eva", email="eva@example.se", body=f"Fråga {n}")
        for n in (1, 2, 3)
    )
    actions.merge_tickets(second, into=first, agent=alice)
    actions.merge_tickets(third, into=second, agent=alice)
    return first, second, third


def test_the_link_of_a_merged_away_case_leads_to_the_case_it_continues_in(client, merged):
    first, _second, third = merged

    response = client.get(third.get_public_url(), HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert response.redirect_chain[-1][0] == first.get_public_url()
    html = response.content.decode()
    assert f"Your case {third.reference} was joined with {first.reference}" in html
    assert "Fråga 3" in html
    assert "No messages yet." not in html


def test_the_notice_speaks_swedish(client, merged):
    first, second, _third = merged

    response = client.get(second.get_public_url(), HTTP_ACCEPT_LANGUAGE="sv", follow=True)

    assert (
        f"Ditt ärende {second.reference} har slagits ihop med {first.reference}"
        in response.content.decode()
    )


def test_the_receipt_of_a_merged_away_case_leads_there_too(client, organisation, merged):
    first, second, _third = merged

    response = client.get(
        reverse("contact:receipt", kwargs={"slug": organisation.slug, "token": second.public_token})
    )

    assert response.status_code == 302
    assert response["Location"] == first.get_public_url()


def test_a_message_written_on_a_merged_away_case_lands_in_the_surviving_case(client, merged):
    first, second, third = merged
    actions.change_status(first, status=Ticket.Status.SOLVED, agent=first.owner)

    response = client.post(third.get_public_url(), {"body": "En sak till."})

    assert response["Location"].startswith(first.get_public_url())
    assert first.messages.filter(direction=Message.Direction.INBOUND, body="En sak till.").exists()
    first.refresh_from_db()
    assert first.status == Ticket.Status.OPEN
    for duplicate in (second, third):
        duplicate.refresh_from_db()
        assert duplicate.status == Ticket.Status.CLOSED
        assert not duplicate.messages.exists()


def test_the_link_of_a_case_merged_long_ago_still_leads_on(client, settings, merged):
    first, second, _third = merged
    Ticket.objects.filter(pk=second.pk).update(
        closed_at=timezone.now() - timedelta(days=settings.NABAR_CASE_LINK_DAYS + 1)
    )

    response = client.get(second.get_public_url())

    assert response.status_code == 302
    assert response["Location"] == first.get_public_url()

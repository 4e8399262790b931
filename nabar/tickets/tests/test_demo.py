"""The demo the README's first command creates: logins, cases, a hand-over, a returning customer."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from nabar.accounts.models import Organisation
from nabar.tickets.management.commands.seed_demo import DEMO_PASSWORD
from nabar.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_shows_a_hand_over_and_a_returning_customer_with_the_same_person(client):
    call_command("seed_demo", stdout=io.StringIO())

    org = Organisation.objects.get(slug="demo")
    karin = Ticket.objects.filter(organisation=org, requester__name="Karin Lund").order_by("pk")
    assert karin.count() == 2
    assert karin[0].owner is not None
    assert karin[1].owner == karin[0].owner
    outage = Ticket.objects.get(organisation=org, requester__name="Sven Holm")
    assert outage.handoff_count == 1
    assert outage.events.filter(kind=TicketEvent.Kind.TRANSFERRED).exists()
    told = [m for m in mail.outbox if m.to == ["sven.holm@example.se"]]
    assert any("nätdriften i Hässelby" in m.body for m in told)

    assert client.login(username="dave", password=DEMO_PASSWORD)
    page = client.get(reverse("routing:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    everyone = page.split("Everyone", 1)[1]
    assert re.search(r"100 % \(1/1\)", everyone)
    case_page = client.get(outage.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hässelby har ett känt avbrott" in case_page  # the note, at the top for the new owner


def test_the_demo_can_be_created_twice_without_a_second_organisation():
    call_command("seed_demo", stdout=io.StringIO())
    cases = Ticket.objects.count()

    call_command("seed_demo", stdout=io.StringIO())

    assert Organisation.objects.filter(slug="demo").count() == 1
    assert Ticket.objects.count() == cases

"""The demo the README's first command creates: logins, cases, a hand-over, a returning customer,
and weeks of history that train the classifier and fill the reports."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.mail.models import OutboundEmail
from nabar.tickets.management.commands.seed_demo import DEMO_PASSWORD
from nabar.tickets.models import Alert, Ticket, TicketEvent

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

    readme = " ".join((Path(__file__).resolve().parents[3] / "README.md").read_text().split())
    assert f"Sven Holm's ({outage.reference})" in readme  # the README points at these two
    assert f"same person ({karin[1].reference})" in readme

    assert client.login(username="dave", password=DEMO_PASSWORD)
    page = client.get(reverse("routing:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    everyone = page.split("Everyone", 1)[1]
    assert re.search(r"100 % \(\d+/\d+\)", everyone)  # every returning customer kept their person
    case_page = client.get(outage.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hässelby har ett känt avbrott" in case_page  # the note, at the top for the new owner


def test_the_demo_has_a_history_that_trains_the_classifier_and_fills_the_reports(client):
    call_command("seed_demo", stdout=io.StringIO())

    org = Organisation.objects.get(slug="demo")
    past = Ticket.objects.filter(organisation=org, status=Ticket.Status.SOLVED).exclude(category="")
    assert past.count() >= 100
    oldest = past.order_by("created_at").first()
    assert oldest is not None
    assert oldest.created_at < timezone.now() - timedelta(days=50)
    # Answered hours after it was opened, and its mail went out then, not now.
    assert oldest.first_response_at - oldest.created_at >= timedelta(minutes=30)
    assert not OutboundEmail.objects.filter(ticket__in=past).exclude(status="sent").exists()
    assert not Alert.objects.filter(ticket__in=past, read_at__isnull=True).exists()

    today = Ticket.objects.filter(organisation=org, status__in=Ticket.OPEN_STATUSES)
    # The receipts promise a reply by the reply target, not at the pace of a quiet history.
    unanswered = today.filter(first_response_at__isnull=True)
    assert unanswered.count() >= 3
    for case in unanswered:
        assert case.expected_reply_until is not None
        assert case.due_at is not None
        assert abs(case.expected_reply_until - case.due_at) < timedelta(minutes=1), case
    routed = today.filter(category_set_by="model")
    assert routed.exists()  # sorted by the classifier learned from the history
    reasons = [
        reason["code"]
        for case in routed
        for reason in case.events.get(kind=TicketEvent.Kind.ROUTED).data["because"]
    ]
    assert "category" in reasons  # and sent to the team whose skill the category is
    waiting = today.filter(needs_triage=True)
    assert waiting.exists()  # and some it was unsure of wait for a person

    assert client.login(username="dave", password=DEMO_PASSWORD)
    triage_page = client.get(reverse("routing:triage"), HTTP_ACCEPT_LANGUAGE="en")
    assert waiting.first().reference in triage_page.content.decode()
    report = client.get(reverse("routing:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    customer_service = report.split("Kundtjänst", 1)[1].split("</tr>", 1)[0]
    # Some cases reached their final owner only after a hand-over: the 90th percentile shows it.
    p90 = re.findall(r"<td>(.*?)</td>", customer_service)[-1]
    assert p90 not in ("0 min", "—"), customer_service


def test_the_demo_can_be_created_twice_without_a_second_organisation():
    call_command("seed_demo", stdout=io.StringIO())
    cases = Ticket.objects.count()

    call_command("seed_demo", stdout=io.StringIO())

    assert Organisation.objects.filter(slug="demo").count() == 1
    assert Ticket.objects.count() == cases

"""A reply time that will not hold is announced again, once, before the customer is let down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from nabar.tickets import actions
from nabar.tickets.models import Ticket, TicketEvent
from nabar.tickets.sweep import reannounce_waits
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def _promise_too_early(ticket: Ticket) -> None:
    """As if the range announced had been far too optimistic and its likely time had passed."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        expected_reply_from=now - timedelta(minutes=5),
        expected_reply_until=now + timedelta(minutes=1),
    )


def test_a_range_that_will_not_hold_is_announced_again_once(organisation, alice):
    ticket = open_case(organisation, email="carol@example.se")
    _promise_too_early(ticket)
    mail.outbox.clear()

    assert reannounce_waits() == 1
    assert reannounce_waits() == 0

    ticket.refresh_from_db()
    assert ticket.expected_reply_until > timezone.now() + timedelta(minutes=30)
    assert ticket.events.filter(kind=TicketEvent.Kind.ESTIMATE).count() == 2
    (notice,) = mail.outbox
    assert ticket.reference in notice.subject
    assert "senare" in notice.subject or "later" in notice.subject
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"  # never answered in a loop


def test_a_case_a_person_has_answered_is_left_alone(organisation, alice):
    ticket = open_case(organisation)
    actions.reply_to_customer(ticket, agent=alice, body="Hej! Jag tittar på det.")
    _promise_too_early(ticket)
    mail.outbox.clear()

    call_command("sweep", verbosity=0)

    assert mail.outbox == []
    assert ticket.events.filter(kind=TicketEvent.Kind.ESTIMATE).count() == 1


def test_the_later_notice_of_a_case_still_in_the_queue_has_no_gap_for_an_owner(organisation):
    ticket = open_case(organisation, email="carol@example.se", language="en")
    assert ticket.owner_id is None  # nobody works here yet
    _promise_too_early(ticket)
    mail.outbox.clear()

    reannounce_waits()

    (notice,) = mail.outbox
    assert "\n\n\n" not in notice.body
    assert "Your case page (keep this link private):" in notice.body

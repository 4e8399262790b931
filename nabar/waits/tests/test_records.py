"""Announced waits are stored with the case, and a person's reply records the real wait."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from nabar.tickets import actions
from nabar.tickets.tests.factories import open_case
from nabar.waits.actions import record_abandoned, record_prediction
from nabar.waits.models import WaitPrediction

pytestmark = pytest.mark.django_db


def test_opening_a_case_stores_the_announced_range(organisation, alice):
    ticket = open_case(organisation)

    prediction = WaitPrediction.objects.get(ticket=ticket)
    assert prediction.channel == ticket.channel
    assert prediction.predictor == "written"
    assert prediction.answered_at is None
    announced_latest = ticket.expected_reply_until - prediction.predicted_at
    assert prediction.p90_seconds == pytest.approx(announced_latest.total_seconds(), abs=1)
    assert 0 <= prediction.median_seconds <= prediction.p90_seconds


def test_the_receipt_is_not_an_answer(organisation, alice):
    ticket = open_case(organisation)

    # The receipt went out (an automatic message), yet the wait is still open.
    assert ticket.messages.filter(written_by="automation").exists()
    assert WaitPrediction.objects.get(ticket=ticket).waited_seconds is None


def test_a_persons_reply_records_the_real_wait(organisation, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = open_case(organisation)
    with time_machine.travel(start + timedelta(minutes=42), tick=False):
        actions.reply_to_customer(ticket, agent=alice, body="Hej! Jag tittar på det.")

    prediction = WaitPrediction.objects.get(ticket=ticket)
    assert prediction.answered_at == start + timedelta(minutes=42)
    assert prediction.waited_seconds == pytest.approx(42 * 60)


def test_only_the_first_reply_counts(organisation, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = open_case(organisation)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        actions.reply_to_customer(ticket, agent=alice, body="Första svaret.")
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        actions.reply_to_customer(ticket, agent=alice, body="Ett till.")

    assert WaitPrediction.objects.get(ticket=ticket).waited_seconds == pytest.approx(300)


def test_a_reopened_case_gets_a_new_prediction_and_a_new_outcome(organisation, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = open_case(organisation)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        actions.reply_to_customer(ticket, agent=alice, body="Löst?")
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        actions.customer_verdict(ticket, solved=False, comment="Nej.")
    with time_machine.travel(start + timedelta(hours=1, minutes=20), tick=False):
        actions.reply_to_customer(ticket, agent=alice, body="Nu då?")

    waits = list(
        WaitPrediction.objects.filter(ticket=ticket)
        .order_by("predicted_at")
        .values_list("waited_seconds", flat=True)
    )
    assert waits == [pytest.approx(300), pytest.approx(1200)]


def test_a_customer_who_gives_up_is_recorded_as_such(organisation, alice):
    ticket = open_case(organisation)
    WaitPrediction.objects.filter(ticket=ticket).delete()
    record_prediction(
        organisation, channel="chat", predictor="live", median_seconds=60, p90_seconds=150,
        ticket=ticket,
    )  # fmt: skip

    assert record_abandoned(ticket, at=timezone.now() + timedelta(seconds=200)) == 1

    prediction = WaitPrediction.objects.get(ticket=ticket)
    assert prediction.abandoned
    assert prediction.waited_seconds == pytest.approx(200, abs=1)

"""The announced reply range: a team's queue learns from how its recent ranges turned out, and an
owner is measured by their pace while cases waited for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from nabar.accounts.models import Agent, Organisation
from nabar.tickets import actions, expected
from nabar.tickets.models import Ticket, TicketEvent
from nabar.tickets.tests.factories import open_case
from nabar.waits.models import WaitPrediction
from nabar.waits.predict import predict_written_wait

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def _team_queue_only(agent: Agent) -> None:
    """The agent takes no case of their own: every case waits in the team's queue."""
    agent.capacity = 0
    agent.save()


def _answered_quickly(
    organisation: Organisation, agent: Agent, *, cases: int, after: timedelta
) -> datetime:
    """``cases`` cases an hour apart, each answered ``after`` it came in, all from the team's
    queue; returns the next hour."""
    _team_queue_only(agent)
    at = START
    for number in range(cases):
        with time_machine.travel(at, tick=False):
            ticket = open_case(organisation, email=f"kund{number}@example.se")
        with time_machine.travel(at + after, tick=False):
            actions.reply_to_customer(ticket, agent=agent, body="Hej! Det är ordnat.")
        at += timedelta(hours=1)
    return at


def _model_alone(ticket: Ticket) -> tuple[timedelta, timedelta]:
    """The range the queue model gives for the case without anything learnt."""
    hours = expected.business_hours(ticket.organisation)
    rate = expected.replies_per_hour(ticket.organisation, hours, owner_id=ticket.owner_id)
    wait = predict_written_wait(
        ahead=0,
        replies_per_hour=rate,
        now=ticket.created_at,
        hours=hours,
        fallback=timedelta(hours=4),
    )
    return timedelta(seconds=wait.median_seconds), timedelta(seconds=wait.p90_seconds)


def test_cases_answered_sooner_than_announced_bring_the_likely_time_forward(organisation, alice):
    now = _answered_quickly(organisation, alice, cases=40, after=timedelta(minutes=5))

    with time_machine.travel(now, tick=False):
        ticket = open_case(organisation, email="ny@example.se")
        model_likely, model_latest = _model_alone(ticket)

    assert ticket.owner is None
    told_likely = ticket.expected_reply_from - ticket.created_at
    told_latest = ticket.expected_reply_until - ticket.created_at
    # The model alone says about 40 minutes; the last cases were all answered in 5.
    assert model_likely > timedelta(minutes=30)
    assert told_likely < timedelta(minutes=10)
    # The latest time is a promise: learning never brings it forward.
    assert told_latest == pytest.approx(model_latest, abs=timedelta(seconds=1))
    estimate = ticket.events.filter(kind=TicketEvent.Kind.ESTIMATE).get()
    assert "corrected" in estimate.data["basis"]


def test_too_few_answered_cases_change_nothing(organisation, alice):
    # Three replies give a reply rate; the 20 cases after them are too few to learn from.
    now = _answered_quickly(organisation, alice, cases=23, after=timedelta(minutes=5))
    assert WaitPrediction.objects.filter(open_waited_seconds__isnull=False).count() == 20

    with time_machine.travel(now, tick=False):
        ticket = open_case(organisation, email="ny@example.se")
        model_likely, model_latest = _model_alone(ticket)

    assert ticket.expected_reply_from - ticket.created_at == pytest.approx(
        model_likely, abs=timedelta(seconds=1)
    )
    assert ticket.expected_reply_until - ticket.created_at == pytest.approx(
        model_latest, abs=timedelta(seconds=1)
    )


def test_the_real_wait_is_kept_in_open_hours(organisation, alice):
    _team_queue_only(alice)
    organisation.opening_hours = {
        day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    organisation.save()
    # Three replies on Friday morning give a reply rate (Stockholm is UTC+1 in November).
    for number, hour in enumerate((8, 9, 10)):
        with time_machine.travel(datetime(2026, 11, 27, hour, tzinfo=UTC), tick=False):
            early = open_case(organisation, email=f"tidig{number}@example.se")
            actions.reply_to_customer(early, agent=alice, body="Hej!")

    # Friday 16:30 in Stockholm, answered on Monday at 08:30: an hour of open time.
    with time_machine.travel(datetime(2026, 11, 27, 15, 30, tzinfo=UTC), tick=False):
        ticket = open_case(organisation)
    with time_machine.travel(datetime(2026, 11, 30, 7, 30, tzinfo=UTC), tick=False):
        actions.reply_to_customer(ticket, agent=alice, body="Hej! Nu tittar jag på det.")

    prediction = WaitPrediction.objects.get(ticket=ticket)
    assert prediction.waited_seconds == pytest.approx(64 * 3600)
    assert prediction.open_waited_seconds == pytest.approx(3600)
    assert prediction.open_median_seconds is not None
    assert 0 < prediction.open_median_seconds <= prediction.open_p90_seconds


def test_an_owners_range_is_neither_corrected_nor_learnt_from(organisation, alice):
    now = _answered_quickly(organisation, alice, cases=40, after=timedelta(minutes=5))
    alice.capacity = 100  # she can take a case of her own again
    alice.save()

    with time_machine.travel(now, tick=False):
        ticket = open_case(organisation, email="ny@example.se")
        model_likely, _ = _model_alone(ticket)

    assert ticket.owner == alice
    assert ticket.expected_reply_from - ticket.created_at == pytest.approx(
        model_likely, abs=timedelta(seconds=1)
    )
    assert WaitPrediction.objects.get(ticket=ticket).open_median_seconds is None


def test_a_range_from_the_reply_target_is_not_learnt_from(organisation, alice):
    ticket = open_case(organisation)  # no replies yet: the range is the reply target
    actions.reply_to_customer(ticket, agent=alice, body="Hej!")

    prediction = WaitPrediction.objects.get(ticket=ticket)
    assert prediction.enough_data is False
    assert prediction.open_median_seconds is None
    assert prediction.open_waited_seconds is None


def _two_a_day_answered_in_minutes(organisation: Organisation, agent: Agent) -> datetime:
    """Ten cases over five days, each answered by ``agent`` ten minutes after it came in."""
    at = START
    for number in range(10):
        with time_machine.travel(at, tick=False):
            ticket = open_case(organisation, email=f"kund{number}@example.se")
        assert ticket.owner == agent
        with time_machine.travel(at + timedelta(minutes=10), tick=False):
            actions.reply_to_customer(ticket, agent=agent, body="Hej! Det är ordnat.")
        at += timedelta(hours=12)
    return at


def test_an_owner_who_answers_in_minutes_is_not_measured_by_how_little_came_in(organisation, alice):
    now = _two_a_day_answered_in_minutes(organisation, alice)
    with time_machine.travel(now, tick=False):
        open_case(organisation, email="forst@example.se")
        open_case(organisation, email="sedan@example.se")
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        ticket = open_case(organisation, email="ny@example.se")

    assert ticket.owner == alice
    # Two replies a day would say two days for the two cases ahead and this one; she answers
    # each within minutes when something waits.
    assert ticket.expected_reply_until - ticket.created_at < timedelta(hours=2)
    assert ticket.expected_reply_from < ticket.expected_reply_until


def test_an_owner_who_leaves_cases_waiting_is_not_measured_as_fast(organisation, alice):
    now = _two_a_day_answered_in_minutes(organisation, alice)
    # A case has waited for her for four days; it counts as time she had work waiting.
    with time_machine.travel(now - timedelta(days=4), tick=False):
        open_case(organisation, email="glomd@example.se")
    with time_machine.travel(now, tick=False):
        ticket = open_case(organisation, email="ny@example.se")

    assert ticket.owner == alice
    assert ticket.expected_reply_until - ticket.created_at > timedelta(hours=12)

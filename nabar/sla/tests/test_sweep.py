from __future__ import annotations

import threading
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone, translation

from nabar.accounts.models import Agent, Team
from nabar.sla import actions as sla
from nabar.sla.models import CaseClock
from nabar.sla.tasks import sweep_sla
from nabar.sla.tests.factories import open_in
from nabar.tickets import actions
from nabar.tickets.models import Alert, Channel, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=STHLM)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    return time_machine


@pytest.fixture
def lead(organisation, dave):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=dave)
    return dave


def test_the_owner_is_warned_before_a_chat_waits_three_minutes_and_only_once(
    clock, organisation, alice
):
    ticket = open_in(organisation, Channel.CHAT)
    clock.shift(timedelta(minutes=2, seconds=20))  # 40 s left; the window is 45 s

    first = sla.sweep()
    second = sla.sweep()
    Alert.objects.update(read_at=timezone.now())  # even once read, the warning is not repeated
    third = sla.sweep()

    assert (first.warned, second.warned, third.warned) == (1, 0, 0)
    alert = Alert.objects.get()
    assert alert.recipient == alice
    assert alert.kind == Alert.Kind.BREACH_SOON
    assert ticket.reference in alert.text
    with translation.override("sv"):
        assert alert.message() == (
            f"{ticket.reference}: första svar från en människa ska ske senast "
            "23 nov 10:03, om mindre än 1 min."
        )
    with translation.override("en"):
        assert alert.message() == (
            f"{ticket.reference}: the first human response is due at 23 Nov 10:03,"
            " in less than 1 min."
        )


def test_nothing_is_said_while_there_is_time_or_once_a_person_answered(clock, organisation, alice):
    ticket = open_in(organisation, Channel.CHAT)
    clock.shift(timedelta(minutes=1))
    assert sla.sweep().warned == 0

    actions.reply_to_customer(ticket, agent=alice, body="Hej, jag heter Alice.")
    clock.shift(timedelta(minutes=10))

    assert sla.sweep() == sla.SweepResult()
    assert not Alert.objects.exists()


def test_a_case_waiting_on_the_customer_never_breaches(clock, organisation, alice, lead):
    ticket = open_case_waiting = open_in(organisation, Channel.EMAIL)
    actions.change_status(open_case_waiting, status=Ticket.Status.WAITING, agent=alice)
    clock.shift(timedelta(days=3))

    assert sla.sweep() == sla.SweepResult()
    assert not Alert.objects.filter(ticket=ticket).exists()


def test_a_breach_alerts_the_team_lead(clock, organisation, alice, lead):
    ticket = open_in(organisation, Channel.CHAT)
    clock.shift(timedelta(minutes=3, seconds=1))

    result = sla.sweep()

    assert result.breached == 1
    alert = Alert.objects.get(kind=Alert.Kind.BREACHED)
    assert alert.recipient == lead
    assert ticket.reference in alert.text
    clock_row = CaseClock.objects.get(ticket=ticket, kind=CaseClock.Kind.FIRST_RESPONSE)
    assert clock_row.breached_at == MONDAY_10 + timedelta(minutes=3, seconds=1)
    # Already overdue when first seen: no "due soon" warning after the fact.
    assert not Alert.objects.filter(kind=Alert.Kind.BREACH_SOON).exists()


def test_an_away_owner_s_overdue_case_moves_to_the_stand_in(clock, organisation, alice, bob, lead):
    ticket = open_in(organisation, Channel.CALLBACK)
    assert ticket.owner == alice
    Agent.objects.filter(pk=alice.pk).update(availability=Agent.Availability.AWAY, stand_in=bob)
    clock.shift(timedelta(minutes=4))

    result = sla.sweep()
    sla.sweep()

    ticket.refresh_from_db()
    assert (result.breached, result.moved) == (1, 1)
    assert ticket.owner == bob
    moves = ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED, data__owner_id=bob.pk)
    assert moves.count() == 1
    assert moves.get().data["reason"] == "stand_in_after_breach"
    recipients = set(
        Alert.objects.filter(kind=Alert.Kind.BREACHED).values_list("recipient", flat=True)
    )
    assert recipients == {lead.pk, bob.pk}


def test_an_overdue_case_stays_with_an_owner_who_is_at_work(clock, organisation, alice, bob, lead):
    ticket = open_in(organisation, Channel.CHAT)
    Agent.objects.filter(pk=alice.pk).update(stand_in=bob)
    clock.shift(timedelta(minutes=4))

    sla.sweep()

    ticket.refresh_from_db()
    assert ticket.owner == alice


def test_two_sweeps_at_once_act_on_each_warning_and_breach_once(
    clock, organisation, alice, bob, lead
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrent sweeps are tested on PostgreSQL")
    tickets = [open_in(organisation, Channel.CHAT, email=f"c{i}@example.se") for i in range(6)]
    clock.shift(timedelta(minutes=2, seconds=20))
    later = [open_in(organisation, Channel.CHAT, email=f"l{i}@example.se") for i in range(4)]
    Agent.objects.filter(pk=alice.pk).update(availability=Agent.Availability.OFF, stand_in=bob)
    clock.shift(timedelta(minutes=2, seconds=40))  # the first six are overdue, the rest due soon
    results: list[sla.SweepResult] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(sla.sweep())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.breached for r in results) == len(tickets)
    assert sum(r.warned for r in results) == len(later)
    assert CaseClock.objects.filter(warned_at__isnull=False).count() == len(later)
    assert (
        Alert.objects.filter(kind=Alert.Kind.BREACH_SOON).values("ticket").distinct().count() == 4
    )
    moved_from_alice = sum(1 for t in tickets if t.owner_id == alice.pk)
    assert moved_from_alice > 0
    assert not Ticket.objects.filter(pk__in=[t.pk for t in tickets], owner=alice).exists()
    assert sum(r.moved for r in results) == moved_from_alice
    reasons = TicketEvent.objects.filter(data__reason="stand_in_after_breach")
    assert reasons.count() == moved_from_alice
    assert Alert.objects.filter(kind=Alert.Kind.BREACHED, recipient=lead).count() == len(tickets)


def test_the_command_and_the_task_sweep(clock, organisation, alice, lead):
    open_in(organisation, Channel.CHAT)
    clock.shift(timedelta(minutes=10))
    out = StringIO()

    call_command("sla_sweep", stdout=out)
    result = sweep_sla.enqueue()

    assert "breached 1" in out.getvalue()
    assert result.return_value == {"warned": 0, "breached": 0, "moved": 0}


def test_a_loop_needs_a_positive_interval():
    with pytest.raises(CommandError, match="positive number of seconds"):
        call_command("sla_sweep", "--loop", "0")

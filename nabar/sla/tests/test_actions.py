from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nabar.accounts.models import Team
from nabar.sla import actions as sla
from nabar.sla.models import CaseClock, ClockHours, TeamHours
from nabar.sla.tests.factories import open_in
from nabar.tickets import actions
from nabar.tickets.models import Channel, Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)

STHLM = ZoneInfo("Europe/Stockholm")
# A Monday that is no holiday.
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=STHLM)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    return time_machine


def _clock(ticket: Ticket, kind: str) -> CaseClock:
    return CaseClock.objects.filter(ticket=ticket, kind=kind).latest("pk")


def test_a_new_written_case_gets_a_first_response_and_a_resolution_clock(
    clock, organisation, alice
):
    ticket = open_case(organisation)

    first = _clock(ticket, CaseClock.Kind.FIRST_RESPONSE)
    assert first.due_at == MONDAY_10 + timedelta(hours=4)
    assert _clock(ticket, CaseClock.Kind.RESOLUTION).stopped_at is None
    ticket.refresh_from_db()
    assert ticket.due_at == first.due_at


def test_a_chat_must_reach_a_person_within_three_minutes(clock, organisation, alice):
    ticket = open_in(organisation, Channel.CHAT)

    ticket.refresh_from_db()
    assert ticket.due_at == MONDAY_10 + timedelta(minutes=3)


def test_the_receipt_notes_and_automatic_mail_do_not_stop_the_clock(clock, organisation, alice):
    ticket = open_case(organisation)
    assert ticket.messages.filter(written_by=Message.WrittenBy.AUTOMATION).exists()  # receipt

    actions.add_note(ticket, agent=alice, body="Kollar med ekonomi.")
    actions.add_automatic_message(ticket, body="Jag är på semester.", reason="vacation")

    first = _clock(ticket, CaseClock.Kind.FIRST_RESPONSE)
    assert first.stopped_at is None
    ticket.refresh_from_db()
    assert ticket.due_at == first.due_at


def test_a_human_reply_stops_the_response_clock(clock, organisation, alice):
    ticket = open_case(organisation)
    clock.shift(timedelta(minutes=20))

    actions.reply_to_customer(ticket, agent=alice, body="Hej! Jag tittar på det.")

    first = _clock(ticket, CaseClock.Kind.FIRST_RESPONSE)
    assert first.stopped_at == MONDAY_10 + timedelta(minutes=20)
    assert _clock(ticket, CaseClock.Kind.RESOLUTION).stopped_at is None
    ticket.refresh_from_db()
    assert ticket.due_at is None


def test_the_customer_writing_again_starts_a_next_response_clock(clock, organisation, alice):
    ticket = open_case(organisation)
    actions.reply_to_customer(ticket, agent=alice, body="Hej!")
    clock.shift(timedelta(hours=1))

    actions.add_customer_message(ticket, body="Tack, en fråga till.", channel=Channel.EMAIL)
    actions.add_customer_message(ticket, body="Och en till.", channel=Channel.EMAIL)

    running = CaseClock.objects.filter(ticket=ticket, kind=CaseClock.Kind.NEXT_RESPONSE)
    assert running.count() == 1
    assert running.get().due_at == MONDAY_10 + timedelta(hours=5)
    ticket.refresh_from_db()
    assert ticket.due_at == MONDAY_10 + timedelta(hours=5)


def test_waiting_on_the_customer_pauses_the_clocks_and_open_resumes_them(
    clock, organisation, alice
):
    ticket = open_case(organisation)
    clock.shift(timedelta(hours=1))
    actions.change_status(ticket, status=Ticket.Status.WAITING, agent=alice)
    ticket.refresh_from_db()
    assert ticket.due_at is None  # nothing is due from us while we wait on the customer

    clock.shift(timedelta(hours=2))
    actions.change_status(ticket, status=Ticket.Status.OPEN, agent=alice)

    first = _clock(ticket, CaseClock.Kind.FIRST_RESPONSE)
    assert first.paused_since is None
    assert first.paused_seconds == 2 * 3600
    assert first.due_at == MONDAY_10 + timedelta(hours=6)
    ticket.refresh_from_db()
    assert ticket.due_at == first.due_at


def test_a_reply_that_waits_on_the_customer_rests_the_resolution_clock(clock, organisation, alice):
    ticket = open_case(organisation)
    resolution_due = _clock(ticket, CaseClock.Kind.RESOLUTION).due_at
    actions.reply_to_customer(
        ticket, agent=alice, body="Kan du skicka fakturan?", status=Ticket.Status.WAITING
    )
    clock.shift(timedelta(hours=3))

    actions.add_customer_message(ticket, body="Här är den.", channel=Channel.EMAIL)

    assert _clock(ticket, CaseClock.Kind.RESOLUTION).due_at == resolution_due + timedelta(hours=3)
    assert _clock(ticket, CaseClock.Kind.NEXT_RESPONSE).stopped_at is None


def test_solving_stops_every_clock_and_reopening_starts_them_again(clock, organisation, alice):
    ticket = open_case(organisation)
    actions.reply_to_customer(ticket, agent=alice, body="Klart!", status=Ticket.Status.SOLVED)
    assert not CaseClock.objects.filter(ticket=ticket).running().exists()

    clock.shift(timedelta(days=1))
    actions.add_customer_message(ticket, body="Det är inte löst.", channel=Channel.EMAIL)

    kinds = set(CaseClock.objects.filter(ticket=ticket).running().values_list("kind", flat=True))
    assert kinds == {CaseClock.Kind.NEXT_RESPONSE, CaseClock.Kind.RESOLUTION}


def test_not_solved_from_the_customer_makes_a_person_due_again(clock, organisation, alice):
    ticket = open_case(organisation)
    actions.reply_to_customer(ticket, agent=alice, body="Klart!", status=Ticket.Status.SOLVED)
    clock.shift(timedelta(minutes=30))

    actions.customer_verdict(ticket, solved=False)

    ticket.refresh_from_db()
    assert ticket.due_at == MONDAY_10 + timedelta(minutes=30, hours=4)


def test_a_policy_for_a_priority_wins_over_the_channel_policy(clock, organisation, alice):
    common = dict(next_response=timedelta(hours=8), resolution=None, hours=ClockHours.ALWAYS)
    sla.set_policy(
        organisation, channel=Channel.WEB, priority="", first_response=timedelta(hours=2), **common
    )
    sla.set_policy(
        organisation,
        channel=Channel.WEB,
        priority=Ticket.Priority.URGENT,
        first_response=timedelta(minutes=30),
        **common,
    )

    targets = sla.targets_for(organisation.pk, channel=Channel.WEB, priority="urgent")
    ticket = open_case(organisation)

    assert targets.first_response == timedelta(minutes=30)
    ticket.refresh_from_db()
    assert ticket.due_at == MONDAY_10 + timedelta(hours=2)  # a normal case: the channel policy
    assert not CaseClock.objects.filter(ticket=ticket, kind=CaseClock.Kind.RESOLUTION).exists()


def test_the_team_opening_hours_and_own_holidays_decide_when_the_clock_runs(
    clock, organisation, alice
):
    team = Team.objects.get(pk=organisation.default_team_id)
    TeamHours.objects.create(
        team=team,
        time_zone="Europe/Stockholm",
        opening_hours={"mon": [["08:00", "11:00"]], "wed": [["08:00", "17:00"]]},
    )
    sla.add_holiday(organisation, day=MONDAY_10.date() + timedelta(days=2), name="Personaldag")

    ticket = open_case(organisation)

    # One hour on Monday; Tuesday closed; Wednesday the team's own holiday; then next Monday.
    ticket.refresh_from_db()
    assert ticket.due_at == datetime(2026, 11, 30, 11, 0, tzinfo=STHLM)


def test_opening_hours_that_never_open_still_give_a_due_time(clock, organisation, alice):
    TeamHours.objects.create(
        team_id=organisation.default_team_id, time_zone="Europe/Stockholm", opening_hours={}
    )

    ticket = open_case(organisation)

    ticket.refresh_from_db()
    assert ticket.due_at == MONDAY_10 + timedelta(hours=4)

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from nabar.sla import report
from nabar.sla.compliance import Contact, summarise
from nabar.sla.tests.factories import open_in
from nabar.tickets import actions
from nabar.tickets.models import Channel, Ticket

STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=STHLM)
TUESDAY_11 = datetime(2026, 11, 24, 11, 0, tzinfo=STHLM)
THREE_MIN = timedelta(minutes=3)


def test_a_receipt_is_no_answer_and_a_callback_is_never_a_zero_wait():
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    contacts = [
        Contact("callback", t0, answered_at=t0 + timedelta(minutes=9), ended_at=None),
        Contact("chat", t0, answered_at=None, ended_at=t0 + timedelta(minutes=1)),  # gave up
        Contact("chat", t0, answered_at=None, ended_at=None),  # still waiting, 1 min so far
    ]

    rows = summarise(
        contacts, by="day", tz="Europe/Stockholm", now=t0 + timedelta(minutes=1), target=THREE_MIN
    )

    callback, chat = rows
    assert (callback.in_target, callback.missed, callback.share) == (0, 1, 0.0)
    assert callback.longest_wait == timedelta(minutes=9)
    assert (chat.abandoned, chat.pending, chat.share) == (1, 1, 0.0)


def test_days_and_weeks_follow_local_midnight():
    late = datetime(2026, 11, 29, 23, 30, tzinfo=STHLM)  # Sunday night, week 48
    contact = Contact("chat", late, answered_at=late + timedelta(minutes=1), ended_at=None)

    (day,) = summarise([contact], by="day", tz="Europe/Stockholm", now=late, target=THREE_MIN)
    (week,) = summarise([contact], by="week", tz="Europe/Stockholm", now=late, target=THREE_MIN)

    assert (day.period, week.period) == ("2026-11-29", "2026-W48")


@pytest.fixture
def known_cases(time_machine, organisation, alice):
    """Seven live contacts and one web form, with waits known to the second."""

    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    def answered(channel: Channel, after: timedelta, email: str) -> Ticket:
        at(MONDAY_10)
        ticket = open_in(organisation, channel, email=email)
        at(MONDAY_10 + after)
        actions.reply_to_customer(ticket, agent=alice, body="Hej, Alice här.")
        return ticket

    answered(Channel.CHAT, timedelta(minutes=2), "a@example.se")
    answered(Channel.CHAT, timedelta(minutes=5), "b@example.se")
    answered(Channel.CALLBACK, timedelta(minutes=10), "c@example.se")
    at(MONDAY_10)
    gave_up = open_in(organisation, Channel.CHAT, email="d@example.se")
    at(MONDAY_10 + timedelta(minutes=8))
    actions.change_status(gave_up, status=Ticket.Status.CLOSED, agent=alice)
    at(MONDAY_10)
    open_in(organisation, Channel.CHAT, email="f@example.se")  # only the receipt, still waiting
    open_in(organisation, Channel.WEB, email="e@example.se")  # written: not in this report
    tuesday = TUESDAY_11 - timedelta(hours=1)
    at(tuesday)
    quick = open_in(organisation, Channel.CHAT, email="g@example.se")
    at(tuesday + timedelta(minutes=1))
    actions.reply_to_customer(quick, agent=alice, body="Hej!")
    at(TUESDAY_11 - timedelta(seconds=30))
    open_in(organisation, Channel.CHAT, email="h@example.se")  # waiting 30 s: pending
    at(TUESDAY_11)


@pytest.mark.django_db(transaction=True)
def test_the_report_counts_a_known_week_honestly(known_cases, organisation):
    result = report.build(organisation, start=MONDAY_10.date(), end=TUESDAY_11.date())

    days = {(r.period, r.channel): r for r in result.days}
    monday_chat = days[("2026-11-23", "chat")]
    assert (monday_chat.contacts, monday_chat.in_target, monday_chat.missed) == (4, 1, 2)
    assert monday_chat.abandoned == 1
    assert monday_chat.share == 0.25
    assert monday_chat.longest_wait == TUESDAY_11 - MONDAY_10  # the one still waiting
    monday_callback = days[("2026-11-23", "callback")]
    assert (monday_callback.missed, monday_callback.longest_wait) == (1, timedelta(minutes=10))
    tuesday_chat = days[("2026-11-24", "chat")]
    assert (tuesday_chat.contacts, tuesday_chat.pending, tuesday_chat.share) == (2, 1, 1.0)
    assert ("2026-11-23", "web") not in days
    (week_callback, week_chat) = result.weeks
    assert week_callback.channel == "callback"
    assert (week_chat.period, week_chat.contacts, week_chat.in_target) == ("2026-W48", 6, 2)
    assert week_chat.share == 2 / 5
    assert result.longest[0][1] == TUESDAY_11 - MONDAY_10


@pytest.mark.django_db(transaction=True)
def test_the_report_downloads_as_csv(known_cases, client, dave):
    client.force_login(dave.user)

    response = client.get(
        reverse("sla:compliance"),
        {"start": "2026-11-23", "end": "2026-11-24", "format": "csv"},
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    week_chat = next(r for r in rows if r["period_kind"] == "week" and r["channel"] == "chat")
    assert week_chat["share_within_3_min"] == "0.4000"
    assert week_chat["abandoned"] == "1"
    monday_callback = next(
        r for r in rows if r["period"] == "2026-11-23" and r["channel"] == "callback"
    )
    assert monday_callback["longest_wait_seconds"] == "600"


@pytest.mark.django_db(transaction=True)
def test_a_report_longer_than_a_year_is_refused_with_one_date_given_too(client, dave):
    client.force_login(dave.user)

    response = client.get(
        reverse("sla:compliance"), {"start": "1900-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert "Choose at most a year at a time." in response.content.decode()
    assert 'value="1900-01-01"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_report_page_shows_the_share_and_the_longest_waits(known_cases, client, dave):
    client.force_login(dave.user)

    html = client.get(
        reverse("sla:compliance"),
        {"start": "2026-11-23", "end": "2026-11-24"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()

    assert "25 %" in html
    assert "40 %" in html
    assert "still waiting" in html
    assert "closed without a reply" in html
    assert "Mon 23 Nov 2026" in html
    assert "Week 48: 23 Nov–29 Nov 2026" in html
    assert "2026-11-23<" not in html
    assert "2026-W48" not in html


@pytest.mark.django_db(transaction=True)
def test_the_report_page_writes_days_and_weeks_in_swedish_too(known_cases, client, dave):
    client.force_login(dave.user)

    html = client.get(
        reverse("sla:compliance"),
        {"start": "2026-11-23", "end": "2026-11-24"},
        HTTP_ACCEPT_LANGUAGE="sv",
    ).content.decode()

    assert "mån 23 nov 2026" in html
    assert "Vecka 48: 23 nov–29 nov 2026" in html


@pytest.mark.django_db(transaction=True)
def test_the_report_command_writes_csv(known_cases, organisation):
    out = StringIO()

    call_command("sla_report", "--from", "2026-11-23", "--to", "2026-11-24", "--csv", stdout=out)

    assert out.getvalue().splitlines()[0].startswith("period_kind,period,channel")
    assert "week,2026-W48,chat,6,2,2,1,1,0.4000" in out.getvalue()


@pytest.mark.django_db
def test_the_report_command_explains_a_bad_date(organisation):
    with pytest.raises(CommandError, match="not a date like 2026-11-30"):
        call_command("sla_report", "--from", "23/11/2026")

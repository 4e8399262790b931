from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nabar.conftest import make_agent
from nabar.sla.models import ClockHours, Holiday, SlaPolicy

pytestmark = pytest.mark.django_db(transaction=True)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def dave_client(client, dave):
    client.force_login(dave.user)
    return client


def _policy_post(**changes: str) -> dict[str, str]:
    data = {
        "channel": "chat",
        "priority": "",
        "first_response": "2 min",
        "next_response": "5 min",
        "resolution": "",
        "hours": ClockHours.ALWAYS,
    }
    return data | changes


def test_pages_need_a_login(client, organisation):
    response = client.get(reverse("sla:policies"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_agent_reads_the_targets_but_cannot_change_them(alice_client, organisation):
    html = alice_client.get(reverse("sla:policies"), **EN).content.decode()

    assert "3 min" in html  # the live default
    assert "Around the clock" in html
    assert reverse("sla:edit_policy") not in html
    edit = alice_client.get(reverse("sla:edit_policy"), {"channel": "chat"})
    post = alice_client.post(reverse("sla:edit_policy"), _policy_post())
    report = alice_client.get(reverse("sla:compliance"))
    assert (edit.status_code, post.status_code, report.status_code) == (403, 403, 403)
    assert not SlaPolicy.objects.exists()


def test_an_admin_changes_a_channel_target(dave_client, organisation):
    form = dave_client.get(reverse("sla:edit_policy"), {"channel": "email"}, **EN)
    assert 'value="4 h"' in form.content.decode()

    response = dave_client.post(
        reverse("sla:edit_policy"),
        _policy_post(channel="email", first_response="1 h 30 min", hours=ClockHours.BUSINESS),
        follow=True,
        **EN,
    )

    policy = SlaPolicy.objects.get()
    assert (policy.channel, policy.first_response) == ("email", timedelta(hours=1, minutes=30))
    assert policy.resolution is None
    assert "The service level was saved" in response.content.decode()
    assert "1 h 30 min" in response.content.decode()


def test_an_unreadable_duration_keeps_what_was_typed_and_says_why(dave_client, organisation):
    response = dave_client.post(
        reverse("sla:edit_policy"),
        _policy_post(first_response="tre minuter", next_response="7 min"),
        **EN,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Write a duration like 3 min, 4 h or 1 h 30 min." in html
    assert 'value="tre minuter"' in html
    assert 'value="7 min"' in html
    assert not SlaPolicy.objects.exists()


def test_an_admin_returns_a_channel_to_the_default(dave_client, organisation):
    dave_client.post(reverse("sla:edit_policy"), _policy_post())

    dave_client.post(reverse("sla:reset_policy"), {"channel": "chat", "priority": ""})

    assert not SlaPolicy.objects.exists()


def test_an_admin_adds_and_removes_a_holiday(dave_client, organisation):
    dave_client.post(reverse("sla:add_holiday"), {"date": "2026-12-28", "name": "Mellandag"})
    again = dave_client.post(
        reverse("sla:add_holiday"), {"date": "2026-12-28", "name": "Igen"}, **EN
    )

    holiday = Holiday.objects.get()
    assert holiday.date == date(2026, 12, 28)
    assert again.status_code == 422
    assert "already a holiday" in again.content.decode()
    assert 'value="Igen"' in again.content.decode()
    dave_client.post(reverse("sla:remove_holiday", kwargs={"pk": holiday.pk}))
    assert not Holiday.objects.exists()


def test_another_organisation_s_holiday_cannot_be_removed(dave_client, organisation):
    from nabar.accounts.models import Organisation

    other = Organisation.objects.create(name="Annan", slug="annan", email_address="a@annan.example")
    holiday = Holiday.objects.create(organisation=other, date=date(2026, 12, 28), name="Deras")

    response = dave_client.post(reverse("sla:remove_holiday", kwargs={"pk": holiday.pk}))

    assert response.status_code == 404
    assert Holiday.objects.filter(pk=holiday.pk).exists()


def test_a_team_lead_sees_the_compliance_report_empty_state(client, organisation):
    lead = make_agent(organisation, "erik", "Erik")
    organisation.default_team.lead = lead
    organisation.default_team.save()
    client.force_login(lead.user)

    html = client.get(reverse("sla:compliance"), **EN).content.decode()

    assert "No live contacts from" in html
    assert not re.search(r"No live contacts from \d{4}-\d\d-\d\d", html)


def test_holidays_are_written_as_people_write_dates(dave_client, organisation):
    Holiday.objects.create(organisation=organisation, date=date(2026, 12, 28), name="Mellandag")

    html = dave_client.get(reverse("sla:policies"), **EN).content.decode()

    assert "28 December 2026</time> Mellandag" in html
    assert "1 January 2026</time> New Year" in html
    assert "2026-12-28 Mellandag" not in html


def test_a_report_period_that_ends_before_it_starts_is_explained(dave_client, organisation):
    response = dave_client.get(
        reverse("sla:compliance"), {"start": "2026-11-20", "end": "2026-11-01"}, **EN
    )

    assert response.status_code == 422
    assert "The end date is before the start date." in response.content.decode()


def test_the_pages_use_the_same_number_of_queries_for_few_or_many_cases(
    dave_client, organisation, alice, django_assert_num_queries
):
    from nabar.sla.tests.factories import open_in
    from nabar.tickets.models import Channel

    def add_cases(n: int, prefix: str) -> None:
        for i in range(n):
            open_in(organisation, Channel.CHAT, email=f"{prefix}{i}@example.se")
        Holiday.objects.create(
            organisation=organisation, date=date(2027, 1, 2 + len(prefix) + n), name=prefix
        )
        dave_client.post(reverse("sla:edit_policy"), _policy_post(priority=prefix))

    pages = [reverse("sla:policies"), reverse("sla:compliance")]
    add_cases(2, "low")
    counts = []
    for page in pages:
        dave_client.get(page)
        with CaptureQueriesContext(connection) as few:
            dave_client.get(page)
        counts.append(len(few.captured_queries))
    add_cases(8, "high")

    for page, count in zip(pages, counts, strict=True):
        with django_assert_num_queries(count):
            dave_client.get(page)

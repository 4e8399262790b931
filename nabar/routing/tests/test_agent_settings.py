"""The agents part of the routing settings: an administrator sets what routing knows of people."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from nabar.accounts.models import Agent, Organisation, Team
from nabar.conftest import make_agent
from nabar.routing.forms import OrganisationRoutingForm
from nabar.tickets.models import TicketEvent
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dave_client(client, dave):  # type: ignore[no-untyped-def]
    client.force_login(dave.user)
    return client


def _edit_url(agent: Agent) -> str:
    return reverse("routing:agent_edit", kwargs={"pk": agent.pk})


def _post(client, agent: Agent, *, language: str = "en", **changes: object):  # type: ignore[no-untyped-def]
    """The edit form as the page fills it in, with ``changes`` typed over it."""
    data: dict[str, object] = {
        "teams": [team.pk for team in agent.teams.all()],
        "languages": ", ".join(agent.languages),
        "skills": ", ".join(agent.skills),
        "capacity": agent.capacity,
        "chat_capacity": agent.chat_capacity,
    }
    return client.post(_edit_url(agent), data | changes, HTTP_ACCEPT_LANGUAGE=language)


def test_the_settings_page_lists_the_agents_with_their_load_and_an_edit_link(
    dave_client, organisation, dave, alice, bob, django_assert_num_queries
):
    billing = Team.objects.create(organisation=organisation, name="Fakturor")
    alice.teams.add(billing)
    Agent.objects.filter(pk=alice.pk).update(skills=["invoice"], capacity=12, languages=["fi"])
    Agent.objects.filter(pk=bob.pk).update(is_active=False)
    Agent.objects.filter(pk=dave.pk).update(capacity=0)
    open_case(organisation)  # to Alice: Dave takes no new cases, Bob has left

    page = dave_client.get(reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE="en")

    body = page.content.decode()
    assert page.status_code == 200
    assert '<h2 id="agents-heading">Agents</h2>' in body
    assert "<td>Fakturor, Kundtjänst</td>" in body
    assert "<td>Finnish</td>" in body
    assert "<td>invoice</td>" in body
    assert "<td>1 / 12</td>" in body
    assert "<td>0 / 0</td>" in body
    assert f'<a href="{_edit_url(alice)}">Edit' in body
    assert "Bob (not active)" in body
    assert body.index('<th scope="row">Dave') < body.index("Bob (not active)")  # active first
    swedish = dave_client.get(reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE="sv")
    assert "<td>Finska</td>" in swedish.content.decode()
    # The table costs the same few queries however many agents there are.
    with django_assert_num_queries(12):
        dave_client.get(reverse("routing:settings"))
    for n in range(5):
        make_agent(organisation, f"extra{n}", f"Extra {n}")
    with django_assert_num_queries(12):
        dave_client.get(reverse("routing:settings"))


def test_with_no_agents_the_table_gives_way_to_a_sentence(organisation):
    request = RequestFactory().get("/settings/routing/")
    context = {
        "agents": [],
        "rules": [],
        "teams": [],
        "organisation_form": OrganisationRoutingForm(instance=organisation),
    }
    with translation.override("en"):
        body = render_to_string("routing/settings.html", context, request=request)

    assert "No agents yet." in body
    assert "Open cases now / at most" not in body


def test_an_admin_moves_an_agent_to_a_team_and_routing_follows(dave_client, organisation, alice):
    billing = Team.objects.create(organisation=organisation, name="Fakturor")
    organisation.default_team = billing
    organisation.save()

    response = _post(dave_client, alice, teams=[billing.pk])

    assert response.status_code == 302
    assert response.url == reverse("routing:settings") + "#agents"
    assert list(alice.teams.all()) == [billing]
    page = dave_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Routing settings for Alice saved." in page
    ticket = open_case(organisation)
    assert ticket.team == billing
    assert ticket.owner == alice  # the only one in the team; Dave is not in it


def test_an_admin_sets_capacity_0_and_routing_gives_that_agent_no_new_case(
    dave_client, organisation, alice, bob, dave
):
    Agent.objects.filter(pk=dave.pk).update(capacity=0)

    response = _post(dave_client, alice, capacity="0", chat_capacity="0")

    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.capacity, alice.chat_capacity) == (0, 0)
    cases = [open_case(organisation, email=f"kund{i}@example.se") for i in range(3)]
    assert {case.owner for case in cases} == {bob}
    assert not TicketEvent.objects.filter(ticket__owner=alice).exists()


def test_an_admin_sets_languages_and_skills_and_the_language_decides_the_owner(
    dave_client, organisation, alice, bob, dave
):
    Agent.objects.filter(pk__in=[bob.pk, dave.pk]).update(languages=["sv"])

    response = _post(dave_client, alice, languages="sv, FI", skills="invoice, delivery ")

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.languages == ["sv", "fi"]
    assert alice.skills == ["invoice", "delivery"]
    finnish = open_case(organisation, body="Hei, laskussani on virhe.", language="fi")
    assert finnish.owner == alice


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"capacity": "-1"}, "Write 0 or a larger whole number."),
        ({"capacity": "many"}, "Write a whole number, e.g. 40."),
        ({"chat_capacity": "5000"}, "Write 100 or a smaller number."),
        ({"languages": "sv, klingon"}, "Not a language Nåbar recognises in cases: klingon."),
    ],
)
def test_bad_input_is_refused_explained_and_kept(dave_client, alice, changes, error):
    before = (alice.capacity, alice.chat_capacity, alice.languages)

    response = _post(dave_client, alice, skills="kept, too", **changes)

    assert response.status_code == 422
    body = response.content.decode()
    assert error in body
    assert 'value="kept, too"' in body
    for value in changes.values():
        assert f'value="{value}"' in body
    alice.refresh_from_db()
    assert (alice.capacity, alice.chat_capacity, alice.languages) == before
    assert alice.skills == []


def test_the_refusal_is_in_the_readers_language(dave_client, alice):
    response = _post(dave_client, alice, language="sv", languages="svenska, xx")

    assert response.status_code == 422
    assert "Inte ett språk som Nåbar känner igen i ärenden: xx." in response.content.decode()


def test_languages_may_be_written_by_name_and_are_kept_as_codes(dave_client, alice):
    response = _post(dave_client, alice, languages="Svenska, english, nb, sv")

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.languages == ["sv", "en", "no"]


def test_the_edit_page_shows_the_agent_and_only_the_organisations_teams(
    dave_client, organisation, alice
):
    other = Organisation.objects.create(
        name="Annan", slug="annan", email_address="kontakt@annan.example"
    )
    Team.objects.create(organisation=other, name="Deras team")
    Agent.objects.filter(pk=alice.pk).update(languages=["sv", "en"], capacity=25)

    page = dave_client.get(_edit_url(alice), HTTP_ACCEPT_LANGUAGE="en")

    body = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Agent: Alice</h1>" in body
    assert "Kundtjänst" in body
    assert "Deras team" not in body
    assert 'value="sv, en"' in body
    assert 'value="25"' in body
    assert "0: no new cases at all" in body  # the help text under the field
    assert 'type="password"' not in body
    assert 'name="is_staff"' not in body


def test_another_organisations_team_or_agent_cannot_be_used(dave_client, alice):
    other = Organisation.objects.create(
        name="Annan", slug="annan", email_address="kontakt@annan.example"
    )
    theirs = Team.objects.create(organisation=other, name="Deras team")
    stranger = make_agent(other, "olle", "Olle")

    assert dave_client.get(_edit_url(stranger)).status_code == 404
    assert _post(dave_client, stranger, capacity="0").status_code == 404
    assert _post(dave_client, alice, teams=[theirs.pk]).status_code == 422
    stranger.refresh_from_db()
    assert stranger.capacity == 40
    assert list(alice.teams.values_list("name", flat=True)) == ["Kundtjänst"]


def test_an_agent_who_is_not_an_admin_cannot_open_or_post_the_page(alice_client, alice, bob):
    assert alice_client.get(_edit_url(bob)).status_code == 403
    assert _post(alice_client, bob, capacity="0").status_code == 403
    assert alice_client.get(_edit_url(alice)).status_code == 403
    bob.refresh_from_db()
    assert bob.capacity == 40


def test_the_form_needs_the_security_token(client, dave, alice):
    client.handler.enforce_csrf_checks = True
    client.force_login(dave.user)

    response = _post(client, alice, capacity="0")

    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.capacity == 40

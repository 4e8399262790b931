"""The routing pages as admins, team leads and agents meet them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from nabar.accounts.models import Agent, Organisation, Team
from nabar.routing import reports
from nabar.routing.models import RoutingRule, UrgencyWords
from nabar.tickets import actions
from nabar.tickets.alerts import raise_alert
from nabar.tickets.models import Alert, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dave_client(client, dave):  # type: ignore[no-untyped-def]
    client.force_login(dave.user)
    return client


def test_an_admin_adds_a_rule_in_the_product_and_it_routes_the_next_case(
    dave_client, organisation, alice
):
    billing = Team.objects.create(organisation=organisation, name="Fakturor")
    alice.teams.set([billing])

    response = dave_client.post(
        reverse("routing:rule_new"),
        {
            "name": "Fakturor",
            "field_1": "keywords",
            "op_1": "contains_any",
            "value_1": "faktura, räkning",
            "set_team": billing.pk,
            "set_priority": "high",
            "stop": "on",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.conditions == [
        {"field": "keywords", "op": "contains_any", "value": "faktura, räkning"}
    ]
    ticket = open_case(organisation, body="Min räkning är för hög.")
    assert ticket.team == billing
    page = dave_client.get(reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE="sv")
    assert "Ord i meddelandet innehåller något av “faktura, räkning”" in page.content.decode()
    assert "contains_any" not in page.content.decode()
    assert "prioritet hög" in page.content.decode()
    page = dave_client.get(reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Words in the message contains any of “faktura, räkning”" in page.content.decode()


def test_a_rule_without_an_action_or_value_is_refused_and_keeps_what_was_typed(dave_client):
    response = dave_client.post(
        reverse("routing:rule_new"),
        {"name": "Halvfärdig", "field_1": "keywords", "op_1": "contains_any", "value_1": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "Give a value for this condition." in body
    assert "Choose what the rule does" in body
    assert 'value="Halvfärdig"' in body
    assert not RoutingRule.objects.exists()


def test_rules_are_reordered_from_the_page(dave_client, organisation):
    team = organisation.default_team
    first = RoutingRule.objects.create(
        organisation=organisation, position=1, name="A", set_team=team
    )
    second = RoutingRule.objects.create(
        organisation=organisation, position=2, name="B", set_team=team
    )

    dave_client.post(reverse("routing:rule_move", kwargs={"pk": second.pk}), {"direction": "up"})

    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["B", "A"]
    assert first.pk != second.pk


def test_deleting_a_rule_asks_first_and_deletes_only_when_confirmed(dave_client, organisation):
    rule = RoutingRule.objects.create(
        organisation=organisation, position=1, name="Fakturor", set_priority="high"
    )
    url = reverse("routing:rule_delete", kwargs={"pk": rule.pk})

    settings_page = dave_client.get(reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'<a href="{url}" class="danger-link"' in settings_page.content.decode()
    assert f'action="{url}"' not in settings_page.content.decode()  # no one-click delete
    question = dave_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert question.status_code == 200
    page = question.content.decode()
    assert "<h1>Delete the rule “Fakturor”?</h1>" in page
    assert (
        "Cases already routed keep their team; new cases will no longer be matched by it." in page
    )
    assert f'href="{reverse("routing:settings")}" class="cancel">Cancel</a>' in page
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
    swedish = dave_client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "<h1>Ta bort regeln ”Fakturor”?</h1>" in swedish

    response = dave_client.post(url)

    assert response.url == reverse("routing:settings")
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_another_organisations_rule_cannot_be_asked_about_or_deleted(dave_client):
    other = Organisation.objects.create(
        name="Annan", slug="annan", email_address="kontakt@annan.example"
    )
    rule = RoutingRule.objects.create(organisation=other, name="Deras", set_priority="high")
    url = reverse("routing:rule_delete", kwargs={"pk": rule.pk})

    assert dave_client.get(url).status_code == 404
    assert dave_client.post(url).status_code == 404
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def test_an_agent_who_is_not_an_admin_cannot_see_or_change_routing(alice_client, organisation):
    rule = RoutingRule.objects.create(
        organisation=organisation, name="A", set_team=organisation.default_team
    )

    assert alice_client.get(reverse("routing:settings")).status_code == 403
    delete_url = reverse("routing:rule_delete", kwargs={"pk": rule.pk})
    assert alice_client.get(delete_url).status_code == 403
    assert alice_client.post(delete_url).status_code == 403
    assert alice_client.get(reverse("routing:report")).status_code == 403
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def test_an_admin_edits_a_team_skills_and_strategy(dave_client, organisation, alice):
    team = organisation.default_team

    dave_client.post(
        reverse("routing:team_edit", kwargs={"pk": team.pk}),
        {
            "name": team.name,
            "lead": alice.pk,
            "skills": "invoice, delivery",
            "strategy": "round_robin",
        },
    )

    team.refresh_from_db()
    assert team.skills == ["invoice", "delivery"]
    assert team.strategy == "round_robin"
    assert team.lead == alice


def test_the_transfer_form_without_a_note_keeps_the_choice_and_says_why(
    alice_client, organisation, alice, bob
):
    ticket = open_case(organisation)
    Ticket.objects.filter(pk=ticket.pk).update(owner=alice)

    response = alice_client.post(
        reverse("tickets:transfer", kwargs={"number": ticket.number}),
        {"to_owner": bob.pk, "note": "", "why": "Bob kan fakturor"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "Write a hand-over note for the new owner." in body
    assert 'value="Bob kan fakturor"' in body
    ticket.refresh_from_db()
    assert ticket.owner == alice


def test_a_transfer_from_the_case_page_shows_the_note_to_the_new_owner(
    client, organisation, alice, bob
):
    ticket = open_case(organisation)
    Ticket.objects.filter(pk=ticket.pk).update(owner=alice)
    client.force_login(alice.user)

    client.post(
        reverse("tickets:transfer", kwargs={"number": ticket.number}),
        {"to_owner": bob.pk, "note": "Kunden vill ha en kreditnota."},
    )

    client.force_login(bob.user)
    page = client.get(reverse("tickets:detail", kwargs={"number": ticket.number})).content.decode()
    assert "Kunden vill ha en kreditnota." in page
    assert page.index("Kunden vill ha en kreditnota.") < page.index("thread-heading")


def test_the_triage_queue_lists_unsure_cases_and_a_choice_routes_them(
    alice_client, organisation, alice
):
    billing = Team.objects.create(organisation=organisation, name="Fakturor", skills=["invoice"])
    ticket = open_case(organisation)
    Ticket.objects.filter(pk=ticket.pk).update(needs_triage=True, owner=None)

    page = alice_client.get(reverse("routing:triage")).content.decode()
    assert ticket.reference in page

    response = alice_client.post(
        reverse("tickets:category", kwargs={"number": ticket.number}),
        {"category": "invoice", "next": reverse("routing:triage")},
    )

    assert response.url == reverse("routing:triage")
    ticket.refresh_from_db()
    assert ticket.category == "invoice"
    assert ticket.category_set_by == "agent"
    assert not ticket.needs_triage
    assert ticket.team == billing
    assert ticket.reference not in alice_client.get(reverse("routing:triage")).content.decode()


def test_the_empty_triage_queue_says_so(alice_client):
    page = alice_client.get(reverse("routing:triage"), HTTP_ACCEPT_LANGUAGE="en")
    assert "No case waits for a category." in page.content.decode()


def test_the_triage_page_says_the_classifier_is_not_trained_and_how_far_it_is(
    alice_client, organisation
):
    closed = open_case(organisation)
    Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.SOLVED, category="invoice")

    html = alice_client.get(reverse("routing:triage"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Not trained yet." in html
    assert "once 20 solved or closed cases carry a category; so far 1 do." in html
    assert "routing rules and the default team route every case" in html


def test_the_triage_page_describes_the_current_classifier(alice_client, organisation, settings):
    from nabar.routing.tests.test_triage import synthetic_cases
    from nabar.routing.training import train_from_rows

    texts, labels = synthetic_cases(90, seed=5)
    stored = train_from_rows(organisation, texts=texts, labels=labels)
    settings.NABAR_TRIAGE_RETRAIN_HOURS = 12

    html = alice_client.get(reverse("routing:triage"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert "på 90 lösta ärenden i 3 kategorier" in html
    assert f"{round(100 * stored.accuracy)} %" in html
    assert f"minst {stored.threshold:.2f}".replace(".", ",") in html
    assert "högst en gång per 12 timmar" in html
    assert "Inte tränad ännu" not in html


def test_alerts_are_listed_and_marked_read(alice_client, organisation, alice):
    ticket = open_case(organisation)
    Alert.objects.create(
        organisation=organisation, recipient=alice, ticket=ticket, kind="urgent", text="Hjälp!"
    )

    assert "Hjälp!" in alice_client.get(reverse("tickets:alerts")).content.decode()
    alice_client.post(reverse("tickets:alerts"))
    assert not Alert.objects.filter(read_at__isnull=True).exists()


def test_an_alert_reads_in_the_language_of_the_person_reading_it(alice_client, organisation, alice):
    ticket = open_case(organisation)
    raise_alert([alice], ticket=ticket, kind=Alert.Kind.HANDOFFS, data={"handoffs": 3})
    url = reverse("tickets:alerts")

    swedish = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert f"{ticket.reference} har lämnats över 3 gånger." in swedish
    english = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{ticket.reference} has been handed over 3 times." in english
    assert Alert.objects.get().text == f"{ticket.reference} has been handed over 3 times."


def test_the_case_page_names_the_case_language_in_the_readers_language(alice_client, organisation):
    ticket = open_case(
        organisation,
        body="Hei, en pääse kirjautumaan sisään tililleni. Voitteko auttaa minua?",
    )
    assert ticket.language == "fi"

    swedish = alice_client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv")
    assert "<dd>Finska</dd>" in swedish.content.decode()
    assert "Språk: Finska" in swedish.content.decode()
    english = alice_client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "<dd>Finnish</dd>" in english.content.decode()


def test_an_agent_sets_away_with_a_stand_in_and_a_return_date(alice_client, alice, bob):
    back = (timezone.now() + timedelta(days=7)).date()

    alice_client.post(
        reverse("accounts:me"),
        {
            "availability": "away",
            "back_on": back.isoformat(),
            "stand_in": bob.pk,
            "languages": "sv, en, fi",
            "skills": "invoice",
        },
    )

    alice.refresh_from_db()
    assert alice.availability == Agent.Availability.AWAY
    assert alice.away_since is not None
    assert alice.stand_in == bob
    assert alice.back_on == back
    assert alice.languages == ["sv", "en", "fi"]


def test_an_agent_chooses_the_name_customers_see(alice_client, alice, client):
    from django.core import mail

    alice_client.post(
        reverse("accounts:me"), {"display_name": "  Ali  ", "availability": "available"}
    )

    page = alice_client.get(reverse("accounts:me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="Ali"' in page
    ticket = open_case(organisation=alice.organisation, email="carol@example.se", language="en")
    assert ticket.owner == alice
    assert "Ali owns your case" in mail.outbox[-1].body
    case_page = client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ali" in case_page
    assert "Alice" not in case_page  # the chosen name, not the first name behind it

    alice_client.post(reverse("accounts:me"), {"display_name": "", "availability": "available"})
    open_case(organisation=alice.organisation, email="dan@example.se", language="en")
    assert "Alice owns your case" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Ensure this value has at most 80 characters (it has 81)."),
        ("sv", "Säkerställ att detta värde har som mest 80 tecken (den har 81)."),
    ],
)
def test_a_name_too_long_is_explained_and_kept(alice_client, alice, language, words):
    typed = "A" * 81

    response = alice_client.post(
        reverse("accounts:me"),
        {"display_name": typed, "availability": "available"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert words in page
    assert f'value="{typed}"' in page
    alice.user.refresh_from_db()
    assert alice.user.display_name == ""


def test_an_agent_sets_working_hours_and_sees_them_again(alice_client, alice):
    alice_client.post(
        reverse("accounts:me"),
        {"availability": "available", "working_hours": "mån-fre 8-17; lör 10:00-14:00"},
    )

    alice.refresh_from_db()
    assert alice.working_hours["mon"] == [["08:00", "17:00"]]
    assert alice.working_hours["sat"] == [["10:00", "14:00"]]
    assert "sun" not in alice.working_hours
    page = alice_client.get(reverse("accounts:me")).content.decode()
    assert "mon-fri 08:00-17:00; sat 10:00-14:00" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Could not read “weekdays 8-17”"), ("sv", "Kunde inte läsa ”weekdays 8-17”")],
)
def test_working_hours_that_cannot_be_read_are_explained_and_kept(
    alice_client, alice, language, words
):
    response = alice_client.post(
        reverse("accounts:me"),
        {"availability": "available", "working_hours": "weekdays 8-17", "skills": "invoice"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert words in page
    assert 'value="weekdays 8-17"' in page  # what was typed is kept
    alice.refresh_from_db()
    assert alice.working_hours == {}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("routing:rule_new", ["Do not change"]),
        ("routing:team_new", ["No team lead"]),
        ("routing:settings", ["No default team", "None: the other rules decide"]),
        ("routing:urgency_new", ["Choose a priority"]),
    ],
)
def test_an_empty_choice_in_the_settings_says_what_it_means(dave_client, url, words):
    html = dave_client.get(reverse(url), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "---------" not in html
    for word in words:
        assert re.search(f'<option value=""( selected)?>{word}</option>', html)


def test_an_urgency_rule_without_words_says_what_is_missing(dave_client):
    response = dave_client.post(
        reverse("routing:urgency_new"),
        {"label_sv": "Stulet kort", "label_en": "Stolen card", "key": "stolen-card"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Give at least one word or phrase." in html
    assert "Words and phrases: This field is required." not in html


def test_a_back_on_day_already_past_is_refused_and_kept(alice_client, alice):
    with time_machine.travel("2026-12-07 09:00 +01:00", tick=False):
        response = alice_client.post(
            reverse("accounts:me"),
            {"availability": "away", "back_on": "2026-12-06"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    page = response.content.decode()
    assert response.status_code == 422
    assert "The day you are back has already passed." in page
    assert 'value="2026-12-06"' in page
    alice.refresh_from_db()
    assert alice.back_on is None
    assert alice.availability == Agent.Availability.AVAILABLE


def test_a_bad_language_code_is_explained(alice_client):
    response = alice_client.post(
        reverse("accounts:me"),
        {"availability": "available", "languages": "svenska, tlh"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "Not a language Nåbar recognises in cases: tlh." in response.content.decode()


def test_the_report_shows_continuity_hand_offs_and_time_to_the_right_person(
    client, organisation, alice, bob
):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=alice)
    first = open_case(organisation, email="carol@example.se")
    open_case(organisation, email="carol@example.se", body="En fråga till.")
    third = open_case(organisation, email="erik@example.se")
    other = bob if third.owner == alice else alice
    actions.transfer_ticket(third, agent=third.owner, note="Till dig.", to_owner=other)
    client.force_login(alice.user)

    page = client.get(reverse("routing:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "100 % (1/1)" in page  # Carol's second case went to her first owner
    assert first.owner is not None
    assert "Everyone" in page


def test_the_report_says_short_waits_for_the_right_person_in_minutes(
    client, organisation, alice, bob
):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=alice)
    ticket = open_case(organisation)
    other = bob if ticket.owner == alice else alice
    with time_machine.travel(ticket.created_at + timedelta(minutes=12), tick=False):
        actions.assign_ticket(ticket, owner=other, agent=alice)
    client.force_login(alice.user)

    page = client.get(reverse("routing:report"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert "<td>12 min</td>" in page
    assert "0,0 tim" not in page


def test_report_figures_from_rows() -> None:
    now = timezone.now()
    rows = [
        reports.CaseRow(1, "A", 10, now - timedelta(days=40), now, 0, in_period=False),
        reports.CaseRow(1, "A", 10, now - timedelta(hours=5), now - timedelta(hours=5), 0, True),
        reports.CaseRow(1, "B", 11, now - timedelta(hours=4), now - timedelta(hours=1), 3, True),
        reports.CaseRow(2, "B", 11, now - timedelta(hours=2), now, 1, True),
    ]

    table = {f.name: f for f in reports.figures(rows, everyone="All")}

    assert table["All"].cases == 3
    assert table["All"].repeat_contacts == 2
    assert table["All"].same_owner == 1
    assert table["All"].continuity == 0.5
    assert table["B"].three_or_more == 1
    assert table["B"].handed_over == 2
    assert table["B"].right_person_median_hours == pytest.approx(2.5)
    assert table["A"].right_person_median_hours == pytest.approx(0.0)


def test_continuity_follows_the_person_who_answered_not_only_the_owner() -> None:
    now = timezone.now()
    day = timedelta(days=1)
    rows = [
        # Owned by 10, but 12 answered: the customer's person is 12.
        reports.CaseRow(1, "A", 10, now - 3 * day, now - 3 * day, 0, True, answered_by=12),
        # The next contact answered by 12 again keeps continuity, though its owner is 10.
        reports.CaseRow(1, "A", 10, now - 2 * day, now - 2 * day, 0, True, answered_by=12),
        # Not answered yet: its owner, 10, is not the person the customer had (12).
        reports.CaseRow(1, "A", 10, now - day, now - day, 0, True),
    ]

    *_teams, everyone = reports.figures(rows, everyone="All")

    assert everyone.repeat_contacts == 2
    assert everyone.same_owner == 1
    assert everyone.continuity == 0.5


def test_an_admin_copies_the_built_in_urgency_rules_and_adds_a_word(
    dave_client, organisation, alice
):
    from nabar.routing.models import UrgencyWords

    page = dave_client.get(reverse("routing:urgency"), HTTP_ACCEPT_LANGUAGE="en")
    assert "The built-in rules are in use" in page.content.decode()
    dave_client.post(reverse("routing:urgency"))
    rule = UrgencyWords.objects.get(key="double_payment")

    response = dave_client.post(
        reverse("routing:urgency_edit", kwargs={"pk": rule.pk}),
        {
            "label_sv": rule.label_sv,
            "label_en": rule.label_en,
            "key": rule.key,
            "patterns": rule.patterns + "\nbedrägeri*",
            "priority": "urgent",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    ticket = open_case(organisation, body="Jag tror att det här är ett bedrägeri.")
    assert ticket.priority == Ticket.Priority.URGENT


def test_an_urgency_word_that_would_match_everything_is_refused(dave_client):
    response = dave_client.post(
        reverse("routing:urgency_new"),
        {"label_sv": "Allt", "label_en": "All", "key": "all", "patterns": "a*", "priority": "high"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert "at least three letters" in response.content.decode()


def test_an_agent_cannot_edit_urgency_rules(alice_client):
    assert alice_client.get(reverse("routing:urgency")).status_code == 403


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("language", "Engelska", "en"),
        ("language", "english", "en"),
        ("language", "EN", "en"),
        ("channel", "E-post", "email"),
        ("channel", "e-mail", "email"),
        ("channel", "Webbformulär", "web"),
    ],
)
def test_a_rule_on_a_language_or_channel_name_stores_the_code_cases_have(
    dave_client, field, typed, stored
):
    response = dave_client.post(
        reverse("routing:rule_new"),
        {
            "name": "Namn",
            "field_1": field,
            "op_1": "is",
            "value_1": typed,
            "set_priority": "high",
        },
    )

    assert response.status_code == 302
    assert RoutingRule.objects.get().conditions == [{"field": field, "op": "is", "value": stored}]


def test_a_rule_on_an_english_written_case_matches_when_written_in_swedish(
    dave_client, organisation
):
    dave_client.post(
        reverse("routing:rule_new"),
        {
            "name": "Engelska",
            "field_1": "language",
            "op_1": "in",
            "value_1": "Engelska, finska",
            "field_2": "channel",
            "op_2": "is",
            "value_2": "Webbformulär",
            "add_tags": "engelska",
            "is_active": "on",
        },
    )

    ticket = open_case(organisation, body="My invoice has not arrived yet.", language="en")

    assert RoutingRule.objects.get().conditions[0]["value"] == "en, fi"
    assert "engelska" in ticket.tags


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("sv", "Språk är en av “Engelska, Finska”; Kanal är “E-post”"),
        ("en", "Language is one of “English, Finnish”; Channel is “E-mail”"),
    ],
)
def test_the_rules_table_names_languages_and_channels_in_the_readers_language(
    dave_client, organisation, language, shown
):
    RoutingRule.objects.create(
        organisation=organisation,
        name="Engelska mejl",
        conditions=[
            {"field": "language", "op": "in", "value": "en, fi"},
            {"field": "channel", "op": "is", "value": "email"},
        ],
        set_priority="high",
    )

    html = dave_client.get(
        reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert shown in html
    assert "“en, fi”" not in html
    assert "“email”" not in html


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("language", "Klingonska", "We do not know the language “Klingonska”."),
        ("channel", "Brevduva", "“Brevduva” is not a channel. Write one of: Web form, E-mail,"),
    ],
)
def test_an_unknown_language_or_channel_is_refused_with_what_to_write(
    dave_client, field, typed, error
):
    response = dave_client.post(
        reverse("routing:rule_new"),
        {"name": "Namn", "field_1": field, "op_1": "is", "value_1": typed, "set_priority": "high"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert error in response.content.decode()
    assert f'value="{typed}"' in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_a_value_without_a_condition_field_is_refused_not_dropped(dave_client):
    response = dave_client.post(
        reverse("routing:rule_new"),
        {"name": "Namn", "field_1": "", "op_1": "is", "value_1": "faktura", "set_priority": "high"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert "Choose what this condition tests, or clear its value." in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_an_urgency_rules_page_is_headed_in_the_readers_language(dave_client, organisation):
    from nabar.routing.models import UrgencyWords

    words = UrgencyWords.objects.create(
        organisation=organisation,
        key="stolen-card",
        label_sv="Stulet kort",
        label_en="Stolen card",
        patterns="stulet kort",
        priority="urgent",
    )
    url = reverse("routing:urgency_edit", kwargs={"pk": words.pk})

    assert (
        "<h1>Stulet kort</h1>" in dave_client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    )
    assert (
        "<h1>Stolen card</h1>" in dave_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_an_urgency_short_name_with_a_space_is_explained_plainly(dave_client):
    response = dave_client.post(
        reverse("routing:urgency_new"),
        {
            "label_sv": "Stulet kort",
            "label_en": "Stolen card",
            "key": "stulet kort",
            "patterns": "stulet kort",
            "priority": "urgent",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "Use only the letters a–z, digits, - and _, without spaces" in body
    assert "slug" not in body


def test_the_rules_column_of_edit_buttons_says_change_not_swap_in_swedish(
    dave_client, organisation
):
    RoutingRule.objects.create(
        organisation=organisation, name="Fakturor", conditions=[], set_priority="high"
    )

    html = dave_client.get(reverse("routing:settings"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert '<th scope="col">Ändra</th>' in html
    assert '<button type="submit">Byt</button>' in html  # the language switcher keeps its word


def test_the_organisation_settings_come_back_at_their_section(dave_client):
    response = dave_client.post(reverse("routing:organisation"), {"continuity_days": "x"})

    html = response.content.decode()
    assert response.status_code == 422
    assert f'action="{reverse("routing:organisation")}#organisation"' in html
    assert '<section aria-labelledby="org-heading" id="organisation">' in html


def _own_urgency_rule(organisation: Organisation, key: str, label: str) -> UrgencyWords:
    return UrgencyWords.objects.create(
        organisation=organisation,
        key=key,
        label_sv=label,
        label_en=label,
        patterns=label.lower(),
        priority="urgent",
    )


def test_an_admin_deletes_an_own_urgency_rule_after_confirming(dave_client, organisation):
    _own_urgency_rule(organisation, "stolen-card", "Stulet kort")
    fraud = _own_urgency_rule(organisation, "fraud", "Bedrägeri")
    url = reverse("routing:urgency_delete", kwargs={"pk": fraud.pk})

    listing = dave_client.get(reverse("routing:urgency"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'<a href="{url}" class="danger-link"' in listing.content.decode()
    edit_url = reverse("routing:urgency_edit", kwargs={"pk": fraud.pk})
    editing = dave_client.get(edit_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="{url}" class="danger-link">Delete…</a>' in editing
    new_rule = dave_client.get(reverse("routing:urgency_new"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Delete…" not in new_rule.content.decode()
    question = dave_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Delete the urgency rule “Bedrägeri”?</h1>" in question
    assert "new cases will no longer be matched by its words" in question
    assert "built-in" not in question
    assert UrgencyWords.objects.filter(pk=fraud.pk).exists()

    response = dave_client.post(url)

    assert response.url == reverse("routing:urgency")
    assert list(UrgencyWords.objects.values_list("key", flat=True)) == ["stolen-card"]
    ticket = open_case(organisation, body="Jag tror att det här är ett bedrägeri.")
    assert ticket.priority != Ticket.Priority.URGENT


def test_deleting_a_copied_built_in_urgency_rule_says_the_built_in_stays(dave_client, organisation):
    dave_client.post(reverse("routing:urgency"))  # copy the built-in rules
    copied = UrgencyWords.objects.get(key="double_payment")
    url = reverse("routing:urgency_delete", kwargs={"pk": copied.pk})

    question = dave_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "The built-in rule it was copied from stays available" in question
    dave_client.post(url)
    assert not UrgencyWords.objects.filter(key="double_payment").exists()
    assert UrgencyWords.objects.filter(organisation=organisation).exists()


def test_deleting_the_last_own_urgency_rule_warns_that_the_built_in_rules_return(
    dave_client, organisation
):
    only = _own_urgency_rule(organisation, "fraud", "Bedrägeri")
    url = reverse("routing:urgency_delete", kwargs={"pk": only.pk})

    question = dave_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It is your last urgency rule: once it is deleted, the built-in rules apply again." in (
        question
    )
    dave_client.post(url)

    page = dave_client.get(reverse("routing:urgency"), HTTP_ACCEPT_LANGUAGE="en")
    assert "The built-in rules are in use" in page.content.decode()


def test_only_an_admin_of_the_same_organisation_deletes_an_urgency_rule(
    client, organisation, alice, dave
):
    own = _own_urgency_rule(organisation, "fraud", "Bedrägeri")
    other = Organisation.objects.create(
        name="Annan", slug="annan", email_address="kontakt@annan.example"
    )
    theirs = _own_urgency_rule(other, "fraud", "Bedrägeri")
    own_url = reverse("routing:urgency_delete", kwargs={"pk": own.pk})
    their_url = reverse("routing:urgency_delete", kwargs={"pk": theirs.pk})

    client.force_login(alice.user)
    assert client.get(own_url).status_code == 403
    assert client.post(own_url).status_code == 403
    client.force_login(dave.user)
    assert client.get(their_url).status_code == 404
    assert client.post(their_url).status_code == 404
    assert UrgencyWords.objects.count() == 2

"""Routing in a real browser: the right person first, a hand-over the customer is told about,
the same person next time, and the report that shows it. axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from nabar.accounts.models import Team
from nabar.conftest import PASSWORD, make_agent
from nabar.routing.models import RoutingRule
from nabar.tests.browser import assert_accessible, launch
from nabar.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVOICE = "Hej! Jag har fått en faktura på 1200 kronor som jag redan har betalat i oktober."


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def _login(context, url: str, username: str, *, english: bool = False):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.get_by_label("User name" if english else "Användarnamn").fill(username)
    password = page.get_by_label("Password" if english else "Lösenord")
    password.fill(PASSWORD)
    password.press("Enter")  # the keyboard is enough
    page.wait_for_url(re.compile(r"/inbox/"))
    return page


def _write(context, url: str, slug: str, body: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(f"{url}/o/{slug}/")
    page.get_by_label("Ditt namn").fill("Karin Lund")
    page.get_by_label("E-postadress").fill("karin@example.se")
    page.get_by_label("Beskriv ditt ärende med egna ord").fill(body)
    page.get_by_role("button", name="Skicka", exact=True).click()
    page.wait_for_url(re.compile(r"/receipt/"))
    return page


def test_right_person_first_hand_over_told_same_person_next_time_and_the_report(
    browser, live_server, organisation, alice
):
    billing = Team.objects.create(organisation=organisation, name="Fakturor", skills=["invoice"])
    berit = make_agent(organisation, "berit", "Berit")
    fredrik = make_agent(organisation, "fredrik", "Fredrik")
    erik = make_agent(organisation, "erik", "Erik")
    dave = make_agent(organisation, "dave", "Dave", staff=True)
    for agent, languages in ((berit, ["sv"]), (fredrik, ["sv", "en"]), (erik, ["en"])):
        agent.teams.set([billing])
        agent.languages = languages
        agent.save()
    billing.lead = dave
    billing.save()
    # Berit already has a case, so load alone would pick Fredrik or Erik; a rule decides the
    # team and the language decides among its people (Erik writes no Swedish).
    fredrik.capacity = 1
    fredrik.save()
    Ticket.objects.create(
        organisation=organisation,
        number=1,
        requester=_customer(organisation),
        owner=fredrik,
        team=billing,
        channel="web",
    )
    RoutingRule.objects.create(
        organisation=organisation,
        position=1,
        name="Fakturor",
        conditions=[{"field": "keywords", "op": "contains_any", "value": "faktura, räkning"}],
        set_team=billing,
    )

    # 1. A Swedish invoice case lands with Berit, and the customer sees her name.
    customer = browser.new_context(locale="sv")
    receipt = _write(customer, live_server.url, organisation.slug, INVOICE)
    assert "Berit har hand om ditt ärende" in receipt.locator("main").inner_text()
    ticket = Ticket.objects.exclude(number=1).get()
    assert ticket.owner == berit
    assert ticket.team == billing

    # 2. Berit sees why, then hands the case to Fredrik with a note; the customer is told.
    Ticket.objects.filter(number=1).update(status=Ticket.Status.SOLVED)
    desk = browser.new_context(locale="sv")
    page = _login(desk, live_server.url, "berit")
    page.get_by_role("link", name=ticket.reference).click()
    timeline = page.locator("main").inner_text()
    assert "Skickat till Fakturor" in timeline
    assert_accessible(page, label="case page with routing reasons")
    page.get_by_label("Lämna över till").select_option(label="Fredrik")
    page.get_by_label("Överlämning till den nya ägaren").fill(
        "Kunden har betalat oktober två gånger. Kreditera en av dem."
    )
    page.get_by_label("Varför, med ord för kunden (frivilligt)").fill(
        "Fredrik sköter återbetalningar"
    )
    mail.outbox.clear()
    page.get_by_role("button", name="Lämna över och berätta för kunden").click()
    page.wait_for_load_state()
    notice = mail.outbox[-1]
    assert "Fredrik" in notice.body
    assert "Fredrik sköter återbetalningar" in notice.body
    ticket.refresh_from_db()
    assert ticket.owner == fredrik
    assert ticket.handoff_count == 1
    desk.close()

    # The new owner is alerted, follows the alert and finds the hand-over note at the top.
    desk = browser.new_context(locale="sv")
    page = _login(desk, live_server.url, "fredrik")
    page.get_by_role("link", name="Larm (1 oläst)", exact=True).click()
    assert_accessible(page, label="alerts with a hand-over")
    page.get_by_role("link", name=f"Berit lämnade över {ticket.reference} till dig.").click()
    heading = page.get_by_role("heading", name="Överlämning från Berit")
    assert heading.is_visible()
    assert "Kreditera en av dem." in page.locator(".handover").inner_text()
    assert_accessible(page, label="case page with a hand-over note")
    assert page.get_by_role("link", name="Larm", exact=True).is_visible()  # read now
    desk.close()

    # 3. A week later the customer writes again: Fredrik gets it.
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)
    with time_machine.travel(timezone.now() + timedelta(days=7), tick=True):
        again = _write(
            customer, live_server.url, organisation.slug, "Hej igen! Kom krediteringen fram?"
        )
        assert "Fredrik har hand om ditt ärende" in again.locator("main").inner_text()
    customer.close()

    # 4. The team lead's report shows continuity, hand-offs and time to the right person.
    lead = browser.new_context(locale="sv")
    page = _login(lead, live_server.url, "dave")
    page.get_by_role("link", name="Rapporter").click()
    report = page.locator("main").inner_text()
    assert "100 % (1/1)" in report
    assert "Tid till rätt person" in report
    assert_accessible(page, label="routing report")
    _walk_the_settings(page, SWEDISH)
    page.get_by_role("link", name="Mina inställningar", exact=True).click()
    assert_accessible(page, label="availability page")
    lead.close()


SWEDISH = {
    "routing": "Styrning",
    "triage": "Sortering",
    "alerts": "Larm",
    "add": "Lägg till en regel",
    "urgency": "Regler för brådska",
    "copy": "Kopiera de inbyggda reglerna för att ändra dem",
    "double": "Dubbeldragning",
    "delete": "Ta bort",
    "cancel": "Avbryt",
    "deleted": "Regeln för brådska ”Dubbeldragning” är borttagen.",
}
ENGLISH = {
    "routing": "Routing",
    "triage": "Triage",
    "alerts": "Alerts",
    "add": "Add a rule",
    "urgency": "Urgency rules",
    "copy": "Copy the built-in rules to edit them",
    "double": "Payment taken twice",
    "delete": "Delete",
    "cancel": "Cancel",
    "deleted": "Urgency rule “Payment taken twice” deleted.",
}


def _walk_the_settings(page, words: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """A lead or admin's routing pages from the menu, axe-core on each."""
    language = "sv" if words is SWEDISH else "en"
    for key in ("routing", "triage", "alerts"):
        page.get_by_role("link", name=words[key], exact=True).click()
        page.wait_for_load_state()
        assert_accessible(page, label=f"{key} ({language})")
    page.get_by_role("link", name=words["routing"], exact=True).click()
    page.get_by_role("link", name=words["add"], exact=True).click()
    assert_accessible(page, label=f"new rule form ({language})")
    # An agent's routing settings, and the same page refusing a negative capacity.
    page.get_by_role("link", name=words["routing"]).first.click()
    page.locator("#agents a[href^='/settings/routing/agents/']").first.click()
    assert_accessible(page, label=f"agent's routing settings ({language})")
    capacity = page.locator("input[name=capacity]")
    capacity.fill("-1")
    with page.expect_navigation():
        capacity.press("Enter")
    assert page.locator("input[name=capacity]").input_value() == "-1"
    assert_accessible(page, label=f"agent's routing settings with an error ({language})")
    page.get_by_role("link", name=words["routing"]).first.click()
    page.get_by_role("link", name=words["urgency"]).click()
    assert_accessible(page, label=f"urgency rules ({language})")
    page.get_by_role("button", name=words["copy"]).click()
    page.get_by_role("link", name=words["double"], exact=True).click()
    assert_accessible(page, label=f"urgency rule form ({language})")
    # Deleting asks first; Cancel leaves the rule, and the Delete button is reached by keyboard.
    page.get_by_role("link", name=words["urgency"]).click()
    delete_link = page.get_by_role("link", name=f"{words['delete']} {words['double']}…")
    delete_link.click()
    assert_accessible(page, label=f"urgency rule deletion question ({language})")
    page.get_by_role("link", name=words["cancel"], exact=True).click()
    delete_link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("button", name=words["delete"], exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert words["deleted"] in page.locator("main").inner_text()
    assert delete_link.count() == 0


def _customer(organisation):  # type: ignore[no-untyped-def]
    from nabar.customers.actions import find_or_create_customer

    return find_or_create_customer(organisation, name="Någon", email="nagon@example.se")


def test_the_routing_pages_in_english_by_keyboard_with_working_hours(
    browser, live_server, organisation, alice
):
    make_agent(organisation, "dave", "Dave", staff=True)
    Team.objects.filter(pk=organisation.default_team_id).update(lead=alice)
    RoutingRule.objects.create(
        organisation=organisation,
        name="English mail",
        conditions=[{"field": "language", "op": "is", "value": "en"}],
        set_priority="high",
    )
    lead = browser.new_context(locale="en")
    page = _login(lead, live_server.url, "dave", english=True)

    page.get_by_role("link", name="Routing", exact=True).click()
    assert "Language is “English”" in page.locator("main").inner_text()
    page.get_by_role("link", name="Delete English mail…").click()
    assert "Delete the rule “English mail”?" in page.locator("h1").inner_text()
    assert_accessible(page, label="rule deletion question, English")
    page.get_by_role("button", name="Delete", exact=True).click()
    assert "Rule “English mail” deleted." in page.locator("main").inner_text()
    assert not RoutingRule.objects.exists()

    page.get_by_role("link", name="Reports").click()
    report = page.locator("main").inner_text()
    assert "Continuity, hand-offs and time to the right person" in report
    assert "No cases in this period yet." in report
    assert_accessible(page, label="routing report with no cases, English")
    _walk_the_settings(page, ENGLISH)

    # Working hours by keyboard: a mistake is explained and kept, then corrected.
    page.get_by_role("link", name="My settings", exact=True).click()
    hours = page.get_by_label("My working hours")
    hours.fill("weekdays 8-17")
    hours.press("Enter")
    page.wait_for_load_state()
    assert "Could not read “weekdays 8-17”" in page.locator("main").inner_text()
    assert page.get_by_label("My working hours").input_value() == "weekdays 8-17"
    assert_accessible(page, label="availability page with an error, English")
    page.get_by_label("My working hours").fill("mon-fri 8-17")
    page.get_by_label("My working hours").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_label("My working hours").input_value() == "mon-fri 08:00-17:00"
    lead.close()


def test_a_case_the_classifier_is_unsure_of_is_sorted_from_the_triage_page_by_keyboard(
    browser, live_server, organisation, alice
):
    from nabar.routing.tests.test_routing_cases import _train
    from nabar.tickets.tests.factories import open_case

    billing = Team.objects.create(organisation=organisation, name="Fakturor", skills=["invoice"])
    berit = make_agent(organisation, "berit", "Berit")
    berit.teams.set([billing])
    _train(organisation)
    unsure = open_case(organisation, body="Hej, jag undrar över något helt annat.")
    assert unsure.needs_triage
    agent = browser.new_context(locale="sv-SE")
    page = _login(agent, live_server.url, "alice")

    page.get_by_role("link", name="Sortering", exact=True).click()
    card = page.locator("li.kept", has_text=unsure.reference)
    assert "Förslag: " in card.inner_text()
    assert_accessible(page, label="triage page with a case waiting")
    # The keyboard is enough: the suggestion is a button in the case's own form.
    choice = card.get_by_role("button", name="invoice", exact=True)
    choice.focus()
    with page.expect_navigation():
        choice.press("Enter")

    assert unsure.reference not in page.locator("main").inner_text()
    unsure.refresh_from_db()
    assert unsure.category == "invoice"
    assert unsure.team == billing
    assert_accessible(page, label="triage page after sorting")
    agent.close()

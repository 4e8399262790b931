"""The whole loop in a real browser, in Swedish and English, with axe-core on every page.

A customer writes on the public page, reads the receipt and the e-mail, an agent logs in and
replies, the customer reads the reply, says "not solved", and the same owner has the case again.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from nabar.tests.browser import assert_accessible, launch
from nabar.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "sv": {
        "name": "Ditt namn",
        "email": "E-postadress",
        "body": "Beskriv ditt ärende med egna ord",
        "send": "Skicka",
        "owns": "har hand om ditt ärende",
        "likely": "troligen",
        "user": "Användarnamn",
        "password": "Lösenord",
        "login": "Logga in",
        "reply": "Svara kunden",
        "send_reply": "Skicka svar",
        "not_solved": "Nej, det är inte löst",
        "back": "Ditt ärende är tillbaka hos Alice",
        "open": "Öppen",
        "person": "Skrivet av en person",
        "automatic": "Automatiskt meddelande",
    },
    "en": {
        "name": "Your name",
        "email": "E-mail address",
        "body": "Describe your case in your own words",
        "send": "Send",
        "owns": "owns your case",
        "likely": "most likely",
        "user": "User name",
        "password": "Password",
        "login": "Log in",
        "reply": "Reply to the customer",
        "send_reply": "Send reply",
        "not_solved": "No, it is not solved",
        "back": "Your case is back with Alice",
        "open": "Open",
        "person": "Written by a person",
        "automatic": "Automatic message",
    },
}


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_customer_reaches_a_named_person_and_gets_an_answer(
    browser, live_server, organisation, alice, lang
):
    from nabar.conftest import PASSWORD

    t = TEXT[lang]
    customer = browser.new_context(locale=lang)
    page = customer.new_page()

    # 1. The public contact page: one plain form first.
    page.goto(f"{live_server.url}/o/{organisation.slug}/")
    assert_accessible(page, label=f"contact page ({lang})")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label(t["name"]).fill("Karin Lund")
    page.get_by_label(t["email"]).fill("karin@example.se")
    page.get_by_label(t["body"]).fill("Min faktura är dubbelt så hög som vanligt. Vad har hänt?")
    page.get_by_role("button", name=t["send"], exact=True).click()

    # 2. The receipt: case number, the owner's name, an expected range.
    ticket = Ticket.objects.get()
    page.wait_for_url(re.compile(r"/receipt/"))
    receipt = page.locator("main").inner_text()
    assert ticket.reference in receipt
    assert f"Alice {t['owns']}" in receipt
    assert t["likely"] in receipt
    assert_accessible(page, label=f"receipt ({lang})")

    # 3. The same receipt by e-mail, with the private link.
    (receipt_mail,) = mail.outbox
    assert ticket.reference in receipt_mail.subject
    link = re.search(r"http\S+/case/\S+/", receipt_mail.body).group(0)
    case_path = link.split("/o/", 1)[1]
    page.goto(f"{live_server.url}/o/{case_path}")
    assert t["automatic"] in page.locator("main").inner_text()
    # Nobody has answered yet, so nobody is asked whether it is solved.
    assert page.get_by_role("button", name=t["not_solved"]).count() == 0
    assert_accessible(page, label=f"case page ({lang})")

    # 4. The agent logs in, finds the case in the inbox and replies.
    agent = browser.new_context(locale=lang)
    desk = agent.new_page()
    desk.goto(f"{live_server.url}/login/")
    assert_accessible(desk, label=f"login ({lang})")
    desk.get_by_label(t["user"]).fill("alice")
    desk.get_by_label(t["password"]).fill(PASSWORD)
    desk.get_by_role("button", name=t["login"], exact=True).click()
    desk.wait_for_url(re.compile(r"/inbox/"))
    assert_accessible(desk, label=f"inbox ({lang})")
    desk.get_by_role("link", name=ticket.reference).click()
    assert_accessible(desk, label=f"agent case page ({lang})")
    desk.get_by_label(t["reply"]).fill(
        "Hej Karin! Oktober fick med septembers avgift. Jag har krediterat den."
    )
    desk.get_by_role("button", name=t["send_reply"]).click()
    desk.wait_for_load_state()
    assert len(mail.outbox) == 2
    assert f"[{ticket.reference}]" in mail.outbox[1].subject

    # 5. The customer reads the reply, written by a person, and says it is not solved.
    page.reload()
    thread = page.locator("main").inner_text()
    assert "Jag har krediterat den." in thread
    assert t["person"] in thread
    page.get_by_role("button", name=t["not_solved"]).click()
    page.wait_for_load_state()
    assert t["open"] in page.locator("main").inner_text()
    assert t["back"] in page.locator("#verdict").inner_text()
    assert page.get_by_role("button", name=t["not_solved"]).count() == 0
    assert_accessible(page, label=f"case page after verdict ({lang})")

    # 6. The same owner has the case back, first in the inbox.
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.owner_id == alice.pk
    desk.goto(f"{live_server.url}/inbox/")
    assert ticket.reference in desk.locator("main").inner_text()
    customer.close()
    agent.close()


def test_the_contact_form_works_without_javascript(browser, live_server, organisation, alice):
    context = browser.new_context(java_script_enabled=False, locale="sv")
    page = context.new_page()
    page.goto(f"{live_server.url}/o/{organisation.slug}/")
    page.get_by_label("Ditt namn").fill("Utan Skript")
    page.get_by_label("Telefonnummer").fill("070-123 45 67")
    page.get_by_label("Beskriv ditt ärende med egna ord").fill("Jag har stängt av JavaScript.")
    page.get_by_role("button", name="Skicka", exact=True).click()
    page.wait_for_url(re.compile(r"/receipt/"))
    assert Ticket.objects.get().reference in page.locator("main").inner_text()
    context.close()


def test_a_rejected_form_keeps_the_text_and_points_to_the_error(
    browser, live_server, organisation, alice
):
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(f"{live_server.url}/o/{organisation.slug}/")
    page.get_by_label("Your name").fill("Karin")
    page.get_by_label("Describe your case in your own words").fill("Långt och viktigt meddelande")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_load_state()
    assert "Give an e-mail address or a phone number" in page.locator("main").inner_text()
    assert (
        page.get_by_label("Describe your case in your own words").input_value()
        == "Långt och viktigt meddelande"
    )
    assert_accessible(page, label="contact page with errors")
    assert Ticket.objects.count() == 0
    context.close()

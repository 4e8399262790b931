"""The pages that refuse something, in a real browser with axe-core: each says why in the
reader's language, gives back what was typed and shows the way on."""

from __future__ import annotations

import re

import pytest

from nabar.conftest import PASSWORD
from nabar.tests.browser import assert_accessible, launch
from nabar.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "Min faktura för november är fel, och jag har redan ringt två gånger."


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def fill_contact_form(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Ditt namn").fill("Greta")
    page.get_by_label("E-postadress").fill("greta@example.se")
    page.get_by_label("Beskriv ditt ärende med egna ord").fill(TYPED)


def test_a_form_whose_security_check_is_gone_is_explained_and_given_back(
    browser, live_server, organisation, alice
):
    context = browser.new_context(locale="sv-SE", extra_http_headers={"Accept-Language": "sv"})
    page = context.new_page()
    page.goto(f"{live_server.url}/o/{organisation.slug}/")
    fill_contact_form(page)
    context.clear_cookies()  # as when the browser blocks cookies or the form was open for long

    page.get_by_role("button", name="Skicka", exact=True).click()

    assert page.get_by_role("heading", name="Formuläret kunde inte skickas").is_visible()
    assert (
        page.get_by_label("Det du skrev, att kopiera in i formuläret igen").input_value() == TYPED
    )
    assert Ticket.objects.count() == 0
    assert_accessible(page, label="refused security check (sv)")
    page.get_by_role("link", name="Gå tillbaka till formuläret och skicka igen").click()
    page.wait_for_url(re.compile(rf"/o/{organisation.slug}/$"))
    context.close()


def test_too_many_messages_gives_the_address_and_the_text(
    browser, live_server, organisation, alice, settings
):
    settings.NABAR_PUBLIC_RATE_PER_HOUR = 0
    context = browser.new_context(locale="sv-SE", extra_http_headers={"Accept-Language": "sv"})
    page = context.new_page()
    page.goto(f"{live_server.url}/o/{organisation.slug}/")
    fill_contact_form(page)

    page.get_by_role("button", name="Skicka", exact=True).click()

    main = page.locator("main")
    assert "För många meddelanden" in main.inner_text()
    assert main.get_by_role("link", name=organisation.email_address).is_visible()
    assert page.get_by_label("Det du skrev, att kopiera och skicka senare").input_value() == TYPED
    assert_accessible(page, label="too many messages (sv)")
    context.close()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_paused_log_in_says_why(browser, live_server, alice, settings, language):
    settings.NABAR_LOGIN_FAILURES = 1
    context = browser.new_context(extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    button = {"sv": "Logga in", "en": "Log in"}[language]
    for password in ("fel lösenord", PASSWORD):
        page.goto(f"{live_server.url}/login/")
        page.locator("#id_username").fill("alice")
        page.locator("#id_password").fill(password)
        page.locator("main").get_by_role("button", name=button).click()

    alert = page.get_by_role("alert").inner_text()
    assert {"sv": "är inloggningen pausad", "en": "logging in is paused"}[language] in alert
    assert page.locator("#id_username").input_value() == "alice"
    assert page.url.endswith("/login/")
    assert_accessible(page, label=f"paused log-in ({language})")
    context.close()

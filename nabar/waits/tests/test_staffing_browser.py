"""A team lead plans staffing in a real browser, by keyboard, with axe-core on each page."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override

from nabar.accounts.models import Team
from nabar.tests.browser import assert_accessible, launch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def texts(lang: str) -> dict[str, str]:
    """What the page says in ``lang``, from the same catalogue the page uses."""
    with override(lang):
        return {
            "user": gettext("User name"),
            "password": gettext("Password"),
            "login": gettext("Log in"),
            "menu": gettext("Staffing"),
            "forecast": gettext("Forecast"),
            "handle": gettext("Average handling time (seconds)"),
            "error": gettext("Line %(line)d: %(reason)s") % {"line": 2, "reason": ""},
            "table": gettext("Staffing per interval"),
        }


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_team_lead_pastes_a_forecast_and_reads_the_staffing(
    browser, live_server, organisation, bob, lang
):
    from nabar.conftest import PASSWORD

    team = Team.objects.get(organisation=organisation, name="Kundtjänst")
    team.lead = bob
    team.save()
    t = texts(lang)
    page = browser.new_context(locale=lang).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label(t["user"]).fill("bob")
    page.get_by_label(t["password"]).fill(PASSWORD)
    page.get_by_role("button", name=t["login"], exact=True).click()

    # The menu leads to the page.
    page.get_by_role("link", name=t["menu"], exact=True).click()
    page.wait_for_url("**/staffing/")
    assert_accessible(page, label=f"staffing form ({lang})")

    # Type a forecast with a mistake on line 2 and send it by keyboard.
    forecast = page.get_by_role("textbox", name=t["forecast"])
    forecast.focus()
    page.keyboard.type("09:00\t40\n09:15\tmany\n09:30\t60")
    page.get_by_label(t["handle"]).fill("300")
    page.get_by_label(t["handle"]).press("Enter")
    page.wait_for_selector("#error-summary")
    assert t["error"].strip() in page.locator("#error-summary").inner_text()
    assert (
        page.get_by_role("textbox", name=t["forecast"]).input_value()
        == "09:00\t40\n09:15\tmany\n09:30\t60"
    )
    assert_accessible(page, label=f"staffing form with an error ({lang})")

    # Correct it, then reach the button by Tab and press it.
    page.get_by_role("textbox", name=t["forecast"]).fill("09:00\t40\n09:15\t120\n09:30\t60")
    page.locator("#id_interval_minutes").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_selector("table.staffing-table")
    table = page.get_by_role("table", name=t["table"])
    assert table.get_by_role("row").count() == 4  # heading + three intervals
    assert page.locator("svg[role=img] rect").count() == 3
    assert_accessible(page, label=f"staffing result ({lang})")
    page.context.close()

"""An admin changes a service level and reads the compliance report in a real browser, with axe."""

from __future__ import annotations

import re

import pytest

from nabar.sla.models import SlaPolicy
from nabar.sla.tests.factories import open_in
from nabar.tests.browser import assert_accessible, launch
from nabar.tickets import actions
from nabar.tickets.models import Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def test_an_admin_sets_a_live_target_and_reads_the_compliance_report(
    browser, live_server, organisation, alice, dave
):
    from nabar.conftest import PASSWORD

    chat = open_in(organisation, Channel.CHAT)
    actions.reply_to_customer(chat, agent=alice, body="Hej, Alice här.")
    open_in(organisation, Channel.CALLBACK, email="d@example.se")
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("dave")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(re.compile(r"/inbox/"))

    page.get_by_role("link", name="Service levels").click()
    page.wait_for_url(re.compile(r"/sla/$"))
    assert_accessible(page, label="service levels")
    page.get_by_role("link", name="Change Chat").click()
    assert_accessible(page, label="policy form")
    page.get_by_label("First human response within").fill("two minutes")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Write a duration like 3 min" in page.locator("main").inner_text()
    assert page.get_by_label("First human response within").input_value() == "two minutes"
    assert_accessible(page, label="policy form with errors")
    page.get_by_label("First human response within").fill("2 min")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/sla/$"))
    assert SlaPolicy.objects.get(channel="chat").first_response.total_seconds() == 120

    page.get_by_role("link", name=re.compile("Compliance report")).click()
    page.wait_for_url(re.compile(r"/sla/compliance/"))
    main = page.locator("main").inner_text()
    assert "Per day" in main
    assert "100 %" in main  # the chat answered at once; the callback is still pending
    assert_accessible(page, label="compliance report")
    context.close()

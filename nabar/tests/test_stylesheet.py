"""The stylesheet gives every kind of box the staff pages use the same visible border and size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

SITE_CSS = Path(__file__).resolve().parents[1] / "static" / "nabar" / "site.css"
UNSTYLED_ON_PURPOSE = {"hidden", "checkbox", "radio", "submit"}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["accounts:me", "sla:policies", "sla:compliance", "routing:settings"]
)
def test_every_input_on_a_staff_form_page_is_styled(client, dave, url):
    client.force_login(dave.user)
    html = client.get(reverse(url)).content.decode()
    css = SITE_CSS.read_text()

    types = set(re.findall(r'<input[^>]*\btype="([a-z-]+)"', html)) - UNSTYLED_ON_PURPOSE

    assert types
    assert sorted(t for t in types if f"input[type={t}]" not in css) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_forms_beside_a_case_are_set_apart(live_server, organisation, dave):
    from nabar.conftest import PASSWORD
    from nabar.tests.browser import launch
    from nabar.tickets.tests.factories import open_case

    case = open_case(organisation)
    for browser in launch():
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}{reverse('accounts:login')}")
        page.fill("input[name=username]", "dave")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}{case.get_absolute_url()}")

        # Each form's button stands clear of the next form's label, not against it.
        gaps = page.evaluate(
            """() => [...document.querySelectorAll('aside > form, aside > section > form')].map(
                f => parseFloat(getComputedStyle(f).marginBottom))"""
        )

        assert len(gaps) >= 4
        assert min(gaps) >= 16

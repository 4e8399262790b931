"""The stylesheet gives every kind of box the staff pages use the same visible border and size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

SITE_CSS = Path(__file__).resolve().parents[1] / "static" / "nabar" / "site.css"
UNSTYLED_ON_PURPOSE = {"hidden", "checkbox", "radio", "submit"}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["accounts:me", "sla:policies", "sla:compliance"])
def test_every_input_on_a_staff_form_page_is_styled(client, dave, url):
    client.force_login(dave.user)
    html = client.get(reverse(url)).content.decode()
    css = SITE_CSS.read_text()

    types = set(re.findall(r'<input[^>]*\btype="([a-z-]+)"', html)) - UNSTYLED_ON_PURPOSE

    assert types
    assert sorted(t for t in types if f"input[type={t}]" not in css) == []

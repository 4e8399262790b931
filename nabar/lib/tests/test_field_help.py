"""Field help shown beside each field, and tied to it for screen readers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def _dangling_references(html: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    wanted = [
        ref for refs in re.findall(r'aria-describedby="([^"]*)"', html) for ref in refs.split()
    ]
    return [ref for ref in wanted if ref not in ids]


@pytest.mark.parametrize(
    ("url_name", "help_text"),
    [
        ("accounts:me", "mon-fri 08:00-17:00"),
        ("accounts:me", "Languages separated with commas, as codes or names"),
        ("routing:rule_new", "separate with commas"),
        ("routing:urgency_new", "A * at the end of a word accepts any ending"),
    ],
)
def test_a_fields_help_text_is_shown_before_any_error(client, dave, url_name, help_text):
    client.force_login(dave.user)

    html = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert help_text in html


def test_the_hand_over_note_and_merge_hints_are_shown_on_the_case_page(alice_client, organisation):
    case = open_case(organisation)

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="id_into_helptext"' in html
    assert "so the customer never repeats anything" in html


@pytest.mark.parametrize(
    "url_name",
    ["accounts:me", "routing:rule_new", "routing:urgency_new", "routing:settings"],
)
def test_every_field_description_a_page_points_to_exists(client, dave, url_name):
    client.force_login(dave.user)

    html = client.get(reverse(url_name)).content.decode()

    assert _dangling_references(html) == []


def test_every_field_description_on_the_case_page_exists(alice_client, organisation):
    case = open_case(organisation)

    html = alice_client.get(case.get_absolute_url()).content.decode()

    assert _dangling_references(html) == []


def test_a_field_with_help_and_an_error_is_described_by_both(client, dave):
    client.force_login(dave.user)

    html = client.post(
        reverse("routing:rule_new"),
        {"name": "", "field_1": "keywords", "op_1": "contains_any", "value_1": ""},
    ).content.decode()

    assert 'aria-describedby="id_value_1_helptext id_value_1_error"' in html
    assert _dangling_references(html) == []

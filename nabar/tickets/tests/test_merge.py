"""Merging duplicate cases: the messages always end up in a case that is still alive."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from nabar.tickets import actions
from nabar.tickets.models import Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def evas_cases(organisation):
    """Eva writes three cases about the same thing."""
    return [
        open_case(organisation, name="Eva", email="eva@example.se", body=f"Fråga {n}")
        for n in (1, 2, 3)
    ]


def _inbound_bodies(ticket: Ticket) -> list[str]:
    return list(
        ticket.messages.filter(direction=Message.Direction.INBOUND).values_list("body", flat=True)
    )


def test_merging_into_a_merged_away_case_follows_it_to_the_case_it_lives_on_in(evas_cases, alice):
    first, second, third = evas_cases
    actions.merge_tickets(second, into=first, agent=alice)

    target = actions.merge_tickets(third, into=second, agent=alice)

    assert target == first
    third.refresh_from_db()
    assert third.merged_into == first
    assert sorted(_inbound_bodies(first)) == ["Fråga 1", "Fråga 2", "Fråga 3"]
    assert _inbound_bodies(second) == []


def test_the_confirmation_names_the_case_the_messages_went_to(alice_client, evas_cases, alice):
    first, second, third = evas_cases
    actions.merge_tickets(second, into=first, agent=alice)

    response = alice_client.post(
        reverse("tickets:merge", kwargs={"number": third.number}),
        {"into": second.number},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert response.redirect_chain[-1][0] == first.get_absolute_url()
    html = response.content.decode()
    assert f"Merged into {first.reference}, which {second.reference} was merged into" in html
    assert "The customer has been told by e-mail." in html


@pytest.mark.parametrize("typed", ["reference", "number", "lower case"])
def test_the_case_to_merge_into_may_be_written_as_on_the_page(
    alice_client, evas_cases, alice, typed
):
    first, second, _third = evas_cases
    into = {
        "reference": second.reference,
        "number": str(second.number),
        "lower case": f" {second.reference.lower()} ",
    }[typed]

    response = alice_client.post(
        reverse("tickets:merge", kwargs={"number": first.number}), {"into": into}
    )

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.merged_into == second


def test_a_case_number_that_is_not_one_is_explained_and_kept(alice_client, evas_cases):
    first = evas_cases[0]

    response = alice_client.post(
        reverse("tickets:merge", kwargs={"number": first.number}),
        {"into": "Eva's other case"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Write the case number, e.g. NB-1009 or 1009." in html
    assert 'value="Eva&#x27;s other case"' in html
    assert 'type="number"' not in html


def test_a_case_cannot_be_merged_into_its_own_duplicate(alice_client, evas_cases, alice):
    first, second, _third = evas_cases
    actions.merge_tickets(second, into=first, agent=alice)

    with pytest.raises(actions.MergeRefused, match="cycle"):
        actions.merge_tickets(first, into=second, agent=alice)
    response = alice_client.post(
        reverse("tickets:merge", kwargs={"number": first.number}),
        {"into": second.number},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert (
        f"{second.reference} was already merged into {first.reference}, so "
        f"{first.reference} cannot be merged into it." in response.content.decode()
    )
    first.refresh_from_db()
    assert first.merged_into is None
    assert first.status != Ticket.Status.CLOSED
    assert sorted(_inbound_bodies(first)) == ["Fråga 1", "Fråga 2"]


def test_a_case_already_merged_away_is_not_merged_a_second_time(alice_client, evas_cases, alice):
    first, second, third = evas_cases
    actions.merge_tickets(second, into=first, agent=alice)

    response = alice_client.post(
        reverse("tickets:merge", kwargs={"number": second.number}),
        {"into": third.number},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert f"{second.reference} was already merged into {first.reference}" in (
        response.content.decode()
    )
    second.refresh_from_db()
    assert second.merged_into == first


def test_the_customer_is_told_which_case_number_lives_on(organisation, alice):
    first = open_case(organisation, name="Eva", email="eva@example.se", language="en",
                      body="My invoice is wrong.")  # fmt: skip
    second = open_case(organisation, name="Eva", email="eva@example.se", language="en",
                       body="About my invoice again.")  # fmt: skip
    mail.outbox.clear()

    actions.merge_tickets(second, into=first, agent=alice)

    (notice,) = mail.outbox
    assert notice.to == ["eva@example.se"]
    assert first.reference in notice.subject
    assert (
        f"Your cases {second.reference} and {first.reference} are about the same matter, so we "
        f"have joined them: from now on it is all case {first.reference}." in notice.body
    )
    assert actions.case_link(first) in notice.body
    first.refresh_from_db()
    assert f"from now on it is all case {first.reference}" in first.messages.last().body


def test_a_merged_case_page_points_to_the_live_case_and_offers_no_reply(
    alice_client, evas_cases, alice
):
    first, second, _third = evas_cases
    actions.merge_tickets(second, into=first, agent=alice)

    html = alice_client.get(second.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"The messages of this case are now in {first.reference}: answer there." in html
    assert reverse("tickets:reply", kwargs={"number": second.number}) not in html
    assert reverse("tickets:transfer", kwargs={"number": second.number}) not in html


@pytest.mark.parametrize(
    ("url", "box"), [("tickets:reply", "id_body"), ("tickets:note", "note_body")]
)
def test_a_text_written_on_a_case_merged_meanwhile_is_kept_on_the_live_case(
    alice_client, evas_cases, alice, url, box
):
    first, second, _third = evas_cases
    actions.merge_tickets(second, into=first, agent=alice)
    messages_before = Message.objects.count()

    response = alice_client.post(
        reverse(url, kwargs={"number": second.number}),
        {"body": "Hej Eva, fakturan är krediterad."},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert Message.objects.count() == messages_before
    assert f"{second.reference} was merged into {first.reference} while you wrote." in html
    assert "Hej Eva, fakturan är krediterad.</textarea>" in html
    assert f'action="{reverse(url, kwargs={"number": first.number})}' in html
    assert f'id="{box}"' in html

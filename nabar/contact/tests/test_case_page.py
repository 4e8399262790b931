"""The customer's private case page: the "is it solved?" question and writing more."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nabar.contact.models import PendingUpload
from nabar.tickets import actions
from nabar.tickets.models import Attachment, Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Is your case solved?"
SOLVED_NOTICE = "we have marked your case as solved. Write here if anything comes up."
KEY = "case-key-0123456789"


def verdict_url(ticket: Ticket) -> str:
    return reverse(
        "contact:verdict",
        kwargs={"slug": ticket.organisation.slug, "token": ticket.public_token},
    )


def case_html(client, ticket: Ticket) -> str:
    return client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def answer(ticket: Ticket, **kwargs) -> None:
    ticket.refresh_from_db()
    actions.reply_to_customer(ticket, agent=ticket.owner, body="Vi har rättat fakturan.", **kwargs)


def test_the_solved_question_waits_until_a_person_answered(client, organisation, alice):
    ticket = open_case(organisation)

    html = case_html(client, ticket)

    assert "Automatic message" in html  # the receipt is no answer
    assert QUESTION not in html
    assert "Yes, it is solved" not in html

    answer(ticket)

    html = case_html(client, ticket)
    assert QUESTION in html
    assert "Yes, it is solved" in html


def test_saying_solved_is_confirmed_and_not_asked_again(client, organisation, alice):
    ticket = open_case(organisation)
    answer(ticket)

    response = client.post(verdict_url(ticket), {"solved": "yes"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == ticket.get_public_url() + "#verdict"
    html = case_html(client, ticket)
    assert SOLVED_NOTICE in html
    assert QUESTION not in html
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED


def test_confirming_a_case_the_owner_already_solved_is_not_asked_again(client, organisation, alice):
    ticket = open_case(organisation)
    answer(ticket, status=Ticket.Status.SOLVED)
    assert QUESTION in case_html(client, ticket)

    client.post(verdict_url(ticket), {"solved": "yes"})

    html = case_html(client, ticket)
    assert SOLVED_NOTICE in html
    assert QUESTION not in html
    # The owner's timeline tells the customer's word from the owner's own status change.
    client.force_login(alice.user)
    agent_page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{ticket.requester.name} said the case is solved" in agent_page


def test_not_solved_says_who_has_the_case_and_a_new_answer_asks_again(client, organisation, alice):
    ticket = open_case(organisation)
    answer(ticket, status=Ticket.Status.SOLVED)

    client.post(verdict_url(ticket), {"solved": "no"})

    html = case_html(client, ticket)
    assert "Your case is back with Alice, who will answer you." in html
    assert QUESTION not in html

    answer(ticket)

    html = case_html(client, ticket)
    assert QUESTION in html
    assert "Your case is back with Alice" not in html


def test_writing_more_after_saying_solved_no_longer_says_it_is_solved(client, organisation, alice):
    ticket = open_case(organisation)
    answer(ticket)
    client.post(verdict_url(ticket), {"solved": "yes"})

    client.post(ticket.get_public_url(), {"body": "En sak till: påminnelseavgiften."})

    html = case_html(client, ticket)
    assert SOLVED_NOTICE not in html
    assert QUESTION not in html  # the answer was judged; the next one is asked about


def test_opening_the_verdict_address_leads_to_the_question_on_the_case_page(
    client, organisation, alice
):
    ticket = open_case(organisation)

    response = client.get(verdict_url(ticket))

    assert response.status_code == 302
    assert response["Location"] == ticket.get_public_url() + "#verdict"
    assert Ticket.objects.get().status == ticket.status  # nothing was judged


def test_the_verdict_address_of_an_unknown_case_is_not_found(client, organisation, alice):
    response = client.get(
        reverse("contact:verdict", kwargs={"slug": organisation.slug, "token": "no-such-case"})
    )

    assert response.status_code == 404


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"%PDF-1.4 {name}".encode(), "application/pdf")


def sent_files(ticket: Ticket) -> list[str]:
    latest = ticket.messages.filter(direction=Message.Direction.INBOUND).last()
    return list(
        Attachment.objects.filter(message=latest)
        .order_by("filename")
        .values_list("filename", flat=True)
    )


def test_the_write_more_form_carries_a_key_for_keeping_files(client, organisation, alice):
    ticket = open_case(organisation)

    html = case_html(client, ticket)

    assert 'type="hidden" name="submission_key"' in html


def test_a_file_sent_with_an_empty_message_is_kept_for_the_next_try(client, organisation, alice):
    ticket = open_case(organisation)

    first = client.post(
        ticket.get_public_url(),
        {"body": "", "submission_key": KEY, "attachments": pdf("kvitto.pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = first.content.decode()
    assert first.status_code == 422
    assert "kvitto.pdf" in html
    assert "you do not need to choose them again" in html
    assert f'value="{KEY}"' in html

    second = client.post(
        ticket.get_public_url(), {"body": "Här är kvittot.", "submission_key": KEY}
    )

    assert second.status_code == 302
    assert sent_files(ticket) == ["kvitto.pdf"]
    assert PendingUpload.objects.count() == 0


def test_a_refused_file_in_write_more_does_not_lose_the_good_ones(client, organisation, alice):
    ticket = open_case(organisation)
    bad = SimpleUploadedFile("program.exe", b"MZ\x90\x00binary", "application/octet-stream")

    first = client.post(
        ticket.get_public_url(),
        {"body": "Se bilagorna.", "submission_key": KEY, "attachments": [pdf("a.pdf"), bad]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert first.status_code == 422
    assert "program.exe" in first.content.decode()  # named in the error
    client.post(
        ticket.get_public_url(),
        {"body": "Se bilagorna.", "submission_key": KEY, "attachments": pdf("b.pdf")},
    )
    assert sent_files(ticket) == ["a.pdf", "b.pdf"]


def test_a_kept_file_can_be_removed_before_writing_more(client, organisation, alice):
    ticket = open_case(organisation)
    client.post(
        ticket.get_public_url(),
        {"body": "", "submission_key": KEY, "attachments": pdf("fel.pdf")},
    )
    pending = PendingUpload.objects.get()

    client.post(
        ticket.get_public_url(),
        {"body": "Ingen bilaga ändå.", "submission_key": KEY, "discard_upload": str(pending.pk)},
    )

    assert sent_files(ticket) == []
    assert PendingUpload.objects.count() == 0
    assert ticket.messages.filter(body="Ingen bilaga ändå.").exists()


def test_kept_files_count_towards_the_limit_in_write_more(client, organisation, alice, settings):
    settings.NABAR_ATTACHMENTS_PER_MESSAGE = 1
    ticket = open_case(organisation)
    client.post(
        ticket.get_public_url(),
        {"body": "", "submission_key": KEY, "attachments": pdf("ett.pdf")},
    )

    response = client.post(
        ticket.get_public_url(),
        {"body": "Två filer.", "submission_key": KEY, "attachments": pdf("tva.pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert "You can attach at most 1 files." in response.content.decode()
    assert not ticket.messages.filter(body="Två filer.").exists()


def test_a_case_waiting_for_the_customer_says_so_in_the_customers_words(
    client, organisation, alice
):
    ticket = open_case(organisation)
    answer(ticket, status=Ticket.Status.WAITING)

    html = case_html(client, ticket)

    assert "Waiting for your reply" in html
    assert "Waiting on customer" not in html  # the agents' word, not the customer's


def test_a_long_verdict_comment_is_not_cut_by_the_browser_but_explained(
    client, organisation, alice
):
    ticket = open_case(organisation)
    answer(ticket)
    html = case_html(client, ticket)
    assert "maxlength" not in html.split('name="comment"')[1].split(">")[0]

    response = client.post(
        verdict_url(ticket), {"solved": "no", "comment": "a" * 100_001}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert "Your message is 100,001 characters long" in response.content.decode()


def test_sending_write_more_empty_asks_for_the_message_not_what_the_case_is_about(
    client, organisation, alice
):
    ticket = open_case(organisation)

    response = client.post(ticket.get_public_url(), {"body": "  "}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 422
    assert "Please write your message." in html
    assert "what your case is about" not in html  # the case was described already

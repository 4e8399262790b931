from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from nabar.customers.actions import find_or_create_customer
from nabar.tickets.models import Attachment, Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def page_url(organisation) -> str:
    return reverse("contact:page", kwargs={"slug": organisation.slug})


def form_data(**overrides):
    data = {
        "name": "Carol Carlsson",
        "email": "carol@example.se",
        "phone": "",
        "body": "Min faktura för oktober är dubbelt så hög som vanligt.",
        "submission_key": "key-0123456789abcdef",
    }
    data.update(overrides)
    return data


def test_the_contact_page_shows_the_form_address_and_opening_hours(client, organisation):
    response = client.get(page_url(organisation))

    html = response.content.decode()
    assert response.status_code == 200
    assert "kontakt@exempel.example" in html
    assert 'name="body"' in html
    assert 'name="category"' not in html
    assert "00:00–24:00" in html


def test_the_contact_page_speaks_english_when_the_browser_asks(client, organisation):
    response = client.get(page_url(organisation), HTTP_ACCEPT_LANGUAGE="en")

    assert "Describe your case in your own words" in response.content.decode()


def test_the_contact_page_speaks_swedish_by_default(client, organisation):
    response = client.get(page_url(organisation), HTTP_ACCEPT_LANGUAGE="sv")

    assert "Beskriv ditt ärende med egna ord" in response.content.decode()


def test_submitting_lands_on_a_receipt_with_number_owner_and_range(client, organisation, alice):
    response = client.post(page_url(organisation), form_data(), follow=True)

    html = response.content.decode()
    ticket = Ticket.objects.get()
    assert response.status_code == 200
    assert ticket.reference in html
    assert "Alice" in html
    assert "most likely" in html or "troligen" in html
    assert len(mail.outbox) == 1


def test_an_unknown_organisation_is_a_clear_404(client, db):
    response = client.get("/o/no-such-place/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"body": "   \n  "}, "body", "Please write what your case is about"),
        ({"body": "x" * 100_001}, "body", "at most 100,000"),
        ({"email": "carol(at)example"}, "email", "does not look like an e-mail address"),
        ({"email": "", "phone": ""}, "email", "Give an e-mail address or a phone number"),
        ({"phone": "call me maybe"}, "phone", "Write the phone number in digits, e.g."),
    ],
)
def test_bad_input_is_explained_and_everything_typed_is_kept(
    client, organisation, alice, overrides, field, message
):
    data = form_data(**overrides)

    response = client.post(page_url(organisation), data, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    assert data["name"] in html  # nothing typed is lost
    assert Ticket.objects.count() == 0


def test_errors_are_in_swedish_for_a_swedish_reader(client, organisation, alice):
    response = client.post(
        page_url(organisation), form_data(email="", phone=""), HTTP_ACCEPT_LANGUAGE="sv"
    )

    assert "Ange en e-postadress eller ett telefonnummer" in response.content.decode()


def test_a_phone_number_alone_is_enough(client, organisation, alice):
    response = client.post(page_url(organisation), form_data(email="", phone="070-123 45 67"))

    assert response.status_code == 302
    assert Ticket.objects.get().requester.contact_points.get().value == "0701234567"


def test_a_50_mb_attachment_is_refused_and_nothing_is_stored(client, organisation, alice):
    big = SimpleUploadedFile(
        "scan.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), "application/pdf"
    )

    response = client.post(
        page_url(organisation), form_data(attachments=big), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert "files can be at most" in response.content.decode()
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.exe", b"MZ\x90\x00binary"),
        ("invoice.pdf", b"MZ\x90\x00disguised"),
        ("run.sh", b"#!/bin/sh\n"),
    ],
)
def test_a_program_is_refused_whatever_its_name(client, organisation, alice, name, content):
    upload = SimpleUploadedFile(name, content, "application/octet-stream")

    response = client.post(
        page_url(organisation), form_data(attachments=upload), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert "is a program or script" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_an_attachment_is_kept_and_downloadable_from_the_case_page(client, organisation, alice):
    upload = SimpleUploadedFile("kvitto.pdf", b"%PDF-1.4 kvitto", "application/pdf")
    client.post(page_url(organisation), form_data(attachments=upload))
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get()

    response = client.get(
        reverse(
            "contact:attachment",
            kwargs={"slug": organisation.slug, "token": ticket.public_token, "pk": attachment.pk},
        )
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 kvitto"
    assert "attachment;" in response["Content-Disposition"]


def test_html_and_script_are_shown_as_text_never_run(client, organisation, alice):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(page_url(organisation), form_data(name=evil, body=evil))
    ticket = Ticket.objects.get()

    html = client.get(ticket.get_public_url()).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_a_double_submit_makes_one_case(client, organisation, alice):
    first = client.post(page_url(organisation), form_data())
    second = client.post(page_url(organisation), form_data())

    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_filled_in_trap_field_stores_nothing(client, organisation, alice):
    response = client.post(page_url(organisation), form_data(website="http://spam.example"))

    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_a_guessed_case_link_is_not_found(client, organisation, alice):
    open_case(organisation)

    response = client.get(
        reverse("contact:case", kwargs={"slug": organisation.slug, "token": "guessed-token"})
    )

    assert response.status_code == 404
    assert "unguessable" in response.content.decode() or "gissa" in response.content.decode()


def test_a_case_link_long_after_closing_has_expired(client, organisation, alice, settings):
    ticket = open_case(organisation)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.CLOSED,
        closed_at=timezone.now() - timedelta(days=settings.NABAR_CASE_LINK_DAYS + 1),
    )

    response = client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 410
    assert "This link has expired" in html
    assert ticket.reference in html
    # The way on, as on the organisation's other pages: its name, and its address to click.
    address = organisation.email_address
    assert f'<a href="mailto:{address}">{address}</a>' in html
    assert f'<p class="brand"><a href="{page_url(organisation)}">{organisation.name}</a>' in html


def test_the_public_form_is_rate_limited(client, organisation, alice, settings):
    settings.NABAR_PUBLIC_RATE_PER_HOUR = 2
    for i in range(2):
        client.post(
            page_url(organisation),
            form_data(submission_key=f"key-{i}-0123456789", email=f"c{i}@example.se"),
        )

    response = client.post(
        page_url(organisation),
        form_data(submission_key="key-9-0123456789"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many messages" in html
    assert Ticket.objects.count() == 2
    # Not a dead end: the address to write to, the text to copy, the way back.
    assert f'href="mailto:{organisation.email_address}"' in html
    assert "Min faktura för oktober är dubbelt så hög som vanligt." in html
    assert f'href="{page_url(organisation)}"' in html


def test_the_case_page_shows_the_thread_without_internal_notes(client, organisation, alice):
    from nabar.tickets import actions

    ticket = open_case(organisation)
    actions.add_note(ticket, agent=ticket.owner, body="Hemlig anteckning")
    actions.reply_to_customer(ticket, agent=ticket.owner, body="Hej! Vi har rättat fakturan.")

    html = client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Hej! Vi har rättat fakturan." in html
    assert "Hemlig anteckning" not in html
    assert "Written by a person" in html
    assert "Automatic message" in html  # the receipt says it was automatic


def test_the_customer_can_write_a_follow_up(client, organisation, alice):
    ticket = open_case(organisation)

    response = client.post(ticket.get_public_url(), {"body": "Jag glömde bifoga kvittot."})

    assert response.status_code == 302
    assert ticket.messages.filter(direction=Message.Direction.INBOUND).count() == 2


def test_not_solved_from_the_case_page_goes_back_to_the_same_owner(
    client, organisation, alice, bob
):
    from nabar.tickets import actions

    ticket = open_case(organisation)
    owner_id = ticket.owner_id
    actions.reply_to_customer(ticket, agent=ticket.owner, body="Löst!", status=Ticket.Status.SOLVED)

    client.post(
        reverse(
            "contact:verdict", kwargs={"slug": organisation.slug, "token": ticket.public_token}
        ),
        {"solved": "no", "comment": "Det är inte löst."},
    )

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.owner_id == owner_id


def test_attachments_are_kept_when_the_form_comes_back_with_an_error(client, organisation, alice):
    upload = SimpleUploadedFile("kvitto.pdf", b"%PDF-1.4 kvitto", "application/pdf")
    first = client.post(
        page_url(organisation), form_data(email="", attachments=upload), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert first.status_code == 422
    assert "kvitto.pdf" in first.content.decode()
    assert "you do not need to choose them again" in first.content.decode()

    client.post(page_url(organisation), form_data(email="carol@example.se"))

    ticket = Ticket.objects.get()
    assert list(
        Attachment.objects.filter(message__ticket=ticket).values_list("filename", flat=True)
    ) == ["kvitto.pdf"]


def test_a_kept_attachment_can_be_removed_before_sending(client, organisation, alice):
    from nabar.contact.models import PendingUpload

    upload = SimpleUploadedFile("fel-fil.pdf", b"%PDF-1.4 fel", "application/pdf")
    client.post(page_url(organisation), form_data(email="", attachments=upload))
    pending = PendingUpload.objects.get()

    client.post(page_url(organisation), form_data(discard_upload=str(pending.pk)))

    assert Attachment.objects.count() == 0
    assert PendingUpload.objects.count() == 0
    assert Ticket.objects.count() == 1


def test_kept_attachments_count_towards_the_limit(client, organisation, alice, settings):
    settings.NABAR_ATTACHMENTS_PER_MESSAGE = 1
    first = SimpleUploadedFile("ett.pdf", b"%PDF-1.4 ett", "application/pdf")
    client.post(page_url(organisation), form_data(email="", attachments=first))
    second = SimpleUploadedFile("tva.pdf", b"%PDF-1.4 tva", "application/pdf")

    response = client.post(
        page_url(organisation), form_data(attachments=second), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert "You can attach at most 1 files." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_phone_number_typed_alone_never_reveals_the_customers_e_mail(client, organisation, alice):
    vera = find_or_create_customer(
        organisation, name="Vera", email="vera.privat@example.se", phone="070-555 12 12"
    )
    mail.outbox.clear()

    response = client.post(
        page_url(organisation),
        form_data(name="Okänd", email="", phone="0705551212", submission_key="key-stranger-1"),
        HTTP_ACCEPT_LANGUAGE="sv",
        follow=True,
    )

    html = response.content.decode()
    assert "Tack, vi har fått ditt ärende" in html
    assert "vera.privat@example.se" not in html
    assert "Du angav ingen e-postadress" in html
    assert mail.outbox == []  # no receipt to an address the writer did not give
    assert Ticket.objects.get().requester == vera  # the same number: the same named contact


def test_someone_elses_phone_number_does_not_join_the_writer_to_that_customer(
    client, organisation, alice
):
    vera = find_or_create_customer(
        organisation, name="Vera", email="vera.privat@example.se", phone="070-555 12 12"
    )

    client.post(
        page_url(organisation),
        form_data(name="Okänd", email="okand@example.se", phone="070-555 12 12"),
    )

    ticket = Ticket.objects.get()
    assert ticket.requester != vera
    assert sorted(vera.contact_points.values_list("value", flat=True)) == [
        "0705551212",
        "vera.privat@example.se",
    ]
    (receipt,) = mail.outbox
    assert receipt.to == ["okand@example.se"]
    # The number the writer gave is not lost: the agent sees it, and whose it is.
    client.force_login(alice.user)
    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        '0705551212 <span class="help">(written with this case; another customer\'s address)'
        in page
    )


def test_a_reply_time_that_has_passed_is_not_promised_again(client, organisation, alice):
    ticket = open_case(organisation)
    now = timezone.now()

    def page() -> str:
        return client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    Ticket.objects.filter(pk=ticket.pk).update(
        expected_reply_from=now + timedelta(hours=1), expected_reply_until=now + timedelta(hours=3)
    )
    assert "most likely answer by" in page()

    Ticket.objects.filter(pk=ticket.pk).update(expected_reply_from=now - timedelta(minutes=5))
    assert "most likely" not in page()
    assert "A person will answer at the latest by" in page()

    Ticket.objects.filter(pk=ticket.pk).update(expected_reply_until=now - timedelta(minutes=1))
    assert "We are late, and we are sorry" in page()
    assert "A person will answer at the latest by" not in page()


def test_a_refused_file_does_not_lose_the_good_ones_chosen_with_it(client, organisation, alice):
    good = SimpleUploadedFile("faktura.pdf", b"%PDF-1.4 faktura", "application/pdf")
    bad = SimpleUploadedFile("program.exe", b"MZ\x90\x00binary", "application/octet-stream")

    first = client.post(
        page_url(organisation), form_data(attachments=[good, bad]), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = first.content.decode()
    assert first.status_code == 422
    assert "program.exe" in html  # named in the error
    assert "you do not need to choose them again" in html
    client.post(page_url(organisation), form_data())
    ticket = Ticket.objects.get()
    assert list(
        Attachment.objects.filter(message__ticket=ticket).values_list("filename", flat=True)
    ) == ["faktura.pdf"]


def test_a_long_paste_is_not_cut_by_the_browser_but_explained(client, organisation, alice):
    html = client.get(page_url(organisation)).content.decode()
    assert "maxlength" not in html.split('name="body"')[1].split(">")[0]

    response = client.post(
        page_url(organisation), form_data(body="a" * 100_001), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert "Your message is 100,001 characters long" in response.content.decode()


def test_a_mistyped_phone_number_without_an_e_mail_shows_only_the_phone_error(
    client, organisation, alice
):
    response = client.post(
        page_url(organisation), form_data(email="", phone="abc"), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Write the phone number in digits, e.g." in html
    assert "Give an e-mail address or a phone number" not in html
    assert 'id="id_email_error"' not in html


FINNISH = "Hei, en ole saanut laskua vielä, missä se on? Odotan vastaustanne."


def test_the_receipt_and_case_page_say_nobody_writes_the_customers_language(
    client, organisation, alice
):
    response = client.post(page_url(organisation), form_data(body=FINNISH), follow=True)
    ticket = Ticket.objects.get()
    assert any(tag.startswith("language:") for tag in ticket.tags)
    notice = "Nobody here writes your language, so we answer in English."

    receipt = client.get(response.redirect_chain[-1][0], HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert notice in receipt.content.decode()
    assert notice in page.content.decode()
    swedish = open_case(organisation, email="dan@example.se")
    assert (
        notice
        not in client.get(swedish.get_public_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_the_case_page_names_its_status_once_for_screen_readers(client, organisation, alice):
    ticket = open_case(organisation)

    html = client.get(ticket.get_public_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert html.count(">Status<") == 1


def test_forms_on_the_case_page_come_back_at_their_own_section(client, organisation, alice):
    from nabar.tickets import actions

    ticket = open_case(organisation)
    actions.reply_to_customer(ticket, agent=alice, body="Vi tittar på det.")

    html = client.post(ticket.get_public_url(), {"body": ""}).content.decode()

    assert f'action="{ticket.get_public_url()}#write"' in html
    assert 'id="write"' in html
    assert '#verdict"' in html
    assert 'id="verdict"' in html

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from nabar.accounts.models import Organisation, Team
from nabar.tickets import actions
from nabar.tickets.alerts import raise_alert
from nabar.tickets.models import Alert, Message, Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_inbox_needs_a_login(client, organisation):
    response = client.get(reverse("tickets:inbox"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_logging_in_leads_to_the_inbox(client, alice):
    from nabar.conftest import PASSWORD

    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("tickets:inbox")


def test_a_wrong_password_is_explained(client, alice):
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "did not match" in response.content.decode()


def test_my_cases_are_listed_with_counts(alice_client, organisation, alice):
    case = open_case(organisation)

    html = alice_client.get(reverse("tickets:inbox")).content.decode()

    assert case.reference in html
    assert 'aria-current="page"' in html


def test_the_inbox_is_sorted_by_what_is_due_first(alice_client, organisation, alice):
    late = open_case(organisation, email="a@example.se")
    early = open_case(organisation, email="b@example.se")
    Ticket.objects.filter(pk=early.pk).update(due_at=late.due_at.replace(year=late.due_at.year - 1))

    html = alice_client.get(reverse("tickets:inbox")).content.decode()

    assert html.index(early.reference) < html.index(late.reference)


@pytest.mark.parametrize("query", ["NB-1001", "1001", "Carol", "carol@example.se", "faktura"])
def test_search_finds_a_case_by_number_name_email_or_text(alice_client, organisation, alice, query):
    case = open_case(organisation, body="Min faktura är fel")
    other = open_case(organisation, name="Zed", email="zed@example.se", body="Något helt annat")

    html = alice_client.get(reverse("tickets:inbox"), {"q": query}).content.decode()

    assert case.reference in html
    assert other.reference not in html


def test_search_leaves_out_words_only_an_automatic_receipt_wrote(alice_client, organisation, alice):
    tom = open_case(organisation, name="Tom Reed", email="tom@example.com", body="Routern")
    other = open_case(organisation, name="Zed", email="zed@example.se", body="Fakturan")
    assert other.messages.filter(written_by="automation", body__icontains="tom").exists()

    html = alice_client.get(reverse("tickets:inbox"), {"q": "Tom"}).content.decode()

    assert tom.reference in html
    assert other.reference not in html


def test_an_empty_search_result_says_what_to_try(alice_client, organisation, alice):
    html = alice_client.get(
        reverse("tickets:inbox"), {"q": "ingenting"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "No case matches your search" in html


def test_a_team_lead_sees_the_queue_of_a_team_they_lead_but_do_not_work_in(
    client, organisation, alice, dave
):
    billing = Team.objects.create(organisation=organisation, name="Fakturor", lead=dave)
    case = open_case(organisation)
    Ticket.objects.filter(pk=case.pk).update(owner=None, team=billing)
    client.force_login(dave.user)

    html = client.get(reverse("tickets:inbox"), {"view": "team"}).content.decode()

    assert case.reference in html


def test_the_inbox_uses_the_same_number_of_queries_for_10_or_40_cases(
    alice_client, organisation, alice, django_assert_num_queries
):
    for i in range(10):
        open_case(organisation, email=f"x{i}@example.se")
    alice_client.get(reverse("tickets:inbox"))  # warm the session
    with django_assert_num_queries(13) as small:
        alice_client.get(reverse("tickets:inbox"))
    for i in range(30):
        open_case(organisation, email=f"y{i}@example.se")

    with django_assert_num_queries(len(small.captured_queries)):
        alice_client.get(reverse("tickets:inbox"))


def test_the_case_page_uses_a_fixed_number_of_queries(
    alice_client, organisation, alice, django_assert_num_queries
):
    from nabar.tickets import actions

    case = open_case(organisation)
    url = reverse("tickets:detail", kwargs={"number": case.number})
    alice_client.get(url)
    with django_assert_num_queries(14) as few:
        alice_client.get(url)
    for i in range(15):
        actions.reply_to_customer(case, agent=alice, body=f"Svar {i}")
        actions.add_note(case, agent=alice, body=f"Anteckning {i}")

    with django_assert_num_queries(len(few.captured_queries)):
        alice_client.get(url)


def test_the_case_page_shows_thread_and_timeline(alice_client, organisation, alice):
    case = open_case(organisation, body="Min faktura är fel")

    html = alice_client.get(
        reverse("tickets:detail", kwargs={"number": case.number}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "Min faktura är fel" in html
    assert "opened the case" in html
    assert "became the owner" in html


def test_a_reply_from_the_case_page_is_mailed(alice_client, organisation, alice):
    case = open_case(organisation)
    mail.outbox.clear()

    response = alice_client.post(
        reverse("tickets:reply", kwargs={"number": case.number}),
        {"body": "Nu är det rättat.", "status": "waiting"},
    )

    assert response.status_code == 302
    assert "[NB-1001]" in mail.outbox[0].subject
    case.refresh_from_db()
    assert case.status == Ticket.Status.WAITING


def test_the_reply_box_says_where_a_reply_goes_when_the_customer_gave_no_e_mail(
    alice_client, organisation, alice
):
    case = open_case(organisation, email="", phone="0701234567")

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "no e-mail address, so nothing is mailed: call them on 0701234567" in html
    assert "Sent by e-mail" not in html


def test_a_reply_to_a_customer_without_e_mail_is_not_said_to_be_sent(
    alice_client, organisation, alice
):
    case = open_case(organisation, email="", phone="0701234567")
    mail.outbox.clear()

    response = alice_client.post(
        reverse("tickets:reply", kwargs={"number": case.number}),
        {"body": "Jag ringde dig, allt är ordnat."},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    html = response.content.decode()
    assert mail.outbox == []
    assert "Your reply was sent to the customer." not in html
    assert "Nothing was mailed: the customer gave no e-mail address." in html


def test_an_empty_reply_is_refused(alice_client, organisation, alice):
    case = open_case(organisation)

    response = alice_client.post(
        reverse("tickets:reply", kwargs={"number": case.number}),
        {"body": "  "},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert (
        case.messages.filter(direction=Message.Direction.OUTBOUND, written_by="person").count() == 0
    )
    html = response.content.decode()
    assert "Write your reply to the customer." in html
    assert "what your case is about" not in html


def test_status_and_owner_can_be_changed_by_a_team_lead(alice_client, organisation, alice, bob):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=alice)
    case = open_case(organisation)
    url_status = reverse("tickets:status", kwargs={"number": case.number})
    url_owner = reverse("tickets:owner", kwargs={"number": case.number})

    alice_client.post(url_status, {"status": "closed"})
    new_owner = bob if case.owner_id == alice.pk else alice
    alice_client.post(url_owner, {"owner": new_owner.pk})

    case.refresh_from_db()
    assert case.status == Ticket.Status.CLOSED
    assert case.owner_id == new_owner.pk


def test_an_agent_corrects_the_priority_and_the_timeline_names_both(
    alice_client, organisation, alice
):
    case = open_case(organisation)
    Ticket.objects.filter(pk=case.pk).update(priority=Ticket.Priority.URGENT)

    response = alice_client.post(
        reverse("tickets:priority", kwargs={"number": case.number}),
        {"priority": "normal"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    case.refresh_from_db()
    assert case.priority == Ticket.Priority.NORMAL
    html = response.content.decode()
    assert "Alice changed the priority from “Urgent” to “Normal”" in html
    assert '<option value="normal" selected>Normal</option>' in html


def test_a_priority_that_is_not_one_is_refused(alice_client, organisation, alice):
    case = open_case(organisation)

    response = alice_client.post(
        reverse("tickets:priority", kwargs={"number": case.number}), {"priority": "asap"}
    )

    assert response.status_code == 422
    case.refresh_from_db()
    assert case.priority == Ticket.Priority.NORMAL
    html = response.content.decode()
    assert re.search(r'<select[^>]*aria-invalid="true"[^>]*id="priority_priority"', html) or (
        re.search(r'<select[^>]*id="priority_priority"[^>]*aria-invalid="true"', html)
    )


def test_an_agent_corrects_the_language_and_the_customer_is_written_to_in_it(
    alice_client, organisation, alice
):
    case = open_case(organisation, language="en", body="Hej, min faktura är fel.")
    assert case.language == "en"  # as if detection had got it wrong

    response = alice_client.post(
        reverse("tickets:language", kwargs={"number": case.number}),
        {"language": "sv"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    case.refresh_from_db()
    assert case.language == "sv"
    html = response.content.decode()
    assert "Language saved." in html
    assert "Alice changed the language from “English” to “Swedish”" in html
    assert '<option value="sv" selected>Swedish</option>' in html
    mail.outbox.clear()
    actions.hand_to_stand_in(case, reason="inactive")
    assert "Ditt ärende" in mail.outbox[0].body  # notices now go in Swedish


def test_a_language_nobody_writes_is_marked_when_a_person_sets_it(
    alice_client, organisation, alice
):
    case = open_case(organisation, body="Min faktura är fel.")

    response = alice_client.post(
        reverse("tickets:language", kwargs={"number": case.number}),
        {"language": "fi"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    case.refresh_from_db()
    assert case.language_missing
    assert "Nobody here writes “Finnish”: the case is marked so" in response.content.decode()

    alice_client.post(
        reverse("tickets:language", kwargs={"number": case.number}), {"language": "sv"}
    )
    case.refresh_from_db()
    assert not case.language_missing


def test_a_language_that_is_not_offered_is_refused_and_nothing_changes(
    alice_client, organisation, alice
):
    case = open_case(organisation)

    response = alice_client.post(
        reverse("tickets:language", kwargs={"number": case.number}),
        {"language": "klingon"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    case.refresh_from_db()
    assert case.language == "sv"


def test_a_case_of_another_organisation_is_not_found(alice_client, organisation, alice):
    other = Organisation.objects.create(name="Annat", slug="annat", email_address="a@annat.example")
    from nabar.conftest import make_agent

    make_agent(other, "olle", "Olle")
    foreign = open_case(other)
    Ticket.objects.filter(pk=foreign.pk).update(number=4242)

    assert alice_client.get(reverse("tickets:detail", kwargs={"number": 4242})).status_code == 404
    assert (
        alice_client.post(
            reverse("tickets:reply", kwargs={"number": 4242}), {"body": "hej"}
        ).status_code
        == 404
    )


def test_a_queued_cases_owner_list_names_nobody_as_its_owner(alice_client, organisation, alice):
    Team.objects.filter(pk=organisation.default_team_id).update(lead=alice)
    case = open_case(organisation)
    Ticket.objects.filter(pk=case.pk).update(owner=None)

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    owners = html[html.index('name="owner"') : html.index("</select>", html.index('name="owner"'))]
    assert '<option value="" selected>Choose a person</option>' in owners
    assert "selected>Alice" not in owners


def test_a_case_number_that_does_not_exist_sends_an_agent_back_to_the_inbox(alice_client):
    response = alice_client.get(
        reverse("tickets:detail", kwargs={"number": 99999}), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 404
    assert "Check the case number, or search for the case in the inbox." in html
    assert f'href="{reverse("tickets:inbox")}"' in html
    assert "Links to cases are long and unguessable" not in html


def test_an_agent_cannot_give_a_case_to_someone_in_another_organisation(
    alice_client, organisation, alice
):
    other = Organisation.objects.create(name="Annat", slug="annat", email_address="a@annat.example")
    from nabar.conftest import make_agent

    stranger = make_agent(other, "olle", "Olle")
    Team.objects.filter(pk=organisation.default_team_id).update(lead=alice)
    case = open_case(organisation)

    response = alice_client.post(
        reverse("tickets:owner", kwargs={"number": case.number}), {"owner": stranger.pk}
    )

    assert response.status_code == 422
    case.refresh_from_db()
    assert case.owner_id == alice.pk


def test_an_agent_sets_their_availability(alice_client, alice):
    alice_client.post(reverse("accounts:availability"), {"availability": "away", "next": "/inbox/"})

    alice.refresh_from_db()
    assert alice.availability == "away"


def test_a_plain_agent_hands_over_with_a_note_instead_of_changing_the_owner(
    alice_client, organisation, alice, bob
):
    case = open_case(organisation)
    assert case.owner_id == alice.pk

    refused = alice_client.post(
        reverse("tickets:owner", kwargs={"number": case.number}), {"owner": bob.pk}
    )
    assert refused.status_code == 403
    page = alice_client.get(
        reverse("tickets:detail", kwargs={"number": case.number}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Hand over and tell the customer" in page.content.decode()


def test_a_status_change_on_the_timeline_names_the_status_not_its_code(alice_client, organisation):
    case = open_case(organisation)
    alice_client.post(
        reverse("tickets:status", kwargs={"number": case.number}), {"status": "closed"}
    )

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Alice set the status to “Closed”" in html


def test_an_owner_given_by_a_person_is_told_apart_from_routing(client, organisation, alice, dave):
    case = open_case(organisation)
    Ticket.objects.filter(pk=case.pk).update(owner=None)
    client.force_login(dave.user)
    client.post(reverse("tickets:owner", kwargs={"number": case.number}), {"owner": alice.pk})

    html = client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Dave made Alice the owner" in html


def test_dates_on_a_swedish_case_page_write_the_month_as_swedish_does(alice_client, organisation):
    with time_machine.travel(datetime(2026, 5, 7, 12, 0, tzinfo=UTC), tick=False):
        case = open_case(organisation)

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert "7 maj 2026 14:00" in html
    assert "Maj" not in html


@pytest.mark.parametrize(("language", "month"), [("en", "7 Dec 14:00"), ("sv", "7 dec 14:00")])
def test_the_inbox_writes_a_due_month_as_the_readers_language_does(
    alice_client, organisation, alice, language, month
):
    case = open_case(organisation)
    Ticket.objects.filter(pk=case.pk).update(
        owner=alice, due_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    )

    html = alice_client.get(
        reverse("tickets:inbox"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert f">{month}</time>" in html


def test_the_reply_time_told_to_the_customer_names_its_day_once(alice_client, organisation):
    case = open_case(organisation)
    Ticket.objects.filter(pk=case.pk).update(
        expected_reply_from=datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
        expected_reply_until=datetime(2026, 12, 7, 11, 0, tzinfo=UTC),
    )

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<dd>7 Dec 10:00–12:00</dd>" in html


def test_the_timeline_says_which_reply_time_was_announced(alice_client, organisation):
    case = open_case(organisation)
    event = case.events.get(kind="estimate")
    event.data = event.data | {
        "likely": "2026-12-07T09:00:00+00:00",
        "latest": "2026-12-07T11:00:00+00:00",
    }
    event.save()

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Expected reply announced: most likely by 7 Dec 10:00, at the latest 7 Dec 12:00" in html


def test_an_alerts_due_time_is_written_for_people(alice_client, organisation, alice):
    case = open_case(organisation)
    raise_alert(
        [alice],
        ticket=case,
        kind=Alert.Kind.BREACH_SOON,
        data={"clock": "first_response", "due": "2026-12-07 03:27", "left_minutes": 10},
    )

    html = alice_client.get(reverse("tickets:alerts"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "due at 7 Dec 03:27" in html
    assert "2026-12-07 03:27" not in html


def test_an_alert_read_earlier_still_says_when_it_was_raised(alice_client, organisation, alice):
    case = open_case(organisation)
    with time_machine.travel(datetime(2026, 12, 3, 9, 15, tzinfo=UTC), tick=False):
        raise_alert([alice], ticket=case, kind=Alert.Kind.HANDOFFS, data={"handoffs": 3})
    alice_client.post(reverse("tickets:alerts"))

    html = alice_client.get(reverse("tickets:alerts"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    earlier = html.split("Read earlier", 1)[1]
    assert 'datetime="2026-12-03T' in earlier
    assert "3 Dec" in earlier


def test_every_id_on_the_case_page_is_unique(alice_client, organisation):
    case = open_case(organisation)

    html = alice_client.get(case.get_absolute_url()).content.decode()

    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
    assert '<label for="note_body">' in html


def test_an_internal_note_names_no_channel_it_came_through(alice_client, organisation, alice):
    from nabar.tickets import actions

    case = open_case(organisation, email="", phone="0701234567")
    Ticket.objects.filter(pk=case.pk).update(channel="phone")
    case.messages.update(channel="phone")
    actions.add_note(case, agent=alice, body="Ringde kunden.")

    html = alice_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    note = html[html.index("Internal note, not shown") : html.index("Ringde kunden.")]
    assert 'class="channel"' not in note
    assert "Web form" not in html


def test_an_empty_note_points_its_error_at_the_note_box(alice_client, organisation):
    case = open_case(organisation)

    response = alice_client.post(
        reverse("tickets:note", kwargs={"number": case.number}),
        {"body": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Write the note." in html
    assert "what your case is about" not in html
    assert 'href="#note_body"' in html
    assert re.search(r'<textarea[^>]*id="note_body"[^>]*aria-invalid="true"', html) or re.search(
        r'<textarea[^>]*aria-invalid="true"[^>]*id="note_body"', html
    )


def test_side_column_forms_come_back_at_their_section(alice_client, organisation):
    case = open_case(organisation)

    html = alice_client.post(
        reverse("tickets:merge", kwargs={"number": case.number}), {"into": ""}
    ).content.decode()

    assert (
        f'action="{reverse("tickets:transfer", kwargs={"number": case.number})}#transfer"' in html
    )
    assert f'action="{reverse("tickets:merge", kwargs={"number": case.number})}#merge"' in html
    assert 'id="merge"' in html

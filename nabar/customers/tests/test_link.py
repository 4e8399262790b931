"""A customer writes from a new address; an agent links it to the customer it belongs to, or merges."""

from __future__ import annotations

import pytest
from django.urls import reverse

from nabar.accounts.models import Organisation
from nabar.conftest import PASSWORD, make_agent
from nabar.customers.actions import (
    CustomerLinkError,
    find_or_create_customer,
    link_address,
    merge_customers,
)
from nabar.customers.models import ContactPoint, Customer
from nabar.mail import tokens
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail
from nabar.tests.browser import assert_accessible, launch
from nabar.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


def mail(sender: str, subject: str, *, to: str = "kontakt@exempel.example") -> bytes:
    return (
        f"From: Karin Lund <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHej, det gäller min ansökan.\r\n"
    ).encode()


def receive(raw: bytes) -> InboundEmail:
    stored, _ = store_raw(raw, source=InboundEmail.Source.SMTP, envelope_to=["x@exempel.example"])
    stored.refresh_from_db()
    return stored


@pytest.fixture
def karin(organisation):
    return find_or_create_customer(organisation, name="Karin Lund", email="karin@example.se")


@pytest.fixture
def new_address_case(organisation, alice, karin) -> Ticket:
    """Karin writes from her work address, which nobody knows yet: a second "Karin Lund"."""
    organisation.email_address = "x@exempel.example"
    organisation.save()
    return receive(mail("karin.lund@firma.se", "Ansökan", to="x@exempel.example")).ticket


def test_linking_the_new_address_moves_it_and_the_case_to_the_existing_customer(
    new_address_case, karin, alice
):
    placeholder = new_address_case.requester
    assert placeholder != karin

    link_address(new_address_case, address="Karin.Lund@firma.se", customer=karin, agent=alice)

    new_address_case.refresh_from_db()
    assert new_address_case.requester == karin
    assert set(karin.contact_points.values_list("value", flat=True)) == {
        "karin@example.se",
        "karin.lund@firma.se",
    }
    assert not Customer.objects.filter(pk=placeholder.pk).exists()
    event = new_address_case.events.get(kind=TicketEvent.Kind.ADDRESS_LINKED)
    assert (event.actor_agent, event.data["address"], event.data["customer"]) == (
        alice,
        "karin.lund@firma.se",
        "Karin Lund",
    )
    # Her next mail from the work address is hers from the start.
    later = receive(mail("karin.lund@firma.se", "En sak till", to="x@exempel.example"))
    assert later.ticket.requester == karin


def test_merging_moves_every_case_and_address_of_the_duplicate(
    new_address_case, karin, alice, organisation
):
    duplicate = new_address_case.requester
    second = receive(mail("karin.lund@firma.se", "Ny fråga", to="x@exempel.example")).ticket
    assert second.requester == duplicate

    merge_customers(duplicate, into=karin, agent=alice, ticket=new_address_case)

    assert set(Ticket.objects.values_list("requester", flat=True)) == {karin.pk}
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    for ticket in (new_address_case, second):
        event = ticket.events.get(kind=TicketEvent.Kind.CUSTOMERS_MERGED)
        assert event.data["into"] == "Karin Lund"
        assert event.data["addresses"] == ["karin.lund@firma.se"]


def test_a_reply_from_an_unknown_address_can_be_added_to_the_customer(organisation, alice, karin):
    ticket = receive(mail("karin@example.se", "Ansökan")).ticket
    reply_to = tokens.reply_address(organisation.email_address, ticket.pk)
    follow_up = receive(mail("karin@hemma.se", "Sv: Ansökan", to=reply_to))
    assert follow_up.ticket_id == ticket.pk
    assert not ContactPoint.objects.filter(value="karin@hemma.se").exists()

    link_address(ticket, address="karin@hemma.se", customer=karin, agent=alice)

    assert ContactPoint.objects.get(value="karin@hemma.se").customer == karin


def test_customers_of_another_organisation_cannot_be_linked_or_merged(
    new_address_case, karin, alice
):
    other = Organisation.objects.create(name="Annan", slug="annan", email_address="a@annan.se")
    stranger = find_or_create_customer(other, name="Karin Lund", email="karin@annan.se")

    with pytest.raises(CustomerLinkError):
        link_address(
            new_address_case, address="karin.lund@firma.se", customer=stranger, agent=alice
        )
    with pytest.raises(CustomerLinkError):
        merge_customers(
            new_address_case.requester, into=stranger, agent=alice, ticket=new_address_case
        )
    with pytest.raises(CustomerLinkError):
        merge_customers(karin, into=karin, agent=alice, ticket=new_address_case)


def test_the_agent_finds_the_customer_on_the_case_page_and_links_the_address(
    alice_client, new_address_case, karin
):
    case_url = reverse("tickets:detail", kwargs={"number": new_address_case.number})
    page = alice_client.get(case_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Addresses the customer wrote from" in page
    link_url = reverse("customers:link", kwargs={"number": new_address_case.number})
    assert f"{link_url}?address=karin.lund%40firma.se" in page

    found = alice_client.get(
        link_url, {"address": "karin.lund@firma.se", "q": "karin@ex"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 customer found" in found
    in_swedish = alice_client.get(
        link_url, {"address": "karin.lund@firma.se", "q": "karin@ex"}, HTTP_ACCEPT_LANGUAGE="sv"
    ).content.decode()
    assert "1 kund hittades" in in_swedish
    assert "karin@example.se" in found
    assert "Link the address to Karin Lund" in found

    response = alice_client.post(
        reverse("customers:link_submit", kwargs={"number": new_address_case.number}),
        {"address": "karin.lund@firma.se", "customer": karin.pk, "how": "link"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    html = response.content.decode()
    assert "karin.lund@firma.se now belongs to Karin Lund." in html
    assert "Alice linked karin.lund@firma.se to Karin Lund" in html
    new_address_case.refresh_from_db()
    assert new_address_case.requester == karin


def test_another_organisations_agent_or_customer_gets_not_found(
    client, alice_client, new_address_case, karin
):
    other = Organisation.objects.create(name="Annan", slug="annan", email_address="a@annan.se")
    stranger = find_or_create_customer(other, name="Olof", email="olof@annan.se")
    make_agent(other, "olle", "Olle")
    submit = reverse("customers:link_submit", kwargs={"number": new_address_case.number})

    foreign_customer = alice_client.post(
        submit, {"address": "karin.lund@firma.se", "customer": stranger.pk, "how": "link"}
    )
    client.login(username="olle", password=PASSWORD)
    foreign_agent = client.get(
        reverse("customers:link", kwargs={"number": new_address_case.number}),
        {"address": "karin.lund@firma.se"},
    )

    assert foreign_customer.status_code == 404
    assert foreign_agent.status_code == 404
    assert ContactPoint.objects.get(value="karin.lund@firma.se").customer != karin


def test_an_address_that_never_wrote_on_the_case_cannot_be_taken_over(
    alice_client, new_address_case, karin
):
    response = alice_client.post(
        reverse("customers:link_submit", kwargs={"number": new_address_case.number}),
        {"address": "someone@else.se", "customer": karin.pk, "how": "link"},
        follow=True,
    )

    assert response.status_code == 200
    assert not ContactPoint.objects.filter(value="someone@else.se").exists()


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.mark.browser
def test_the_link_page_is_accessible_and_works_by_keyboard(
    browser, live_server, new_address_case, karin
):
    page = browser.new_context(locale="en").new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{live_server.url}{new_address_case.get_absolute_url()}")
    page.get_by_role("link", name="Link karin.lund@firma.se to another customer").click()
    page.get_by_label("Name or e-mail address").fill("Karin")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="found").wait_for()
    assert_accessible(page, label="link an address to a customer")

    page.get_by_role("button", name="Merge Karin Lund into Karin Lund").first.focus()
    page.get_by_role("button", name="Link the address to Karin Lund").first.click()

    assert "karin.lund@firma.se now belongs to Karin Lund." in page.content()
    new_address_case.refresh_from_db()
    assert new_address_case.requester == karin

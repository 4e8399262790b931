"""The Django admin shows every organisation's records, so only the installation's operators
(superusers) may open it; an organisation's administrators manage it on Nåbar's own pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from nabar.accounts.models import Organisation
from nabar.conftest import make_agent
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

PRIVATE_MAIL = (
    b"From: Vera <vera@example.se>\r\nTo: kontakt@annat.example\r\nSubject: Privat\r\n"
    b"Message-ID: <vera-1@example.se>\r\n\r\nMitt kontonummer \xc3\xa4r 1234-5678.\r\n"
)


@pytest.fixture
def other_organisations_mail(organisation: Organisation) -> InboundEmail:
    other = Organisation.objects.create(
        name="Annat bolag", slug="annat", email_address="kontakt@annat.example"
    )
    stored, _created = store_raw(
        PRIVATE_MAIL, source=InboundEmail.Source.IMPORT, organisation=other
    )
    return stored


def an_organisation_administrator(organisation: Organisation):  # type: ignore[no-untyped-def]
    """A staff user of one organisation: its administrator, not the installation's operator."""
    agent = make_agent(organisation, "olga", "Olga", staff=True)
    agent.user.is_superuser = False
    agent.user.save(update_fields=["is_superuser"])
    return agent


def test_an_organisation_administrator_cannot_open_the_admin(client, organisation):
    client.force_login(an_organisation_administrator(organisation).user)

    index = client.get(reverse("admin:index"))
    inbox = client.get(reverse("tickets:inbox"), HTTP_ACCEPT_LANGUAGE="en")

    assert index.status_code == 302
    assert index["Location"].startswith(reverse("admin:login"))
    assert inbox.status_code == 200
    assert 'href="/admin/"' not in inbox.content.decode()
    assert "Routing" in inbox.content.decode()  # their own settings pages stay in the menu


def test_an_organisation_administrator_cannot_download_another_organisations_mail(
    client, organisation, other_organisations_mail
):
    client.force_login(an_organisation_administrator(organisation).user)
    url = reverse("admin:mail_inboundemail_raw", args=[other_organisations_mail.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert b"kontonummer" not in response.content


def test_the_operator_opens_the_admin_and_the_raw_mail(client, dave, other_organisations_mail):
    client.force_login(dave.user)  # a superuser
    url = reverse("admin:mail_inboundemail_raw", args=[other_organisations_mail.pk])

    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(url)
    assert response.status_code == 200
    assert b"kontonummer" in response.content
    assert client.get(reverse("admin:mail_inboundemail_raw", args=[999999])).status_code == 404

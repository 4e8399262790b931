"""A form sent without its security token is refused in the reader's language, losing nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from nabar.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_contact_form_without_its_token_is_explained_and_the_text_given_back(organisation):
    client = Client(enforce_csrf_checks=True)
    url = reverse("contact:page", kwargs={"slug": organisation.slug})

    response = client.post(
        url,
        {"name": "Carol", "email": "carol@example.se", "body": "Min faktura är fel, igen."},
        HTTP_ACCEPT_LANGUAGE="sv",
        HTTP_REFERER=f"http://testserver{url}",
    )

    html = response.content.decode()
    assert response.status_code == 403
    assert "Formuläret kunde inte skickas" in html
    assert "Min faktura är fel, igen." in html
    assert f'href="http://testserver{url}"' in html
    assert Ticket.objects.count() == 0


def test_a_foreign_referer_is_not_offered_as_the_way_back(organisation):
    client = Client(enforce_csrf_checks=True)
    url = reverse("contact:page", kwargs={"slug": organisation.slug})

    response = client.post(url, {"body": "x"}, HTTP_REFERER="https://evil.example/phish")

    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
    assert f'href="{url}"' in response.content.decode()

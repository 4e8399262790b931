"""Log-in: a password cannot be guessed by trying many, and a real client address is used."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from nabar.conftest import PASSWORD
from nabar.lib.ratelimit import client_address

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(client, username: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="sv",
        **headers,
    )


def test_after_ten_wrong_passwords_even_the_right_one_waits(client, settings, alice, bob):
    settings.NABAR_LOGIN_FAILURES = 10
    for _ in range(10):
        assert log_in(client, "alice", "fel").status_code == 200

    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    html = response.content.decode()
    assert "För många felaktiga lösenord" in html
    assert 'value="alice"' in html  # what was typed is kept
    assert "_auth_user_id" not in client.session
    # Someone else logs in as usual.
    assert log_in(client, "bob", PASSWORD).status_code == 302


def test_a_right_password_before_the_limit_logs_in(client, settings, alice):
    settings.NABAR_LOGIN_FAILURES = 10
    for _ in range(9):
        log_in(client, "alice", "fel")

    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_one_address_trying_many_user_names_is_stopped(client, settings, alice):
    settings.NABAR_LOGIN_FAILURES = 2
    for n in range(6):
        assert log_in(client, f"gissning{n}", "fel").status_code == 200

    assert log_in(client, "alice", PASSWORD).status_code == 429


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.1"
    )

    settings.NABAR_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.2"  # anyone can write the header
    settings.NABAR_TRUSTED_PROXIES = 1
    assert client_address(request) == "10.0.0.1"
    settings.NABAR_TRUSTED_PROXIES = 2
    assert client_address(request) == "203.0.113.7"  # not the 6.6.6.6 the client wrote
    settings.NABAR_TRUSTED_PROXIES = 5
    assert client_address(request) == "6.6.6.6"


def test_behind_a_proxy_each_customer_has_their_own_limit(client, settings, organisation):
    settings.NABAR_TRUSTED_PROXIES = 1
    settings.NABAR_PUBLIC_RATE_PER_HOUR = 2
    url = reverse("contact:page", kwargs={"slug": organisation.slug})

    statuses = [
        client.post(
            url, {}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n % 2}"
        ).status_code
        for n in range(6)
    ]
    other = client.post(url, {}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")

    assert statuses == [422, 422, 422, 422, 429, 429]
    assert other.status_code == 422


def test_the_chosen_language_is_kept_after_the_browser_closes(client, alice):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    cookie = client.cookies["django_language"]

    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 30 * 24 * 60 * 60

    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    html = client.get(reverse("tickets:inbox")).content.decode()
    assert '<html lang="en">' in html


def test_logging_out_says_so_on_the_log_in_page_and_the_inbox_is_closed(client, alice):
    client.force_login(alice.user)

    response = client.post(reverse("accounts:logout"), follow=True, HTTP_ACCEPT_LANGUAGE="sv")

    assert "Du är utloggad." in response.content.decode()
    assert response.request["PATH_INFO"] == reverse("accounts:login")
    assert client.get("/inbox/").status_code == 302

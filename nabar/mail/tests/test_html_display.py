"""HTML mail on the case page: the plain text first, the sanitised original one click away,
its inline images shown from the stored attachment behind the same access check."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from nabar.accounts.models import Organisation
from nabar.conftest import PASSWORD, make_agent
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail
from nabar.tests.browser import assert_accessible, launch
from nabar.tickets.models import Attachment

# A 1x1 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def html_mail() -> bytes:
    image = base64.encodebytes(PNG).decode()
    return (
        "From: Karin Lund <karin@example.se>\r\nTo: kontakt@exempel.example\r\n"
        "Subject: Skadan på taket\r\nMessage-ID: <html-1@example.se>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n'
        "--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hej, taket läcker. Se bilden.\r\n"
        '--ALT\r\nContent-Type: multipart/related; boundary="REL"\r\n\r\n'
        "--REL\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        '<html><head><style>p{color:red}</style><script>alert("x")</script></head><body>'
        '<p onclick="steal()">Hej, <b>taket läcker</b>. Se bilden:</p>'
        '<img src="cid:skada@example.se" alt="Bild på skadan">'
        '<img src="https://tracker.example/pixel.gif" alt="">'
        '<a href="javascript:steal()">klicka</a></body></html>\r\n'
        "--REL\r\nContent-Type: image/png; name=skada.png\r\nContent-ID: <skada@example.se>\r\n"
        "Content-Disposition: inline; filename=skada.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{image}\r\n--REL--\r\n--ALT--\r\n"
    ).encode()


def receive(organisation) -> InboundEmail:  # type: ignore[no-untyped-def]
    stored, _ = store_raw(html_mail(), source=InboundEmail.Source.SMTP, organisation=organisation)
    stored.refresh_from_db()
    return stored


@pytest.mark.django_db(transaction=True)
def test_the_plain_text_is_shown_first_and_the_sanitised_html_one_click_away(
    alice_client, organisation, alice
):
    inbound = receive(organisation)
    ticket = inbound.ticket
    image = Attachment.objects.get(message__ticket=ticket)

    html = alice_client.get(
        reverse("tickets:detail", kwargs={"number": ticket.number}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    body = html.split('class="message-body"', 1)[1].split("</div>", 1)[0]
    assert "Hej, taket läcker. Se bilden." in body
    assert "<b>" not in body
    original = html.split('<details class="original">', 1)[1].split("</details>", 1)[0]
    assert "Show the original formatted e-mail" in original
    assert "<b>taket läcker</b>" in original
    image_url = reverse("mail:inline_image", kwargs={"number": ticket.number, "pk": image.pk})
    assert f'src="{image_url}"' in original
    assert 'alt="Bild på skadan"' in original
    for unsafe in ("<script", "onclick", "javascript:", "tracker.example", "color:red", "cid:"):
        assert unsafe not in original


@pytest.mark.django_db(transaction=True)
def test_an_inline_image_is_served_as_an_image_only_to_agents_of_the_organisation(
    client, alice_client, organisation, alice
):
    ticket = receive(organisation).ticket
    image = Attachment.objects.get(message__ticket=ticket)
    url = reverse("mail:inline_image", kwargs={"number": ticket.number, "pk": image.pk})

    shown = alice_client.get(url)
    other_org = Organisation.objects.create(
        name="Annan", slug="annan", email_address="info@annan.example"
    )
    make_agent(other_org, "olle", "Olle")
    client.logout()
    anonymous = client.get(url)
    client.login(username="olle", password=PASSWORD)
    stranger = client.get(url)

    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"] == "inline"
    assert b"".join(shown.streaming_content) == PNG
    assert anonymous.status_code == 302
    assert stranger.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_a_raster_image_is_never_served_inline(
    alice_client, organisation, alice
):
    svg = (
        b"From: a@example.se\r\nTo: kontakt@exempel.example\r\nSubject: svg\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="R"\r\n\r\n--R\r\nContent-Type: text/html\r\n\r\n'
        b'<img src="cid:s@x">\r\n--R\r\nContent-Type: image/svg+xml\r\nContent-ID: <s@x>\r\n\r\n'
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>\r\n--R--\r\n"
    )
    stored, _ = store_raw(svg, source=InboundEmail.Source.SMTP, organisation=organisation)
    stored.refresh_from_db()
    attachment = Attachment.objects.get(message__ticket=stored.ticket)

    response = alice_client.get(
        reverse("mail:inline_image", kwargs={"number": stored.ticket.number, "pk": attachment.pk})
    )

    assert response.status_code == 404


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_original_opens_without_javascript_and_shows_the_image(
    browser, live_server, organisation, alice
):
    ticket = receive(organisation).ticket
    context = browser.new_context(locale="en", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{live_server.url}{reverse('tickets:detail', kwargs={'number': ticket.number})}")

    page.get_by_text("Show the original formatted e-mail").click()
    image = page.get_by_role("img", name="Bild på skadan")
    image.wait_for()
    loaded = image.evaluate("img => img.complete && img.naturalWidth")
    context.close()

    assert loaded == 1
    page_with_js = browser.new_context(locale="en").new_page()
    page_with_js.goto(f"{live_server.url}/login/")
    page_with_js.get_by_label("User name").fill("alice")
    page_with_js.get_by_label("Password").fill(PASSWORD)
    page_with_js.get_by_role("button", name="Log in", exact=True).click()
    page_with_js.goto(
        f"{live_server.url}{reverse('tickets:detail', kwargs={'number': ticket.number})}"
    )
    page_with_js.get_by_text("Show the original formatted e-mail").click()
    assert_accessible(page_with_js, label="case page with an HTML mail opened")

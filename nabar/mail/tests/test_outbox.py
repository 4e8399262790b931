"""Outbound mail through a real SMTP exchange: sent once, retried on failure, never lost."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from nabar.mail import outbox
from nabar.mail.models import OutboundEmail
from nabar.mail.tests.smtp_sink import SmtpSink, free_port
from nabar.tickets import actions
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_receipt_and_a_reply_reach_a_real_smtp_server(smtp, organisation, alice):
    ticket = open_case(organisation, email="carol@example.se")
    actions.reply_to_customer(ticket, agent=alice, body="Hej Carol, det är fixat.")

    receipt, reply = smtp.messages
    assert receipt["To"] == "carol@example.se"
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert "NB-1001" in receipt["Subject"]
    assert reply["Auto-Submitted"] is None
    assert reply["In-Reply-To"] == receipt["Message-ID"]
    assert "Hej Carol, det är fixat." in reply.get_body(("plain",)).get_content()
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {
        OutboundEmail.Status.SENT
    }


def test_a_mail_server_that_is_down_defers_and_a_retry_delivers(settings, organisation, alice):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens here
    settings.EMAIL_TIMEOUT = 2

    open_case(organisation, email="carol@example.se")

    queued = OutboundEmail.objects.get()
    assert queued.status == OutboundEmail.Status.DEFERRED
    assert queued.attempts == 1
    assert queued.next_attempt_at is not None
    assert "ConnectionRefused" in queued.last_error

    with SmtpSink() as sink:
        settings.EMAIL_PORT = sink.port
        OutboundEmail.objects.filter(pk=queued.pk).update(next_attempt_at=None)
        assert outbox.deliver(queued.pk) == OutboundEmail.Status.SENT
    assert len(sink.messages) == 1


def test_a_temporary_refusal_is_retried_and_a_permanent_one_fails(smtp, organisation, alice):
    smtp.handler.answer = "451 Try again later"
    open_case(organisation, email="carol@example.se")
    first = OutboundEmail.objects.get()
    assert first.status == OutboundEmail.Status.DEFERRED

    smtp.handler.answer = "550 No such user here"
    OutboundEmail.objects.filter(pk=first.pk).update(next_attempt_at=None)
    assert outbox.deliver(first.pk) == OutboundEmail.Status.FAILED
    first.refresh_from_db()
    assert "550" in first.last_error


def test_a_mail_is_never_sent_twice(smtp, organisation, alice):
    open_case(organisation, email="carol@example.se")
    sent = OutboundEmail.objects.get()

    assert outbox.deliver(sent.pk) is None  # already sent: a second worker does nothing
    assert len(smtp.messages) == 1


def test_a_header_injection_attempt_never_reaches_the_headers(smtp, organisation, alice):
    ticket = open_case(
        organisation, email="carol@example.se", body="Faktura\r\nBcc: victim@example.se"
    )
    actions.reply_to_customer(ticket, agent=alice, body="Svar")

    for message in smtp.messages:
        assert message["Bcc"] is None
        assert "victim" not in str(message["Subject"])


_value = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.fixed_dictionaries(
        {
            "reference": _value,
            "organisation_name": _value,
            "customer_name": st.one_of(st.just(""), _value, st.just('Ö\'Brien & <Söner> "AB"')),
            "owner_name": st.one_of(st.just(""), _value),
            "language_missing": st.sampled_from(["", "yes"]),
            "by_email": st.sampled_from(["", "yes"]),
            "likely": _value,
            "latest": _value,
            "link": st.one_of(_value, st.just("https://example.se/c/a?b=1&c=<2>")),
        }
    ),
    language=st.sampled_from(["sv", "en"]),
)
def test_a_receipt_filled_into_its_prepared_shape_is_the_receipt_rendered_afresh(values, language):
    assert outbox.render_email_filled("receipt", values, language=language) == outbox.render_email(
        "receipt", dict(values), language=language
    )


def test_a_subject_shows_the_customers_own_characters_not_html_escapes(organisation, alice):
    organisation.name = "Smith & Söner"
    organisation.save()
    ticket = open_case(organisation, email="carol@example.se")
    ticket.subject = 'Q&A: <faktura> "mars"'
    subject, _text, _html = outbox.render_email(
        "reply", {"ticket": ticket, "organisation": organisation}, language="sv"
    )
    assert subject.endswith('Sv: Q&A: <faktura> "mars"')
    receipt = OutboundEmail.objects.get(kind=OutboundEmail.Kind.RECEIPT)
    assert receipt.subject.endswith("Smith & Söner")
    assert "Smith & Söner" in receipt.body_text
    assert "Smith &amp; Söner" in receipt.body_html


def test_a_refusal_that_repeats_the_smtp_password_is_stored_without_it(
    smtp, settings, organisation, alice
):
    settings.EMAIL_HOST_PASSWORD = "dåligt-lösen-7"
    smtp.handler.answer = "550 Rejected: relay password dåligt-lösen-7 is not allowed here"

    open_case(organisation, email="carol@example.se")

    failed = OutboundEmail.objects.get()
    assert failed.status == OutboundEmail.Status.FAILED
    assert (
        failed.last_error == "SMTPDataError: 550 Rejected: relay password *** is not allowed here"
    )


@pytest.mark.parametrize("name", ["receipt", "reply", "handover", "later"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_mail_is_a_whole_html_document_in_the_customers_language(name, language):
    context = {"estimate": {"likely": None, "latest": None}}  # what "later" formats
    _subject, _text, html = outbox.render_email(name, context, language=language)

    assert html.lstrip().lower().startswith(f'<!doctype html><html lang="{language}">')
    assert html.rstrip().endswith("</body></html>")
    assert html.count("<body") == 1

"""The parser on messages written for these tests: charsets, quotes, automatic mail, limits."""

from __future__ import annotations

import time

from nabar.mail.parsing import parse_message


def mail(headers: str, body: bytes = b"Hej!\n") -> bytes:
    return headers.strip().replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


def test_a_plain_swedish_message():
    parsed = parse_message(
        mail(
            """
From: Karin Lund <Karin@Example.se>
To: kundtjanst@exempel.example
Subject: =?utf-8?q?Fr=C3=A5ga_om_fakturan?=
Message-ID: <abc123@example.se>
Content-Type: text/plain; charset=utf-8
""",
            "Hej, min faktura är för hög. Åsa och Örjan håller med.\n".encode(),
        )
    )

    assert parsed.ok
    assert parsed.from_address == "karin@example.se"
    assert parsed.from_name == "Karin Lund"
    assert parsed.subject == "Fråga om fakturan"
    assert parsed.message_id == "abc123@example.se"
    assert "Åsa och Örjan" in parsed.text
    assert parsed.auto is None


def test_windows_1252_labelled_latin_1_keeps_swedish_letters_and_quotes():
    body = "Hälsningar från Göteborg – “citat” €".encode("cp1252")
    parsed = parse_message(
        mail("From: a@b.se\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1", body)
    )

    assert "Hälsningar från Göteborg – “citat” €" in parsed.text


def test_an_unknown_charset_label_falls_back_and_never_raises():
    parsed = parse_message(
        mail(
            "From: a@b.se\nSubject: x\nContent-Type: text/plain; charset=uft-8",
            "Räksmörgås".encode(),
        )
    )

    assert "Räksmörgås" in parsed.text


def test_eight_bit_text_without_a_label():
    parsed = parse_message(mail("From: a@b.se\nSubject: x", "Blåbär".encode("latin-1")))

    assert "Blåbär" in parsed.text


def test_nul_bytes_are_removed():
    parsed = parse_message(mail("From: a@b.se\nSubject: x", b"Hej\x00 d\x00\xc3\xa5"))

    assert parsed.text.strip() == "Hej då"


def test_a_gmail_reply_in_swedish_is_folded():
    body = (
        "Tack, nu fungerar det!\n\nDen mån 23 nov. 2026 kl 10:12 skrev Alice "
        "<kontakt@exempel.example>:\n> Hej Karin\n> Fakturan är rättad.\n"
    ).encode()
    parsed = parse_message(mail("From: karin@example.se\nSubject: Re: [NB-1001] Faktura", body))

    assert parsed.visible_text == "Tack, nu fungerar det!"
    assert "Fakturan är rättad." in parsed.quoted_text


def test_an_outlook_reply_in_english_is_folded():
    body = (
        b"Thanks, that solved it.\n\nFrom: Alice <kontakt@exempel.example>\nSent: Monday, 23 November 2026 10:12\n"
        b"To: Emma\nSubject: [NB-1001] Address\n\nHi Emma, I have updated your address.\n"
    )
    parsed = parse_message(mail("From: emma@example.com\nSubject: RE: [NB-1001] Address", body))

    assert parsed.visible_text == "Thanks, that solved it."
    assert "I have updated your address" in parsed.quoted_text


def test_html_only_mail_is_sanitised_and_read_as_text():
    html = b'<html><body><p>Hej <b>d\xc3\xa5</b></p><script>alert(1)</script><a href="javascript:x()" onclick="x()">l\xc3\xa4nk</a></body></html>'
    parsed = parse_message(
        mail("From: a@b.se\nSubject: x\nContent-Type: text/html; charset=utf-8", html)
    )

    assert parsed.text.startswith("Hej då")
    assert "<script" not in parsed.html
    assert "onclick" not in parsed.html
    assert "javascript:" not in parsed.html


def test_attachments_keep_their_names_and_types():
    raw = mail(
        'From: a@b.se\nSubject: kvitto\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"',
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilaga.\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''kvitto%20f%C3%B6r%20mars.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n",
    )
    parsed = parse_message(raw)

    (attachment,) = parsed.attachments
    assert attachment.filename == "kvitto för mars.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.data == b"%PDF-1.4\n"


def test_a_broken_boundary_still_gives_the_text():
    raw = mail(
        'From: a@b.se\nSubject: x\nContent-Type: multipart/mixed; boundary="nope"',
        b"--other\r\n\r\nText som finns\r\n",
    )

    parsed = parse_message(raw)

    assert "Text som finns" in parsed.text


def test_a_thousand_nested_parts_are_bounded_in_time():
    body = b""
    for i in range(1000):
        body += f'--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n\r\n'.encode()
    body += b"--b1000\r\nContent-Type: text/plain\r\n\r\ninnerst\r\n"
    started = time.perf_counter()

    parsed = parse_message(
        mail('From: a@b.se\nSubject: x\nContent-Type: multipart/mixed; boundary="b0"', body)
    )

    assert time.perf_counter() - started < 10  # generous: a hang would take forever
    assert any("nested" in d or "parts" in d or "could not" in d for d in parsed.defects)


def test_twenty_thousand_encoded_words_in_a_subject_are_bounded():
    subject = " ".join(["=?utf-8?q?=C3=A5?="] * 20_000)
    started = time.perf_counter()

    parsed = parse_message(mail(f"From: a@b.se\nSubject: {subject}"))

    assert time.perf_counter() - started < 10
    assert parsed.subject.startswith("ååå")
    assert len(parsed.subject) <= 300


def test_no_message_id_is_fine():
    parsed = parse_message(mail("From: a@b.se\nSubject: utan id"))

    assert parsed.ok
    assert parsed.message_id is None


def test_garbage_never_raises():
    for raw in (b"", b"\x00\xff\xfe", b"From:\r\n\r\n", b"Content-Type: multipart/mixed\r\n\r\n--"):
        parsed = parse_message(raw)
        assert isinstance(parsed.defects, tuple)


def test_rfc_3834_auto_replies_are_recognised():
    parsed = parse_message(mail("From: a@b.se\nSubject: Re: x\nAuto-Submitted: auto-replied"))

    assert parsed.auto == "Auto-Submitted: auto-replied"


def test_a_swedish_vacation_reply_without_headers_is_recognised():
    parsed = parse_message(mail("From: a@b.se\nSubject: Frånvaro: Re: [NB-1001] Faktura"))

    assert parsed.auto is not None


def test_a_standard_bounce_names_the_recipient_and_the_original_message():
    raw = mail(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.se>\nSubject: Undelivered Mail Returned to Sender\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
        b"--R\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.se\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.se\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        b"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <nb.1234@exempel.example>\r\nSubject: x\r\n--R--\r\n",
    )

    bounce = parse_message(raw).bounce

    assert bounce is not None
    assert bounce.recipients == ("nobody@example.se",)
    assert bounce.status == "5.1.1"
    assert bounce.permanent
    assert bounce.original_message_id == "nb.1234@exempel.example"

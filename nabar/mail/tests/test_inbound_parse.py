"""Parsing received mail: charsets, bounds, HTML, quotes, automatic mail, bounces, files."""

from __future__ import annotations

from pathlib import Path

import pytest

from nabar.mail.inbound import parse_message

DATA = Path(__file__).resolve().parent / "data"


def parse(name: str):  # type: ignore[no-untyped-def]
    return parse_message((DATA / name).read_bytes())


def test_windows_1252_labelled_latin1_keeps_swedish_letters_and_dash() -> None:
    mail = parse("inbound_latin1_cp1252.eml")
    assert mail.subject == "Fråga om räkning"
    assert "över min räkning – den är för hög. Åsa" in mail.text
    assert mail.from_address == "anna@example.se"
    assert mail.message_id == "a1@example.se"
    assert mail.date is not None
    assert mail.date.utcoffset() is not None


def test_unknown_charset_labels_and_nul_bytes_are_repaired_and_noted() -> None:
    mail = parse("inbound_unknown_charset.eml")
    assert mail.subject == "Ärende från Göteborg"
    assert "Hälsningar från Åre" in mail.text
    assert "\x00" not in mail.text
    assert "NUL bytes removed" in mail.defects
    assert mail.ok


def test_8bit_text_without_charset_falls_back_to_windows_1252() -> None:
    mail = parse("inbound_8bit_nocharset.eml")
    assert mail.subject == "Tack för hjälpen"
    assert "Det löste sig, tack så mycket!" in mail.text
    assert "no Message-ID" in mail.defects
    assert mail.message_id is None


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff\xfe", b"garbage without headers", b"From: <>\r\n\r\n", b"Subject: =?x?q?\r\n"],
)
def test_any_bytes_give_a_result_instead_of_an_exception(raw: bytes) -> None:
    mail = parse_message(raw)
    assert mail.ok or mail.defects


def test_twenty_thousand_encoded_words_in_a_subject_are_cut_and_noted() -> None:
    subject = " ".join(["=?utf-8?q?=C3=A5?="] * 20_000)
    mail = parse_message(f"From: a@b.se\r\nSubject: {subject}\r\n\r\nhej\r\n".encode())
    assert mail.subject.startswith("ååå")
    assert any("encoded words" in defect for defect in mail.defects)


def test_a_thousand_nested_parts_are_bounded_and_noted() -> None:
    head = b"From: a@b.se\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for level in range(1_000):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
            + b"\r\n" + body + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    mail = parse_message(head + body)
    assert any("nested" in d for d in mail.defects), mail.defects


def test_a_broken_boundary_keeps_the_customers_text() -> None:
    mail = parse("inbound_broken_boundary.eml")
    assert "Mitt ärende gäller flytt." in mail.text
    assert mail.ok


def test_a_30_mb_attachment_is_kept_whole() -> None:
    data = bytes(range(256)) * (30 * 1024 * 1024 // 256)
    import base64

    encoded = base64.encodebytes(data)
    raw = (
        b"From: a@b.se\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;"
        b" boundary=Z\r\n\r\n--Z\r\nContent-Type: text/plain\r\n\r\nhej\r\n--Z\r\n"
        b"Content-Type: application/zip\r\nContent-Disposition: attachment; filename=big.zip\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"\r\n--Z--\r\n"
    )
    mail = parse_message(raw)
    assert [a.filename for a in mail.attachments] == ["big.zip"]
    assert mail.attachments[0].data == data


def test_html_only_mail_is_sanitised_and_gives_text_and_keeps_cid_images() -> None:
    mail = parse("inbound_html_only.eml")
    assert mail.html is not None
    for unsafe in ("<script", "onclick", "javascript:", "color:red"):
        assert unsafe not in mail.html
    assert 'src="cid:logo@x"' in mail.html
    assert mail.text == "Hej, min faktura är fel.\nklicka"
    image = mail.attachments[0]
    assert (image.content_id, image.inline) == ("logo@x", True)


@pytest.mark.parametrize(
    ("name", "visible", "quoted_start"),
    [
        ("inbound_gmail_sv.eml", "Tack, det passar bra på tisdag.", "Den mån 3 mars"),
        ("inbound_outlook_sv.eml", "Ja, det stämmer.", "Från: Bo Berg"),
        ("inbound_outlook_en.eml", "Yes, that is right.", "-----Original Message-----"),
        ("inbound_thunderbird_en_sig.eml", "Thanks, Tuesday works.", "--"),
        ("inbound_apple_en.eml", "See you then.", "On 3 Mar 2025"),
    ],
)
def test_quoted_history_and_signatures_are_folded_away(
    name: str, visible: str, quoted_start: str
) -> None:
    mail = parse(name)
    assert mail.visible_text.strip() == visible
    assert mail.quoted_text.startswith(quoted_start)


def test_reply_headers_thread_the_message() -> None:
    mail = parse("inbound_gmail_sv.eml")
    assert mail.in_reply_to == ("case-17@nabar.example",)
    assert mail.references == ("case-17@nabar.example",)
    assert mail.recipients == ("support@nabar.example",)
    assert mail.auto is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("inbound_vacation_sv.eml", "auto_reply"),
        ("inbound_auto_submitted.eml", "auto_reply"),
        ("inbound_list.eml", "list"),
        ("inbound_dsn.eml", "bounce"),
    ],
)
def test_automatic_mail_is_recognised(name: str, kind: str) -> None:
    mail = parse(name)
    assert mail.auto is not None
    assert mail.auto.kind == kind


def test_a_standard_delivery_report_names_the_address_status_and_our_message() -> None:
    bounce = parse("inbound_dsn.eml").bounce
    assert bounce is not None
    assert bounce.recipients == ("gone@example.se",)
    assert bounce.status == "5.1.1"
    assert bounce.permanent
    assert "User unknown" in bounce.diagnostic
    assert bounce.original_message_id == "reply-17-3@nabar.example"


def test_a_non_standard_bounce_is_recognised_as_temporary() -> None:
    bounce = parse("inbound_qmail_bounce.eml").bounce
    assert bounce is not None
    assert "full@example.com" in bounce.recipients
    assert bounce.status == "4.2.2"
    assert not bounce.permanent
    assert bounce.original_message_id == "reply-9-1@nabar.example"


def test_a_persons_mail_is_neither_automatic_nor_a_bounce() -> None:
    mail = parse("inbound_latin1_cp1252.eml")
    assert (mail.auto, mail.bounce) == (None, None)


def test_attachment_names_are_decoded_and_made_safe() -> None:
    mail = parse("inbound_attachments.eml")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("kvitto räkning.pdf", "application/pdf"),
        ("små bild.jpg", "image/jpeg"),
    ]
    assert mail.attachments[0].data.startswith(b"%PDF")
    assert mail.visible_text == "Se bifogat."


def test_a_broken_winmail_dat_is_kept_as_it_came() -> None:
    raw = (
        b"From: a@b.se\r\nSubject: tnef\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;"
        b" boundary=T\r\n\r\n--T\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
        b"Content-Disposition: attachment; filename=winmail.dat\r\n\r\nnot tnef\r\n--T--\r\n"
    )
    mail = parse_message(raw)
    assert [a.filename for a in mail.attachments] == ["winmail.dat"]
    assert any("winmail.dat" in defect for defect in mail.defects)

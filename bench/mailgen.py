"""A generated customer-service mailbox: new cases first, then the customers' answers.

Mail arrives in two waves, as it does at a helpdesk. The first wave is what customers send on
their own: new questions in Swedish and English, some as HTML, some with attachments, and a
small share of automatic mail (newsletters, no-reply notices). The second wave is what comes
back after the helpdesk's receipts went out, so it is built from those receipts: a customer's
reply goes to the receipt's Reply-To address (the reply token) with In-Reply-To and References
naming the receipt's Message-ID, as a real mail client writes it; some clients drop the token
and thread by Message-ID only; some customers write again in their own first thread; a few
receipts meet an out-of-office auto-reply, and a few bounce from a domain that does not exist.

Every message is 7-bit (quoted-printable or base64 bodies, RFC 2047 headers), so any reader,
including ones that open the files as text, sees the same bytes. No database here: the caller
stores the first wave, collects the receipts, and asks for the second wave.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

# Shares of the whole mailbox.
FIRST_WAVE_SHARE = 0.6
HTML_SHARE = 0.25
ATTACHMENT_SHARE = 0.1
AUTOMATIC_SHARE = 0.03  # newsletters and no-reply notices in the first wave
BOUNCE_DOMAIN_SHARE = 0.03  # first-wave senders whose receipts bounce
OUT_OF_OFFICE_SHARE = 0.05  # of the second wave
OWN_THREAD_SHARE = 0.15  # of the second wave: the customer writes again in their own thread
NO_TOKEN_SHARE = 0.2  # of the replies: the client answered without the Reply-To token

BAD_DOMAIN = "finns-inte.invalid"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

FIRST_NAMES = [
    "Karin",
    "Lars",
    "Åsa",
    "Björn",
    "Ingrid",
    "Per",
    "Maria",
    "Jörgen",
    "Emma",
    "Oskar",
    "Sara",
    "Mikael",
    "Linnéa",
    "Anders",
    "Johanna",
    "Erik",
]
LAST_NAMES = [
    "Lund",
    "Andersson",
    "Öberg",
    "Nyström",
    "Svensson",
    "Åkesson",
    "Karlsson",
    "Berg",
    "Holm",
    "Ek",
    "Smith",
    "Jones",
]
DOMAINS = ["example.se", "post.example.se", "example.com", "mail.example.net"]
SUBJECTS = {
    "sv": [
        "Fråga om fakturan för {month}",
        "Kan inte logga in på mitt konto",
        "Leveransen har inte kommit",
        "Flytt av abonnemang till ny adress",
        "Fel belopp dragits på kortet",
        "Hur ändrar jag min e-postadress?",
        "Bredbandet går ner varje kväll",
        "Återbetalning för avbokad tid",
    ],
    "en": [
        "Question about my {month} invoice",
        "Cannot sign in to my account",
        "My delivery has not arrived",
        "Moving my subscription to a new address",
        "Charged the wrong amount",
        "How do I change my e-mail address?",
        "Broadband drops every evening",
        "Refund for a cancelled appointment",
    ],
}
MONTHS = {
    "sv": ["oktober", "november", "december"],
    "en": ["October", "November", "December"],
}
BODIES = {
    "sv": [
        "Hej!\n\nJag har fått en faktura på {amount} kr som jag inte känner igen. "
        "Kan ni titta på vad den gäller? Kundnummer {number}.\n\nTack på förhand,\n{name}",
        "Hej,\n\nsedan i tisdags kan jag inte logga in. Jag får felet att lösenordet är fel "
        "fast jag har bytt det två gånger. Vad ska jag göra?\n\nMvh\n{name}",
        "Hej,\n\nmin beställning {number} skulle ha kommit för en vecka sedan men spårningen "
        "har inte ändrats. Kan ni kontrollera med transportören?\n\nHälsningar\n{name}\n-- \n"
        "{name}\n070-{amount} {number}",
        "Hej!\n\nVi flyttar den 1 december och vill ta med abonnemanget till den nya adressen. "
        "Går det att ordna utan avbrott?\n\nVänliga hälsningar\n{name}\n\nSkickat från min iPhone",
    ],
    "en": [
        "Hello,\n\nI received an invoice for {amount} SEK that I do not recognise. Could you "
        "please check what it is for? Customer number {number}.\n\nThanks,\n{name}",
        "Hi,\n\nsince Tuesday I cannot sign in. It says my password is wrong although I have "
        "reset it twice. What should I do?\n\nBest regards\n{name}",
        "Hello,\n\nmy order {number} should have arrived a week ago but the tracking has not "
        "changed. Can you check with the carrier?\n\nKind regards\n{name}\n-- \n{name}\n"
        "+46 70 {amount} {number}",
        "Hi,\n\nwe are moving on 1 December and would like to keep the subscription at the new "
        "address. Is that possible without an interruption?\n\nThanks\n{name}\n\nSent from my iPhone",
    ],
}
REPLIES = {
    "sv": [
        "Tack för snabbt svar! Fakturanumret är {number}.",
        "Hej igen, det fungerar fortfarande inte. Jag bifogar en skärmbild.",
        "Tack, då väntar jag på besked.",
        "Hej, jag glömde skriva att det gäller båda mina konton.",
    ],
    "en": [
        "Thanks for the quick answer! The invoice number is {number}.",
        "Hello again, it still does not work. I attach a screenshot.",
        "Thank you, I will wait to hear from you.",
        "Hi, I forgot to say that this concerns both of my accounts.",
    ],
}


@dataclass(frozen=True)
class GeneratedMail:
    """One message of the mailbox and what it is meant to be."""

    name: str
    raw: bytes
    kind: str  # new, automatic, reply, reply_no_token, own_thread, out_of_office, bounce
    language: str
    thread: str = ""  # first-wave Message-ID (no brackets) of the case it belongs to, if any


@dataclass(frozen=True)
class Receipt:
    """A receipt the helpdesk sent: what the customer's mail client sees and answers."""

    to: str
    from_address: str
    from_name: str
    reply_to: str
    message_id: str  # without angle brackets
    subject: str
    body: str
    first_message_id: str  # the customer's own first mail (what the case began with)
    language: str = "sv"


def _message_id(rng: random.Random, domain: str) -> str:
    return f"{rng.getrandbits(64):016x}.{rng.getrandbits(32):08x}@{domain}"


def _attachment(rng: random.Random) -> tuple[bytes, str, str, str]:
    """A small but real-sized file: PDF-like, PNG-like or a text log."""
    size = rng.randrange(4_000, 60_000)
    choice = rng.randrange(3)
    if choice == 0:
        data = b"%PDF-1.4\n" + rng.randbytes(size) + b"\n%%EOF\n"
        return data, "application", "pdf", f"faktura-{rng.randrange(10_000)}.pdf"
    if choice == 1:
        data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(size)
        return data, "image", "png", f"skärmbild {rng.randrange(100)}.png"
    lines = [f"2026-11-0{rng.randrange(1, 9)} 10:{i % 60:02d} ERROR code {i}" for i in range(80)]
    return ("\n".join(lines) + "\n").encode(), "text", "plain", "logg.txt"


def _html(text: str) -> str:
    paragraphs = "".join(
        "<p>" + part.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</p>"
        for part in text.split("\n\n")
    )
    return f'<html><body><div dir="ltr" style="font-family:Arial">{paragraphs}</div></body></html>'


def _compose(
    *,
    sender: tuple[str, str],
    to: str,
    subject: str,
    text: str,
    date: datetime,
    message_id: str,
    rng: random.Random,
    html: bool = False,
    attachment: bool = False,
    headers: Sequence[tuple[str, str]] = (),
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr(sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{message_id}>"
    for name, value in headers:
        message[name] = value
    message.set_content(text, charset=charset, cte="quoted-printable")
    if html:
        message.add_alternative(_html(text), subtype="html", cte="quoted-printable")
    if attachment:
        data, maintype, subtype, filename = _attachment(rng)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def first_wave(count: int, *, support_address: str, seed: int = 2026) -> list[GeneratedMail]:
    """What customers send before hearing from us: new cases and some automatic mail."""
    rng = random.Random(seed)
    mails = []
    for i in range(count):
        date = START + timedelta(seconds=37 * i)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if rng.random() < AUTOMATIC_SHARE:
            domain = rng.choice(DOMAINS)
            message_id = _message_id(rng, domain)
            raw = _compose(
                sender=("Nyhetsbrev", f"no-reply@{domain}"),
                to=support_address,
                subject="Veckans erbjudanden",
                text="Se veckans erbjudanden på vår webbplats.\n\nAvregistrera dig här.",
                date=date,
                message_id=message_id,
                rng=rng,
                html=True,
                headers=[("Precedence", "bulk"), ("List-Unsubscribe", f"<mailto:u@{domain}>")],
            )
            mails.append(GeneratedMail(f"w1-{i:06d}.eml", raw, "automatic", "sv"))
            continue
        language = "sv" if rng.random() < 0.6 else "en"
        domain = BAD_DOMAIN if rng.random() < BOUNCE_DOMAIN_SHARE else rng.choice(DOMAINS)
        local = name.lower().replace(" ", ".").translate(str.maketrans("åäöé", "aaoe"))
        address = f"{local}.{i}@{domain}"
        message_id = _message_id(rng, domain)
        words = {
            "name": name.split()[0],
            "amount": rng.randrange(100, 9_999),
            "number": rng.randrange(100_000, 999_999),
            "month": rng.choice(MONTHS[language]),
        }
        raw = _compose(
            sender=(name, address),
            to=support_address,
            subject=rng.choice(SUBJECTS[language]).format(**words),
            text=rng.choice(BODIES[language]).format(**words),
            date=date,
            message_id=message_id,
            rng=rng,
            html=rng.random() < HTML_SHARE,
            attachment=rng.random() < ATTACHMENT_SHARE,
            # Some Swedish mail still leaves in Latin-1.
            charset="iso-8859-1" if language == "sv" and rng.random() < 0.2 else "utf-8",
        )
        mails.append(GeneratedMail(f"w1-{i:06d}.eml", raw, "new", language, thread=message_id))
    return mails


def _quote(receipt: Receipt, date: datetime, language: str) -> str:
    quoted = "\n".join(f"> {line}".rstrip() for line in receipt.body.splitlines())
    if language == "sv":
        head = f"Den {date:%d %b %Y} kl. {date:%H:%M} skrev {receipt.from_name} <{receipt.from_address}>:"
    else:
        head = (
            f"On {date:%a, %d %b %Y at %H:%M}, {receipt.from_name} <{receipt.from_address}> wrote:"
        )
    return f"{head}\n{quoted}"


def second_wave(
    receipts: Sequence[Receipt], count: int, *, support_address: str, seed: int = 2027
) -> list[GeneratedMail]:
    """What comes back after the receipts: replies, own-thread follow-ups, auto-replies, bounces.

    Every receipt to an address that cannot receive mail bounces once; the rest of ``count`` is
    made from the other receipts, cycling through them when there are fewer receipts than
    messages asked for (a customer may answer more than once).
    """
    rng = random.Random(seed)
    start = START + timedelta(days=1)
    mails: list[GeneratedMail] = []
    bouncing = [r for r in receipts if r.to.endswith("@" + BAD_DOMAIN)]
    answering = [r for r in receipts if not r.to.endswith("@" + BAD_DOMAIN)]
    for receipt in bouncing[:count]:
        date = start + timedelta(seconds=23 * len(mails))
        mails.append(_bounce(receipt, date, len(mails), rng))
    if not answering:
        return mails
    order = list(answering)
    rng.shuffle(order)
    while len(mails) < count:
        i = len(mails)
        receipt = order[i % len(order)]
        date = start + timedelta(seconds=23 * i)
        language = receipt.language
        name = f"w2-{i:06d}.eml"
        thread = receipt.first_message_id
        domain = receipt.to.rsplit("@", 1)[1]
        customer = receipt.to.split("@")[0].split(".")[0].capitalize()
        draw = rng.random()
        if draw < OUT_OF_OFFICE_SHARE:
            text = (
                "Jag är ledig till och med 15 december och läser inte e-post.\n"
                if language == "sv"
                else "I am out of the office until 15 December with no access to e-mail.\n"
            )
            raw = _compose(
                sender=(customer, receipt.to),
                to=receipt.reply_to,
                subject=("Automatiskt svar: " if language == "sv" else "Automatic reply: ")
                + receipt.subject,
                text=text,
                date=date,
                message_id=_message_id(rng, domain),
                rng=rng,
                headers=[
                    ("Auto-Submitted", "auto-replied"),
                    ("In-Reply-To", f"<{receipt.message_id}>"),
                ],
            )
            mails.append(GeneratedMail(name, raw, "out_of_office", language, thread))
            continue
        words = {"number": rng.randrange(100_000, 999_999)}
        text = rng.choice(REPLIES[language]).format(**words)
        if draw < OUT_OF_OFFICE_SHARE + OWN_THREAD_SHARE:
            # A second mail in the customer's own thread, before reading our receipt.
            raw = _compose(
                sender=(customer, receipt.to),
                to=support_address,
                subject=("Sv: " if language == "sv" else "Re: ") + "min fråga",
                text=text,
                date=date,
                message_id=_message_id(rng, domain),
                rng=rng,
                attachment=rng.random() < ATTACHMENT_SHARE,
                headers=[
                    ("In-Reply-To", f"<{thread}>"),
                    ("References", f"<{thread}>"),
                ],
            )
            mails.append(GeneratedMail(name, raw, "own_thread", language, thread))
            continue
        token = rng.random() >= NO_TOKEN_SHARE
        raw = _compose(
            sender=(customer, receipt.to),
            to=receipt.reply_to if token else receipt.from_address,
            subject=("Sv: " if language == "sv" else "Re: ") + receipt.subject,
            text=f"{text}\n\n{_quote(receipt, date, language)}\n",
            date=date,
            message_id=_message_id(rng, domain),
            rng=rng,
            html=rng.random() < HTML_SHARE,
            attachment=rng.random() < ATTACHMENT_SHARE,
            headers=[
                ("In-Reply-To", f"<{receipt.message_id}>"),
                ("References", f"<{thread}> <{receipt.message_id}>"),
            ],
        )
        mails.append(
            GeneratedMail(name, raw, "reply" if token else "reply_no_token", language, thread)
        )
    return mails


def _bounce(receipt: Receipt, date: datetime, i: int, rng: random.Random) -> GeneratedMail:
    """A delivery status notification (RFC 3464) for a receipt to a domain that does not exist."""
    relay = "mx.helpdesk.example"
    boundary = f"bounce-{i}-{rng.getrandbits(32):08x}"
    raw = (
        f"From: Mail Delivery System <MAILER-DAEMON@{relay}>\r\n"
        f"To: {receipt.from_address}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(date)}\r\n"
        f"Message-ID: <{_message_id(rng, relay)}>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"This is the mail system at host {relay}.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        f"<{receipt.to}>: Host or domain name not found.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {relay}\r\n\r\n"
        f"Final-Recipient: rfc822; {receipt.to}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.2\r\n"
        f"Diagnostic-Code: X-Postfix; Host or domain name not found ({BAD_DOMAIN})\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"From: {receipt.from_address}\r\n"
        f"To: {receipt.to}\r\n"
        f"Message-ID: <{receipt.message_id}>\r\n"
        "Subject: =?utf-8?q?receipt?=\r\n\r\n"
        f"--{boundary}--\r\n"
    )
    return GeneratedMail(
        f"w2-{i:06d}.eml", raw.encode("ascii"), "bounce", "en", receipt.first_message_id
    )
